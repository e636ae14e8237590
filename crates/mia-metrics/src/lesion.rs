//! Lesion-wise (per connected component) detection counts — beyond pymia.
//!
//! Both masks are split into connected components ([`label_components`], configurable [`Connectivity`]); components
//! smaller than [`LesionConfig::min_lesion_voxels`] are dropped first. A reference lesion is *detected* (true
//! positive) when its overlap with the prediction mask meets the [`OverlapCriterion`], otherwise it is a false
//! negative; a predicted lesion whose overlap with the reference mask meets the criterion is a true positive
//! (prediction side), otherwise a false positive. This is the usual lesion-wise scheme of MS-lesion and metastasis
//! challenges (e.g. Commowick et al. 2018, MSSEG; Carass et al. 2017, ISBI 2015 "LTPR/LFPR"; MetricsReloaded's
//! per-instance detection with an overlap matching criterion).
//!
//! Lesion-wise precision = TP_pred / #pred lesions, recall (LTPR) = TP_ref / #ref lesions, F1 = their harmonic mean.
//!
//! ```
//! use mia_metrics::lesion::{LesionConfig, LesionCounts};
//! use ndarray::Array3;
//!
//! let mut reference = Array3::from_elem((1, 5, 9), false);
//! let mut prediction = reference.clone();
//! reference[[0, 1, 1]] = true; // lesion 1, found
//! reference[[0, 3, 6]] = true; // lesion 2, missed
//! prediction[[0, 1, 1]] = true;
//! prediction[[0, 1, 7]] = true; // false positive
//! let c = LesionCounts::compute(prediction.view().into_dyn(), reference.view().into_dyn(), &LesionConfig::default())?;
//! assert_eq!((c.true_positive_reference, c.false_negative, c.false_positive), (1, 1, 1));
//! assert_eq!(c.f1(), 0.5);
//! # Ok::<(), mia_metrics::lesion::LesionError>(())
//! ```

use ndarray::{ArrayView3, ArrayViewD, Ix2, Ix3};

use crate::surface::neighbour_offsets_3d;
pub use crate::surface::Connectivity;

/// Errors of the lesion-wise computations.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LesionError {
    /// Prediction and reference shapes differ.
    #[error("prediction shape {prediction:?} differs from reference shape {reference:?}")]
    ShapeMismatch {
        /// Shape of the prediction.
        prediction: Vec<usize>,
        /// Shape of the reference.
        reference: Vec<usize>,
    },
    /// Only 2-D and 3-D masks are supported.
    #[error("masks with {ndim} axes are not supported (2-D and 3-D only)")]
    UnsupportedDimensionality {
        /// Number of axes.
        ndim: usize,
    },
    /// An overlap fraction outside (0, 1].
    #[error("overlap fraction {value} is outside (0, 1]")]
    InvalidFraction {
        /// The value given.
        value: f64,
    },
    /// More components than the 32-bit labels can number.
    #[error("more than {max} connected components")]
    TooManyComponents {
        /// The largest supported count.
        max: u64,
    },
}

/// When a lesion counts as hit by the other mask.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum OverlapCriterion {
    /// At least one voxel in common.
    #[default]
    AnyVoxel,
    /// At least this many voxels in common.
    MinVoxels(u64),
    /// At least this fraction (0, 1] of the lesion's voxels in common.
    MinFraction(f64),
}

impl OverlapCriterion {
    fn met(&self, overlap: u64, size: u64) -> bool {
        match *self {
            OverlapCriterion::AnyVoxel => overlap > 0,
            OverlapCriterion::MinVoxels(n) => overlap >= n.max(1),
            OverlapCriterion::MinFraction(f) => overlap > 0 && overlap as f64 >= f * size as f64,
        }
    }
}

/// Options of [`LesionCounts::compute`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct LesionConfig {
    /// Connectivity of the components (default [`Connectivity::Full`]: 26 in 3-D, 8 in 2-D).
    pub connectivity: Connectivity,
    /// Matching criterion (default: any overlapping voxel).
    pub criterion: OverlapCriterion,
    /// Components with fewer voxels are removed from both masks before matching (default 1: keep all).
    pub min_lesion_voxels: u64,
}

impl Default for LesionConfig {
    fn default() -> Self {
        LesionConfig {
            connectivity: Connectivity::Full,
            criterion: OverlapCriterion::AnyVoxel,
            min_lesion_voxels: 1,
        }
    }
}

impl LesionConfig {
    /// Sets the connectivity.
    pub fn with_connectivity(mut self, connectivity: Connectivity) -> Self {
        self.connectivity = connectivity;
        self
    }

    /// Sets the matching criterion.
    pub fn with_criterion(mut self, criterion: OverlapCriterion) -> Self {
        self.criterion = criterion;
        self
    }

    /// Sets the minimum lesion size in voxels.
    pub fn with_min_lesion_voxels(mut self, voxels: u64) -> Self {
        self.min_lesion_voxels = voxels;
        self
    }
}

/// Lesion-wise detection counts of a prediction against a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LesionCounts {
    /// Number of reference lesions.
    pub reference_lesions: u64,
    /// Number of predicted lesions.
    pub prediction_lesions: u64,
    /// Reference lesions detected by the prediction.
    pub true_positive_reference: u64,
    /// Predicted lesions that hit the reference.
    pub true_positive_prediction: u64,
    /// Reference lesions missed.
    pub false_negative: u64,
    /// Predicted lesions that hit nothing.
    pub false_positive: u64,
}

impl LesionCounts {
    /// Labels both masks and counts detected, missed and spurious lesions (see the [module documentation](self)).
    ///
    /// # Errors
    /// Shape mismatch, masks that are not 2-D/3-D, an overlap fraction outside (0, 1].
    pub fn compute(
        prediction: ArrayViewD<'_, bool>,
        reference: ArrayViewD<'_, bool>,
        config: &LesionConfig,
    ) -> Result<LesionCounts, LesionError> {
        if prediction.shape() != reference.shape() {
            return Err(LesionError::ShapeMismatch {
                prediction: prediction.shape().to_vec(),
                reference: reference.shape().to_vec(),
            });
        }
        if let OverlapCriterion::MinFraction(f) = config.criterion {
            if !(f > 0.0 && f <= 1.0) {
                return Err(LesionError::InvalidFraction { value: f });
            }
        }
        let (p, two_d) = to_3d(&prediction)?;
        let (r, _) = to_3d(&reference)?;
        let lp = Components::label(&p, config.connectivity, two_d, config.min_lesion_voxels)?;
        let lr = Components::label(&r, config.connectivity, two_d, config.min_lesion_voxels)?;
        // Overlap of each component with the other (size-filtered) mask.
        let mut overlap_p = vec![0u64; lp.sizes.len()];
        let mut overlap_r = vec![0u64; lr.sizes.len()];
        for (&a, &b) in lp.labels.iter().zip(&lr.labels) {
            if a != 0 && b != 0 {
                overlap_p[a as usize - 1] += 1;
                overlap_r[b as usize - 1] += 1;
            }
        }
        let hits = |overlaps: &[u64], sizes: &[u64]| -> u64 {
            overlaps.iter().zip(sizes).filter(|(&o, &s)| config.criterion.met(o, s)).count() as u64
        };
        let tp_r = hits(&overlap_r, &lr.sizes);
        let tp_p = hits(&overlap_p, &lp.sizes);
        Ok(LesionCounts {
            reference_lesions: lr.sizes.len() as u64,
            prediction_lesions: lp.sizes.len() as u64,
            true_positive_reference: tp_r,
            true_positive_prediction: tp_p,
            false_negative: lr.sizes.len() as u64 - tp_r,
            false_positive: lp.sizes.len() as u64 - tp_p,
        })
    }

    /// Lesion-wise recall (lesion true positive rate, LTPR): detected / reference lesions. NaN without reference
    /// lesions.
    pub fn recall(&self) -> f64 {
        self.true_positive_reference as f64 / self.reference_lesions as f64
    }

    /// Lesion-wise precision: hitting / predicted lesions (1 − LFDR). NaN without predicted lesions.
    pub fn precision(&self) -> f64 {
        self.true_positive_prediction as f64 / self.prediction_lesions as f64
    }

    /// Lesion-wise F1: harmonic mean of [`precision`](Self::precision) and [`recall`](Self::recall).
    /// 1.0 when neither mask has a lesion (like pymia's Dice for two empty masks), 0.0 when only one has.
    pub fn f1(&self) -> f64 {
        match (self.reference_lesions, self.prediction_lesions) {
            (0, 0) => 1.0,
            (0, _) | (_, 0) => 0.0,
            _ => {
                let (p, r) = (self.precision(), self.recall());
                if p + r == 0.0 {
                    0.0
                } else {
                    2.0 * p * r / (p + r)
                }
            }
        }
    }
}

fn to_3d<'a>(view: &ArrayViewD<'a, bool>) -> Result<(ArrayView3<'a, bool>, bool), LesionError> {
    match view.ndim() {
        2 => {
            Ok((view.clone().into_dimensionality::<Ix2>().expect("2-D").insert_axis(ndarray::Axis(0)), true))
        }
        3 => Ok((view.clone().into_dimensionality::<Ix3>().expect("3-D"), false)),
        ndim => Err(LesionError::UnsupportedDimensionality { ndim }),
    }
}

/// Connected components of a mask (row-major labels, 0 = background, 1..=n) and their sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    /// Component label of every voxel in row-major (C) order of the mask's shape; 0 is background.
    pub labels: Vec<u32>,
    /// Voxel count of each component (label `l` has `sizes[l − 1]`).
    pub sizes: Vec<u64>,
}

/// Labels the connected components of a 2-D or 3-D mask (labels in raster order of first appearance).
///
/// # Errors
/// Masks that are not 2-D/3-D; more than `u32::MAX − 1` components.
pub fn label_components(
    mask: ArrayViewD<'_, bool>,
    connectivity: Connectivity,
) -> Result<Components, LesionError> {
    let (m, two_d) = to_3d(&mask)?;
    Components::label(&m, connectivity, two_d, 1)
}

impl Components {
    fn label(
        mask: &ArrayView3<'_, bool>,
        connectivity: Connectivity,
        two_d: bool,
        min_voxels: u64,
    ) -> Result<Components, LesionError> {
        let (e0, e1, e2) = mask.dim();
        // Already visited neighbours: offsets that come earlier in raster order.
        let back: Vec<[isize; 3]> =
            neighbour_offsets_3d(connectivity, two_d).into_iter().filter(|o| *o < [0, 0, 0]).collect();
        let mut provisional = vec![0u32; e0 * e1 * e2];
        let mut parent: Vec<u32> = vec![0];
        let idx = |i: usize, j: usize, k: usize| (i * e1 + j) * e2 + k;
        for ((i, j, k), &v) in mask.indexed_iter() {
            if !v {
                continue;
            }
            let mut label = 0u32;
            for o in &back {
                let (Some(a), Some(b), Some(c)) =
                    (i.checked_add_signed(o[0]), j.checked_add_signed(o[1]), k.checked_add_signed(o[2]))
                else {
                    continue;
                };
                if b >= e1 || c >= e2 {
                    continue;
                }
                let n = provisional[idx(a, b, c)];
                if n == 0 {
                    continue;
                }
                if label == 0 {
                    label = find(&mut parent, n);
                } else {
                    let (x, y) = (find(&mut parent, label), find(&mut parent, n));
                    if x != y {
                        let (lo, hi) = (x.min(y), x.max(y));
                        parent[hi as usize] = lo;
                        label = lo;
                    }
                }
            }
            if label == 0 {
                if parent.len() >= u32::MAX as usize {
                    return Err(LesionError::TooManyComponents { max: u64::from(u32::MAX) - 1 });
                }
                label = parent.len() as u32;
                parent.push(label);
            }
            provisional[idx(i, j, k)] = label;
        }
        // Resolve to roots, count sizes, drop small components, renumber consecutively.
        let roots: Vec<u32> = (0..parent.len() as u32).map(|l| find(&mut parent, l)).collect();
        let mut sizes_by_root = vec![0u64; parent.len()];
        for &l in &provisional {
            if l != 0 {
                sizes_by_root[roots[l as usize] as usize] += 1;
            }
        }
        let mut final_label = vec![0u32; parent.len()];
        let mut sizes = Vec::new();
        let mut labels = provisional;
        for l in labels.iter_mut() {
            if *l == 0 {
                continue;
            }
            let root = roots[*l as usize] as usize;
            if sizes_by_root[root] < min_voxels {
                *l = 0;
                continue;
            }
            if final_label[root] == 0 {
                sizes.push(sizes_by_root[root]);
                final_label[root] = sizes.len() as u32;
            }
            *l = final_label[root];
        }
        Ok(Components { labels, sizes })
    }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let up = parent[parent[x as usize] as usize];
        parent[x as usize] = up;
        x = up;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, Array3};

    #[test]
    fn connectivity_changes_the_count() {
        // Two voxels touching at a corner; two touching at an edge.
        let mut m = Array3::from_elem((3, 3, 6), false);
        m[[0, 0, 0]] = true;
        m[[1, 1, 1]] = true;
        m[[0, 0, 4]] = true;
        m[[0, 1, 5]] = true;
        let count = |c| label_components(m.view().into_dyn(), c).unwrap().sizes.len();
        assert_eq!(count(Connectivity::Face), 4);
        assert_eq!(count(Connectivity::Edge), 3);
        assert_eq!(count(Connectivity::Full), 2);
    }

    #[test]
    fn u_shape_merges_labels() {
        let m = Array2::from_shape_fn((4, 5), |(i, j)| j == 0 || j == 4 || i == 3);
        let c = label_components(m.view().into_dyn(), Connectivity::Face).unwrap();
        assert_eq!(c.sizes, vec![11]);
        assert!(c.labels.iter().all(|&l| l <= 1));
    }

    #[test]
    fn criteria_and_min_size() {
        let mut r = Array3::from_elem((1, 4, 12), false);
        let mut p = r.clone();
        // Reference lesion of 4 voxels, prediction covers 1 of them.
        for k in 0..4 {
            r[[0, 0, k]] = true;
        }
        p[[0, 0, 0]] = true;
        // A one-voxel reference lesion far away, missed.
        r[[0, 3, 10]] = true;
        let any = LesionCounts::compute(p.view().into_dyn(), r.view().into_dyn(), &LesionConfig::default())
            .unwrap();
        assert_eq!((any.true_positive_reference, any.false_negative, any.false_positive), (1, 1, 0));
        let half = LesionConfig::default().with_criterion(OverlapCriterion::MinFraction(0.5));
        let c = LesionCounts::compute(p.view().into_dyn(), r.view().into_dyn(), &half).unwrap();
        // The reference lesion is covered 1/4 → missed; the predicted voxel is fully inside → hits.
        assert_eq!((c.true_positive_reference, c.true_positive_prediction, c.false_negative), (0, 1, 2));
        let big = LesionConfig::default().with_min_lesion_voxels(2);
        let c = LesionCounts::compute(p.view().into_dyn(), r.view().into_dyn(), &big).unwrap();
        // The one-voxel lesions vanish from both masks.
        assert_eq!((c.reference_lesions, c.prediction_lesions), (1, 0));
        assert_eq!(c.f1(), 0.0);
        let bad = LesionConfig::default().with_criterion(OverlapCriterion::MinFraction(1.5));
        assert!(matches!(
            LesionCounts::compute(p.view().into_dyn(), r.view().into_dyn(), &bad),
            Err(LesionError::InvalidFraction { .. })
        ));
    }

    #[test]
    fn empty_masks() {
        let e = Array3::from_elem((2, 2, 2), false);
        let c = LesionCounts::compute(e.view().into_dyn(), e.view().into_dyn(), &LesionConfig::default())
            .unwrap();
        assert_eq!(c.f1(), 1.0);
        let f = Array3::from_elem((2, 2, 3), false);
        assert!(matches!(
            LesionCounts::compute(e.view().into_dyn(), f.view().into_dyn(), &LesionConfig::default()),
            Err(LesionError::ShapeMismatch { .. })
        ));
    }
}
