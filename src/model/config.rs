//! Gemma 3 text model configuration, from GGUF metadata or an HF `config.json`.

use crate::gguf::Metadata;
use crate::names::key;
use anyhow::{bail, Context, Result};

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub num_kv_heads: usize,
    pub head_dim: usize,
    pub rms_norm_eps: f64,
    /// RoPE base of global (full-attention) layers.
    pub rope_theta: f64,
    /// RoPE base of sliding-window layers.
    pub rope_local_theta: f64,
    pub sliding_window: usize,
    /// Every `sliding_window_pattern`-th layer (1-based) is global; the rest slide.
    pub sliding_window_pattern: usize,
    /// Queries are multiplied by this before attention (llama.cpp: 1/sqrt(head_dim)).
    pub query_scale: f64,
}

impl Config {
    /// Whether layer `i` attends through the sliding window (llama.cpp: il % pattern < pattern - 1).
    pub fn is_sliding(&self, i: usize) -> bool {
        self.sliding_window_pattern > 1 && i % self.sliding_window_pattern < self.sliding_window_pattern - 1
    }

    pub fn rope_base(&self, layer: usize) -> f64 {
        if self.is_sliding(layer) {
            self.rope_local_theta
        } else {
            self.rope_theta
        }
    }

    /// From a GGUF's `gemma3.*` keys (gguf-spec §5.3 for the defaults llama.cpp applies).
    pub fn from_gguf(m: &Metadata, vocab_size: usize) -> Result<Config> {
        match m.str(key::ARCHITECTURE) {
            Some("gemma3") => {}
            Some(a) => bail!("the model's architecture is {a:?}; fg trains Gemma 3 (gemma3) models"),
            None => bail!("the GGUF has no general.architecture"),
        }
        let u = |k: &str| m.u64(k).map(|v| v as usize).with_context(|| format!("{k} is missing"));
        let head_dim = u(key::GEMMA3_KEY_LENGTH)?;
        Ok(Config {
            vocab_size,
            hidden_size: u(key::GEMMA3_EMBEDDING_LENGTH)?,
            intermediate_size: u(key::GEMMA3_FEED_FORWARD_LENGTH)?,
            num_layers: u(key::GEMMA3_BLOCK_COUNT)?,
            num_heads: u(key::GEMMA3_HEAD_COUNT)?,
            num_kv_heads: u(key::GEMMA3_HEAD_COUNT_KV)?,
            head_dim,
            rms_norm_eps: m.f32(key::GEMMA3_RMS_EPSILON).unwrap_or(1e-6) as f64,
            rope_theta: m.f32(key::GEMMA3_ROPE_FREQ_BASE).unwrap_or(1e6) as f64,
            rope_local_theta: m.f32(key::GEMMA3_ROPE_FREQ_BASE_SWA).unwrap_or(1e4) as f64,
            sliding_window: m.u64(key::GEMMA3_SLIDING_WINDOW).unwrap_or(512) as usize,
            sliding_window_pattern: m.u64(key::GEMMA3_SLIDING_WINDOW_PATTERN).unwrap_or(6) as usize,
            query_scale: 1.0 / (head_dim as f64).sqrt(),
        })
    }

    /// From an HF Gemma 3 `config.json` (text model, or the text part of a multimodal one).
    pub fn from_hf(json: &serde_json::Value) -> Result<Config> {
        let c = json.get("text_config").unwrap_or(json);
        let u = |k: &str| c.get(k).and_then(|v| v.as_u64()).map(|v| v as usize).with_context(|| format!("config.json has no {k}"));
        let f = |k: &str, d: f64| c.get(k).and_then(|v| v.as_f64()).unwrap_or(d);
        let head_dim = u("head_dim").unwrap_or(256);
        let pattern = match c.get("layer_types").and_then(|v| v.as_array()) {
            Some(types) => types.iter().position(|t| t == "full_attention").map_or(6, |i| i + 1),
            None => u("sliding_window_pattern").unwrap_or(6),
        };
        let local_theta = c.pointer("/rope_parameters/sliding_attention/rope_theta").and_then(|v| v.as_f64()).unwrap_or_else(|| f("rope_local_base_freq", 1e4));
        let theta = c.pointer("/rope_parameters/full_attention/rope_theta").and_then(|v| v.as_f64()).unwrap_or_else(|| f("rope_theta", 1e6));
        Ok(Config {
            vocab_size: u("vocab_size")?,
            hidden_size: u("hidden_size")?,
            intermediate_size: u("intermediate_size")?,
            num_layers: u("num_hidden_layers")?,
            num_heads: u("num_attention_heads")?,
            num_kv_heads: u("num_key_value_heads")?,
            head_dim,
            rms_norm_eps: f("rms_norm_eps", 1e-6),
            rope_theta: theta,
            rope_local_theta: local_theta,
            sliding_window: u("sliding_window").unwrap_or(512),
            sliding_window_pattern: pattern,
            query_scale: 1.0 / f("query_pre_attn_scalar", head_dim as f64).sqrt(),
        })
    }
}
