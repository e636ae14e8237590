//! Floating-point sums that reproduce numpy's results bit for bit.
//!
//! `np.sum` on a contiguous float64 array sums blocks of 8192 elements with pairwise summation (8-way unrolled below
//! 128 elements) and adds the block sums sequentially; `np.cumsum` is a plain running sum. pymia's percentiles compare
//! `cumsum / sum` against `p / 100`, so matching both exactly keeps ties at the same index.

/// numpy's buffer size: reductions see the data in blocks of this many elements.
const NUMPY_BUFSIZE: usize = 8192;

/// `np.sum(values)` for a contiguous float64 array.
pub(crate) fn numpy_sum(values: &[f64]) -> f64 {
    values.chunks(NUMPY_BUFSIZE).fold(0.0, |acc, block| acc + pairwise_sum(block))
}

/// numpy's `pairwise_sum` (numpy/core/src/umath/loops_utils.h.src).
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0, |acc, &x| acc + x)
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let full = n - n % 8;
        for chunk in a[8..full].chunks_exact(8) {
            for (acc, &x) in r.iter_mut().zip(chunk) {
                *acc += x;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[full..] {
            res += x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// Neumaier (compensated) summation, for sums that a reference computes (nearly) exactly.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    /// Adds one value.
    pub(crate) fn add(&mut self, value: f64) {
        let t = self.sum + value;
        if self.sum.abs() >= value.abs() {
            self.compensation += (self.sum - t) + value;
        } else {
            self.compensation += (value - t) + self.sum;
        }
        self.sum = t;
    }

    /// Merges a partial sum (e.g. of another thread).
    pub(crate) fn merge(mut self, other: CompensatedSum) -> CompensatedSum {
        self.add(other.sum);
        self.add(other.compensation);
        self
    }

    /// The compensated total.
    pub(crate) fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sums_are_sequential() {
        assert_eq!(numpy_sum(&[]), 0.0);
        assert_eq!(numpy_sum(&[1.0, 2.0, 3.5]), 6.5);
    }

    #[test]
    fn pairwise_matches_known_numpy_value() {
        // np.sum(np.arange(300) * 0.7) == 31395.0 (numpy 1.23); a sequential sum gives 31394.999999999996.
        let values: Vec<f64> = (0..300).map(|i| f64::from(i) * 0.7).collect();
        assert_eq!(numpy_sum(&values), 31395.0);
        assert_eq!(values.iter().sum::<f64>(), 31394.999999999996);
    }

    #[test]
    fn compensated_sum_is_accurate() {
        let mut s = CompensatedSum::default();
        for _ in 0..10 {
            s.add(0.1);
        }
        assert_eq!(s.value(), 1.0);
        let merged = s.merge(CompensatedSum { sum: 1e16, compensation: 0.0 });
        assert_eq!(merged.value(), 1e16 + 1.0);
    }
}
