//! TensorBoard scalar event files, written by hand: TFRecord framing (length, masked CRC-32C) around
//! hand-encoded `Event` protocol buffers. No TensorFlow or protobuf dependency.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::statistics::StatisticResult;

/// Writes scalar summaries to `<log_dir>/events.out.tfevents.<seconds>.<host>.mia`, readable by TensorBoard.
///
/// Tags of statistics are `<split>/<label>/<metric>-<statistic>` (e.g. `valid/WHITEMATTER/DICE-MEAN`), so labels
/// do not overwrite each other as they do in pymia's logging example (`train/DICE-MEAN` for every label).
///
/// ```
/// use mia_report::{StatisticResult, TensorBoardWriter};
/// let dir = tempfile::tempdir()?;
/// let mut tb = TensorBoardWriter::create(dir.path())?;
/// tb.add_scalar("train/loss", 0.25, 3)?;
/// let stats = [StatisticResult { label: "FG".into(), metric: "DICE".into(), statistic: "MEAN".into(), value: 0.8 }];
/// tb.add_statistics("valid", &stats, 3)?;
/// tb.flush()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TensorBoardWriter {
    out: BufWriter<File>,
    path: PathBuf,
}

impl TensorBoardWriter {
    /// Creates the log directory if needed and a new event file in it (with TensorBoard's `brain.Event:2`
    /// version record first).
    pub fn create(log_dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(log_dir)?;
        let now = wall_time();
        let host =
            std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "localhost".into());
        let path =
            log_dir.join(format!("events.out.tfevents.{}.{}.{}.mia", now as u64, host, std::process::id()));
        let out = BufWriter::new(File::create(&path)?);
        let mut w = TensorBoardWriter { out, path };
        let mut event = Vec::new();
        put_double(&mut event, 1, now);
        put_bytes(&mut event, 3, b"brain.Event:2");
        w.write_record(&event)?;
        Ok(w)
    }

    /// The event file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One scalar (stored as f32, as TensorBoard's `simple_value`).
    pub fn add_scalar(&mut self, tag: &str, value: f64, step: i64) -> io::Result<()> {
        self.add_scalars(&[(tag.to_owned(), value)], step)
    }

    /// Several scalars of the same step in one event.
    pub fn add_scalars(&mut self, scalars: &[(String, f64)], step: i64) -> io::Result<()> {
        let mut summary = Vec::new();
        for (tag, value) in scalars {
            let mut v = Vec::new();
            put_bytes(&mut v, 1, tag.as_bytes());
            put_float(&mut v, 2, *value as f32);
            put_bytes(&mut summary, 1, &v);
        }
        let mut event = Vec::new();
        put_double(&mut event, 1, wall_time());
        put_varint_field(&mut event, 2, step as u64);
        put_bytes(&mut event, 5, &summary);
        self.write_record(&event)
    }

    /// Statistics of one epoch as `<split>/<label>/<metric>-<statistic>` scalars.
    pub fn add_statistics(
        &mut self,
        split: &str,
        statistics: &[StatisticResult],
        step: i64,
    ) -> io::Result<()> {
        let scalars: Vec<(String, f64)> = statistics
            .iter()
            .map(|s| (format!("{split}/{}/{}-{}", s.label, s.metric, s.statistic), s.value))
            .collect();
        self.add_scalars(&scalars, step)
    }

    /// Flushes buffered events to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn write_record(&mut self, data: &[u8]) -> io::Result<()> {
        let len = (data.len() as u64).to_le_bytes();
        self.out.write_all(&len)?;
        self.out.write_all(&masked_crc32c(&len).to_le_bytes())?;
        self.out.write_all(data)?;
        self.out.write_all(&masked_crc32c(data).to_le_bytes())
    }
}

impl Drop for TensorBoardWriter {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

fn wall_time() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn put_varint_field(buf: &mut Vec<u8>, field: u32, v: u64) {
    put_varint(buf, u64::from(field) << 3);
    put_varint(buf, v);
}

fn put_double(buf: &mut Vec<u8>, field: u32, v: f64) {
    put_varint(buf, (u64::from(field) << 3) | 1);
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put_float(buf: &mut Vec<u8>, field: u32, v: f32) {
    put_varint(buf, (u64::from(field) << 3) | 5);
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_varint(buf, (u64::from(field) << 3) | 2);
    put_varint(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven.
pub(crate) fn crc32c(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 { (c >> 1) ^ 0x82F6_3B78 } else { c >> 1 };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut crc = !0u32;
    for &b in data {
        crc = TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// TFRecord's masked CRC: rotate right by 15 bits and add a constant.
pub(crate) fn masked_crc32c(data: &[u8]) -> u32 {
    let crc = crc32c(data);
    crc.rotate_right(15).wrapping_add(0xA282_EAD8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_check_value() {
        // The standard check value of CRC-32C.
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
    }

    /// Minimal protobuf reader for the test: (field, wire type, payload) triples.
    fn fields(mut b: &[u8]) -> Vec<(u32, u8, Vec<u8>)> {
        fn varint(b: &mut &[u8]) -> u64 {
            let mut v = 0u64;
            let mut shift = 0;
            loop {
                let byte = b[0];
                *b = &b[1..];
                v |= u64::from(byte & 0x7F) << shift;
                if byte & 0x80 == 0 {
                    return v;
                }
                shift += 7;
            }
        }
        let mut out = Vec::new();
        while !b.is_empty() {
            let key = varint(&mut b);
            let (field, wire) = ((key >> 3) as u32, (key & 7) as u8);
            let payload = match wire {
                0 => varint(&mut b).to_le_bytes().to_vec(),
                1 => {
                    let p = b[..8].to_vec();
                    b = &b[8..];
                    p
                }
                5 => {
                    let p = b[..4].to_vec();
                    b = &b[4..];
                    p
                }
                2 => {
                    let n = varint(&mut b) as usize;
                    let p = b[..n].to_vec();
                    b = &b[n..];
                    p
                }
                w => panic!("wire type {w}"),
            };
            out.push((field, wire, payload));
        }
        out
    }

    #[test]
    fn events_decode() {
        let dir = tempfile::tempdir().unwrap();
        let mut tb = TensorBoardWriter::create(dir.path()).unwrap();
        let stats = [
            StatisticResult {
                label: "WM".into(),
                metric: "DICE".into(),
                statistic: "MEAN".into(),
                value: 0.75,
            },
            StatisticResult {
                label: "GM".into(),
                metric: "DICE".into(),
                statistic: "MEAN".into(),
                value: 0.5,
            },
        ];
        tb.add_statistics("valid", &stats, 7).unwrap();
        let path = tb.path().to_owned();
        drop(tb);
        let bytes = std::fs::read(&path).unwrap();
        let mut records = Vec::new();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let len = u64::from_le_bytes(rest[..8].try_into().unwrap()) as usize;
            assert_eq!(u32::from_le_bytes(rest[8..12].try_into().unwrap()), masked_crc32c(&rest[..8]));
            let data = &rest[12..12 + len];
            assert_eq!(u32::from_le_bytes(rest[12 + len..16 + len].try_into().unwrap()), masked_crc32c(data));
            records.push(data.to_vec());
            rest = &rest[16 + len..];
        }
        assert_eq!(records.len(), 2);
        let first = fields(&records[0]);
        assert_eq!(first[1], (3, 2, b"brain.Event:2".to_vec()));
        let second = fields(&records[1]);
        assert_eq!((second[1].0, u64::from_le_bytes(second[1].2.clone().try_into().unwrap())), (2, 7));
        let summary = fields(&second[2].2);
        let values: Vec<(String, f32)> = summary
            .iter()
            .map(|(_, _, v)| {
                let f = fields(v);
                (
                    String::from_utf8(f[0].2.clone()).unwrap(),
                    f32::from_le_bytes(f[1].2.clone().try_into().unwrap()),
                )
            })
            .collect();
        assert_eq!(values, [("valid/WM/DICE-MEAN".to_owned(), 0.75), ("valid/GM/DICE-MEAN".to_owned(), 0.5)]);
    }
}
