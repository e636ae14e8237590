//! The demo's baseline "network": a per-voxel Bayes classifier on the joint (T1, T2) intensity histogram.
//!
//! Fitted on the training subjects' voxels, it assigns each voxel the label that maximises
//! `log p(label) + log p(t1, t2 | label)`, where the class-conditional densities are 2-D histograms over
//! z-scored intensities (Laplace-smoothed). It is deliberately simple — no spatial context — so its errors are
//! realistic: structures with grey-matter-like intensities (hippocampus, amygdala) are often confused.

use ndarray::{Array2, ArrayView2, ArrayView3};

/// Histogram range in z-score units and number of bins per axis.
const LOW: f32 = -3.0;
const HIGH: f32 = 4.0;
const BINS: usize = 48;

/// A fitted per-voxel classifier over two intensity channels.
#[derive(Debug, Clone)]
pub(crate) struct HistogramClassifier {
    classes: usize,
    /// `log p(label) + log p(bin | label)`, shape (BINS * BINS, classes).
    log_posterior: Array2<f32>,
}

fn bin(v: f32) -> usize {
    let t = ((v - LOW) / (HIGH - LOW) * BINS as f32).floor();
    if t.is_nan() || t < 0.0 {
        0
    } else {
        (t as usize).min(BINS - 1)
    }
}

/// Accumulates voxel counts per (bin, label) before fitting.
#[derive(Debug, Clone)]
pub(crate) struct HistogramTrainer {
    counts: Array2<u64>,
}

impl HistogramTrainer {
    pub(crate) fn new(classes: usize) -> Self {
        HistogramTrainer { counts: Array2::zeros((BINS * BINS, classes)) }
    }

    /// Adds one slice (or volume, flattened): `images` has the channels last (`..., 2`), `labels` the same
    /// leading shape. Labels outside `0..classes` are ignored.
    pub(crate) fn add(&mut self, t1: &[f32], t2: &[f32], labels: &[u8]) {
        let classes = self.counts.ncols();
        for ((&a, &b), &l) in t1.iter().zip(t2).zip(labels) {
            if (l as usize) < classes {
                self.counts[[bin(a) * BINS + bin(b), l as usize]] += 1;
            }
        }
    }

    pub(crate) fn fit(&self) -> HistogramClassifier {
        let classes = self.counts.ncols();
        let totals: Vec<f64> = (0..classes).map(|c| self.counts.column(c).sum() as f64).collect();
        let all: f64 = totals.iter().sum::<f64>().max(1.0);
        let cells = (BINS * BINS) as f64;
        let mut log_posterior = Array2::<f32>::zeros((BINS * BINS, classes));
        for c in 0..classes {
            let prior = ((totals[c] + 1.0) / (all + classes as f64)).ln();
            for b in 0..BINS * BINS {
                // Laplace smoothing with a small pseudo-count so unseen bins are possible but unlikely.
                let likelihood = ((self.counts[[b, c]] as f64 + 0.1) / (totals[c] + 0.1 * cells)).ln();
                log_posterior[[b, c]] = (prior + likelihood) as f32;
            }
        }
        HistogramClassifier { classes, log_posterior }
    }
}

impl HistogramClassifier {
    /// Predicts a label per voxel of a slice given as (y, x, channel=2) z-scored intensities.
    pub(crate) fn predict_slice(&self, slice: ArrayView3<'_, f32>) -> Array2<u8> {
        let (h, w, _) = slice.dim();
        Array2::from_shape_fn((h, w), |(y, x)| self.predict(slice[[y, x, 0]], slice[[y, x, 1]]))
    }

    /// Predicts a label per voxel of a 2-D channel pair.
    #[allow(dead_code)]
    pub(crate) fn predict_pair(&self, t1: ArrayView2<'_, f32>, t2: ArrayView2<'_, f32>) -> Array2<u8> {
        Array2::from_shape_fn(t1.dim(), |i| self.predict(t1[i], t2[i]))
    }

    fn predict(&self, t1: f32, t2: f32) -> u8 {
        let row = self.log_posterior.row(bin(t1) * BINS + bin(t2));
        let mut best = 0;
        for c in 1..self.classes {
            if row[c] > row[best] {
                best = c;
            }
        }
        best as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn separable_classes_are_learned() {
        let mut t = HistogramTrainer::new(3);
        let t1 = [-1.0, -1.1, 0.5, 0.6, 2.0, 2.1];
        let t2 = [1.0, 1.1, 0.0, 0.1, -1.0, -1.1];
        t.add(&t1, &t2, &[0, 0, 1, 1, 2, 2]);
        let c = t.fit();
        let slice = Array3::from_shape_vec((1, 3, 2), vec![-1.05, 1.05, 0.55, 0.05, 2.05, -1.05]).unwrap();
        assert_eq!(c.predict_slice(slice.view()).into_raw_vec_and_offset().0, vec![0, 1, 2]);
    }
}
