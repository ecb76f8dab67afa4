//! FunctionGemma's native format, exactly as `shared/reference/functiongemma-format.md` states it.
//!
//! Decisions where the reference leaves a choice (training and inference share this code, so they
//! cannot disagree):
//! - Declarations render only the keywords Google's template renders (description, enum, items,
//!   properties, required, type), keys in alphabetical order at every level; bounds, patterns and
//!   defaults are enforced by the grammar and by jsonschema, not shown to the model.
//! - `required` is omitted when empty; a tool without properties renders `parameters:{type:…}`.
//! - A string can hold anything but the `<escape>` marker itself, which the format cannot express:
//!   rendering such a value is an error, and tool results have the marker defused.

use super::scan::{Lexeme, Scanner, CALL};
use super::{Call, MalformedOutput, Message, Parsed, Rendered, BOS, END_OF_TURN, START_OF_TURN};
use crate::tools::Tools;
use anyhow::{bail, Result};
use serde_json::{Map, Value};

pub use crate::names::token::{END_FUNCTION_CALL, END_FUNCTION_DECLARATION, END_FUNCTION_RESPONSE, ESCAPE, START_FUNCTION_CALL, START_FUNCTION_DECLARATION, START_FUNCTION_RESPONSE};

/// The chat template fg writes into every GGUF: the same text as `render`, in Jinja, for hosts that
/// render prompts themselves (tests/template.rs holds the two equal on the whole dataset).
pub const CHAT_TEMPLATE: &str = include_str!("functiongemma.jinja");

pub const TRIGGER: &str = "You are a model that can do function calling with the following functions";

pub fn prefix(tools: &Tools, system: Option<&str>) -> String {
    let mut s = format!("{BOS}{START_OF_TURN}developer\n");
    if let Some(sys) = system {
        s.push_str(sys);
    }
    s.push_str(TRIGGER);
    for t in &tools.tools {
        s.push_str(START_FUNCTION_DECLARATION);
        s.push_str(&format!("declaration:{}{{description:{},parameters:", t.name, esc(&t.description)));
        render_schema(&t.parameters, true, &mut s);
        s.push('}');
        s.push_str(END_FUNCTION_DECLARATION);
    }
    s.push_str(END_OF_TURN);
    s.push('\n');
    s
}

fn esc(s: &str) -> String {
    format!("{ESCAPE}{s}{ESCAPE}")
}

/// A schema as FunctionGemma declares it: the rendered keywords in alphabetical order.
fn render_schema(schema: &Value, top: bool, out: &mut String) {
    let mut parts: Vec<String> = Vec::new();
    if !top {
        parts.push(format!("description:{}", esc(schema.get("description").and_then(Value::as_str).unwrap_or(""))));
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        let items: Vec<String> = values.iter().map(render_value_string).collect();
        parts.push(format!("enum:[{}]", items.join(",")));
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        let mut s = String::from("items:");
        render_schema(items, false, &mut s);
        parts.push(s);
    }
    if let Some(Value::Object(props)) = schema.get("properties").filter(|p| p.as_object().is_some_and(|p| !p.is_empty())) {
        let mut keys: Vec<&String> = props.keys().collect();
        keys.sort();
        let rendered: Vec<String> = keys
            .iter()
            .map(|k| {
                let mut s = format!("{k}:");
                render_schema(&props[k.as_str()], false, &mut s);
                s
            })
            .collect();
        parts.push(format!("properties:{{{}}}", rendered.join(",")));
    }
    if let Some(Value::Array(req)) = schema.get("required").filter(|r| r.as_array().is_some_and(|r| !r.is_empty())) {
        let items: Vec<String> = req.iter().filter_map(Value::as_str).map(esc).collect();
        parts.push(format!("required:[{}]", items.join(",")));
    }
    if let Some(ty) = schema_type(schema) {
        parts.push(format!("type:{}", esc(&ty.to_ascii_uppercase())));
    }
    out.push('{');
    out.push_str(&parts.join(","));
    out.push('}');
}

fn schema_type(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(s) => Some(s),
        Value::Array(a) => a.iter().filter_map(Value::as_str).find(|t| *t != "null").or(Some("null")),
        _ => None,
    }
}

/// A value inside a call or a declaration: strings escaped, numbers and booleans bare.
fn render_value_string(v: &Value) -> String {
    let mut s = String::new();
    render_value(v, &mut s);
    s
}

fn render_value(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(ESCAPE);
            out.push_str(s);
            out.push_str(ESCAPE);
        }
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render_value(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => render_object(o, out),
    }
}

fn render_object(o: &Map<String, Value>, out: &mut String) {
    let mut keys: Vec<&String> = o.keys().collect();
    keys.sort();
    out.push('{');
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push(':');
        render_value(&o[k.as_str()], out);
    }
    out.push('}');
}

/// `<start_function_call>call:NAME{…}<end_function_call>`.
pub fn render_call(call: &Call) -> Result<String> {
    check_escapable(&Value::Object(call.arguments.clone()))?;
    let mut s = format!("{START_FUNCTION_CALL}{CALL}{}", call.name);
    render_object(&call.arguments, &mut s);
    s.push_str(END_FUNCTION_CALL);
    Ok(s)
}

fn check_escapable(v: &Value) -> Result<()> {
    match v {
        Value::String(s) if s.contains(ESCAPE) => bail!("a string value contains {ESCAPE}, which FunctionGemma's format cannot express"),
        Value::Array(a) => a.iter().try_for_each(check_escapable),
        Value::Object(o) => o.iter().try_for_each(|(k, v)| {
            if k.contains([':', ',', '{', '}', '[', ']']) || k.contains(ESCAPE) {
                bail!("key {k:?} cannot be written in FunctionGemma's format");
            }
            check_escapable(v)
        }),
        _ => Ok(()),
    }
}

/// `response:NAME{value:<escape>…<escape>}` for text, or the object's fields.
pub fn render_response(name: &str, content: &Value) -> String {
    let mut s = format!("response:{name}");
    match content {
        Value::Object(o) => render_object(&defuse(o), &mut s),
        Value::String(text) => render_object(&Map::from_iter([("value".to_string(), Value::String(text.replace(ESCAPE, "<escape\u{200b}>")))]), &mut s),
        other => render_object(&defuse(&Map::from_iter([("value".to_string(), other.clone())])), &mut s),
    }
    s.push_str(END_FUNCTION_RESPONSE);
    s
}

/// Tool results come from outside: replace the marker the format cannot carry.
fn defuse(o: &Map<String, Value>) -> Map<String, Value> {
    fn fix(v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(s.replace(ESCAPE, "<escape\u{200b}>")),
            Value::Array(a) => Value::Array(a.iter().map(fix).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), fix(v))).collect()),
            other => other.clone(),
        }
    }
    o.iter().map(|(k, v)| (k.clone(), fix(v))).collect()
}

pub fn render(tools: &Tools, system: Option<&str>, messages: &[Message], generation: bool) -> Result<Rendered> {
    let mut r = Rendered::default();
    r.push(prefix(tools, system), false);
    // Whether a model turn is open, and whether tool responses have started in it.
    let mut in_model = false;
    let mut responses_in_turn = 0usize;
    for (i, m) in messages.iter().enumerate() {
        match m {
            Message::User { content } => {
                if in_model {
                    bail!("message {i}: a user message follows an unfinished model turn");
                }
                r.push(format!("{START_OF_TURN}user\n{content}{END_OF_TURN}\n{START_OF_TURN}model\n"), false);
                in_model = true;
                responses_in_turn = 0;
            }
            Message::Assistant { content, tool_calls } => {
                if !in_model {
                    bail!("message {i}: an assistant message must follow a user message or tool results");
                }
                responses_in_turn = 0;
                if let Some(text) = content.as_deref().filter(|t| !t.is_empty()) {
                    r.push(text, true);
                }
                if tool_calls.is_empty() {
                    r.push(END_OF_TURN, true);
                    r.push("\n", false);
                    in_model = false;
                } else {
                    for c in tool_calls {
                        r.push(render_call(c)?, true);
                    }
                    r.push(START_FUNCTION_RESPONSE, true);
                }
            }
            Message::Tool { name, content } => {
                if !in_model {
                    bail!("message {i}: a tool result must follow the model's calls");
                }
                if responses_in_turn > 0 {
                    r.push(START_FUNCTION_RESPONSE, false);
                }
                r.push(render_response(name, content), false);
                responses_in_turn += 1;
            }
        }
    }
    let ends_with_calls = matches!(messages.last(), Some(Message::Assistant { tool_calls, .. }) if !tool_calls.is_empty());
    if !generation && in_model && !ends_with_calls {
        bail!("the conversation ends inside a model turn without an answer");
    }
    if generation && !in_model {
        bail!("nothing for the model to answer: the conversation ends with a finished model turn");
    }
    Ok(r)
}

/// Parses one model turn: calls (each `<start_function_call>call:NAME{…}<end_function_call>`) and
/// any text around them. Stop tokens at the end are ignored.
pub fn parse(output: &str) -> Result<Parsed, MalformedOutput> {
    let mut calls = Vec::new();
    let mut text = String::new();
    let mut at = 0;
    while let Some(i) = output[at..].find(START_FUNCTION_CALL) {
        text.push_str(&output[at..at + i]);
        let start = at + i + START_FUNCTION_CALL.len();
        let mut p = Parser { base: start, s: Scanner::new(&output[start..]) };
        calls.push(p.call()?);
        p.raw(END_FUNCTION_CALL)?;
        at = start + p.s.offset();
    }
    text.push_str(&output[at..]);
    for stop in [START_FUNCTION_RESPONSE, END_OF_TURN] {
        if let Some(i) = text.find(stop) {
            text.truncate(i);
        }
    }
    if let Some(i) = text.find(END_FUNCTION_CALL) {
        return Err(MalformedOutput { at: i, message: format!("{END_FUNCTION_CALL} without a call before it") });
    }
    Ok(Parsed { calls, text: text.trim().to_string() })
}

/// Builds one call from the scanner's lexemes.
struct Parser<'a> {
    /// Where the scanned text starts in the whole output (for error offsets).
    base: usize,
    s: Scanner<'a>,
}

impl<'a> Parser<'a> {
    fn err<T>(&self, message: impl Into<String>) -> Result<T, MalformedOutput> {
        Err(MalformedOutput { at: self.base + self.s.offset(), message: message.into() })
    }

    fn found(&self) -> String {
        self.s.rest().chars().take(20).collect()
    }

    /// Raw text that must come next (`call:`, `<end_function_call>`).
    fn raw(&mut self, lit: &str) -> Result<(), MalformedOutput> {
        if self.s.rest().starts_with(lit) {
            self.s.advance(lit.len());
            Ok(())
        } else {
            self.err(format!("expected {lit:?}, found {:?}", self.found()))
        }
    }

    /// Consumes punctuation `c` when it comes next.
    fn eat(&mut self, c: char) -> bool {
        let next = matches!(self.s.peek(), Some((_, Lexeme::Punct(p))) if p == c);
        if next {
            self.s.next();
        }
        next
    }

    fn punct(&mut self, c: char) -> Result<(), MalformedOutput> {
        if self.eat(c) {
            Ok(())
        } else {
            self.err(format!("expected {:?}, found {:?}", c.to_string(), self.found()))
        }
    }

    /// The next lexeme when it is a word.
    fn word(&mut self) -> Option<&'a str> {
        match self.s.peek() {
            Some((_, Lexeme::Word(w))) => {
                self.s.next();
                Some(w)
            }
            _ => None,
        }
    }

    fn call(&mut self) -> Result<Call, MalformedOutput> {
        self.raw(CALL)?;
        let name = self.word().unwrap_or("");
        if !matches!(self.s.peek(), Some((_, Lexeme::Punct('{')))) {
            return self.err("expected '{' after the tool name");
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
            return self.err(format!("invalid tool name {name:?}"));
        }
        let arguments = self.object()?;
        Ok(Call { name: name.to_string(), arguments })
    }

    fn object(&mut self) -> Result<Map<String, Value>, MalformedOutput> {
        self.punct('{')?;
        let mut m = Map::new();
        if self.eat('}') {
            return Ok(m);
        }
        loop {
            let key = self.word().unwrap_or("");
            if !self.eat(':') {
                return self.err("expected ':' after a key");
            }
            if key.is_empty() || key.contains('<') {
                return self.err(format!("invalid key {key:?}"));
            }
            let v = self.value()?;
            if m.insert(key.to_string(), v).is_some() {
                return self.err(format!("key {key:?} appears twice"));
            }
            if !self.eat(',') {
                self.punct('}')?;
                return Ok(m);
            }
        }
    }

    fn value(&mut self) -> Result<Value, MalformedOutput> {
        match self.s.peek() {
            Some((_, Lexeme::Str { text, closed: true })) => {
                self.s.next();
                Ok(Value::String(text.to_string()))
            }
            Some((_, Lexeme::Str { closed: false, .. })) => self.err("unterminated <escape> string"),
            Some((_, Lexeme::Punct('{'))) => Ok(Value::Object(self.object()?)),
            Some((_, Lexeme::Punct('['))) => {
                self.s.next();
                let mut a = Vec::new();
                if self.eat(']') {
                    return Ok(Value::Array(a));
                }
                loop {
                    a.push(self.value()?);
                    if !self.eat(',') {
                        self.punct(']')?;
                        return Ok(Value::Array(a));
                    }
                }
            }
            Some((_, Lexeme::Word(atom))) => {
                let v = match atom {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ if atom.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => match serde_json::from_str::<serde_json::Number>(atom) {
                        Ok(n) => Value::Number(n),
                        Err(_) => return self.err(format!("invalid number {atom:?}")),
                    },
                    _ => return self.err(format!("expected a value, found {:?}", atom.chars().take(20).collect::<String>())),
                };
                self.s.next();
                Ok(v)
            }
            _ => self.err(format!("expected a value, found {:?}", self.found())),
        }
    }
}
