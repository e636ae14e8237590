//! The fast read path: copying a selection straight from the bytes of a contiguous, unfiltered dataset.
//!
//! pymia (and mia by default) store every array contiguously without filters, so an array is one block of
//! little-endian bytes at a known file offset. Reading a hyperslab then needs no HDF5 call at all: the file is
//! memory-mapped once per [`crate::Dataset`] and each contiguous run of the selection is copied with `memcpy`.
//! This bypasses the HDF5 global lock, so parallel readers scale.
//!
//! Chunked arrays without filters (mia's `--chunks` without `--compression`) are read the same way: every chunk
//! is one block of bytes in the file, and its address is asked of HDF5 once ([`ChunkIndex`]). A selection is
//! copied chunk by chunk; one that is exactly a chunk (a patch of a grid that the chunks were aligned to) is one
//! contiguous copy.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use mia_core::Element;

/// Where a contiguous array lies in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawLocation {
    /// Byte offset of the first element.
    pub offset: u64,
    /// Size of one element in bytes.
    pub element_size: usize,
}

/// Copies the selected `ranges` (one per axis of `shape`, C order) of the array at `src` into `dst`, which
/// must hold exactly the selected number of elements times `element_size` bytes.
pub(crate) fn copy_selection(
    src: &[u8],
    shape: &[usize],
    ranges: &[Range<usize>],
    element_size: usize,
    dst: &mut [u8],
) {
    // Bytes are elements of one more axis, selected whole.
    let mut byte_shape = shape.to_vec();
    byte_shape.push(element_size);
    let mut byte_ranges = ranges.to_vec();
    byte_ranges.push(0..element_size);
    mia_core::copy_region(src, &byte_shape, &byte_ranges, dst);
}

/// A chunk whose address has not been asked of HDF5 yet.
const UNKNOWN: u64 = u64::MAX;
/// A chunk that was never written (HDF5 gives the fill value for it).
const ABSENT: u64 = u64::MAX - 1;

/// Chunk grids with more chunks than this are read through HDF5 (the address table would take 8 bytes a chunk).
pub(crate) const MAX_INDEXED_CHUNKS: usize = 1 << 20;

/// Where the chunks of a chunked, unfiltered, native-endian array lie in the file: one address per chunk of the
/// grid (C order), each asked of HDF5 on first use and kept.
#[derive(Debug)]
pub(crate) struct ChunkIndex {
    chunk: Vec<usize>,
    grid: Vec<usize>,
    element_size: usize,
    addresses: Vec<AtomicU64>,
}

/// Why a chunked read cannot be served from the file's bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ChunkMiss {
    /// A chunk of the selection was never written: HDF5 supplies its fill value.
    Absent,
    /// The file contradicts the layout (a chunk past the end of the file, or of the wrong size).
    Corrupt(String),
}

impl ChunkIndex {
    /// The index of an array of `shape` stored in chunks of `chunk` (same rank, every extent ≥ 1), or `None` when
    /// the grid holds more than [`MAX_INDEXED_CHUNKS`] chunks.
    pub(crate) fn new(shape: &[usize], chunk: &[usize], element_size: usize) -> Option<ChunkIndex> {
        if chunk.len() != shape.len() || chunk.contains(&0) || element_size == 0 {
            return None;
        }
        let grid: Vec<usize> = shape.iter().zip(chunk).map(|(&n, &c)| n.div_ceil(c)).collect();
        let n = grid.iter().try_fold(1usize, |a, &g| a.checked_mul(g))?;
        if n > MAX_INDEXED_CHUNKS {
            return None;
        }
        Some(ChunkIndex {
            chunk: chunk.to_vec(),
            grid,
            element_size,
            addresses: (0..n).map(|_| AtomicU64::new(UNKNOWN)).collect(),
        })
    }

    /// Bytes of one stored chunk (edge chunks are stored whole too).
    fn chunk_bytes(&self) -> usize {
        self.chunk.iter().product::<usize>() * self.element_size
    }

    /// The first and last chunk (grid positions) that the selection `ranges` (non-empty, inside the array) touches.
    fn grid_box(&self, ranges: &[Range<usize>]) -> (Vec<usize>, Vec<usize>) {
        let first = ranges.iter().zip(&self.chunk).map(|(r, &c)| r.start / c).collect();
        let last = ranges.iter().zip(&self.chunk).map(|(r, &c)| (r.end - 1) / c).collect();
        (first, last)
    }

    /// The position of chunk `g` in the address table.
    fn linear(&self, g: &[usize]) -> usize {
        g.iter().zip(&self.grid).fold(0, |a, (&i, &n)| a * n + i)
    }

    /// Makes sure the addresses of the chunks from `first` to `last` are known (asking `lookup` for the unknown
    /// ones), written, and inside a file of `file_len` bytes.
    fn locate<E>(
        &self,
        file_len: usize,
        first: &[usize],
        last: &[usize],
        lookup: &mut impl FnMut(&[u64]) -> Result<Option<(u64, u64)>, E>,
    ) -> Result<Result<(), ChunkMiss>, E> {
        let bytes = self.chunk_bytes() as u64;
        for g in (GridBox { first, last, next: Some(first.to_vec()) }) {
            let slot = &self.addresses[self.linear(&g)];
            let mut address = slot.load(Ordering::Relaxed);
            if address == UNKNOWN {
                let offset: Vec<u64> = g.iter().zip(&self.chunk).map(|(&i, &c)| (i * c) as u64).collect();
                address = match lookup(&offset)? {
                    None => ABSENT,
                    Some((_, size)) if size != bytes => {
                        return Ok(Err(ChunkMiss::Corrupt(format!(
                            "the chunk at {offset:?} holds {size} bytes, expected {bytes}"
                        ))));
                    }
                    Some((address, _)) => address,
                };
                slot.store(address, Ordering::Relaxed);
            }
            if address == ABSENT {
                return Ok(Err(ChunkMiss::Absent));
            }
            if address.checked_add(bytes).is_none_or(|end| end > file_len as u64) {
                return Ok(Err(ChunkMiss::Corrupt(format!(
                    "the chunk at byte {address}+{bytes} lies past the end of the file ({file_len} bytes)"
                ))));
            }
        }
        Ok(Ok(()))
    }

    /// For a selection `ranges` (non-empty, inside the array) that lies in one chunk: that chunk's bytes in a file of
    /// `file_len` bytes, its shape, and the selection relative to it; `Ok(Ok(None))` when the selection spans
    /// several chunks. `lookup` as for [`ChunkIndex::copy`].
    #[allow(clippy::type_complexity)]
    pub(crate) fn single<E>(
        &self,
        file_len: usize,
        ranges: &[Range<usize>],
        mut lookup: impl FnMut(&[u64]) -> Result<Option<(u64, u64)>, E>,
    ) -> Result<Result<Option<(Range<usize>, Vec<Range<usize>>)>, ChunkMiss>, E> {
        let (first, last) = self.grid_box(ranges);
        if first != last {
            return Ok(Ok(None));
        }
        if let Err(miss) = self.locate(file_len, &first, &last, &mut lookup)? {
            return Ok(Err(miss));
        }
        // Known, written and inside the file: checked by `locate`.
        let address = self.addresses[self.linear(&first)].load(Ordering::Relaxed) as usize;
        let local =
            ranges.iter().zip(&first).zip(&self.chunk).map(|((r, &g), &c)| r.start - g * c..r.end - g * c);
        Ok(Ok(Some((address..address + self.chunk_bytes(), local.collect()))))
    }

    /// The shape of a chunk (edge chunks are stored at this shape too).
    pub(crate) fn chunk_shape(&self) -> &[usize] {
        &self.chunk
    }

    /// Copies the selection `ranges` (one per axis, inside the array) from the file's bytes `file` into `dst`
    /// (exactly the selection's bytes, C order). `lookup(offset)` gives the address and stored size of the chunk
    /// whose first element is at `offset` (`None`: never written); it is called only for chunks not asked before.
    pub(crate) fn copy<E>(
        &self,
        file: &[u8],
        ranges: &[Range<usize>],
        dst: &mut [u8],
        mut lookup: impl FnMut(&[u64]) -> Result<Option<(u64, u64)>, E>,
    ) -> Result<Result<(), ChunkMiss>, E> {
        let ndim = self.chunk.len();
        if ranges.iter().any(Range::is_empty) {
            return Ok(Ok(()));
        }
        let (first, last) = self.grid_box(ranges);
        // Every address first (HDF5 asked only for the unknown ones), so that a miss leaves `dst` untouched.
        if let Err(miss) = self.locate(file.len(), &first, &last, &mut lookup)? {
            return Ok(Err(miss));
        }
        let bytes = self.chunk_bytes();
        let mut chunk_shape = self.chunk.clone();
        chunk_shape.push(self.element_size);
        let mut dst_shape: Vec<usize> = ranges.iter().map(Range::len).collect();
        dst_shape.push(self.element_size);
        for g in (GridBox { first: &first, last: &last, next: Some(first.clone()) }) {
            // Checked by `locate`: known, written and inside the file.
            let address = self.addresses[self.linear(&g)].load(Ordering::Relaxed) as usize;
            let src = &file[address..address + bytes];
            let mut local = Vec::with_capacity(ndim + 1);
            let mut start = Vec::with_capacity(ndim + 1);
            for a in 0..ndim {
                let c0 = g[a] * self.chunk[a];
                let lo = ranges[a].start.max(c0);
                let hi = ranges[a].end.min(c0 + self.chunk[a]);
                local.push(lo - c0..hi - c0);
                start.push(lo - ranges[a].start);
            }
            local.push(0..self.element_size);
            start.push(0);
            // A selection that is exactly this chunk is one run.
            mia_core::copy_box(src, &chunk_shape, &local, dst, &dst_shape, &start);
        }
        Ok(Ok(()))
    }
}

/// The chunk grid positions from `first` to `last` (inclusive on every axis), in C order.
struct GridBox<'a> {
    first: &'a [usize],
    last: &'a [usize],
    next: Option<Vec<usize>>,
}

impl Iterator for GridBox<'_> {
    type Item = Vec<usize>;

    fn next(&mut self) -> Option<Vec<usize>> {
        let current = self.next.take()?;
        let mut n = current.clone();
        for axis in (0..n.len()).rev() {
            if n[axis] < self.last[axis] {
                n[axis] += 1;
                self.next = Some(n);
                return Some(current);
            }
            n[axis] = self.first[axis];
        }
        Some(current)
    }
}

/// The bytes of a slice of numbers.
pub(crate) fn as_bytes_mut<T: Element>(s: &mut [T]) -> &mut [u8] {
    let len = std::mem::size_of_val(s);
    // SAFETY: `Element` is sealed to the ten primitive integer and float types, which have no padding and for
    // which every byte pattern is a valid value; the slice is exclusively borrowed for the returned lifetime.
    unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<u8>(), len) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(shape: &[usize], ranges: &[Range<usize>]) -> Vec<u8> {
        // element value = flat index (as u8, arrays are small)
        let mut out = Vec::new();
        let n: usize = shape.iter().product();
        for flat in 0..n {
            let mut rem = flat;
            let mut inside = true;
            for (axis, r) in ranges.iter().enumerate().rev() {
                let i = rem % shape[axis];
                rem /= shape[axis];
                inside &= r.contains(&i);
            }
            if inside {
                out.push(flat as u8);
            }
        }
        out
    }

    #[test]
    fn copies_match_a_naive_selection() {
        let shape = [3, 4, 5, 2];
        let src: Vec<u8> = (0..120).map(|v| v as u8).collect();
        let cases: Vec<Vec<Range<usize>>> = vec![
            vec![0..3, 0..4, 0..5, 0..2],
            vec![1..2, 0..4, 0..5, 0..2],
            vec![0..3, 2..3, 0..5, 0..2],
            vec![1..3, 1..3, 2..5, 0..2],
            vec![0..3, 0..4, 0..5, 1..2],
            vec![2..3, 3..4, 4..5, 1..2],
            // a patch with all channels (runs span the last partial axis and the channels)
            vec![1..3, 1..4, 1..4, 0..2],
            vec![0..3, 1..3, 0..5, 0..2],
            vec![0..1, 0..1, 0..1, 0..1],
        ];
        for ranges in cases {
            let expected = reference(&shape, &ranges);
            let mut dst = vec![0u8; expected.len()];
            copy_selection(&src, &shape, &ranges, 1, &mut dst);
            assert_eq!(dst, expected, "{ranges:?}");
        }
    }

    #[test]
    fn element_size_is_respected() {
        let shape = [2, 3];
        let src: Vec<u8> = (0..12).collect(); // 6 u16 elements
        let mut dst = vec![0u8; 4];
        copy_selection(&src, &shape, &[1..2, 1..3], 2, &mut dst);
        assert_eq!(dst, vec![8, 9, 10, 11]);
    }

    /// An array of `shape` (u16 elements, value = flat index) stored in chunks of `chunk` at scattered places of a
    /// byte buffer, in reverse grid order with a gap before each; returns the buffer and each chunk's address by
    /// its first element's offset.
    fn chunked_file(shape: &[usize], chunk: &[usize]) -> (Vec<u8>, std::collections::HashMap<Vec<u64>, u64>) {
        let grid: Vec<usize> = shape.iter().zip(chunk).map(|(&n, &c)| n.div_ceil(c)).collect();
        let n: usize = grid.iter().product();
        let cells: usize = chunk.iter().product();
        let mut file = vec![0xEEu8; 13];
        let mut addresses = std::collections::HashMap::new();
        for linear in (0..n).rev() {
            let mut g = vec![0; grid.len()];
            let mut rem = linear;
            for a in (0..grid.len()).rev() {
                g[a] = rem % grid[a];
                rem /= grid[a];
            }
            file.extend_from_slice(&[0xEE; 7]);
            addresses.insert(g.iter().zip(chunk).map(|(&i, &c)| (i * c) as u64).collect(), file.len() as u64);
            for cell in 0..cells {
                // Position inside the chunk → position in the array (past the edge: junk, as HDF5 leaves it).
                let (mut rem, mut flat, mut inside) = (cell, 0usize, true);
                let mut pos = vec![0; chunk.len()];
                for a in (0..chunk.len()).rev() {
                    pos[a] = g[a] * chunk[a] + rem % chunk[a];
                    rem /= chunk[a];
                }
                for a in 0..chunk.len() {
                    inside &= pos[a] < shape[a];
                    flat = flat * shape[a] + pos[a].min(shape[a] - 1);
                }
                let v = if inside { flat as u16 } else { 0xBEEF };
                file.extend_from_slice(&v.to_ne_bytes());
            }
        }
        (file, addresses)
    }

    #[test]
    fn chunked_copies_match_the_dense_array() {
        let shape = [5, 7, 3];
        let dense: Vec<u8> = (0..105u16).flat_map(u16::to_ne_bytes).collect();
        let mut state = 3u64;
        let mut next = |m: usize| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % m
        };
        for chunk in [[2, 3, 3], [1, 1, 1], [5, 7, 3], [4, 2, 2], [8, 8, 8]] {
            let (file, addresses) = chunked_file(&shape, &chunk);
            let index = ChunkIndex::new(&shape, &chunk, 2).unwrap();
            let mut asked = std::collections::HashMap::new();
            for _ in 0..200 {
                let ranges: Vec<Range<usize>> = shape
                    .iter()
                    .map(|&n| {
                        let a = next(n);
                        a..a + 1 + next(n - a)
                    })
                    .collect();
                let len = ranges.iter().map(Range::len).product::<usize>() * 2;
                let mut want = vec![0u8; len];
                copy_selection(&dense, &shape, &ranges, 2, &mut want);
                let mut got = vec![0u8; len];
                let lookup = |offset: &[u64]| -> Result<_, ()> {
                    *asked.entry(offset.to_vec()).or_insert(0) += 1;
                    Ok(Some((addresses[offset], (chunk.iter().product::<usize>() * 2) as u64)))
                };
                assert_eq!(index.copy(&file, &ranges, &mut got, lookup), Ok(Ok(())));
                assert_eq!(got, want, "chunks {chunk:?}, selection {ranges:?}");
            }
            assert!(asked.values().all(|&n| n == 1), "each chunk's address is asked once: {asked:?}");
        }
    }

    #[test]
    fn a_selection_inside_one_chunk_is_that_chunk() {
        let (shape, chunk) = ([5, 7, 3], [2, 3, 3]);
        let (file, addresses) = chunked_file(&shape, &chunk);
        let index = ChunkIndex::new(&shape, &chunk, 2).unwrap();
        let lookup = |o: &[u64]| -> Result<_, ()> { Ok(Some((addresses[o], 36))) };
        let (span, local) = index.single(file.len(), &[2..4, 3..5, 1..2], lookup).unwrap().unwrap().unwrap();
        assert_eq!(span.start as u64, addresses[&vec![2, 3, 0]]);
        assert_eq!(span.len(), 36);
        assert_eq!(local, vec![0..2, 0..2, 1..2]);
        // Element (2, 3, 1) is the chunk's element (0, 0, 1): value 2·21 + 3·3 + 1.
        assert_eq!(u16::from_ne_bytes([file[span.start + 2], file[span.start + 3]]), 52);
        assert_eq!(index.single(file.len(), &[1..3, 0..1, 0..1], lookup), Ok(Ok(None)), "two chunks");
        let absent = |_: &[u64]| -> Result<_, ()> { Ok(None) };
        let fresh = ChunkIndex::new(&shape, &chunk, 2).unwrap();
        assert_eq!(fresh.single(file.len(), &[0..1, 0..1, 0..1], absent), Ok(Err(ChunkMiss::Absent)));
    }

    #[test]
    fn absent_and_corrupt_chunks_are_reported() {
        let shape = [4, 4];
        let (file, addresses) = chunked_file(&shape, &[2, 2]);
        let all = [0..4, 0..4];
        let mut dst = vec![0u8; 32];
        let index = ChunkIndex::new(&shape, &[2, 2], 2).unwrap();
        let absent = |o: &[u64]| -> Result<_, ()> { Ok((o != [2, 2]).then(|| (addresses[o], 8))) };
        assert_eq!(index.copy(&file, &all, &mut dst, absent), Ok(Err(ChunkMiss::Absent)));
        assert!(dst.iter().all(|&b| b == 0), "nothing is copied before every chunk is known");
        let index = ChunkIndex::new(&shape, &[2, 2], 2).unwrap();
        let short = |o: &[u64]| -> Result<_, ()> { Ok(Some((addresses[o], 6))) };
        assert!(matches!(index.copy(&file, &all, &mut dst, short), Ok(Err(ChunkMiss::Corrupt(_)))));
        let index = ChunkIndex::new(&shape, &[2, 2], 2).unwrap();
        let past = |_: &[u64]| -> Result<_, ()> { Ok(Some((file.len() as u64 - 4, 8))) };
        assert!(matches!(index.copy(&file, &all, &mut dst, past), Ok(Err(ChunkMiss::Corrupt(_)))));
        let index = ChunkIndex::new(&shape, &[2, 2], 2).unwrap();
        let failing = |_: &[u64]| -> Result<Option<(u64, u64)>, &str> { Err("no") };
        assert_eq!(index.copy(&file, &all, &mut dst, failing), Err("no"));
        assert!(ChunkIndex::new(&[1 << 30, 1 << 30], &[1, 1], 1).is_none(), "too many chunks to index");
        assert!(ChunkIndex::new(&[4, 4], &[0, 2], 1).is_none());
    }
}
