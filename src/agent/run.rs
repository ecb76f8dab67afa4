//! The agent loop: render the conversation, generate (constrained by the tools' grammar when asked),
//! parse, validate every call with jsonschema, execute the valid ones (builtin tools in the sandbox,
//! Delia's over MCP), feed results back, until the model answers in text.

use super::builtin::{Sandbox, BUILTIN};
use super::engine::{Engine, Forcer, GenerateOptions, Generation, Sampling, Session};
use super::forcing::{FunctionGemmaForcer, JsonForcer};
use super::mcp::McpClient;
use crate::format::{functiongemma, Call, Format, Message};
use crate::tools::Tools;
use anyhow::Result;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::PathBuf;

pub struct AgentOptions {
    pub format: Format,
    pub grammar: bool,
    pub max_iterations: usize,
    pub max_tokens: usize,
    pub sampling: Sampling,
    pub system: Option<String>,
    /// Folder for the prefix cache (next to the model by default).
    pub cache_dir: Option<PathBuf>,
}

/// One thing that happened, in order.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Call { name: String, arguments: serde_json::Map<String, Value>, valid: bool, error: Option<String> },
    Result { name: String, ok: bool, content: Value, ms: f64 },
    Answer { text: String },
    /// The model's output was not in the format (only possible without `--grammar`).
    Malformed { text: String, error: String },
    Generation { iteration: usize, prompt_tokens: usize, tokens: usize, forced_tokens: usize, full_masks: usize, prompt_ms: f64, generate_ms: f64 },
}

#[derive(Clone, Debug, Serialize)]
pub struct Transcript {
    pub request: String,
    pub messages: Vec<Message>,
    pub events: Vec<Event>,
    pub answer: Option<String>,
    pub invalid_calls: usize,
    pub prefix_cache: String,
    pub prefix_ms: f64,
    /// Milliseconds from the request to the first validated call, when there was one.
    pub first_call_ms: Option<f64>,
}

/// Single tokens that end what a format's grammar has open, most final first.
pub fn closers(engine: &Engine, format: Format) -> Vec<i32> {
    let texts: &[&str] = match format {
        Format::FunctionGemma => &["<start_function_response>", "<end_of_turn>", "<end_function_call>", "<escape>", "}", "]", ":", "0", "false"],
        Format::Json => &["<end_of_turn>", "}", "]", "\"", ":", "0", "false", "null", "</"],
    };
    texts.iter().filter_map(|t| match engine.tokenize(t).as_slice() {
        [one] => Some(*one),
        _ => None,
    }).collect()
}

/// Where calls go.
pub struct Executor {
    pub sandbox: Option<Sandbox>,
    pub mcp: Option<McpClient>,
    pub rt: tokio::runtime::Runtime,
}

impl Executor {
    pub fn new(sandbox: Option<Sandbox>) -> Result<Executor> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        Ok(Executor { sandbox, mcp: None, rt })
    }

    /// Runs a validated call; `Err` is the error the model gets back.
    pub fn execute(&self, call: &Call) -> Result<Value, String> {
        if let Some(m) = self.mcp.as_ref().filter(|m| m.tools.iter().any(|t| t == &call.name)) {
            return self.rt.block_on(m.call(&call.name, &call.arguments));
        }
        match &self.sandbox {
            Some(s) if BUILTIN.contains(&call.name.as_str()) => self.rt.block_on(s.run(&call.name, &call.arguments)),
            _ => Err(format!("`{}` is one of Delia's own tools; connect Delia with --mcp \"COMMAND\" or --mcp-url URL to run it", call.name)),
        }
    }
}

pub struct Agent<'e> {
    pub session: Session<'e>,
    pub tools: &'e Tools,
    pub opts: AgentOptions,
    gbnf: Option<String>,
    forcer: Option<Box<dyn Forcer>>,
    stop: Vec<i32>,
    closers: Vec<i32>,
    prefix_ms: f64,
}

impl<'e> Agent<'e> {
    pub fn new(engine: &'e Engine, tools: &'e Tools, opts: AgentOptions) -> Result<Agent<'e>> {
        let prefix = opts.format.prefix(tools, opts.system.as_deref());
        let key = format!("{}|{}|{}", tools.hash, opts.format.name(), opts.system.as_deref().unwrap_or(""));
        let session = engine.session(&prefix, &key, opts.cache_dir.as_deref())?;
        let gbnf = if opts.grammar { Some(crate::grammar::tools::tools_grammar(tools, opts.format)?) } else { None };
        let forcer: Option<Box<dyn Forcer>> = match (opts.grammar, opts.format) {
            (false, _) => None,
            (true, Format::FunctionGemma) => Some(Box::new(FunctionGemmaForcer::new(tools))),
            (true, Format::Json) => Some(Box::new(JsonForcer)),
        };
        let stop = match opts.format {
            Format::FunctionGemma => vec![functiongemma::SPECIAL_TOKENS[4].1 as i32],
            Format::Json => vec![],
        };
        let prefix_ms = session.stats.prefix_ms;
        let closers = closers(engine, opts.format);
        Ok(Agent { session, tools, opts, gbnf, forcer, stop, closers, prefix_ms })
    }

    /// Restricts the grammar to calls (no text answer): for benchmarks and tests of the base model.
    pub fn require_call(&mut self) {
        if let Some(g) = self.gbnf.as_mut() {
            *g = g.replacen(" | answer\n", "\n", 1);
        }
    }

    /// One model turn after `messages` (a user message or tool results last).
    pub fn turn(&mut self, messages: &[Message]) -> Result<Generation> {
        let text = self.opts.format.render(self.tools, self.opts.system.as_deref(), messages, true)?.text();
        let opts = GenerateOptions {
            sampling: self.opts.sampling.clone(),
            grammar: self.gbnf.as_deref(),
            stop: self.stop.clone(),
            max_tokens: self.opts.max_tokens,
            forcer: self.forcer.as_deref(),
            check_first: true,
            closers: self.closers.clone(),
        };
        self.session.generate(&text, &opts)
    }

    /// Runs a request to its answer (or the iteration limit), executing calls with `exec`.
    /// `on_event` sees each event as it happens.
    pub fn run(&mut self, request: &str, history: &mut Vec<Message>, exec: Option<&Executor>, mut on_event: impl FnMut(&Event)) -> Result<Transcript> {
        let start = std::time::Instant::now();
        history.push(Message::User { content: request.to_string() });
        let mut t = Transcript {
            request: request.into(),
            messages: Vec::new(),
            events: Vec::new(),
            answer: None,
            invalid_calls: 0,
            prefix_cache: self.session.stats.prefix_cache.clone(),
            prefix_ms: self.prefix_ms,
            first_call_ms: None,
        };
        let mut emit = |t: &mut Transcript, e: Event| {
            on_event(&e);
            t.events.push(e);
        };
        for iteration in 0..self.opts.max_iterations {
            let g = self.turn(history)?;
            emit(&mut t, Event::Generation { iteration, prompt_tokens: g.prompt_tokens, tokens: g.tokens.len(), forced_tokens: g.forced_tokens, full_masks: g.full_masks, prompt_ms: g.prompt_ms, generate_ms: g.generate_ms });
            let parsed = match self.opts.format.parse(&g.text) {
                Ok(p) => p,
                Err(e) => {
                    t.invalid_calls += 1;
                    emit(&mut t, Event::Malformed { text: g.text.clone(), error: e.to_string() });
                    history.push(Message::Assistant { content: Some(g.text.clone()), tool_calls: vec![] });
                    break;
                }
            };
            if parsed.calls.is_empty() {
                emit(&mut t, Event::Answer { text: parsed.text.clone() });
                t.answer = Some(parsed.text.clone());
                history.push(Message::Assistant { content: Some(parsed.text), tool_calls: vec![] });
                break;
            }
            history.push(Message::Assistant { content: None, tool_calls: parsed.calls.clone() });
            for call in &parsed.calls {
                let check = self.tools.check_call(&call.name, &call.arguments);
                let valid = check.is_ok();
                if valid && t.first_call_ms.is_none() {
                    t.first_call_ms = Some(start.elapsed().as_secs_f64() * 1e3);
                }
                emit(&mut t, Event::Call { name: call.name.clone(), arguments: call.arguments.clone(), valid, error: check.as_ref().err().map(|e| e.to_string()) });
                let call_start = std::time::Instant::now();
                let (ok, content) = match check {
                    // An invalid call never runs: the error goes back to the model.
                    Err(e) => {
                        t.invalid_calls += 1;
                        (false, json!({"error": e.to_string()}))
                    }
                    Ok(()) => match exec.map(|x| x.execute(call)) {
                        Some(Ok(v)) => (true, v),
                        Some(Err(e)) => (false, json!({"error": e})),
                        None => (false, json!({"error": "tools are not executed in this mode"})),
                    },
                };
                emit(&mut t, Event::Result { name: call.name.clone(), ok, content: content.clone(), ms: call_start.elapsed().as_secs_f64() * 1e3 });
                history.push(Message::Tool { name: call.name.clone(), content });
            }
        }
        t.messages = history.clone();
        Ok(t)
    }
}
