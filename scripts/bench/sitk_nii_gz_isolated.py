#!/usr/bin/env python
"""Times SimpleITK reading the `.nii.gz` files of ../shared/bench/io_bench.py on their own.

Why: io_bench.py writes `<volume>.nii` and `<volume>.nii.gz` into the same folder, and SimpleITK's NIfTI reader
(niftilib) then reads the uncompressed `<volume>.nii` when it is asked for `<volume>.nii.gz`: its "nii_gz" time is
the time of an uncompressed read (measured on 2026-11-27: 61 ms for `ct_int16_256.nii.gz` next to its `.nii`,
208 ms for the same file alone in a folder). Here every `.nii.gz` is copied alone into a fresh folder and timed
the way io_bench.py times reads: --warmup untimed and --runs timed `sitk.ReadImage(path)`, each followed by
`sitk.GetArrayFromImage` (read_to_numpy counts both). Each read is checked against the SHA-256 of the voxels that
io_bench.py recorded, so a read of anything else than the compressed file's contents fails the run.

Runs in the virtualenv of ../shared/bench; `cargo xtask bench --vs-pymia` runs it after the `io` step.
Input: $BENCH_OUT/io_speed.json (io_bench.py's output). Output: $BENCH_OUT/io_nii_gz_isolated.json
({volume: {read: stats, read_to_numpy: stats, ...}}); with --quick both live in $BENCH_OUT/quick.
"""
import argparse
import gc
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get('MIA_SHARED') or os.path.normpath(os.path.join(HERE, '..', '..', '..', 'shared'))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(SHARED, 'bench'))

import numpy as np  # noqa: E402
import SimpleITK as sitk  # noqa: E402

from bench_common import default_out, loadavg, machine_info, stats, versions, write_json  # noqa: E402


def sha256(arr):
    return hashlib.sha256(np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder('<')).tobytes()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--runs', type=int, default=None, help='timed runs (quick 3, full 10)')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--quick', action='store_true')
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 10)
    source = default_out('io_speed.json', args.quick)
    out = default_out('io_nii_gz_isolated.json', args.quick)
    with open(source) as f:
        io = json.load(f)
    result = {'_about': __doc__, 'bench': 'io_nii_gz_isolated', 'machine': machine_info(), 'versions': versions(),
              'runs': runs, 'warmup': args.warmup, 'source': os.path.abspath(source), 'volumes': {}}
    for name, vr in io['volumes'].items():
        fmt = vr['formats'].get('nii_gz')
        if not fmt:
            continue
        with tempfile.TemporaryDirectory() as scratch:
            path = os.path.join(scratch, os.path.basename(fmt['path']))
            shutil.copyfile(fmt['path'], path)
            assert sorted(os.listdir(scratch)) == [os.path.basename(path)], 'the .nii.gz must be alone'
            for _ in range(args.warmup):
                sitk.ReadImage(path)
            reads, reads_np = [], []
            for _ in range(runs):
                gc.collect()
                t0 = time.perf_counter()
                im = sitk.ReadImage(path)
                t1 = time.perf_counter()
                a = sitk.GetArrayFromImage(im)
                t2 = time.perf_counter()
                reads.append(t1 - t0)
                reads_np.append(t2 - t0)
            equal = sha256(a) == vr['sha256_array_bytes']
        if not equal:
            sys.exit(f'{path}: the voxels SimpleITK read differ from the generated volume')
        result['volumes'][name] = {'file': os.path.basename(path), 'bytes': fmt['bytes'], 'read': stats(reads),
                                   'read_to_numpy': stats(reads_np), 'voxels_equal': equal,
                                   'sibling_folder_read_to_numpy_median_s': fmt['read_to_numpy']['median_s']}
        print(f'{name:24s} nii_gz alone   read {1000 * stats(reads)["median_s"]:8.1f} ms  '
              f'(+numpy {1000 * stats(reads_np)["median_s"]:8.1f} ms); next to its .nii: '
              f'{1000 * fmt["read_to_numpy"]["median_s"]:8.1f} ms', flush=True)
    result['machine']['loadavg_at_end'] = loadavg()
    write_json(out, result)


if __name__ == '__main__':
    main()
