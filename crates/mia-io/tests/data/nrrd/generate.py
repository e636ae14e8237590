"""Writes the synthetic NRRD files of this folder and expected.json (SimpleITK 2.3.1 reading every file here).
Run in the mia-bench venv from this folder: python generate.py"""
import gzip, json, hashlib, os
import numpy as np
import SimpleITK as sitk

rng = np.random.default_rng(7)

def write(name, header, payload=None):
    with open(name, 'wb') as f:
        f.write(header.encode())
        if payload is not None:
            f.write(payload)

# 1. RAS space, 3-component vector axis first, big-endian float, detached gzip data.
v = rng.normal(size=(2, 3, 4, 3)).astype('>f4')          # numpy (z, y, x, c)
with open('ras_vector.raw.gz', 'wb') as f:
    f.write(gzip.compress(v.tobytes()))
write('ras_vector.nhdr', "NRRD0004\n# synthetic: RAS space, vector axis, big endian, detached gzip\ntype: float\n"
      "dimension: 4\nspace: right-anterior-superior\nsizes: 3 4 3 2\n"
      "space directions: none (0,0.5,0) (-1.5,0,0) (0,0,2)\nkinds: vector domain domain domain\nendian: big\n"
      "encoding: gzip\nspace origin: (10,-20,30)\ndata file: ras_vector.raw.gz\n")

# 2. Attached ascii, no space: spacings and axis mins.
a = rng.integers(-100, 100, size=(3, 5)).astype(np.int16)  # numpy (y, x)
write('ascii_spacings.nrrd', "NRRD0004\ntype: short\ndimension: 2\nsizes: 5 3\nspacings: 0.25 4\n"
      "axis mins: -1 2\nencoding: ascii\n\n", ("\n".join(" ".join(str(x) for x in row) for row in a) + "\n").encode())

# 3. LPS, raw u16 little endian split over a LIST of two detached files, line and byte skip in an attached one.
b = rng.integers(0, 60000, size=(4, 3, 2)).astype('<u2')
for k in range(4):
    open(f'list_part{k}.raw', 'wb').write(b[k].tobytes())
write('list.nhdr', "NRRD0005\ntype: ushort\ndimension: 3\nspace: left-posterior-superior\nsizes: 2 3 4\n"
      "space directions: (0,1,0) (1,0,0) (0,0,-3)\nkinds: domain domain domain\nendian: little\nencoding: raw\n"
      "space origin: (1,2,3)\ndata file: LIST\n" + "".join(f"list_part{k}.raw\n" for k in range(4)))

# 4. Attached raw with byte skip -1 (data are the last bytes) and an RGB-color axis last, LAS space.
c = rng.integers(0, 255, size=(3, 2, 4, 3)).astype(np.uint8)     # file order: x fastest, y, z, then colour
write('las_rgb_last.nrrd', "NRRD0004\ntype: uchar\ndimension: 4\nspace: left-anterior-superior\nsizes: 3 4 2 3\n"
      "space directions: (1,0,0) (0,2,0) (0,0,1) none\nkinds: domain domain domain RGB-color\nencoding: raw\nbyte skip: -1\n"
      "space origin: (5,6,7)\n\n", b"padding-bytes" + c.tobytes())

out = {"_about": "SimpleITK 2.3.1 reading each NRRD file of this folder: size, spacing, origin, direction, components, "
       "pixel type, and sha256 of sitk.GetArrayFromImage (C order) as little-endian int64 (integers) or float64 (floats).",
       "files": {}}
for name in sorted(os.listdir('.')):
    if not (name.endswith('.nrrd') or name.endswith('.nhdr')):
        continue
    try:
        img = sitk.ReadImage(name)
    except Exception as e:
        out["files"][name] = {"sitk_error": str(e).strip().splitlines()[-1][:200]}
        continue
    arr = sitk.GetArrayFromImage(img)
    flt = arr.dtype.kind == 'f'
    data = arr.astype('<f8' if flt else '<i8').tobytes()
    out["files"][name] = {"size": list(img.GetSize()), "spacing": list(img.GetSpacing()), "origin": list(img.GetOrigin()),
        "direction": list(img.GetDirection()), "components": img.GetNumberOfComponentsPerPixel(),
        "sitk_pixel_type": img.GetPixelIDTypeAsString(), "array_shape": list(arr.shape),
        "sha256": hashlib.sha256(data).hexdigest(), "sum": float(arr.astype(np.float64).sum())}
json.dump(out, open('expected.json', 'w'), indent=1)
