#!/usr/bin/env bash
# Interoperability of mia's HDF5 datasets with pymia 0.3.4, on ../shared/data/pymia-example:
#  (a) `mia dataset create` writes a dataset; pymia's PymiaDatasource + extractors read identical arrays, subjects,
#      names, files and image properties (check_mia_dataset.py);
#  (b) pymia's Traverser writes a dataset; `mia dataset info --json` reports exactly what h5py reads from it, and
#      mia's Rust reader checks its arrays against the raw files (test `pymia_written` of mia-dataset).
# Needs the benchmark venv (created here by shared/bench/setup.sh) and a Rust toolchain.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"   # the repository root
SHARED="${MIA_SHARED:-$REPO/../shared}"
DATA="$SHARED/data/pymia-example"
HERE="$REPO/scripts/pymia_interop"
bash "$SHARED/bench/setup.sh"
PY="${BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/mia-bench/venv}/bin/python"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cargo build -q -p mia-cli
MIA="${CARGO_TARGET_DIR:-$REPO/target}/debug/mia"

# (a) mia writes, pymia reads
sed "s|^root = .*|root = \"$DATA\"|" "$HERE/example_subjects.toml" > "$WORK/subjects.toml"
"$MIA" dataset create --config "$WORK/subjects.toml" --out "$WORK/mia.h5" --quiet
"$PY" "$HERE/check_mia_dataset.py" "$WORK/mia.h5" "$DATA"
# the chunked + compressed variant is read identically too
"$MIA" dataset create --config "$WORK/subjects.toml" --out "$WORK/mia-packed.h5" --compression 4 --quiet
"$PY" "$HERE/check_mia_dataset.py" "$WORK/mia-packed.h5" "$DATA"

# (b) pymia writes, mia reads
"$PY" "$HERE/create_with_pymia.py" "$WORK/pymia.h5" "$DATA" "$WORK/expected.json"
"$MIA" dataset info "$WORK/pymia.h5" --json > "$WORK/info.json"
"$PY" "$HERE/compare_info.py" "$WORK/info.json" "$WORK/expected.json"
MIA_PYMIA_DATASET="$WORK/pymia.h5" MIA_PYMIA_DATA="$DATA" cargo test -q -p mia-dataset --test pymia_written -- --ignored
echo "pymia interop: OK"
