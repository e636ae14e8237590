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

/// `(Σ p∧r, Σ p, Σ r)` over equally long slices of 0/1 bytes, eight voxels per `u64` word: the words are summed
/// bytewise (each byte lane counts at most 255 words before it is folded into the totals), which vectorises to a
/// few instructions per 32 voxels.
fn count_slices(p: &[bool], r: &[bool]) -> (u64, u64, u64) {
    const WORDS: usize = 255;
    let n = p.len().min(r.len());
    let (p, r) = (crate::surface::bool_bytes(&p[..n]), crate::surface::bool_bytes(&r[..n]));
    let word = |b: &[u8]| u64::from_ne_bytes(b.try_into().expect("8 bytes"));
    // The sum of the eight byte lanes of a word.
    let fold = |w: u64| -> u64 {
        let pairs = (w & 0x00ff_00ff_00ff_00ff) + ((w >> 8) & 0x00ff_00ff_00ff_00ff);
        pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48
    };
    let (mut tp, mut pc, mut rc) = (0u64, 0u64, 0u64);
    let (pb, rb) = (p.chunks_exact(8 * WORDS), r.chunks_exact(8 * WORDS));
    let (p_tail, r_tail) = (pb.remainder(), rb.remainder());
    for (pb, rb) in pb.zip(rb) {
        let (mut a, mut b, mut c) = (0u64, 0u64, 0u64);
        for (x, y) in pb.chunks_exact(8).zip(rb.chunks_exact(8)) {
            let (x, y) = (word(x), word(y));
            a += x & y;
            b += x;
            c += y;
        }
        tp += fold(a);
        pc += fold(b);
        rc += fold(c);
    }
    for (&x, &y) in p_tail.iter().zip(r_tail) {
        tp += u64::from(x & y);
        pc += u64::from(x);
        rc += u64::from(y);
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

    #[test]
    fn word_counts_match_a_plain_count() {
        // Several full blocks of 255 words plus a tail; all-true masks fill every byte lane to its limit.
        let mut state = 17u64;
        for n in [8 * 255 * 3 + 5, 8 * 255, 7, 100_003] {
            let mut bit = || {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                state >> 40 & 1 == 1
            };
            let p: Vec<bool> = (0..n).map(|_| bit()).collect();
            let r: Vec<bool> = (0..n).map(|_| bit()).collect();
            let plain = |p: &[bool], r: &[bool]| {
                let tp = p.iter().zip(r).filter(|(a, b)| **a && **b).count() as u64;
                (tp, p.iter().filter(|v| **v).count() as u64, r.iter().filter(|v| **v).count() as u64)
            };
            assert_eq!(count_slices(&p, &r), plain(&p, &r), "n={n}");
            let ones = vec![true; n];
            assert_eq!(count_slices(&ones, &ones), (n as u64, n as u64, n as u64));
            assert_eq!(count_slices(&ones, &r), plain(&ones, &r));
        }
    }
}
