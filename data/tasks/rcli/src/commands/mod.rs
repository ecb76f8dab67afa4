//! One module per subcommand.

pub mod clean;
pub mod fetch;
pub mod init;
pub mod list;

use anyhow::Result;

use crate::cli::Command;
use crate::config::Config;
use crate::output::Format;

/// Dispatches the parsed subcommand to its module.
pub fn run(command: &Command, cfg: &Config, format: Format) -> Result<()> {
    match command {
        Command::Init { force } => init::run(*force),
        Command::List { since } => list::run(cfg, *since, format),
        Command::Fetch { names } => fetch::run(cfg, names),
        Command::Clean { dry_run } => {
            let removed = clean::clean_old(&cfg.cache_dir, cfg.retention_days, *dry_run)?;
            let verb = if *dry_run { "would remove" } else { "removed" };
            println!("{verb} {removed} snapshot(s)");
            Ok(())
        }
    }
}
