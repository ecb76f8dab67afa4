//! From a trained adapter to files other tools run:
//! - the adapter in fg's own form (`adapter.safetensors` + `adapter.json`), which `fg export` reads;
//! - a llama.cpp LoRA GGUF (`general.type = adapter`, `<name>.lora_a/.lora_b`, gguf-spec §6) for
//!   the seven projections;
//! - PEFT's layout (`adapter_config.json`, `adapter_model.safetensors` with PEFT's key names, the
//!   token rows as `trainable_token_indices`);
//! - a merged GGUF (f16, bf16, q8_0, q4_k_m) with FunctionGemma's token names, the trained token
//!   rows, a chat template and the stop tokens, written with fg's GGUF layer and quantizers;
//! - the base prepared for base + adapter inference (`crate::resolve` decides when): FunctionGemma's names and the trained rows,
//!   which a llama.cpp LoRA cannot carry for a tied embedding (llama.cpp applies a token_embd LoRA
//!   to the input and, through the tied head, to an output matmul whose shapes it does not fit).

use crate::format::Format;
use crate::gguf::quantize::output_metadata;
use crate::gguf::writer::{write_file, GgufWriter, TensorSpec};
use crate::gguf::{mix, quant, FileType, GgmlType, GgufFile, Metadata, Value};
use crate::model::gemma3::{SPECIAL_COUNT, SPECIAL_FIRST};
use crate::model::lora::{merged, LoraConfig};
use crate::model::weights::gguf_to_hf_module;
use crate::names::{key, Proj};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use tch::{Kind, Tensor};

/// `adapter.json`: what an adapter is and how it was made.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AdapterManifest {
    pub fg_version: String,
    pub base: String,
    pub base_sha256: Option<String>,
    pub lora: LoraConfig,
    pub format: Format,
    pub tools_hash: String,
    pub trains_token_rows: bool,
    pub train: serde_json::Value,
    pub results: serde_json::Value,
}

/// An adapter as fg stores it: LoRA A/B by GGUF name (`blk.3.attn_q.weight.lora_a`), and the seven
/// token rows (`token_embd.special_rows`, [7, hidden]) when trained.
pub struct Adapter {
    pub manifest: AdapterManifest,
    pub tensors: HashMap<String, Tensor>,
}

impl Adapter {
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        let named: Vec<(&str, Tensor)> = self.tensors.iter().map(|(n, t)| (n.as_str(), t.to_kind(Kind::Float).to_device(tch::Device::Cpu).contiguous())).collect();
        let refs: Vec<(&str, &Tensor)> = named.iter().map(|(n, t)| (*n, t)).collect();
        // tch writes by path: the path of the regular file TempFile just created under a random name.
        let tmp = crate::fsx::TempFile::create(&dir.join("adapter.safetensors"))?;
        Tensor::write_safetensors(&refs, tmp.path())?;
        tmp.persist()?;
        crate::fsx::write_atomic(&dir.join("adapter.json"), serde_json::to_string_pretty(&self.manifest)?.as_bytes())
    }

    /// Reads an adapter folder: adapter.json and adapter.safetensors, or, in a shipped folder
    /// without the latter, PEFT's file (f16 matrices, f32 token rows).
    pub fn load(dir: &Path) -> Result<Adapter> {
        let manifest = read_manifest(&dir.join("adapter.json")).with_context(|| format!("{} is not an fg adapter", dir.display()))?;
        let own = dir.join("adapter.safetensors");
        let tensors = if own.exists() {
            Tensor::read_safetensors(&own).with_context(|| bad_adapter(format!("cannot read {}", own.display())))?.into_iter().collect()
        } else {
            let peft = dir.join("peft/adapter_model.safetensors");
            let mut out = HashMap::new();
            let read = if peft.exists() {
                Tensor::read_safetensors(&peft).with_context(|| bad_adapter(format!("cannot read {}", peft.display())))
            } else {
                Err(anyhow::anyhow!("{} has neither adapter.safetensors nor {}", dir.display(), peft.display())).context(bad_adapter(format!("{} is not a complete fg adapter", dir.display())))
            };
            for (name, t) in read? {
                let ours = if name == PEFT_TOKEN_ROWS { Some("token_embd.special_rows".to_string()) } else { peft_to_gguf_name(&name) };
                let ours = ours.with_context(|| bad_adapter(format!("{}: unexpected tensor {name}", peft.display())))?;
                out.insert(ours, t.to_kind(Kind::Float));
            }
            out
        };
        Ok(Adapter { manifest, tensors })
    }

    /// LoRA (A, B) of each adapted projection, by the projection's GGUF name.
    pub fn pairs(&self) -> Vec<(String, &Tensor, &Tensor)> {
        let mut names: Vec<&String> = self.tensors.keys().filter(|n| n.ends_with(".lora_a")).collect();
        names.sort();
        names
            .into_iter()
            .filter_map(|a| {
                let base = a.strip_suffix(".lora_a")?;
                Some((base.to_string(), &self.tensors[a], self.tensors.get(&format!("{base}.lora_b"))?))
            })
            .collect()
    }

    pub fn special_rows(&self) -> Option<&Tensor> {
        self.tensors.get("token_embd.special_rows")
    }
}

/// Reads `adapter.json`; a file that is there but wrong is bad input (exit 3).
pub(crate) fn read_manifest(path: &Path) -> Result<AdapterManifest> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| bad_adapter(format!("{} is not an fg adapter manifest", path.display())))
}

/// The marker for a malformed adapter file, with the way out.
fn bad_adapter(message: String) -> crate::error::BadInput {
    crate::error::BadInput::new(message, "the adapter folder is damaged or not fg's: train it again with `fg train`, or point to another")
}

/// The llama.cpp LoRA GGUF of the projections (f32).
pub fn write_llama_lora(adapter: &Adapter, path: &Path) -> Result<()> {
    let mut meta = Metadata::default();
    meta.set(key::ARCHITECTURE, Value::String("gemma3".into()));
    meta.set(key::TYPE, Value::String("adapter".into()));
    meta.set(key::ADAPTER_TYPE, Value::String("lora".into()));
    meta.set(key::ADAPTER_LORA_ALPHA, Value::F32(adapter.manifest.lora.alpha as f32));
    meta.set(key::NAME, Value::String("fg Delia LoRA".into()));
    meta.set(key::QUANTIZATION_VERSION, Value::U32(crate::gguf::consts::QUANTIZATION_VERSION));
    let mut tensors = Vec::new();
    for (name, a, b) in adapter.pairs() {
        let (a, b) = (a.to_kind(Kind::Float).contiguous(), b.to_kind(Kind::Float).contiguous());
        // A is [r, in]: ne = [in, r]. B is [out, r]: ne = [r, out]. Stored as is, in f16 (what
        // llama.cpp's own converter writes for adapters; half the size of f32).
        for (suffix, t) in [("lora_a", &a), ("lora_b", &b)] {
            let dims = vec![t.size()[1] as u64, t.size()[0] as u64];
            let v: Vec<f32> = Vec::<f32>::try_from(t.flatten(0, -1))?;
            let mut bytes = vec![0u8; v.len() * 2];
            quant::quantize_row(GgmlType::F16, &v, &mut bytes);
            tensors.push((TensorSpec { name: format!("{name}.{suffix}"), dims, ty: GgmlType::F16 }, bytes));
        }
    }
    write_file(path, &meta, &tensors)
}

/// fg's name (`blk.3.attn_q.weight.lora_a`) of a PEFT LoRA tensor
/// (`base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight`).
fn peft_to_gguf_name(name: &str) -> Option<String> {
    let rest = name.strip_prefix("base_model.model.model.layers.")?;
    let (layer, rest) = rest.split_once('.')?;
    let (module, which) = rest.rsplit_once('.')?.0.rsplit_once('.')?;
    let proj = Proj::from_hf_module(module)?;
    let suffix = match which {
        "lora_A" => "lora_a",
        "lora_B" => "lora_b",
        _ => return None,
    };
    Some(format!("blk.{layer}.{}.weight.{suffix}", proj.gguf()))
}

/// PEFT's name for the trained token rows.
pub(crate) const PEFT_TOKEN_ROWS: &str = "base_model.model.model.embed_tokens.token_adapter.trainable_tokens_delta";

/// The base an adapter was trained on, as HF PEFT's `base_model_name_or_path` names it: the
/// installed base (by its sha256) is a Q4_K_M quantization of google/gemma-3-270m, which HF loads
/// under that name; an HF checkpoint folder is named by its config's `_name_or_path`, else by its
/// path; another GGUF by the Hugging Face repository its metadata names, else by its path.
pub fn peft_base_name(manifest: &AdapterManifest) -> String {
    if manifest.base_sha256.as_deref() == Some(crate::paths::BASE_SHA256) {
        return crate::paths::BASE_HF_NAME.to_string();
    }
    let base = Path::new(&manifest.base);
    let absolute = || std::fs::canonicalize(base).map_or_else(|_| manifest.base.clone(), |p| p.display().to_string());
    if base.is_dir() {
        let named = std::fs::read_to_string(base.join("config.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|c| c.get("_name_or_path").and_then(|n| n.as_str()).map(str::to_string));
        return named.filter(|n| !n.is_empty() && !n.starts_with('/') && !n.starts_with('.')).unwrap_or_else(absolute);
    }
    let repo = GgufFile::open(base).ok().and_then(|f| match f.header.metadata.get(key::BASE_MODEL_REPO_URL) {
        Some(Value::String(u)) => u.strip_prefix("https://huggingface.co/").map(str::to_string),
        _ => None,
    });
    repo.unwrap_or_else(absolute)
}

/// PEFT's files in `dir`: adapter_config.json and adapter_model.safetensors (LoRA matrices in
/// f16, the token rows in f32).
pub fn write_peft(adapter: &Adapter, dir: &Path, base_model_name: &str) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let lora = &adapter.manifest.lora;
    let target_modules: Vec<&str> = lora.targets.iter().map(|t| Proj::from_gguf(t).map(Proj::peft_target).with_context(|| format!("{t} is not a projection LoRA adapts"))).collect::<Result<_>>()?;
    let mut config = serde_json::json!({
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": base_model_name,
        "r": lora.rank,
        "lora_alpha": lora.alpha,
        "lora_dropout": lora.dropout,
        "target_modules": target_modules,
        "bias": "none",
        "fan_in_fan_out": false,
        "inference_mode": true,
        "init_lora_weights": true,
        "use_rslora": false,
        "use_dora": false,
        "modules_to_save": null,
        "revision": null,
    });
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    for (name, a, b) in adapter.pairs() {
        let module = gguf_to_hf_module(&name).with_context(|| format!("no PEFT name for {name}"))?;
        tensors.push((format!("base_model.model.{module}.lora_A.weight"), a.to_kind(Kind::Half).contiguous()));
        tensors.push((format!("base_model.model.{module}.lora_B.weight"), b.to_kind(Kind::Half).contiguous()));
    }
    if let Some(rows) = adapter.special_rows() {
        config["trainable_token_indices"] = serde_json::json!((SPECIAL_FIRST..SPECIAL_FIRST + SPECIAL_COUNT).collect::<Vec<_>>());
        tensors.push((PEFT_TOKEN_ROWS.into(), rows.to_kind(Kind::Float).contiguous()));
    }
    let refs: Vec<(&str, &Tensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let tmp = crate::fsx::TempFile::create(&dir.join("adapter_model.safetensors"))?;
    Tensor::write_safetensors(&refs, tmp.path())?;
    tmp.persist()?;
    crate::fsx::write_atomic(&dir.join("adapter_config.json"), serde_json::to_string_pretty(&config)?.as_bytes())
}

/// Writes `base` with every tensor's f32 values given by `value_of` (None: the base tensor's
/// bytes as they are), typed for `ftype` by llama.cpp's rules, with FunctionGemma metadata.
fn write_model(base: &GgufFile, out: &Path, ftype: Option<FileType>, value_of: &dyn Fn(usize) -> Result<Option<Vec<f32>>>) -> Result<()> {
    let meta = crate::format::vocab::functiongemma_metadata(&base.header.metadata)?;
    let (meta, plan) = match ftype {
        Some(ft) => (output_metadata(&meta, ft), mix::plan(&base.header, ft)?),
        None => (meta, (0..base.header.tensors.len()).map(|i| mix::Planned { src: i, ty: base.header.tensors[i].ty, convert: false }).collect()),
    };
    let specs: Vec<TensorSpec> = plan
        .iter()
        .map(|p| {
            let t = &base.header.tensors[p.src];
            TensorSpec { name: t.name.clone(), dims: t.dims.clone(), ty: p.ty }
        })
        .collect();
    let w = GgufWriter::create(out, &meta, &specs)?;
    for (i, p) in plan.iter().enumerate() {
        let t = &base.header.tensors[p.src];
        match value_of(p.src)? {
            Some(values) => {
                let mut bytes = vec![0u8; p.ty.row_bytes(t.n_elements()).context("row size")? as usize];
                if values.iter().any(|v| !v.is_finite()) {
                    bail!("tensor {} has NaN or Inf after merging", t.name);
                }
                quant::quantize_row(p.ty, &values, &mut bytes);
                w.write_tensor(i, &bytes)?;
            }
            None if p.convert => {
                let mut values = vec![0f32; t.n_elements() as usize];
                quant::dequantize_row(t.ty, base.tensor_data(p.src), &mut values);
                let mut bytes = vec![0u8; p.ty.row_bytes(t.n_elements()).unwrap() as usize];
                quant::quantize_row(p.ty, &values, &mut bytes);
                w.write_tensor(i, &bytes)?;
            }
            None => w.write_tensor(i, base.tensor_data(p.src))?,
        }
    }
    w.finish()
}

fn dequantized(base: &GgufFile, i: usize) -> Vec<f32> {
    let t = &base.header.tensors[i];
    let mut v = vec![0f32; t.n_elements() as usize];
    quant::dequantize_row(t.ty, base.tensor_data(i), &mut v);
    v
}

/// The base with the adapter merged: W + scale·B·A for each projection, the trained token rows,
/// FunctionGemma metadata; quantized to `ftype`.
pub fn export_merged(base_path: &Path, adapter: &Adapter, ftype: FileType, out: &Path) -> Result<()> {
    let base = GgufFile::open(base_path)?;
    let scale = adapter.manifest.lora.scale();
    let pairs: HashMap<String, (Tensor, Tensor)> = adapter.pairs().into_iter().map(|(n, a, b)| (n, (a.to_kind(Kind::Float), b.to_kind(Kind::Float)))).collect();
    let value_of = |i: usize| -> Result<Option<Vec<f32>>> {
        let t = &base.header.tensors[i];
        if let Some((a, b)) = pairs.get(&t.name) {
            let w = Tensor::from_slice(&dequantized(&base, i)).view([b.size()[0], a.size()[1]]);
            return Ok(Some(Vec::<f32>::try_from(merged(&w, a, b, scale).flatten(0, -1))?));
        }
        if t.name == "token_embd.weight" {
            if let Some(rows) = adapter.special_rows() {
                let mut w = dequantized(&base, i);
                let hidden = t.dims[0] as usize;
                let rows: Vec<f32> = Vec::<f32>::try_from(rows.to_kind(Kind::Float).flatten(0, -1))?;
                w[SPECIAL_FIRST as usize * hidden..(SPECIAL_FIRST + SPECIAL_COUNT) as usize * hidden].copy_from_slice(&rows);
                return Ok(Some(w));
            }
        }
        Ok(None)
    };
    write_model(&base, out, Some(ftype), &value_of)
}

/// The base prepared for base + adapter inference: its tensors as they are but the token rows
/// (re-quantized to the embedding's type), and FunctionGemma metadata.
pub fn prepare_base(base_path: &Path, adapter: &Adapter, out: &Path) -> Result<()> {
    let base = GgufFile::open(base_path)?;
    let value_of = |i: usize| -> Result<Option<Vec<f32>>> {
        let t = &base.header.tensors[i];
        match (t.name.as_str(), adapter.special_rows()) {
            ("token_embd.weight", Some(rows)) => {
                let mut w = dequantized(&base, i);
                let hidden = t.dims[0] as usize;
                let rows: Vec<f32> = Vec::<f32>::try_from(rows.to_kind(Kind::Float).flatten(0, -1))?;
                w[SPECIAL_FIRST as usize * hidden..(SPECIAL_FIRST + SPECIAL_COUNT) as usize * hidden].copy_from_slice(&rows);
                // Re-quantizing unchanged Q8_0 rows gives back their bytes (gguf-spec §7).
                Ok(Some(w))
            }
            _ => Ok(None),
        }
    };
    write_model(&base, out, None, &value_of)
}
