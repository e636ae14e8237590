//! Writing NIfTI (`.nii`, `.nii.gz`, `.hdr`/`.img`, NIfTI-2) then reading back gives identical voxels and
//! properties, for every pixel type, 2-D to 4-D and vector images.

use mia_core::{dispatch_image_data, Image, ImageData, ImageProperties, IntoImageData, PixelType};
use mia_io::nifti::{write_nifti_with, NiftiVersion, NiftiWriteOptions};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

mod common;

/// A small image of `pixel_type` with values covering the type's range.
fn image(
    pixel_type: PixelType,
    size: Vec<usize>,
    components: usize,
    geometry: (Vec<f64>, Vec<f64>, Vec<f64>),
    seed: u64,
) -> Image {
    let props =
        ImageProperties::new(size, geometry.0, geometry.1, Some(geometry.2), components, pixel_type).unwrap();
    let shape = props.array_shape();
    let n: usize = shape.iter().product();
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    macro_rules! fill {
        ($t:ty, $gen:expr) => {{
            let values: Vec<$t> = (0..n).map(|_| $gen(next())).collect();
            <$t as IntoImageData>::wrap(ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap())
        }};
    }
    let data: ImageData = match pixel_type {
        PixelType::U8 => fill!(u8, |r: u64| r as u8),
        PixelType::I8 => fill!(i8, |r: u64| r as i8),
        PixelType::U16 => fill!(u16, |r: u64| r as u16),
        PixelType::I16 => fill!(i16, |r: u64| r as i16),
        PixelType::U32 => fill!(u32, |r: u64| r as u32),
        PixelType::I32 => fill!(i32, |r: u64| r as i32),
        PixelType::U64 => fill!(u64, |r: u64| r),
        PixelType::I64 => fill!(i64, |r: u64| r as i64),
        PixelType::F32 => fill!(f32, |r: u64| (r as i64 as f32) * 1e-12),
        PixelType::F64 => fill!(f64, |r: u64| (r as i64 as f64) * 1e-15),
    };
    Image::new(data, props).unwrap()
}

/// Spacing, origin and a signed permutation direction, all exactly representable in `f32` (NIfTI-1 geometry is
/// single precision).
fn geometry(dim: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let spacing = (0..dim).map(|i| [0.5, 1.0, 1.25, 2.0, 3.0][(seed as usize + i) % 5]).collect();
    let origin = (0..dim)
        .map(|i| if i < 3 { ((seed as i64 % 200) - 100) as f64 / 4.0 + i as f64 } else { 0.0 })
        .collect();
    let spatial = dim.min(3);
    let mut perm: Vec<usize> = (0..spatial).collect();
    perm.rotate_left(seed as usize % spatial);
    let mut direction = vec![0.0; dim * dim];
    for i in 0..dim {
        let (col, sign) =
            if i < spatial { (perm[i], if (seed >> i) & 1 == 1 { -1.0 } else { 1.0 }) } else { (i, 1.0) };
        direction[i * dim + col] = sign;
    }
    (spacing, origin, direction)
}

fn assert_same(written: &Image, read: &Image, what: &str) {
    assert_eq!(read.data(), written.data(), "{what}: voxels");
    let (w, r) = (written.properties(), read.properties());
    assert_eq!(r.size(), w.size(), "{what}: size");
    assert_eq!(r.components(), w.components(), "{what}: components");
    assert_eq!(r.pixel_type(), w.pixel_type(), "{what}: pixel type");
    assert_eq!(r.spacing(), w.spacing(), "{what}: spacing");
    assert_eq!(r.origin(), w.origin(), "{what}: origin");
    for (a, b) in r.direction().iter().zip(w.direction()) {
        assert!((a - b).abs() < 1e-6, "{what}: direction {:?} vs {:?}", r.direction(), w.direction());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn nifti_round_trips(
        type_index in 0usize..10,
        dim in 2usize..=4,
        components in prop_oneof![Just(1usize), Just(3usize)],
        ext in prop_oneof![Just("nii"), Just("nii.gz"), Just("hdr"), Just("img"), Just("img.gz")],
        version in prop_oneof![Just(NiftiVersion::Nifti1), Just(NiftiVersion::Nifti2)],
        seed in any::<u64>(),
    ) {
        let pixel_type = PixelType::ALL[type_index];
        let size: Vec<usize> = (0..dim).map(|i| 2 + (seed as usize >> (4 * i)) % 4).collect();
        let written = image(pixel_type, size, components, geometry(dim, seed), seed);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("t.{ext}"));
        write_nifti_with(&path, &written, NiftiWriteOptions { version, ..Default::default() }).unwrap();
        let read = mia_io::read_image(&path).unwrap();
        assert_same(&written, &read, &format!("{pixel_type} {dim}-D x{components} .{ext} {version:?}"));
        // Uncompressed files map to exactly what the read decodes; gzip files do not map, nor do components
        // written slowest (a vector intent, reordered by the read).
        prop_assert_eq!(common::maps_as_read(&path), !ext.ends_with(".gz") && components == 1);
    }
}

#[test]
fn rotations_survive_within_single_precision() {
    let c = 0.3f64.cos();
    let s = 0.3f64.sin();
    let direction = vec![c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0];
    let written = image(
        PixelType::F32,
        vec![3, 4, 2],
        1,
        (vec![0.7, 1.1, 2.3], vec![-12.345, 67.89, 1.5], direction),
        5,
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, version, tol) in
        [("a.nii", NiftiVersion::Nifti1, 1e-5), ("b.nii", NiftiVersion::Nifti2, 1e-12)]
    {
        let path = dir.path().join(name);
        write_nifti_with(&path, &written, NiftiWriteOptions { version, ..Default::default() }).unwrap();
        let read = mia_io::read_image(&path).unwrap();
        assert_eq!(read.data(), written.data());
        let geometry_close = read.properties().check_same_geometry(
            written.properties(),
            mia_core::GeometryTolerance { coordinate: tol, direction: tol },
        );
        assert!(geometry_close.is_ok(), "{name}: {geometry_close:?}");
    }
}

#[test]
fn vector_components_are_stored_component_slowest() {
    // x = 2, y = 1, z = 2 with 2 components: NIfTI stores all first components, then all second ones.
    let data = ArrayD::from_shape_vec(IxDyn(&[2, 1, 2, 2]), vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
        .unwrap();
    let props = ImageProperties::with_size(vec![2, 1, 2], 2, PixelType::F32).unwrap();
    let img = Image::new(ImageData::F32(data), props).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.nii");
    mia_io::write_image(&path, &img).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let voxels: Vec<f32> =
        bytes[352..].chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    assert_eq!(voxels, vec![1.0, 3.0, 5.0, 7.0, 2.0, 4.0, 6.0, 8.0]);
    let back = mia_io::read_image(&path).unwrap();
    dispatch_image_data!(back.data(), a => assert_eq!(a.shape(), &[2, 1, 2, 2]));
    assert_eq!(back.data(), img.data());
}

#[test]
fn real_files_map_where_no_decoding_is_needed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nifti");
    let mut mapped = Vec::new();
    for sub in [dir.clone(), dir.join("synthetic")] {
        for entry in std::fs::read_dir(&sub).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if [".nii", ".nii.gz", ".hdr"].iter().any(|e| name.ends_with(e)) && common::maps_as_read(&path) {
                mapped.push(name);
            }
        }
    }
    mapped.sort();
    // Not mapped: gzip files, the big-endian file, scaled intensities (scaled_*, the scaled 4-D functional file,
    // slope_zero: slope 0 reads as 1, its intercept 7 still applies), vector components (vector3).
    assert_eq!(
        mapped,
        [
            "analyze.hdr",
            "nibabel_anatomical_pair.hdr",
            "no_transform.nii",
            "qform_only.nii",
            "rgb24.nii",
            "sform_aligned_vs_qform.nii",
            "sform_only.nii",
            "sform_scanner_vs_qform.nii",
            "sform_shear_qform.nii",
            "singleton_t.nii",
            "time_msec_4d.nii",
            "two_d.nii",
            "units_meter.nii",
        ]
    );
}

#[test]
fn truncated_voxels_do_not_map_and_name_the_file() {
    let written = image(PixelType::I16, vec![4, 3, 2], 1, geometry(3, 5), 5);
    let dir = tempfile::tempdir().unwrap();
    for name in ["t.nii", "pair.hdr"] {
        let path = dir.path().join(name);
        write_nifti_with(&path, &written, NiftiWriteOptions::default()).unwrap();
        let data = if name.ends_with(".hdr") { path.with_extension("img") } else { path.clone() };
        let bytes = std::fs::read(&data).unwrap();
        std::fs::write(&data, &bytes[..bytes.len() - 1]).unwrap();
        let e = mia_io::Load::map_voxels(&mia_io::DefaultLoader, &path).unwrap_err().to_string();
        let data_name = data.file_name().unwrap().to_string_lossy().to_string();
        assert!(e.contains(&data_name) && e.contains("truncated") && e.contains("48 bytes"), "{e}");
        assert!(mia_io::read_image(&path).is_err());
    }
}
