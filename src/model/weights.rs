//! Base weights by GGUF tensor name (`token_embd.weight`, `blk.N.attn_q.weight`, …), as f32 tensors
//! in PyTorch layout ([out, in]), from a GGUF (dequantized with the GGUF layer) or from an HF folder
//! (safetensors, names mapped, RMSNorm weights turned into llama.cpp's 1 + w).

use super::config::Config;
use crate::gguf::{quant, GgufFile};
use crate::names::{Proj, LAYER_NORMS};
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::Path;
use tch::{Kind, Tensor};

pub struct Weights {
    pub config: Config,
    pub tensors: HashMap<String, Tensor>,
    /// Where they came from, for adapters' metadata.
    pub source: String,
}

impl Weights {
    pub fn take(&mut self, name: &str) -> Result<Tensor> {
        self.tensors.remove(name).with_context(|| format!("the model has no tensor {name}"))
    }

    /// Loads a GGUF or an HF folder, whichever `path` is.
    pub fn load(path: &Path) -> Result<Weights> {
        if path.is_dir() {
            Self::from_hf(path)
        } else {
            Self::from_gguf(path)
        }
    }

    pub fn from_gguf(path: &Path) -> Result<Weights> {
        let f = GgufFile::open(path)?;
        let vocab = f.header.tensor("token_embd.weight").context("the GGUF has no token_embd.weight")?.dims[1] as usize;
        let config = Config::from_gguf(&f.header.metadata, vocab)?;
        let mut tensors = HashMap::new();
        for (i, t) in f.header.tensors.iter().enumerate() {
            let n = t.n_elements() as usize;
            let mut values = vec![0f32; n];
            quant::dequantize_row(t.ty, f.tensor_data(i), &mut values);
            // ggml dims are [ne0 = in, ne1 = out]; PyTorch wants [out, in].
            let shape: Vec<i64> = t.dims.iter().rev().map(|&d| d as i64).collect();
            tensors.insert(t.name.clone(), Tensor::from_slice(&values).reshape(&shape));
        }
        Ok(Weights { config, tensors, source: format!("gguf:{}", path.display()) })
    }

    /// An HF checkpoint folder: config.json and *.safetensors (Gemma3ForCausalLM or the text part
    /// of Gemma3ForConditionalGeneration).
    pub fn from_hf(dir: &Path) -> Result<Weights> {
        let cfg_text = std::fs::read_to_string(dir.join("config.json")).with_context(|| format!("{} has no config.json", dir.display()))?;
        let bad = |what: String| crate::error::BadInput::new(what, "the folder must hold a Hugging Face Gemma 3 checkpoint: config.json and *.safetensors");
        let json = serde_json::from_str(&cfg_text).with_context(|| bad(format!("{} is not JSON", dir.join("config.json").display())))?;
        let config = Config::from_hf(&json).with_context(|| bad(format!("{} is not a Gemma 3 config", dir.join("config.json").display())))?;
        let mut files: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "safetensors")).collect();
        files.sort();
        if files.is_empty() {
            bail!("{} has no .safetensors files", dir.display());
        }
        let mut tensors = HashMap::new();
        for file in files {
            for (name, t) in Tensor::read_safetensors(&file).with_context(|| bad(format!("cannot read {}", file.display())))? {
                if let Some(gguf) = hf_to_gguf_name(&name) {
                    let mut t = t.to_kind(Kind::Float);
                    if gguf.ends_with("_norm.weight") {
                        t += 1.0; // Gemma3RMSNorm multiplies by 1 + w; llama.cpp stores 1 + w
                    }
                    if gguf == "token_embd.weight" {
                        t = t.narrow(0, 0, config.vocab_size as i64);
                    }
                    tensors.insert(gguf, t);
                }
            }
        }
        Ok(Weights { config, tensors, source: format!("hf:{}", dir.display()) })
    }
}

/// HF Gemma 3 tensor names to GGUF names (gguf-spec §5.1); None for tensors fg does not use.
pub fn hf_to_gguf_name(hf: &str) -> Option<String> {
    let name = hf.strip_prefix("language_model.").unwrap_or(hf);
    let name = name.strip_prefix("model.language_model.").map(|s| format!("model.{s}")).unwrap_or_else(|| name.to_string());
    if name == "model.embed_tokens.weight" {
        return Some("token_embd.weight".into());
    }
    if name == "model.norm.weight" {
        return Some("output_norm.weight".into());
    }
    let rest = name.strip_prefix("model.layers.")?;
    let (layer, rest) = rest.split_once('.')?;
    let n: usize = layer.parse().ok()?;
    let module = rest.strip_suffix(".weight")?;
    let short = Proj::from_hf_module(module).map(Proj::gguf).or_else(|| LAYER_NORMS.iter().find(|(_, hf)| *hf == module).map(|(g, _)| *g))?;
    Some(format!("blk.{n}.{short}.weight"))
}

/// GGUF projection names to PEFT module paths (for adapters).
pub fn gguf_to_hf_module(gguf: &str) -> Option<String> {
    let rest = gguf.strip_prefix("blk.")?;
    let (layer, rest) = rest.split_once('.')?;
    let module = Proj::from_gguf(rest.strip_suffix(".weight")?)?.hf_module();
    Some(format!("model.layers.{layer}.{module}"))
}
