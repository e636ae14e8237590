"""(b) pymia 0.3.4 creates a dataset with its Traverser and default callbacks; writes the JSON that
`mia dataset info --json` must print for it (read back with h5py). Usage: create_with_pymia.py OUT.h5 DATA_DIR EXPECTED.json"""
import json
import os
import sys

import h5py
import numpy as np

import pymia.data.creation as crt

from common import LoadData, subject_files

out, data_dir, expected_json = sys.argv[1], sys.argv[2], sys.argv[3]
if os.path.exists(out):
    os.remove(out)
subjects = subject_files(data_dir)
with crt.get_writer(out) as writer:
    crt.Traverser().traverse(subjects, callback=crt.get_default_callbacks(writer), load=LoadData())

dtype_names = {'float32': 'f32', 'float64': 'f64', 'uint8': 'u8', 'int64': 'i64', 'int8': 'i8', 'uint16': 'u16',
               'int16': 'i16', 'uint32': 'u32', 'int32': 'i32', 'uint64': 'u64'}
with h5py.File(out, 'r') as f:
    subj = [s.decode() for s in f['meta/subjects'][()]]
    cats = {}
    for c in sorted(f['data'].keys()):
        d = f[f'data/{c}/0']
        dt = 'str' if h5py.check_string_dtype(d.dtype) else dtype_names[d.dtype.name]
        cats[c] = {'names': [n.decode() for n in f[f'meta/names/{c}_names'][()]], 'dtype': dt,
                   'shapes': f[f'meta/shapes/{c}_shapes'][()].astype(int).tolist()}
    props = []
    for i in range(len(subj)):
        props.append({k: f[f'meta/image_props/{loc}'][i].tolist() for k, loc in
                      [('size', 'shapes'), ('spacing', 'spacing'), ('origin', 'origins'), ('direction', 'directions')]})
json.dump({'subjects': subj, 'categories': cats, 'image_properties': props}, open(expected_json, 'w'))
print(f'pymia wrote {out} ({os.path.getsize(out) / 2**20:.1f} MiB)')
