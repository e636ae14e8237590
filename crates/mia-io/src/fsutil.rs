//! File helpers shared by the formats: lower-case file names, gzip detection, size bounds and atomic writes.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::raw::MAX_DEFLATE_RATIO;
use crate::{IoError, Result};

/// The file name in lower case (empty if none), for extension matching.
pub(crate) fn lower_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default()
}

/// A source of bytes with an upper bound of how many bytes it can deliver.
pub(crate) struct Source {
    /// The (possibly decompressing) reader.
    pub(crate) reader: Box<dyn Read>,
    /// Upper bound of the bytes `reader` yields (exact for plain files).
    pub(crate) available: u64,
}

/// The first two bytes of a gzip stream.
pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether the file starts with [`GZIP_MAGIC`]; `None` when it cannot be opened or holds fewer than two bytes.
pub(crate) fn is_gzip_file(path: &Path) -> Option<bool> {
    let mut magic = [0u8; 2];
    File::open(path).ok()?.read_exact(&mut magic).ok()?;
    Some(magic == GZIP_MAGIC)
}

/// Opens a file for reading; gzip files (by magic bytes `1f 8b`) are decompressed transparently.
pub(crate) fn open_maybe_gz(path: &Path) -> Result<Source> {
    let file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let len = file.metadata().map_err(|e| IoError::io(path, e))?.len();
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let head = {
        use std::io::BufRead;
        reader.fill_buf().map_err(|e| IoError::io(path, e))?.get(..2).map(|b| [b[0], b[1]])
    };
    if head == Some(GZIP_MAGIC) {
        Ok(Source {
            reader: Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
            available: len.saturating_mul(MAX_DEFLATE_RATIO).saturating_add(1 << 16),
        })
    } else {
        Ok(Source { reader: Box::new(reader), available: len })
    }
}

/// Skips `n` bytes of a reader, failing with a `Data` error naming `path` if it ends first.
pub(crate) fn skip(path: &Path, reader: &mut dyn Read, n: u64, what: &str) -> Result<()> {
    let copied = std::io::copy(&mut reader.take(n), &mut std::io::sink())
        .map_err(|e| IoError::data(path, format!("skipping {what}: {e}")))?;
    if copied < n {
        return Err(IoError::data(path, format!("file ends inside {what} ({copied} of {n} bytes)")));
    }
    Ok(())
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes a file atomically: the content goes to a temporary file in the same directory, which is renamed over
/// `path` only when `fill` succeeded. Readers never see a half-written file, and a failed write leaves the target
/// as it was. The data are not forced to disk (no `fsync`, like ITK and nibabel): durability across a power loss
/// is the file system's; an fsync per file would double the time of an uncompressed write.
pub(crate) fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| IoError::unwritable(path, "the path has no file name"))?;
    let temp = dir.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let file = File::create(&temp)?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        fill(&mut writer)?;
        drop(writer.into_inner().map_err(|e| e.into_error())?);
        std::fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        IoError::io(path, e)
    })
}

/// Writes all of `bytes`, through a gzip encoder when `gzip` is set.
pub(crate) fn write_maybe_gz(
    out: &mut dyn Write,
    gzip: bool,
    level: u32,
    parts: &[&[u8]],
) -> std::io::Result<()> {
    if gzip {
        let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::new(level));
        for p in parts {
            enc.write_all(p)?;
        }
        enc.finish()?;
    } else {
        for p in parts {
            out.write_all(p)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read_all(path: &Path) -> Result<Vec<u8>> {
        let mut s = open_maybe_gz(path)?;
        let mut v = Vec::new();
        s.reader.read_to_end(&mut v).map_err(|e| IoError::io(path, e))?;
        Ok(v)
    }

    #[test]
    fn gzip_members_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let a: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let b: Vec<u8> = (0..5_000u32).map(|i| (i % 13) as u8).collect();
        // One member, several members, and two identical members: every member is read.
        for (name, parts) in [("one.gz", vec![&a]), ("two.gz", vec![&a, &b]), ("same.gz", vec![&a, &a])] {
            let path = dir.path().join(name);
            let bytes: Vec<u8> = parts.iter().flat_map(|p| gzip(p)).collect();
            std::fs::write(&path, bytes).unwrap();
            let want: Vec<u8> = parts.iter().flat_map(|p| p.iter().copied()).collect();
            assert_eq!(read_all(&path).unwrap(), want, "{name}");
        }
        // Truncated: an error, not a panic.
        let cut = dir.path().join("cut.gz");
        let bytes = gzip(&a);
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        assert!(read_all(&cut).is_err());
    }
}
