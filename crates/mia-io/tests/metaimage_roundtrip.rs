//! Writing MetaImage (`.mha`, `.mhd` + `.raw`/`.zraw`, compressed or not) then reading back gives identical
//! voxels and properties, for every pixel type, 2-D to 4-D and multi-channel images; plus the real files.

use mia_core::{Image, ImageData, ImageProperties, IntoImageData, PixelType};
use mia_io::metaimage::{write_metaimage_with, MetaImageWriteOptions};
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
        // Uncompressed files map to exactly what the read decodes; compressed ones do not map.
        prop_assert_eq!(common::maps_as_read(&path), !compress);
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

/// A hand-written `.mha` header over `data`.
fn hand_written(dir: &std::path::Path, name: &str, extra: &str, data: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut bytes = format!(
        "ObjectType = Image\nNDims = 2\nDimSize = 3 2\nElementType = MET_SHORT\n{extra}ElementDataFile = LOCAL\n"
    )
    .into_bytes();
    bytes.extend_from_slice(data);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn mapping_skips_header_size_and_declines_the_other_byte_order() {
    let dir = tempfile::tempdir().unwrap();
    let values: [i16; 6] = [1, -2, 300, -400, 5000, -6000];
    let ne: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
    // Four bytes to skip before the voxels (an odd header length: the map is not aligned for i16).
    let mut padded = vec![9u8; 4];
    padded.extend_from_slice(&ne);
    let native_msb = if cfg!(target_endian = "big") { "True" } else { "False" };
    let path = hand_written(
        dir.path(),
        "skip.mha",
        &format!("HeaderSize = 4\nBinaryDataByteOrderMSB = {native_msb}\n"),
        &padded,
    );
    let mapped = mia_io::Load::map_voxels(&mia_io::DefaultLoader, &path).unwrap().unwrap();
    assert_eq!(mapped.bytes(), ne.as_slice());
    assert_eq!(mapped.shape(), vec![2, 3]);
    let read = mia_io::read_image(&path).unwrap();
    assert_eq!(read.view::<i16>().unwrap().iter().copied().collect::<Vec<_>>(), values);

    let other_msb = if cfg!(target_endian = "big") { "False" } else { "True" };
    let swapped =
        hand_written(dir.path(), "swapped.mha", &format!("BinaryDataByteOrderMSB = {other_msb}\n"), &ne);
    assert!(mia_io::Load::map_voxels(&mia_io::DefaultLoader, &swapped).unwrap().is_none());
}

#[test]
fn truncated_voxels_do_not_map_and_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = hand_written(dir.path(), "short.mha", "", &[0u8; 11]);
    let e = mia_io::Load::map_voxels(&mia_io::DefaultLoader, &path).unwrap_err().to_string();
    assert!(e.contains("short.mha") && e.contains("truncated") && e.contains("12 bytes"), "{e}");
    // A missing companion data file is named as a read names it.
    let mhd = dir.path().join("lost.mhd");
    std::fs::write(
        &mhd,
        "ObjectType = Image\nNDims = 2\nDimSize = 3 2\nElementType = MET_SHORT\nElementDataFile = lost.raw\n",
    )
    .unwrap();
    let mapped = mia_io::Load::map_voxels(&mia_io::DefaultLoader, &mhd).unwrap_err().to_string();
    let read = mia_io::read_image(&mhd).unwrap_err().to_string();
    assert_eq!(mapped, read);
    // A file that does not exist maps to nothing; loading it reports it.
    assert!(mia_io::Load::map_voxels(&mia_io::DefaultLoader, &dir.path().join("none.mha"))
        .unwrap()
        .is_none());
}

#[test]
fn real_files_map_to_the_voxels_they_read() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/metaimage");
    let mut mapped_files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.to_string_lossy().to_string();
        if !(name.ends_with(".mha") || name.ends_with(".mhd")) {
            continue;
        }
        if common::maps_as_read(&path) {
            mapped_files += 1;
        } else {
            assert!(
                name.ends_with("Plus30.mhd") || name.ends_with("Subject_1_GT.mha"),
                "{name} is uncompressed but did not map"
            );
        }
    }
    // BrainProtonDensity3Slices (a separate .raw file) and itk_kmeans_seg; the other two are compressed.
    assert_eq!(mapped_files, 2);
}
