//! `fg serve`: an OpenAI-compatible chat-completions server on llama.cpp, with calls enforced by
//! the tools' grammar.
//!
//! HTTP runs on tokio (axum); the model runs on `slots` worker threads, each with its own llama.cpp
//! contexts, fed by one bounded queue: a request that finds the queue full gets 429. A tool set's
//! prefix (the developer turn with its declarations) is computed once per worker and kept in memory
//! (the `cached_sets` most recently used) and on disk (the `disk_sets` newest files). A client that
//! goes away (a closed stream, a dropped connection) frees its slot at the next token.

pub mod openai;

use crate::agent::forcing::FunctionGemmaForcer;
use crate::format::Format;
use crate::llama::{Engine, EngineConfig, Finish, Forcer, GenerateOptions, Sampling, Session};
use crate::tools::Tools;
use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use openai::{ApiError, Outcome, Request, ToolChoice};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

pub struct ServeConfig {
    pub host: String,
    pub port: u16,
    pub model: PathBuf,
    pub lora: Option<PathBuf>,
    /// The name `/v1/models` lists and responses carry.
    pub model_name: String,
    pub threads: usize,
    pub n_ctx: u32,
    /// Requests generated at once (one llama.cpp context each).
    pub slots: usize,
    /// Requests waiting beyond the slots before 429.
    pub queue: usize,
    pub api_key: Option<String>,
    pub max_tokens: usize,
    pub max_answer_tokens: usize,
    pub max_body: usize,
    pub cached_sets: usize,
    pub disk_sets: usize,
    pub cache_dir: Option<PathBuf>,
    /// Told the bound address once listening (tests bind port 0).
    pub on_listen: Option<Box<dyn FnOnce(std::net::SocketAddr) + Send>>,
}

/// What a grammar is built for: calls allowed, a text answer allowed, several calls allowed, and
/// the one tool named by `tool_choice` (empty: any).
type GrammarKey = (bool, bool, bool, String);

/// A tool set parsed once: its tools, their hash, and grammars per choice.
struct ToolSet {
    tools: Tools,
    grammars: Mutex<HashMap<GrammarKey, Arc<String>>>,
}

/// One request for a worker.
struct Job {
    set: Option<Arc<ToolSet>>,
    /// For a named function: the tool set of that tool alone (grammar and forcer).
    named: Option<Arc<ToolSet>>,
    system: Option<String>,
    prompt: String,
    grammar: Option<Arc<String>>,
    sampling: Sampling,
    max_tokens: usize,
    stop: Vec<String>,
    events: UnboundedSender<Event>,
}

enum Event {
    Text(String),
    Done(Outcome),
    /// HTTP status (400: the request cannot be served as sent) and message.
    Failed(u16, String),
}

struct AppState {
    config: ServeArgsShared,
    queue: OnceLock<SyncSender<Job>>,
    sets: Mutex<Vec<(String, Arc<ToolSet>)>>,
    stats: Arc<Stats>,
}

/// Counters /health reports.
#[derive(Default)]
struct Stats {
    /// Requests queued (accepted).
    accepted: AtomicU64,
    /// Turns finished and answered.
    served: AtomicU64,
    /// Turns ended early because the client went away (queued ones included).
    cancelled: AtomicU64,
    /// Turns that failed.
    failed: AtomicU64,
    /// Requests refused with 429.
    rejected: AtomicU64,
}

/// What the HTTP side needs of the configuration.
struct ServeArgsShared {
    model_name: String,
    api_key: Option<String>,
    max_tokens: usize,
    queue: usize,
}

/// Runs the server until the process ends.
pub fn run(mut cfg: ServeConfig) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let state = Arc::new(AppState {
        config: ServeArgsShared { model_name: cfg.model_name.clone(), api_key: cfg.api_key.clone(), max_tokens: cfg.max_tokens, queue: cfg.queue },
        queue: OnceLock::new(),
        sets: Mutex::new(Vec::new()),
        stats: Arc::new(Stats::default()),
    });
    let app =
        Router::new().route("/health", get(health)).route("/v1/models", get(models)).route("/v1/chat/completions", post(chat)).layer(DefaultBodyLimit::max(cfg.max_body)).with_state(state.clone());
    let addr = format!("{}:{}", cfg.host, cfg.port);
    let listener = rt.block_on(tokio::net::TcpListener::bind(&addr)).with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    eprintln!("fg serve: listening on http://{bound} (loading {})", cfg.model.display());
    if let Some(f) = cfg.on_listen.take() {
        f(bound);
    }
    // The model loads while the server already answers (/health says 503 until it is ready).
    let loader_state = state.clone();
    std::thread::spawn(move || match start_workers(&cfg, loader_state.stats.clone()) {
        Ok(tx) => {
            let _ = loader_state.queue.set(tx);
            eprintln!("fg serve: model loaded; {} slot(s), queue of {}", cfg.slots, cfg.queue);
        }
        Err(e) => {
            eprintln!("error: fg serve could not load the model: {e:#}");
            std::process::exit(1);
        }
    });
    rt.block_on(async move { axum::serve(listener, app).await }).context("the HTTP server failed")?;
    Ok(())
}

/// Loads the model and starts the worker threads; returns the queue's sender.
fn start_workers(cfg: &ServeConfig, stats: Arc<Stats>) -> Result<SyncSender<Job>> {
    let engine = Engine::load(EngineConfig { model: cfg.model.clone(), lora: cfg.lora.clone(), threads: cfg.threads, n_ctx: cfg.n_ctx })?;
    // The engine lives as long as the process: sessions borrow it from every worker.
    let engine: &'static Engine = Box::leak(Box::new(engine));
    let (tx, rx) = sync_channel::<Job>(cfg.queue);
    let rx = Arc::new(Mutex::new(rx));
    let disk = cfg.cache_dir.clone().map(|d| d.join("serve"));
    for slot in 0..cfg.slots.max(1) {
        let w =
            Worker { engine, sessions: Vec::new(), cached_sets: cfg.cached_sets.max(1), disk_sets: cfg.disk_sets, disk: disk.clone(), max_answer_tokens: cfg.max_answer_tokens, stats: stats.clone() };
        let rx = rx.clone();
        std::thread::Builder::new().name(format!("fg-slot-{slot}")).spawn(move || w.run(&rx))?;
    }
    Ok(tx)
}

struct Worker {
    engine: &'static Engine,
    /// Sessions by prefix key, most recently used last.
    sessions: Vec<(String, Session<'static>)>,
    cached_sets: usize,
    disk_sets: usize,
    disk: Option<PathBuf>,
    max_answer_tokens: usize,
    stats: Arc<Stats>,
}

impl Worker {
    fn run(mut self, rx: &Mutex<Receiver<Job>>) {
        loop {
            let job = match rx.lock().map(|r| r.recv()) {
                Ok(Ok(job)) => job,
                _ => return,
            };
            if job.events.is_closed() {
                self.stats.cancelled.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let events = job.events.clone();
            match self.serve(job) {
                Ok(true) => self.stats.served.fetch_add(1, Ordering::Relaxed),
                Ok(false) => self.stats.cancelled.fetch_add(1, Ordering::Relaxed),
                Err(e) => {
                    let status = if e.is::<TooLong>() { 400 } else { 500 };
                    let _ = events.send(Event::Failed(status, format!("{e:#}")));
                    self.stats.failed.fetch_add(1, Ordering::Relaxed)
                }
            };
        }
    }

    /// The session holding `prefix`, from memory, the disk cache or computed.
    fn session(&mut self, key: &str, prefix: &str) -> Result<&mut Session<'static>> {
        if let Some(i) = self.sessions.iter().position(|(k, _)| k == key) {
            let s = self.sessions.remove(i);
            self.sessions.push(s);
        } else {
            if self.sessions.len() >= self.cached_sets {
                self.sessions.remove(0);
            }
            let s = self.engine.session(prefix, key, self.disk.as_deref())?;
            if s.stats.prefix_cache == "built" {
                self.prune_disk();
            }
            self.sessions.push((key.to_string(), s));
        }
        Ok(&mut self.sessions.last_mut().unwrap().1)
    }

    /// Keeps the newest `disk_sets` prefix files.
    fn prune_disk(&self) {
        let Some(dir) = &self.disk else { return };
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> =
            rd.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("prefix-")).filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path()))).collect();
        files.sort();
        let excess = files.len().saturating_sub(self.disk_sets);
        for (_, p) in files.into_iter().take(excess) {
            let _ = std::fs::remove_file(p);
        }
    }

    /// Generates the job's turn and sends it; false when the client went away first.
    fn serve(&mut self, job: Job) -> Result<bool> {
        let format = Format::FunctionGemma;
        let empty = Tools { tools: Vec::new(), hash: "none".into() };
        let tools = job.set.as_ref().map_or(&empty, |s| &s.tools);
        let key = format!("{}|{}|{}", tools.hash, format.name(), job.system.as_deref().unwrap_or(""));
        let prefix = format.prefix(tools, job.system.as_deref());
        let forcer_tools = job.named.as_ref().or(job.set.as_ref()).map(|s| &s.tools);
        let forcer = match (&job.grammar, forcer_tools) {
            (Some(_), Some(t)) => Some(FunctionGemmaForcer::new(t)),
            _ => None,
        };
        let closers = crate::agent::run::closers(self.engine, format);
        let call_start = crate::names::token::START_FUNCTION_CALL_ID as i32;
        let response_start = crate::names::token::START_FUNCTION_RESPONSE_ID as i32;
        let engine = self.engine;
        let max_answer_tokens = self.max_answer_tokens;
        // A prompt the context cannot hold is the request's fault (400), found before any work.
        let n_ctx = engine.config.n_ctx as usize;
        let prompt_tokens = engine.tokenize(&job.prompt).len();
        if prompt_tokens >= n_ctx {
            return Err(TooLong(format!("the conversation takes {prompt_tokens} tokens; the context holds {n_ctx} (fg serve --ctx)")).into());
        }
        let session = self.session(&key, &prefix)?;
        // Streams the text before any call, as whole characters; calls go at the end, parsed.
        let streamed = std::cell::RefCell::new((Vec::<u8>::new(), false));
        let events = job.events.clone();
        let on_token = |token: i32, piece: &[u8]| -> bool {
            if events.is_closed() {
                return false;
            }
            let mut st = streamed.borrow_mut();
            if token == call_start {
                st.1 = true;
            }
            if st.1 || token == response_start || engine.is_eog(token) {
                return true;
            }
            st.0.extend_from_slice(piece);
            let valid = match std::str::from_utf8(&st.0) {
                Ok(_) => st.0.len(),
                Err(e) => e.valid_up_to(),
            };
            if valid > 0 {
                let text = String::from_utf8_lossy(&st.0[..valid]).into_owned();
                st.0.drain(..valid);
                let _ = events.send(Event::Text(text));
            }
            true
        };
        let opts = GenerateOptions {
            sampling: job.sampling.clone(),
            grammar: job.grammar.as_deref().map(String::as_str),
            stop: vec![response_start],
            max_tokens: job.max_tokens,
            forcer: forcer.as_ref().map(|f| f as &dyn Forcer),
            check_first: true,
            closers,
            call_start: Some(call_start),
            max_answer_tokens,
            on_token: Some(&on_token),
        };
        let g = session.generate(&job.prompt, &opts)?;
        if g.finish == Finish::Cancelled {
            return Ok(false);
        }
        let parsed = format.parse(&g.text).map_err(|e| anyhow::anyhow!("the model's output was not understood: {e}"))?;
        let mut text = parsed.text;
        for s in &job.stop {
            if let Some(i) = text.find(s.as_str()) {
                text.truncate(i);
            }
        }
        let mut calls = Vec::new();
        for c in parsed.calls {
            if let Some(set) = &job.set {
                set.tools.check_call(&c.name, &c.arguments).map_err(|e| anyhow::anyhow!("the model wrote a call that is not valid: {e}"))?;
            }
            calls.push((new_id("call_"), c));
        }
        let finish_reason = if !calls.is_empty() {
            "tool_calls"
        } else if matches!(g.finish, Finish::Length | Finish::AnswerLength) {
            "length"
        } else {
            "stop"
        };
        Ok(job.events.send(Event::Done(Outcome { text, calls, finish_reason, prompt_tokens: g.prompt_tokens, completion_tokens: g.tokens.len() })).is_ok())
    }
}

/// A request whose prompt does not fit the context.
#[derive(Debug)]
struct TooLong(String);

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TooLong {}

fn new_id(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let n = N.fetch_add(1, Ordering::Relaxed);
    let h = crate::hash::fnv1a(format!("{t}|{n}|{}", std::process::id()).as_bytes());
    format!("{prefix}{h:016x}")
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn error(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(e.body())).into_response()
}

fn authorized(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(key) = &state.config.api_key else { return Ok(()) };
    let given = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if given == Some(key.as_str()) {
        Ok(())
    } else {
        Err(ApiError { status: 401, kind: "invalid_request_error", message: "missing or wrong API key (Authorization: Bearer …)".into(), param: None })
    }
}

async fn health(State(state): State<Arc<AppState>>) -> Response {
    if state.queue.get().is_some() {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let st = &state.stats;
        let body = json!({"status": "ok", "accepted": n(&st.accepted), "served": n(&st.served), "cancelled": n(&st.cancelled), "failed": n(&st.failed), "rejected": n(&st.rejected)});
        (StatusCode::OK, Json(body)).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "loading"}))).into_response()
    }
}

async fn models(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(e) = authorized(&state, &headers) {
        return error(e);
    }
    Json(json!({"object": "list", "data": [{"id": state.config.model_name, "object": "model", "created": 0, "owned_by": "fg"}]})).into_response()
}

/// The tool set of `tools` (parsed and checked once, the most recent 16 kept).
fn tool_set(state: &AppState, tools: &Value) -> Result<Arc<ToolSet>, ApiError> {
    let text = tools.to_string();
    let mut sets = state.sets.lock().unwrap();
    if let Some(i) = sets.iter().position(|(t, _)| *t == text) {
        let s = sets.remove(i);
        let set = s.1.clone();
        sets.push(s);
        return Ok(set);
    }
    let parsed = Tools::from_json(&text).map_err(|e| ApiError::bad(format!("bad `tools`: {e:#}"), Some("tools")))?;
    let set = Arc::new(ToolSet { tools: parsed, grammars: Mutex::new(HashMap::new()) });
    if sets.len() >= 16 {
        sets.remove(0);
    }
    sets.push((text, set.clone()));
    Ok(set)
}

fn grammar_for(set: &ToolSet, named: Option<&ToolSet>, choice: &ToolChoice, parallel: bool) -> Result<Arc<String>, ApiError> {
    let c = choice.grammar_choice(parallel);
    let name = match choice {
        ToolChoice::Named(n) => n.clone(),
        _ => String::new(),
    };
    let key = (c.calls, c.answer, c.parallel, name);
    if let Some(g) = set.grammars.lock().unwrap().get(&key) {
        return Ok(g.clone());
    }
    let tools = named.map_or(&set.tools, |n| &n.tools);
    let g = Arc::new(crate::grammar::tools::turn_grammar(tools, Format::FunctionGemma, c).map_err(|e| ApiError::bad(format!("no grammar for `tools`: {e:#}"), Some("tools")))?);
    set.grammars.lock().unwrap().insert(key, g.clone());
    Ok(g)
}

/// Everything a job needs, checked before it is queued (so that bad requests never take a slot).
fn job_of(state: &AppState, r: Request, events: UnboundedSender<Event>) -> Result<Job, ApiError> {
    let set = r.tools.as_ref().map(|t| tool_set(state, t)).transpose()?;
    let named = match (&r.choice, &set) {
        (ToolChoice::Named(name), Some(s)) => {
            let Some(t) = s.tools.get(name) else {
                return Err(ApiError::bad(format!("`tool_choice` names `{name}`, which is not among `tools`"), Some("tool_choice")));
            };
            let one = json!([{"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}]);
            Some(Arc::new(ToolSet { tools: Tools::from_json(&one.to_string()).map_err(|e| ApiError::bad(format!("{e:#}"), Some("tools")))?, grammars: Mutex::new(HashMap::new()) }))
        }
        _ => None,
    };
    let grammar = match &set {
        Some(s) => Some(grammar_for(s, named.as_deref(), &r.choice, r.parallel)?),
        None => None,
    };
    let empty = Tools { tools: Vec::new(), hash: "none".into() };
    let tools = set.as_ref().map_or(&empty, |s| &s.tools);
    let prompt = Format::FunctionGemma.render(tools, r.system.as_deref(), &r.messages, true).map_err(|e| ApiError::bad(format!("`messages` cannot be rendered: {e:#}"), Some("messages")))?.text();
    Ok(Job {
        set,
        named,
        system: r.system,
        prompt,
        grammar,
        sampling: Sampling { temperature: r.temperature, top_k: 40, top_p: r.top_p, seed: r.seed },
        max_tokens: r.max_tokens.unwrap_or(state.config.max_tokens),
        stop: r.stop,
        events,
    })
}

async fn chat(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    if let Err(e) = authorized(&state, &headers) {
        return error(e);
    }
    let body = match body {
        Ok(b) => b,
        Err(e) => return error(ApiError::bad(format!("the body could not be read: {e}"), None)),
    };
    let request = match openai::parse_request(&body) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let Some(queue) = state.queue.get() else {
        return error(ApiError { status: 503, kind: "server_error", message: "the model is still loading; try again when /health answers 200".into(), param: None });
    };
    let stream = request.stream;
    let include_usage = request.include_usage;
    let (tx, rx) = unbounded_channel();
    let job = match job_of(&state, request, tx) {
        Ok(j) => j,
        Err(e) => return error(e),
    };
    match queue.try_send(job) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => {
            state.stats.rejected.fetch_add(1, Ordering::Relaxed);
            return error(ApiError { status: 429, kind: "rate_limit_error", message: format!("fg serve is busy: {} requests are already waiting; retry later", state.config.queue), param: None });
        }
        Err(TrySendError::Disconnected(_)) => return error(ApiError { status: 500, kind: "server_error", message: "the model's workers have stopped".into(), param: None }),
    }
    state.stats.accepted.fetch_add(1, Ordering::Relaxed);
    let id = new_id("chatcmpl-");
    let created = now();
    let model = state.config.model_name.clone();
    if stream {
        streamed(rx, id, created, model, include_usage).into_response()
    } else {
        whole(rx, id, created, model).await
    }
}

async fn whole(mut rx: UnboundedReceiver<Event>, id: String, created: u64, model: String) -> Response {
    while let Some(e) = rx.recv().await {
        match e {
            Event::Text(_) => {}
            Event::Done(o) => return Json(openai::completion(&id, created, &model, &o)).into_response(),
            Event::Failed(status, m) => {
                let kind = if status == 400 { "invalid_request_error" } else { "server_error" };
                return error(ApiError { status, kind, message: m, param: None });
            }
        }
    }
    error(ApiError { status: 500, kind: "server_error", message: "the request ended without an answer".into(), param: None })
}

fn streamed(rx: UnboundedReceiver<Event>, id: String, created: u64, model: String, include_usage: bool) -> Sse<impl futures_util::Stream<Item = Result<SseEvent, std::convert::Infallible>>> {
    let data = |v: Value| SseEvent::default().data(v.to_string());
    let first = data(openai::chunk(&id, created, &model, json!({"role": "assistant", "content": ""}), None));
    // State: the receiver, and the events still to send before reading it again.
    let init = (Some(rx), vec![first]);
    let stream = futures_util::stream::unfold(init, move |(rx, mut pending)| {
        let (id, model) = (id.clone(), model.clone());
        async move {
            if !pending.is_empty() {
                let e = pending.remove(0);
                return Some((Ok(e), (rx, pending)));
            }
            let mut rx = rx?;
            let mut out = Vec::new();
            match rx.recv().await {
                Some(Event::Text(t)) => out.push(data(openai::chunk(&id, created, &model, json!({"content": t}), None))),
                Some(Event::Done(o)) => {
                    out.extend(openai::call_chunks(&id, created, &model, &o.calls).into_iter().map(data));
                    out.push(data(openai::chunk(&id, created, &model, json!({}), Some(o.finish_reason))));
                    if include_usage {
                        out.push(data(json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [], "usage": openai::usage(&o)})));
                    }
                    out.push(SseEvent::default().data("[DONE]"));
                    let first = out.remove(0);
                    return Some((Ok(first), (None, out)));
                }
                Some(Event::Failed(status, m)) => {
                    let kind = if status == 400 { "invalid_request_error" } else { "server_error" };
                    out.push(data(ApiError { status, kind, message: m, param: None }.body()));
                    out.push(SseEvent::default().data("[DONE]"));
                    let first = out.remove(0);
                    return Some((Ok(first), (None, out)));
                }
                None => return None,
            }
            let first = out.remove(0);
            Some((Ok(first), (Some(rx), out)))
        }
    });
    Sse::new(stream)
}
