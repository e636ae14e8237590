//! `cargo xtask fuzz [--seconds N] [TARGET...]`: runs the cargo-fuzz targets of `fuzz/` (nightly toolchain and
//! `cargo install cargo-fuzz` needed; neither is part of CI), each for N seconds (default 60), seeded with the
//! test images of this repository and, when present, `../shared/data`. New corpus entries go to
//! `fuzz/corpus/<target>` (ignored by git); a crash leaves its input in `fuzz/artifacts/<target>` and fails the task.

use std::path::PathBuf;
use std::process::Command;

use crate::root;

const TARGETS: [&str; 3] = ["metaimage_header", "image_file", "records"];

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut seconds = 60u64;
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seconds needs a whole number of seconds")?;
            }
            t if TARGETS.contains(&t) => targets.push(t.to_string()),
            other => {
                return Err(format!(
                    "unknown fuzz target or option '{other}' (targets: {})",
                    TARGETS.join(", ")
                ))
            }
        }
    }
    if targets.is_empty() {
        targets = TARGETS.iter().map(|t| t.to_string()).collect();
    }
    let fuzz_dir = root().join("fuzz");
    let probe = Command::new("cargo").args(["+nightly", "fuzz", "--version"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return Err("cargo-fuzz on a nightly toolchain is needed: rustup toolchain install nightly && \
                    cargo install cargo-fuzz"
            .into());
    }
    let seeds: Vec<PathBuf> =
        [root().join("tests/data"), root().join("crates/mia-io/tests/data"), root().join("../shared/data")]
            .into_iter()
            .filter(|p| p.is_dir())
            .collect();
    for target in &targets {
        let corpus = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let mut cmd = Command::new("cargo");
        cmd.current_dir(&fuzz_dir).args(["+nightly", "fuzz", "run", target.as_str()]).arg(&corpus);
        if target == "image_file" || target == "metaimage_header" {
            cmd.args(&seeds);
        }
        cmd.arg("--").arg(format!("-max_total_time={seconds}")).arg("-rss_limit_mb=4096");
        eprintln!("$ {cmd:?}");
        let status = cmd.status().map_err(|e| format!("could not run cargo fuzz: {e}"))?;
        if !status.success() {
            return Err(format!("fuzz target {target} failed ({status}); see fuzz/artifacts/{target}"));
        }
    }
    Ok(())
}
