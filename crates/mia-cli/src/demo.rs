//! `mia demo`: the whole pipeline on demo data.

use std::process::ExitCode;

/// Arguments of `mia demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("this subcommand is not implemented yet")
}
