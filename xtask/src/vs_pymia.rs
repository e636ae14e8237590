//! `cargo xtask bench --vs-pymia`: mia against pymia 0.3.4, SimpleITK and mikan-rs on the same files.
//!
//! 1. `../shared/bench/run.sh <step> [--quick]` times the peers (it creates its virtualenv in
//!    `~/.cache/mia-bench` once) and writes their JSON to `$BENCH_OUT` (`--keep` leaves the data benchmark's
//!    files in `$BENCH_WORK/data_bench` so mia reads the very same files).
//! 2. `mia-bench` (release build) times the same work with mia on those files and writes rows that name the
//!    reference field they compare with.
//! 3. Each row's ratio = mia median / peer median (below 1: mia is faster); the table is printed and written to
//!    `target/mia-bench/ratios.json`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::{cargo, root};

/// `cohort` is timed by `scripts/bench/pymia_cohort.py` (this repository) in the same virtualenv; the others by
/// `../shared/bench/run.sh <step>`, `io` followed by `scripts/bench/sitk_nii_gz_isolated.py` (SimpleITK on each
/// `.nii.gz` alone: next to its `.nii`, SimpleITK reads that instead).
const STEPS: [&str; 5] = ["io", "eval", "mikan", "data", "cohort"];

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    // --mia-only: reuse the peers' JSON of an earlier run (same machine) instead of timing them again.
    let mia_only = args.iter().any(|a| a == "--mia-only");
    let steps: Vec<String> = match args.iter().position(|a| a == "--steps") {
        Some(i) => args
            .get(i + 1)
            .ok_or("--steps needs a list, e.g. io,eval")?
            .split(',')
            .map(str::to_string)
            .collect(),
        None => STEPS.iter().map(|s| s.to_string()).collect(),
    };
    if let Some(bad) = steps.iter().find(|s| !STEPS.contains(&s.as_str())) {
        return Err(format!("unknown step '{bad}' (known: {})", STEPS.join(", ")));
    }
    let shared = shared_dir()?;
    let cache = env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .ok_or("neither XDG_CACHE_HOME nor HOME is set")?
        .join("mia-bench");
    let bench_out = env::var_os("BENCH_OUT").map(PathBuf::from).unwrap_or_else(|| cache.join("results"));
    let bench_work = env::var_os("BENCH_WORK").map(PathBuf::from).unwrap_or_else(|| cache.join("work"));
    let ref_dir = if quick { bench_out.join("quick") } else { bench_out.clone() };

    // Our own peer scripts run in the harness's virtualenv, with its environment.
    let venv_script = |script: &str| {
        let venv = env::var_os("BENCH_VENV").map(PathBuf::from).unwrap_or_else(|| cache.join("venv"));
        let mut c = Command::new(venv.join("bin/python"));
        c.arg(root().join("scripts/bench").join(script))
            .env("MIA_SHARED", &shared)
            .env("BENCH_OUT", &bench_out)
            .env("PYTHONDONTWRITEBYTECODE", "1");
        c
    };

    // 1. The peers.
    for step in steps.iter().filter(|_| !mia_only) {
        let mut cmd = if step == "cohort" {
            // The venv is the harness's: make sure it exists (cheap when it does), then run our script in it.
            let setup = Command::new("bash")
                .arg(shared.join("bench/run.sh"))
                .arg("setup")
                .status()
                .map_err(|e| format!("could not run bash: {e}"))?;
            if !setup.success() {
                eprintln!("warning: the benchmark virtualenv could not be set up ({setup})");
            }
            venv_script("pymia_cohort.py")
        } else {
            let mut c = Command::new("bash");
            c.arg(shared.join("bench/run.sh")).arg(step);
            if step == "data" {
                c.arg("--keep");
            }
            c
        };
        if quick {
            cmd.arg("--quick");
        }
        eprintln!("$ {cmd:?}");
        let status = cmd.status().map_err(|e| format!("could not run bash: {e}"))?;
        if !status.success() {
            eprintln!("warning: peer step '{step}' failed ({status}); its rows will show no ratio");
        }
        if step == "io" {
            // io_bench.py leaves each `.nii` next to its `.nii.gz`, and SimpleITK's NIfTI reader then reads the
            // uncompressed sibling when asked for the `.nii.gz`: the `.nii.gz` files are timed again, alone.
            let mut c = venv_script("sitk_nii_gz_isolated.py");
            if quick {
                c.arg("--quick");
            }
            eprintln!("$ {c:?}");
            match c.status() {
                Ok(s) if s.success() => {}
                other => eprintln!("warning: timing SimpleITK on lone .nii.gz files failed ({other:?})"),
            }
        }
    }

    // 2. mia on the same files.
    let out_dir = root().join("target/mia-bench");
    fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let mia_json = out_dir.join("mia.json");
    let mut a = vec![
        "run".to_string(),
        "--release".into(),
        "--quiet".into(),
        "-p".into(),
        "mia-bench".into(),
        "--".into(),
        "--bench-work".into(),
        bench_work.display().to_string(),
        "--cases".into(),
        shared.join("parity/cases").display().to_string(),
        "--out".into(),
        mia_json.display().to_string(),
        "--steps".into(),
        steps.join(","),
    ];
    if quick {
        a.push("--quick".into());
    }
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    cargo(&a, &[])?;

    // 3. Ratios.
    let mia: Value = read_json(&mia_json)?;
    let rows = mia["rows"].as_array().ok_or("mia.json has no rows")?;
    let mut table = Vec::new();
    let mut peers = serde_json::Map::new();
    for row in rows {
        let name = row["name"].as_str().unwrap_or("?");
        let mia_s = row["mia_s"].as_f64();
        let file = row["reference"]["file"].as_str().unwrap_or("");
        let path: Vec<&str> = row["reference"]["path"]
            .as_array()
            .map(|p| p.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let reference = read_json(&ref_dir.join(file)).ok();
        if let Some(r) = &reference {
            peers.entry(file.to_string()).or_insert_with(
                || json!({"machine": r["machine"], "versions": r["versions"], "mode": r["mode"]}),
            );
        }
        let peer_s = reference.as_ref().and_then(|v| lookup(v, &path));
        let ratio = match (mia_s, peer_s) {
            (Some(m), Some(p)) if p > 0.0 => Some(m / p),
            _ => None,
        };
        table.push(json!({
            "name": name,
            "peer": row["peer"],
            "threads": row["threads"],
            "mia_median_s": mia_s,
            "peer_median_s": peer_s,
            "ratio_mia_over_peer": ratio,
            "speedup": ratio.map(|r| 1.0 / r),
            "reference": row["reference"],
        }));
    }
    print_table(&table);
    let out = json!({
        "mode": if quick { "quick" } else { "full" },
        "peers_timed_in_this_run": !mia_only,
        "reference_dir": ref_dir,
        "peer_runs": peers,
        "mia": {"machine": mia["machine"], "total_seconds": mia["total_seconds"], "failed": mia["failed"]},
        "rows": table,
    });
    let path = out_dir.join("ratios.json");
    fs::write(&path, serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn shared_dir() -> Result<PathBuf, String> {
    let dir = env::var_os("MIA_SHARED").map(PathBuf::from).unwrap_or_else(|| root().join("../shared"));
    if dir.join("bench/run.sh").is_file() {
        Ok(dir)
    } else {
        Err(format!("{} has no bench/run.sh: set MIA_SHARED to the shared/ folder", dir.display()))
    }
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn lookup(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(*k))?.as_f64()
}

fn print_table(rows: &[Value]) {
    println!(
        "\n{:<58} {:>8} {:>7} {:>12} {:>12} {:>10} {:>9}",
        "work", "peer", "threads", "mia [s]", "peer [s]", "mia/peer", "speed-up"
    );
    for r in rows {
        let f = |v: &Value| v.as_f64().map(|x| format!("{x:.6}")).unwrap_or_else(|| "-".into());
        let g = |v: &Value, p: usize| v.as_f64().map(|x| format!("{x:.p$}")).unwrap_or_else(|| "-".into());
        println!(
            "{:<58} {:>8} {:>7} {:>12} {:>12} {:>10} {:>8}x",
            r["name"].as_str().unwrap_or("?"),
            r["peer"].as_str().unwrap_or("?"),
            r["threads"].as_u64().map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
            f(&r["mia_median_s"]),
            f(&r["peer_median_s"]),
            g(&r["ratio_mia_over_peer"], 4),
            g(&r["speedup"], 1),
        );
    }
}
