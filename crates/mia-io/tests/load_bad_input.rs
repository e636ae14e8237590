//! Bad input never panics and never allocates what a corrupt header claims: truncated and corrupt files,
//! headers declaring more data than present, unknown pixel types, a `.hdr` without its `.img`, and random
//! mutations of real headers (a property-test stand-in for `cargo fuzz`, which this environment lacks) all end
//! in a typed `IoError` naming the file.

use std::path::{Path, PathBuf};

use mia_io::IoError;
use proptest::prelude::*;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn assert_names_file(result: mia_io::Result<mia_core::Image>, path: &Path) -> IoError {
    let err = result.expect_err("bad input must be refused");
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(err.to_string().contains(&name), "error '{err}' does not name {name}");
    err
}

#[test]
fn truncated_nifti_is_a_data_error() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(data("nifti/nibabel_anatomical_bigendian.nii")).unwrap();
    for cut in [0, 3, 100, 347, 352, 1000, full.len() - 1] {
        let p = write(dir.path(), &format!("cut{cut}.nii"), &full[..cut]);
        let err = assert_names_file(mia_io::read_image(&p), &p);
        if cut > 352 {
            assert!(matches!(err, IoError::Data { .. }), "{err:?}");
        }
    }
}

#[test]
fn header_claiming_huge_data_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(data("nifti/nibabel_anatomical_bigendian.nii")).unwrap();
    // Big-endian dim[1..=3] = 32767 each: 7e13 bytes of int16.
    for i in 1..=3 {
        bytes[40 + 2 * i..42 + 2 * i].copy_from_slice(&32767i16.to_be_bytes());
    }
    let p = write(dir.path(), "huge.nii", &bytes);
    let err = assert_names_file(mia_io::read_image(&p), &p);
    assert!(err.to_string().contains("at most"), "{err}");

    let gz = std::fs::read(data("nifti/itk_kmeans_seg.nii.gz")).unwrap();
    let p = write(dir.path(), "cut.nii.gz", &gz[..gz.len() / 2]);
    assert_names_file(mia_io::read_image(&p), &p);

    let mha = b"NDims = 3\nDimSize = 100000 100000 100000\nElementType = MET_DOUBLE\nElementDataFile = LOCAL\n\x00\x01";
    let p = write(dir.path(), "huge.mha", mha);
    assert!(matches!(assert_names_file(mia_io::read_image(&p), &p), IoError::Data { .. }));
    let zmha = b"NDims = 3\nDimSize = 100000 100000 100000\nElementType = MET_DOUBLE\nCompressedData = True\nElementDataFile = LOCAL\nxxxx";
    let p = write(dir.path(), "huge_z.mha", zmha);
    assert!(matches!(assert_names_file(mia_io::read_image(&p), &p), IoError::Data { .. }));
}

#[test]
fn unknown_pixel_types_are_header_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(data("nifti/synthetic/qform_only.nii")).unwrap();
    bytes[70..72].copy_from_slice(&999i16.to_le_bytes());
    let p = write(dir.path(), "dtype.nii", &bytes);
    let err = assert_names_file(mia_io::read_image(&p), &p);
    assert!(err.to_string().contains("datatype"), "{err}");
    bytes[70..72].copy_from_slice(&32i16.to_le_bytes()); // complex64
    let p = write(dir.path(), "complex.nii", &bytes);
    assert!(matches!(assert_names_file(mia_io::read_image(&p), &p), IoError::Unsupported { .. }));

    let p = write(
        dir.path(),
        "t.mha",
        b"NDims = 1\nDimSize = 2\nElementType = MET_STRING\nElementDataFile = LOCAL\nab",
    );
    let err = assert_names_file(mia_io::read_image(&p), &p);
    assert!(err.to_string().contains("ElementType"), "{err}");
}

#[test]
fn missing_companion_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let hdr = dir.path().join("pair.hdr");
    std::fs::copy(data("nifti/nibabel_anatomical_pair.hdr"), &hdr).unwrap();
    let err = mia_io::read_image(&hdr).unwrap_err();
    assert!(matches!(err, IoError::Companion { .. }), "{err:?}");
    assert!(err.to_string().contains("pair.img"), "{err}");

    let mhd = write(
        dir.path(),
        "d.mhd",
        b"NDims = 1\nDimSize = 2\nElementType = MET_UCHAR\nElementDataFile = gone.raw\n",
    );
    let err = mia_io::read_image(&mhd).unwrap_err();
    assert!(err.to_string().contains("gone.raw") && err.to_string().contains("d.mhd"), "{err}");

    let err = mia_io::read_image(dir.path().join("nothing.nii")).unwrap_err();
    assert!(matches!(err, IoError::Io { .. }));
}

#[test]
fn unknown_format_is_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "notes.xyz", b"hello");
    assert!(matches!(assert_names_file(mia_io::read_image(&p), &p), IoError::Unsupported { .. }));
    let image = mia_io::read_image(data("nifti/synthetic/qform_only.nii")).unwrap();
    assert!(matches!(
        mia_io::write_image(dir.path().join("a.nrrd"), &image),
        Err(IoError::Unsupported { .. })
    ));
    // A failed write leaves no partial file behind.
    assert!(mia_io::write_image(dir.path().join("missing-dir/a.nii"), &image).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn nifti_without_extension_is_found_by_magic_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("volume");
    std::fs::copy(data("nifti/itk_kmeans_seg.nii.gz"), &p).unwrap();
    assert_eq!(mia_io::Format::detect(&p), Some(mia_io::Format::Nifti));
    assert_eq!(mia_io::read_image(&p).unwrap().properties().size(), &[128, 128, 62]);
}

fn mutate(bytes: &[u8], edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for &(at, v) in edits {
        if !b.is_empty() {
            let i = at % b.len();
            b[i] = v;
        }
    }
    b.truncate(cut.max(1).min(b.len()));
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn mutated_nifti_never_panics(edits in prop::collection::vec((0usize..400, any::<u8>()), 0..8), cut in 0usize..2000) {
        let src = std::fs::read(data("nifti/synthetic/time_msec_4d.nii")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "m.nii", &mutate(&src, &edits, cut.max(src.len() * (cut % 2))));
        let _ = mia_io::read_image(&p);
    }

    #[test]
    fn mutated_metaimage_never_panics(edits in prop::collection::vec((0usize..300, any::<u8>()), 0..8), cut in 0usize..600) {
        let mut src = b"ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = False\nTransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 0 0 0\nElementSpacing = 1 1 1\nDimSize = 4 3 2\nElementNumberOfChannels = 1\nElementType = MET_SHORT\nElementDataFile = LOCAL\n".to_vec();
        src.extend(std::iter::repeat_n(7u8, 48));
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "m.mha", &mutate(&src, &edits, cut.max(src.len() * (cut % 2))));
        let _ = mia_io::read_image(&p);
    }

    #[test]
    fn metaimage_header_parser_never_panics(text in "[A-Za-z_ =0-9.\\-\n]{0,400}") {
        let _ = mia_io::metaimage::parse_header(Path::new("f.mha"), text.as_bytes());
    }

    #[test]
    fn metaimage_header_parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = mia_io::metaimage::parse_header(Path::new("f.mha"), &bytes);
    }

    #[test]
    fn record_parsers_never_panic(text in "\\PC{0,300}") {
        let _ = mia_io::record::parse_key_values(Path::new("r.txt"), &text);
        let _ = mia_io::record::parse_csv_record(Path::new("r.csv"), &text);
        let _ = mia_io::record::parse_json_record(Path::new("r.json"), &text);
    }
}
