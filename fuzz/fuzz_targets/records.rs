//! The record parsers (key-value text, CSV, JSON demographics) never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("fuzz.txt");
    let _ = mia_io::record::parse_key_values(path, &text);
    let _ = mia_io::record::parse_csv_record(path, &text);
    let _ = mia_io::record::parse_json_record(path, &text);
});
