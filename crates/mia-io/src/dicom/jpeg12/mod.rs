//! A decoder for sequential DCT JPEG with Huffman coding (ITU-T T.81 baseline and extended, SOF0/SOF1) at 8- and
//! 12-bit sample precision: DICOM's JPEG Baseline (Process 1) and JPEG Extended (Process 2 & 4) transfer syntaxes.
//!
//! mia has its own decoder because no maintained Rust crate decodes 12-bit lossy JPEG: `jpeg-decoder` (used by
//! `dicom-pixeldata`) and `zune-jpeg` reject a sample precision of 12.
//!
//! Supported: one component, or several components without subsampling (samples returned as stored, without
//! colour conversion); 8- or 16-bit quantisation tables; restart intervals; several non-interleaved scans. The
//! IDCT is libjpeg's accurate integer one (see [`idct`]). Progressive, lossless, hierarchical and arithmetic-coded
//! JPEG give [`JpegError::Unsupported`]; malformed streams give [`JpegError::Corrupt`], never a panic.

mod idct;
mod scan;
#[cfg(test)]
mod tests;

use scan::{decode_scan, Huffman, ScanComponent, NATURAL_ORDER};

/// Why a JPEG stream could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JpegError {
    /// A valid JPEG feature this decoder does not implement.
    Unsupported(String),
    /// The stream is malformed or truncated.
    Corrupt(String),
}

impl std::fmt::Display for JpegError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JpegError::Unsupported(m) => write!(f, "unsupported JPEG: {m}"),
            JpegError::Corrupt(m) => write!(f, "corrupt JPEG: {m}"),
        }
    }
}

fn corrupt(message: impl Into<String>) -> JpegError {
    JpegError::Corrupt(message.into())
}

fn unsupported(message: impl Into<String>) -> JpegError {
    JpegError::Unsupported(message.into())
}

/// A decoded image: samples interleaved per pixel, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JpegImage {
    /// Samples per line.
    pub(crate) width: usize,
    /// Number of lines.
    pub(crate) height: usize,
    /// Components (samples per pixel).
    pub(crate) components: usize,
    /// Sample precision in bits (8 or 12).
    pub(crate) precision: u8,
    /// `width * height * components` samples.
    pub(crate) samples: Vec<u16>,
}

/// One frame component and its decoded plane (padded to whole MCUs).
struct Component {
    id: u8,
    h: u8,
    v: u8,
    quant_id: usize,
    stride: usize,
    plane: Vec<u16>,
    decoded: bool,
}

impl Component {
    /// Blocks per line in a non-interleaved scan (T.81 A.2.2).
    fn blocks_wide(&self, frame: &Frame) -> usize {
        (frame.width * usize::from(self.h)).div_ceil(frame.h_max()).div_ceil(8)
    }

    /// Block rows in a non-interleaved scan.
    fn blocks_high(&self, frame: &Frame) -> usize {
        (frame.height * usize::from(self.v)).div_ceil(frame.v_max()).div_ceil(8)
    }
}

/// The frame header and the component planes being decoded.
struct Frame {
    precision: u8,
    width: usize,
    height: usize,
    components: Vec<Component>,
}

impl Frame {
    fn h_max(&self) -> usize {
        self.components.iter().map(|c| usize::from(c.h)).max().unwrap_or(1)
    }

    fn v_max(&self) -> usize {
        self.components.iter().map(|c| usize::from(c.v)).max().unwrap_or(1)
    }

    fn mcus_x(&self) -> usize {
        self.width.div_ceil(8 * self.h_max())
    }

    fn mcus_y(&self) -> usize {
        self.height.div_ceil(8 * self.v_max())
    }
}

/// Tables and settings collected from the markers.
#[derive(Default)]
struct Tables {
    quant: [Option<[u16; 64]>; 4],
    dc: [Option<Huffman>; 4],
    ac: [Option<Huffman>; 4],
    restart_interval: usize,
}

/// A big-endian u16 at `data[pos]`.
fn be16(data: &[u8], pos: usize) -> Result<usize, JpegError> {
    match (data.get(pos), data.get(pos + 1)) {
        (Some(&a), Some(&b)) => Ok(usize::from(a) << 8 | usize::from(b)),
        _ => Err(corrupt("stream ends inside a marker segment")),
    }
}

/// The payload of the marker segment whose length field is at `data[pos]`.
fn segment(data: &[u8], pos: usize) -> Result<&[u8], JpegError> {
    let len = be16(data, pos)?;
    if len < 2 {
        return Err(corrupt(format!("marker segment length {len}")));
    }
    data.get(pos + 2..pos + len).ok_or_else(|| corrupt("stream ends inside a marker segment"))
}

/// Finds the next marker at or after `pos` (skipping fill bytes and stray data); returns (code, position after it).
fn next_marker(data: &[u8], mut pos: usize) -> Result<(u8, usize), JpegError> {
    loop {
        match (data.get(pos), data.get(pos + 1)) {
            (Some(0xFF), Some(0xFF)) => pos += 1,
            (Some(0xFF), Some(&m)) if m != 0 => return Ok((m, pos + 2)),
            (Some(_), Some(_)) => pos += 1,
            _ => return Err(corrupt("stream ends before the end-of-image marker (truncated)")),
        }
    }
}

/// What a frame header (SOF0 to SOF15) declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameInfo {
    /// Sample precision in bits.
    pub(crate) precision: u8,
    /// Samples per line.
    pub(crate) width: usize,
    /// Number of lines (0: defined later by a DNL marker).
    pub(crate) height: usize,
    /// Number of components.
    pub(crate) components: usize,
}

/// The first frame header of the JPEG stream at the start of `data`, without decoding anything.
pub(crate) fn frame_info(data: &[u8]) -> Option<FrameInfo> {
    if data.get(..2) != Some(&[0xFF, 0xD8]) {
        return None;
    }
    let mut pos = 2;
    loop {
        let (m, after) = next_marker(data, pos).ok()?;
        match m {
            0xC0..=0xCF if !matches!(m, 0xC4 | 0xC8 | 0xCC) => {
                let body = segment(data, after).ok()?;
                return Some(FrameInfo {
                    precision: *body.first()?,
                    height: be16(body, 1).ok()?,
                    width: be16(body, 3).ok()?,
                    components: usize::from(*body.get(5)?),
                });
            }
            0xD0..=0xDA => return None,
            0x01 => pos = after,
            _ => pos = after + be16(data, after).ok()?,
        }
    }
}

/// Decodes the JPEG stream at the start of `data`; returns the image and the number of bytes up to and including
/// the end-of-image marker.
pub(crate) fn decode(data: &[u8]) -> Result<(JpegImage, usize), JpegError> {
    if data.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(corrupt("no start-of-image marker (FFD8)"));
    }
    let mut tables = Tables::default();
    let mut frame: Option<Frame> = None;
    let mut pos = 2;
    loop {
        let (m, after) = next_marker(data, pos)?;
        pos = after;
        match m {
            0xD9 => break,
            0xC0 | 0xC1 => {
                if frame.is_some() {
                    return Err(corrupt("second frame header"));
                }
                let body = segment(data, pos)?;
                frame = Some(parse_frame(body, data.len())?);
                pos += body.len() + 2;
            }
            0xC3 | 0xC7 | 0xCB | 0xCF => return Err(unsupported(format!("lossless JPEG (SOF{})", m - 0xC0))),
            0xC2 | 0xC6 | 0xCA | 0xCE => {
                return Err(unsupported(format!("progressive JPEG (SOF{})", m - 0xC0)))
            }
            0xC5 | 0xC9 | 0xCD | 0xCC => {
                return Err(unsupported(format!("JPEG marker FF{m:02X} (arithmetic or hierarchical)")))
            }
            0xDE | 0xDF => return Err(unsupported("hierarchical JPEG")),
            0xF7 | 0xF8 => return Err(unsupported("JPEG-LS")),
            0xDC => return Err(unsupported("number of lines defined after the first scan (DNL)")),
            0xC4 => pos += parse_huffman(segment(data, pos)?, &mut tables)?,
            0xDB => pos += parse_quant(segment(data, pos)?, &mut tables)?,
            0xDD => {
                let body = segment(data, pos)?;
                tables.restart_interval = be16(body, 0)?;
                pos += body.len() + 2;
            }
            0xDA => {
                let frame = frame.as_mut().ok_or_else(|| corrupt("scan before the frame header"))?;
                let body = segment(data, pos)?;
                let comps = parse_scan(body, frame, &tables)?;
                pos = decode_scan(data, pos + body.len() + 2, frame, &comps, tables.restart_interval)?;
                for sc in &comps {
                    if let Some(c) = frame.components.get_mut(sc.index) {
                        c.decoded = true;
                    }
                }
            }
            0xD8 => return Err(corrupt("second start-of-image marker")),
            0xD0..=0xD7 => return Err(corrupt(format!("restart marker FF{m:02X} outside a scan"))),
            0x01 => {}
            _ => pos += segment(data, pos)?.len() + 2,
        }
    }
    let frame = frame.ok_or_else(|| corrupt("no frame header (SOF) before the end of the image"))?;
    Ok((assemble(frame)?, pos))
}

/// Parses SOF0/SOF1 and allocates the component planes. `stream_len` (the bytes of the whole stream) bounds the
/// size: every block takes at least two bits (a DC code and an end-of-block code), so a corrupt header cannot make
/// the decoder allocate more than 256 samples per byte of input.
fn parse_frame(body: &[u8], stream_len: usize) -> Result<Frame, JpegError> {
    let byte = |i: usize| body.get(i).copied().ok_or_else(|| corrupt("frame header too short"));
    let precision = byte(0)?;
    if precision != 8 && precision != 12 {
        return Err(unsupported(format!("sample precision {precision} (8 or 12 for DCT JPEG)")));
    }
    let height = be16(body, 1)?;
    let width = be16(body, 3)?;
    if height == 0 {
        return Err(unsupported("number of lines defined after the first scan (height 0, DNL)"));
    }
    if width == 0 {
        return Err(corrupt("frame width 0"));
    }
    let count = usize::from(byte(5)?);
    if count == 0 || count > 4 {
        return Err(corrupt(format!("{count} components in the frame header (1 to 4)")));
    }
    let mut components = Vec::with_capacity(count);
    for i in 0..count {
        let (id, hv, quant_id) = (byte(6 + 3 * i)?, byte(7 + 3 * i)?, byte(8 + 3 * i)?);
        let (h, v) = (hv >> 4, hv & 15);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) || quant_id > 3 {
            return Err(corrupt(format!("component {id}: sampling {h}x{v}, quantisation table {quant_id}")));
        }
        if components.iter().any(|c: &Component| c.id == id) {
            return Err(corrupt(format!("component id {id} used twice")));
        }
        components.push(Component {
            id,
            h,
            v,
            quant_id: usize::from(quant_id),
            stride: 0,
            plane: Vec::new(),
            decoded: false,
        });
    }
    let mut frame = Frame { precision, width, height, components };
    if count > 1 && frame.components.iter().any(|c| c.h != 1 || c.v != 1) {
        return Err(unsupported("subsampled colour components"));
    }
    let (mcus_x, mcus_y) = (frame.mcus_x(), frame.mcus_y());
    let blocks: usize = frame.components.iter().map(|c| c.blocks_wide(&frame) * c.blocks_high(&frame)).sum();
    if blocks > stream_len.saturating_mul(4) {
        return Err(corrupt(format!(
            "a {width} x {height} frame of {count} components needs {blocks} blocks, more than {stream_len} bytes can code"
        )));
    }
    for c in &mut frame.components {
        c.stride = mcus_x * usize::from(c.h) * 8;
        let len = c.stride * mcus_y * usize::from(c.v) * 8;
        c.plane.try_reserve_exact(len).map_err(|e| corrupt(format!("cannot allocate {len} samples: {e}")))?;
        c.plane.resize(len, 0);
    }
    Ok(frame)
}

/// Parses a DHT segment into `tables`; returns the bytes consumed after the marker.
fn parse_huffman(body: &[u8], tables: &mut Tables) -> Result<usize, JpegError> {
    let mut at = 0;
    while at < body.len() {
        let tc_th = body[at];
        let (class, id) = (tc_th >> 4, usize::from(tc_th & 15));
        let counts: [u8; 16] = body
            .get(at + 1..at + 17)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| corrupt("Huffman table segment too short"))?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let values =
            body.get(at + 17..at + 17 + total).ok_or_else(|| corrupt("Huffman table segment too short"))?;
        let table = Huffman::new(&counts, values.to_vec())?;
        match (class, id) {
            (0, 0..=3) => tables.dc[id] = Some(table),
            (1, 0..=3) => tables.ac[id] = Some(table),
            _ => return Err(corrupt(format!("Huffman table class {class} id {id}"))),
        }
        at += 17 + total;
    }
    Ok(body.len() + 2)
}

/// Parses a DQT segment (8- or 16-bit entries) into `tables`, in natural order.
fn parse_quant(body: &[u8], tables: &mut Tables) -> Result<usize, JpegError> {
    let mut at = 0;
    while at < body.len() {
        let pq_tq = body[at];
        let (wide, id) = (pq_tq >> 4, usize::from(pq_tq & 15));
        if wide > 1 || id > 3 {
            return Err(corrupt(format!("quantisation table precision {wide} id {id}")));
        }
        let size = if wide == 1 { 128 } else { 64 };
        let raw =
            body.get(at + 1..at + 1 + size).ok_or_else(|| corrupt("quantisation table segment too short"))?;
        let mut table = [0u16; 64];
        for (k, &natural) in NATURAL_ORDER.iter().enumerate() {
            table[natural] =
                if wide == 1 { u16::from_be_bytes([raw[2 * k], raw[2 * k + 1]]) } else { u16::from(raw[k]) };
        }
        tables.quant[id] = Some(table);
        at += 1 + size;
    }
    Ok(body.len() + 2)
}

/// Parses an SOS header: the scan's components with their tables.
fn parse_scan<'t>(
    body: &[u8],
    frame: &Frame,
    tables: &'t Tables,
) -> Result<Vec<ScanComponent<'t>>, JpegError> {
    let count = usize::from(*body.first().ok_or_else(|| corrupt("empty scan header"))?);
    if count == 0 || count > frame.components.len() || body.len() < 1 + 2 * count + 3 {
        return Err(corrupt(format!("scan header with {count} components")));
    }
    let mut comps = Vec::with_capacity(count);
    for pair in body[1..1 + 2 * count].chunks_exact(2) {
        let (id, td, ta) = (pair[0], usize::from(pair[1] >> 4), usize::from(pair[1] & 15));
        let index = frame
            .components
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| corrupt(format!("scan names component {id}, absent from the frame")))?;
        let c = &frame.components[index];
        if c.decoded || comps.iter().any(|s: &ScanComponent<'_>| s.index == index) {
            return Err(corrupt(format!("component {id} in a second scan (sequential JPEG codes it once)")));
        }
        let missing = |what: &str| corrupt(format!("component {id}: {what} not defined before the scan"));
        comps.push(ScanComponent {
            index,
            dc: tables.dc.get(td).and_then(Option::as_ref).ok_or_else(|| missing("DC Huffman table"))?,
            ac: tables.ac.get(ta).and_then(Option::as_ref).ok_or_else(|| missing("AC Huffman table"))?,
            quant: tables.quant[c.quant_id].as_ref().ok_or_else(|| missing("quantisation table"))?,
        });
    }
    Ok(comps)
}

/// Crops the planes to the image size and interleaves the components.
fn assemble(frame: Frame) -> Result<JpegImage, JpegError> {
    if let Some(c) = frame.components.iter().find(|c| !c.decoded) {
        return Err(corrupt(format!("no scan for component {} before the end of the image", c.id)));
    }
    let (width, height, n) = (frame.width, frame.height, frame.components.len());
    let len = width * height * n;
    let mut samples = Vec::new();
    samples.try_reserve_exact(len).map_err(|e| corrupt(format!("cannot allocate {len} samples: {e}")))?;
    if let [only] = frame.components.as_slice() {
        for row in only.plane.chunks_exact(only.stride).take(height) {
            samples.extend_from_slice(&row[..width]);
        }
    } else {
        for y in 0..height {
            for x in 0..width {
                samples.extend(frame.components.iter().map(|c| c.plane[y * c.stride + x]));
            }
        }
    }
    Ok(JpegImage { width, height, components: n, precision: frame.precision, samples })
}
