//! Synthetic DICOM objects for what the shared files do not cover: enhanced multi-frame geometry from functional
//! groups, GDCM's rescale pixel types, signed samples with fewer bits stored, planar RGB.
//!
//! Set `MIA_KEEP_SYNTHETIC_DICOM=/some/dir` to keep the files (e.g. to compare with SimpleITK).

use std::path::{Path, PathBuf};

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject, Tag};
use mia_core::PixelType;
use mia_io::dicom::read_dicom;

const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const MR: &str = "1.2.840.10008.5.1.4.1.1.4";
const ENHANCED_MR: &str = "1.2.840.10008.5.1.4.1.1.4.1";

fn put_str(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

fn put_u16(obj: &mut InMemDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

fn put_seq(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
    obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

/// An image object with the given layout; pixel data as 16-bit words or bytes.
fn base(rows: u16, cols: u16, bits: (u16, u16), signed: bool, samples: u16) -> InMemDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    put_str(&mut obj, tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.4");
    put_u16(&mut obj, tags::ROWS, rows);
    put_u16(&mut obj, tags::COLUMNS, cols);
    put_u16(&mut obj, tags::BITS_ALLOCATED, bits.0);
    put_u16(&mut obj, tags::BITS_STORED, bits.1);
    put_u16(&mut obj, tags::HIGH_BIT, bits.1 - 1);
    put_u16(&mut obj, tags::PIXEL_REPRESENTATION, u16::from(signed));
    put_u16(&mut obj, tags::SAMPLES_PER_PIXEL, samples);
    put_str(
        &mut obj,
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        if samples == 3 { "RGB" } else { "MONOCHROME2" },
    );
    obj
}

fn write(obj: InMemDicomObject, sop_class: &str, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(EXPLICIT_LE)
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid("1.2.3.4.5");
    let file = obj.with_meta(meta).unwrap();
    let path = dir.path().join(name);
    file.write_to_file(&path).unwrap();
    if let Ok(keep) = std::env::var("MIA_KEEP_SYNTHETIC_DICOM") {
        std::fs::copy(&path, Path::new(&keep).join(name)).unwrap();
    }
    (dir, path)
}

fn close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() < 1e-9, "{actual:?} vs {expected:?}");
    }
}

#[test]
fn enhanced_multi_frame_geometry_from_functional_groups() {
    let (rows, cols, frames) = (2u16, 3u16, 3usize);
    let mut obj = base(rows, cols, (16, 12), false, 1);
    put_str(&mut obj, tags::NUMBER_OF_FRAMES, VR::IS, "3");
    // Shared: pixel spacing (row 0.5, column 0.25) and an orientation rotated about z by 90 degrees.
    let mut measures = InMemDicomObject::new_empty();
    put_str(&mut measures, tags::PIXEL_SPACING, VR::DS, "0.5\\0.25");
    let mut orientation = InMemDicomObject::new_empty();
    put_str(&mut orientation, tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "0\\1\\0\\-1\\0\\0");
    let mut transform = InMemDicomObject::new_empty();
    put_str(&mut transform, tags::RESCALE_SLOPE, VR::DS, "2");
    put_str(&mut transform, tags::RESCALE_INTERCEPT, VR::DS, "-100");
    let mut shared = InMemDicomObject::new_empty();
    put_seq(&mut shared, tags::PIXEL_MEASURES_SEQUENCE, vec![measures]);
    put_seq(&mut shared, tags::PLANE_ORIENTATION_SEQUENCE, vec![orientation]);
    put_seq(&mut shared, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE, vec![transform]);
    put_seq(&mut obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE, vec![shared]);
    // Per frame: positions 2.5 mm apart along the normal (0, 0, 1).
    let per_frame: Vec<InMemDicomObject> = (0..frames)
        .map(|k| {
            let mut pos = InMemDicomObject::new_empty();
            put_str(
                &mut pos,
                tags::IMAGE_POSITION_PATIENT,
                VR::DS,
                &format!("10\\-20\\{}", 5.0 + 2.5 * k as f64),
            );
            let mut item = InMemDicomObject::new_empty();
            put_seq(&mut item, tags::PLANE_POSITION_SEQUENCE, vec![pos]);
            item
        })
        .collect();
    put_seq(&mut obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, per_frame);
    let n = rows as usize * cols as usize * frames;
    let stored: Vec<u16> = (0..n as u16).map(|i| i * 200).collect();
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(stored.clone().into())));
    let (_dir, path) = write(obj, ENHANCED_MR, "enhanced.dcm");

    let image = read_dicom(&path).unwrap();
    let p = image.properties();
    assert_eq!(p.size(), &[3, 2, 3]);
    close(p.spacing(), &[0.25, 0.5, 2.5]);
    close(p.origin(), &[10.0, -20.0, 5.0]);
    // Columns: row cosine (0, 1, 0), column cosine (-1, 0, 0), normal (0, 0, 1).
    close(p.direction(), &[0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    // 12 bits stored, slope 2, intercept -100: range [-100, 8090] -> i16 (GDCM's best fit).
    assert_eq!(p.pixel_type(), PixelType::I16);
    let values: Vec<f64> = image.data().to_f64().iter().copied().collect();
    let want: Vec<f64> = stored.iter().map(|&v| f64::from(v) * 2.0 - 100.0).collect();
    assert_eq!(values, want);
}

#[test]
fn fractional_rescale_gives_f64_and_integer_rescale_the_best_fit() {
    for (k, (slope, intercept, pixel_type)) in [
        ("0.5", "1.5", PixelType::F64),
        ("1", "-1024", PixelType::I32),
        ("1", "1000", PixelType::I32),
        ("2", "0", PixelType::I32),
        ("-1", "0", PixelType::I32),
    ]
    .into_iter()
    .enumerate()
    {
        let mut obj = base(2, 2, (16, 16), true, 1);
        put_str(&mut obj, tags::RESCALE_SLOPE, VR::DS, slope);
        put_str(&mut obj, tags::RESCALE_INTERCEPT, VR::DS, intercept);
        put_str(&mut obj, tags::IMAGE_POSITION_PATIENT, VR::DS, "1\\2\\3");
        put_str(&mut obj, tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0");
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(vec![0u16, 1, 0x8000, 0xFFFF].into()),
        ));
        let (_dir, path) = write(obj, CT, &format!("ct{k}.dcm"));
        let image = read_dicom(&path).unwrap();
        assert_eq!(image.properties().pixel_type(), pixel_type, "slope {slope} intercept {intercept}");
        let (s, i): (f64, f64) = (slope.parse().unwrap(), intercept.parse().unwrap());
        let want: Vec<f64> = [0.0, 1.0, -32768.0, -1.0].iter().map(|v| v * s + i).collect();
        let got: Vec<f64> = image.data().to_f64().iter().copied().collect();
        assert_eq!(got, want, "slope {slope} intercept {intercept}");
    }
}

#[test]
fn signed_samples_with_fewer_bits_stored_are_sign_extended() {
    let mut obj = base(1, 4, (16, 12), true, 1);
    // 12-bit two's complement with junk in the 4 unused high bits.
    let words = vec![0x0FFFu16, 0xF800, 0x07FF, 0xA001];
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(words.into())));
    let (_dir, path) = write(obj, MR, "mr12.dcm");
    let image = read_dicom(&path).unwrap();
    assert_eq!(image.properties().pixel_type(), PixelType::I16);
    assert_eq!(image.data().to_f64().iter().copied().collect::<Vec<_>>(), vec![-1.0, -2048.0, 2047.0, 1.0]);
}

#[test]
fn mr_spacing_between_slices_is_the_z_spacing() {
    let mut obj = base(2, 2, (16, 16), false, 1);
    put_str(&mut obj, tags::SPACING_BETWEEN_SLICES, VR::DS, "3.5");
    put_str(&mut obj, tags::PIXEL_SPACING, VR::DS, "0.7\\0.9");
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(vec![1u16, 2, 3, 4].into())));
    let (_dir, path) = write(obj, MR, "mr_sbs.dcm");
    let image = read_dicom(&path).unwrap();
    close(image.properties().spacing(), &[0.9, 0.7, 3.5]);
}

#[test]
fn planar_rgb_is_interleaved() {
    let mut obj = base(1, 2, (8, 8), false, 3);
    put_u16(&mut obj, tags::PLANAR_CONFIGURATION, 1);
    // Planes: R R, G G, B B.
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PrimitiveValue::U8(vec![10u8, 11, 20, 21, 30, 31].into()),
    ));
    let (_dir, path) = write(obj, "1.2.840.10008.5.1.4.1.1.7", "rgb.dcm");
    let image = read_dicom(&path).unwrap();
    assert_eq!(image.properties().components(), 3);
    assert_eq!(image.data().shape(), &[1, 1, 2, 3]);
    assert_eq!(image.view::<u8>().unwrap().iter().copied().collect::<Vec<_>>(), vec![10, 20, 30, 11, 21, 31]);
}

#[test]
fn pixel_data_shorter_than_declared() {
    let mut obj = base(64, 64, (16, 16), false, 1);
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(vec![1u16; 10].into())));
    let (_dir, path) = write(obj, CT, "short.dcm");
    match read_dicom(&path) {
        Err(mia_io::IoError::Data { path: p, message }) => {
            assert_eq!(p, path);
            assert!(message.contains("20 bytes"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn native_ybr_full_becomes_rgb_as_simpleitk_converts_it() {
    let mut obj = base(1, 3, (8, 8), false, 3);
    put_str(&mut obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "YBR_FULL");
    put_u16(&mut obj, tags::PLANAR_CONFIGURATION, 0);
    // (Y, Cb, Cr) triples: grey, reddish, bluish.
    let samples = vec![128u8, 128, 128, 100, 90, 200, 60, 220, 100];
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::U8(samples.into())));
    let (_dir, path) = write(obj, "1.2.840.10008.5.1.4.1.1.7", "ybr.dcm");
    let image = read_dicom(&path).unwrap();
    // Values SimpleITK 2.3.1 reads from this file.
    let rgb: Vec<u8> = image.view::<u8>().unwrap().iter().copied().collect();
    assert_eq!(rgb, vec![128, 128, 128, 201, 62, 33, 21, 48, 223]);
}
