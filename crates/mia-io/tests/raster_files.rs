//! PNG, TIFF and JPEG files load as SimpleITK reads them; PNG and TIFF round-trip every writable layout.

use std::path::{Path, PathBuf};

use mia_core::{Image, ImageData, ImageProperties, IntoImageData, PixelType};
use mia_io::raster::{read_raster, write_raster};
use mia_io::IoError;
use ndarray::ArrayD;
use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/raster")
}

fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(data_dir().join("expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["files"][name].clone()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn sitk_type(name: &str) -> PixelType {
    match name.trim_start_matches("vector of ") {
        "8-bit unsigned integer" => PixelType::U8,
        "16-bit unsigned integer" => PixelType::U16,
        "16-bit signed integer" => PixelType::I16,
        "32-bit float" => PixelType::F32,
        other => panic!("unexpected SimpleITK type {other}"),
    }
}

/// Checks geometry, pixel type and voxels (within `tolerance`: lossy JPEG decoders may differ by one).
fn check(name: &str, tolerance: f64) {
    let exp = expected(name);
    let image = read_raster(&data_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let p = image.properties();
    assert_eq!(p.size().iter().map(|&s| s as f64).collect::<Vec<_>>(), floats(&exp["size"]), "{name}");
    for (a, e) in p.spacing().iter().zip(floats(&exp["spacing"])) {
        assert!((a - e).abs() < 1e-12, "{name} spacing {:?} vs {:?}", p.spacing(), exp["spacing"]);
    }
    assert_eq!(p.origin(), floats(&exp["origin"]).as_slice(), "{name}");
    assert_eq!(p.direction(), floats(&exp["direction"]).as_slice(), "{name}");
    assert_eq!(p.components() as u64, exp["components"].as_u64().unwrap(), "{name}");
    assert_eq!(p.pixel_type(), sitk_type(exp["sitk_pixel_type"].as_str().unwrap()), "{name}");
    let shape: Vec<usize> =
        exp["array_shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    assert_eq!(image.data().shape(), shape.as_slice(), "{name}");
    let values = image.data().to_f64();
    let want = floats(&exp["values"]);
    // Relative 1e-12: serde_json may parse a decimal one ulp off.
    let worst = values.iter().zip(&want).map(|(a, b)| (a - b).abs() - 1e-12 * b.abs()).fold(0.0, f64::max);
    assert!(worst <= tolerance, "{name}: largest voxel difference {worst}");
}

#[test]
fn png_gray_8_and_16_bit() {
    check("gray8.png", 0.0);
    check("gray16.png", 0.0);
}

#[test]
fn png_rgb_rgba_palette_bilevel() {
    check("rgb8.png", 0.0);
    check("rgba8.png", 0.0);
    check("palette.png", 0.0);
    check("bilevel.png", 0.0);
}

#[test]
fn tiff_types_and_resolution() {
    check("gray8_dpi.tif", 0.0);
    check("rgb8.tif", 0.0);
    check("float32.tif", 0.0);
    check("int16_cm.tif", 0.0);
}

#[test]
fn jpeg_gray_with_density_and_rgb() {
    // libjpeg (SimpleITK) and zune-jpeg round and upsample chroma differently: lossy decoders agree within a few
    // grey levels, not exactly.
    check("gray_300dpi.jpg", 1.0);
    check("rgb.jpg", 4.0);
}

#[test]
fn multi_page_tiff_is_a_volume() {
    check("pages_u16.tif", 0.0);
}

#[test]
fn planar_multi_sample_tiff_is_refused() {
    let path = data_dir().join("planar_rgb16.tif");
    match read_raster(&path) {
        Err(IoError::Unsupported { path: p, message }) => {
            assert_eq!(p, path);
            assert!(message.contains("planar"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

fn synthetic<T: IntoImageData>(
    size: &[usize],
    components: usize,
    spacing: Vec<f64>,
    f: impl Fn(usize) -> T,
) -> Image {
    let props =
        ImageProperties::new(size.to_vec(), spacing, vec![0.0; size.len()], None, components, T::PIXEL_TYPE)
            .unwrap();
    let shape = props.array_shape();
    let n: usize = shape.iter().product();
    let array = ArrayD::from_shape_vec(shape, (0..n).map(f).collect()).unwrap();
    Image::new(T::wrap(array), props).unwrap()
}

fn round_trip(name: &str, image: &Image) -> Image {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    write_raster(&path, image).unwrap_or_else(|e| panic!("{name}: {e}"));
    if let Ok(keep) = std::env::var("MIA_KEEP_RASTER") {
        // For checking the written files with other readers (SimpleITK).
        std::fs::copy(&path, Path::new(&keep).join(name)).unwrap();
    }
    let back = read_raster(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(back.data(), image.data(), "{name}: voxels");
    let (p, q) = (image.properties(), back.properties());
    assert_eq!(
        (q.size(), q.components(), q.pixel_type()),
        (p.size(), p.components(), p.pixel_type()),
        "{name}"
    );
    for (a, b) in p.spacing().iter().zip(q.spacing()) {
        assert!((a - b).abs() <= 1e-6 * a, "{name}: spacing {:?} -> {:?}", p.spacing(), q.spacing());
    }
    back
}

#[test]
fn png_round_trips() {
    for c in 1..=4 {
        let a = format!("u8_{c}.png");
        round_trip(&a, &synthetic::<u8>(&[9, 4], c, vec![1.0, 1.0], |i| (i * 37 % 256) as u8));
        let b = format!("u16_{c}.png");
        round_trip(&b, &synthetic::<u16>(&[3, 8], c, vec![1.0, 1.0], |i| (i * 4099 % 65536) as u16));
    }
}

#[test]
fn tiff_round_trips_every_type() {
    let sp = vec![0.3, 2.5];
    round_trip("u8.tif", &synthetic::<u8>(&[5, 4], 1, sp.clone(), |i| i as u8));
    round_trip("u8rgb.tif", &synthetic::<u8>(&[5, 4], 3, sp.clone(), |i| (i * 7) as u8));
    round_trip("u8rgba.tif", &synthetic::<u8>(&[5, 4], 4, sp.clone(), |i| (i * 3) as u8));
    round_trip("u16.tif", &synthetic::<u16>(&[5, 4], 1, sp.clone(), |i| (i * 1000) as u16));
    round_trip("u16rgb.tif", &synthetic::<u16>(&[5, 4], 3, sp.clone(), |i| (i * 500) as u16));
    round_trip("u32.tif", &synthetic::<u32>(&[5, 4], 1, sp.clone(), |i| (i as u32) << 20));
    round_trip("u64.tif", &synthetic::<u64>(&[5, 4], 1, sp.clone(), |i| (i as u64) << 40));
    round_trip("i8.tif", &synthetic::<i8>(&[5, 4], 1, sp.clone(), |i| i as i8 - 10));
    round_trip("i16.tif", &synthetic::<i16>(&[5, 4], 1, sp.clone(), |i| i as i16 * -300));
    round_trip("i32.tif", &synthetic::<i32>(&[5, 4], 1, sp.clone(), |i| i as i32 * -70000));
    round_trip("i64.tif", &synthetic::<i64>(&[5, 4], 1, sp.clone(), |i| -((i as i64) << 40)));
    round_trip("f32.tif", &synthetic::<f32>(&[5, 4], 1, sp.clone(), |i| i as f32 * -0.25));
    round_trip("f32rgb.tif", &synthetic::<f32>(&[5, 4], 3, sp.clone(), |i| i as f32 / 3.0));
    round_trip("f64.tif", &synthetic::<f64>(&[5, 4], 1, sp.clone(), |i| (i as f64).sqrt()));
    // 3-D: one page per slice.
    round_trip("vol.tif", &synthetic::<u16>(&[5, 4, 3], 1, vec![0.5, 0.5, 1.0], |i| i as u16));
}

#[test]
fn single_slice_volume_writes_as_2d() {
    let image = synthetic::<u8>(&[6, 5, 1], 1, vec![1.0; 3], |i| i as u8);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slice.png");
    write_raster(&path, &image).unwrap();
    let back = read_raster(&path).unwrap();
    assert_eq!(back.properties().size(), &[6, 5]);
    assert_eq!(
        back.data().to_f64().iter().copied().collect::<Vec<_>>(),
        image.data().to_f64().iter().copied().collect::<Vec<_>>()
    );
}

#[test]
fn unwritable_images_are_refused_without_leaving_files() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Image)> = vec![
        ("f.png", synthetic::<f32>(&[4, 4], 1, vec![1.0; 2], |i| i as f32)),
        ("vol.png", synthetic::<u8>(&[4, 4, 2], 1, vec![1.0; 3], |i| i as u8)),
        ("ga.tif", synthetic::<u8>(&[4, 4], 2, vec![1.0; 2], |i| i as u8)),
        ("i16rgb.tif", synthetic::<i16>(&[4, 4], 3, vec![1.0; 2], |i| i as i16)),
        ("x.jpg", synthetic::<u8>(&[4, 4], 1, vec![1.0; 2], |i| i as u8)),
    ];
    for (name, image) in cases {
        let path = dir.path().join(name);
        match write_raster(&path, &image) {
            Err(IoError::Unwritable { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{name}: {other:?}"),
        }
        assert!(!path.exists(), "{name} left behind");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no partial files");
}

#[test]
fn broken_files_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["gray16.png", "rgb8.tif", "rgb.jpg", "pages_u16.tif"] {
        let bytes = std::fs::read(data_dir().join(name)).unwrap();
        for cut in [0, 8, bytes.len() / 2, bytes.len() - 5] {
            let path = dir.path().join(format!("cut{cut}-{name}"));
            std::fs::write(&path, &bytes[..cut]).unwrap();
            if let Err(e) = read_raster(&path) {
                assert!(e.to_string().contains(&format!("cut{cut}-{name}")), "{e}");
            }
        }
    }
    let path = dir.path().join("text.png");
    std::fs::write(&path, "not an image").unwrap();
    let err = read_raster(&path).unwrap_err();
    assert!(
        matches!(err, IoError::Unsupported { .. } | IoError::Data { .. })
            && err.to_string().contains("text.png")
    );
}

#[test]
fn strided_views_are_written_in_array_order() {
    // A transposed (non-standard-layout) array must be written as its logical order.
    let a = ArrayD::from_shape_vec(vec![4, 3], (0..12u8).collect()).unwrap();
    let t = a.t().to_owned(); // shape (3, 4), Fortran layout
    let image = Image::new(
        ImageData::U8(t.clone()),
        ImageProperties::with_size(vec![4, 3], 1, PixelType::U8).unwrap(),
    )
    .unwrap();
    let back = round_trip("t.png", &image);
    assert_eq!(back.view::<u8>().unwrap(), t.view());
}
