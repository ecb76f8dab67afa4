//! The Delia dataset: synthesis from the tool schemas, harvest from test files, a held-out eval
//! split, and the JSONL files `fg train` and `fg eval` read.
//!
//! Each line of `train.jsonl` / `eval.jsonl` is an `Example`: the structured conversation
//! (`messages`), the tools it calls, where it came from, and `text`, the exact rendered string in
//! the chosen format (the seed's custom-data shape `{"text", "source", "tool_calls"}` is a subset).
//!
//! Held out by phrasing and values: pools and phrasings are split by index (`gen::Split`), eval
//! requests never appear in train, and every tool has eval examples.

pub mod corpus;
pub mod gen;
pub mod generic;
pub mod grounded;
pub mod harvest;
pub mod results;
pub mod stats;
pub mod synth;
pub mod values;

use crate::format::{Call, Format, Message};
use crate::tools::Tools;
use anyhow::{bail, Context, Result};
use gen::{styled, Gen, Split, Style, STYLES};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// What an example teaches, and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One call, synthesized.
    Call,
    /// A request no tool serves: a text answer.
    NoCall,
    /// A call after earlier turns.
    MultiTurn,
    /// Several calls in one turn.
    Parallel,
    /// A request close to another tool's.
    NearMiss,
    /// A call harvested from test files.
    Harvested,
    /// A request written by hand (the corpus).
    Natural,
    /// A call, its real result and the answer grounded in it.
    Grounded,
    /// A line of an `--extra` file.
    Custom,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Call => "call",
            Kind::NoCall => "no_call",
            Kind::MultiTurn => "multi_turn",
            Kind::Parallel => "parallel",
            Kind::NearMiss => "near_miss",
            Kind::Harvested => "harvested",
            Kind::Natural => "natural",
            Kind::Grounded => "grounded",
            Kind::Custom => "custom",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The file an example is written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SplitName {
    #[serde(rename = "train")]
    Train,
    #[serde(rename = "eval")]
    Eval,
    #[serde(rename = "natural-eval")]
    NaturalEval,
}

impl std::fmt::Display for SplitName {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match self {
            SplitName::Train => "train",
            SplitName::Eval => "eval",
            SplitName::NaturalEval => "natural-eval",
        })
    }
}

/// One training or eval example.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Example {
    pub id: String,
    pub kind: Kind,
    pub source: String,
    pub split: SplitName,
    pub format: Format,
    pub tools_hash: String,
    pub messages: Vec<Message>,
    pub tool_calls: Vec<String>,
    pub text: String,
}

impl Example {
    /// The user's request (the first user message).
    pub fn query(&self) -> Option<&str> {
        self.messages.iter().find_map(|m| match m {
            Message::User { content } => Some(content.as_str()),
            _ => None,
        })
    }

    /// The call the model should make first, or None when it should answer in text.
    pub fn expected(&self) -> Option<&Call> {
        self.messages.iter().find_map(|m| match m {
            Message::Assistant { tool_calls, .. } => Some(tool_calls.first()),
            _ => None,
        })?
    }
}

pub struct BuildOptions {
    pub harvest: Vec<PathBuf>,
    pub seed: u64,
    /// Multiplies the number of examples (1.0: at least 60 train and 10 eval per tool).
    pub scale: f32,
    pub format: Format,
    /// The natural corpus (`data/corpus/`): its train part joins train, the rest is
    /// `natural_eval`. None: no corpus.
    pub corpus: Option<corpus::Corpus>,
    /// How many times each natural train request appears in train (it is a few hundred requests
    /// beside thousands of synthesised ones).
    pub natural_repeat: usize,
}

pub struct Dataset {
    pub train: Vec<Example>,
    pub eval: Vec<Example>,
    /// The held-out part of the natural corpus (empty without one).
    pub natural_eval: Vec<Example>,
    pub stats: BuildStats,
}

#[derive(Debug, Default, Serialize)]
pub struct BuildStats {
    pub format: String,
    pub seed: u64,
    pub scale: f32,
    pub tools_hash: String,
    pub train: SplitStats,
    pub eval: SplitStats,
    pub natural_eval: SplitStats,
    pub harvest: harvest::HarvestStats,
    /// Tools that got only generic requests (`generic`), with why: no phrasings of their own, or
    /// a schema other than the one their phrasings were written for.
    pub generic_tools: BTreeMap<String, String>,
}

#[derive(Debug, Default, Serialize)]
pub struct SplitStats {
    pub examples: usize,
    pub by_kind: BTreeMap<String, usize>,
    /// Examples in which each tool is called.
    pub by_tool: BTreeMap<String, usize>,
    pub by_style: BTreeMap<String, usize>,
}

/// Per-tool targets at scale 1. Train counts only change the train split (eval draws from seeds
/// of its own); more train calls show more of the train-only phrasings.
const CALLS_TRAIN: f32 = 192.0;
const CALLS_TRAIN_JSON_ARGUMENTS: f32 = 256.0;
const CALLS_EVAL: f32 = 12.0;
const NEAR_MISS_TRAIN: f32 = 12.0;
const NEAR_MISS_EVAL: f32 = 2.0;
const MULTI_TURN_TRAIN: f32 = 12.0;
const MULTI_TURN_EVAL: f32 = 2.0;
const PARALLEL_TRAIN: f32 = 24.0;
const PARALLEL_EVAL: f32 = 4.0;
/// Train examples whose tool results come from really running the file tools on generated
/// workspaces, and from Delia-shaped results.
const GROUNDED_FILES: f32 = 3600.0;
const GROUNDED_DELIA: f32 = 240.0;

struct Builder<'a> {
    tools: &'a Tools,
    format: Format,
    seed: u64,
    out: Vec<Example>,
    split: Split,
    /// Requests already used in this split, and (for eval) in train.
    seen: HashSet<String>,
    train_requests: HashSet<String>,
    styles: BTreeMap<String, usize>,
    /// Tools synthesised with generic requests (names from `BuildStats::generic_tools`).
    generic: HashSet<String>,
}

impl<'a> Builder<'a> {
    /// Whether the file declares `tool` and its own phrasings fit it.
    fn tailored(&self, tool: &str) -> bool {
        self.tools.get(tool).is_some() && !self.generic.contains(tool)
    }

    /// A request core for `tool`: its own phrasings, or generic ones.
    fn core(&self, tool: &str, g: &mut Gen) -> synth::Core {
        match self.tools.get(tool) {
            Some(t) if self.generic.contains(tool) => generic::generate(t, g),
            _ => synth::generate(tool, g),
        }
    }

    fn gen(&self, what: &str) -> Gen {
        let h = crate::hash::fnv1a(format!("{}/{what}/{:?}", self.seed, self.split).as_bytes());
        Gen::new(h, self.split)
    }

    /// Adds an example unless its request was seen; returns whether it was added.
    fn add(&mut self, kind: Kind, source: String, messages: Vec<Message>) -> Result<bool> {
        let request = messages.iter().find_map(|m| if let Message::User { content } = m { Some(content.clone()) } else { None }).unwrap_or_default();
        let key = request.trim().to_lowercase();
        if self.seen.contains(&key) || (self.split == Split::Eval && self.train_requests.contains(&key)) {
            return Ok(false);
        }
        let split = if self.split == Split::Train { SplitName::Train } else { SplitName::Eval };
        let id = format!("{split}-{kind}-{:05}", self.out.len());
        let example = self.example(id, kind, &source, split, messages)?;
        self.seen.insert(key);
        self.out.push(example);
        Ok(true)
    }

    /// An example of `messages`, its calls checked and its text rendered (the natural corpus and
    /// grounded examples come through here directly: they are not deduplicated by request).
    fn example(&self, id: String, kind: Kind, source: &str, split: SplitName, messages: Vec<Message>) -> Result<Example> {
        let mut tool_calls = Vec::new();
        for m in &messages {
            if let Message::Assistant { tool_calls: calls, .. } = m {
                for c in calls {
                    self.tools.check_call(&c.name, &c.arguments).with_context(|| format!("{source}: call {} {}", c.name, serde_json::Value::Object(c.arguments.clone())))?;
                    tool_calls.push(c.name.clone());
                }
            }
        }
        let text = self.format.render(self.tools, None, &messages, false)?.text();
        Ok(Example { id, kind, source: source.into(), split, format: self.format, tools_hash: self.tools.hash.clone(), messages, tool_calls, text })
    }

    fn single_calls(&mut self, tool: &str, n: usize) -> Result<()> {
        let mut g = self.gen(&format!("call/{tool}"));
        let mut made = 0;
        for _ in 0..n * 60 {
            if made == n {
                break;
            }
            let style = STYLES[g.rng.below(STYLES.len())];
            g.set_typos(style == Style::Typo);
            let core = self.core(tool, &mut g);
            g.set_typos(false);
            let request = styled(&mut g, &core.text, style);
            let call = Call { name: tool.into(), arguments: core.arguments };
            let messages = vec![Message::User { content: request }, Message::Assistant { content: None, tool_calls: vec![call] }];
            let style_name = serde_json::to_value(style)?.as_str().unwrap_or_default().to_string();
            if self.add(Kind::Call, format!("synth:{tool}:{style_name}"), messages)? {
                made += 1;
                *self.styles.entry(style_name).or_default() += 1;
            }
        }
        if made < n {
            bail!("could only synthesise {made} of {n} distinct {tool} requests for {:?}", self.split);
        }
        Ok(())
    }

    fn near_misses(&mut self, rounds: usize) -> Result<()> {
        for (gi, group) in synth::NEAR_MISS_GROUPS.iter().enumerate() {
            if !group.iter().all(|t| self.tailored(t)) {
                continue;
            }
            let mut g = self.gen(&format!("near_miss/{gi}"));
            let mut made = 0;
            for _ in 0..rounds * 30 {
                if made >= rounds {
                    break;
                }
                g.set_sticky(true);
                let style = [Style::Imperative, Style::Question, Style::Polite][g.rng.below(3)];
                let mut added = false;
                for tool in group.iter() {
                    let core = synth::generate(tool, &mut g);
                    let request = styled(&mut g, &core.text, style);
                    let messages = vec![Message::User { content: request }, Message::Assistant { content: None, tool_calls: vec![Call { name: (*tool).into(), arguments: core.arguments }] }];
                    added |= self.add(Kind::NearMiss, format!("synth:near_miss:{}", group.join("|")), messages)?;
                }
                g.set_sticky(false);
                made += usize::from(added);
            }
        }
        Ok(())
    }

    fn multi_turns(&mut self, per_tool: usize) -> Result<()> {
        // Train shows the file tools' results through `grounded` (real runs); the eval split
        // draws as before.
        let grounded = |t: &&str| self.split == Split::Train && grounded::FILE_TOOLS.contains(t);
        let tools: Vec<&str> = results::TOOLS.iter().copied().filter(|t| self.tailored(t) && !grounded(t)).collect();
        for tool in tools {
            let mut g = self.gen(&format!("multi/{tool}"));
            let mut made = 0;
            for _ in 0..per_tool * 40 {
                if made == per_tool {
                    break;
                }
                let style = [Style::Imperative, Style::Question, Style::Polite, Style::Context][g.rng.below(4)];
                let core = synth::generate(tool, &mut g);
                let request = styled(&mut g, &core.text, style);
                let call = Call { name: tool.into(), arguments: core.arguments };
                let (result, answer) = results::result_and_answer(&call, &mut g);
                let messages = vec![
                    Message::User { content: request },
                    Message::Assistant { content: None, tool_calls: vec![call] },
                    Message::Tool { name: tool.into(), content: result },
                    Message::Assistant { content: Some(answer), tool_calls: vec![] },
                ];
                made += usize::from(self.add(Kind::MultiTurn, format!("synth:multi_turn:{tool}"), messages)?);
            }
        }
        Ok(())
    }

    fn parallel(&mut self, n: usize) -> Result<()> {
        // Per tool: phrasings, then train-only phrasings (`Gen::pick_plus`).
        const PAIRS: &[(&str, &[&str], &[&str])] = &[
            (
                "read_file",
                &["read {a} and {b}", "show me both {a} and {b}", "open {a} as well as {b}", "?what's in {a} and in {b}?", "print {a}, then {b}", "display {a} and also {b}"],
                &["cat {a} and {b}", "!I need to see {a} and {b}", "pull up {a} together with {b}"],
            ),
            (
                "delete_file",
                &["delete {a} and {b}", "remove both {a} and {b}", "get rid of {a} and {b}", "rm {a} {b}", "erase {a} as well as {b}"],
                &["delete both {a} and {b}", "trash {a} and also {b}", "!we don't need {a} or {b} anymore, delete them"],
            ),
            (
                "web_search",
                &["search the web for {a} and for {b}", "look up {a}, and separately {b}", "google both {a} and {b}", "do two web searches: {a}; {b}", "find information online on {a} and on {b}"],
                &["search online for {a} and also for {b}", "run two searches: {a}, and {b}", "duckduckgo {a} and then {b}"],
            ),
            (
                "get_model_info_tool",
                &["compare {a} and {b}", "get info on {a} and {b}", "tell me about the models {a} and {b}", "show details for both {a} and {b}", "?how do {a} and {b} differ?"],
                &["describe {a} and {b}", "?what tiers are {a} and {b} in?", "show the context windows of {a} and {b}"],
            ),
            (
                "list_directory",
                &["list {a} and {b}", "show the contents of both {a} and {b}", "ls {a} {b}", "?what's in {a} and {b}?", "list the files in {a} and in {b}"],
                &["list both {a} and {b}", "give me listings of {a} and {b}", "?which files are in {a} and in {b}?"],
            ),
        ];
        let mut g = self.gen("parallel");
        let mut made = 0;
        for _ in 0..n * 40 {
            if made == n {
                break;
            }
            let usable: Vec<&(&str, &[&str], &[&str])> = PAIRS.iter().filter(|(t, _, _)| self.tailored(t)).collect();
            if usable.is_empty() {
                return Ok(());
            }
            let (tool, templates, extra) = *usable[g.rng.below(usable.len())];
            let (key, pool): (&str, &[&str]) = match tool {
                "read_file" | "delete_file" => ("path", values::PATHS),
                "web_search" => ("query", values::QUERIES),
                "get_model_info_tool" => ("model_name", values::MODEL_NAMES),
                _ => ("path", values::DIRS),
            };
            let (a, b) = g.pick_two(pool);
            let t = g.pick_plus(templates, extra);
            let core = g.fill(t, &[("a", a.into()), ("b", b.into())]);
            let style = [Style::Imperative, Style::Polite, Style::Question][g.rng.below(3)];
            let request = styled(&mut g, &core, style);
            let calls = [a, b].iter().map(|v| Call { name: tool.into(), arguments: gen::args(vec![(key, gen::s(*v))]) }).collect();
            let messages = vec![Message::User { content: request }, Message::Assistant { content: None, tool_calls: calls }];
            made += usize::from(self.add(Kind::Parallel, format!("synth:parallel:{tool}"), messages)?);
        }
        Ok(())
    }

    /// `variants` forms of each no-call request of this split, then `train_only` requests of
    /// NO_CALL_TRAIN spread evenly over it (train only).
    fn no_calls(&mut self, variants: usize, train_only: usize) -> Result<()> {
        let mut g = self.gen("no_call");
        // NO_CALL is split by index; NO_CALL_TRAIN comes after it, so the eval split draws exactly
        // what it drew before.
        let train = self.split == Split::Train;
        let own = synth::NO_CALL.iter().enumerate().filter(|(i, _)| gen::is_eval_index(*i) != train).map(|(_, r)| r);
        let n = synth::NO_CALL_TRAIN.len();
        let keep = if train { train_only.min(n) } else { 0 };
        let extra = (0..keep).map(|k| &synth::NO_CALL_TRAIN[k * n / keep]);
        for (request, answer) in own.chain(extra) {
            let forms = [
                request.to_string(),
                request.to_lowercase().trim_end_matches(['.', '!', '?']).to_string(),
                format!("{} {}", g.pick(&["Hey,", "Quick one:", "So,", "Um,", "Hello,"][..]), request),
                format!("{request} {}", g.pick(&[":)", "please", "thanks", "!!"][..])),
            ];
            for f in forms.iter().take(variants) {
                let messages = vec![Message::User { content: f.clone() }, Message::Assistant { content: Some(answer.to_string()), tool_calls: vec![] }];
                self.add(Kind::NoCall, "synth:no_call".into(), messages)?;
            }
        }
        Ok(())
    }
}

/// Builds the dataset for `tools`: synthesis for every tool this module knows, plus harvested calls.
pub fn build(tools: &Tools, opts: &BuildOptions) -> Result<Dataset> {
    let scaled = |x: f32| ((x * opts.scale).round() as usize).max(1);
    let mut stats = BuildStats { format: opts.format.name().into(), seed: opts.seed, scale: opts.scale, tools_hash: tools.hash.clone(), ..Default::default() };
    // Every tool gets single calls: its own phrasings where they fit its schema, generic ones
    // otherwise.
    let known: Vec<&str> = tools.names().collect();
    stats.generic_tools = tools.tools.iter().filter_map(|t| synth::fits(t).err().map(|why| (t.name.clone(), why))).collect();
    let generic = stats.generic_tools.keys().cloned().collect();

    let mut b = Builder { tools, format: opts.format, seed: opts.seed, out: Vec::new(), split: Split::Train, seen: HashSet::new(), train_requests: HashSet::new(), styles: BTreeMap::new(), generic };
    let mut splits = Vec::new();
    for split in [Split::Train, Split::Eval] {
        b.split = split;
        b.out.clear();
        b.styles.clear();
        b.seen.clear();
        let train = split == Split::Train;
        for tool in &known {
            let calls = match (train, synth::JSON_ARGUMENT_TOOLS.contains(tool)) {
                (true, true) => CALLS_TRAIN_JSON_ARGUMENTS,
                (true, false) => CALLS_TRAIN,
                (false, _) => CALLS_EVAL,
            };
            b.single_calls(tool, scaled(calls))?;
        }
        // Near-miss groups, multi-turn and parallel examples use the tools the file declares.
        b.near_misses(scaled(if train { NEAR_MISS_TRAIN } else { NEAR_MISS_EVAL }))?;
        b.multi_turns(scaled(if train { MULTI_TURN_TRAIN } else { MULTI_TURN_EVAL }))?;
        b.parallel(scaled(if train { PARALLEL_TRAIN } else { PARALLEL_EVAL }))?;
        b.no_calls(if train { 4 } else { 2 }, if train { scaled(synth::NO_CALL_TRAIN.len() as f32) } else { 0 })?;
        if train && !opts.harvest.is_empty() {
            let found = harvest::harvest(&opts.harvest, tools, &mut stats.harvest)?;
            let mut g = b.gen("harvest");
            for h in found {
                let request = describe_call(&h.call, &mut g);
                let source = format!("harvest:{}:{}", h.shape, h.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default());
                let messages = vec![Message::User { content: request }, Message::Assistant { content: None, tool_calls: vec![h.call] }];
                b.add(Kind::Harvested, source, messages)?;
            }
        }
        if train {
            b.train_requests = b.seen.clone();
        }
        let split_stats = split_stats(&b.out, &b.styles);
        if train {
            stats.train = split_stats;
        } else {
            stats.eval = split_stats;
        }
        splits.push(std::mem::take(&mut b.out));
    }
    let eval = splits.pop().unwrap();
    let mut train = splits.pop().unwrap();
    // Added after both splits are drawn, so the generated eval split never depends on them.
    b.split = Split::Train;
    b.out = std::mem::take(&mut train);
    b.seen = b.train_requests.clone();
    let mut natural_eval = Vec::new();
    if let Some(c) = &opts.corpus {
        let (natural_train, held) = corpus::split(corpus::load_corpus(c, tools)?);
        let held_keys: HashSet<String> = held.iter().map(|e| corpus::key(&e.request)).collect();
        b.out.retain(|e| e.query().is_none_or(|q| !held_keys.contains(&corpus::key(q))));
        natural_eval = held
            .iter()
            .enumerate()
            .map(|(i, e)| b.example(format!("natural-eval-{i:05}"), Kind::Natural, &format!("corpus:{}:{}", e.file, e.line), SplitName::NaturalEval, e.messages()))
            .collect::<Result<_>>()?;
        for e in &natural_train {
            for r in 0..opts.natural_repeat.max(1) {
                let id = format!("train-natural-{:05}{}", b.out.len(), if r > 0 { format!("-r{r}") } else { String::new() });
                let ex = b.example(id, Kind::Natural, &format!("corpus:{}:{}", e.file, e.line), SplitName::Train, e.messages())?;
                b.out.push(ex);
            }
        }
    }
    let seed = opts.seed;
    // Grounded examples call the tools whose phrasings fit the file's schemas (another tools file
    // may lack some or have changed them).
    let fits = |g: &grounded::Grounded| {
        g.messages.iter().all(|m| match m {
            Message::Assistant { tool_calls, .. } => tool_calls.iter().all(|c| b.tailored(&c.name)),
            _ => true,
        })
    };
    let grounded_examples: Vec<grounded::Grounded> =
        grounded::file_examples(scaled(GROUNDED_FILES), seed)?.into_iter().chain(grounded::delia_examples(scaled(GROUNDED_DELIA), seed ^ 0xde11a)?).filter(fits).collect();
    for g in grounded_examples {
        // Not deduplicated by request: the same question on another workspace has another answer.
        let id = format!("train-grounded-{:05}", b.out.len());
        let ex = b.example(id, Kind::Grounded, &format!("grounded:{}", g.kind), SplitName::Train, g.messages)?;
        b.out.push(ex);
    }
    let train = b.out;
    stats.train = split_stats(&train, &b.styles);
    stats.natural_eval = split_stats(&natural_eval, &BTreeMap::new());
    Ok(Dataset { train, eval, natural_eval, stats })
}

impl SplitStats {
    pub fn of(examples: &[Example]) -> SplitStats {
        split_stats(examples, &BTreeMap::new())
    }
}

fn split_stats(examples: &[Example], styles: &BTreeMap<String, usize>) -> SplitStats {
    let mut s = SplitStats { examples: examples.len(), by_style: styles.clone(), ..Default::default() };
    for e in examples {
        *s.by_kind.entry(e.kind.name().to_string()).or_default() += 1;
        let mut tools: Vec<&String> = e.tool_calls.iter().collect();
        tools.dedup();
        for t in tools {
            *s.by_tool.entry(t.clone()).or_default() += 1;
        }
    }
    s
}

/// A request for a harvested call, which comes without one: the call's arguments in words.
fn describe_call(call: &Call, g: &mut Gen) -> String {
    let parts: Vec<String> = call
        .arguments
        .iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{} {v}", k.replace('_', " "))
        })
        .collect();
    let name = call.name.replace('_', " ");
    let frame = g.pick(&["Use {t} with {a}.", "Run {t}: {a}.", "Please call {t} with {a}.", "{T} with {a}, please."][..]);
    let args = if parts.is_empty() { "no arguments".to_string() } else { parts.join(", ") };
    frame.replace("{T}", &gen::capitalize(&name)).replace("{t}", &name).replace("{a}", &args)
}

/// Writes `train.jsonl`, `eval.jsonl`, `stats.json` and `summary.md` into `out`.
pub fn write(ds: &Dataset, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut files = vec![("train.jsonl", &ds.train), ("eval.jsonl", &ds.eval)];
    if !ds.natural_eval.is_empty() {
        files.push(("natural-eval.jsonl", &ds.natural_eval));
    }
    for (name, examples) in files {
        crate::fsx::write_atomic_with(&out.join(name), |w| {
            use std::io::Write;
            for e in examples {
                serde_json::to_writer(&mut *w, e)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        })?;
    }
    crate::fsx::write_atomic(&out.join("stats.json"), serde_json::to_string_pretty(&ds.stats)?.as_bytes())?;
    crate::fsx::write_atomic(&out.join("summary.md"), summary(&ds.stats).as_bytes())?;
    Ok(())
}

/// The human-readable summary of a build.
pub fn summary(s: &BuildStats) -> String {
    let mut md = format!(
        "# Dataset\n\nformat {}, seed {}, scale {}, tools {}\n\n| | train | eval | natural eval |\n|---|---|---|---|\n| examples | {} | {} | {} |\n",
        s.format, s.seed, s.scale, s.tools_hash, s.train.examples, s.eval.examples, s.natural_eval.examples
    );
    let kinds: std::collections::BTreeSet<&String> = s.train.by_kind.keys().chain(s.eval.by_kind.keys()).chain(s.natural_eval.by_kind.keys()).collect();
    for k in kinds {
        md += &format!("| {k} | {} | {} | {} |\n", s.train.by_kind.get(k).unwrap_or(&0), s.eval.by_kind.get(k).unwrap_or(&0), s.natural_eval.by_kind.get(k).unwrap_or(&0));
    }
    md += "\n## Examples calling each tool\n\n| tool | train | eval | natural eval |\n|---|---|---|---|\n";
    let tools: std::collections::BTreeSet<&String> = s.train.by_tool.keys().chain(s.eval.by_tool.keys()).collect();
    for t in tools {
        md += &format!("| {t} | {} | {} | {} |\n", s.train.by_tool.get(t).unwrap_or(&0), s.eval.by_tool.get(t).unwrap_or(&0), s.natural_eval.by_tool.get(t).unwrap_or(&0));
    }
    if !s.generic_tools.is_empty() {
        md += "\n## Tools with generic requests only\n\n";
        for (tool, why) in &s.generic_tools {
            md += &format!("- {tool}: {why}\n");
        }
    }
    if s.harvest.files_scanned > 0 {
        md += &format!("\n## Harvest\n\n{} files scanned, {} calls found, {} kept, {} duplicates\n\n", s.harvest.files_scanned, s.harvest.found, s.harvest.kept, s.harvest.duplicates);
        for (reason, n) in &s.harvest.dropped {
            md += &format!("- dropped ({reason}): {n}\n");
        }
    }
    md
}

/// Reads examples from a JSONL file: fg's own lines, or the seed's custom-data lines
/// (`{"text": …, "source": …, "tool_calls": […]}`), which become examples with text only.
pub fn read_jsonl(path: &Path) -> Result<Vec<Example>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    examples_of(&text, path).with_context(|| {
        crate::error::BadInput::new(format!("invalid dataset {}", path.display()), "each line is an fg example (as `fg data build` writes them) or {\"text\": …, \"source\": …, \"tool_calls\": […]}")
    })
}

/// The examples of a JSONL file's `text` (`path` names its lines in errors).
fn examples_of(text: &str, path: &Path) -> Result<Vec<Example>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).with_context(|| format!("{}:{}: not JSON", path.display(), i + 1))?;
        if v.get("messages").is_some() {
            out.push(serde_json::from_value(v).with_context(|| format!("{}:{}: not an fg example", path.display(), i + 1))?);
        } else {
            let text = v.get("text").and_then(|t| t.as_str()).with_context(|| format!("{}:{}: a custom line needs \"text\"", path.display(), i + 1))?;
            out.push(Example {
                id: format!("custom-{i}"),
                kind: Kind::Custom,
                source: v.get("source").and_then(|s| s.as_str()).unwrap_or("custom").into(),
                split: SplitName::Train,
                format: Format::FunctionGemma,
                tools_hash: String::new(),
                messages: Vec::new(),
                tool_calls: v.get("tool_calls").and_then(|t| serde_json::from_value(t.clone()).ok()).unwrap_or_default(),
                text: text.into(),
            });
        }
    }
    Ok(out)
}
