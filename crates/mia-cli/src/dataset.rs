//! `mia dataset`: create and info.

use std::process::ExitCode;

/// Arguments of `mia dataset`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("this subcommand is not implemented yet")
}
