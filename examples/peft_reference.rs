//! Reference outputs of fg's model with an adapter, for scripts/peft_check.py: on the first
//! `limit` examples of an eval file, the prompt's token ids (fg's tokenization), the logits at the
//! prompt's last position (the 40 largest) and the greedy continuation, computed by llama.cpp on a
//! merged f32 GGUF (`fg export --format f32`), whose arithmetic is f32 on the merged weights.
//!
//!     cargo run --release --example peft_reference -- MERGED_F32.gguf EVAL.jsonl OUT.jsonl [LIMIT]

use fg::format::{Format, Message};
use fg::llama::{Engine, EngineConfig, GenerateOptions, Sampling};
use fg::tools::Tools;
use serde_json::{json, Value};
use std::io::Write;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, eval, out, ..] = args.as_slice() else {
        anyhow::bail!("usage: peft_reference MERGED_F32.gguf EVAL.jsonl OUT.jsonl [LIMIT]");
    };
    let limit: usize = args.get(3).map_or(Ok(12), |s| s.parse())?;
    let tools = Tools::shipped();
    let engine = Engine::load(EngineConfig { model: model.into(), lora: None, threads: 2, n_ctx: 8192 })?;
    let prefix = Format::FunctionGemma.prefix(&tools, None);
    let mut session = engine.session(&prefix, "peft-reference", None)?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    for line in std::fs::read_to_string(eval)?.lines().take(limit) {
        let ex: Value = serde_json::from_str(line)?;
        let messages: Vec<Message> = serde_json::from_value(ex["messages"].clone())?;
        let text = Format::FunctionGemma.render(&tools, None, &messages[..1], true)?.text();
        let tokens = engine.tokenize(&text);
        let logits = session.logits_after(&text)?;
        let mut order: Vec<usize> = (0..logits.len()).collect();
        order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
        let top: Vec<Value> = order[..40].iter().map(|&i| json!([i, logits[i]])).collect();
        let opts = GenerateOptions {
            sampling: Sampling::default(),
            grammar: None,
            stop: vec![50],
            max_tokens: 32,
            forcer: None,
            check_first: true,
            closers: vec![],
            call_start: None,
            max_answer_tokens: 0,
            on_token: None,
        };
        let g = session.generate(&text, &opts)?;
        writeln!(w, "{}", json!({"id": ex["id"], "tokens": tokens, "top": top, "greedy": g.tokens, "text": g.text}))?;
        eprintln!("{}: {}", ex["id"], g.text);
    }
    Ok(())
}
