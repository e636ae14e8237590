//! Pixel spacing from a JPEG's JFIF APP0 density, as ITK's JPEGImageIO (libjpeg) reads it.

use std::io::Read;
use std::path::Path;

use crate::{IoError, Result};

/// `25.4 / density` (dots per inch) or `10 / density` (dots per cm) millimetres; `(1, 1)` without a JFIF
/// segment, with unit 0 (aspect ratio only) or a zero density.
pub(crate) fn spacing(path: &Path) -> Result<[f64; 2]> {
    let mut head = Vec::with_capacity(64);
    std::fs::File::open(path)
        .and_then(|f| f.take(64).read_to_end(&mut head))
        .map_err(|e| IoError::io(path, e))?;
    Ok(from_bytes(&head))
}

fn from_bytes(b: &[u8]) -> [f64; 2] {
    // SOI, then the first segment must be APP0 "JFIF\0": length(2) "JFIF\0" version(2) units(1) X(2) Y(2).
    if b.len() < 18 || b[0..4] != [0xFF, 0xD8, 0xFF, 0xE0] || &b[6..11] != b"JFIF\0" {
        return [1.0, 1.0];
    }
    let units = b[13];
    let x = f64::from(u16::from_be_bytes([b[14], b[15]]));
    let y = f64::from(u16::from_be_bytes([b[16], b[17]]));
    let per_unit = match units {
        1 => 25.4,
        2 => 10.0,
        _ => return [1.0, 1.0],
    };
    if x > 0.0 && y > 0.0 {
        [per_unit / x, per_unit / y]
    } else {
        [1.0, 1.0]
    }
}

#[cfg(test)]
mod tests {
    use super::from_bytes;

    fn jfif(units: u8, x: u16, y: u16) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        b.extend_from_slice(b"JFIF\0");
        b.extend_from_slice(&[1, 1, units]);
        b.extend_from_slice(&x.to_be_bytes());
        b.extend_from_slice(&y.to_be_bytes());
        b.extend_from_slice(&[0, 0]);
        b
    }

    #[test]
    fn densities() {
        assert_eq!(from_bytes(&jfif(1, 300, 150)), [25.4 / 300.0, 25.4 / 150.0]);
        assert_eq!(from_bytes(&jfif(2, 40, 20)), [0.25, 0.5]);
        assert_eq!(from_bytes(&jfif(0, 1, 1)), [1.0, 1.0]);
        assert_eq!(from_bytes(&jfif(1, 0, 72)), [1.0, 1.0]);
        assert_eq!(from_bytes(&[0xFF, 0xD8, 0xFF, 0xE1]), [1.0, 1.0]);
    }
}
