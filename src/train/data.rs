//! Training data as token ids: the shared prefix (the developer turn every example carries) once,
//! each example's remainder with its labels, and micro-batches bucketed by length.

use crate::data::Example;
use crate::format::Format;
use crate::tokenizer::Tokenizer;
use crate::tools::Tools;
use anyhow::{bail, Context, Result};
use tch::{Device, Tensor};

/// One example after the shared prefix.
#[derive(Clone, Debug)]
pub struct Encoded {
    pub ids: Vec<i64>,
    /// The token each position must predict, or -100.
    pub labels: Vec<i64>,
}

impl Encoded {
    pub fn label_count(&self) -> usize {
        self.labels.iter().filter(|&&l| l != -100).count()
    }
}

pub struct Prepared {
    /// Token ids shared by every example (may be empty).
    pub prefix: Vec<i64>,
    pub train: Vec<Encoded>,
    pub eval: Vec<Encoded>,
    pub format: Format,
}

/// Ids and loss mask of an example: fg examples are re-rendered (segments mark what the model
/// produces); custom text lines train on everything after the last `<start_of_turn>model\n`.
fn encode_example(e: &Example, tools: &Tools, tok: &Tokenizer) -> Result<(Vec<u32>, Vec<u8>)> {
    if !e.messages.is_empty() {
        if !e.tools_hash.is_empty() && e.tools_hash != tools.hash {
            bail!("example {} was built for another tools file (hash {}); pass that file with --tools", e.id, e.tools_hash);
        }
        let r = e.format.render(tools, None, &e.messages, false)?;
        return tok.encode_rendered(&r);
    }
    let marker = "<start_of_turn>model\n";
    let start = e.text.rfind(marker).map(|i| i + marker.len()).with_context(|| format!("custom example {} has no model turn", e.id))?;
    let (ids, offsets) = tok.encode_with_offsets(&e.text)?;
    Ok((ids, offsets.iter().map(|&(s, _)| u8::from(s >= start)).collect()))
}

/// Tokenizes every example, finds the shared prefix (cut where the token sequences first differ,
/// never inside a completion) and builds labels.
pub fn prepare(train: &[Example], eval: &[Example], tools: &Tools, tok: &Tokenizer, max_len: usize) -> Result<Prepared> {
    let format = train.first().map(|e| e.format).context("no training examples")?;
    let mut all = Vec::with_capacity(train.len() + eval.len());
    for e in train.iter().chain(eval) {
        all.push(encode_example(e, tools, tok)?);
    }
    // The longest common prefix of the token sequences, before any trained token.
    let first = &all[0];
    let mut p = first.0.len();
    for (ids, _) in &all[1..] {
        p = p.min(ids.iter().zip(&first.0).take_while(|(a, b)| a == b).count());
    }
    for (_, mask) in &all {
        if let Some(m) = mask.iter().position(|&m| m == 1) {
            p = p.min(m);
        }
    }
    // Keep at least one token after the prefix, and skip sharing when there is little to share.
    p = p.min(all.iter().map(|(ids, _)| ids.len().saturating_sub(1)).min().unwrap_or(0));
    if p < 32 {
        p = 0;
    }
    let prefix: Vec<i64> = first.0[..p].iter().map(|&t| t as i64).collect();
    let mut encoded = Vec::with_capacity(all.len());
    for (ids, mask) in all {
        let mut take = ids.len() - p;
        if ids.len() > max_len {
            take = max_len.saturating_sub(p).max(1);
        }
        let suffix: Vec<i64> = ids[p..p + take].iter().map(|&t| t as i64).collect();
        // Position j predicts token j + 1 when that token is trained.
        let labels: Vec<i64> = (0..take).map(|j| if p + j + 1 < ids.len() && mask[p + j + 1] == 1 && j + 1 < take { ids[p + j + 1] as i64 } else { -100 }).collect();
        encoded.push(Encoded { ids: suffix, labels });
    }
    let eval_enc = encoded.split_off(train.len());
    Ok(Prepared { prefix, train: encoded, eval: eval_enc, format })
}

/// Example indices grouped into micro-batches of similar length (sorted, then chunked).
pub fn buckets(examples: &[Encoded], batch: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..examples.len()).collect();
    order.sort_by_key(|&i| (examples[i].ids.len(), i));
    order.chunks(batch.max(1)).map(|c| c.to_vec()).collect()
}

/// A micro-batch on the device: ids [B, S] (right-padded with 0), and the labelled
/// positions as flat indices with the tokens they must predict (built here, on the CPU, so that
/// the step needs no synchronisation to find them).
pub struct Batch {
    pub ids: Tensor,
    pub at: Tensor,
    pub targets: Tensor,
    pub labels: usize,
}

pub fn collate(examples: &[Encoded], idx: &[usize], device: Device) -> Batch {
    let s = idx.iter().map(|&i| examples[i].ids.len()).max().unwrap_or(1);
    let b = idx.len();
    let mut ids = vec![0i64; b * s];
    let mut labels = vec![-100i64; b * s];
    for (r, &i) in idx.iter().enumerate() {
        let e = &examples[i];
        for j in 0..e.ids.len() {
            ids[r * s + j] = e.ids[j];
            labels[r * s + j] = e.labels[j];
        }
    }
    let at: Vec<i64> = (0..labels.len() as i64).filter(|&i| labels[i as usize] != -100).collect();
    let targets: Vec<i64> = at.iter().map(|&i| labels[i as usize]).collect();
    Batch {
        ids: Tensor::from_slice(&ids).view([b as i64, s as i64]).to_device(device),
        labels: at.len(),
        at: Tensor::from_slice(&at).to_device(device),
        targets: Tensor::from_slice(&targets).to_device(device),
    }
}
