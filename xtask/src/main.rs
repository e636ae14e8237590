//! Project automation, run as `cargo xtask <task>`.
//!
//! * `ci`: the checks CI runs, cheapest first: `cargo fmt --check`, `cargo clippy -D warnings`, the tests of the
//!   whole workspace (unit, integration, doc tests, examples compiled), and the docs (`-D warnings`).
//! * `bench [ARGS]`: mia's criterion benchmarks (`cargo bench --workspace`); arguments go to criterion.

use std::env;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(&args[1..]),
        Some("bench") => bench(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <ci [--no-clippy] | bench [criterion args]>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.parent().map(PathBuf::from).unwrap_or(dir)
}

fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    eprintln!("$ cargo {}", args.join(" "));
    let mut cmd = Command::new(cargo);
    cmd.args(args).current_dir(root());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let status = cmd.status().map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn ci(args: &[String]) -> Result<(), String> {
    let clippy = !args.iter().any(|a| a == "--no-clippy");
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    if clippy {
        cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[])?;
    }
    cargo(&["test", "--workspace", "--all-targets"], &[])?;
    cargo(&["test", "--workspace", "--doc"], &[])?;
    cargo(&["doc", "--workspace", "--no-deps"], &[("RUSTDOCFLAGS", "-D warnings")])?;
    Ok(())
}

fn bench(args: &[String]) -> Result<(), String> {
    let mut a = vec!["bench", "--workspace"];
    if !args.is_empty() {
        a.push("--");
        a.extend(args.iter().map(String::as_str));
    }
    cargo(&a, &[])
}
