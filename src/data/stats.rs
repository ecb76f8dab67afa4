//! `fg data stats`: counts per tool and kind, token lengths (shared prefix, completion, total) with
//! the model's own tokenizer, and a PNG histogram of completion lengths.

use super::Example;
use crate::format::Rendered;
use crate::tokenizer::Tokenizer;
use crate::tools::Tools;
use anyhow::{bail, Result};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize, Clone, Default)]
pub struct Lengths {
    pub n: usize,
    pub min: usize,
    pub median: usize,
    pub p95: usize,
    pub max: usize,
    pub mean: f64,
}

impl Lengths {
    pub fn of(mut v: Vec<usize>) -> Lengths {
        if v.is_empty() {
            return Lengths::default();
        }
        v.sort_unstable();
        let n = v.len();
        Lengths { n, min: v[0], median: v[n / 2], p95: v[(n * 95 / 100).min(n - 1)], max: v[n - 1], mean: v.iter().sum::<usize>() as f64 / n as f64 }
    }
}

#[derive(Debug, Serialize, Clone)]
pub struct TokenStats {
    /// Tokens of the developer turn shared by every example (33 declarations).
    pub prefix_tokens: usize,
    pub completion: Lengths,
    /// Tokens after the shared prefix (user turn and model turn).
    pub suffix: Lengths,
    pub total: Lengths,
    pub completion_by_kind: BTreeMap<String, Lengths>,
    /// Every example's completion length, for the histogram.
    #[serde(skip)]
    pub completions: Vec<usize>,
}

/// Token lengths of `examples` (which must all share one format and tool set).
pub fn token_stats(examples: &[Example], tools: &Tools, tok: &Tokenizer) -> Result<TokenStats> {
    let Some(first) = examples.first() else { bail!("no examples") };
    let format = first.format;
    let prefix = format.prefix(tools, None);
    let prefix_tokens = tok.encode(&prefix)?.len();
    let (mut completion, mut suffix, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut by_kind: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for e in examples {
        if e.messages.is_empty() {
            total.push(tok.encode(&e.text)?.len());
            continue;
        }
        if e.tools_hash != tools.hash {
            bail!("example {} was built for another tools file (hash {}, not {})", e.id, e.tools_hash, tools.hash);
        }
        let r = format.render(tools, None, &e.messages, false)?;
        let rest = without_prefix(&r, prefix.len());
        let (ids, mask) = tok.encode_rendered(&rest)?;
        let c = mask.iter().filter(|&&m| m == 1).count();
        completion.push(c);
        suffix.push(ids.len());
        total.push(prefix_tokens + ids.len());
        by_kind.entry(e.kind.name().to_string()).or_default().push(c);
    }
    Ok(TokenStats {
        prefix_tokens,
        completion: Lengths::of(completion.clone()),
        suffix: Lengths::of(suffix),
        total: Lengths::of(total),
        completion_by_kind: by_kind.into_iter().map(|(k, v)| (k, Lengths::of(v))).collect(),
        completions: completion,
    })
}

/// The rendering minus its first `n` bytes (the shared prefix, never trainable).
pub fn without_prefix(r: &Rendered, n: usize) -> Rendered {
    let mut out = Rendered::default();
    let mut skip = n;
    for s in &r.segments {
        if skip >= s.text.len() {
            skip -= s.text.len();
            continue;
        }
        out.push(&s.text[skip..], s.train);
        skip = 0;
    }
    out
}

/// Writes a histogram of completion lengths.
pub fn histogram_png(path: &std::path::Path, stats: &TokenStats) -> Result<()> {
    let max = stats.completions.iter().copied().max().unwrap_or(1).max(1);
    let bins = 24usize;
    let width = max.div_ceil(bins).max(1);
    let mut counts = vec![0f64; bins];
    for &c in &stats.completions {
        counts[(c / width).min(bins - 1)] += 1.0;
    }
    let labels: Vec<String> = (0..bins).map(|i| format!("{}-{}", i * width, (i + 1) * width - 1)).collect();
    crate::plot::bar_chart(path, "Completion tokens per example", "examples", &labels, &counts, None)
}
