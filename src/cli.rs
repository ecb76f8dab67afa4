//! The command line: one `Args` struct per subcommand. Arguments are turned into checked values
//! here (file types, thread counts) before any work starts.

use crate::gguf::FileType;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "fg",
    version,
    about = "Fine-tune FunctionGemma (Gemma 3 270M) to call Delia's tools, and ship it as a GGUF",
    after_help = "Exit codes: 0 success, 1 failure, 2 bad command line, 3 bad input file or data.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show a GGUF file's metadata, tensors and totals
    Inspect(InspectArgs),
    /// Convert a GGUF to f32, f16, bf16, q8_0 or q4_k_m, byte-identical to llama.cpp's quantizer
    Quantize(QuantizeArgs),
    /// Show the GPUs and CPU fg can train on, and check one with a small computation
    Devices(DevicesArgs),
}

#[derive(clap::Args, Debug)]
pub struct DevicesArgs {
    /// The device to check: auto, cuda or cpu
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// The GGUF file
    pub file: PathBuf,
    /// Print one JSON object instead of tables
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct QuantizeArgs {
    /// Target type: f32, f16, bf16, q8_0 or q4_k_m
    #[arg(value_parser = parse_file_type)]
    pub ty: FileType,
    /// Input GGUF (any type fg reads)
    pub input: PathBuf,
    /// Output GGUF (written to a temporary file, then renamed)
    pub output: PathBuf,
    /// Worker threads (default: one per core)
    #[arg(long, short = 't', default_value_t = 0)]
    pub threads: usize,
    /// No progress bar
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

fn parse_file_type(s: &str) -> Result<FileType, String> {
    FileType::from_cli_name(s).ok_or_else(|| format!("unknown type {s:?}: choose f32, f16, bf16, q8_0 or q4_k_m"))
}
