//! 12-bit lossy JPEG in synthetic DICOM files: multi-frame pixel data over one or several fragments per frame (with
//! the Basic Offset Table), and broken files, which must give errors naming the file.

use std::path::{Path, PathBuf};

use dicom_core::value::{PixelFragmentSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject, OpenFileOptions, Tag};
use mia_io::dicom::read_dicom;
use mia_io::IoError;

const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";
const SECONDARY_CAPTURE: &str = "1.2.840.10008.5.1.4.1.1.7";

/// The JPEG stream of the 12-bit test file (256 x 1024, one fragment), padded to an even length.
fn nm1_stream() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dicom/JPGExtended.dcm");
    let obj = OpenFileOptions::new().open_file(path).unwrap();
    let mut stream = obj.element(tags::PIXEL_DATA).unwrap().value().fragments().unwrap()[0].clone();
    if stream.len() % 2 == 1 {
        stream.push(0);
    }
    stream
}

/// The voxels of the 12-bit test file (one frame).
fn nm1_values() -> Vec<f64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dicom/JPGExtended.dcm");
    read_dicom(&path).unwrap().data().to_f64().iter().copied().collect()
}

fn put_str(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

fn put_u16(obj: &mut InMemDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

/// A 16/12-bit MONOCHROME2 JPEG Extended file of `frames` frames of `rows` x 256 with the given fragments.
fn write(
    rows: u16,
    frames: usize,
    offsets: Vec<u32>,
    fragments: Vec<Vec<u8>>,
) -> (tempfile::TempDir, PathBuf) {
    let mut obj = InMemDicomObject::new_empty();
    put_u16(&mut obj, tags::ROWS, rows);
    put_u16(&mut obj, tags::COLUMNS, 256);
    put_u16(&mut obj, tags::BITS_ALLOCATED, 16);
    put_u16(&mut obj, tags::BITS_STORED, 12);
    put_u16(&mut obj, tags::HIGH_BIT, 11);
    put_u16(&mut obj, tags::PIXEL_REPRESENTATION, 0);
    put_u16(&mut obj, tags::SAMPLES_PER_PIXEL, 1);
    put_str(&mut obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    put_str(&mut obj, tags::NUMBER_OF_FRAMES, VR::IS, &frames.to_string());
    let sequence = PixelFragmentSequence::new(offsets, fragments);
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, Value::from(sequence)));
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(JPEG_EXTENDED)
        .media_storage_sop_class_uid(SECONDARY_CAPTURE)
        .media_storage_sop_instance_uid("1.2.3.4.5");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jpeg12.dcm");
    obj.with_meta(meta).unwrap().write_to_file(&path).unwrap();
    (dir, path)
}

/// Splits `stream` in two fragments of even length.
fn halves(stream: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let cut = stream.len() / 4 * 2;
    (stream[..cut].to_vec(), stream[cut..].to_vec())
}

fn values(path: &Path) -> Vec<f64> {
    read_dicom(path).unwrap_or_else(|e| panic!("{e}")).data().to_f64().iter().copied().collect()
}

#[test]
fn two_frames_of_one_fragment_each() {
    let s = nm1_stream();
    let (_dir, path) = write(1024, 2, vec![], vec![s.clone(), s]);
    let image = read_dicom(&path).unwrap();
    assert_eq!(image.properties().size(), &[256, 1024, 2]);
    assert_eq!(values(&path), [nm1_values(), nm1_values()].concat());
}

#[test]
fn two_frames_over_four_fragments_with_the_offset_table() {
    let s = nm1_stream();
    let (a, b) = halves(&s);
    // Offsets from the first fragment's item tag: each fragment adds 8 bytes of item header.
    let offsets = vec![0, (a.len() + b.len() + 16) as u32];
    let (_dir, path) = write(1024, 2, offsets, vec![a.clone(), b.clone(), a, b]);
    assert_eq!(values(&path), [nm1_values(), nm1_values()].concat());
}

#[test]
fn one_frame_over_three_fragments() {
    let s = nm1_stream();
    let (a, rest) = halves(&s);
    let (b, c) = halves(&rest);
    let (_dir, path) = write(1024, 1, vec![], vec![a, b, c]);
    assert_eq!(values(&path), nm1_values());
}

fn data_error(path: &Path) -> String {
    match read_dicom(path) {
        Err(IoError::Data { path: p, message }) => {
            assert_eq!(p, path);
            message
        }
        other => panic!("expected a data error, got {:?}", other.map(|i| i.properties().size().to_vec())),
    }
}

#[test]
fn a_truncated_stream_is_a_data_error() {
    let s = nm1_stream();
    for cut in [s.len() / 2 / 2 * 2, s.len() - 40, 400] {
        let (_dir, path) = write(1024, 1, vec![], vec![s[..cut].to_vec()]);
        let message = data_error(&path);
        assert!(message.contains("frame 1") && message.contains("corrupt JPEG"), "{message}");
    }
}

#[test]
fn a_size_other_than_the_header_is_a_data_error() {
    let (_dir, path) = write(512, 1, vec![], vec![nm1_stream()]);
    let message = data_error(&path);
    assert!(message.contains("256 x 1024") && message.contains("256 x 512"), "{message}");
}

#[test]
fn fewer_frames_than_the_header_declares_is_a_data_error() {
    let s = nm1_stream();
    let (a, b) = halves(&s);
    let (_dir, path) = write(1024, 3, vec![], vec![a.clone(), b.clone(), a, b]);
    let message = data_error(&path);
    assert!(message.contains("holds 2 JPEG frames") && message.contains("declares 3"), "{message}");
}
