//! `fg quantize`: arguments to the GGUF quantizer.

use crate::cli::QuantizeArgs;
use crate::gguf::quantize::{quantize_file, QuantizeOptions};
use anyhow::Result;
use std::collections::BTreeMap;

pub fn run(args: &QuantizeArgs) -> Result<()> {
    let opts = QuantizeOptions { ftype: args.ty, threads: args.threads, progress: !args.quiet };
    let report = quantize_file(&args.input, &args.output, &opts)?;
    let mut changes: BTreeMap<String, usize> = BTreeMap::new();
    for (_, from, to) in &report.tensors {
        let key = if from == to { format!("{from} (copied)") } else { format!("{from} -> {to}") };
        *changes.entry(key).or_default() += 1;
    }
    eprintln!("wrote {} ({}, {:.1} MB from {:.1} MB) in {:.2} s", args.output.display(), args.ty.cli_name(), report.output_bytes as f64 / 1e6, report.input_bytes as f64 / 1e6, report.seconds);
    for (change, n) in changes {
        eprintln!("  {n:>4} tensors {change}");
    }
    Ok(())
}
