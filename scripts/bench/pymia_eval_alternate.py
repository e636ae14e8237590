#!/usr/bin/env python
"""Times pymia 0.3.4 and mia alternately on one parity case: the full metric set and HDRFDST95 alone.

Why: on the development VM both pymia's and mia's times drift by up to 2x within an hour, so a ratio of two
figures taken 20 minutes apart (as in one `cargo xtask bench` run: peers first, then mia) can be off by that much.
Here each round times pymia (../shared/bench's own `timed_evaluate`: full set with 1 warm-up and 2 timed calls,
HDRFDST95 alone with 2 timed calls) and right after it the matching mia-bench rows, so each round's ratio compares
figures taken within a minute of each other.

Runs in the virtualenv of ../shared/bench, after a release build of mia-bench:
    cargo build --release -p mia-bench
    ~/.cache/mia-bench/venv/bin/python scripts/bench/pymia_eval_alternate.py [--case brain_multilabel] [--rounds 3]
Output: one line per round and figure on stdout.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
SHARED_BENCH = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'bench'))
sys.path.insert(0, SHARED_BENCH)
sys.dont_write_bytecode = True

import SimpleITK as sitk  # noqa: E402
import pymia_metrics  # noqa: E402
from bench_common import case_labels, cases_dir  # noqa: E402
from pymia_eval_bench import timed_evaluate  # noqa: E402


def mia_rows(binary, case, bench_work):
    """Median ms of mia-bench's 1-thread rows for `case`'s full set and HDRFDST95 alone."""
    env = dict(os.environ, MIA_BENCH_FILTER=f'{case} full|{case} HDRFDST95 alone')
    out = subprocess.run([binary, '--bench-work', bench_work, '--cases', cases_dir(), '--out', os.devnull,
                          '--steps', 'eval'], env=env, capture_output=True, text=True, check=True)
    rows = {}
    for line in (out.stdout + out.stderr).splitlines():
        m = re.match(r'\s*eval \S+ (full|HDRFDST95 alone).*?\s(\d) thr\s+([\d.]+) ms', line)
        if m and m.group(2) == '1':
            rows['full' if m.group(1) == 'full' else 'HDRFDST95'] = float(m.group(3))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--case', default='brain_multilabel')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--mia-bench', default=os.path.join(
        os.environ.get('CARGO_TARGET_DIR', os.path.join(ROOT, 'target')), 'release', 'mia-bench'))
    parser.add_argument('--bench-work', default=os.path.expanduser('~/.cache/mia-bench/work'))
    args = parser.parse_args()
    warnings.simplefilter('ignore')
    labels = case_labels(args.case, cases_dir())
    ref = sitk.ReadImage(os.path.join(cases_dir(), args.case, 'ref.nii.gz'))
    pred = sitk.ReadImage(os.path.join(cases_dir(), args.case, 'pred.nii.gz'))
    hd95 = [m for m in pymia_metrics.categorical_metrics() if m.metric == 'HDRFDST95']
    for r in range(1, args.rounds + 1):
        wall, _ = timed_evaluate(pymia_metrics.categorical_metrics(), labels, pred, ref, 2, 1)
        pymia = {'full': statistics.median(wall) * 1000}
        wall, _ = timed_evaluate(hd95, labels, pred, ref, 2, 0)
        pymia['HDRFDST95'] = statistics.median(wall) * 1000
        mia = mia_rows(args.mia_bench, args.case, args.bench_work)
        for key in ('full', 'HDRFDST95'):
            ratio = pymia[key] / mia[key] if key in mia else float('nan')
            print(f'round {r} {args.case} {key:9s} pymia {pymia[key]:9.1f} ms  mia {mia.get(key, float("nan")):7.1f} ms'
                  f'  ratio {ratio:5.1f}x (1 thread)', flush=True)


if __name__ == '__main__':
    main()
