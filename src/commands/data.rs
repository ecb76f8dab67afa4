//! `fg data build` and `fg data stats`: arguments to the dataset builder and its report.

use crate::cli::{DataBuildArgs, DataCommand, DataStatsArgs};
use crate::data::corpus::Corpus;
use crate::data::{self, stats};
use crate::tokenizer::Tokenizer;
use crate::tools::Tools;
use anyhow::{Context, Result};
use std::time::Instant;

pub fn run(cmd: &DataCommand) -> Result<()> {
    match cmd {
        DataCommand::Build(a) => build(a),
        DataCommand::Stats(a) => stats_cmd(a),
    }
}

fn build(a: &DataBuildArgs) -> Result<()> {
    let start = Instant::now();
    let tools = Tools::load_or_shipped(a.tools.as_deref())?;
    let corpus = match (&a.corpus, a.no_corpus) {
        (_, true) => None,
        (Some(dir), _) => Some(Corpus::Dir(dir.clone())),
        // The corpus built into fg is written for the shipped tools: another tools file builds
        // without it unless --corpus names one.
        (None, _) => {
            let own_tools = tools.hash == Tools::shipped().hash;
            if !own_tools {
                eprintln!("note: the built-in natural corpus is written for fg's own tools file, so this build has none (--corpus DIR gives one)");
            }
            own_tools.then_some(Corpus::Shipped)
        }
    };
    let opts = data::BuildOptions { harvest: a.harvest.clone(), seed: a.seed, scale: a.scale, format: a.format, corpus, natural_repeat: a.natural_repeat };
    let ds = data::build(&tools, &opts)?;
    data::write(&ds, &a.out)?;
    eprint!("{}", data::summary(&ds.stats));
    eprintln!("\nwrote {} train, {} eval and {} natural eval examples to {} in {:.2} s", ds.train.len(), ds.eval.len(), ds.natural_eval.len(), a.out.display(), start.elapsed().as_secs_f64());
    if !ds.stats.generic_tools.is_empty() {
        let n = ds.stats.generic_tools.len();
        eprintln!("note: {n} tool{} got only generic requests (built from their name, description and schema; see stats.json):", if n == 1 { "" } else { "s" });
        for (tool, why) in &ds.stats.generic_tools {
            eprintln!("  {tool}: {why}");
        }
    }
    Ok(())
}

fn stats_cmd(a: &DataStatsArgs) -> Result<()> {
    let tools = Tools::load_or_shipped(a.tools.as_deref())?;
    let model = a.model.clone().unwrap_or_else(crate::paths::default_base_model);
    let base = crate::gguf::GgufFile::open(&model).context("the tokenizer comes from the model (--model)")?;
    let tok = Tokenizer::from_gguf(&base.header)?;
    let mut report = serde_json::Map::new();
    for split in ["train", "eval"] {
        let path = a.data.join(format!("{split}.jsonl"));
        let examples = data::read_jsonl(&path).with_context(|| format!("run `fg data build --out {}` first", a.data.display()))?;
        let counts = data::SplitStats::of(&examples);
        let tokens = stats::token_stats(&examples, &tools, &tok)?;
        if split == "train" {
            stats::histogram_png(&a.data.join("completion_lengths.png"), &tokens)?;
        }
        if !a.json {
            println!("{split}: {} examples", examples.len());
            for (k, n) in &counts.by_kind {
                println!("  {k:<12} {n:>6}");
            }
            println!(
                "  tokens: prefix {} (shared), completion median {} (max {}), whole example median {} (max {})",
                tokens.prefix_tokens, tokens.completion.median, tokens.completion.max, tokens.total.median, tokens.total.max
            );
            let per_tool: Vec<String> = counts.by_tool.iter().map(|(t, n)| format!("{t} {n}")).collect();
            println!("  calls per tool: {}", per_tool.join(", "));
        }
        report.insert(split.into(), serde_json::json!({"counts": counts, "tokens": tokens}));
    }
    let out = a.data.join("token_stats.json");
    crate::fsx::write_atomic(&out, serde_json::to_string_pretty(&report)?.as_bytes())?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("wrote {} and {}", out.display(), a.data.join("completion_lengths.png").display());
    }
    Ok(())
}
