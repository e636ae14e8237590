//! `mia-bench`: times mia on the same files and work as `../shared/bench` times pymia 0.3.4, SimpleITK and
//! mikan-rs. Driven by `cargo xtask bench --vs-pymia`, which runs the peers first and then divides.
//!
//! Output: a JSON file with `rows`, each naming the reference field (file + JSON path) it compares with.

mod timing;

use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;

struct Options {
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
        steps: vec!["io".into(), "eval".into(), "mikan".into(), "data".into()],
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
    let rows: Vec<serde_json::Value> = Vec::new();
    let _ = (
        &o.bench_work,
        &o.cases,
        &o.steps,
        o.quick,
        timing::row,
        timing::time_runs::<fn() -> anyhow::Result<()>>,
    );
    let text = serde_json::to_string_pretty(&json!({ "rows": rows }))?;
    std::fs::write(&o.out, text).with_context(|| format!("writing {}", o.out.display()))?;
    Ok(())
}
