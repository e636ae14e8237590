//! The decoder on the 12-bit test file's stream and on streams made here (flat blocks, so the expected samples are
//! known exactly), and on corrupt or truncated variants: errors, never panics.

use super::*;

/// The JPEG stream inside the 12-bit test file (NEMA NM1_JPLY, one fragment).
fn nm1_stream() -> &'static [u8] {
    const FILE: &[u8] = include_bytes!("../../../tests/data/dicom/JPGExtended.dcm");
    let start = FILE.windows(3).position(|w| w == [0xFF, 0xD8, 0xFF]).expect("SOI");
    let end = FILE.windows(2).rposition(|w| w == [0xFF, 0xD9]).expect("EOI") + 2;
    &FILE[start..end]
}

/// Offset of the first SOS marker (headers end there).
fn sos_offset(data: &[u8]) -> usize {
    data.windows(2).position(|w| w == [0xFF, 0xDA]).expect("SOS")
}

#[test]
fn decodes_the_12_bit_nema_stream() {
    let data = nm1_stream();
    let info = frame_info(data).unwrap();
    assert_eq!(info, FrameInfo { precision: 12, width: 256, height: 1024, components: 1 });
    let (image, used) = decode(data).unwrap();
    assert_eq!(used, data.len());
    assert_eq!((image.width, image.height, image.components, image.precision), (256, 1024, 1, 12));
    let sum: u64 = image.samples.iter().map(|&v| u64::from(v)).sum();
    // Bit-exact with GDCM's 12-bit IJG libjpeg (SimpleITK 2.3.1): see tests/dicom_files.rs.
    assert_eq!(sum, 3_767_007);
    assert_eq!(image.samples.iter().max(), Some(&264));
}

#[test]
fn every_truncation_is_an_error() {
    let data = nm1_stream();
    let header_end = sos_offset(data) + 12;
    let cuts = (0..header_end).chain((header_end..data.len()).step_by(41)).chain(data.len() - 3..data.len());
    for cut in cuts {
        match decode(&data[..cut]) {
            Err(JpegError::Corrupt(_)) => {}
            other => panic!("cut at {cut}: {:?}", other.map(|(i, n)| (i.width, i.height, n))),
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let data = nm1_stream();
    let header_end = sos_offset(data) + 12;
    let positions = (0..header_end).chain((header_end..data.len()).step_by(29));
    for pos in positions {
        for mask in [0xFF, 0x01, 0x80] {
            let mut bad = data.to_vec();
            bad[pos] ^= mask;
            if let Ok((image, used)) = decode(&bad) {
                assert_eq!(
                    image.samples.len(),
                    image.width * image.height * image.components,
                    "flip at {pos}"
                );
                assert!(used <= bad.len());
            }
        }
    }
}

#[test]
fn an_undefined_huffman_code_is_an_error() {
    // DC category 0 (code 0000), then only 1 bits: the AC table defines no code of 16 ones.
    let mut stream = TestStream::new(12, 8, 8, 1);
    stream.scan_bytes(&[1], &[0x0F, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00]);
    let err = decode(&stream.finish()).unwrap_err();
    assert!(matches!(&err, JpegError::Corrupt(m) if m.contains("Huffman code")), "{err}");
}

#[test]
fn unsupported_processes_are_named() {
    for (sof, what) in [(0xC2, "progressive"), (0xC3, "lossless"), (0xC9, "arithmetic")] {
        let mut data = TestStream::new(12, 8, 8, 1).finish();
        let at = data.windows(2).position(|w| w == [0xFF, 0xC1]).unwrap();
        data[at + 1] = sof;
        let err = decode(&data).unwrap_err();
        assert!(matches!(&err, JpegError::Unsupported(m) if m.contains(what)), "{err}");
    }
    let mut data = TestStream::new(12, 8, 8, 1).finish();
    let at = data.windows(2).position(|w| w == [0xFF, 0xC1]).unwrap();
    data[at + 4] = 16; // Precision 16.
    assert!(matches!(decode(&data), Err(JpegError::Unsupported(m)) if m.contains("precision 16")));
}

#[test]
fn missing_pieces_are_errors() {
    assert!(matches!(decode(&[]), Err(JpegError::Corrupt(_))));
    assert!(
        matches!(decode(&[0xFF, 0xD8, 0xFF, 0xD9]), Err(JpegError::Corrupt(m)) if m.contains("no frame header"))
    );
    let full = TestStream::flat(12, 8, 8, 1, 0, false, |_, _, _| 100).finish();
    // Remove the DHT segment: the scan then names undefined tables.
    let dht = full.windows(2).position(|w| w == [0xFF, 0xC4]).unwrap();
    let len = usize::from(full[dht + 2]) << 8 | usize::from(full[dht + 3]);
    let without: Vec<u8> = full[..dht].iter().chain(&full[dht + 2 + len..]).copied().collect();
    assert!(
        matches!(decode(&without), Err(JpegError::Corrupt(m)) if m.contains("Huffman table not defined"))
    );
    // A frame far larger than the stream could code.
    let mut huge = full.clone();
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC1]).unwrap();
    huge[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    assert!(matches!(decode(&huge), Err(JpegError::Corrupt(m)) if m.contains("more than")));
}

#[test]
fn flat_images_decode_exactly() {
    for precision in [8, 12] {
        for (w, h) in [(8, 8), (20, 13), (1, 30)] {
            let value = |c: usize, bx: usize, by: usize| ((bx * 37 + by * 11 + c * 5) % 200) as i32 + 7;
            let data = TestStream::flat(precision, w, h, 1, 0, false, value).finish();
            let (image, _) = decode(&data).unwrap();
            assert_eq!((image.width, image.height, image.precision), (w, h, precision));
            for y in 0..h {
                for x in 0..w {
                    assert_eq!(i32::from(image.samples[y * w + x]), value(0, x / 8, y / 8), "({x}, {y})");
                }
            }
        }
    }
}

#[test]
fn restart_intervals_and_colour_scans() {
    let value = |c: usize, bx: usize, by: usize| ((bx * 13 + by * 7 + c * 101) % 4000) as i32;
    for (comps, separate) in [(1, false), (3, false), (3, true)] {
        for restart in [0, 1, 2, 5] {
            let data = TestStream::flat(12, 35, 17, comps, restart, separate, value).finish();
            let (image, _) = decode(&data).unwrap_or_else(|e| panic!("{comps} {separate} {restart}: {e}"));
            for (i, &v) in image.samples.iter().enumerate() {
                let (c, p) = (i % comps, i / comps);
                let (x, y) = (p % 35, p / 35);
                assert_eq!(i32::from(v), value(c, x / 8, y / 8), "comp {c} ({x}, {y}) restart {restart}");
            }
        }
    }
}

#[test]
fn wrong_or_missing_restart_markers_are_errors() {
    let value = |_: usize, bx: usize, _: usize| bx as i32 * 10;
    let mut data = TestStream::flat(12, 32, 8, 1, 1, false, value).finish();
    let rst = data.windows(2).position(|w| w == [0xFF, 0xD0]).unwrap();
    data[rst + 1] = 0xD3;
    assert!(
        matches!(decode(&data), Err(JpegError::Corrupt(m)) if m.contains("expected restart marker FFD0"))
    );
    let mut stream = TestStream::new(12, 32, 8, 1);
    stream.restart = 1; // Declared, but the scan below has no markers.
    stream.scan_bytes(&[1], &[0x00, 0x00, 0x00, 0x00]);
    assert!(matches!(decode(&stream.finish()), Err(JpegError::Corrupt(m)) if m.contains("restart marker")));
}

#[test]
fn subsampled_colour_is_unsupported() {
    let mut data = TestStream::new(12, 16, 16, 3).finish();
    let sof = data.windows(2).position(|w| w == [0xFF, 0xC1]).unwrap();
    data[sof + 11] = 0x22; // First component 2x2.
    assert!(matches!(decode(&data), Err(JpegError::Unsupported(m)) if m.contains("subsampled")));
}

/// Writes JPEG streams for the tests: 16-bit (12-bit precision) or 8-bit quantisation tables of ones, a DC table
/// with categories 0..=15 (4-bit codes, 5 bits for 15) and an AC table with only end-of-block (code `0`) and
/// run 0/size 1 (code `10`).
struct TestStream {
    restart: usize,
    out: Vec<u8>,
}

/// Bit writer with byte stuffing.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn put(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.acc = self.acc << 1 | (code >> i & 1);
            self.n += 1;
            if self.n == 8 {
                self.byte();
            }
        }
    }

    fn byte(&mut self) {
        let b = self.acc as u8;
        self.out.push(b);
        if b == 0xFF {
            self.out.push(0);
        }
        self.acc = 0;
        self.n = 0;
    }

    /// Pads the last byte with 1 bits.
    fn flush(&mut self) {
        while self.n != 0 {
            self.put(1, 1);
        }
    }

    /// A DC difference: category code, then the extra bits.
    fn dc(&mut self, diff: i32) {
        let size = 32 - diff.unsigned_abs().leading_zeros();
        if size == 15 {
            self.put(0b11110, 5);
        } else {
            self.put(size, 4);
        }
        let bits = if diff < 0 { diff - 1 } else { diff };
        self.put(bits as u32 & ((1 << size) - 1), size);
    }
}

impl TestStream {
    /// Headers of a stream (SOI, DQT, DHT, SOF1).
    fn new(precision: u8, width: usize, height: usize, comps: usize) -> Self {
        let mut out = vec![0xFF, 0xD8];
        let wide = precision == 12;
        out.extend([0xFF, 0xDB, 0, if wide { 131 } else { 67 }, if wide { 0x10 } else { 0x00 }]);
        out.extend((0..64).flat_map(|_| if wide { vec![0, 1] } else { vec![1] }));
        let mut dc_counts = [0u8; 16];
        dc_counts[3] = 15;
        dc_counts[4] = 1;
        out.extend([0xFF, 0xC4, 0, 2 + 17 + 16, 0x00]);
        out.extend(dc_counts);
        out.extend(0..16u8);
        out.extend([0xFF, 0xC4, 0, 2 + 17 + 2, 0x10, 1, 1]);
        out.extend([0; 14]);
        out.extend([0x00, 0x01]);
        out.extend([0xFF, 0xC1, 0, (8 + 3 * comps) as u8, precision]);
        out.extend((height as u16).to_be_bytes());
        out.extend((width as u16).to_be_bytes());
        out.push(comps as u8);
        for c in 0..comps {
            out.extend([c as u8 + 1, 0x11, 0]);
        }
        TestStream { restart: 0, out }
    }

    /// A stream whose 8×8 block `(bx, by)` of component `c` is flat with sample value `value(c, bx, by)`; one
    /// interleaved scan, or one scan per component when `separate`.
    fn flat(
        precision: u8,
        width: usize,
        height: usize,
        comps: usize,
        restart: usize,
        separate: bool,
        value: impl Fn(usize, usize, usize) -> i32,
    ) -> Self {
        let mut s = TestStream::new(precision, width, height, comps);
        s.restart = restart;
        let center = 1i32 << (precision - 1);
        // Flat block of value v: DC coefficient 8 (v - centre) with quantiser 1.
        let dc = |c: usize, bx: usize, by: usize| 8 * (value(c, bx, by) - center);
        let groups: Vec<Vec<usize>> =
            if separate { (0..comps).map(|c| vec![c]).collect() } else { vec![(0..comps).collect()] };
        let (bw, bh) = (width.div_ceil(8), height.div_ceil(8));
        for group in groups {
            let mut bits = Bits::default();
            let mut preds = vec![0; comps];
            for mcu in 0..bw * bh {
                if restart > 0 && mcu > 0 && mcu % restart == 0 {
                    bits.flush();
                    bits.out.extend([0xFF, 0xD0 + ((mcu / restart - 1) % 8) as u8]);
                    preds.iter_mut().for_each(|p| *p = 0);
                }
                for &c in &group {
                    let v = dc(c, mcu % bw, mcu / bw);
                    bits.dc(v - preds[c]);
                    preds[c] = v;
                    bits.put(0, 1); // End of block.
                }
            }
            bits.flush();
            let ids: Vec<u8> = group.iter().map(|&c| c as u8 + 1).collect();
            s.scan_bytes(&ids, &bits.out);
        }
        s
    }

    /// Appends DRI (if set, before the first scan) and a scan of components `ids` with entropy-coded `body`.
    fn scan_bytes(&mut self, ids: &[u8], body: &[u8]) {
        if self.restart > 0 && !self.out.windows(2).any(|w| w == [0xFF, 0xDD]) {
            self.out.extend([0xFF, 0xDD, 0, 4]);
            self.out.extend((self.restart as u16).to_be_bytes());
        }
        self.out.extend([0xFF, 0xDA, 0, (6 + 2 * ids.len()) as u8, ids.len() as u8]);
        for &id in ids {
            self.out.extend([id, 0x00]);
        }
        self.out.extend([0, 63, 0]);
        self.out.extend_from_slice(body);
    }

    /// The stream with its end-of-image marker.
    fn finish(mut self) -> Vec<u8> {
        self.out.extend([0xFF, 0xD9]);
        self.out
    }
}

#[test]
fn baseline_8_bit_matches_simpleitk_exactly() {
    // An 8-bit baseline (SOF0) file of the raster tests; expected.json holds SimpleITK 2.3.1's values (libjpeg,
    // islow IDCT: the same arithmetic as ours, so no sample differs).
    let data = include_bytes!("../../../tests/data/raster/gray_300dpi.jpg");
    let expected: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/data/raster/expected.json")).unwrap();
    let values = expected["files"]["gray_300dpi.jpg"]["values"].as_array().unwrap();
    let (image, _) = decode(data).unwrap();
    assert_eq!((image.width, image.height, image.precision), (16, 16, 8));
    let expected: Vec<f64> = values.iter().map(|v| v.as_f64().unwrap()).collect();
    let actual: Vec<f64> = image.samples.iter().map(|&v| f64::from(v)).collect();
    assert_eq!(actual, expected);
}
