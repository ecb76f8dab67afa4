//! `fg eval`: arguments to the eval runner; tables, markdown and the chart.

use crate::agent::run::{Agent, AgentOptions};
use crate::cli::EvalArgs;
use crate::eval::tasks::{load_tasks, run_tasks, score_tasks};
use crate::eval::{load_cases, run as run_cases, score};
use crate::llama::{Engine, EngineConfig, Sampling};
use crate::tools::Tools;
use anyhow::{Context, Result};
use std::io::IsTerminal;
use std::path::PathBuf;

pub fn run(a: &EvalArgs) -> Result<()> {
    let tools = Tools::load_or_shipped(a.run.tools.as_deref())?;
    let sets: Vec<PathBuf> = if a.data.is_empty() {
        let natural = PathBuf::from("data/natural-eval.jsonl");
        std::iter::once(PathBuf::from("data/eval.jsonl")).chain(natural.exists().then_some(natural)).collect()
    } else {
        a.data.clone()
    };
    // Every input is read before the model loads, so a bad file fails fast.
    let tasks = a.execute.as_ref().map(|p| load_tasks(p)).transpose()?;
    let mut case_sets = Vec::new();
    if tasks.is_none() {
        for set in &sets {
            let mut cases = load_cases(set)?;
            if let Some(n) = a.limit {
                cases.truncate(n);
            }
            case_sets.push((set.clone(), cases));
        }
    }
    let (model, lora) = a.run.files.resolve()?;
    // The model as the user named it, not the prepared base with the adapter's token rows.
    let named = a.run.files.model.clone().unwrap_or_else(crate::paths::default_base_model);
    let title = format!(
        "{}{}{}",
        named.file_name().map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
        lora.as_ref().map_or_else(String::new, |l| format!(" + {}", crate::paths::shown(l).display())),
        if a.run.grammar { ", grammar" } else { "" }
    );
    let engine = Engine::load(EngineConfig { model: model.clone(), lora, threads: a.run.threads, n_ctx: 8192 })?;
    let opts = AgentOptions {
        format: a.run.format,
        grammar: a.run.grammar,
        max_iterations: if tasks.is_some() { a.max_iterations.max(1) } else { 1 },
        max_tokens: a.max_tokens,
        max_answer_tokens: crate::agent::run::DEFAULT_MAX_ANSWER_TOKENS,
        sampling: Sampling::default(),
        system: a.run.system.clone(),
        cache_dir: Some(crate::paths::prefix_cache_dir(&model)),
    };
    let mut agent = Agent::new(&engine, &tools, opts).context("cannot prepare the model")?;
    let show_bar = !a.json && std::io::stderr().is_terminal();
    if let (Some(tasks), Some(path)) = (tasks, &a.execute) {
        let mut tasks = tasks;
        if let Some(n) = a.limit {
            tasks.truncate(n);
        }
        let bar = crate::progress::bar(show_bar, tasks.len() as u64, "tasks");
        let outcomes = run_tasks(&mut agent, &tasks, path.parent().unwrap_or(std::path::Path::new(".")), |_| bar.inc(1))?;
        bar.finish_and_clear();
        let report = score_tasks(outcomes);
        if let Some(p) = &a.report {
            crate::fsx::write_atomic(p, report.markdown(&format!("fg eval --execute: {title} on {}", path.display())).as_bytes())?;
        }
        if a.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
            return Ok(());
        }
        println!("{title}, executed tasks {} ({} tasks)", path.display(), report.n);
        for (k, v) in report.headline() {
            println!("  {k:<36} {v}");
        }
        return Ok(());
    }
    let mut reports = Vec::new();
    let mut markdown = String::new();
    for (set, cases) in &case_sets {
        let bar = crate::progress::bar(show_bar, cases.len() as u64, "cases");
        let outcomes = run_cases(&mut agent, cases, |_| bar.inc(1))?;
        bar.finish_and_clear();
        let report = score(&tools, outcomes);
        markdown += &report.markdown(&format!("fg eval: {title} on {}", set.display()));
        if !a.json {
            println!("{title} on {} ({} cases)", set.display(), report.n);
            for (k, v) in report.headline() {
                println!("  {k:<28} {v}");
            }
            for (want, got, n) in report.confusion.iter().take(8) {
                println!("  {want} → {got}: {n}");
            }
        }
        reports.push((set.clone(), report));
    }
    if let Some(p) = &a.report {
        crate::fsx::write_atomic(p, markdown.as_bytes())?;
    }
    if let Some(p) = &a.chart {
        reports[0].1.chart(p, &title)?;
    }
    if a.json {
        // One set: its report as before; several: one object per set.
        let v = match reports.as_slice() {
            [(_, r)] => serde_json::to_value(r)?,
            many => serde_json::Value::Array(many.iter().map(|(set, r)| Ok(serde_json::json!({"data": set, "report": serde_json::to_value(r)?}))).collect::<Result<_>>()?),
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
    }
    Ok(())
}
