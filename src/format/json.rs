//! The seed's JSON format, which Delia's own parser reads:
//!
//! ```text
//! <bos><start_of_turn>user
//! [Available Tools]
//! {"name": "read_file", "description": "…", "parameters": {…}}
//! …
//!
//! Show me src/main.rs<end_of_turn>
//! <start_of_turn>model
//! <tool_call>{"name": "read_file", "arguments": {"path": "src/main.rs"}}</tool_call><end_of_turn>
//! <start_of_turn>user
//! [Tool Result]
//! read_file: fn main() {}<end_of_turn>
//! <start_of_turn>model
//! It only defines an empty main.<end_of_turn>
//! ```
//!
//! Gemma has no system role, so tools (and any system text) open the first user turn. Calls are
//! JSON with keys sorted and Python's separators (`", "`, `": "`), one `<tool_call>` per call.

use super::{Call, MalformedOutput, Message, Parsed, Rendered, BOS, END_OF_TURN, START_OF_TURN};
use crate::tools::Tools;
use anyhow::{bail, Result};
use serde_json::{Map, Value};

pub const TOOL_CALL_OPEN: &str = "<tool_call>";
pub const TOOL_CALL_CLOSE: &str = "</tool_call>";

pub fn prefix(tools: &Tools, system: Option<&str>) -> String {
    let mut s = format!("{BOS}{START_OF_TURN}user\n");
    if let Some(sys) = system {
        s.push_str(sys);
        s.push_str("\n\n");
    }
    s.push_str("[Available Tools]\n");
    for t in &tools.tools {
        let decl = serde_json::json!({"name": t.name, "description": t.description, "parameters": t.parameters});
        s.push_str(&python_json(&decl, false));
        s.push('\n');
    }
    s.push('\n');
    s
}

/// JSON as Python's `json.dumps` writes it: `", "` and `": "` separators; keys sorted if asked.
pub fn python_json(v: &Value, sort_keys: bool) -> String {
    let mut s = String::new();
    write_py(v, sort_keys, &mut s);
    s
}

fn write_py(v: &Value, sort: bool, out: &mut String) {
    match v {
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py(x, sort, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            if sort {
                keys.sort();
            }
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(": ");
                write_py(&o[k.as_str()], sort, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

pub fn render_call(call: &Call) -> String {
    // "name" before "arguments", arguments sorted.
    format!("{TOOL_CALL_OPEN}{{\"name\": {}, \"arguments\": {}}}{TOOL_CALL_CLOSE}", Value::String(call.name.clone()), python_json(&Value::Object(call.arguments.clone()), true))
}

fn render_result(name: &str, content: &Value) -> String {
    match content {
        Value::String(s) => format!("{name}: {s}"),
        other => format!("{name}: {}", python_json(other, true)),
    }
}

pub fn render(tools: &Tools, system: Option<&str>, messages: &[Message], generation: bool) -> Result<Rendered> {
    let mut r = Rendered::default();
    let mut first_user = true;
    let mut in_model = false;
    let mut pending_results: Vec<String> = Vec::new();
    let flush_results = |r: &mut Rendered, pending: &mut Vec<String>| {
        if !pending.is_empty() {
            r.push(format!("{START_OF_TURN}user\n[Tool Result]\n{}{END_OF_TURN}\n{START_OF_TURN}model\n", pending.join("\n")), false);
            pending.clear();
        }
    };
    for (i, m) in messages.iter().enumerate() {
        match m {
            Message::User { content } => {
                if in_model {
                    bail!("message {i}: a user message follows an unfinished model turn");
                }
                if first_user {
                    r.push(prefix(tools, system), false);
                    r.push(format!("{content}{END_OF_TURN}\n{START_OF_TURN}model\n"), false);
                    first_user = false;
                } else {
                    r.push(format!("{START_OF_TURN}user\n{content}{END_OF_TURN}\n{START_OF_TURN}model\n"), false);
                }
                in_model = true;
            }
            Message::Assistant { content, tool_calls } => {
                flush_results(&mut r, &mut pending_results);
                if !in_model {
                    bail!("message {i}: an assistant message must follow a user message or tool results");
                }
                let mut parts: Vec<String> = Vec::new();
                if let Some(t) = content.as_deref().filter(|t| !t.is_empty()) {
                    parts.push(t.to_string());
                }
                parts.extend(tool_calls.iter().map(render_call));
                r.push(parts.join("\n"), true);
                r.push(END_OF_TURN, true);
                r.push("\n", false);
                // After calls the turn closes; results arrive in a user turn.
                in_model = !tool_calls.is_empty();
            }
            Message::Tool { name, content } => {
                if !in_model {
                    bail!("message {i}: a tool result must follow the model's calls");
                }
                pending_results.push(render_result(name, content));
            }
        }
    }
    flush_results(&mut r, &mut pending_results);
    let ends_with_calls = matches!(messages.last(), Some(Message::Assistant { tool_calls, .. }) if !tool_calls.is_empty());
    if !generation && in_model && !ends_with_calls {
        bail!("the conversation ends inside a model turn without an answer");
    }
    if generation && !in_model {
        bail!("nothing for the model to answer: the conversation ends with a finished model turn");
    }
    Ok(r)
}

/// Parses one model turn: every `<tool_call>{json}</tool_call>`, and the text around them.
pub fn parse(output: &str) -> Result<Parsed, MalformedOutput> {
    let output = output.split(END_OF_TURN).next().unwrap_or("");
    let mut calls = Vec::new();
    let mut text = String::new();
    let mut at = 0;
    while let Some(i) = output[at..].find(TOOL_CALL_OPEN) {
        text.push_str(&output[at..at + i]);
        let start = at + i + TOOL_CALL_OPEN.len();
        let end = output[start..].find(TOOL_CALL_CLOSE).map(|e| start + e).ok_or(MalformedOutput { at: start, message: format!("{TOOL_CALL_OPEN} without {TOOL_CALL_CLOSE}") })?;
        calls.push(parse_call_json(&output[start..end]).map_err(|message| MalformedOutput { at: start, message })?);
        at = end + TOOL_CALL_CLOSE.len();
    }
    text.push_str(&output[at..]);
    Ok(Parsed { calls, text: text.trim().to_string() })
}

/// `{"name": …, "arguments": {…}}` (arguments may also be a JSON string, as some models write).
pub fn parse_call_json(s: &str) -> Result<Call, String> {
    let v: Value = serde_json::from_str(s.trim()).map_err(|e| format!("tool call is not JSON: {e}"))?;
    let name = v.get("name").and_then(Value::as_str).ok_or("tool call has no \"name\" string")?.to_string();
    let arguments = match v.get("arguments").or_else(|| v.get("parameters")) {
        None => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(o)) => o,
            _ => return Err("\"arguments\" is a string that is not a JSON object".into()),
        },
        Some(_) => return Err("\"arguments\" must be an object".into()),
    };
    Ok(Call { name, arguments })
}
