//! Every image reader never panics: the input (after a first byte that picks the extension) is written to a file
//! and read with `mia_io::read_image`, which must return an image or a typed error.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

const EXTENSIONS: [&str; 10] = ["mha", "mhd", "nii", "nii.gz", "hdr", "nrrd", "nhdr", "dcm", "png", "tif"];

fn scratch() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let ext = EXTENSIONS[usize::from(pick) % EXTENSIONS.len()];
    let path = scratch().path().join(format!("input.{ext}"));
    if std::fs::write(&path, body).is_ok() {
        let _ = mia_io::read_image(&path);
    }
});
