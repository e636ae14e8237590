//! Timing helpers: medians of repeated runs, thread pools, and the JSON rows `cargo xtask bench --vs-pymia`
//! reads.

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

/// The arithmetic mean (NaN for no values).
pub(crate) fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
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

/// Collects rows and echoes each one to stderr as it is measured.
#[derive(Default)]
pub(crate) struct Rows {
    pub(crate) rows: Vec<Value>,
}

impl Rows {
    pub(crate) fn push(&mut self, row: Value) {
        eprintln!(
            "  {:<60} {:>3} thr  {:>10.3} ms",
            row["name"].as_str().unwrap_or("?"),
            row["threads"].as_u64().unwrap_or(0),
            row["mia_s"].as_f64().unwrap_or(f64::NAN) * 1e3
        );
        self.rows.push(row);
    }
}

/// Whether a workload runs: every one, or those whose name contains `MIA_BENCH_FILTER` or one of its
/// `|`-separated alternatives (for iterating on a few).
pub(crate) fn wanted(name: &str) -> bool {
    std::env::var("MIA_BENCH_FILTER").map_or(true, |f| f.split('|').any(|alt| name.contains(alt)))
}

/// Runs `f` on a rayon pool of `threads` threads (everything mia parallelises inside uses that pool).
pub(crate) fn with_threads<R: Send>(
    threads: usize,
    f: impl FnOnce() -> anyhow::Result<R> + Send,
) -> anyhow::Result<R> {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build()?.install(f)
}

/// The thread counts timed: 1, and every core when there is more than one.
pub(crate) fn thread_settings() -> Vec<usize> {
    let all = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    if all > 1 {
        vec![1, all]
    } else {
        vec![1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(mean(&[1.0, 2.0, 6.0]), 3.0);
    }

    #[test]
    fn pools_have_the_asked_size() {
        let n = with_threads(1, || Ok(rayon::current_num_threads())).unwrap();
        assert_eq!(n, 1);
        assert_eq!(thread_settings()[0], 1);
    }
}
