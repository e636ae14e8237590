//! Writing MetaImage (`.mha`, `.mhd` + `.raw`/`.zraw`, compressed or not) then reading back gives identical
//! voxels and properties, for every pixel type, 2-D to 4-D and multi-channel images; plus the real files.

use mia_core::{Image, ImageData, ImageProperties, IntoImageData, PixelType};
use mia_io::metaimage::{write_metaimage_with, MetaImageWriteOptions};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

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

/// Spacing, origin and a signed permutation direction.
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
    assert_eq!(r.direction(), w.direction(), "{what}: direction");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn metaimage_round_trips(
        type_index in 0usize..10,
        dim in 2usize..=4,
        components in prop_oneof![Just(1usize), Just(2usize)],
        ext in prop_oneof![Just("mha"), Just("mhd")],
        compress in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let pixel_type = PixelType::ALL[type_index];
        let size: Vec<usize> = (0..dim).map(|i| 2 + (seed as usize >> (4 * i)) % 4).collect();
        let written = image(pixel_type, size, components, geometry(dim, seed), seed);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("t.{ext}"));
        write_metaimage_with(&path, &written, MetaImageWriteOptions { compress, ..Default::default() }).unwrap();
        let read = mia_io::read_image(&path).unwrap();
        assert_same(&written, &read, &format!("{pixel_type} {dim}-D x{components} .{ext} compress={compress}"));
    }
}

#[test]
fn arbitrary_geometry_round_trips_exactly() {
    let c = 0.3f64.cos();
    let s = 0.3f64.sin();
    let direction = vec![c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0];
    let written = image(
        PixelType::F64,
        vec![3, 4, 2],
        1,
        (vec![0.7, 1.1, 2.3], vec![-12.345, 67.89, 1.0 / 3.0], direction),
        9,
    );
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.mha", "b.mhd"] {
        let path = dir.path().join(name);
        mia_io::write_image(&path, &written).unwrap();
        assert_same(&written, &mia_io::read_image(&path).unwrap(), name);
    }
    assert!(dir.path().join("b.raw").exists());
}

#[test]
fn compressed_header_matches_simpleitk_layout() {
    let written = image(PixelType::I16, vec![4, 3, 2], 1, geometry(3, 4), 3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.mhd");
    write_metaimage_with(&path, &written, MetaImageWriteOptions { compress: true, compression_level: 6 })
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let keys: Vec<&str> = text.lines().map(|l| l.split(" = ").next().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "ObjectType",
            "NDims",
            "BinaryData",
            "BinaryDataByteOrderMSB",
            "CompressedData",
            "CompressedDataSize",
            "TransformMatrix",
            "Offset",
            "CenterOfRotation",
            "ElementSpacing",
            "DimSize",
            "ElementType",
            "ElementDataFile"
        ]
    );
    assert!(text.ends_with("ElementDataFile = c.zraw\n"));
    assert_same(&written, &mia_io::read_image(&path).unwrap(), "c.mhd");
}

#[test]
fn pymia_example_label_image() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/metaimage/Subject_1_GT.mha");
    let gt = mia_io::read_image(path).unwrap();
    let p = gt.properties();
    assert_eq!(p.size(), &[181, 217, 181]);
    assert_eq!(p.pixel_type(), PixelType::U8);
    assert_eq!(p.origin(), &[-90.0, 126.0, -72.0]);
    assert_eq!(p.direction(), &[1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0]);
    // Label voxel counts published with pymia's example data (Subject_1).
    let mut counts = [0usize; 6];
    for &v in gt.view::<u8>().unwrap().iter() {
        counts[v as usize] += 1;
    }
    assert_eq!(counts, [6351573, 338204, 397516, 6862, 2449, 12533]);
}
