//! llama.cpp as the oracle: its own quantizer (`llama_model_quantize`), ggml's row quantizers and
//! dequantizers, its tokenizer and grammar engine on a vocabulary-only load, and logits of a model on
//! the CPU. The tests and benchmarks compare fg's own implementations with these.

use super::backend;
use super::engine::{allowed, argmax};
use crate::gguf::{FileType, GgmlType};
use anyhow::{anyhow, bail, Context, Result};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use std::ffi::CString;
use std::num::NonZeroU32;
use std::path::Path;

/// Quantizes with llama.cpp's own `llama_model_quantize` (the oracle for `fg quantize`), with
/// default parameters and requantization allowed, as `llama-quantize --allow-requantize` does.
pub fn llama_quantize(input: &Path, output: &Path, ftype: FileType, threads: usize) -> Result<()> {
    backend();
    let cin = CString::new(input.to_str().context("input path is not UTF-8")?)?;
    let cout = CString::new(output.to_str().context("output path is not UTF-8")?)?;
    // SAFETY: default_params returns a plain struct; the pointers it holds are null.
    let mut params = unsafe { llama_cpp_sys_2::llama_model_quantize_default_params() };
    params.nthread = threads as i32;
    params.ftype = ftype as llama_cpp_sys_2::llama_ftype;
    params.allow_requantize = true;
    // SAFETY: both paths are NUL-terminated and outlive the call; params is a valid struct.
    let rc = unsafe { llama_cpp_sys_2::llama_model_quantize(cin.as_ptr(), cout.as_ptr(), &params) };
    if rc != 0 {
        bail!("llama.cpp could not quantize {} to {}", input.display(), output.display());
    }
    Ok(())
}

/// ggml's own quantizer for rows of `n_per_row` values (`ggml_quantize_chunk`, no importance
/// matrix): the per-row oracle for `gguf::quant`.
pub fn ggml_quantize_rows(ty: GgmlType, x: &[f32], n_per_row: usize) -> Vec<u8> {
    assert_eq!(x.len() % n_per_row, 0);
    let nrows = x.len() / n_per_row;
    let mut out = vec![0u8; ty.row_bytes(x.len() as u64).expect("whole blocks") as usize];
    // SAFETY: ggml_quantize_init only builds lookup tables; the output buffer holds exactly the
    // bytes ggml writes for nrows × n_per_row values of this type.
    let written = unsafe {
        llama_cpp_sys_2::ggml_quantize_init(ty as llama_cpp_sys_2::ggml_type);
        llama_cpp_sys_2::ggml_quantize_chunk(ty as llama_cpp_sys_2::ggml_type, x.as_ptr(), out.as_mut_ptr().cast(), 0, nrows as i64, n_per_row as i64, std::ptr::null())
    };
    assert_eq!(written, out.len());
    out
}

/// ggml's own `to_float` for `ty` (from `ggml_get_type_traits`): the oracle for dequantization.
pub fn ggml_dequantize(ty: GgmlType, bytes: &[u8], n: usize) -> Vec<f32> {
    assert_eq!(ty.row_bytes(n as u64), Some(bytes.len() as u64));
    if ty == GgmlType::F32 {
        // ggml has no to_float for F32: its data is already f32.
        return bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    }
    let mut out = vec![0f32; n];
    // SAFETY: the traits table is static; to_float reads bytes.len() bytes and writes n floats.
    unsafe {
        let traits = &*llama_cpp_sys_2::ggml_get_type_traits(ty as llama_cpp_sys_2::ggml_type);
        let to_float = traits.to_float.expect("ggml has a to_float for every type fg reads");
        to_float(bytes.as_ptr().cast(), out.as_mut_ptr(), n as i64);
    }
    out
}

/// llama.cpp's tokenizer alone (a vocab-only load): the oracle for `fg`'s tokenizer.
pub struct Vocab {
    model: LlamaModel,
}

impl Vocab {
    pub fn load(path: &Path) -> Result<Vocab> {
        let params = LlamaModelParams::default().with_vocab_only(true);
        let model = LlamaModel::load_from_file(backend(), path, &params).map_err(|e| anyhow!("llama.cpp could not load the vocabulary of {}: {e}", path.display()))?;
        Ok(Vocab { model })
    }

    /// Ids of `text` with special tokens parsed and nothing added, as the agent tokenizes prompts.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        self.model.vocab().tokenize(text.as_bytes(), false, true).into_iter().map(|t| t.0 as u32).collect()
    }

    /// The vocabulary of `model` with FunctionGemma's token names at 46..52 (written as a GGUF
    /// without tensors next to the system's temporary files, then loaded vocab-only).
    pub fn functiongemma(model: &Path) -> Result<Vocab> {
        let base = crate::gguf::GgufFile::open(model)?;
        let meta = crate::format::vocab::with_functiongemma_tokens(&base.header.metadata)?;
        let dir = std::env::temp_dir().join("fg-vocab");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{:016x}.gguf", crate::hash::fnv1a(model.display().to_string().as_bytes()) ^ base.file_len()));
        if !path.exists() {
            crate::gguf::writer::write_file(&path, &meta, &[])?;
        }
        Vocab::load(&path)
    }

    /// Whether llama.cpp's grammar engine accepts `text` as a complete output of `gbnf`.
    pub fn grammar_accepts(&self, gbnf: &str, text: &str) -> Result<bool> {
        let mut sampler = LlamaSampler::grammar(&self.model, gbnf, "root").map_err(|e| anyhow!("llama.cpp rejected the grammar: {e:?}"))?;
        for id in self.tokenize(text) {
            if !allowed(&mut sampler, id as i32) {
                return Ok(false);
            }
            if sampler.try_accept(LlamaToken(id as i32)).is_err() {
                return Ok(false);
            }
        }
        // Complete only if the grammar lets the turn end here.
        let eog = self.model.vocab().eos().0;
        Ok(allowed(&mut sampler, eog))
    }
}

/// A model loaded on the CPU for scoring token sequences.
pub struct Model {
    model: LlamaModel,
}

impl Model {
    pub fn load(path: &Path) -> Result<Model> {
        let params = LlamaModelParams::default();
        let model = LlamaModel::load_from_file(backend(), path, &params).map_err(|e| anyhow!("llama.cpp could not load {}: {e}", path.display()))?;
        Ok(Model { model })
    }

    /// Tokenizes `text` as llama.cpp does (BOS added, special tokens parsed).
    pub fn tokenize(&self, text: &str) -> Vec<i32> {
        self.model.vocab().tokenize(text.as_bytes(), true, true).into_iter().map(|t| t.0).collect()
    }

    /// Logits for every position of `tokens`, one row of `n_vocab` per token.
    pub fn logits(&self, tokens: &[i32], threads: usize) -> Result<Vec<Vec<f32>>> {
        let n = tokens.len();
        let ctx_len = NonZeroU32::new((n as u32).max(64)).unwrap();
        let params = LlamaContextParams::default().with_n_ctx(Some(ctx_len)).with_n_batch(n as u32).with_n_ubatch(n as u32).with_n_threads(threads as i32).with_n_threads_batch(threads as i32);
        let mut ctx = self.model.new_context(backend(), params).map_err(|e| anyhow!("llama.cpp could not create a context: {e}"))?;
        let mut batch = LlamaBatch::new(n, 1);
        for (i, &t) in tokens.iter().enumerate() {
            batch.add(LlamaToken(t), i as i32, &[0], true).map_err(|e| anyhow!("batch: {e}"))?;
        }
        ctx.decode(&mut batch).map_err(|e| anyhow!("llama.cpp decode failed: {e}"))?;
        Ok((0..n).map(|i| ctx.get_logits_ith(i as i32).to_vec()).collect())
    }

    /// The greedy next token after `tokens`.
    pub fn next_token(&self, tokens: &[i32], threads: usize) -> Result<i32> {
        let logits = self.logits(tokens, threads)?;
        Ok(argmax(logits.last().context("no tokens")?) as i32)
    }
}
