"""(a) pymia 0.3.4 reads a dataset written by `mia dataset create` and gets the arrays, subjects, names and image
properties that loading the raw files with SimpleITK gives. Usage: check_mia_dataset.py DATASET DATA_DIR"""
import os
import sys

import numpy as np

import pymia.data.extraction as extr
import pymia.data.definition as defs

from common import expected_subject, subject_files

path, data_dir = sys.argv[1], sys.argv[2]
subjects = subject_files(data_dir)
names = [s.subject for s in subjects]

extractor = extr.ComposeExtractor([
    extr.DataExtractor(categories=('images', 'labels', 'mask', 'numerical', 'gender')),
    extr.NamesExtractor(categories=('images', 'labels', 'mask', 'numerical', 'gender')),
    extr.ImagePropertiesExtractor(),
    extr.SubjectExtractor(),
    extr.FilesExtractor(categories=('images', 'labels')),
])
ds = extr.PymiaDatasource(path, extr.EmptyIndexing(), extractor)
assert ds.get_subjects() == names, (ds.get_subjects(), names)
assert len(ds) == len(subjects)
checked = 0
for i, sf in enumerate(subjects):
    sample = ds[i]
    assert sample[defs.KEY_SUBJECT] == sf.subject
    expected, props = expected_subject(sf)
    for cat, arr in expected.items():
        got = sample[cat]
        if arr.dtype.kind == 'U':  # strings come back as a list of str
            assert list(got) == list(arr), (cat, got, arr)
        else:
            assert got.dtype == arr.dtype, (cat, got.dtype, arr.dtype)
            assert got.shape == arr.shape, (cat, got.shape, arr.shape)
            assert np.array_equal(got, arr), cat
        assert sample[defs.KEY_PLACEHOLDER_NAMES.format(cat)] == list(sf.categories[cat].entries.keys())
        checked += 1
    p = sample[defs.KEY_PROPERTIES]
    assert p.size == props.size and p.spacing == props.spacing, (p.size, props.size, p.spacing, props.spacing)
    assert p.origin == props.origin and p.direction == props.direction, (p.origin, props.origin)
    files = sample[defs.KEY_PLACEHOLDER_FILES.format('images')]
    root = sample[defs.KEY_FILE_ROOT]
    assert [os.path.join(root, f) for f in files] == [os.path.realpath(v) for v in sf.categories['images'].entries.values()], files

# slices and patches through pymia's indexing match the whole volume
slices = extr.PymiaDatasource(path, extr.SliceIndexing(), extr.DataExtractor(categories=('images',)))
whole = ds[1]['images']
for k in (0, 90, 180):
    s = slices[1 * whole.shape[0] + k]['images']
    assert np.array_equal(s, whole[k]), k
print(f'pymia read the mia dataset: {len(subjects)} subjects, {checked} category arrays identical, '
      'properties, names, files and slices match')
