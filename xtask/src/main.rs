//! Project automation, run as `cargo xtask <task>`.
//!
//! * `ci [--no-clippy]`: the checks CI runs, cheapest first: `cargo fmt --check`, `cargo clippy -D warnings`,
//!   the tests of the whole workspace (unit, integration, examples, doc tests), and the docs (`-D warnings`).
//! * `bench [--quick] [criterion args]`: mia's criterion benchmarks (`cargo bench --workspace`).
//! * `bench --vs-pymia [--quick] [--steps io,eval,mikan,data,cohort]`: sets up (once) the Python environment of
//!   `../shared/bench` (pymia 0.3.4, SimpleITK, mikan-rs; kept in `~/.cache/mia-bench`, outside the repository),
//!   runs the peers' timings and mia's timings of the same work on the same files in the same run, and prints
//!   one table of ratios (mia time / peer time, medians), also written as JSON to
//!   `target/mia-bench/ratios.json`. `--mia-only` skips the peers and divides by their JSON from an earlier run
//!   on the same machine (for iterating; `ratios.json` records which).
//! * `fuzz [--seconds N] [TARGET...]`: the cargo-fuzz targets of `fuzz/` (nightly + cargo-fuzz, not run in CI).

mod fuzz;
mod vs_pymia;

use std::env;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(&args[1..]),
        Some("bench") if args.iter().any(|a| a == "--vs-pymia") => vs_pymia::run(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask ci [--no-clippy]\n       cargo xtask bench [--quick] [criterion args]\n       \
                 cargo xtask bench --vs-pymia [--quick] [--mia-only] [--steps io,eval,mikan,data,cohort]\n       \
                 cargo xtask fuzz [--seconds N] [metaimage_header|image_file|records...]"
            );
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

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.parent().map(PathBuf::from).unwrap_or(dir)
}

/// Runs a cargo command in the workspace root.
pub(crate) fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
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
    // Unit, integration and CLI tests, examples built; benches are type-checked by clippy above and run by
    // `cargo xtask bench` (running them here in test mode would only add minutes); doc tests run separately.
    cargo(&["test", "--workspace", "--lib", "--bins", "--tests", "--examples"], &[])?;
    cargo(&["test", "--workspace", "--doc"], &[])?;
    cargo(&["doc", "--workspace", "--no-deps", "--lib"], &[("RUSTDOCFLAGS", "-D warnings")])?;
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
