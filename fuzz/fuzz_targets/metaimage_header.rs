//! The MetaImage header parser never panics: any bytes give a header or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mia_io::metaimage::parse_header(std::path::Path::new("fuzz.mha"), data);
});
