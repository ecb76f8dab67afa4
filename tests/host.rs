//! Another llama.cpp host runs fg's merged GGUF as fg does: node-llama-cpp (its prebuilt CPU
//! binaries, tests/host/) loads the file, renders eval prompts with the GGUF's own chat template
//! through @huggingface/jinja, and decodes greedily. Its prompt text must equal fg's rendering and
//! its tokens fg's greedy tokens, on calls, a text answer, a parallel call and a turn after a tool
//! result (with the call's arguments sent as a JSON string in their own key order, as OpenAI clients
//! send them).

mod common;

use common::*;
use fg::format::{Format, Message};
use fg::llama::{Engine, EngineConfig, GenerateOptions, Sampling};
use fg::tools::Tools;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const MAX_TOKENS: usize = 48;

/// The dataset example's messages up to its first model turn (or through its first tool result),
/// as an OpenAI client sends them.
fn openai_case(ex: &Value, through_result: bool) -> (Vec<Value>, Vec<Message>) {
    let msgs: Vec<Message> = serde_json::from_value(ex["messages"].clone()).unwrap();
    let cut = if through_result { msgs.iter().position(|m| matches!(m, Message::Tool { .. })).unwrap() + 1 } else { 1 };
    let fg_msgs = msgs[..cut].to_vec();
    let mut out = Vec::new();
    let mut ids = Vec::new();
    for (i, m) in fg_msgs.iter().enumerate() {
        out.push(match m {
            Message::User { content } => json!({"role": "user", "content": content}),
            Message::Assistant { content, tool_calls } => {
                let calls: Vec<Value> = tool_calls
                    .iter()
                    .enumerate()
                    .map(|(j, c)| {
                        ids.push(format!("call_{i}_{j}"));
                        json!({"id": format!("call_{i}_{j}"), "type": "function", "function": {"name": c.name, "arguments": Value::Object(c.arguments.clone()).to_string()}})
                    })
                    .collect();
                json!({"role": "assistant", "content": content, "tool_calls": calls})
            }
            Message::Tool { content, .. } => json!({"role": "tool", "tool_call_id": ids.remove(0), "content": content}),
        });
    }
    (out, fg_msgs)
}

#[test]
fn node_llama_cpp_renders_and_decodes_fgs_merged_gguf_as_fg_does() {
    let host = root().join("tests/host");
    assert!(host.join("node_modules/node-llama-cpp").exists(), "tests/host/node_modules is missing: run scripts/setup.sh");
    let dir = tmp();
    let merged = dir.path().join("merged.gguf");
    let out = Command::new(env!("CARGO_BIN_EXE_fg"))
        .args(["export", "--adapter"])
        .arg(root().join("models/delia"))
        .args(["--format", "q4_k_m", "--base"])
        .arg(base_model())
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(out.status.success(), "fg export: {}", String::from_utf8_lossy(&out.stderr));
    let data = dir.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_fg")).args(["data", "build", "--out"]).arg(&data).output().unwrap();
    assert!(out.status.success(), "fg data build: {}", String::from_utf8_lossy(&out.stderr));
    let eval: Vec<Value> = std::fs::read_to_string(data.join("eval.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let first = |kind: &str, n: usize| eval.iter().filter(|e| e["kind"] == kind).nth(n).unwrap_or_else(|| panic!("no {kind} example")).clone();
    let picks = [(first("call", 0), false), (first("call", 7), false), (first("no_call", 0), false), (first("parallel", 0), false), (first("multi_turn", 0), true)];

    let tools_json: Value = serde_json::from_str(&std::fs::read_to_string(root().join("tools.openai.json")).unwrap()).unwrap();
    let tools = Tools::load(&root().join("tools.openai.json")).unwrap();
    let cases = dir.path().join("cases.jsonl");
    let mut lines = String::new();
    let mut fg_cases = Vec::new();
    for (i, (ex, through)) in picks.iter().enumerate() {
        let (openai, fg_msgs) = openai_case(ex, *through);
        lines.push_str(&json!({"id": format!("case{i}"), "messages": openai, "tools": tools_json}).to_string());
        lines.push('\n');
        fg_cases.push((ex["id"].as_str().unwrap().to_string(), fg_msgs));
    }
    std::fs::write(&cases, lines).unwrap();

    // node-llama-cpp in a child process while fg decodes here.
    let results = dir.path().join("out.jsonl");
    let node = Command::new("node")
        .current_dir(&host)
        .arg("greedy.mjs")
        .arg(&merged)
        .arg(&cases)
        .arg(&results)
        .args(["--threads", "1", "--max-tokens", &MAX_TOKENS.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    let engine = Engine::load(EngineConfig { model: merged.clone(), lora: None, threads: 1, n_ctx: 8192 }).unwrap();
    let prefix = Format::FunctionGemma.prefix(&tools, None);
    let mut session = engine.session(&prefix, "host", None).unwrap();
    let mut fg_out = Vec::new();
    for (_, msgs) in &fg_cases {
        let text = Format::FunctionGemma.render(&tools, None, msgs, true).unwrap().text();
        let opts = GenerateOptions {
            sampling: Sampling::default(),
            grammar: None,
            stop: vec![50],
            max_tokens: MAX_TOKENS,
            forcer: None,
            check_first: true,
            closers: vec![],
            call_start: None,
            max_answer_tokens: 0,
            on_token: None,
        };
        let g = session.generate(&text, &opts).unwrap();
        fg_out.push((text, g));
    }

    let node = node.wait_with_output().unwrap();
    assert!(node.status.success(), "node greedy.mjs failed:\n{}\n{}", String::from_utf8_lossy(&node.stdout), String::from_utf8_lossy(&node.stderr));
    let got: Vec<Value> = std::fs::read_to_string(&results).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(got.len(), fg_cases.len());
    let mut calls = 0;
    for ((id, _), ((text, g), n)) in fg_cases.iter().zip(fg_out.iter().zip(&got)) {
        assert_eq!(n["prompt"].as_str().unwrap(), text, "{id}: the GGUF's template, rendered by @huggingface/jinja, differs from fg's prompt");
        let node_tokens: Vec<i32> = n["tokens"].as_array().unwrap().iter().map(|t| t.as_i64().unwrap() as i32).collect();
        assert_eq!(node_tokens, g.tokens, "{id}: node-llama-cpp wrote {:?}, fg wrote {:?}", n["output"], g.text);
        let parsed = Format::FunctionGemma.parse(n["output"].as_str().unwrap()).unwrap();
        calls += parsed.calls.len();
        println!("{id}: {}", n["output"]);
    }
    assert!(calls >= 4, "the sample should hold at least four calls, found {calls}");
}
