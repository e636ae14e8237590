"""Shared by the interop checks: pymia's example loader and subject collection for ../shared/data/pymia-example."""
import glob
import os

import numpy as np
import SimpleITK as sitk

import pymia.data as data
import pymia.data.conversion as conv
import pymia.data.creation.fileloader as file_load
import pymia.data.definition as defs


class LoadData(file_load.Load):
    """pymia's examples/data/creation.py loader (images float32, labels/mask uint8, demographics)."""

    def __call__(self, file_name, id_, category, subject_id):
        if id_ == 'AGE':
            with open(file_name) as f:
                return np.asarray([int(f.readline().split(':')[1].strip())]), None
        if id_ == 'GPA':
            with open(file_name) as f:
                return np.asarray([float(f.readlines()[1].split(':')[1].strip())]), None
        if id_ == 'GENDER':
            with open(file_name) as f:
                return np.array(f.readlines()[2].split(':')[1].strip()), None
        if category == defs.KEY_IMAGES:
            img = sitk.ReadImage(file_name, sitk.sitkFloat32)
        else:
            img = sitk.ReadImage(file_name, sitk.sitkUInt8)
        return sitk.GetArrayFromImage(img), conv.ImageProperties(img)


def subject_files(data_dir):
    """The same subjects and entries as example_subjects.toml."""
    subjects = []
    for d in sorted(glob.glob(os.path.join(data_dir, 'Subject_*'))):
        s = os.path.basename(d)
        p = lambda suffix: os.path.join(d, f'{s}_{suffix}')
        demo = p('demographic.txt')
        subjects.append(data.SubjectFile(
            s,
            images={'T1': p('GT.mha'), 'T2': p('PRED_eroded.mha')},
            labels={'GT': p('GT.mha')},
            mask={'MASK': p('MASK.nii.gz')},
            numerical={'AGE': demo, 'GPA': demo},
            gender={'GENDER': demo}))
    return subjects


def expected_subject(sf):
    """What a dataset must hold for one SubjectFile: {category: stacked array}, images' properties."""
    load = LoadData()
    out, props = {}, None
    for cat, fc in sf.categories.items():
        arrays = []
        for id_, path in fc.entries.items():
            a, pr = load(path, id_, cat, sf.subject)
            arrays.append(a)
            if cat == 'images' and props is None:
                props = pr
        out[cat] = np.stack(arrays, axis=-1)
    return out, props
