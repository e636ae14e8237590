//! Timing helpers: medians of repeated runs, and the JSON rows `cargo xtask bench --vs-pymia` reads.

use std::time::Instant;

use serde_json::{json, Value};

/// Seconds of each of `repeats` calls of `f` after `warmup` untimed calls.
pub(crate) fn time_runs<F: FnMut() -> anyhow::Result<()>>(
    warmup: usize,
    repeats: usize,
    mut f: F,
) -> anyhow::Result<Vec<f64>> {
    for _ in 0..warmup {
        f()?;
    }
    let mut runs = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let t = Instant::now();
        f()?;
        runs.push(t.elapsed().as_secs_f64());
    }
    Ok(runs)
}

/// The median of a set of timings (mean of the middle two for an even count).
pub(crate) fn median(runs: &[f64]) -> f64 {
    let mut v = runs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// One comparison row: mia's median and the reference field (file + JSON path) of the peer's median.
pub(crate) fn row(name: &str, peer: &str, threads: usize, runs: &[f64], file: &str, path: &[&str]) -> Value {
    json!({
        "name": name,
        "peer": peer,
        "threads": threads,
        "mia_s": median(runs),
        "runs_s": runs,
        "reference": {"file": file, "path": path},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
