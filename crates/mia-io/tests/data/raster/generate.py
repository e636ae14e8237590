"""Writes the small synthetic raster files of this folder with Pillow/tifffile and records what SimpleITK 2.3.1
reads from each (expected.json: geometry, pixel type, and the full voxel array in C order).
Run in the mia-bench venv from this folder: python generate.py"""
import json, os
import numpy as np
import SimpleITK as sitk
import tifffile
from PIL import Image

rng = np.random.default_rng(11)
h, w = 5, 7
g8 = rng.integers(0, 256, size=(h, w)).astype(np.uint8)
g16 = rng.integers(0, 65536, size=(h, w)).astype(np.uint16)
rgb = rng.integers(0, 256, size=(h, w, 3)).astype(np.uint8)
rgba = rng.integers(0, 256, size=(h, w, 4)).astype(np.uint8)
smooth = (np.add.outer(np.arange(16) * 9, np.arange(16) * 7) % 256).astype(np.uint8)

Image.fromarray(g8).save('gray8.png')
Image.fromarray(g16).save('gray16.png')
Image.fromarray(rgb).save('rgb8.png')
Image.fromarray(rgba).save('rgba8.png')
Image.fromarray(g8).convert('P', palette=Image.ADAPTIVE, colors=16).save('palette.png')
Image.fromarray(g8 > 127).save('bilevel.png')
Image.fromarray(smooth).save('gray_300dpi.jpg', quality=90, dpi=(300, 150))
Image.fromarray(np.stack([smooth, smooth[::-1], smooth.T], -1)).save('rgb.jpg', quality=90)
tifffile.imwrite('gray8_dpi.tif', g8, resolution=(300, 150), resolutionunit='INCH')
tifffile.imwrite('rgb8.tif', rgb, photometric='rgb')
tifffile.imwrite('float32.tif', rng.normal(size=(h, w)).astype(np.float32))
tifffile.imwrite('int16_cm.tif', rng.integers(-3000, 3000, size=(h, w)).astype(np.int16), resolution=(40, 20), resolutionunit='CENTIMETER')
tifffile.imwrite('pages_u16.tif', rng.integers(0, 4000, size=(3, h, w)).astype(np.uint16), photometric='minisblack')
tifffile.imwrite('planar_rgb16.tif', rng.integers(0, 4000, size=(3, h, w)).astype(np.uint16), photometric='rgb', planarconfig='separate')

out = {"_about": "SimpleITK 2.3.1 reading each file: size, spacing, origin, direction, components, pixel type "
       "and the voxel array (C order, GetArrayFromImage) as a flat list.", "files": {}}
for name in sorted(os.listdir('.')):
    if name.split('.')[-1] not in ('png', 'jpg', 'tif'):
        continue
    img = sitk.ReadImage(name)
    arr = sitk.GetArrayFromImage(img)
    out["files"][name] = {"size": list(img.GetSize()), "spacing": list(img.GetSpacing()), "origin": list(img.GetOrigin()),
        "direction": list(img.GetDirection()), "components": img.GetNumberOfComponentsPerPixel(),
        "sitk_pixel_type": img.GetPixelIDTypeAsString(), "array_shape": list(arr.shape),
        "values": [float(v) for v in arr.ravel()]}
# tifffile's reading of the multi-page file, for comparison:

pages = tifffile.imread('pages_u16.tif')
out["files"]["pages_u16.tif"]["tifffile"] = {"array_shape": list(pages.shape), "values": [float(v) for v in pages.ravel()]}
json.dump(out, open('expected.json', 'w'))
