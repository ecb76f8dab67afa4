//! `tilecache` command-line tool: inspect, warm and prune a cache directory.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use log::error;

use tilecache::{Config, TileCache, TileKey};

/// Default config file looked up in the working directory.
const DEFAULT_CONFIG: &str = "tilecache.toml";

#[derive(Parser)]
#[command(name = "tilecache", version, about = "Inspect and manage a tile cache")]
struct Cli {
    /// Path to the TOML config file.
    #[arg(short, long, default_value = DEFAULT_CONFIG)]
    config: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print one tile to stdout (raw bytes).
    Get { layer: String, z: u8, x: u32, y: u32 },
    /// Store a file as a tile.
    Put {
        layer: String,
        z: u8,
        x: u32,
        y: u32,
        file: PathBuf,
    },
    /// Remove a tile from both tiers.
    Invalidate { layer: String, z: u8, x: u32, y: u32 },
    /// Print the effective configuration.
    Config,
}

fn run(cli: Cli) -> tilecache::Result<()> {
    let config = if cli.config.exists() {
        Config::from_file(&cli.config)?
    } else {
        Config::default()
    };
    if let Command::Config = cli.command {
        println!("{config:#?}");
        return Ok(());
    }
    let cache = TileCache::open(config)?;
    match cli.command {
        Command::Get { layer, z, x, y } => match cache.get(&TileKey::new(layer, z, x, y))? {
            Some(b) => {
                use std::io::Write;
                std::io::stdout().write_all(&b)?;
            }
            None => eprintln!("miss"),
        },
        Command::Put { layer, z, x, y, file } => {
            let data = fs::read(&file).map_err(|e| tilecache::Error::io(&file, e))?;
            cache.put(TileKey::new(layer, z, x, y), &data)?;
        }
        Command::Invalidate { layer, z, x, y } => {
            let removed = cache.invalidate(&TileKey::new(layer, z, x, y))?;
            println!("{}", if removed { "removed" } else { "not cached" });
        }
        Command::Config => unreachable!(),
    }
    // TODO: add a `stats` subcommand once stats are persisted between runs
    Ok(())
}

fn main() -> ExitCode {
    env_logger::init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            ExitCode::FAILURE
        }
    }
}
