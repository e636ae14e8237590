//! Huffman tables, the bit reader over entropy-coded data and the decoding of one sequential scan.

use super::idct::idct_block;
use super::{corrupt, Component, Frame, JpegError};

/// Zig-zag position → natural (row-major) position of a coefficient.
pub(super) const NATURAL_ORDER: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
    14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39,
    46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// A Huffman table in the form of ITU-T T.81 F.2.2.3: per code length the largest code, and where its values start.
#[derive(Clone, Debug)]
pub(super) struct Huffman {
    /// Largest code of each length 1..=16 (index = length), -1 when there is none.
    max_code: [i32; 17],
    /// `values` index of the first code of each length, minus that code.
    offset: [i32; 17],
    values: Vec<u8>,
}

impl Huffman {
    /// Builds a table from the 16 code counts and the symbol values of a DHT segment.
    pub(super) fn new(counts: &[u8; 16], values: Vec<u8>) -> Result<Self, JpegError> {
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total != values.len() || total == 0 || total > 256 {
            return Err(corrupt(format!("Huffman table with {total} codes and {} values", values.len())));
        }
        let (mut max_code, mut offset) = ([-1i32; 17], [0i32; 17]);
        let (mut code, mut index) = (0i32, 0i32);
        for len in 1..=16 {
            let count = i32::from(counts[len - 1]);
            if count > 0 {
                offset[len] = index - code;
                code += count;
                index += count;
                if code > 1 << len {
                    return Err(corrupt(format!("Huffman table has more codes of length {len} than fit")));
                }
                max_code[len] = code - 1;
            }
            code <<= 1;
        }
        Ok(Huffman { max_code, offset, values })
    }
}

/// Reads bits from entropy-coded data: un-stuffs `FF 00`, stops at any marker.
pub(super) struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte to load.
    pos: usize,
    bits: u64,
    count: u32,
    /// A marker (or the end of the data) stopped the loading.
    stopped: bool,
}

impl<'a> BitReader<'a> {
    /// A reader starting at `data[pos]`.
    pub(super) fn new(data: &'a [u8], pos: usize) -> Self {
        BitReader { data, pos, bits: 0, count: 0, stopped: false }
    }

    /// The position of the first byte not loaded (the marker that stopped the reader, if one did).
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    fn fill(&mut self) {
        while self.count <= 56 && !self.stopped {
            let Some(&byte) = self.data.get(self.pos) else {
                self.stopped = true;
                break;
            };
            if byte == 0xFF {
                match self.data.get(self.pos + 1) {
                    Some(0x00) => self.pos += 2,
                    _ => {
                        self.stopped = true;
                        break;
                    }
                }
            } else {
                self.pos += 1;
            }
            self.bits |= u64::from(byte) << (56 - self.count);
            self.count += 8;
        }
    }

    /// The next `n` (0..=16) bits as an unsigned number.
    fn bits(&mut self, n: u32) -> Result<u32, JpegError> {
        if n == 0 {
            return Ok(0);
        }
        if self.count < n {
            self.fill();
            if self.count < n {
                return Err(corrupt(
                    "entropy-coded data ends in the middle of a block (truncated or corrupt)",
                ));
            }
        }
        let v = (self.bits >> (64 - n)) as u32;
        self.bits <<= n;
        self.count -= n;
        Ok(v)
    }

    /// Decodes one Huffman symbol.
    fn symbol(&mut self, table: &Huffman) -> Result<u8, JpegError> {
        let mut code = 0i32;
        for len in 1..=16 {
            code = (code << 1) | self.bits(1)? as i32;
            if code <= table.max_code[len] {
                let index = (table.offset[len] + code) as usize;
                return table
                    .values
                    .get(index)
                    .copied()
                    .ok_or_else(|| corrupt("Huffman table index out of range"));
            }
        }
        Err(corrupt("a Huffman code that the table does not define"))
    }

    /// Reads `s` bits and extends them to a signed value (T.81 F.2.2.1 EXTEND).
    fn extended(&mut self, s: u8) -> Result<i32, JpegError> {
        if s > 16 {
            return Err(corrupt(format!("coefficient magnitude category {s} (at most 16)")));
        }
        let v = self.bits(u32::from(s))? as i32;
        if s > 0 && v < 1 << (s - 1) {
            Ok(v - (1 << s) + 1)
        } else {
            Ok(v)
        }
    }

    /// Discards the buffered bits (byte-alignment padding before a marker).
    fn reset(&mut self) {
        self.bits = 0;
        self.count = 0;
        self.stopped = false;
    }

    /// Expects restart marker `RST(n % 8)` at the current position and skips it.
    fn restart(&mut self, n: usize) -> Result<(), JpegError> {
        self.reset();
        let mut pos = self.pos;
        while self.data.get(pos) == Some(&0xFF) && self.data.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let expected = 0xD0 + (n % 8) as u8;
        match (self.data.get(pos), self.data.get(pos + 1)) {
            (Some(0xFF), Some(&m)) if m == expected => {
                self.pos = pos + 2;
                Ok(())
            }
            (Some(0xFF), Some(&m)) => {
                Err(corrupt(format!("expected restart marker FF{expected:02X}, found FF{m:02X}")))
            }
            _ => Err(corrupt(format!(
                "restart marker FF{expected:02X} missing (too much or too little entropy-coded data)"
            ))),
        }
    }
}

/// One component of a scan with its tables.
pub(super) struct ScanComponent<'t> {
    /// Index into the frame's components.
    pub(super) index: usize,
    pub(super) dc: &'t Huffman,
    pub(super) ac: &'t Huffman,
    pub(super) quant: &'t [u16; 64],
}

/// Decodes the Huffman-coded coefficients of one block into `coef` (natural order), updating the DC predictor.
fn decode_block(
    reader: &mut BitReader<'_>,
    sc: &ScanComponent<'_>,
    pred: &mut i32,
    coef: &mut [i16; 64],
) -> Result<(), JpegError> {
    *coef = [0; 64];
    let s = reader.symbol(sc.dc)?;
    if s > 15 {
        return Err(corrupt(format!("DC difference category {s} (at most 15)")));
    }
    *pred = pred.wrapping_add(reader.extended(s)?);
    // libjpeg stores coefficients as 16-bit values: wrap the same way.
    coef[0] = *pred as i16;
    let mut k = 1;
    while k < 64 {
        let rs = reader.symbol(sc.ac)?;
        let (run, size) = (usize::from(rs >> 4), rs & 15);
        if size == 0 {
            if run != 15 {
                break; // End of block.
            }
            k += 16;
            continue;
        }
        k += run;
        let Some(&at) = NATURAL_ORDER.get(k) else {
            return Err(corrupt("AC coefficients run past the end of the block"));
        };
        coef[at] = reader.extended(size)? as i16;
        k += 1;
    }
    if k > 64 {
        return Err(corrupt("AC zero run past the end of the block"));
    }
    Ok(())
}

/// Decodes one sequential scan starting at `data[pos]` into the planes of `frame`; returns the position just
/// after the entropy-coded data (where the next marker starts).
pub(super) fn decode_scan(
    data: &[u8],
    pos: usize,
    frame: &mut Frame,
    comps: &[ScanComponent<'_>],
    restart_interval: usize,
) -> Result<usize, JpegError> {
    let precision = frame.precision;
    // MCU layout: one block per MCU for a single component; H×V blocks per component when interleaved.
    let (mcus_x, mcus_y) = if let [only] = comps {
        let c = &frame.components[only.index];
        (c.blocks_wide(frame), c.blocks_high(frame))
    } else {
        (frame.mcus_x(), frame.mcus_y())
    };
    let total = mcus_x * mcus_y;
    let mut reader = BitReader::new(data, pos);
    let mut preds = vec![0i32; comps.len()];
    let mut coef = [0i16; 64];
    for mcu in 0..total {
        if restart_interval > 0 && mcu > 0 && mcu % restart_interval == 0 {
            reader.restart(mcu / restart_interval - 1)?;
            preds.iter_mut().for_each(|p| *p = 0);
        }
        let (mx, my) = (mcu % mcus_x, mcu / mcus_x);
        for (sc, pred) in comps.iter().zip(preds.iter_mut()) {
            let c: &mut Component = &mut frame.components[sc.index];
            let (h, v) = if comps.len() == 1 { (1, 1) } else { (usize::from(c.h), usize::from(c.v)) };
            for by in 0..v {
                for bx in 0..h {
                    decode_block(&mut reader, sc, pred, &mut coef)?;
                    let (x, y) = ((mx * h + bx) * 8, (my * v + by) * 8);
                    let stride = c.stride;
                    let start = y * stride + x;
                    let Some(out) = c.plane.get_mut(start..start + 7 * stride + 8) else {
                        return Err(corrupt("block outside the component plane"));
                    };
                    idct_block(&coef, sc.quant, precision, out, stride);
                }
            }
        }
    }
    reader.reset();
    Ok(reader.position())
}
