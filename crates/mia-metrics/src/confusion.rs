//! The confusion matrix of two binary masks, counted in one pass.

use ndarray::ArrayViewD;

/// Voxel counts of a binary prediction against a binary reference (pymia's `ConfusionMatrix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct ConfusionMatrix {
    /// Prediction and reference foreground.
    pub tp: u64,
    /// Prediction foreground, reference background.
    pub fp: u64,
    /// Prediction and reference background.
    pub tn: u64,
    /// Prediction background, reference foreground.
    pub fn_: u64,
}

impl ConfusionMatrix {
    /// Count the matrix in one pass over both masks (which must have the same shape; checked by the
    /// [`EvaluationContext`](crate::EvaluationContext) constructors, here the shorter length wins).
    pub fn from_masks(prediction: ArrayViewD<'_, bool>, reference: ArrayViewD<'_, bool>) -> Self {
        let (tp, pred, refc, n) =
            match (prediction.as_slice_memory_order(), reference.as_slice_memory_order()) {
                (Some(p), Some(r)) if prediction.strides() == reference.strides() => {
                    let (tp, pred, refc) = count_slices(p, r);
                    (tp, pred, refc, p.len().min(r.len()) as u64)
                }
                _ => {
                    let (mut tp, mut pred, mut refc) = (0u64, 0u64, 0u64);
                    ndarray::Zip::from(&prediction).and(&reference).for_each(|&p, &r| {
                        tp += u64::from(p & r);
                        pred += u64::from(p);
                        refc += u64::from(r);
                    });
                    (tp, pred, refc, prediction.len() as u64)
                }
            };
        Self { tp, fp: pred - tp, fn_: refc - tp, tn: n + tp - pred - refc }
    }

    /// Total number of voxels.
    pub fn n(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// Number of prediction foreground voxels.
    pub fn prediction_count(&self) -> u64 {
        self.tp + self.fp
    }

    /// Number of reference foreground voxels.
    pub fn reference_count(&self) -> u64 {
        self.tp + self.fn_
    }
}

/// `(Σ p∧r, Σ p, Σ r)` over equally long slices, in blocks small enough for u32 lanes (vectorises).
fn count_slices(p: &[bool], r: &[bool]) -> (u64, u64, u64) {
    const BLOCK: usize = 1 << 16;
    let (mut tp, mut pc, mut rc) = (0u64, 0u64, 0u64);
    for (pb, rb) in p.chunks(BLOCK).zip(r.chunks(BLOCK)) {
        let (mut a, mut b, mut c) = (0u32, 0u32, 0u32);
        for (&x, &y) in pb.iter().zip(rb) {
            a += u32::from(x & y);
            b += u32::from(x);
            c += u32::from(y);
        }
        tp += u64::from(a);
        pc += u64::from(b);
        rc += u64::from(c);
    }
    (tp, pc, rc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    #[test]
    fn counts_contiguous_and_strided_alike() {
        let p = ArrayD::from_shape_fn(IxDyn(&[5, 6, 7]), |i| (i[0] + i[1] * i[2]) % 3 == 0);
        let r = ArrayD::from_shape_fn(IxDyn(&[5, 6, 7]), |i| (i[0] * i[2] + i[1]) % 2 == 0);
        let a = ConfusionMatrix::from_masks(p.view(), r.view());
        let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
        for (&x, &y) in p.iter().zip(r.iter()) {
            match (x, y) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, false) => tn += 1,
                (false, true) => fn_ += 1,
            }
        }
        assert_eq!(a, ConfusionMatrix { tp, fp, tn, fn_ });
        let pt = p.clone().reversed_axes();
        let rt = r.as_standard_layout().reversed_axes().as_standard_layout().into_owned();
        assert_eq!(ConfusionMatrix::from_masks(pt.view(), rt.view()), a);
        assert_eq!(a.n(), 210);
    }
}
