//! `mia-bench`: times mia on the same files and work as `../shared/bench` times pymia 0.3.4, SimpleITK and
//! mikan-rs. Driven by `cargo xtask bench --vs-pymia`, which runs the peers first and then divides.
//!
//! Output: a JSON file with `rows`, each naming the reference field (file + JSON path) it compares with.

mod data;
mod eval;
mod io;
mod timing;

use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;

pub(crate) struct Options {
    bench_work: PathBuf,
    cases: PathBuf,
    out: PathBuf,
    steps: Vec<String>,
    quick: bool,
}

fn parse() -> anyhow::Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        bench_work: PathBuf::new(),
        cases: PathBuf::new(),
        out: PathBuf::from("mia-bench.json"),
        steps: ["io", "eval", "mikan", "data", "cohort"].map(String::from).to_vec(),
        quick: false,
    };
    while let Some(a) = args.next() {
        let mut value = || args.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--bench-work" => o.bench_work = value()?.into(),
            "--cases" => o.cases = value()?.into(),
            "--out" => o.out = value()?.into(),
            "--steps" => o.steps = value()?.split(',').map(str::to_string).collect(),
            "--quick" => o.quick = true,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(o)
}

fn main() -> anyhow::Result<()> {
    let o = parse()?;
    let mut rows = timing::Rows::default();
    let started = std::time::Instant::now();
    let load_start = load_average();
    let mut failed = Vec::new();
    let mut cases = None;
    for step in &o.steps {
        eprintln!("mia-bench: {step}{}", if o.quick { " (quick)" } else { "" });
        let result = match step.as_str() {
            "io" => io::run(&o, &mut rows),
            "eval" | "mikan" => {
                if cases.is_none() {
                    cases = Some(eval::load_cases(&o)?);
                }
                let cases = cases.as_deref().unwrap_or_default();
                if step == "eval" {
                    eval::run_pymia(&o, cases, &mut rows)
                } else {
                    eval::run_mikan(&o, cases, &mut rows)
                }
            }
            "data" => data::run(&o, &mut rows),
            "cohort" => eval::run_cohort(&o, &mut rows),
            other => Err(anyhow::anyhow!("unknown step {other}")),
        };
        if let Err(e) = result {
            eprintln!("mia-bench: step {step} failed: {e:#}");
            failed.push(json!({"step": step, "error": format!("{e:#}")}));
        }
    }
    let text = serde_json::to_string_pretty(&json!({
        "mode": if o.quick { "quick" } else { "full" },
        "steps": o.steps,
        "failed": failed,
        "machine": {
            "available_parallelism": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "loadavg_at_start": load_start,
            "loadavg_at_end": load_average(),
        },
        "total_seconds": started.elapsed().as_secs_f64(),
        "rows": rows.rows,
    }))?;
    std::fs::write(&o.out, text).with_context(|| format!("writing {}", o.out.display()))?;
    if !failed.is_empty() {
        anyhow::bail!("{} step(s) failed (see above)", failed.len());
    }
    Ok(())
}

/// The 1-, 5- and 15-minute load averages (Linux), to judge how noisy a run was.
fn load_average() -> Option<Vec<f64>> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(text.split_whitespace().take(3).filter_map(|v| v.parse().ok()).collect())
}
