//! Chat formats: how a conversation with tools becomes the exact text the model sees, and how the
//! model's output becomes calls again.
//!
//! - `functiongemma` (default): FunctionGemma's native format with its seven control tokens
//!   (`shared/reference/functiongemma-format.md`).
//! - `json`: the seed's format, `<tool_call>{"name": …, "arguments": …}</tool_call>` with the tools
//!   listed under `[Available Tools]`, which Delia's own parser reads.
//!
//! Rendering yields segments marked trainable or not, so the loss mask covers exactly what the
//! model produces. The format's name is stored in every artifact that depends on it.

pub mod functiongemma;
pub mod json;
pub mod scan;
pub mod vocab;

use crate::tools::Tools;
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    #[value(name = "functiongemma")]
    FunctionGemma,
    Json,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::FunctionGemma => "functiongemma",
            Format::Json => "json",
        }
    }

    pub fn from_name(s: &str) -> Result<Format> {
        match s {
            "functiongemma" => Ok(Format::FunctionGemma),
            "json" => Ok(Format::Json),
            _ => bail!("unknown format {s:?}: choose functiongemma or json"),
        }
    }

    /// Renders a conversation. With `generation`, the text ends where the model must continue
    /// (an open model turn); without, it is a complete training example.
    pub fn render(self, tools: &Tools, system: Option<&str>, messages: &[Message], generation: bool) -> Result<Rendered> {
        match self {
            Format::FunctionGemma => functiongemma::render(tools, system, messages, generation),
            Format::Json => json::render(tools, system, messages, generation),
        }
    }

    /// The text before the first user message: identical for every request with these tools, so
    /// its computation can be shared (training) and cached (inference).
    pub fn prefix(self, tools: &Tools, system: Option<&str>) -> String {
        match self {
            Format::FunctionGemma => functiongemma::prefix(tools, system),
            Format::Json => json::prefix(tools, system),
        }
    }

    /// Parses what the model produced in one model turn (up to its stop token).
    pub fn parse(self, output: &str) -> Result<Parsed, MalformedOutput> {
        match self {
            Format::FunctionGemma => functiongemma::parse(output),
            Format::Json => json::parse(output),
        }
    }

    /// Texts that end the model's turn for the engine.
    pub fn stop_strings(self) -> &'static [&'static str] {
        match self {
            Format::FunctionGemma => &[functiongemma::START_FUNCTION_RESPONSE, END_OF_TURN],
            Format::Json => &[END_OF_TURN],
        }
    }
}

pub use crate::names::token::{BOS, END_OF_TURN, START_OF_TURN};

/// A tool call: a name and its arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub name: String,
    pub arguments: Map<String, Value>,
}

/// One message of a conversation (OpenAI-like roles).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Message {
    User {
        content: String,
    },
    /// What the model produces: calls, or a text answer (or, rarely, text then calls).
    Assistant {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<Call>,
    },
    /// A tool's result, given back to the model.
    Tool {
        name: String,
        content: Value,
    },
}

/// Rendered text in pieces; `train` marks what the model itself produces.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    pub segments: Vec<Segment>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub text: String,
    pub train: bool,
}

impl Rendered {
    pub fn push(&mut self, text: impl Into<String>, train: bool) {
        let text = text.into();
        if text.is_empty() {
            return;
        }
        match self.segments.last_mut() {
            Some(last) if last.train == train => last.text.push_str(&text),
            _ => self.segments.push(Segment { text, train }),
        }
    }

    pub fn text(&self) -> String {
        self.segments.iter().map(|s| s.text.as_str()).collect()
    }

    /// Byte ranges of the trainable text.
    pub fn train_spans(&self) -> Vec<std::ops::Range<usize>> {
        let mut at = 0;
        let mut spans = Vec::new();
        for s in &self.segments {
            if s.train {
                spans.push(at..at + s.text.len());
            }
            at += s.text.len();
        }
        spans
    }
}

/// What a model turn contained.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub calls: Vec<Call>,
    /// Text outside calls, trimmed (the answer when there are no calls).
    pub text: String,
}

/// Output that is not in the format: where, and what was expected.
#[derive(Clone, Debug, PartialEq)]
pub struct MalformedOutput {
    pub at: usize,
    pub message: String,
}

impl std::fmt::Display for MalformedOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed model output at byte {}: {}", self.at, self.message)
    }
}

impl std::error::Error for MalformedOutput {}
