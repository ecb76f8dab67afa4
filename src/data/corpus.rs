//! The natural corpus: requests written by people, one file per tool in `data/corpus/`
//! (`{"request", "calls", "answer"?}` per line, see its README), separate from the generator.
//!
//! Every call is checked against its tool's schema; a bad line is a bad input file. The corpus is
//! split by request, a quarter of each file held out (`natural-eval.jsonl`): within a file the
//! requests are ranked by a hash of their text and every fourth rank is held out, so the split
//! depends on the file's requests alone, never on their order or on the seed.

use crate::error::BadInput;
use crate::format::Call;
use crate::hash::fnv1a;
use crate::tools::Tools;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One request of the corpus.
#[derive(Clone, Debug)]
pub struct Entry {
    pub request: String,
    /// The calls of the model's first turn; empty when it should answer in text.
    pub calls: Vec<Call>,
    pub answer: Option<String>,
    /// The file's stem (its tool, or `no_call_…`), the stratum of the split.
    pub file: String,
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    request: String,
    calls: Vec<Call>,
    answer: Option<String>,
}

const HINT: &str = "each line is {\"request\": …, \"calls\": [{\"name\", \"arguments\"}…], \"answer\"?: …} with calls valid for the tools file (data/corpus/README.md)";

/// The held-out share: one request in `HELD_OUT` of each file.
const HELD_OUT: usize = 4;

impl Entry {
    /// The conversation: the request, then the calls or the answer.
    pub fn messages(&self) -> Vec<crate::format::Message> {
        use crate::format::Message;
        let reply = if self.calls.is_empty() { Message::Assistant { content: self.answer.clone(), tool_calls: vec![] } } else { Message::Assistant { content: None, tool_calls: self.calls.clone() } };
        vec![Message::User { content: self.request.clone() }, reply]
    }
}

/// Where the corpus comes from: a folder of `*.jsonl` files, or the copy built into fg (the
/// project's data/corpus when fg was built).
#[derive(Clone, Debug, PartialEq)]
pub enum Corpus {
    Dir(PathBuf),
    Shipped,
}

mod shipped {
    include!(concat!(env!("OUT_DIR"), "/corpus_files.rs"));
}

/// Reads the corpus, checking each line.
pub fn load_corpus(corpus: &Corpus, tools: &Tools) -> Result<Vec<Entry>> {
    match corpus {
        Corpus::Dir(dir) => load(dir, tools),
        Corpus::Shipped => load_texts(shipped::FILES.iter().map(|(name, text)| (format!("data/corpus/{name}"), text.to_string())).collect(), tools, "the built-in corpus"),
    }
}

/// Reads every `*.jsonl` of `dir` (in name order), checking each line.
pub fn load(dir: &Path, tools: &Tools) -> Result<Vec<Entry>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the corpus folder {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut texts = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        texts.push((path.display().to_string(), text));
    }
    load_texts(texts, tools, &format!("the corpus folder {}", dir.display()))
}

/// Checks and collects the lines of `(path, text)` files.
fn load_texts(files: Vec<(String, String)>, tools: &Tools, what: &str) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (path, text) in files {
        let file = Path::new(&path).file_stem().unwrap_or_default().to_string_lossy().into_owned();
        for (i, raw) in text.lines().enumerate() {
            if raw.trim().is_empty() {
                continue;
            }
            let at = format!("{path}:{}", i + 1);
            let bad = || BadInput::new(format!("invalid corpus line {at}"), HINT);
            let entry = entry(raw, tools, &file, i + 1).with_context(bad)?;
            if !seen.insert(key(&entry.request)) {
                return Err(anyhow::anyhow!("the same request appears earlier in the corpus")).with_context(bad);
            }
            out.push(entry);
        }
    }
    if out.is_empty() {
        return Err(anyhow::anyhow!("no *.jsonl lines")).context(BadInput::new(format!("{what} has no requests"), HINT));
    }
    Ok(out)
}

fn entry(raw: &str, tools: &Tools, file: &str, line: usize) -> Result<Entry> {
    let l: Line = serde_json::from_str(raw).context("expected {\"request\": …, \"calls\": [{\"name\", \"arguments\"}…], \"answer\"?: …}")?;
    if l.request.trim().is_empty() {
        bail!("the request is empty");
    }
    if l.calls.is_empty() && l.answer.as_deref().is_none_or(|a| a.trim().is_empty()) {
        bail!("a request with no calls needs an \"answer\"");
    }
    let mut calls = Vec::new();
    for mut c in l.calls {
        tools.check_call(&c.name, &c.arguments).map_err(|e| anyhow::anyhow!("{} {}: {e}", c.name, Value::Object(c.arguments.clone())))?;
        canonical_json_text(tools, &mut c);
        calls.push(c);
    }
    Ok(Entry { request: l.request, calls, answer: l.answer.filter(|a| !a.trim().is_empty()), file: file.into(), line })
}

/// The key requests are compared by (case and surrounding space do not make a new request).
pub fn key(request: &str) -> String {
    request.trim().to_lowercase()
}

/// Arguments that carry JSON as text (their description says JSON) rewritten compactly, keys in
/// the order written, as the generator writes them: the model learns one spelling.
pub fn canonical_json_text(tools: &Tools, call: &mut Call) {
    let Some(tool) = tools.get(&call.name) else { return };
    for (k, v) in call.arguments.iter_mut() {
        let described_json = tool.parameters["properties"][k]["description"].as_str().is_some_and(|d| d.contains("JSON"));
        if let (true, Some(text)) = (described_json, v.as_str()) {
            if let Ok(parsed @ (Value::Array(_) | Value::Object(_))) = serde_json::from_str::<Value>(text) {
                *v = Value::String(parsed.to_string());
            }
        }
    }
}

/// Splits `entries` into (train, held out): in each file, every `HELD_OUT`-th request by the rank
/// of its hash.
pub fn split(entries: Vec<Entry>) -> (Vec<Entry>, Vec<Entry>) {
    let mut by_file: std::collections::BTreeMap<String, Vec<Entry>> = Default::default();
    for e in entries {
        by_file.entry(e.file.clone()).or_default().push(e);
    }
    let (mut train, mut held) = (Vec::new(), Vec::new());
    for (_, mut list) in by_file {
        list.sort_by_key(|e| (fnv1a(key(&e.request).as_bytes()), e.line));
        for (rank, e) in list.into_iter().enumerate() {
            if rank % HELD_OUT == HELD_OUT - 1 {
                held.push(e);
            } else {
                train.push(e);
            }
        }
    }
    // Back in file order, so that the outputs read like the corpus.
    for part in [&mut train, &mut held] {
        part.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    }
    (train, held)
}
