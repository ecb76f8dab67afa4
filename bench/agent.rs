//! Benchmark: the agent on 2 CPU threads with Delia's 33 tools.
//!
//!     cargo bench --bench agent [-- --threads 2 --runs 5]
//!
//! 1. Prefix: computing the developer turn's state (cold) against loading it from the cache (warm).
//! 2. Request to validated first call, warm, on typical requests (the shipped adapter when
//!    present, else the base model with a grammar that requires a call).
//! 3. Per-token cost of constrained decoding on the same tokens (teacher-forced): plain decoding,
//!    fg's check-first grammar, and llama.cpp's plain grammar sampler (whole vocabulary masked).

#[path = "common.rs"]
mod common;

use fg::agent::run::Agent;
use fg::format::{Call, Format, Message};
use fg::llama::{Engine, EngineConfig};
use fg::tools::{default_tools_path, Tools};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The agent's prefix cache, time to the first call, and constrained decoding's cost per token.
#[derive(clap::Parser)]
struct Args {
    #[command(flatten)]
    runs: common::Runs,
}

fn main() -> anyhow::Result<()> {
    let Args { runs: common::Runs { threads, runs, .. } } = clap::Parser::parse();
    let tools = Tools::load(&default_tools_path())?;
    // The files `fg agent` runs: the base (prepared with the adapter's token rows) and the LoRA.
    let (model, lora) = fg::resolve::model_files(None, None, false)?;
    let engine = Engine::load(EngineConfig { model: model.clone(), lora: lora.clone(), threads, n_ctx: 8192 })?;
    println!("model {} + {}, {threads} threads, Q4_K_M", model.display(), lora.as_ref().map_or("no adapter".into(), |l| l.display().to_string()));

    // 1. Prefix state: cold against warm.
    let cache = tempfile::tempdir()?;
    let prefix = Format::FunctionGemma.prefix(&tools, None);
    let cold = engine.session(&prefix, "bench", Some(cache.path()))?.stats.prefix_ms;
    let warm = median((0..runs).map(|_| engine.session(&prefix, "bench", Some(cache.path())).map(|s| s.stats.prefix_ms)).collect::<anyhow::Result<_>>()?);
    println!("prefix ({} tokens): cold {cold:.0} ms, warm (cache hit) {warm:.0} ms, {:.0}x", engine.tokenize(&prefix).len(), cold / warm);

    // 2. Request to the first validated call, warm.
    let requests = ["List the files in the src folder", "Read README.md", "Search the web for rust async traits", "Check Delia's health", "Delete session sess_91ab"];
    let opts = common::first_call(cache.path());
    let mut agent = Agent::new(&engine, &tools, opts)?;
    if lora.is_none() {
        agent.require_call();
    }
    let mut times = Vec::new();
    for r in requests.iter().cycle().take(requests.len() * runs.max(1)) {
        let t = Instant::now();
        let tr = agent.run(r, &mut Vec::new(), None, |_| {})?;
        let ms = tr.first_call_ms.unwrap_or_else(|| t.elapsed().as_secs_f64() * 1e3);
        times.push(ms);
    }
    println!(
        "request to validated first call (warm, {} requests x {runs}): median {:.0} ms, max {:.0} ms{}",
        requests.len(),
        median(times.clone()),
        times.iter().cloned().fold(0.0, f64::max),
        if lora.is_none() { " (base model, call required by the grammar)" } else { "" }
    );

    // 3. Per-token cost on the same tokens.
    let call = Call { name: "search_code".into(), arguments: serde_json::json!({"pattern": "fn main", "path": "src", "file_pattern": "*.rs", "context_lines": 3}).as_object().unwrap().clone() };
    let target = fg::format::functiongemma::render_call(&call)? + "<start_function_response>";
    let text = Format::FunctionGemma.render(&tools, None, &[Message::User { content: "Find fn main in the Rust files under src".into() }], true)?.text();
    let tokens = engine.tokenize(&target);
    let gbnf = fg::grammar::tools::tools_grammar(&tools, Format::FunctionGemma)?;
    let mut session = engine.session(&prefix, "bench", Some(cache.path()))?;
    let mut rows = Vec::new();
    for _ in 0..runs.max(1) {
        rows.push(session.time_constrained(&text, &tokens, &gbnf)?);
    }
    let (plain, fast, full) = (median(rows.iter().map(|r| r.0).collect()), median(rows.iter().map(|r| r.1).collect()), median(rows.iter().map(|r| r.2).collect()));
    println!("per token over {} tokens of a call (teacher-forced, median of {runs}):", tokens.len());
    println!("  unconstrained              {plain:7.2} ms");
    println!("  fg check-first grammar     {fast:7.2} ms  ({:+.1}% over unconstrained)", (fast / plain - 1.0) * 100.0);
    println!("  llama.cpp grammar sampler  {full:7.2} ms  ({:+.1}% over unconstrained, {:.1}x fg)", (full / plain - 1.0) * 100.0, full / fast);
    Ok(())
}
