//! The fast read path: copying a selection straight from the bytes of a contiguous, unfiltered dataset.
//!
//! pymia (and mia by default) store every array contiguously without filters, so an array is one block of
//! little-endian bytes at a known file offset. Reading a hyperslab then needs no HDF5 call at all: the file is
//! memory-mapped once per [`crate::Dataset`] and each contiguous run of the selection is copied with `memcpy`.
//! This bypasses the HDF5 global lock, so parallel readers scale.

use std::ops::Range;

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
}
