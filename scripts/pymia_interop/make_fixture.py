"""Writes crates/mia-dataset/tests/data/pymia_small.h5: a tiny dataset created by pymia 0.3.4's Traverser and
default callbacks from synthetic subjects (the Rust test `pymia_written` recomputes the same values).
Subject s (0..2), array index (z, y, x) of a 6x8x10 volume (ITK size 10x8x6):
  T1 = 1000 s + 100 z + 10 y + x + 0.25 (float32), T2 = -T1, GT = (z + y + x + s) % 4 (uint8)
  spacing (1, 2, 3), origin (10 + s, 20, 30), direction diag(1, -1, 1); AGE = 30 + s, GPA = 2.5 + s, GENDER m/f/m."""
import os
import sys
import tempfile

import numpy as np
import SimpleITK as sitk

import pymia.data as data
import pymia.data.conversion as conv
import pymia.data.creation as crt
import pymia.data.creation.fileloader as file_load


class Load(file_load.Load):
    def __call__(self, file_name, id_, category, subject_id):
        if file_name.endswith('.txt'):
            fields = dict(l.split(': ') for l in open(file_name).read().splitlines())
            v = fields[id_]
            if id_ == 'GENDER':
                return np.array(v), None
            return np.asarray([int(v)] if id_ == 'AGE' else [float(v)]), None
        img = sitk.ReadImage(file_name)
        return sitk.GetArrayFromImage(img), conv.ImageProperties(img)


out = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    subjects = []
    for s in range(3):
        sid = f'S{s}'
        os.makedirs(os.path.join(tmp, sid))
        z, y, x = np.meshgrid(np.arange(6), np.arange(8), np.arange(10), indexing='ij')
        t1 = (1000 * s + 100 * z + 10 * y + x + 0.25).astype(np.float32)
        files = {}
        for name, arr in [('T1', t1), ('T2', -t1), ('GT', ((z + y + x + s) % 4).astype(np.uint8))]:
            img = sitk.GetImageFromArray(arr)
            img.SetSpacing((1.0, 2.0, 3.0))
            img.SetOrigin((10.0 + s, 20.0, 30.0))
            img.SetDirection((1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0))
            files[name] = os.path.join(tmp, sid, f'{sid}_{name}.mha')
            sitk.WriteImage(img, files[name])
        demo = os.path.join(tmp, sid, f'{sid}_demo.txt')
        with open(demo, 'w') as f:
            f.write(f'AGE: {30 + s}\nGPA: {2.5 + s}\nGENDER: {"mfm"[s]}\n')
        subjects.append(data.SubjectFile(sid, images={'T1': files['T1'], 'T2': files['T2']}, labels={'GT': files['GT']},
                                         numerical={'AGE': demo, 'GPA': demo}, gender={'GENDER': demo}))
    if os.path.exists(out):
        os.remove(out)
    with crt.get_writer(out) as writer:
        crt.Traverser().traverse(subjects, callback=crt.get_default_callbacks(writer), load=Load())
print(out, os.path.getsize(out))
