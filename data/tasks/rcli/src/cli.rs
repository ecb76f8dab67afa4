use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::output::Format;

/// Fetch, list and prune remote snapshots.
#[derive(Debug, Parser)]
#[command(name = "rcli", version, about, propagate_version = true)]
pub struct Cli {
    /// Path to the config file
    #[arg(short, long, env = "RCLI_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// More logging; repeat for more (-vv)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    pub format: Format,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a default config file
    Init {
        /// Overwrite an existing config
        #[arg(long)]
        force: bool,
    },
    /// List cached snapshots
    List {
        /// Only snapshots newer than this many days
        #[arg(long)]
        since: Option<u32>,
    },
    /// Download one or more snapshots
    Fetch {
        /// Snapshot names
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Remove snapshots older than retention_days
    Clean {
        /// Show what would be deleted without deleting
        #[arg(long)]
        dry_run: bool,
    },
}
