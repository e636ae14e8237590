//! Boundary IoU (Cheng et al. 2021, "Boundary IoU: Improving Object-Centric Image Segmentation Evaluation", CVPR).
//!
//! The boundary band of a mask `M` of width `w` is `M ∖ erode^w(M)`: the voxels of `M` within `w` erosion steps of
//! the background (the volume outside counting as background, as the reference implementation pads with zeros before
//! `cv2.erode`). With [`Connectivity::Full`] each erosion uses the full 3×3(×3) cube, Cheng et al.'s kernel
//! (chessboard distance); [`Connectivity::Face`] uses the cross. Boundary IoU = `|B_w(P) ∩ B_w(R)| / |B_w(P) ∪ B_w(R)|`.
//! The width is in voxels (Cheng et al. use 2 % of the image diagonal; MetricsReloaded's `boundary_iou` also counts
//! voxels and ignores the spacing).

use std::collections::VecDeque;

use ndarray::{ArrayView3, ArrayViewD};

use super::surfels::{bounding_box, neighbour_offsets};
use super::{as_3d, validate, Connectivity, SurfaceError};

/// Boundary IoU of two masks with a band of `width` voxels (see the module documentation).
///
/// 1.0 when both masks are empty (MetricsReloaded/MeshMetrics convention), 0.0 when exactly one is.
///
/// # Errors
/// Shape mismatch, spacing problems (the spacing is validated but not used), `width == 0`
/// ([`SurfaceError::InvalidWidth`]).
pub fn boundary_iou(
    prediction: ArrayViewD<'_, bool>,
    reference: ArrayViewD<'_, bool>,
    spacing_zyx: &[f64],
    width: usize,
    connectivity: Connectivity,
) -> Result<f64, SurfaceError> {
    let ndim = validate(&prediction, &reference, spacing_zyx)?;
    if width == 0 {
        return Err(SurfaceError::InvalidWidth { width });
    }
    let (p, _) = as_3d(&prediction, spacing_zyx);
    let (r, _) = as_3d(&reference, spacing_zyx);
    let Some(bbox) = bounding_box(&p, &r) else {
        return Ok(1.0);
    };
    let p = bbox.crop(&p);
    let r = bbox.crop(&r);
    let offsets = neighbour_offsets(connectivity, ndim == 2);
    let bp = band(&p, width, &offsets);
    let br = band(&r, width, &offsets);
    let (mut inter, mut union) = (0u64, 0u64);
    for (&a, &b) in bp.iter().zip(&br) {
        inter += u64::from(a & b);
        union += u64::from(a | b);
    }
    Ok(if union == 0 { 0.0 } else { inter as f64 / union as f64 })
}

/// Band membership (row-major over the crop) by a breadth-first search from the background, `width` layers deep.
fn band(mask: &ArrayView3<'_, bool>, width: usize, offsets: &[[isize; 3]]) -> Vec<bool> {
    let (e0, e1, e2) = mask.dim();
    let inside: Vec<bool> = mask.iter().copied().collect();
    let idx = |i: usize, j: usize, k: usize| (i * e1 + j) * e2 + k;
    let neighbour = |i: usize, j: usize, k: usize, o: &[isize; 3]| -> Option<(usize, usize, usize)> {
        let a = i.checked_add_signed(o[0]).filter(|&a| a < e0)?;
        let b = j.checked_add_signed(o[1]).filter(|&b| b < e1)?;
        let c = k.checked_add_signed(o[2]).filter(|&c| c < e2)?;
        Some((a, b, c))
    };
    let mut depth = vec![0u32; inside.len()];
    let mut queue = VecDeque::new();
    for i in 0..e0 {
        for j in 0..e1 {
            for k in 0..e2 {
                let x = idx(i, j, k);
                if inside[x]
                    && offsets
                        .iter()
                        .any(|o| neighbour(i, j, k, o).is_none_or(|(a, b, c)| !inside[idx(a, b, c)]))
                {
                    depth[x] = 1;
                    queue.push_back((i, j, k));
                }
            }
        }
    }
    while let Some((i, j, k)) = queue.pop_front() {
        let d = depth[idx(i, j, k)];
        if d as usize >= width {
            continue;
        }
        for o in offsets {
            if let Some((a, b, c)) = neighbour(i, j, k, o) {
                let y = idx(a, b, c);
                if inside[y] && depth[y] == 0 {
                    depth[y] = d + 1;
                    queue.push_back((a, b, c));
                }
            }
        }
    }
    depth.iter().map(|&d| d > 0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Array3};

    /// Iterated erosion, the reference definition.
    fn band_by_erosion(m: &Array3<bool>, width: usize, connectivity: Connectivity) -> Array3<bool> {
        let offs = neighbour_offsets(connectivity, false);
        let mut eroded = m.clone();
        let (e0, e1, e2) = m.dim();
        for _ in 0..width {
            let prev = eroded.clone();
            for ((i, j, k), v) in eroded.indexed_iter_mut() {
                *v = prev[[i, j, k]]
                    && offs.iter().all(|o| {
                        let (a, b, c) = (i as isize + o[0], j as isize + o[1], k as isize + o[2]);
                        a >= 0
                            && b >= 0
                            && c >= 0
                            && (a as usize) < e0
                            && (b as usize) < e1
                            && (c as usize) < e2
                            && prev[[a as usize, b as usize, c as usize]]
                    });
            }
        }
        Array3::from_shape_fn(m.dim(), |x| m[x] && !eroded[x])
    }

    #[test]
    fn bfs_band_equals_iterated_erosion() {
        let m = Array3::from_shape_fn((9, 10, 11), |(i, j, k)| {
            let (a, b, c) = (i as f64 - 4.0, j as f64 - 5.0, k as f64 - 5.0);
            a * a + b * b + 0.5 * c * c < 16.0 || (i == 1 && j < 8)
        });
        for connectivity in [Connectivity::Face, Connectivity::Edge, Connectivity::Full] {
            for width in 1..4 {
                let offs = neighbour_offsets(connectivity, false);
                let got = band(&m.view(), width, &offs);
                let want = band_by_erosion(&m, width, connectivity);
                assert_eq!(got, want.iter().copied().collect::<Vec<_>>(), "{connectivity:?} {width}");
            }
        }
    }

    #[test]
    fn values_and_edge_cases() {
        let mut r = Array3::from_elem((12, 12, 12), false);
        r.slice_mut(s![2..10, 2..10, 2..10]).fill(true);
        let f = |p: &Array3<bool>, r: &Array3<bool>, w| {
            boundary_iou(p.view().into_dyn(), r.view().into_dyn(), &[1.0; 3], w, Connectivity::Full).unwrap()
        };
        assert_eq!(f(&r, &r, 2), 1.0);
        let e = Array3::from_elem((12, 12, 12), false);
        assert_eq!(f(&e, &e, 2), 1.0);
        assert_eq!(f(&e, &r, 2), 0.0);
        // Shift by one voxel along one axis: computed by hand from the band definition.
        let mut p = e.clone();
        p.slice_mut(s![3..11, 2..10, 2..10]).fill(true);
        let got = f(&p, &r, 1);
        // Bands: 8³ − 6³ = 296 each; intersection = voxels of both bands.
        let bp = band_by_erosion(&p, 1, Connectivity::Full);
        let br = band_by_erosion(&r, 1, Connectivity::Full);
        let inter = bp.iter().zip(br.iter()).filter(|(a, b)| **a && **b).count() as f64;
        assert_eq!(got, inter / (296.0 * 2.0 - inter));
        let err = boundary_iou(p.view().into_dyn(), r.view().into_dyn(), &[1.0; 3], 0, Connectivity::Full);
        assert_eq!(err, Err(SurfaceError::InvalidWidth { width: 0 }));
    }
}
