use crate::agent::engine::{Engine, EngineConfig, Sampling};
use crate::agent::run::{Agent, AgentOptions};
use crate::cli::EvalArgs;
use crate::eval::{load_cases, run as run_cases, score};
use crate::tools::{default_tools_path, Tools};
use anyhow::{Context, Result};
use std::io::IsTerminal;

pub fn run(a: &EvalArgs) -> Result<()> {
    let tools = Tools::load(a.run.tools.as_deref().unwrap_or(&default_tools_path()))?;
    let mut cases = load_cases(&a.data)?;
    if let Some(n) = a.limit {
        cases.truncate(n);
    }
    let (model, lora) = crate::export::model_files(a.run.model.as_deref(), a.run.lora.as_deref(), a.run.no_lora)?;
    // The model as the user named it, not the prepared base with the adapter's token rows.
    let named = a.run.model.clone().unwrap_or_else(crate::paths::default_base_model);
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
        max_iterations: 1,
        max_tokens: a.max_tokens,
        max_answer_tokens: crate::agent::run::DEFAULT_MAX_ANSWER_TOKENS,
        sampling: Sampling::default(),
        system: a.run.system.clone(),
        cache_dir: Some(crate::paths::prefix_cache_dir(&model)),
    };
    let mut agent = Agent::new(&engine, &tools, opts).context("cannot prepare the model")?;
    let bar = crate::progress::bar(!a.json && std::io::stderr().is_terminal(), cases.len() as u64, "cases");
    let outcomes = run_cases(&mut agent, &cases, |_| bar.inc(1))?;
    bar.finish_and_clear();
    let report = score(&tools, outcomes);
    if let Some(p) = &a.report {
        crate::fsx::write_atomic(p, report.markdown(&format!("fg eval: {title} on {}", a.data.display())).as_bytes())?;
    }
    if let Some(p) = &a.chart {
        report.chart(p, &title)?;
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("{title} on {} ({} cases)", a.data.display(), report.n);
    for (k, v) in report.headline() {
        println!("  {k:<28} {v}");
    }
    for (want, got, n) in report.confusion.iter().take(8) {
        println!("  {want} → {got}: {n}");
    }
    Ok(())
}
