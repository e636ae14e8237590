//! Surface extraction: bounding box, neighbour codes at voxel corners, boundary voxels.
//!
//! All extraction works on the crop of both masks to the bounding box of their union, plane by plane (memory
//! O(plane) besides the extracted points), and records for every extracted point whether it is also a point of the
//! other mask's surface (its distance is then 0 without any search).

use ndarray::{s, ArrayView2, ArrayView3, Axis, Zip};

use super::neighbour_code::{FULL_2D, FULL_3D};
use super::Connectivity;

/// Inclusive bounding box of a 3-D mask union.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BoundingBox {
    pub(crate) lo: [usize; 3],
    pub(crate) hi: [usize; 3],
}

impl BoundingBox {
    /// Crops a volume to the box.
    pub(crate) fn crop<'a>(&self, view: &ArrayView3<'a, bool>) -> ArrayView3<'a, bool> {
        (*view).slice_move(s![self.lo[0]..=self.hi[0], self.lo[1]..=self.hi[1], self.lo[2]..=self.hi[2]])
    }
}

/// Bounding box of `a | b`, or `None` when both are empty.
pub(crate) fn bounding_box(a: &ArrayView3<'_, bool>, b: &ArrayView3<'_, bool>) -> Option<BoundingBox> {
    if let (Some(sa), Some(sb)) = (a.as_slice(), b.as_slice()) {
        return bounding_box_rows(as_bytes(sa), as_bytes(sb), a.dim());
    }
    let mut lo = [usize::MAX; 3];
    let mut hi = [0usize; 3];
    let mut any = false;
    Zip::indexed(a.lanes(Axis(2))).and(b.lanes(Axis(2))).for_each(|(i, j), la, lb| {
        let first = la.iter().zip(lb.iter()).position(|(&x, &y)| x | y);
        if let Some(first) = first {
            let last =
                la.len() - 1 - la.iter().rev().zip(lb.iter().rev()).position(|(&x, &y)| x | y).unwrap_or(0);
            any = true;
            lo = [lo[0].min(i), lo[1].min(j), lo[2].min(first)];
            hi = [hi[0].max(i), hi[1].max(j), hi[2].max(last)];
        }
    });
    any.then_some(BoundingBox { lo, hi })
}

/// [`bounding_box`] of two C-ordered masks given as bytes (0/1): each row is searched with `memchr`/`memrchr`,
/// which skip empty rows at SIMD speed.
fn bounding_box_rows(a: &[u8], b: &[u8], (n0, n1, n2): (usize, usize, usize)) -> Option<BoundingBox> {
    let mut lo = [usize::MAX; 3];
    let mut hi = [0usize; 3];
    if n2 == 0 {
        return None;
    }
    for (r, (ra, rb)) in a.chunks_exact(n2).zip(b.chunks_exact(n2)).enumerate().take(n0 * n1) {
        let first = match (memchr::memchr(1, ra), memchr::memchr(1, rb)) {
            (None, None) => continue,
            (x, y) => x.unwrap_or(usize::MAX).min(y.unwrap_or(usize::MAX)),
        };
        let last = memchr::memrchr(1, ra).unwrap_or(0).max(memchr::memrchr(1, rb).unwrap_or(0));
        let (i, j) = (r / n1, r % n1);
        lo = [lo[0].min(i), lo[1].min(j), lo[2].min(first)];
        hi = [hi[0].max(i), hi[1].max(j), hi[2].max(last)];
    }
    (lo[0] != usize::MAX).then_some(BoundingBox { lo, hi })
}

/// The bytes of a bool slice (each 0 or 1).
pub(crate) fn as_bytes(s: &[bool]) -> &[u8] {
    // SAFETY: `bool` has size and alignment 1 and its two values are the bytes 0 and 1; the bytes are only read.
    unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), s.len()) }
}

/// Surface points of one mask: lattice coordinates (corner or voxel indices in the crop), their neighbour codes
/// (0 for boundary voxels), and whether each point is also a surface point of the other mask.
#[derive(Debug, Default, Clone)]
pub(crate) struct SurfacePoints {
    pub(crate) coords: Vec<[u32; 3]>,
    pub(crate) codes: Vec<u8>,
    pub(crate) on_other: Vec<bool>,
}

impl SurfacePoints {
    fn push(&mut self, coord: [u32; 3], code: u8, on_other: bool) {
        self.coords.push(coord);
        self.codes.push(code);
        self.on_other.push(on_other);
    }

    pub(crate) fn len(&self) -> usize {
        self.coords.len()
    }
}

/// A zero-padded copy of one 2-D plane of a mask (one extra row/column on each side).
struct PaddedPlane {
    rows: usize,
    cols: usize,
    data: Vec<u8>,
    any: bool,
}

impl PaddedPlane {
    fn new(rows: usize, cols: usize) -> PaddedPlane {
        PaddedPlane { rows, cols, data: vec![0; (rows + 2) * (cols + 2)], any: false }
    }

    fn width(&self) -> usize {
        self.cols + 2
    }

    /// Copies `plane` (rows × cols) into the interior; `None` clears it. The one-voxel border stays zero.
    fn fill(&mut self, plane: Option<ArrayView2<'_, bool>>) {
        let w = self.width();
        let Some(plane) = plane else {
            if self.any {
                self.data.fill(0);
            }
            self.any = false;
            return;
        };
        debug_assert_eq!(plane.dim(), (self.rows, self.cols));
        let mut any = false;
        for (j, row) in plane.outer_iter().enumerate() {
            let base = (j + 1) * w + 1;
            let slots = &mut self.data[base..base + self.cols];
            match row.as_slice() {
                Some(values) => {
                    let bytes = as_bytes(values);
                    slots.copy_from_slice(bytes);
                    any = any || memchr::memchr(1, bytes).is_some();
                }
                None => {
                    for (slot, &v) in slots.iter_mut().zip(row.iter()) {
                        *slot = u8::from(v);
                        any |= v;
                    }
                }
            }
        }
        self.any = any;
    }

    /// The 2×2 neighbour code (kernel `[[8, 4], [2, 1]]`) at every corner, (rows + 1) × (cols + 1), row-major.
    fn corner_codes(&self, out: &mut [u8]) {
        let w = self.width();
        let cw = self.cols + 1;
        if !self.any {
            out.iter_mut().for_each(|v| *v = 0);
            return;
        }
        for j in 0..=self.rows {
            let top = &self.data[j * w..(j + 1) * w];
            let bottom = &self.data[(j + 1) * w..(j + 2) * w];
            let row = &mut out[j * cw..(j + 1) * cw];
            // Four equally long slices (the corner's four voxels of this plane): no bounds checks, and the loop
            // vectorises.
            let (top_left, top_right) = (&top[..cw], &top[1..=cw]);
            let (bottom_left, bottom_right) = (&bottom[..cw], &bottom[1..=cw]);
            for ((((slot, &a), &b), &c), &d) in
                row.iter_mut().zip(top_left).zip(top_right).zip(bottom_left).zip(bottom_right)
            {
                *slot = (a << 3) | (b << 2) | (c << 1) | d;
            }
        }
    }
}

fn coord(i: usize, j: usize, k: usize) -> [u32; 3] {
    // Extents were checked to fit in u32 by the caller.
    [i as u32, j as u32, k as u32]
}

/// Border corners (code ∉ {0, 255}) of both cropped 3-D masks; coordinates are corner indices (0..=extent).
pub(crate) fn corners_3d(
    reference: &ArrayView3<'_, bool>,
    prediction: &ArrayView3<'_, bool>,
) -> (SurfacePoints, SurfacePoints) {
    let (e0, e1, e2) = reference.dim();
    let mut planes = [PaddedPlane::new(e1, e2), PaddedPlane::new(e1, e2)];
    let n = (e1 + 1) * (e2 + 1);
    let (mut prev_r, mut prev_p) = (vec![0u8; n], vec![0u8; n]);
    let (mut cur_r, mut cur_p) = (vec![0u8; n], vec![0u8; n]);
    let (mut code_r, mut code_p, mut border) = (vec![0u8; n], vec![0u8; n], vec![0u8; n]);
    let mut prev_any = false;
    let mut out_r = SurfacePoints::default();
    let mut out_p = SurfacePoints::default();
    for i in 0..=e0 {
        let (pr, pp) = planes.split_at_mut(1);
        if i < e0 {
            pr[0].fill(Some(reference.index_axis(Axis(0), i)));
            pp[0].fill(Some(prediction.index_axis(Axis(0), i)));
        } else {
            pr[0].fill(None);
            pp[0].fill(None);
        }
        pr[0].corner_codes(&mut cur_r);
        pp[0].corner_codes(&mut cur_p);
        let cur_any = pr[0].any || pp[0].any;
        if cur_any || prev_any {
            let cw = e2 + 1;
            // The 2×2×2 codes and a border flag for every corner of the plane (byte operations that vectorise),
            // then only the flagged corners are visited.
            for (x, (((&ar, &br), &ap), &bp)) in
                prev_r.iter().zip(&cur_r).zip(prev_p.iter()).zip(&cur_p).enumerate()
            {
                let cr = (ar << 4) | br;
                let cp = (ap << 4) | bp;
                code_r[x] = cr;
                code_p[x] = cp;
                border[x] = u8::from((cr != 0 && cr != FULL_3D) || (cp != 0 && cp != FULL_3D));
            }
            let mut x = 0;
            while let Some(found) = memchr::memchr(1, &border[x..]) {
                x += found;
                let (cr, cp) = (code_r[x], code_p[x]);
                let on_r = cr != 0 && cr != FULL_3D;
                let on_p = cp != 0 && cp != FULL_3D;
                let c = coord(i, x / cw, x % cw);
                if on_r {
                    out_r.push(c, cr, on_p);
                }
                if on_p {
                    out_p.push(c, cp, on_r);
                }
                x += 1;
            }
        }
        std::mem::swap(&mut prev_r, &mut cur_r);
        std::mem::swap(&mut prev_p, &mut cur_p);
        prev_any = cur_any;
    }
    (out_r, out_p)
}

/// Border corners (code ∉ {0, 15}) of both cropped 2-D masks; coordinates `[0, row, column]` of corner indices.
pub(crate) fn corners_2d(
    reference: &ArrayView2<'_, bool>,
    prediction: &ArrayView2<'_, bool>,
) -> (SurfacePoints, SurfacePoints) {
    let (e0, e1) = reference.dim();
    let mut plane_r = PaddedPlane::new(e0, e1);
    let mut plane_p = PaddedPlane::new(e0, e1);
    plane_r.fill(Some(reference.view()));
    plane_p.fill(Some(prediction.view()));
    let n = (e0 + 1) * (e1 + 1);
    let (mut codes_r, mut codes_p) = (vec![0u8; n], vec![0u8; n]);
    plane_r.corner_codes(&mut codes_r);
    plane_p.corner_codes(&mut codes_p);
    let mut out_r = SurfacePoints::default();
    let mut out_p = SurfacePoints::default();
    let cw = e1 + 1;
    for (x, (&cr, &cp)) in codes_r.iter().zip(&codes_p).enumerate() {
        let on_r = cr != 0 && cr != FULL_2D;
        let on_p = cp != 0 && cp != FULL_2D;
        let c = coord(0, x / cw, x % cw);
        if on_r {
            out_r.push(c, cr, on_p);
        }
        if on_p {
            out_p.push(c, cp, on_r);
        }
    }
    (out_r, out_p)
}

/// Neighbour offsets (plane, row, column) of a connectivity in 3-D; in 2-D only the plane-0 offsets are used.
pub(crate) fn neighbour_offsets(connectivity: Connectivity, two_d: bool) -> Vec<[isize; 3]> {
    let mut out = Vec::new();
    let planes: &[isize] = if two_d { &[0] } else { &[-1, 0, 1] };
    for &a in planes {
        for b in -1isize..=1 {
            for c in -1isize..=1 {
                let order = a.abs() + b.abs() + c.abs();
                let keep = match connectivity {
                    Connectivity::Face => order == 1,
                    Connectivity::Edge => order == 1 || order == 2,
                    Connectivity::Full => order >= 1,
                };
                if keep {
                    out.push([a, b, c]);
                }
            }
        }
    }
    out
}

/// Inner boundary voxels of both cropped masks: voxels of the mask with at least one neighbour (of the given
/// connectivity) outside the mask, the volume outside counting as background — `mask ∧ ¬erosion(mask)` as MONAI,
/// medpy and scipy's `binary_erosion` (border value 0) define it. Coordinates are voxel indices in the crop.
pub(crate) fn boundary_voxels(
    reference: &ArrayView3<'_, bool>,
    prediction: &ArrayView3<'_, bool>,
    connectivity: Connectivity,
    two_d: bool,
) -> (SurfacePoints, SurfacePoints) {
    let r = boundary_voxels_of(reference, connectivity, two_d);
    let p = boundary_voxels_of(prediction, connectivity, two_d);
    mark_shared(r, p)
}

/// Sets `on_other` for points present in both sorted (scan-order) point lists.
fn mark_shared(mut a: SurfacePoints, mut b: SurfacePoints) -> (SurfacePoints, SurfacePoints) {
    let (mut x, mut y) = (0, 0);
    while x < a.len() && y < b.len() {
        match a.coords[x].cmp(&b.coords[y]) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                a.on_other[x] = true;
                b.on_other[y] = true;
                x += 1;
                y += 1;
            }
        }
    }
    (a, b)
}

/// The positions of the one bytes of eight 0/1 bytes read as a little-endian word, ascending.
pub(crate) fn one_bytes(mut word: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (word != 0).then(|| {
            // Each byte is 0 or 1: the lowest set bit is the first one byte left.
            let t = word.trailing_zeros() as usize / 8;
            word &= word - 1;
            t
        })
    })
}

/// Bytes per block of [`boundary_voxels_of`]'s row pass (two SSE2 registers).
const BLOCK_BYTES: usize = 32;

/// Inner boundary voxels of one cropped mask, in scan order.
pub(crate) fn boundary_voxels_of(
    mask: &ArrayView3<'_, bool>,
    connectivity: Connectivity,
    two_d: bool,
) -> SurfacePoints {
    let (e0, e1, e2) = mask.dim();
    let offsets = neighbour_offsets(connectivity, two_d);
    let mut planes = [PaddedPlane::new(e1, e2), PaddedPlane::new(e1, e2), PaddedPlane::new(e1, e2)];
    planes[1].fill(None);
    if e0 > 0 {
        planes[2].fill(Some(mask.index_axis(Axis(0), 0)));
    }
    let w = e2 + 2;
    let mut out = SurfacePoints::default();
    // Per row: the boundary voxels are `centre ∧ ¬(AND of the neighbours at every offset)`, the neighbours being
    // shifted rows of the padded planes. The row goes in blocks of 32 bytes, all offsets ANDed into one block
    // before the next (one pass over the row instead of one per offset); the voxels found by their bytes.
    let mut starts = vec![(0usize, 0usize); offsets.len()];
    for i in 0..e0 {
        planes.rotate_left(1);
        planes[2].fill((i + 1 < e0).then(|| mask.index_axis(Axis(0), i + 1)));
        if !planes[1].any {
            continue;
        }
        for j in 0..e1 {
            let centre = (j + 1) * w + 1;
            let row = &planes[1].data[centre..centre + e2];
            if memchr::memchr(1, row).is_none() {
                continue;
            }
            for (start, o) in starts.iter_mut().zip(&offsets) {
                *start = ((1 + o[0]) as usize, (centre as isize + o[1] * w as isize + o[2]) as usize);
            }
            // Full blocks; the last block of a row ends at the row's end and skips the bytes already done.
            let mut k = 0;
            while k < e2 {
                let (at, done) = if k + BLOCK_BYTES <= e2 || e2 < BLOCK_BYTES {
                    (k, 0)
                } else {
                    (e2 - BLOCK_BYTES, k + BLOCK_BYTES - e2)
                };
                let len = BLOCK_BYTES.min(e2 - at);
                let mut block = [0u8; BLOCK_BYTES];
                if len == BLOCK_BYTES {
                    let mut all = [1u8; BLOCK_BYTES];
                    for &(plane, start) in &starts {
                        let neighbour: &[u8; BLOCK_BYTES] = planes[plane].data
                            [start + at..start + at + BLOCK_BYTES]
                            .try_into()
                            .expect("block");
                        for (a, &n) in all.iter_mut().zip(neighbour) {
                            *a &= n;
                        }
                    }
                    for ((b, &c), &a) in block.iter_mut().zip(&row[at..at + BLOCK_BYTES]).zip(&all) {
                        *b = c & !a;
                    }
                    block[..done].fill(0);
                } else {
                    // A row shorter than a block.
                    for (t, b) in block[..len].iter_mut().enumerate() {
                        let all = starts
                            .iter()
                            .fold(1u8, |m, &(plane, start)| m & planes[plane].data[start + at + t]);
                        *b = row[at + t] & !all;
                    }
                }
                for (c, word) in block.chunks_exact(8).enumerate() {
                    for t in one_bytes(u64::from_le_bytes(word.try_into().expect("8 bytes"))) {
                        out.push(coord(i, j, at + c * 8 + t), 0, false);
                    }
                }
                k = at + len;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn bounding_box_of_union() {
        let mut a = Array3::from_elem((5, 6, 7), false);
        let mut b = a.clone();
        assert_eq!(bounding_box(&a.view(), &b.view()), None);
        a[[1, 2, 3]] = true;
        b[[3, 4, 1]] = true;
        let bb = bounding_box(&a.view(), &b.view()).unwrap();
        assert_eq!(bb, BoundingBox { lo: [1, 2, 1], hi: [3, 4, 3] });
        // The strided path (a non-contiguous view) agrees with the row search.
        let (va, vb) = (a.slice(s![.., .., ..;-1]), b.slice(s![.., .., ..;-1]));
        assert_eq!(bounding_box(&va, &vb).unwrap(), BoundingBox { lo: [1, 2, 3], hi: [3, 4, 5] });
        b[[0, 5, 6]] = true;
        assert_eq!(bounding_box(&a.view(), &b.view()).unwrap(), BoundingBox { lo: [0, 2, 1], hi: [3, 5, 6] });
    }

    #[test]
    fn single_voxel_has_eight_border_corners() {
        let a = Array3::from_elem((1, 1, 1), true);
        let (r, p) = corners_3d(&a.view(), &a.view());
        assert_eq!(r.len(), 8);
        assert_eq!(p.len(), 8);
        assert!(r.on_other.iter().all(|&x| x));
        let mut codes = r.codes.clone();
        codes.sort_unstable();
        assert_eq!(codes, vec![1, 2, 4, 8, 16, 32, 64, 128]);
        // Corner (0, 0, 0) sees the voxel at its high side in every axis: weight 1.
        assert_eq!(r.codes[0], 1);
        assert_eq!(r.coords[0], [0, 0, 0]);
    }

    /// Mask voxels with a neighbour (of `offsets`) outside the mask or the volume, voxel by voxel, in scan order.
    fn eroded_away(mask: &Array3<bool>, offsets: &[[isize; 3]]) -> Vec<[u32; 3]> {
        let d = mask.dim();
        let inside = |i: isize, j: isize, k: isize| {
            i >= 0 && j >= 0 && k >= 0 && i < d.0 as isize && j < d.1 as isize && k < d.2 as isize
        };
        mask.indexed_iter()
            .filter(|&((i, j, k), &v)| {
                v && offsets.iter().any(|o| {
                    let (a, b, c) = (i as isize + o[0], j as isize + o[1], k as isize + o[2]);
                    !inside(a, b, c) || !mask[[a as usize, b as usize, c as usize]]
                })
            })
            .map(|((i, j, k), _)| coord(i, j, k))
            .collect()
    }

    #[test]
    fn boundary_voxels_match_a_voxelwise_erosion_for_every_row_length() {
        // Rows shorter than a block, of exactly one block, between blocks (the last block overlaps the one before)
        // and of several blocks.
        let mut next = crate::surface::kdtree::tests::lcg(17);
        for (n0, n1, n2) in
            [(3, 4, 5), (3, 4, 31), (3, 4, 32), (3, 4, 33), (4, 5, 70), (1, 6, 45), (2, 3, 96)]
        {
            for density in [3, 6] {
                let mask = Array3::from_shape_fn((n0, n1, n2), |_| next(8) < density);
                for connectivity in [Connectivity::Face, Connectivity::Edge, Connectivity::Full] {
                    for two_d in [false, n0 == 1] {
                        let offsets = neighbour_offsets(connectivity, two_d);
                        let found = boundary_voxels_of(&mask.view(), connectivity, two_d);
                        assert_eq!(
                            found.coords,
                            eroded_away(&mask, &offsets),
                            "{:?} {connectivity:?}",
                            mask.dim()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn boundary_voxels_of_a_cube() {
        let a = Array3::from_elem((3, 3, 3), true);
        let face = boundary_voxels_of(&a.view(), Connectivity::Face, false);
        assert_eq!(face.len(), 26);
        let mut b = Array3::from_elem((5, 5, 5), false);
        b.slice_mut(s![1..4, 1..4, 1..4]).fill(true);
        assert_eq!(boundary_voxels_of(&b.view(), Connectivity::Face, false).len(), 26);
        b[[2, 2, 2]] = true;
        // 2-D: a 3×3 square has 8 boundary pixels.
        let sq = Array3::from_elem((1, 3, 3), true);
        assert_eq!(boundary_voxels_of(&sq.view(), Connectivity::Face, true).len(), 8);
    }
}
