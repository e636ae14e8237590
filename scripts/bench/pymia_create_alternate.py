#!/usr/bin/env python
"""Times pymia 0.3.4's dataset creation and mia's alternately, round by round, on the data benchmark's files.

Why: creation writes 456 MB per run, and how long that takes depends on how much the kernel still has to write
back (pymia's creation in `cargo xtask bench` comes right after it wrote 1.5 GB of raw files). Alternating puts
pymia and mia in the same state within seconds of each other.

Needs the files `../shared/bench/run.sh data --keep` leaves in `$BENCH_WORK/data_bench` and a release build of
mia-bench; runs in the virtualenv of ../shared/bench:
    cargo build --release -p mia-bench
    ~/.cache/mia-bench/venv/bin/python scripts/bench/pymia_create_alternate.py [--rounds 3] [MIA_BENCH ...]
Each round: pymia's `create_hdf5` (Traverser + default callbacks, from the uncompressed .mha files), then every
given mia-bench binary's creation rows (default: the release build). One line per figure on stdout.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
SHARED_BENCH = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'bench'))
sys.path.insert(0, SHARED_BENCH)
sys.dont_write_bytecode = True

import pymia_data_bench  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--bench-work', default=os.environ.get(
        'BENCH_WORK', os.path.expanduser('~/.cache/mia-bench/work')))
    parser.add_argument('mia_bench', nargs='*', default=[os.path.join(
        os.environ.get('CARGO_TARGET_DIR', os.path.join(ROOT, 'target')), 'release', 'mia-bench')])
    args = parser.parse_args()
    raw = os.path.join(args.bench_work, 'data_bench', 'raw_mha')
    if not os.path.isdir(raw):
        sys.exit(f'{raw} is missing: run ../shared/bench/run.sh data --keep first')
    entries = [(d, {'T1': os.path.join(raw, d, f'{d}_T1.mha'), 'T2': os.path.join(raw, d, f'{d}_T2.mha')})
               for d in sorted(os.listdir(raw))]
    cases = os.path.join(SHARED_BENCH, '..', 'parity', 'cases')
    with tempfile.TemporaryDirectory(dir=args.bench_work) as tmp:
        target = os.path.join(tmp, 'pymia.h5')
        for r in range(args.rounds):
            t = pymia_data_bench.create_hdf5(target, entries)
            os.remove(target)
            print(f'round {r} pymia create hdf5 dataset ({len(entries)} subjects) {t * 1e3:9.1f} ms', flush=True)
            for binary in args.mia_bench:
                out = subprocess.run(
                    [binary, '--bench-work', args.bench_work, '--cases', cases, '--out', os.path.join(tmp, 'mia.json'),
                     '--steps', 'data'],
                    env=dict(os.environ, MIA_BENCH_FILTER='create'), stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, text=True, check=True).stdout
                for line in out.splitlines():
                    if 'create hdf5 dataset' in line:
                        print(f'round {r} mia ({os.path.basename(binary)}) {line.strip()}', flush=True)


if __name__ == '__main__':
    main()
