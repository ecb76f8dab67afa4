//! Which files llama.cpp runs for a model and an adapter: the installed base and the shipped Delia
//! adapter by default; for an fg adapter that trained FunctionGemma's token rows, the base prepared
//! once next to the adapter with those rows (named by the base file and the adapter's version, so a
//! retrained adapter or a new chat template gets a new one, and stale ones are removed).

use crate::export::{prepare_base, read_manifest, Adapter, PEFT_TOKEN_ROWS};
use anyhow::{bail, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tch::{Kind, Tensor};

/// The model and LoRA files for `fg agent` and `fg eval`: `model` (default: the installed base)
/// with `lora` (default: the shipped Delia adapter, unless `no_lora`).
pub fn model_files(model: Option<&Path>, lora: Option<&Path>, no_lora: bool) -> Result<(PathBuf, Option<PathBuf>)> {
    let base = model.map(Path::to_path_buf).unwrap_or_else(crate::paths::default_base_model);
    if let Err(e) = std::fs::metadata(&base) {
        let hint = if model.is_some() { "check the path given to --model" } else { crate::paths::MISSING_BASE_HINT };
        return Err(anyhow::Error::new(e).context(crate::error::Hint::new(format!("cannot open the model {}", base.display()), hint)));
    }
    let lora = if no_lora { None } else { lora.map(Path::to_path_buf).or_else(crate::paths::default_adapter) };
    match lora {
        Some(l) => {
            let (m, l) = inference_files(&base, &l)?;
            Ok((m, Some(l)))
        }
        None => Ok((base, None)),
    }
}

/// The model and LoRA files llama.cpp runs for `lora` on `base`. `lora` is a llama.cpp LoRA
/// GGUF, or an fg adapter folder (or the adapter.gguf inside one). An fg adapter that trained the
/// token rows needs them in the base too: that base is prepared once, next to the adapter, from
/// the rows in adapter.safetensors or, in a shipped folder, in PEFT's file.
pub fn inference_files(base: &Path, lora: &Path) -> Result<(PathBuf, PathBuf)> {
    let dir = if lora.is_dir() { lora.to_path_buf() } else { lora.parent().map(Path::to_path_buf).unwrap_or_default() };
    let manifest_path = dir.join("adapter.json");
    if !manifest_path.exists() {
        return Ok((base.to_path_buf(), lora.to_path_buf()));
    }
    let manifest = read_manifest(&manifest_path)?;
    let gguf = if lora.is_dir() { dir.join("adapter.gguf") } else { lora.to_path_buf() };
    if !gguf.exists() {
        bail!("{} has no adapter.gguf; write it with `fg export --adapter {} --adapter-only`", dir.display(), dir.display());
    }
    if !manifest.trains_token_rows {
        return Ok((base.to_path_buf(), gguf));
    }
    let prepared = prepared_base_path(&dir, base)?;
    if !prepared.exists() {
        let rows = token_rows(&dir)?;
        let adapter = Adapter { manifest, tensors: HashMap::from([("token_embd.special_rows".to_string(), rows)]) };
        eprintln!("preparing {} (the base with the adapter's token rows, once)", prepared.display());
        prepare_base(base, &adapter, &prepared)?;
        // Bases prepared from this base file for an earlier version of this adapter (or template)
        // are stale; those of other base files are kept (another user of the adapter may need them).
        let current = prepared.file_name().unwrap_or_default().to_string_lossy().into_owned();
        for e in std::fs::read_dir(&dir)?.flatten() {
            if stale_prepared_base(&e.file_name().to_string_lossy(), &current) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok((prepared, gguf))
}

/// The trained token rows of the adapter in `dir` ([7, hidden], f32).
fn token_rows(dir: &Path) -> Result<Tensor> {
    for (file, key) in [("adapter.safetensors", "token_embd.special_rows"), ("peft/adapter_model.safetensors", PEFT_TOKEN_ROWS)] {
        let path = dir.join(file);
        if path.exists() {
            let found = Tensor::read_safetensors(&path)?.into_iter().find(|(n, _)| n == key);
            if let Some((_, t)) = found {
                return Ok(t.to_kind(Kind::Float));
            }
        }
    }
    bail!("the adapter in {} trained the token rows but neither adapter.safetensors nor peft/adapter_model.safetensors holds them", dir.display())
}

/// Where fg keeps the prepared base for an adapter: next to the adapter, named by the base file
/// (its real path, so that a link to it is the same base) and by the adapter's manifest and the chat
/// template (a retrained adapter or a new template gets a new one).
pub fn prepared_base_path(adapter_dir: &Path, base: &Path) -> Result<PathBuf> {
    let m = std::fs::metadata(base)?;
    let real = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    let manifest = std::fs::read(adapter_dir.join("adapter.json")).unwrap_or_default();
    let template = crate::format::functiongemma::CHAT_TEMPLATE.as_bytes();
    let base_key = crate::hash::fnv1a(format!("{}|{}", real.display(), m.len()).as_bytes());
    let version_key = crate::hash::fnv1a(&[&manifest[..], template].concat());
    Ok(adapter_dir.join(format!("base-{base_key:016x}-{version_key:016x}.gguf")))
}

/// Whether `name` (a file next to an adapter) is a prepared base that `current` replaces: one for
/// the same base file and an earlier adapter or template, or one named the way fg named them before.
fn stale_prepared_base(name: &str, current: &str) -> bool {
    let Some(rest) = name.strip_prefix("base-").and_then(|r| r.strip_suffix(".gguf")) else { return false };
    if name == current {
        return false;
    }
    let legacy = rest.len() == 16 && rest.bytes().all(|b| b.is_ascii_hexdigit());
    legacy || current.get(..5 + 16 + 1).is_some_and(|same_base| name.starts_with(same_base))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_earlier_versions_for_the_same_base_are_stale() {
        let current = "base-00000000000000aa-00000000000000bb.gguf";
        assert!(super::stale_prepared_base("base-00000000000000aa-0000000000000001.gguf", current));
        assert!(super::stale_prepared_base("base-f12370bc8f0f012c.gguf", current));
        assert!(!super::stale_prepared_base(current, current));
        assert!(!super::stale_prepared_base("base-00000000000000cc-00000000000000bb.gguf", current));
        assert!(!super::stale_prepared_base("adapter.gguf", current));
    }
}
