//! The chat template fg writes into GGUFs renders exactly fg's own text, in two real Jinja engines:
//! Python's jinja2 set up as transformers sets it up (tests/template/render_check.py) and minijinja,
//! on every example of the dataset (every kind, train, eval and natural-eval), three ways each: the
//! first-turn prompt, the prompt after each tool result, and the whole conversation.

mod common;

use common::*;
use fg::gguf::{GgufFile, Value as GgufValue};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fg"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn template_of(path: &Path) -> String {
    let f = GgufFile::open(path).unwrap();
    match f.header.metadata.get("tokenizer.chat_template") {
        Some(GgufValue::String(s)) => s.clone(),
        other => panic!("{} has no chat template: {other:?}", path.display()),
    }
}

/// fg's messages as an OpenAI client sends them, varied by example as in render_check.py: calls
/// with ids and `function`, arguments as an object or a JSON string; results named by `name` or only
/// by `tool_call_id`.
fn openai_messages(messages: &[Value], variant: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut pending: Vec<(String, String)> = Vec::new();
    let mut n = 0;
    for m in messages {
        match m["role"].as_str().unwrap() {
            "assistant" if m.get("tool_calls").is_some_and(|c| !c.as_array().unwrap().is_empty()) => {
                pending.clear();
                let calls: Vec<Value> = m["tool_calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        n += 1;
                        let id = format!("call_{n}");
                        pending.push((id.clone(), c["name"].as_str().unwrap().to_string()));
                        // A JSON string in the example's own key order (often not sorted), reversed for every
                        // other such example, as in render_check.py.
                        let args = match variant % 4 {
                            1 => Value::String(c["arguments"].to_string()),
                            3 => Value::String(Value::Object(c["arguments"].as_object().unwrap().iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect()).to_string()),
                            _ => c["arguments"].clone(),
                        };
                        json!({"id": id, "type": "function", "function": {"name": c["name"], "arguments": args}})
                    })
                    .collect();
                out.push(json!({"role": "assistant", "content": m.get("content").cloned().unwrap_or(Value::Null), "tool_calls": calls}));
            }
            "tool" => {
                let (id, name) = pending.remove(0);
                if variant % 3 == 2 {
                    out.push(json!({"role": "tool", "tool_call_id": id, "content": m["content"]}));
                } else {
                    out.push(json!({"role": "tool", "tool_call_id": id, "name": name, "content": m["content"]}));
                }
            }
            _ => out.push(m.clone()),
        }
    }
    out
}

fn minijinja_env(template: &str) -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_function("raise_exception", |msg: String| -> Result<String, minijinja::Error> { Err(minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, msg)) });
    env.add_template_owned("chat", template.to_string()).unwrap();
    env
}

/// Every example rendered three ways in minijinja; returns (examples, renderings, differences).
fn check_minijinja(template: &str, tools: &Value, files: &[PathBuf]) -> (usize, usize, Vec<String>) {
    let env = minijinja_env(template);
    let tmpl = env.get_template("chat").unwrap();
    let render = |messages: &[Value], generation: bool| -> String {
        tmpl.render(minijinja::context! { messages => messages, tools => tools, add_generation_prompt => generation, bos_token => "<bos>", eos_token => "<eos>" })
            .unwrap_or_else(|e| format!("<error: {e}>"))
    };
    let (mut examples, mut renders, mut diffs) = (0, 0, Vec::new());
    for path in files {
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let ex: Value = serde_json::from_str(line).unwrap();
            let text = ex["text"].as_str().unwrap();
            let messages = openai_messages(ex["messages"].as_array().unwrap(), examples);
            examples += 1;
            let header = "<start_of_turn>model\n";
            let head = text.find(header).unwrap() + header.len();
            let first_user = messages.iter().position(|m| m["role"] == "user").unwrap();
            let mut checks = vec![("first turn".to_string(), &messages[..=first_user], true, &text[..head])];
            let mut at = 0;
            for (i, m) in messages.iter().enumerate() {
                if m["role"] == "tool" {
                    at = text[at..].find("<end_function_response>").unwrap() + at + "<end_function_response>".len();
                    checks.push((format!("after tool message {i}"), &messages[..=i], true, &text[..at]));
                }
            }
            checks.push(("whole".to_string(), &messages[..], false, text));
            for (what, msgs, generation, want) in checks {
                renders += 1;
                let got = render(msgs, generation);
                if got != want {
                    let i = want.bytes().zip(got.bytes()).position(|(a, b)| a != b).unwrap_or(want.len().min(got.len()));
                    let lo = i.saturating_sub(60);
                    diffs.push(format!("{} ({what}) differs at byte {i}: want {:?}, got {:?}", ex["id"], want.get(lo..(i + 60).min(want.len())), got.get(lo..(i + 60).min(got.len()))));
                }
            }
        }
    }
    (examples, renders, diffs)
}

#[test]
fn the_gguf_chat_template_renders_fgs_text_on_every_example_in_jinja2_and_minijinja() {
    let base = base_model();
    let dir = tmp();
    // The template as the GGUFs carry it: a merged export and the prepared base of the shipped adapter.
    let merged = dir.path().join("merged.gguf");
    let out = fg().args(["export", "--adapter"]).arg(root().join("models/delia")).args(["--format", "q8_0", "--base"]).arg(&base).arg("--out").arg(&merged).output().unwrap();
    assert!(out.status.success(), "fg export failed: {}", String::from_utf8_lossy(&out.stderr));
    let template = template_of(&merged);
    assert_eq!(template, fg::format::functiongemma::CHAT_TEMPLATE, "the merged GGUF carries another template");
    let (prepared, _) = fg::resolve::inference_files(&base, &root().join("models/delia")).unwrap();
    assert_eq!(template_of(&prepared), template, "the prepared base carries another template");

    let data = dir.path().join("data");
    let out = fg().args(["data", "build", "--out"]).arg(&data).output().unwrap();
    assert!(out.status.success(), "fg data build failed: {}", String::from_utf8_lossy(&out.stderr));
    let files: Vec<PathBuf> = ["train.jsonl", "eval.jsonl", "natural-eval.jsonl"].iter().map(|f| data.join(f)).collect();
    let template_file = dir.path().join("template.jinja");
    std::fs::write(&template_file, &template).unwrap();
    let tools_file = root().join("tools.openai.json");

    // jinja2 in a child process while minijinja runs here.
    let pydeps = root().join(".pydeps");
    assert!(pydeps.join("jinja2").exists(), ".pydeps/jinja2 is missing: run scripts/setup.sh");
    let python = Command::new("python3")
        .env("PYTHONPATH", &pydeps)
        .arg(root().join("tests/template/render_check.py"))
        .arg(&template_file)
        .arg(&tools_file)
        .args(&files)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    let tools: Value = serde_json::from_str(&std::fs::read_to_string(&tools_file).unwrap()).unwrap();
    let (examples, renders, diffs) = check_minijinja(&template, &tools, &files);
    let kinds: std::collections::BTreeSet<String> =
        files.iter().flat_map(|f| std::fs::read_to_string(f).unwrap().lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["kind"].as_str().unwrap().to_string()).collect::<Vec<_>>()).collect();
    println!("minijinja: {examples} examples ({kinds:?}), {renders} renderings, {} differ", diffs.len());
    assert!(examples > 15_000 && renders > 2 * examples, "too few renderings: {examples} examples, {renders}");
    for k in ["call", "no_call", "multi_turn", "parallel", "grounded", "natural", "near_miss"] {
        assert!(kinds.contains(k), "no {k} examples were rendered");
    }
    assert!(diffs.is_empty(), "minijinja renders differ from fg's text ({} of {renders}):\n{}", diffs.len(), diffs[..diffs.len().min(5)].join("\n"));

    let py = python.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&py.stdout);
    println!("{report}");
    assert!(py.status.success(), "jinja2 renders differ from fg's text:\n{report}\n{}", String::from_utf8_lossy(&py.stderr));
    assert!(report.contains(&format!("{examples} examples")), "jinja2 rendered another number of examples: {report}");
}

#[test]
fn the_template_refuses_conversations_fg_cannot_render() {
    let env = minijinja_env(fg::format::functiongemma::CHAT_TEMPLATE);
    let tmpl = env.get_template("chat").unwrap();
    let tools = serde_json::from_str::<Value>(&std::fs::read_to_string(root().join("tools.openai.json")).unwrap()).unwrap();
    let render = |messages: Value, generation: bool| tmpl.render(minijinja::context! { messages => messages, tools => tools, add_generation_prompt => generation, bos_token => "<bos>" });
    // A tool result without calls before it, and a generation prompt after a finished answer.
    let err = render(json!([{"role": "user", "content": "hi"}, {"role": "tool", "name": "read_file", "content": "x"}]), true).unwrap_err();
    assert!(err.to_string().contains("must follow the model's calls"), "{err}");
    let err = render(json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello."}]), true).unwrap_err();
    assert!(err.to_string().contains("nothing for the model to answer"), "{err}");
    // A system message goes before the trigger sentence, as fg renders it; the escape marker in a
    // tool result is defused as fg defuses it.
    let tools_parsed = fg::tools::Tools::load(&root().join("tools.openai.json")).unwrap();
    let messages = vec![
        fg::format::Message::User { content: "show a.txt".into() },
        fg::format::Message::Assistant { content: None, tool_calls: vec![fg::format::Call { name: "read_file".into(), arguments: serde_json::from_value(json!({"path": "a.txt"})).unwrap() }] },
        fg::format::Message::Tool { name: "read_file".into(), content: json!("a <escape> b") },
        fg::format::Message::Assistant { content: Some("It holds a marker.".into()), tool_calls: vec![] },
    ];
    let want = fg::format::Format::FunctionGemma.render(&tools_parsed, Some("Be brief. "), &messages, false).unwrap().text();
    let got = render(
        json!([
            {"role": "system", "content": "Be brief. "},
            {"role": "user", "content": "show a.txt"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": "{\n  \"path\": \"a.txt\"\n}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "a <escape> b"},
            {"role": "assistant", "content": "It holds a marker."}
        ]),
        false,
    )
    .unwrap();
    assert_eq!(got, want);
    assert!(want.contains("Be brief. You are a model that can do function calling"));
    assert!(!want.contains("a <escape> b"));
}
