//! The agent loop: render the conversation, generate (constrained by the tools' grammar when asked),
//! parse, validate every call with jsonschema, execute the valid ones (builtin tools in the sandbox,
//! Delia's over MCP), feed results back, until the model answers in text.

use super::builtin::{Sandbox, BUILTIN};
use super::consent::{Confirm, Consent};
use super::forcing::{FunctionGemmaForcer, JsonForcer};
use super::mcp::McpClient;
use crate::format::{Call, Format, Message};
use crate::llama::{Engine, Forcer, GenerateOptions, Generation, Sampling, Session};
use crate::tools::Tools;
use anyhow::Result;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Default for `AgentOptions::max_answer_tokens`: answers are a line or two.
pub const DEFAULT_MAX_ANSWER_TOKENS: usize = 256;

pub struct AgentOptions {
    pub format: Format,
    pub grammar: bool,
    pub max_iterations: usize,
    pub max_tokens: usize,
    /// Most tokens of a text answer (FunctionGemma format), which also ends when it loops.
    pub max_answer_tokens: usize,
    pub sampling: Sampling,
    pub system: Option<String>,
    /// Folder for the prefix cache (next to the model by default).
    pub cache_dir: Option<PathBuf>,
}

/// One thing that happened, in order.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Call {
        name: String,
        arguments: serde_json::Map<String, Value>,
        valid: bool,
        error: Option<String>,
    },
    Result {
        name: String,
        ok: bool,
        content: Value,
        ms: f64,
    },
    Answer {
        text: String,
    },
    /// The model's output was not in the format (only possible without `--grammar`).
    Malformed {
        text: String,
        error: String,
    },
    /// `finish`: why the turn ended.
    Generation {
        iteration: usize,
        prompt_tokens: usize,
        tokens: usize,
        forced_tokens: usize,
        full_masks: usize,
        prompt_ms: f64,
        generate_ms: f64,
        finish: crate::llama::Finish,
    },
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
    /// Why the run stopped before an answer (the transcript up to there is kept).
    pub error: Option<String>,
    /// What the connected MCP server offers against the model's tools (set by `fg agent`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<Value>,
}

impl Transcript {
    /// An empty transcript of `request`.
    pub fn new(request: &str) -> Transcript {
        Transcript {
            request: request.into(),
            messages: Vec::new(),
            events: Vec::new(),
            answer: None,
            invalid_calls: 0,
            prefix_cache: String::new(),
            prefix_ms: 0.0,
            first_call_ms: None,
            error: None,
            server: None,
        }
    }
}

/// Single tokens that end what a format's grammar has open, most final first.
pub fn closers(engine: &Engine, format: Format) -> Vec<i32> {
    let texts: &[&str] = match format {
        Format::FunctionGemma => &["<start_function_response>", "<end_of_turn>", "<end_function_call>", "<escape>", "}", "]", ":", "0", "false"],
        Format::Json => &["<end_of_turn>", "}", "]", "\"", ":", "0", "false", "null", "</"],
    };
    texts
        .iter()
        .filter_map(|t| match engine.tokenize(t).as_slice() {
            [one] => Some(*one),
            _ => None,
        })
        .collect()
}

/// Where calls go. Builtin tools run in the sandbox, whoever else offers them, unless
/// `server_tools` hands one to the MCP server (`--server-tool NAME`); every other tool goes to the
/// server. Consent depends on what a tool does: the sandbox asks for builtins that change things,
/// and a server tool asks unless its annotations say it only reads.
pub struct Executor {
    pub sandbox: Option<Sandbox>,
    pub mcp: Option<McpClient>,
    /// Builtin names the MCP server runs instead of the sandbox.
    pub server_tools: BTreeSet<String>,
    pub consent: Consent,
    pub rt: tokio::runtime::Runtime,
}

impl Executor {
    pub fn new(sandbox: Option<Sandbox>) -> Result<Executor> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let consent = sandbox.as_ref().map(|s| s.consent.clone()).unwrap_or_else(|| Consent::new(Confirm::Never));
        Ok(Executor { sandbox, mcp: None, server_tools: BTreeSet::new(), consent, rt })
    }

    /// Runs a validated call; `Err` is the error the model gets back.
    pub fn execute(&self, call: &Call) -> Result<Value, String> {
        let name = call.name.as_str();
        let builtin = BUILTIN.contains(&name);
        if builtin && !self.server_tools.contains(name) {
            return match &self.sandbox {
                Some(s) => self.rt.block_on(s.run(name, &call.arguments)),
                None => Err(format!("`{name}` is a builtin tool and no workspace is open to run it in")),
            };
        }
        let Some(m) = &self.mcp else {
            return Err(if builtin {
                format!("`{name}` was handed to an MCP server (--server-tool), but none is connected")
            } else {
                format!("`{name}` is one of Delia's own tools; connect Delia with --mcp \"COMMAND\" or --mcp-url URL to run it")
            });
        };
        let Some(tool) = m.tool(name) else {
            let near = m.nearest_calls(name);
            let hint = if near.is_empty() { String::new() } else { format!("; its nearest tools: {}", near.join(", ")) };
            return Err(format!("`{name}` is not offered by the connected {}{hint}", m.origin));
        };
        if !tool.read_only || tool.destructive {
            let args = Value::Object(call.arguments.clone()).to_string();
            let args: String = if args.chars().count() > 200 { args.chars().take(200).chain("…".chars()).collect() } else { args };
            self.consent.ask(name, &format!("{}'s `{name}` {args}", m.origin))?;
        }
        self.rt.block_on(m.call(name, &call.arguments))
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
            Format::FunctionGemma => vec![crate::names::token::START_FUNCTION_RESPONSE_ID as i32],
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
            call_start: match self.opts.format {
                Format::FunctionGemma => Some(crate::names::token::START_FUNCTION_CALL_ID as i32),
                Format::Json => None,
            },
            max_answer_tokens: self.opts.max_answer_tokens,
            on_token: None,
        };
        self.session.generate(&text, &opts)
    }

    /// Tokens `messages` take when rendered for the next turn, or None when they cannot be rendered.
    fn tokens_of(&self, messages: &[Message]) -> Option<usize> {
        let text = self.opts.format.render(self.tools, self.opts.system.as_deref(), messages, true).ok()?.text();
        Some(self.session.engine().tokenize(&text).len())
    }

    /// `content` (a tool's result) cut to what the context can still hold after `history`, leaving
    /// room for the model's next turn, with a note saying how much was cut: a long result never
    /// ends the session.
    pub fn fit(&self, history: &[Message], name: &str, content: Value) -> Value {
        let n_ctx = self.session.engine().config.n_ctx as usize;
        // The answer after the result needs room too: at least a short turn.
        let reserve = self.opts.max_tokens.min(n_ctx / 8).max(64);
        let text_len = match &content {
            Value::String(s) => s.len(),
            other => other.to_string().len(),
        };
        // Cheap first, for the first result after a call: the cache then holds the conversation
        // up to the call, a token is at least one byte, and a tool turn's markup is a few dozen
        // tokens. (Later results of the same turn follow results the cache has not seen.)
        let first_result = matches!(history.last(), Some(Message::Assistant { .. }));
        if first_result && self.session.cached_tokens() + text_len + 64 + reserve <= n_ctx {
            return content;
        }
        let with = |c: Value| {
            let mut m = history.to_vec();
            m.push(Message::Tool { name: name.to_string(), content: c });
            m
        };
        let Some(base) = self.tokens_of(&with(Value::String(String::new()))) else { return content };
        let room = n_ctx.saturating_sub(base + reserve);
        let text = match &content {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        // A token is rarely longer than 16 bytes: anything shorter than that many bytes may fit as it is.
        if text.len() <= room * 16 && self.tokens_of(&with(content.clone())).is_some_and(|t| t + reserve <= n_ctx) {
            return content;
        }
        let total = text.chars().count();
        let mut keep = text.len().min(room * 4);
        loop {
            while !text.is_char_boundary(keep) {
                keep -= 1;
            }
            let shown = text[..keep].chars().count();
            let cut = format!("{}\n… [cut: {shown} of {total} characters shown; the rest did not fit the context]", &text[..keep]);
            if keep == 0 || self.tokens_of(&with(Value::String(cut.clone()))).is_some_and(|t| t + reserve <= n_ctx) {
                return Value::String(cut);
            }
            keep = keep * 3 / 4;
        }
    }

    /// Runs a request to its answer (or the iteration limit), executing calls with `exec`.
    /// `on_event` sees each event as it happens.
    pub fn run(&mut self, request: &str, history: &mut Vec<Message>, exec: Option<&Executor>, mut on_event: impl FnMut(&Event)) -> Result<Transcript> {
        let start = std::time::Instant::now();
        history.push(Message::User { content: request.to_string() });
        let mut t = Transcript::new(request);
        t.prefix_cache = self.session.stats.prefix_cache.clone();
        t.prefix_ms = self.prefix_ms;
        let mut on_event: &mut dyn FnMut(&Event) = &mut on_event;
        for iteration in 0..self.opts.max_iterations {
            let g = match self.turn(history) {
                Ok(g) => g,
                Err(e) => {
                    t.error = Some(format!("{e:#}"));
                    break;
                }
            };
            emit(
                &mut t,
                &mut on_event,
                Event::Generation {
                    iteration,
                    prompt_tokens: g.prompt_tokens,
                    tokens: g.tokens.len(),
                    forced_tokens: g.forced_tokens,
                    full_masks: g.full_masks,
                    prompt_ms: g.prompt_ms,
                    generate_ms: g.generate_ms,
                    finish: g.finish,
                },
            );
            if !self.act(&g.text, history, exec, &mut t, &mut on_event, start) {
                break;
            }
        }
        t.messages = history.clone();
        Ok(t)
    }

    /// What the agent does with one model turn `text`: parses it; a text answer ends the run; each
    /// call is checked against its tool's schema, and only a valid one runs (through `exec`), an
    /// invalid one going back to the model as an error. Returns whether the run goes on (calls
    /// were made). `started`: when the request began, for the time to the first valid call.
    pub fn act(&self, text: &str, history: &mut Vec<Message>, exec: Option<&Executor>, t: &mut Transcript, on_event: &mut dyn FnMut(&Event), started: std::time::Instant) -> bool {
        let parsed = match self.opts.format.parse(text) {
            Ok(p) => p,
            Err(e) => {
                t.invalid_calls += 1;
                emit(t, on_event, Event::Malformed { text: text.to_string(), error: e.to_string() });
                history.push(Message::Assistant { content: Some(text.to_string()), tool_calls: vec![] });
                return false;
            }
        };
        if parsed.calls.is_empty() {
            emit(t, on_event, Event::Answer { text: parsed.text.clone() });
            t.answer = Some(parsed.text.clone());
            history.push(Message::Assistant { content: Some(parsed.text), tool_calls: vec![] });
            return false;
        }
        history.push(Message::Assistant { content: None, tool_calls: parsed.calls.clone() });
        for call in &parsed.calls {
            let check = self.tools.check_call(&call.name, &call.arguments);
            let valid = check.is_ok();
            if valid && t.first_call_ms.is_none() {
                t.first_call_ms = Some(started.elapsed().as_secs_f64() * 1e3);
            }
            emit(t, on_event, Event::Call { name: call.name.clone(), arguments: call.arguments.clone(), valid, error: check.as_ref().err().map(|e| e.to_string()) });
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
            let content = self.fit(history, &call.name, content);
            emit(t, on_event, Event::Result { name: call.name.clone(), ok, content: content.clone(), ms: call_start.elapsed().as_secs_f64() * 1e3 });
            history.push(Message::Tool { name: call.name.clone(), content });
        }
        true
    }
}

/// Records `e` in the transcript after telling the caller.
fn emit(t: &mut Transcript, on_event: &mut dyn FnMut(&Event), e: Event) {
    on_event(&e);
    t.events.push(e);
}
