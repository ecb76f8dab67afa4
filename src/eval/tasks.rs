//! Executed tasks: a question about a workspace, run through the whole agent loop with the
//! builtin tools really running on a fresh copy of the workspace, and the answer judged.
//!
//! A task file is JSONL, `{"id", "workspace", "request", "facts", "empty_dirs"?, "read_only"}`
//! per line, with the workspaces as folders next to it (`data/tasks/`). An answer is right when
//! it states every fact (`answers::Fact`) and names no number or name that the tool results and
//! the request do not show (`answers::unsupported`). Tools that change files or run commands are
//! refused (nothing changes), and counted when the task only reads; loops are counted too.

use super::answers::{unsupported, Fact};
use super::pct;
use crate::agent::builtin::{Sandbox, NEEDS_CONFIRMATION};
use crate::agent::consent::Confirm;
use crate::agent::run::{Agent, Event, Executor};
use crate::format::Call;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub workspace: String,
    pub request: String,
    pub facts: Vec<Fact>,
    #[serde(default)]
    pub empty_dirs: Vec<String>,
    pub read_only: bool,
}

/// Reads a task file; each task's workspace must be a folder next to it.
pub fn load_tasks(path: &Path) -> Result<Vec<Task>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the task file {}", path.display()))?;
    let bad = || {
        crate::error::BadInput::new(
            format!("invalid task file {}", path.display()),
            "each line is {\"id\", \"workspace\", \"request\", \"facts\", \"empty_dirs\"?, \"read_only\"}, with the workspace a folder next to the file",
        )
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tasks = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let t: Task = serde_json::from_str(line).with_context(|| format!("line {}", i + 1)).with_context(bad)?;
        let ws = dir.join(&t.workspace);
        let plain = Path::new(&t.workspace).components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain || !ws.is_dir() {
            return Err(anyhow::anyhow!("line {}: the workspace {} is not a folder next to the task file", i + 1, t.workspace)).with_context(bad);
        }
        if t.empty_dirs.iter().any(|d| !Path::new(d).components().all(|c| matches!(c, std::path::Component::Normal(_)))) {
            return Err(anyhow::anyhow!("line {}: an empty_dirs entry is not a plain path inside the workspace", i + 1)).with_context(bad);
        }
        if t.facts.is_empty() {
            return Err(anyhow::anyhow!("line {}: a task needs at least one fact", i + 1)).with_context(bad);
        }
        tasks.push(t);
    }
    if tasks.is_empty() {
        return Err(anyhow::anyhow!("no tasks")).with_context(bad);
    }
    Ok(tasks)
}

/// What happened on one task.
#[derive(Clone, Debug, Serialize)]
pub struct TaskOutcome {
    pub id: String,
    pub request: String,
    pub calls: Vec<Call>,
    /// The results the model saw, as text.
    pub results: Vec<String>,
    pub answer: Option<String>,
    /// Facts the answer does not state.
    pub missing_facts: Vec<Fact>,
    /// Numbers and names in the answer that no result (nor the request) shows.
    pub unsupported: Vec<String>,
    pub correct: bool,
    /// The answer ended because it repeated itself, or at the answer length limit.
    pub looped: bool,
    /// Calls of tools that change files or run commands, on a task that only reads.
    pub changing_calls: Vec<String>,
    pub error: Option<String>,
    pub latency_ms: f64,
}

/// Copies `from` (regular files and folders only; links are not copied) into `to`.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in walkdir::WalkDir::new(from).min_depth(1) {
        let e = e?;
        let dst = to.join(e.path().strip_prefix(from)?);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dst)?;
        } else if e.file_type().is_file() {
            std::fs::copy(e.path(), &dst)?;
        }
    }
    Ok(())
}

/// A fresh copy of a task's workspace, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs every task (at most `max_iterations` model turns each) and judges the answers.
pub fn run_tasks(agent: &mut Agent, tasks: &[Task], dir: &Path, mut progress: impl FnMut(&TaskOutcome)) -> Result<Vec<TaskOutcome>> {
    let mut out = Vec::new();
    for t in tasks {
        let scratch = Scratch(std::env::temp_dir().join(format!("fg-task-{}-{:016x}", std::process::id(), crate::fsx::random_u64())));
        copy_tree(&dir.join(&t.workspace), &scratch.0).with_context(|| format!("cannot copy the workspace of {}", t.id))?;
        // load_tasks checked that each is a plain path inside the workspace.
        for d in &t.empty_dirs {
            std::fs::create_dir_all(scratch.0.join(d))?;
        }
        let exec = Executor::new(Some(Sandbox::new(&scratch.0, Confirm::Never)?))?;
        let start = std::time::Instant::now();
        let mut history = Vec::new();
        let tr = agent.run(&t.request, &mut history, Some(&exec), |_| {})?;
        let latency_ms = start.elapsed().as_secs_f64() * 1e3;
        let mut calls = Vec::new();
        let mut results = Vec::new();
        let mut looped = false;
        for e in &tr.events {
            match e {
                Event::Call { name, arguments, .. } => calls.push(Call { name: name.clone(), arguments: arguments.clone() }),
                Event::Result { content, .. } => results.push(match content {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                }),
                Event::Generation { finish, .. } => looped |= matches!(finish, crate::llama::Finish::Repeat | crate::llama::Finish::AnswerLength),
                _ => {}
            }
        }
        let answer = tr.answer.clone();
        let text = answer.clone().unwrap_or_default();
        let missing_facts: Vec<Fact> = t.facts.iter().filter(|f| !f.holds(&text)).cloned().collect();
        let mut sources: Vec<&str> = results.iter().map(String::as_str).collect();
        sources.push(&t.request);
        let unsupported = unsupported(&text, &sources);
        let changing_calls = if t.read_only { calls.iter().filter(|c| NEEDS_CONFIRMATION.contains(&c.name.as_str())).map(|c| c.name.clone()).collect() } else { Vec::new() };
        let correct = answer.is_some() && missing_facts.is_empty() && unsupported.is_empty();
        let o = TaskOutcome { id: t.id.clone(), request: t.request.clone(), calls, results, answer, missing_facts, unsupported, correct, looped, changing_calls, error: tr.error.clone(), latency_ms };
        progress(&o);
        out.push(o);
    }
    Ok(out)
}

/// The figures of a task run.
#[derive(Debug, Serialize)]
pub struct TaskReport {
    pub n: usize,
    pub answer_accuracy: f64,
    /// Tasks answered at all (not cut off by the iteration limit or an error).
    pub answered: f64,
    pub with_tool_call: f64,
    pub loops: usize,
    pub changing_calls_on_read_only: usize,
    pub tasks: Vec<TaskOutcome>,
}

pub fn score_tasks(outcomes: Vec<TaskOutcome>) -> TaskReport {
    let n = outcomes.len();
    let frac = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    TaskReport {
        n,
        answer_accuracy: frac(outcomes.iter().filter(|o| o.correct).count()),
        answered: frac(outcomes.iter().filter(|o| o.answer.is_some()).count()),
        with_tool_call: frac(outcomes.iter().filter(|o| !o.calls.is_empty()).count()),
        loops: outcomes.iter().filter(|o| o.looped).count(),
        changing_calls_on_read_only: outcomes.iter().map(|o| o.changing_calls.len()).sum(),
        tasks: outcomes,
    }
}

impl TaskReport {
    pub fn headline(&self) -> Vec<(&'static str, String)> {
        vec![
            ("answer accuracy", pct(self.answer_accuracy)),
            ("answered", pct(self.answered)),
            ("called a tool", pct(self.with_tool_call)),
            ("loops", self.loops.to_string()),
            ("changing calls on read-only tasks", self.changing_calls_on_read_only.to_string()),
        ]
    }

    /// The markdown report: headline, then every task that went wrong and why.
    pub fn markdown(&self, title: &str) -> String {
        let mut s = format!("# {title}\n\n{} tasks\n\n| metric | value |\n|---|---|\n", self.n);
        for (k, v) in self.headline() {
            s += &format!("| {k} | {v} |\n");
        }
        s += "\n## Wrong answers\n\n";
        for o in self.tasks.iter().filter(|o| !o.correct) {
            let calls: Vec<String> = o.calls.iter().map(|c| format!("{} {}", c.name, Value::Object(c.arguments.clone()))).collect();
            s +=
                &format!("- **{}** {:?}\n  - calls: {}\n  - answer: {:?}\n", o.id, o.request, if calls.is_empty() { "none".into() } else { calls.join("; ") }, o.answer.as_deref().unwrap_or("(none)"));
            if !o.missing_facts.is_empty() {
                s += &format!("  - missing: {}\n", serde_json::to_string(&o.missing_facts).unwrap_or_default());
            }
            if !o.unsupported.is_empty() {
                s += &format!("  - not in any result: {}\n", o.unsupported.join(", "));
            }
        }
        s
    }
}
