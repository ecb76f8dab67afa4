//! rcli: fetch, list and prune remote snapshots.

mod cli;
mod commands;
mod config;
mod error;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::error::RcliError;

fn main() -> ExitCode {
    let cli = Cli::parse();

    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level)).init();

    let result = config::load(cli.config.as_deref())
        .and_then(|cfg| commands::run(&cli.command, &cfg, cli.format));

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit_code_for(&err))
        }
    }
}

/// Maps an error to the process exit status documented in docs/usage.md.
fn exit_code_for(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<RcliError>() {
        Some(RcliError::Config(_)) => 2,
        Some(RcliError::ChecksumMismatch { .. }) => 3,
        Some(RcliError::Network(_)) => 4,
        _ => 1,
    }
}
