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

    /// The example whole, as HF trainers take it: the shared prefix and the example's ids, and
    /// labels on the predicted token (HF shifts them itself), -100 elsewhere: the same work.
    pub fn whole_for_hf(&self, prefix: &[i64]) -> (Vec<i64>, Vec<i64>) {
        let ids = prefix.iter().chain(&self.ids).copied().collect();
        let labels = std::iter::repeat_n(-100, prefix.len() + 1).chain(self.labels.iter().take(self.ids.len().saturating_sub(1)).copied()).collect();
        (ids, labels)
    }

    /// The example from ids and HF-style labels (on the predicted token), without a prefix.
    pub fn from_hf(ids: Vec<i64>, hf_labels: &[i64]) -> Encoded {
        let labels = (0..ids.len()).map(|j| hf_labels.get(j + 1).copied().unwrap_or(-100)).collect();
        Encoded { ids, labels }
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
    collate_padded(examples, idx, device, 1, 1)
}

/// `collate` with the sequence length rounded up to a multiple of `seq` and the labelled
/// positions to a multiple of `labels` (extra ones at position 0 with target -100, which the loss
/// ignores), so that many micro-batches share a shape: what a CUDA graph replays. Padding at the
/// end changes no real position's result (attention is causal). `labels` still counts the real ones.
pub fn collate_padded(examples: &[Encoded], idx: &[usize], device: Device, seq: usize, labels_multiple: usize) -> Batch {
    let s = idx.iter().map(|&i| examples[i].ids.len()).max().unwrap_or(1).next_multiple_of(seq.max(1));
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
    let mut at: Vec<i64> = (0..labels.len() as i64).filter(|&i| labels[i as usize] != -100).collect();
    let mut targets: Vec<i64> = at.iter().map(|&i| labels[i as usize]).collect();
    let real = at.len();
    let padded = real.max(1).next_multiple_of(labels_multiple.max(1));
    at.resize(padded, 0);
    targets.resize(padded, -100);
    Batch {
        ids: Tensor::from_slice(&ids).view([b as i64, s as i64]).to_device(device),
        labels: real,
        at: Tensor::from_slice(&at).to_device(device),
        targets: Tensor::from_slice(&targets).to_device(device),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hf_labels_sit_on_the_predicted_token_and_convert_back() {
        let e = Encoded { ids: vec![5, 6, 7, 8], labels: vec![-100, 7, 8, -100] };
        let (ids, hf) = e.whole_for_hf(&[1, 2]);
        assert_eq!(ids, vec![1, 2, 5, 6, 7, 8]);
        assert_eq!(hf, vec![-100, -100, -100, -100, 7, 8]);
        // HF's rule: a label equals the id at its own position.
        assert!(hf.iter().zip(&ids).all(|(&l, &id)| l == -100 || l == id));
        let back = Encoded::from_hf(ids.clone(), &hf);
        assert_eq!(&back.labels[2..], &e.labels[..]);
        assert_eq!(back.label_count(), e.label_count());
    }

    #[test]
    fn padding_for_graphs_keeps_every_label_and_adds_only_ignored_ones() {
        let examples = vec![Encoded { ids: vec![5, 6, 7, 8], labels: vec![-100, 7, 8, -100] }, Encoded { ids: vec![9, 10, 11], labels: vec![-100, -100, 11] }];
        let plain = collate(&examples, &[0, 1], Device::Cpu);
        let padded = collate_padded(&examples, &[0, 1], Device::Cpu, 32, 8);
        assert_eq!(padded.ids.size(), [2, 32]);
        assert_eq!((plain.labels, padded.labels), (3, 3));
        assert_eq!(padded.at.size(), [8]);
        // The real labels first, at their positions in the wider rows; then ignored ones at 0.
        let at: Vec<i64> = Vec::try_from(&padded.at).unwrap();
        let targets: Vec<i64> = Vec::try_from(&padded.targets).unwrap();
        assert_eq!(&at[..3], &[1, 2, 34]);
        assert_eq!(&targets[..3], &[7, 8, 11]);
        assert!(at[3..].iter().all(|&a| a == 0) && targets[3..].iter().all(|&t| t == -100));
        let plain_ids: Vec<i64> = Vec::try_from(&plain.ids.flatten(0, -1)).unwrap();
        assert_eq!(plain_ids, vec![5, 6, 7, 8, 9, 10, 11, 0]);
    }
}
