"""Generates the tiny synthetic NIfTI files in synthetic/ (nibabel) that exercise ITK's sform/qform rules,
units, vector/RGB data, scaling and Analyze headers, then records what SimpleITK reads for every NIfTI and
MetaImage test file in sitk_reference.json (size, spacing, origin, direction, pixel type, min/max/sum and a
SHA-256 of the voxels as float64/int64 little endian in numpy order). Run with the mia-bench venv:
    ~/.cache/mia-bench/venv/bin/python generate_synthetic.py
"""
import glob, hashlib, json, os
import numpy as np, nibabel as nib, SimpleITK as sitk

os.chdir(os.path.dirname(os.path.abspath(__file__)))
out = "synthetic"
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
vol = rng.integers(-100, 100, size=(4, 3, 2)).astype(np.int16)
c, s = np.cos(0.3), np.sin(0.3)
rot = np.array([[c, -s, 0, 10.5], [s, c, 0, -20.25], [0, 0, 1, 5.0], [0, 0, 0, 1]])
scale = np.diag([0.5, 1.5, 2.0, 1.0])
aff = rot @ scale
aff2 = np.array([[-1.0, 0, 0, 3], [0, 0, 2.0, -4], [0, 1.5, 0, 7], [0, 0, 0, 1]]) @ np.diag([0.5, 1, 1, 1])
shear = aff.copy(); shear[0, 1] += 0.4

def save(name, data, qaff=None, qcode=0, saff=None, scode=0, **hdr):
    img = nib.Nifti1Image(data, None)
    h = img.header
    h.set_qform(qaff if qaff is not None else np.eye(4), code=qcode)
    h.set_sform(saff if saff is not None else np.eye(4), code=scode)
    if qaff is None:
        h.set_zooms(tuple([0.5, 1.5, 2.0] + [1.0] * (data.ndim - 3))[: data.ndim])
    for k, v in hdr.items():
        h[k] = v
    nib.save(img, f"{out}/{name}.nii")

save("qform_only", vol, aff, 1)
save("sform_only", vol, None, 0, aff, 2)
save("sform_aligned_vs_qform", vol, aff, 1, aff2, 2)
save("sform_scanner_vs_qform", vol, aff, 2, aff2, 1)
save("sform_shear_qform", vol, aff, 1, shear, 1)
save("no_transform", vol)
save("units_meter", vol, aff / np.array([1, 1, 1, 1]), 1, xyzt_units=1)
save("time_msec_4d", rng.integers(0, 50, size=(4, 3, 2, 3)).astype(np.uint16), aff, 1, xyzt_units=2 | 16)
save("singleton_t", vol[..., None], aff, 1)
save("scaled_float", rng.random((4, 3, 2)).astype(np.float32), aff, 1, scl_slope=2.5, scl_inter=-1.0)
save("scaled_uint8", rng.integers(0, 255, size=(4, 3, 2)).astype(np.uint8), aff, 1, scl_slope=0.5, scl_inter=3.0)
save("slope_zero", vol, aff, 1, scl_slope=0.0, scl_inter=7.0)
vec = nib.Nifti1Image(rng.random((4, 3, 2, 1, 3)).astype(np.float32), aff)
vec.header.set_intent("vector"); vec.header.set_qform(aff, 1); vec.header.set_sform(aff, 1)
nib.save(vec, f"{out}/vector3.nii")
rgb_t = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")])
rgb = np.zeros((4, 3, 2), dtype=rgb_t)
for k in "RGB":
    rgb[k] = rng.integers(0, 255, size=(4, 3, 2))
img = nib.Nifti1Image(rgb, aff); img.header.set_qform(aff, 1); img.header.set_sform(aff, 1)
nib.save(img, f"{out}/rgb24.nii")
two_d = nib.Nifti1Image(rng.integers(0, 9, size=(5, 4)).astype(np.int32), aff)
nib.save(two_d, f"{out}/two_d.nii")
an = nib.AnalyzeImage(vol, np.diag([0.5, 1.5, 2.0, 1.0]))
nib.save(an, f"{out}/analyze.hdr")
big = nib.Nifti1Image(vol.astype(">f8"), aff); big.header.set_qform(aff, 1)
nib.save(big, f"{out}/bigendian_f64.nii.gz")

ref = {}
files = sorted(glob.glob("*.nii*") + glob.glob("*.hdr") + glob.glob(out + "/*.nii*") + glob.glob(out + "/*.hdr")
               + glob.glob("../metaimage/*.mh[ad]"))
for f in files:
    try:
        im = sitk.ReadImage(f)
    except Exception as e:  # SimpleITK refuses the file
        ref[f] = {"error": str(e).strip().splitlines()[-1][:200]}
        continue
    a = sitk.GetArrayViewFromImage(im)
    flat = a.ravel()
    kind = "<i8" if np.issubdtype(flat.dtype, np.integer) else "<f8"
    ref[f] = dict(size=list(im.GetSize()), components=im.GetNumberOfComponentsPerPixel(), dtype=str(a.dtype),
                  spacing=list(im.GetSpacing()), origin=list(im.GetOrigin()), direction=list(im.GetDirection()),
                  min=float(flat.min()), max=float(flat.max()), sum=float(flat.astype("f8").sum()),
                  sha256=hashlib.sha256(flat.astype(kind).tobytes()).hexdigest())
ref["_generator"] = f"SimpleITK {sitk.Version_VersionString()}, nibabel {nib.__version__}, numpy {np.__version__}"
with open("sitk_reference.json", "w") as fh:
    json.dump(ref, fh, indent=1, sort_keys=True)
