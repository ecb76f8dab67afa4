//! `fg export`: an adapter merged into the base as a GGUF, or written as llama.cpp's LoRA and PEFT's files.

use crate::cli::ExportArgs;
use crate::export::{export_merged, Adapter};
use anyhow::Result;

pub fn run(a: &ExportArgs) -> Result<()> {
    let adapter = Adapter::load(&a.adapter)?;
    if a.adapter_only {
        crate::export::write_llama_lora(&adapter, &a.adapter.join("adapter.gguf"))?;
        crate::export::write_peft(&adapter, &a.adapter.join("peft"), &crate::export::peft_base_name(&adapter.manifest))?;
        eprintln!("wrote {} and {}", a.adapter.join("adapter.gguf").display(), a.adapter.join("peft").display());
        return Ok(());
    }
    let base = a.base.clone().unwrap_or_else(crate::paths::default_base_model);
    let out = a.out.clone().unwrap_or_else(|| a.adapter.join(format!("model-{}.gguf", a.format.cli_name())));
    let t = std::time::Instant::now();
    export_merged(&base, &adapter, a.format, &out)?;
    eprintln!("wrote {} ({}, {:.1} MB) in {:.1} s", out.display(), a.format.cli_name(), std::fs::metadata(&out)?.len() as f64 / 1e6, t.elapsed().as_secs_f64());
    Ok(())
}
