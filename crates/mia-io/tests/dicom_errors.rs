//! Series that cannot form one volume and broken DICOM files give typed errors naming the file, never a panic.

use std::path::{Path, PathBuf};

use mia_io::dicom::{read_dicom, read_dicom_series, SeriesConfig};
use mia_io::IoError;

const SERIES: [&str; 5] = ["2062.dcm", "2392.dcm", "2693.dcm", "3023.dcm", "3353.dcm"];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dicom")
}

/// Copies the CT series into a temporary directory, leaving out `skip` and patching file `patch.0` by replacing
/// the byte string `patch.1` with `patch.2` (same length, so the DICOM structure stays valid).
fn series_copy(skip: &[&str], patch: Option<(&str, &[u8], &[u8])>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in SERIES.iter().filter(|n| !skip.contains(n)) {
        let mut bytes = std::fs::read(data_dir().join("series_ct5n").join(name)).unwrap();
        if let Some((file, from, to)) = patch {
            if file == *name {
                assert_eq!(from.len(), to.len());
                let at = bytes.windows(from.len()).position(|w| w == from).expect("patch target in file");
                bytes[at..at + from.len()].copy_from_slice(to);
            }
        }
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

fn series_message(result: mia_io::Result<mia_core::Image>, dir: &Path) -> String {
    match result {
        Err(IoError::Series { path, message }) => {
            assert_eq!(path, dir);
            message
        }
        other => panic!("expected a series error, got {other:?}"),
    }
}

#[test]
fn missing_middle_slice_is_a_gap() {
    let dir = series_copy(&["2693.dcm"], None);
    let message = series_message(read_dicom(dir.path()), dir.path());
    assert!(message.contains("not evenly spaced") && message.contains("2392.dcm"), "{message}");
}

#[test]
fn missing_end_slice_still_forms_a_volume() {
    let dir = series_copy(&["3353.dcm"], None);
    let image = read_dicom(dir.path()).unwrap();
    assert_eq!(image.properties().size(), &[16, 16, 4]);
    assert!((image.properties().spacing()[2] - 2.5).abs() < 1e-9);
    assert!((image.properties().origin()[2] - 1.2625).abs() < 1e-9);
}

#[test]
fn tilted_slice_is_not_parallel() {
    // Column cosine (0, 1, 0) -> (0, 0, 1): the slice normal turns by 90 degrees.
    let from = b"1.000000\\0.000000\\0.000000\\0.000000\\1.000000\\0.000000";
    let to = b"1.000000\\0.000000\\0.000000\\0.000000\\0.000000\\1.000000";
    let dir = series_copy(&[], Some(("2693.dcm", from, to)));
    let message = series_message(read_dicom(dir.path()), dir.path());
    assert!(message.contains("not parallel") && message.contains("2693.dcm"), "{message}");
}

#[test]
fn slightly_rotated_in_plane_slice_is_refused() {
    // Row cosine (1, 0, 0) -> (0.99, 0.01, 0): still (nearly) the same normal, but another in-plane orientation.
    let from = b"1.000000\\0.000000\\0.000000\\0.000000\\1.000000";
    let to = b"0.999950\\0.010000\\0.000000\\0.000000\\1.000000";
    let dir = series_copy(&[], Some(("3023.dcm", from, to)));
    let message = series_message(read_dicom(dir.path()), dir.path());
    assert!(message.contains("3023.dcm"), "{message}");
}

#[test]
fn two_slices_at_one_position_are_refused() {
    let dir = series_copy(&[], Some(("2392.dcm", b"6.262500", b"8.762500")));
    let message = series_message(read_dicom(dir.path()), dir.path());
    assert!(message.contains("same position"), "{message}");
}

#[test]
fn in_plane_shifted_slice_is_refused() {
    let dir = series_copy(&[], Some(("2693.dcm", b"-143.000000", b"-133.000000")));
    let message = series_message(read_dicom(dir.path()), dir.path());
    assert!(message.contains("shifted") && message.contains("2693.dcm"), "{message}");
}

#[test]
fn mixed_series_are_refused() {
    let dir = series_copy(&[], None);
    std::fs::copy(data_dir().join("MR_small.dcm"), dir.path().join("mr.dcm")).unwrap();
    let message = series_message(read_dicom(dir.path()), dir.path());
    assert!(message.contains("mixes 2 series"), "{message}");
}

#[test]
fn differing_rows_are_refused() {
    // Rows (0028,0010) US 16 -> 15 in explicit VR little endian.
    let from = [0x28, 0x00, 0x10, 0x00, b'U', b'S', 0x02, 0x00, 16, 0];
    let to = [0x28, 0x00, 0x10, 0x00, b'U', b'S', 0x02, 0x00, 15, 0];
    let dir = series_copy(&[], Some(("3023.dcm", &from, &to)));
    let message = series_message(read_dicom(dir.path()), dir.path());
    assert!(message.contains("differ in size") && message.contains("3023.dcm"), "{message}");
}

#[test]
fn tolerance_is_configurable() {
    // 6.2625 -> 6.3625: a 4 % irregularity, refused by default, accepted with a 10 % tolerance.
    let dir = series_copy(&[], Some(("2392.dcm", b"6.262500", b"6.362500")));
    assert!(matches!(read_dicom(dir.path()), Err(IoError::Series { .. })));
    let loose = SeriesConfig { spacing_tolerance: 0.1, ..SeriesConfig::default() };
    let image = read_dicom_series(dir.path(), &loose).unwrap();
    assert_eq!(image.properties().size(), &[16, 16, 5]);
}

#[test]
fn empty_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("readme.txt"), "no images here").unwrap();
    let message = series_message(read_dicom(dir.path()), dir.path());
    assert!(message.contains("no DICOM image files"), "{message}");
}

#[test]
fn truncated_file_names_the_file() {
    let bytes = std::fs::read(data_dir().join("CT_small.dcm")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for cut in [100, 132, 400, bytes.len() / 2, bytes.len() - 1] {
        let path = dir.path().join(format!("cut{cut}.dcm"));
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let err = read_dicom(&path).expect_err("truncated file must fail");
        assert!(err.to_string().contains(&format!("cut{cut}.dcm")), "{err}");
        assert!(matches!(err, IoError::Header { .. } | IoError::Data { .. }), "{err:?}");
    }
}

#[test]
fn file_without_pixel_data_is_a_data_error() {
    let bytes = std::fs::read(data_dir().join("CT_small.dcm")).unwrap();
    let tag = [0xe0, 0x7f, 0x10, 0x00];
    let at = bytes.windows(4).rposition(|w| w == tag).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nopixels.dcm");
    std::fs::write(&path, &bytes[..at]).unwrap();
    match read_dicom(&path) {
        Err(IoError::Data { path: p, message }) => {
            assert_eq!(p, path);
            assert!(message.contains("Pixel Data"), "{message}");
        }
        other => panic!("expected a data error, got {other:?}"),
    }
}

#[test]
fn truncated_slice_in_series_names_the_slice() {
    let dir = series_copy(&[], None);
    let victim = dir.path().join("2693.dcm");
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() - 200]).unwrap();
    let err = read_dicom(dir.path()).expect_err("truncated slice must fail");
    assert!(err.to_string().contains("2693.dcm"), "{err}");
}

#[test]
fn not_dicom_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.dcm");
    std::fs::write(&path, "hello, this is not DICOM at all".repeat(10)).unwrap();
    let err = read_dicom(&path).unwrap_err();
    assert!(matches!(err, IoError::Header { .. }) && err.to_string().contains("text.dcm"), "{err}");
    let missing = dir.path().join("missing.dcm");
    assert!(matches!(read_dicom(&missing), Err(IoError::Io { .. })));
}
