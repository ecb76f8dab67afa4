//! Tool-call accuracy of a model on an eval set: every case goes through the agent's engine (the
//! same prompt, grammar and decoding as `fg agent`), no tool is executed, and the first call of
//! the model's turn is compared with the expected one.
//!
//! A case is the dataset's own example (the last assistant turn is the target, everything before
//! it the context) or a plain `{"query": …, "expect": {"name", "arguments"} | null}` line.

pub mod answers;
pub mod tasks;

use crate::agent::run::Agent;
use crate::data::Example;
use crate::format::{Call, Message};
use crate::tools::Tools;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// One case: the conversation before the model's turn, and what that turn should call first.
#[derive(Clone, Debug)]
pub struct Case {
    pub id: String,
    pub query: String,
    pub context: Vec<Message>,
    pub expect: Option<Call>,
}

#[derive(Deserialize)]
struct Plain {
    query: String,
    expect: Option<Call>,
}

/// Reads an eval file (dataset examples or plain lines, mixed freely).
pub fn load_cases(path: &Path) -> Result<Vec<Case>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the eval set {}", path.display()))?;
    cases_of(&text, path).with_context(|| {
        crate::error::BadInput::new(
            format!("invalid eval set {}", path.display()),
            "each line is an fg example (as `fg data build` writes them) or {\"query\": …, \"expect\": {\"name\", \"arguments\"} | null}",
        )
    })
}

/// The cases of an eval file's `text` (`path` names its lines in errors).
fn cases_of(text: &str, path: &Path) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), i + 1);
        let value: Value = serde_json::from_str(line).with_context(|| format!("{}: not JSON", at()))?;
        let case = if value.get("messages").is_some() {
            let ex: Example = serde_json::from_value(value).with_context(|| format!("{}: not an fg example", at()))?;
            case_of_example(&ex).with_context(at)?
        } else {
            let p: Plain = serde_json::from_value(value).with_context(|| format!("{}: expected {{\"query\": …, \"expect\": {{\"name\", \"arguments\"}} | null}}", at()))?;
            Case { id: format!("line-{}", i + 1), query: p.query.clone(), context: vec![Message::User { content: p.query }], expect: p.expect }
        };
        cases.push(case);
    }
    if cases.is_empty() {
        bail!("{} has no cases", path.display());
    }
    Ok(cases)
}

fn case_of_example(ex: &Example) -> Result<Case> {
    let last = ex.messages.iter().rposition(|m| matches!(m, Message::Assistant { .. })).context("the example has no assistant turn")?;
    let expect = match &ex.messages[last] {
        Message::Assistant { tool_calls, .. } => tool_calls.first().cloned(),
        _ => unreachable!(),
    };
    let query = ex.messages[..last].iter().rev().find_map(|m| match m {
        Message::User { content } => Some(content.clone()),
        _ => None,
    });
    Ok(Case { id: ex.id.clone(), query: query.context("the example has no user message before its last turn")?, context: ex.messages[..last].to_vec(), expect })
}

/// What the model did on one case.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub id: String,
    pub query: String,
    pub expect: Option<Call>,
    /// The first call, or None when the model answered in text (or wrote something unparsable).
    pub predicted: Option<Call>,
    pub parsed: bool,
    /// Every call of the turn passed the tools' JSON Schema (None: no call).
    pub schema_valid: Option<bool>,
    pub output: String,
    pub latency_ms: f64,
}

/// Runs every case through `agent` (one turn each, nothing executed). `progress` sees each
/// outcome as it comes.
pub fn run(agent: &mut Agent, cases: &[Case], mut progress: impl FnMut(&Outcome)) -> Result<Vec<Outcome>> {
    let mut out = Vec::with_capacity(cases.len());
    for c in cases {
        let start = std::time::Instant::now();
        let g = agent.turn(&c.context)?;
        let latency_ms = start.elapsed().as_secs_f64() * 1e3;
        let parsed = agent.opts.format.parse(&g.text);
        let (predicted, schema_valid, ok) = match &parsed {
            Ok(p) if !p.calls.is_empty() => (p.calls.first().cloned(), Some(p.calls.iter().all(|x| agent.tools.check_call(&x.name, &x.arguments).is_ok())), true),
            Ok(_) => (None, None, true),
            Err(_) => (None, None, false),
        };
        let o = Outcome { id: c.id.clone(), query: c.query.clone(), expect: c.expect.clone(), predicted, parsed: ok, schema_valid, output: g.text, latency_ms };
        progress(&o);
        out.push(o);
    }
    Ok(out)
}

/// Numbers compared by value (1 and 1.0 are the same argument), JSON carried as text (batch's
/// tasks, chain's steps) by what it says rather than its spacing, everything else as is.
fn normalize(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with(['[', '{']) => match serde_json::from_str::<Value>(s) {
            Ok(parsed @ (Value::Array(_) | Value::Object(_))) => normalize(&parsed),
            _ => v.clone(),
        },
        Value::Number(n) => n.as_f64().and_then(serde_json::Number::from_f64).map_or(v.clone(), Value::Number),
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), normalize(x))).collect()),
        _ => v.clone(),
    }
}

fn same_arguments(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    normalize(&Value::Object(a.clone())) == normalize(&Value::Object(b.clone()))
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ToolScore {
    pub n: usize,
    pub name_correct: usize,
    pub exact: usize,
}

/// The figures of an eval run (`--json` prints this, with the outcomes as `examples`).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub n: usize,
    /// Cases that expect a call / that expect a text answer.
    pub n_call: usize,
    pub n_no_call: usize,
    pub tool_name_accuracy: f64,
    pub exact_call_accuracy: f64,
    pub required_arg_accuracy: f64,
    pub schema_valid_rate: f64,
    pub parse_rate: f64,
    pub no_call_accuracy: f64,
    pub mean_latency_ms: f64,
    pub per_tool: BTreeMap<String, ToolScore>,
    /// (expected, called instead) → count; "(text)" when the model answered without a call or
    /// a call was expected to be absent.
    pub confusion: Vec<(String, String, usize)>,
    pub examples: Vec<Outcome>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

/// Scores `outcomes`. Call accuracies are over the cases that expect a call; the schema-valid
/// rate over the turns that made a call; the parse rate over all cases.
pub fn score(tools: &Tools, outcomes: Vec<Outcome>) -> Report {
    let (mut n_call, mut name_ok, mut exact, mut required_ok) = (0, 0, 0, 0);
    let (mut n_no_call, mut no_call_ok, mut with_call, mut valid, mut parsed) = (0, 0, 0, 0, 0);
    let mut per_tool: BTreeMap<String, ToolScore> = BTreeMap::new();
    let mut confusion: BTreeMap<(String, String), usize> = BTreeMap::new();
    let text = "(text)".to_string();
    for o in &outcomes {
        parsed += usize::from(o.parsed);
        if let Some(v) = o.schema_valid {
            with_call += 1;
            valid += usize::from(v);
        }
        let got = o.predicted.as_ref();
        match &o.expect {
            Some(want) => {
                n_call += 1;
                let t = per_tool.entry(want.name.clone()).or_default();
                t.n += 1;
                let right_name = got.is_some_and(|g| g.name == want.name);
                let right_args = right_name && got.is_some_and(|g| same_arguments(&g.arguments, &want.arguments));
                let required: Vec<&str> = tools.get(&want.name).map(|x| x.required()).unwrap_or_default();
                let right_required = right_name
                    && got.is_some_and(|g| {
                        required.iter().all(|r| match (g.arguments.get(*r), want.arguments.get(*r)) {
                            (Some(a), Some(b)) => normalize(a) == normalize(b),
                            (None, None) => true,
                            _ => false,
                        })
                    });
                name_ok += usize::from(right_name);
                exact += usize::from(right_args);
                required_ok += usize::from(right_required);
                t.name_correct += usize::from(right_name);
                t.exact += usize::from(right_args);
                if !right_name {
                    *confusion.entry((want.name.clone(), got.map_or(text.clone(), |g| g.name.clone()))).or_default() += 1;
                }
            }
            None => {
                n_no_call += 1;
                match got {
                    None if o.parsed => no_call_ok += 1,
                    _ => *confusion.entry((text.clone(), got.map_or("(unparsable)".into(), |g| g.name.clone()))).or_default() += 1,
                }
            }
        }
    }
    let mut confusion: Vec<(String, String, usize)> = confusion.into_iter().map(|((a, b), n)| (a, b, n)).collect();
    confusion.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let n = outcomes.len();
    Report {
        n,
        n_call,
        n_no_call,
        tool_name_accuracy: ratio(name_ok, n_call),
        exact_call_accuracy: ratio(exact, n_call),
        required_arg_accuracy: ratio(required_ok, n_call),
        schema_valid_rate: ratio(valid, with_call),
        parse_rate: ratio(parsed, n),
        no_call_accuracy: ratio(no_call_ok, n_no_call),
        mean_latency_ms: outcomes.iter().map(|o| o.latency_ms).sum::<f64>() / n.max(1) as f64,
        per_tool,
        confusion,
        examples: outcomes,
    }
}

pub(crate) fn pct(x: f64) -> String {
    if x.is_nan() {
        "–".into()
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

impl Report {
    /// The headline figures as (name, value) rows.
    pub fn headline(&self) -> Vec<(&'static str, String)> {
        vec![
            ("tool-name accuracy", pct(self.tool_name_accuracy)),
            ("exact-call accuracy", pct(self.exact_call_accuracy)),
            ("required-argument accuracy", pct(self.required_arg_accuracy)),
            ("schema-valid rate", pct(self.schema_valid_rate)),
            ("parse rate", pct(self.parse_rate)),
            ("no-call accuracy", pct(self.no_call_accuracy)),
            ("mean latency", format!("{:.0} ms", self.mean_latency_ms)),
        ]
    }

    /// The markdown report: headline, per-tool table, confusions, and the misses.
    pub fn markdown(&self, title: &str) -> String {
        let mut s = format!("# {title}\n\n{} cases ({} expect a call, {} a text answer)\n\n| metric | value |\n|---|---|\n", self.n, self.n_call, self.n_no_call);
        for (k, v) in self.headline() {
            s += &format!("| {k} | {v} |\n");
        }
        s += "\n## Per tool\n\n| tool | cases | name right | exact |\n|---|---|---|---|\n";
        for (name, t) in &self.per_tool {
            s += &format!("| {name} | {} | {} | {} |\n", t.n, pct(ratio(t.name_correct, t.n)), pct(ratio(t.exact, t.n)));
        }
        if !self.confusion.is_empty() {
            s += "\n## Confusions (expected → called instead)\n\n| expected | called | times |\n|---|---|---|\n";
            for (a, b, n) in &self.confusion {
                s += &format!("| {a} | {b} | {n} |\n");
            }
        }
        let misses: Vec<&Outcome> = self
            .examples
            .iter()
            .filter(|o| o.expect.as_ref().map(|c| (c.name.clone(), Value::Object(c.arguments.clone()))) != o.predicted.as_ref().map(|c| (c.name.clone(), Value::Object(c.arguments.clone()))))
            .collect();
        if !misses.is_empty() {
            s += &format!("\n## Misses ({}; first 40)\n\n| query | expected | predicted |\n|---|---|---|\n", misses.len());
            let show = |c: &Option<Call>| c.as_ref().map_or("(text)".to_string(), |c| format!("`{} {}`", c.name, Value::Object(c.arguments.clone())));
            for o in misses.iter().take(40) {
                s += &format!("| {} | {} | {} |\n", o.query.replace('|', "\\|").replace('\n', " "), show(&o.expect).replace('|', "\\|"), show(&o.predicted).replace('|', "\\|"));
            }
        }
        s
    }

    /// A PNG bar chart of exact-call accuracy per tool (and tool-name accuracy overall in the title).
    pub fn chart(&self, path: &Path, title: &str) -> Result<()> {
        let labels: Vec<String> = self.per_tool.keys().cloned().collect();
        let values: Vec<f64> = self.per_tool.values().map(|t| ratio(t.exact, t.n) * 100.0).collect();
        let title = format!("{title}: exact calls per tool (tool name {}, exact {})", pct(self.tool_name_accuracy), pct(self.exact_call_accuracy));
        crate::plot::bar_chart(path, &title, "exact-call accuracy, %", &labels, &values, Some(100.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Value) -> Call {
        Call { name: name.into(), arguments: args.as_object().unwrap().clone() }
    }

    fn outcome(expect: Option<Call>, predicted: Option<Call>, parsed: bool) -> Outcome {
        let schema_valid = predicted.as_ref().map(|_| true);
        Outcome { id: "x".into(), query: "q".into(), expect, predicted, parsed, schema_valid, output: String::new(), latency_ms: 10.0 }
    }

    #[test]
    fn json_text_arguments_compare_by_content() {
        let a = call("batch", serde_json::json!({"tasks": "[{\"task\":\"review\",\"content\":\"x\"}]"}));
        let spaced = call("batch", serde_json::json!({"tasks": "[{\"content\": \"x\", \"task\": \"review\"}]"}));
        let other = call("batch", serde_json::json!({"tasks": "[{\"task\":\"review\",\"content\":\"y\"}]"}));
        assert!(same_arguments(&a.arguments, &spaced.arguments));
        assert!(!same_arguments(&a.arguments, &other.arguments));
        let text = |t: &str| call("delegate", serde_json::json!({"task": "quick", "content": t}));
        assert!(!same_arguments(&text("[1, 2] and 3").arguments, &text("[1,2] and 3").arguments), "text that is not all JSON stays text");
    }

    #[test]
    fn scores_names_arguments_and_text_answers() {
        let tools = Tools::load(&crate::tools::default_tools_path()).unwrap();
        let read = |p: &str| call("read_file", serde_json::json!({"path": p}));
        let outcomes = vec![
            outcome(Some(read("a.rs")), Some(read("a.rs")), true),
            outcome(Some(read("a.rs")), Some(read("b.rs")), true),
            outcome(Some(read("a.rs")), Some(call("list_directory", serde_json::json!({"path": "."}))), true),
            outcome(Some(call("think", serde_json::json!({"problem": "x", "depth": 2}))), Some(call("think", serde_json::json!({"depth": 2.0, "problem": "x"}))), true),
            outcome(None, None, true),
            outcome(None, Some(read("c")), true),
            outcome(Some(read("a.rs")), None, false),
        ];
        let r = score(&tools, outcomes);
        assert_eq!((r.n, r.n_call, r.n_no_call), (7, 5, 2));
        assert_eq!(r.tool_name_accuracy, 3.0 / 5.0);
        assert_eq!(r.exact_call_accuracy, 2.0 / 5.0, "1 and 1.0 are the same number; key order does not matter");
        assert_eq!(r.required_arg_accuracy, 2.0 / 5.0);
        assert_eq!(r.no_call_accuracy, 0.5);
        assert_eq!(r.parse_rate, 6.0 / 7.0);
        assert_eq!(r.per_tool["read_file"].n, 4);
        assert!(r.confusion.contains(&("read_file".into(), "list_directory".into(), 1)));
        assert!(r.confusion.contains(&("read_file".into(), "(text)".into(), 1)));
        assert!(r.confusion.contains(&("(text)".into(), "read_file".into(), 1)));
        let md = r.markdown("t");
        assert!(md.contains("| tool-name accuracy | 60.0% |"), "{md}");
    }

    #[test]
    fn reads_plain_lines_and_dataset_examples() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.jsonl");
        let ex = serde_json::json!({"id": "m", "kind": "multi_turn", "source": "s", "split": "eval", "format": "functiongemma", "tools_hash": "h", "tool_calls": ["read_file"], "text": "",
            "messages": [{"role": "user", "content": "first"}, {"role": "assistant", "tool_calls": [{"name": "list_directory", "arguments": {"path": "."}}]},
                         {"role": "tool", "name": "list_directory", "content": "a.rs"}, {"role": "assistant", "content": "a.rs"},
                         {"role": "user", "content": "read it"}, {"role": "assistant", "tool_calls": [{"name": "read_file", "arguments": {"path": "a.rs"}}]}]});
        std::fs::write(&p, format!("{{\"query\": \"hi\", \"expect\": null}}\n\n{{\"query\": \"read x\", \"expect\": {{\"name\": \"read_file\", \"arguments\": {{\"path\": \"x\"}}}}}}\n{ex}\n"))
            .unwrap();
        let cases = load_cases(&p).unwrap();
        assert_eq!(cases.len(), 3);
        assert!(cases[0].expect.is_none());
        assert_eq!(cases[1].expect.as_ref().unwrap().name, "read_file");
        assert_eq!(cases[2].query, "read it", "the last turn is the target");
        assert_eq!(cases[2].context.len(), 5);
        std::fs::write(&p, "{\"query\": 3}\n").unwrap();
        let e = format!("{:#}", load_cases(&p).unwrap_err());
        assert!(e.contains("e.jsonl:1") && e.contains("expect"), "{e}");
    }
}
