//! OpenAI's chat-completions API as `fg serve` speaks it: the request read strictly (every field
//! checked, unknown ones refused), turned into fg's messages, tools and grammar choice; the
//! responses and stream chunks written as OpenAI's clients read them; errors in OpenAI's shape.

use crate::format::{Call, Message};
use crate::grammar::tools::Choice;
use serde_json::{json, Map, Value};

/// An error answered to the client: HTTP status and OpenAI's `{"error": {...}}` body.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub kind: &'static str,
    pub message: String,
    pub param: Option<String>,
}

impl ApiError {
    pub fn bad(message: impl Into<String>, param: Option<&str>) -> ApiError {
        ApiError { status: 400, kind: "invalid_request_error", message: message.into(), param: param.map(str::to_string) }
    }

    pub fn body(&self) -> Value {
        json!({"error": {"message": self.message, "type": self.kind, "param": self.param, "code": null}})
    }
}

/// Top-level fields a request may carry. Anything else is refused: a misspelt field is an error,
/// not a setting silently ignored.
const KNOWN_FIELDS: &[&str] = &[
    "model",
    "messages",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "stream",
    "stream_options",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "seed",
    "n",
    "user",
    "stop",
    "logprobs",
    "presence_penalty",
    "frequency_penalty",
];

/// What the client asked for.
#[derive(Debug, Default)]
pub struct Request {
    pub system: Option<String>,
    pub messages: Vec<Message>,
    /// The request's `tools` as given (an OpenAI tools array), or None.
    pub tools: Option<Value>,
    pub choice: ToolChoice,
    pub parallel: bool,
    pub stream: bool,
    pub include_usage: bool,
    pub max_tokens: Option<usize>,
    pub temperature: f32,
    pub top_p: f32,
    pub seed: u64,
    pub stop: Vec<String>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub enum ToolChoice {
    #[default]
    Auto,
    None,
    Required,
    Named(String),
}

impl ToolChoice {
    /// The grammar's choice (a named function is a required call over that tool alone).
    pub fn grammar_choice(&self, parallel: bool) -> Choice {
        match self {
            ToolChoice::Auto => Choice { calls: true, answer: true, parallel },
            ToolChoice::None => Choice { calls: false, answer: true, parallel },
            ToolChoice::Required | ToolChoice::Named(_) => Choice { calls: true, answer: false, parallel },
        }
    }
}

fn text_content(v: &Value, param: &str) -> Result<String, ApiError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        Value::Array(parts) => {
            let mut out = String::new();
            for p in parts {
                match (p.get("type").and_then(Value::as_str), p.get("text").and_then(Value::as_str)) {
                    (Some("text"), Some(t)) => out.push_str(t),
                    (ty, _) => return Err(ApiError::bad(format!("{param}: only text content parts are supported, got {}", ty.unwrap_or("a part without a type")), Some(param))),
                }
            }
            Ok(out)
        }
        _ => Err(ApiError::bad(format!("{param} must be a string or a list of text parts"), Some(param))),
    }
}

/// Reads a chat-completions request body.
pub fn parse_request(body: &[u8]) -> Result<Request, ApiError> {
    let root: Value = serde_json::from_slice(body).map_err(|e| ApiError::bad(format!("the body is not valid JSON: {e}"), None))?;
    let Value::Object(obj) = root else {
        return Err(ApiError::bad("the body must be a JSON object", None));
    };
    if let Some(k) = obj.keys().find(|k| !KNOWN_FIELDS.contains(&k.as_str())) {
        return Err(ApiError::bad(format!("unknown field `{k}`; fg serve accepts {}", KNOWN_FIELDS.join(", ")), Some(k)));
    }
    let mut r = Request { parallel: true, top_p: 1.0, ..Default::default() };
    let num = |k: &str| -> Result<Option<f64>, ApiError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| ApiError::bad(format!("`{k}` must be a number"), Some(k))),
        }
    };
    let boolean = |k: &str| -> Result<Option<bool>, ApiError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::bad(format!("`{k}` must be true or false"), Some(k))),
        }
    };
    if let Some(v) = obj.get("model") {
        if !v.is_string() {
            return Err(ApiError::bad("`model` must be a string", Some("model")));
        }
    }
    if num("n")?.is_some_and(|n| n != 1.0) {
        return Err(ApiError::bad("fg serve writes one choice: `n` must be 1", Some("n")));
    }
    if boolean("logprobs")? == Some(true) {
        return Err(ApiError::bad("fg serve does not return logprobs", Some("logprobs")));
    }
    for k in ["presence_penalty", "frequency_penalty"] {
        if num(k)?.is_some_and(|p| p != 0.0) {
            return Err(ApiError::bad(format!("fg serve does not apply `{k}`: leave it 0"), Some(k)));
        }
    }
    r.stream = boolean("stream")?.unwrap_or(false);
    if let Some(so) = obj.get("stream_options").filter(|v| !v.is_null()) {
        let Some(o) = so.as_object() else { return Err(ApiError::bad("`stream_options` must be an object", Some("stream_options"))) };
        r.include_usage = o.get("include_usage").and_then(Value::as_bool).unwrap_or(false);
    }
    r.parallel = boolean("parallel_tool_calls")?.unwrap_or(true);
    let max = match (num("max_completion_tokens")?, num("max_tokens")?) {
        (Some(m), _) | (None, Some(m)) => Some(m),
        _ => None,
    };
    if let Some(m) = max {
        if m < 1.0 || m.fract() != 0.0 {
            return Err(ApiError::bad("`max_tokens` must be a positive integer", Some("max_tokens")));
        }
        r.max_tokens = Some(m as usize);
    }
    r.temperature = num("temperature")?.unwrap_or(0.0) as f32;
    if !(0.0..=2.0).contains(&r.temperature) {
        return Err(ApiError::bad("`temperature` must be between 0 and 2", Some("temperature")));
    }
    r.top_p = num("top_p")?.unwrap_or(1.0) as f32;
    if !(0.0..=1.0).contains(&r.top_p) || r.top_p == 0.0 {
        return Err(ApiError::bad("`top_p` must be in (0, 1]", Some("top_p")));
    }
    r.seed = num("seed")?.map(|s| s as u64).unwrap_or(0);
    r.stop = match obj.get("stop") {
        None | Some(Value::Null) => vec![],
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) if a.iter().all(Value::is_string) && a.len() <= 4 => a.iter().filter_map(|s| s.as_str().map(str::to_string)).filter(|s| !s.is_empty()).collect(),
        Some(_) => return Err(ApiError::bad("`stop` must be a string or up to 4 strings", Some("stop"))),
    };
    r.tools = match obj.get("tools") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) if a.is_empty() => None,
        Some(v @ Value::Array(_)) => Some(v.clone()),
        Some(_) => return Err(ApiError::bad("`tools` must be an array of tools", Some("tools"))),
    };
    r.choice = match obj.get("tool_choice") {
        None | Some(Value::Null) => {
            if r.tools.is_some() {
                ToolChoice::Auto
            } else {
                ToolChoice::None
            }
        }
        Some(Value::String(s)) => match s.as_str() {
            "auto" => ToolChoice::Auto,
            "none" => ToolChoice::None,
            "required" => ToolChoice::Required,
            other => return Err(ApiError::bad(format!("`tool_choice` {other:?}: use none, auto, required or {{\"type\": \"function\", \"function\": {{\"name\": …}}}}"), Some("tool_choice"))),
        },
        Some(Value::Object(o)) => match o.get("function").and_then(|f| f.get("name")).and_then(Value::as_str) {
            Some(name) if o.get("type").and_then(Value::as_str).unwrap_or("function") == "function" => ToolChoice::Named(name.to_string()),
            _ => return Err(ApiError::bad("`tool_choice` as an object must be {\"type\": \"function\", \"function\": {\"name\": …}}", Some("tool_choice"))),
        },
        Some(_) => return Err(ApiError::bad("`tool_choice` must be a string or an object", Some("tool_choice"))),
    };
    if r.tools.is_none() && matches!(r.choice, ToolChoice::Required | ToolChoice::Named(_)) {
        return Err(ApiError::bad("`tool_choice` asks for a call but the request has no `tools`", Some("tool_choice")));
    }
    let Some(Value::Array(messages)) = obj.get("messages") else {
        return Err(ApiError::bad("`messages` must be an array of messages", Some("messages")));
    };
    (r.system, r.messages) = messages_of(messages)?;
    if r.messages.is_empty() {
        return Err(ApiError::bad("`messages` has no user message", Some("messages")));
    }
    Ok(r)
}

/// OpenAI's messages as fg's: the leading system/developer text, then user, assistant and tool
/// messages (a tool message's name comes from `name` or from the call its `tool_call_id` names).
pub fn messages_of(messages: &[Value]) -> Result<(Option<String>, Vec<Message>), ApiError> {
    let mut system = None;
    let mut out = Vec::new();
    // Calls of the last assistant message, by id, and how many results have come for them.
    let mut calls: Vec<(String, String)> = Vec::new();
    let mut results = 0;
    for (i, m) in messages.iter().enumerate() {
        let p = format!("messages[{i}]");
        let role = m.get("role").and_then(Value::as_str).ok_or_else(|| ApiError::bad(format!("{p} has no role"), Some(&p)))?;
        let content = m.get("content").unwrap_or(&Value::Null);
        match role {
            "system" | "developer" => {
                if !out.is_empty() || system.is_some() {
                    return Err(ApiError::bad(format!("{p}: a {role} message may only come first"), Some(&p)));
                }
                system = Some(text_content(content, &format!("{p}.content"))?);
            }
            "user" => out.push(Message::User { content: text_content(content, &format!("{p}.content"))? }),
            "assistant" => {
                let text = text_content(content, &format!("{p}.content"))?;
                let mut tool_calls = Vec::new();
                calls.clear();
                results = 0;
                if let Some(list) = m.get("tool_calls").filter(|v| !v.is_null()) {
                    let list = list.as_array().ok_or_else(|| ApiError::bad(format!("{p}.tool_calls must be an array"), Some(&p)))?;
                    for (j, c) in list.iter().enumerate() {
                        let cp = format!("{p}.tool_calls[{j}]");
                        let f = c.get("function").unwrap_or(c);
                        let name = f.get("name").and_then(Value::as_str).ok_or_else(|| ApiError::bad(format!("{cp} has no function name"), Some(&cp)))?;
                        let arguments = match f.get("arguments") {
                            None | Some(Value::Null) => Map::new(),
                            Some(Value::Object(o)) => o.clone(),
                            Some(Value::String(s)) if s.trim().is_empty() => Map::new(),
                            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                                Ok(Value::Object(o)) => o,
                                _ => return Err(ApiError::bad(format!("{cp}.function.arguments is not a JSON object"), Some(&cp))),
                            },
                            Some(_) => return Err(ApiError::bad(format!("{cp}.function.arguments must be a JSON object or a string holding one"), Some(&cp))),
                        };
                        let id = c.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
                        calls.push((id, name.to_string()));
                        tool_calls.push(Call { name: name.to_string(), arguments });
                    }
                }
                out.push(Message::Assistant { content: (!text.is_empty()).then_some(text), tool_calls });
            }
            "tool" => {
                let by_id = m.get("tool_call_id").and_then(Value::as_str).and_then(|id| calls.iter().find(|(cid, _)| cid == id)).map(|(_, n)| n.clone());
                let name = m.get("name").and_then(Value::as_str).map(str::to_string).or(by_id).or_else(|| calls.get(results).map(|(_, n)| n.clone()));
                let name = name.ok_or_else(|| ApiError::bad(format!("{p}: a tool message must follow the assistant's tool_calls (name its call with tool_call_id)"), Some(&p)))?;
                let content = match content {
                    Value::Object(_) => content.clone(),
                    other => Value::String(text_content(other, &format!("{p}.content"))?),
                };
                results += 1;
                out.push(Message::Tool { name, content });
            }
            other => return Err(ApiError::bad(format!("{p}: unknown role {other:?}"), Some(&p))),
        }
    }
    Ok((system, out))
}

/// A call as OpenAI returns it: an id, and the arguments as a JSON string.
pub fn tool_call_json(id: &str, call: &Call) -> Value {
    json!({"id": id, "type": "function", "function": {"name": call.name, "arguments": Value::Object(call.arguments.clone()).to_string()}})
}

/// What a finished turn gives the client.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub text: String,
    pub calls: Vec<(String, Call)>,
    /// "stop", "length" or "tool_calls".
    pub finish_reason: &'static str,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
}

pub fn usage(o: &Outcome) -> Value {
    json!({"prompt_tokens": o.prompt_tokens, "completion_tokens": o.completion_tokens, "total_tokens": o.prompt_tokens + o.completion_tokens})
}

pub fn completion(id: &str, created: u64, model: &str, o: &Outcome) -> Value {
    let mut message = json!({"role": "assistant", "content": if o.text.is_empty() && !o.calls.is_empty() { Value::Null } else { Value::String(o.text.clone()) }, "refusal": null});
    if !o.calls.is_empty() {
        message["tool_calls"] = Value::Array(o.calls.iter().map(|(id, c)| tool_call_json(id, c)).collect());
    }
    json!({
        "id": id, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": o.finish_reason, "logprobs": null}],
        "usage": usage(o),
    })
}

/// One `chat.completion.chunk`: `delta` and `finish_reason` for the single choice.
pub fn chunk(id: &str, created: u64, model: &str, delta: Value, finish_reason: Option<&str>) -> Value {
    json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": null}]})
}

/// The chunks that carry a turn's calls: per call, its id and name, then its arguments.
pub fn call_chunks(id: &str, created: u64, model: &str, calls: &[(String, Call)]) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, (cid, c)) in calls.iter().enumerate() {
        out.push(chunk(id, created, model, json!({"tool_calls": [{"index": i, "id": cid, "type": "function", "function": {"name": c.name, "arguments": ""}}]}), None));
        out.push(chunk(id, created, model, json!({"tool_calls": [{"index": i, "function": {"arguments": Value::Object(c.arguments.clone()).to_string()}}]}), None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_read_strictly() {
        let ok = br#"{"model": "delia", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], "tool_choice": "none"}"#;
        let r = parse_request(ok).unwrap();
        assert_eq!(r.system.as_deref(), Some("Be brief."));
        assert_eq!(r.choice, ToolChoice::None);
        for (body, what) in [
            (&br#"{"messages": [{"role": "user", "content": "hi"}], "temprature": 0}"#[..], "unknown field `temprature`"),
            (br#"{"messages": []}"#, "no user message"),
            (br#"{"messages": [{"role": "user", "content": "hi"}], "tool_choice": "required"}"#, "has no `tools`"),
            (br#"{"messages": [{"role": "user", "content": "hi"}], "n": 2}"#, "`n` must be 1"),
            (br#"{"messages": [{"role": "tool", "content": "x"}]}"#, "must follow the assistant's tool_calls"),
            (br#"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": "{oops"}}]}]}"#, "not a JSON object"),
            (br#"{"messages": "#, "not valid JSON"),
        ] {
            let e = parse_request(body).unwrap_err();
            assert_eq!(e.status, 400);
            assert!(e.message.contains(what), "{what}: {}", e.message);
        }
    }

    #[test]
    fn tool_messages_are_named_by_their_call_id() {
        let msgs: Vec<Value> = serde_json::from_str(r#"[{"role": "user", "content": "x"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": "{\"path\": \"a\"}"}}, {"id": "c2", "type": "function", "function": {"name": "list_directory", "arguments": {}}}]}, {"role": "tool", "tool_call_id": "c2", "content": "d"}, {"role": "tool", "tool_call_id": "c1", "content": "f"}]"#).unwrap();
        let (_, m) = messages_of(&msgs).unwrap();
        assert_eq!(m[2], Message::Tool { name: "list_directory".into(), content: json!("d") });
        assert_eq!(m[3], Message::Tool { name: "read_file".into(), content: json!("f") });
    }
}
