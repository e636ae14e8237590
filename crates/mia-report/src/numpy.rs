//! Reductions computed exactly as numpy 1.23 computes them (same summation order, same interpolation), so that
//! statistics agree with pymia's `StatisticsAggregator` to the last bit.

/// numpy's pairwise summation (`pairwise_sum_DOUBLE`): sequential below 8 values, 8 accumulators up to 128 values,
/// recursive halving (at a multiple of 8) above.
pub(crate) fn pairwise_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in values {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&values[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += values[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += values[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&values[..n2]) + pairwise_sum(&values[n2..])
    }
}

/// `np.mean` (nan for an empty input, as numpy's 0/0).
pub(crate) fn mean(values: &[f64]) -> f64 {
    // numpy's add.reduce starts from the identity 0.0, which turns a sum of -0.0 into 0.0.
    (0.0 + pairwise_sum(values)) / values.len() as f64
}

/// `np.std` with `ddof=0` (population standard deviation), as pymia's default `STD`.
pub(crate) fn std(values: &[f64]) -> f64 {
    let m = mean(values);
    let squares: Vec<f64> = values
        .iter()
        .map(|&v| {
            let d = v - m;
            d * d
        })
        .collect();
    ((0.0 + pairwise_sum(&squares)) / values.len() as f64).sqrt()
}

/// `np.min`: nan if any value is nan, nan for an empty input (numpy raises; a statistic of nothing is nan here).
pub(crate) fn min(values: &[f64]) -> f64 {
    extreme(values, |a, b| b < a)
}

/// `np.max`, like [`min`].
pub(crate) fn max(values: &[f64]) -> f64 {
    extreme(values, |a, b| b > a)
}

fn extreme(values: &[f64], better: impl Fn(f64, f64) -> bool) -> f64 {
    let mut it = values.iter().copied();
    let Some(mut best) = it.next() else { return f64::NAN };
    for v in it {
        if v.is_nan() {
            return f64::NAN;
        }
        if better(best, v) {
            best = v;
        }
    }
    best
}

/// Sorted copy with nan last (numpy's sort order); `None` when a nan is present (numpy's result is nan then).
fn sorted_finite_order(values: &[f64]) -> Option<Vec<f64>> {
    if values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    // total_cmp orders -0.0 before 0.0; numpy keeps them equal, which only matters for the sign of a zero result.
    Some(v)
}

/// `np.median`: the middle value, or the mean of the two middle values; nan if any value is nan.
pub(crate) fn median(values: &[f64]) -> f64 {
    let Some(v) = sorted_finite_order(values) else { return f64::NAN };
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        mean(&v[n / 2 - 1..=n / 2])
    }
}

/// `np.percentile(values, q)` with numpy's default `linear` method (numpy 1.23 `_quantile` and `_lerp`).
pub(crate) fn percentile(values: &[f64], q: f64) -> f64 {
    let Some(v) = sorted_finite_order(values) else { return f64::NAN };
    let n = v.len();
    if n == 0 || !(0.0..=100.0).contains(&q) {
        return f64::NAN;
    }
    let quantile = q / 100.0;
    let virtual_index = (n as f64 - 1.0) * quantile;
    let (prev, next) = if virtual_index >= n as f64 - 1.0 {
        (n - 1, n - 1)
    } else if virtual_index < 0.0 {
        (0, 0)
    } else {
        let p = virtual_index.floor() as usize;
        (p, p + 1)
    };
    let gamma = virtual_index - virtual_index.floor();
    let (a, b) = (v[prev], v[next]);
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_orders_like_numpy() {
        // 1e16 + 1 + ... sequentially loses every one; numpy's 8 accumulators keep most of them.
        let mut v = vec![1e16];
        v.extend(std::iter::repeat_n(1.0, 15));
        // (np.sum(np.array([1e16] + [1.0] * 15)) - 1e16 == 14.0, and 22.0 with 23 ones)
        assert_eq!(pairwise_sum(&v) - 1e16, 14.0);
        let seq: f64 = v.iter().sum();
        assert_eq!(seq, 1e16);
        v.extend(std::iter::repeat_n(1.0, 8));
        assert_eq!(pairwise_sum(&v) - 1e16, 22.0);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
        let big: Vec<f64> = (0..1000).map(|i| i as f64 * 0.1).collect();
        assert!((pairwise_sum(&big) - 49950.0).abs() < 1e-9);
    }

    #[test]
    fn statistics_like_numpy() {
        // np.std([2540, 4169, 7123]) and np.mean, from pymia's statistics CSV
        assert_eq!(mean(&[2540.0, 4169.0, 7123.0]), 4610.666666666667);
        assert_eq!(std(&[1.0, 2.0, 3.0, 4.0]), 1.118033988749895);
        assert!(std(&[1.0, f64::INFINITY]).is_nan());
        assert_eq!(mean(&[1.0, f64::INFINITY]), f64::INFINITY);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[1.0, f64::NAN]).is_nan());
        assert!(min(&[1.0, f64::NAN, 0.0]).is_nan());
        assert_eq!(min(&[1.0, -2.0, 0.0]), -2.0);
        assert_eq!(max(&[1.0, f64::INFINITY]), f64::INFINITY);
        // np.percentile(np.arange(10.), 95) == 8.549999999999999
        let a: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(percentile(&a, 95.0), 8.549999999999999);
        assert_eq!(percentile(&a, 0.0), 0.0);
        assert_eq!(percentile(&a, 100.0), 9.0);
        assert_eq!(percentile(&[1.0, 2.0], 50.0), 1.5);
        // numpy: np.percentile([1, np.inf], 0) is nan (inf * 0 in the interpolation)
        assert!(percentile(&[1.0, f64::INFINITY], 0.0).is_nan());
    }
}
