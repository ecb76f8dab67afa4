//! FunctionGemma's vocabulary: its seven token names at ids 46..52 (where the Gemma 3 base has
//! `<unused40>`..`<unused46>`) in a token list, a GGUF's metadata and an HF `tokenizer.json`, and the
//! metadata every GGUF fg writes carries (names, chat template, stop tokens).

use crate::gguf::{Array, Metadata, Value};
use crate::names::key;
use crate::names::token::{self, FUNCTIONGEMMA};
use anyhow::{bail, Result};

/// The vocabulary with FunctionGemma's names at 46..52 (where the base has `<unused40>`…).
pub fn with_functiongemma_names(mut tokens: Vec<String>) -> Vec<String> {
    for (name, id) in FUNCTIONGEMMA {
        if let Some(t) = tokens.get_mut(id as usize) {
            *t = name.to_string();
        }
    }
    tokens
}

/// The metadata with ids 46..52 renamed to FunctionGemma's tokens (they stay CONTROL tokens), so
/// that every llama.cpp host treats them as single special tokens.
pub fn with_functiongemma_tokens(meta: &Metadata) -> Result<Metadata> {
    let mut m = meta.clone();
    let Some(Value::Array(Array::String(tokens))) = m.get(key::TOKENS) else {
        bail!("the model has no tokenizer.ggml.tokens");
    };
    let tokens = with_functiongemma_names(tokens.clone());
    if let Some(Value::Array(Array::I32(types))) = m.get(key::TOKEN_TYPE) {
        for (name, id) in FUNCTIONGEMMA {
            if types.get(id as usize) != Some(&3) {
                bail!("token {id} (for {name}) is not a control token in this vocabulary");
            }
        }
    }
    m.set(key::TOKENS, Value::Array(Array::String(tokens)));
    Ok(m)
}

/// Base metadata with FunctionGemma's token names, the chat template and the stop tokens.
pub fn functiongemma_metadata(base: &Metadata) -> Result<Metadata> {
    let mut m = with_functiongemma_tokens(base)?;
    m.set(key::CHAT_TEMPLATE, Value::String(super::functiongemma::CHAT_TEMPLATE.into()));
    // <end_of_turn> ends generation; <start_function_response> is the format's other stop token.
    m.set(key::EOT_TOKEN_ID, Value::U32(token::END_OF_TURN_ID));
    m.set(key::EOS_TOKEN_IDS, Value::Array(Array::U32(vec![token::EOS_ID, token::END_OF_TURN_ID, token::START_FUNCTION_RESPONSE_ID])));
    Ok(m)
}

/// Renames `<unused40>`..`<unused46>` to FunctionGemma's names in a tokenizer.json, where present.
pub fn rename_hf_specials(json: &mut serde_json::Value) {
    let old: Vec<String> = (40..47).map(|i| format!("<unused{i}>")).collect();
    if let Some(vocab) = json.pointer_mut("/model/vocab").and_then(|v| v.as_object_mut()) {
        for ((name, id), old) in FUNCTIONGEMMA.iter().zip(&old) {
            if vocab.get(old.as_str()).and_then(|v| v.as_u64()) == Some(u64::from(*id)) {
                vocab.remove(old.as_str());
                vocab.insert(name.to_string(), (*id).into());
            }
        }
    }
    if let Some(added) = json.get_mut("added_tokens").and_then(|v| v.as_array_mut()) {
        for t in added {
            let Some(id) = t.get("id").and_then(|v| v.as_u64()) else { continue };
            if let Some((name, _)) = FUNCTIONGEMMA.iter().find(|(_, i)| u64::from(*i) == id) {
                if t.get("content").and_then(|c| c.as_str()).is_some_and(|c| c.starts_with("<unused")) {
                    t["content"] = (*name).into();
                }
            }
        }
    }
}
