//! `fg inspect`: a GGUF's metadata, tensors and totals, as text or JSON.

use crate::cli::InspectArgs;
use crate::gguf::{inspect, GgufFile};
use anyhow::Result;

pub fn run(args: &InspectArgs) -> Result<()> {
    let file = GgufFile::open(&args.file)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&inspect::to_json(&file))?);
    } else {
        print!("{}", inspect::to_text(&file));
    }
    Ok(())
}
