"""Times dataset creation by pymia 0.3.4 (Traverser + default callbacks) and by `mia dataset create` on the same
files: N subjects with T1 + T2 of 181x217x181 float32 (uncompressed MetaImage), as in the pymia paper's benchmark.
Usage: bench_create.py MIA_BINARY WORKDIR [N]. Prints wall time, peak RSS (of each run as a child process) and
file sizes."""
import os
import subprocess
import sys
import time

import numpy as np
import SimpleITK as sitk

mia, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(0)
for i in range(n):
    d = os.path.join(work, f'Subject_{i}')
    os.makedirs(d, exist_ok=True)
    for k, name in enumerate(('T1', 'T2')):
        f = os.path.join(d, f'Subject_{i}_{name}.mha')
        if not os.path.exists(f):
            a = (100 + 20 * rng.standard_normal((181, 217, 181))).astype(np.float32)
            sitk.WriteImage(sitk.GetImageFromArray(a), f)
with open(os.path.join(work, 'subjects.toml'), 'w') as f:
    f.write('root = "."\nsubjects = "Subject_*"\n[categories.images]\n'
            'entries = { T1 = "{subject}/{subject}_T1.mha", T2 = "{subject}/{subject}_T2.mha" }\n')
PYMIA = '''
import glob, os, sys, SimpleITK as sitk
import pymia.data as data, pymia.data.creation as crt
work, out = sys.argv[1], sys.argv[2]
subjects = [data.SubjectFile(os.path.basename(d), images={'T1': glob.glob(d + '/*_T1.mha')[0], 'T2': glob.glob(d + '/*_T2.mha')[0]})
            for d in sorted(glob.glob(work + '/Subject_*'))]
with crt.get_writer(out) as w:
    crt.Traverser().traverse(subjects, callback=crt.get_default_callbacks(w))
'''


def run(cmd):
    t = time.perf_counter()
    r = subprocess.run(['/usr/bin/time', '-f', 'MAXRSS %M'] + cmd, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t
    rss = [int(l.split()[1]) for l in r.stderr.splitlines() if l.startswith('MAXRSS')][-1]
    return dt, rss


rows = []
for name, out, cmd in [
    ('pymia 0.3.4', 'pymia.h5', [sys.executable, '-c', PYMIA, work, os.path.join(work, 'pymia.h5')]),
    ('mia contiguous', 'mia.h5', [mia, 'dataset', 'create', '--quiet', '--force', '--config',
                                  os.path.join(work, 'subjects.toml'), '--out', os.path.join(work, 'mia.h5')]),
    ('mia deflate 4', 'mia-z.h5', [mia, 'dataset', 'create', '--quiet', '--force', '--compression', '4', '--config',
                                   os.path.join(work, 'subjects.toml'), '--out', os.path.join(work, 'mia-z.h5')]),
]:
    p = os.path.join(work, out)
    if os.path.exists(p):
        os.remove(p)
    dt, rss = run(cmd)
    rows.append((name, dt, rss, os.path.getsize(p)))
for name, dt, rss, size in rows:
    print(f'{name:16s} {dt:7.2f} s  peak RSS {rss / 1024:7.0f} MiB  file {size / 2**20:7.1f} MiB')
