//! Copying a rectangular region out of a C-ordered array.

use std::ops::Range;

/// Copies the region `ranges` (one range per axis of `shape`) of the C-ordered array `src` into `dst`, in C
/// order: a strided copy as long runs of `copy_from_slice`, one per position of the axes before the last partial
/// one (an 84³ patch of a `(z, y, x, c)` volume: 84² runs of 84·c elements).
///
/// Panics if the ranges lie outside `shape`, `src` is shorter than `shape`'s product or `dst` does not hold
/// exactly the region's element count (callers check the selection first).
///
/// ```
/// let src: Vec<u16> = (0..24).collect(); // shape (2, 3, 4)
/// let mut dst = vec![0u16; 4];
/// mia_core::copy_region(&src, &[2, 3, 4], &[1..2, 1..3, 2..4], &mut dst);
/// assert_eq!(dst, [18, 19, 22, 23]);
/// ```
pub fn copy_region<T: Copy>(src: &[T], shape: &[usize], ranges: &[Range<usize>], dst: &mut [T]) {
    let ndim = shape.len();
    debug_assert_eq!(ranges.len(), ndim);
    // Strides in elements.
    let mut strides = vec![1usize; ndim];
    for i in (0..ndim.saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    if ndim == 0 {
        dst.copy_from_slice(&src[..1]);
        return;
    }
    // The axes from `whole` on are selected whole; the axis before them selects a contiguous range, so one run
    // spans that range times the whole trailing block (an 84³ patch of a (z, y, x, c) array: 84² runs of 84·c).
    let mut whole = ndim;
    while whole > 0 && ranges[whole - 1].len() == shape[whole - 1] {
        whole -= 1;
    }
    let k = whole.saturating_sub(1);
    let run = ranges[k].len() * strides[k];
    if run == 0 {
        return;
    }
    // Odometer over the axes before k.
    let mut idx: Vec<usize> = ranges[..k].iter().map(|r| r.start).collect();
    let mut out = 0usize;
    loop {
        let mut elem = ranges[k].start * strides[k];
        for (j, &i) in idx.iter().enumerate() {
            elem += i * strides[j];
        }
        dst[out..out + run].copy_from_slice(&src[elem..elem + run]);
        out += run;
        // Advance.
        let mut axis = k;
        loop {
            if axis == 0 {
                return;
            }
            axis -= 1;
            idx[axis] += 1;
            if idx[axis] < ranges[axis].end {
                break;
            }
            idx[axis] = ranges[axis].start;
        }
    }
}
