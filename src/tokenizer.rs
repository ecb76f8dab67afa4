//! Text to token ids, identical to what llama.cpp computes at inference.
//!
//! Built on the `tokenizers` crate in two ways:
//! - from a GGUF's vocabulary (`tokenizer.ggml.model = "llama"`, sentencepiece): a BPE model whose
//!   merges reproduce llama.cpp's SPM tokenizer. llama.cpp merges, repeatedly, the adjacent pair
//!   whose concatenation is a token of highest score; here every split (a, b) of every token t with
//!   a and b in the vocabulary becomes a merge ranked by t's score, which is the same rule. Spaces
//!   become `▁`, unknown characters fall back to byte tokens, control tokens are matched as special
//!   tokens and user-defined tokens (newline and space runs) are split out first, as llama.cpp does.
//! - from an HF checkpoint's `tokenizer.json`.
//!
//! In both, ids 46..52 carry FunctionGemma's seven token names (the base names them `<unused40>`
//! … `<unused46>`). The parity test compares every id with llama.cpp's own tokenizer.

use crate::format::vocab::{rename_hf_specials, with_functiongemma_names};
use crate::gguf::{Array, Header};
use crate::names::{key, token::FUNCTIONGEMMA};
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::Path;
use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::normalizers::replace::Replace;
use tokenizers::{AddedToken, DecoderWrapper};

/// llama.cpp's token types (`tokenizer.ggml.token_type`).
const TYPE_NORMAL: i32 = 1;
const TYPE_CONTROL: i32 = 3;
const TYPE_USER_DEFINED: i32 = 4;
const TYPE_BYTE: i32 = 6;

/// The byte range of the text a token covers.
pub type Span = (usize, usize);

pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
}

impl Tokenizer {
    /// The tokenizer of a GGUF model (its sentencepiece vocabulary).
    pub fn from_gguf(header: &Header) -> Result<Tokenizer> {
        let m = &header.metadata;
        match m.str(key::TOKENIZER_MODEL) {
            Some("llama") => {}
            Some(other) => bail!("tokenizer.ggml.model is {other:?}; fg supports sentencepiece (\"llama\") vocabularies such as Gemma's"),
            None => bail!("the GGUF has no tokenizer (tokenizer.ggml.model is missing)"),
        }
        let tokens = match m.get(key::TOKENS).and_then(|v| v.as_array()) {
            Some(Array::String(t)) => t.clone(),
            _ => bail!("tokenizer.ggml.tokens is missing or not a string array"),
        };
        let scores = match m.get(key::SCORES).and_then(|v| v.as_array()) {
            Some(Array::F32(s)) if s.len() == tokens.len() => s.clone(),
            _ => bail!("tokenizer.ggml.scores is missing or not one f32 per token"),
        };
        let types = match m.get(key::TOKEN_TYPE).and_then(|v| v.as_array()) {
            Some(Array::I32(t)) if t.len() == tokens.len() => t.clone(),
            _ => bail!("tokenizer.ggml.token_type is missing or not one i32 per token"),
        };
        if m.get(key::ADD_SPACE_PREFIX).and_then(|v| match v {
            crate::gguf::Value::Bool(b) => Some(*b),
            _ => None,
        }) == Some(true)
        {
            bail!("vocabularies with add_space_prefix are not supported (Gemma's has none)");
        }
        Ok(Tokenizer { inner: build_spm(with_functiongemma_names(tokens), &scores, &types)? })
    }

    /// The tokenizer of an HF checkpoint (`tokenizer.json`).
    pub fn from_hf_file(path: &Path) -> Result<Tokenizer> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut json: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
        rename_hf_specials(&mut json);
        let inner: tokenizers::Tokenizer = serde_json::from_value(json).map_err(|e| anyhow::anyhow!("{} is not a tokenizer.json the tokenizers crate reads: {e}", path.display()))?;
        let t = Tokenizer { inner };
        for (name, id) in FUNCTIONGEMMA {
            anyhow::ensure!(t.token_to_id(name) == Some(id), "{}: {name} is not id {id}", path.display());
        }
        Ok(t)
    }

    /// Token ids of `text`, special tokens parsed, nothing added (the text carries its `<bos>`).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        Ok(self.inner.encode_fast(text, false).map_err(|e| anyhow::anyhow!("tokenizer: {e}"))?.get_ids().to_vec())
    }

    /// Ids with the byte range of `text` each one covers.
    pub fn encode_with_offsets(&self, text: &str) -> Result<(Vec<u32>, Vec<Span>)> {
        let e = self.inner.encode(text, false).map_err(|e| anyhow::anyhow!("tokenizer: {e}"))?;
        Ok((e.get_ids().to_vec(), e.get_offsets().to_vec()))
    }

    /// Token ids and the loss mask of a rendered example: 1 for tokens that start inside a trainable
    /// segment (what the model produces), 0 elsewhere.
    pub fn encode_rendered(&self, r: &crate::format::Rendered) -> Result<(Vec<u32>, Vec<u8>)> {
        let text = r.text();
        let (ids, offsets) = self.encode_with_offsets(&text)?;
        let spans = r.train_spans();
        let mask = offsets.iter().map(|&(start, _)| u8::from(spans.iter().any(|s| s.contains(&start)))).collect();
        Ok((ids, mask))
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.inner.decode(ids, false).map_err(|e| anyhow::anyhow!("tokenizer: {e}"))
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Saves the tokenizer as an HF `tokenizer.json` (for export next to PEFT adapters).
    pub fn save(&self, path: &Path) -> Result<()> {
        self.inner.save(path, false).map_err(|e| anyhow::anyhow!("cannot save {}: {e}", path.display()))
    }
}

fn build_spm(tokens: Vec<String>, scores: &[f32], types: &[i32]) -> Result<tokenizers::Tokenizer> {
    let index: HashMap<&str, usize> = tokens.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
    // Every way to form a token from two tokens is a merge, ranked by the token's score (highest
    // first, as llama.cpp's queue pops), then by id, then by split point.
    let mut merges: Vec<(f32, usize, usize, &str, &str)> = Vec::new();
    for (id, t) in tokens.iter().enumerate() {
        if types[id] != TYPE_NORMAL && types[id] != TYPE_BYTE {
            continue; // control and user-defined tokens are split out before merging
        }
        for (split, _) in t.char_indices().skip(1) {
            let (a, b) = t.split_at(split);
            if index.contains_key(a) && index.contains_key(b) {
                merges.push((scores[id], id, split, a, b));
            }
        }
    }
    merges.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let merges: Vec<(String, String)> = merges.into_iter().map(|(_, _, _, a, b)| (a.to_string(), b.to_string())).collect();
    let vocab: Vocab = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
    let bpe = BPE::builder().vocab_and_merges(vocab, merges).byte_fallback(true).build().map_err(|e| anyhow::anyhow!("cannot build the BPE model: {e}"))?;
    let mut tok = tokenizers::Tokenizer::new(bpe);
    tok.with_normalizer(Some(Replace::new(" ", "▁").map_err(|e| anyhow::anyhow!("{e}"))?)).map_err(|e| anyhow::anyhow!("{e}"))?;
    tok.with_decoder(Some(DecoderSequence::new(vec![
        DecoderWrapper::Replace(Replace::new("▁", " ").map_err(|e| anyhow::anyhow!("{e}"))?),
        DecoderWrapper::ByteFallback(ByteFallback::new()),
        DecoderWrapper::Fuse(Fuse::new()),
    ])));
    let specials: Vec<AddedToken> = tokens.iter().zip(types).filter(|(_, &ty)| ty == TYPE_CONTROL).map(|(t, _)| AddedToken::from(t.clone(), true)).collect();
    let user: Vec<AddedToken> = tokens.iter().zip(types).filter(|(_, &ty)| ty == TYPE_USER_DEFINED).map(|(t, _)| AddedToken::from(t.clone(), false).normalized(false)).collect();
    tok.add_special_tokens(specials).map_err(|e| anyhow::anyhow!("{e}"))?;
    tok.add_tokens(user).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(tok)
}
