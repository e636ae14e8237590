//! Chunking and compression of the data arrays (mia only; pymia stores everything contiguously).

use crate::h5::Storage;

/// How data arrays are chunked.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Chunking {
    /// Contiguous storage, as pymia (fastest whole-volume reads; mia's memory-mapped fast path). Default.
    #[default]
    None,
    /// Chunks chosen for slice and patch reads (see [`auto_chunks`]).
    Auto,
    /// This chunk shape (clamped to each array; axes past its length are whole).
    Shape(Vec<usize>),
}

/// Chunking and compression of the data arrays.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct StoragePolicy {
    /// Chunk layout.
    pub chunking: Chunking,
    /// Deflate (gzip) level 0–9; needs chunking.
    pub deflate: Option<u8>,
    /// Byte-shuffle before deflate (better ratios for float data).
    pub shuffle: bool,
}

/// Arrays smaller than this stay contiguous even when chunking is asked for (chunk overhead would dominate).
pub const MIN_CHUNKED_BYTES: usize = 64 * 1024;

/// Default chunk shape for an array (numpy order, channels last).
///
/// * 3-D images `(z, y, x, c)`: `(min(z, 8), min(y, 64), min(x, 64), c)` — 128 KiB per channel for float32. A
///   slice read (pymia's `SliceIndexing`, axis 0) touches one row of `⌈y/64⌉·⌈x/64⌉` chunks (12 for 181×217×181)
///   and reads 8 planes; a 32³–84³ patch touches 5·1·1 to 12·3·3 chunks with at most ~3× read amplification; both
///   are far better than contiguous storage for compressed data, which would need the whole volume decompressed.
///   Chunks hold all channels, so one read serves every channel (pymia's `DataExtractor` reads all of them).
/// * 2-D images `(y, x, c)`: `(min(y, 256), min(x, 256), c)`.
/// * anything else: whole trailing axes, leading axes cut to about 1 MiB.
///
/// Arrays under [`MIN_CHUNKED_BYTES`] are not chunked (`None`).
pub fn auto_chunks(shape: &[usize], element_size: usize) -> Option<Vec<usize>> {
    let total: usize = shape.iter().product::<usize>() * element_size;
    if total < MIN_CHUNKED_BYTES || shape.is_empty() {
        return None;
    }
    Some(match shape.len() {
        4 => vec![shape[0].min(8), shape[1].min(64), shape[2].min(64), shape[3]],
        3 => vec![shape[0].min(256), shape[1].min(256), shape[2]],
        _ => {
            let mut c = shape.to_vec();
            let mut bytes = total;
            for n in c.iter_mut() {
                if bytes <= 1 << 20 {
                    break;
                }
                let inner = bytes / (*n).max(1);
                let keep = ((1usize << 20) / inner.max(1)).max(1);
                *n = (*n).min(keep);
                bytes = inner * *n;
            }
            c
        }
    })
}

impl StoragePolicy {
    /// Contiguous, uncompressed (pymia's layout).
    pub fn contiguous() -> Self {
        StoragePolicy::default()
    }

    /// Auto chunks, deflate at `level`, shuffle.
    pub fn compressed(level: u8) -> Self {
        StoragePolicy { chunking: Chunking::Auto, deflate: Some(level), shuffle: true }
    }

    /// Checks the combination (deflate needs chunks, level ≤ 9).
    pub fn validate(&self) -> Result<(), String> {
        if let Some(l) = self.deflate {
            if l > 9 {
                return Err(format!("deflate level {l} is not in 0..=9"));
            }
            if self.chunking == Chunking::None {
                return Err("compression needs chunking (use chunks auto)".into());
            }
        }
        if let Chunking::Shape(s) = &self.chunking {
            if s.is_empty() || s.contains(&0) {
                return Err(format!("chunk shape {s:?} must be non-empty and positive"));
            }
        }
        Ok(())
    }

    pub(crate) fn storage_for(&self, shape: &[usize], element_size: usize) -> Storage {
        let chunks = match &self.chunking {
            Chunking::None => None,
            Chunking::Auto => auto_chunks(shape, element_size),
            Chunking::Shape(c) => {
                let total: usize = shape.iter().product::<usize>() * element_size;
                (total >= MIN_CHUNKED_BYTES && !shape.is_empty()).then(|| {
                    shape.iter().enumerate().map(|(i, &n)| c.get(i).copied().unwrap_or(n).min(n)).collect()
                })
            }
        };
        let filtered = chunks.is_some();
        Storage {
            chunks,
            deflate: if filtered { self.deflate } else { None },
            shuffle: filtered && self.shuffle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_chunks_for_volumes_slices_and_small_arrays() {
        assert_eq!(auto_chunks(&[181, 217, 181, 2], 4), Some(vec![8, 64, 64, 2]));
        assert_eq!(auto_chunks(&[4, 20, 20, 1], 4), None);
        assert_eq!(auto_chunks(&[512, 512, 3], 1), Some(vec![256, 256, 3]));
        assert_eq!(auto_chunks(&[1, 2], 8), None);
        let c = auto_chunks(&[100, 100, 100, 10, 2], 4).unwrap();
        assert!(c.iter().product::<usize>() * 4 <= 1 << 21, "{c:?}");
    }

    #[test]
    fn compression_needs_chunks() {
        let p = StoragePolicy { chunking: Chunking::None, deflate: Some(4), shuffle: true };
        assert!(p.validate().is_err());
        assert!(StoragePolicy::compressed(4).validate().is_ok());
        assert!(StoragePolicy::compressed(10).validate().is_err());
        let s = StoragePolicy::compressed(4).storage_for(&[2, 2, 2, 1], 1);
        assert_eq!(s, Storage::default());
    }
}
