//! Vocabulary edits on GGUF metadata: FunctionGemma's seven token names at ids 46..52.

use super::reader::Metadata;
use super::value::{Array, Value};
use anyhow::{bail, Result};

/// The metadata with ids 46..52 renamed to FunctionGemma's tokens (they stay CONTROL tokens), so
/// that every llama.cpp host treats them as single special tokens.
pub fn with_functiongemma_tokens(meta: &Metadata) -> Result<Metadata> {
    let mut m = meta.clone();
    let Some(Value::Array(Array::String(tokens))) = m.get("tokenizer.ggml.tokens") else {
        bail!("the model has no tokenizer.ggml.tokens");
    };
    let tokens = crate::tokenizer::with_functiongemma_names(tokens.clone());
    if let Some(Value::Array(Array::I32(types))) = m.get("tokenizer.ggml.token_type") {
        for (name, id) in crate::format::functiongemma::SPECIAL_TOKENS {
            if types.get(id as usize) != Some(&3) {
                bail!("token {id} (for {name}) is not a control token in this vocabulary");
            }
        }
    }
    m.set("tokenizer.ggml.tokens", Value::Array(Array::String(tokens)));
    Ok(m)
}
