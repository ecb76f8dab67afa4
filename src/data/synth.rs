//! Synthesis: for each of Delia's tools, natural requests and the call that serves them.
//!
//! Every generator returns a lower-case imperative core (or a '?'-prefixed question) and the call's
//! arguments. Optional arguments appear only when the request asks for them. Phrasings are chosen
//! through `Gen::template` and values through `Gen::pick`, so the eval split gets phrasings and
//! values of its own.

use super::gen::{args, s, Gen};
use super::values::*;
use serde_json::{json, Map, Value};

/// A request core and the arguments of the call that serves it.
pub struct Core {
    pub text: String,
    pub arguments: Map<String, Value>,
}

fn core(text: String, arguments: Map<String, Value>) -> Core {
    Core { text, arguments }
}

/// The tools this module can synthesise requests for.
pub const TOOLS: &[&str] = &[
    "delegate", "think", "batch", "batch_vote", "session_create", "session_list", "session_get", "session_delete", "chain", "workflow",
    "agent", "health", "queue_status", "models", "melons", "switch_backend", "switch_model", "get_model_info_tool", "mcp_servers",
    "read_file", "list_directory", "search_code", "web_fetch", "web_search", "web_news", "ask_user", "write_file", "delete_file",
    "replace_in_file", "insert_into_file", "shell_exec", "run_tests", "apply_diff",
];

pub fn generate(tool: &str, g: &mut Gen) -> Core {
    match tool {
        "delegate" => delegate(g),
        "think" => think(g),
        "batch" => batch(g),
        "batch_vote" => batch_vote(g),
        "session_create" => session_create(g),
        "session_list" => session_list(g),
        "session_get" => session_get(g),
        "session_delete" => session_delete(g),
        "chain" => chain(g),
        "workflow" => workflow(g),
        "agent" => agent(g),
        "health" => no_args(g, &["check Delia's health", "run a health check", "check whether all the GPU backends are up", "show the health of every backend", "?is Delia healthy right now?", "?are all the backends up and running?", "give me a health report for Delia", "?is everything working on the Delia side?"]),
        "queue_status" => no_args(g, &["show the queue status", "check the model queue", "show me what's waiting in the model queue", "report the queue and GPU memory usage", "?how many requests are queued?", "?is anything stuck in the queue?", "give me the state of the request queue", "?how busy is the model queue?"]),
        "models" => no_args(g, &["list the models", "show all configured models with their tiers", "list every model on every backend", "show me which models are loaded", "?which models do we have configured?", "?what models are available?", "enumerate the models Delia knows about", "?what's our model lineup across backends?"]),
        "melons" => melons(g),
        "switch_backend" => switch_backend(g),
        "switch_model" => switch_model(g),
        "get_model_info_tool" => model_info(g),
        "mcp_servers" => mcp_servers(g),
        "read_file" => read_file(g),
        "list_directory" => list_directory(g),
        "search_code" => search_code(g),
        "web_fetch" => web_fetch(g),
        "web_search" => web_search(g),
        "web_news" => web_news(g),
        "ask_user" => ask_user(g),
        "write_file" => write_file(g),
        "delete_file" => delete_file(g),
        "replace_in_file" => replace_in_file(g),
        "insert_into_file" => insert_into_file(g),
        "shell_exec" => shell_exec(g),
        "run_tests" => run_tests(g),
        "apply_diff" => apply_diff(g),
        other => panic!("no synthesis for tool {other}"),
    }
}

fn no_args(g: &mut Gen, templates: &[&str]) -> Core {
    let t = g.template(templates);
    core(g.fill(t, &[]), Map::new())
}

fn session_id(g: &mut Gen) -> String {
    const PREFIX: &[&str] = &["sess_", "s-", "", "session-"];
    let p = g.pick(PREFIX);
    let hex: String = (0..8).map(|_| char::from_digit(g.rng.below(16) as u32, 16).unwrap()).collect();
    // Train and eval ids differ in their last character class, so no id crosses splits.
    let tail = if g.split == super::gen::Split::Eval { "e" } else { "" };
    format!("{p}{hex}{tail}")
}

const DELEGATE_TASKS: &[(&str, &[&str], &[&str])] = &[
    ("review", &["review {content}", "have Delia review {content}", "do a code review of {content}", "get a local model to review {content}", "send {content} to Delia for review", "ask the coder tier to review {content}", "delegate a review of {content}", "look over {content} with a local model and point out bugs"], &[
        "def add(a, b):\n    return a - b", "the retry logic in the HTTP client", "the pull request that adds streaming responses",
        "class Cache:\n    def get(self, k): return self.d[k]", "the error handling in routing.py", "fn div(a: i32, b: i32) -> i32 { a / b }",
        "the new session manager code", "this SQL: SELECT * FROM orders WHERE status = 'open'",
    ]),
    ("generate", &["generate {content}", "have a local model write {content}", "delegate writing {content}", "use Delia to generate {content}", "get the coder tier to write {content}", "have Delia produce {content}", "delegate the generation of {content}", "ask a local model to draft {content}"], &[
        "a function that parses ISO 8601 dates", "unit tests for the session manager", "a bash script that rotates log files",
        "a Rust function that merges two sorted vectors", "a Dockerfile for a FastAPI app", "a SQL migration adding an index on users.email",
        "a TypeScript type for the API response", "a Python dataclass for the config file",
    ]),
    ("summarize", &["summarize {content}", "have Delia summarize {content}", "get a quick summary of {content} from a local model", "delegate a summary of {content}", "condense {content} into a few sentences with Delia", "ask the quick tier to summarize {content}", "send {content} to Delia and get a summary", "boil {content} down to the key points using a local model"], &[
        "the release notes for version 2.3", "the README introduction", "this meeting transcript: we agreed to ship on Friday and freeze the API",
        "the design doc for tier selection", "the following log output: connection reset by peer (x42)", "the changelog since 1.0",
        "the architecture overview", "the incident report from last night",
    ]),
    ("analyze", &["analyze {content}", "have Delia analyze {content}", "delegate an analysis of {content}", "get a local model to analyze {content}", "send {content} to the coder tier for analysis", "use Delia to dig into {content}", "ask a local model to explain {content}", "delegate figuring out {content}"], &[
        "this error: KeyError: 'backend_id' in routing.py line 88", "the memory profile of the worker process", "why this regex is slow: (a+)+$",
        "the stack trace from the crash in the queue worker", "the complexity of the scheduling loop", "this flaky test output",
        "the dependency graph of the backend package", "the query plan for the orders report",
    ]),
    ("plan", &["plan {content}", "have the moe tier plan {content}", "delegate planning {content}", "use Delia to draw up a plan for {content}", "get a local model to outline the steps for {content}", "ask Delia for a plan covering {content}", "delegate a roadmap for {content}", "have a big model plan out {content}"], &[
        "the migration of the queue from Redis to Postgres", "splitting the monolith into services", "adding OAuth login",
        "the rollout of the new routing algorithm", "moving CI to GitHub Actions", "upgrading the project to Python 3.12",
        "a caching layer for model responses", "the v3 API deprecation",
    ]),
    ("critique", &["critique {content}", "have Delia critique {content}", "get a critical assessment of {content} from the moe tier", "delegate a critique of {content}", "ask a local model to poke holes in {content}", "use Delia to challenge {content}", "have a model play devil's advocate on {content}", "delegate a harsh critique of {content}"], &[
        "the design of the model tier selection", "our plan to cache everything in memory", "the proposed database schema",
        "this API design: POST /run returns 200 even on failure", "the decision to rewrite the frontend", "the retry policy with no backoff",
        "the current logging strategy", "the error messages in the CLI",
    ]),
    ("quick", &["quickly ask a local model: {content}", "send a quick question to Delia: {content}", "use the quick tier for this: {content}", "delegate a fast answer to {content}", "have the fast model answer {content}", "get a quick reply from Delia on {content}", "fire off a quick task to Delia: {content}", "ask the small model quickly: {content}"], &[
        "what does HTTP 429 mean", "convert 3 GiB to bytes", "what is the default port of Postgres", "name a good Python linter",
        "what does git stash pop do", "is JSON a subset of YAML", "what is the time complexity of binary search", "what does SIGTERM do",
    ]),
];

const LANGUAGES: &[&str] = &["python", "c", "cpp", "java", "csharp", "javascript", "sql", "go", "php", "rust", "kotlin", "bash", "typescript"];
const MODEL_HINTS: &[&str] = &["quick", "coder", "moe", "thinking", "7b", "14b", "30b", "small", "large", "fast", "complex"];

fn delegate(g: &mut Gen) -> Core {
    let (task, templates, contents) = DELEGATE_TASKS[g.rng.below(DELEGATE_TASKS.len())];
    let content = g.pick(contents).to_string();
    let t = g.template(templates);
    let mut text = g.fill(t, &[("content", content.clone())]);
    let mut a = args(vec![("task", s(task)), ("content", s(content))]);
    // At most two optional arguments, each asked for in words.
    for _ in 0..g.rng.below(3) {
        match g.rng.below(12) {
            0 => {
                let l = g.pick(LANGUAGES);
                text += &g.phrase(&[" (the code is {l})", ", it's {l}", " — language: {l}", " in {l}"], &[("l", l.into())]);
                a.insert("language".into(), s(l));
            }
            1 => {
                let p = g.pick(PATHS);
                text += &g.phrase(&[" with {p} as context", ", including the file {p}", " and attach {p}", " using {p} for context"], &[("p", p.into())]);
                a.insert("file".into(), s(p));
            }
            2 => {
                let m = g.pick(MODEL_HINTS);
                text += &g.phrase(&[" on the {m} model", " using a {m} model", ", force the {m} tier", " with the {m} model"], &[("m", m.into())]);
                a.insert("model".into(), s(m));
            }
            3 => {
                let remote = g.chance(0.5);
                text += if remote { g.pick(&[" on a remote backend", ", use a remote backend", " remotely"][..]) } else { g.pick(&[" on a local backend", ", keep it local", " locally only"][..]) };
                a.insert("backend_type".into(), s(if remote { "remote" } else { "local" }));
            }
            4 => {
                let n = g.pick(&[100i64, 200, 256, 300, 500, 512, 800, 1000, 1024, 2000, 4096, 150][..]);
                text += &g.phrase(&[" in at most {n} tokens", ", max {n} tokens", ", keep the answer under {n} tokens", " limited to {n} tokens"], &[("n", n.to_string())]);
                a.insert("max_tokens".into(), json!(n));
            }
            5 => {
                text += g.pick(&[", but only estimate, don't run it", " as a dry run", ", dry run only", " — just estimate the cost first"][..]);
                a.insert("dry_run".into(), json!(true));
            }
            6 => {
                text += g.pick(&[", streaming the answer", " with streaming on", ", stream it"][..]);
                a.insert("stream".into(), json!(true));
            }
            7 => {
                text += g.pick(&[" without the metadata footer", ", skip the metadata", ", no metadata footer please"][..]);
                a.insert("include_metadata".into(), json!(false));
            }
            8 => {
                let id = session_id(g);
                text += &g.phrase(&[" in session {id}", ", continuing session {id}", " (session {id})"], &[("id", id.clone())]);
                a.insert("session_id".into(), s(id));
            }
            9 => {
                let m = g.pick(MEMORIES);
                text += &g.phrase(&[" with the {m} memories", ", include the Serena memories {m}", " using memories {m}"], &[("m", m.into())]);
                a.insert("context".into(), s(m));
            }
            10 => {
                let sym = g.pick(SYMBOLS);
                text += &g.phrase(&[", focusing on {s}", " with a focus on the symbols {s}", ", look at {s} in particular"], &[("s", sym.into())]);
                a.insert("symbols".into(), s(sym));
            }
            _ => {
                let (p1, p2) = g.pick_two(PATHS);
                let files = format!("{p1},{p2}");
                text += &g.phrase(&[", reading {f} from disk", " with the files {f}", ", have Delia load {f}"], &[("f", files.clone())]);
                a.insert("files".into(), s(files));
            }
        }
    }
    core(text, a)
}

fn think(g: &mut Gen) -> Core {
    let problem = g.pick(PROBLEMS).to_string();
    let (templates, depth): (&[&str], Option<&str>) = match g.rng.below(4) {
        0 => (&["think very deeply about {p}", "do a deep, thorough reasoning pass on {p}", "take your time and think hard, in depth, about {p}", "reason in depth about {p}, use deep thinking", "?can you think really deeply about {p}?", "go deep: think through {p} exhaustively"], Some("deep")),
        1 => (&["briefly think about {p}", "give {p} a quick think", "do a quick round of reasoning on {p}", "think quickly about {p}", "?can you quickly reason about {p}?", "spend just a little thought on {p}"], Some("quick")),
        _ => (&["think through {p}", "reason carefully about {p}", "use extended thinking on {p}", "work out {p} step by step", "?can you think about {p}?", "I need careful reasoning on {p}", "ponder {p} and tell me what you conclude", "use a thinking model to figure out {p}"], None),
    };
    let t = g.template(templates);
    let mut text = g.fill(t, &[("p", problem.clone())]);
    let mut a = args(vec![("problem", s(problem))]);
    if let Some(d) = depth {
        a.insert("depth".into(), s(d));
    }
    if g.chance(0.3) {
        const CTX: &[&str] = &["we run three GPU backends behind one queue", "latency matters more than cost", "the service handles 200 requests per second", "the team has no Kubernetes experience", "sessions must survive restarts", "we can't change the public API"];
        let c = g.pick(CTX);
        text += &g.phrase(&[", given that {c}", " (context: {c})", ", keeping in mind that {c}"], &[("c", c.into())]);
        a.insert("context".into(), s(c));
    }
    if g.chance(0.15) {
        let id = session_id(g);
        text += &format!(" in session {id}");
        a.insert("session_id".into(), s(id));
    }
    core(text, a)
}

fn batch(g: &mut Gen) -> Core {
    let n = 2 + g.rng.below(2);
    let mut tasks = Vec::new();
    let mut words = Vec::new();
    for _ in 0..n {
        let (task, _, contents) = DELEGATE_TASKS[g.rng.below(DELEGATE_TASKS.len() - 1)];
        let content = g.pick(contents);
        tasks.push(json!({"task": task, "content": content}));
        words.push(format!("{task} {content}"));
    }
    let list = words.join("; ");
    let t = g.template(&["run these in parallel: {l}", "batch these tasks across the backends: {l}", "do all of these at once: {l}", "in parallel, {l}", "fan these out to every backend: {l}", "process these tasks concurrently: {l}", "run a batch with: {l}", "spread these over all backends simultaneously: {l}"]);
    let mut text = g.fill(t, &[("l", list)]);
    let mut a = args(vec![("tasks", s(serde_json::to_string(&tasks).unwrap()))]);
    if g.chance(0.25) {
        let n = g.pick(&[200i64, 500, 1000, 300][..]);
        text += &format!(", each answer at most {n} tokens");
        a.insert("max_tokens".into(), json!(n));
    }
    if g.chance(0.15) {
        text += " without metadata footers";
        a.insert("include_metadata".into(), json!(false));
    }
    core(text, a)
}

fn batch_vote(g: &mut Gen) -> Core {
    const PROMPTS: &[&str] = &["is this function thread-safe: def inc(): global n; n += 1", "what is the bug in: for i in range(len(a)+1): print(a[i])", "is 2^31-1 prime", "which is faster for lookups, a list or a set", "does this SQL have an injection risk: f\"SELECT * FROM t WHERE id={x}\"", "what does this regex match: ^\\d{3}-\\d{4}$", "is this date format ISO 8601: 2024-13-01", "should this endpoint be idempotent: PUT /users/7"];
    let prompt = g.pick(PROMPTS).to_string();
    let t = g.template(&["ask several backends {p} and vote on the answer", "get a consensus answer to: {p}", "have the models vote on {p}", "run the same prompt on multiple backends and pick the agreed result: {p}", "I want a voted, high-confidence answer: {p}", "poll all backends and take the majority on {p}", "use k-voting across models for: {p}", "get several models to agree on {p}"]);
    let mut text = g.fill(t, &[("p", prompt.clone())]);
    let mut a = args(vec![("prompt", s(prompt))]);
    match g.rng.below(5) {
        0 => {
            let k = g.int(2, 5);
            text += &format!(", needing {k} matching votes");
            a.insert("k".into(), json!(k));
        }
        1 => {
            let (b1, b2) = g.pick_two(BACKEND_IDS);
            text += &format!(" using only {b1} and {b2}");
            a.insert("backends".into(), s(format!("{b1},{b2}")));
        }
        2 => {
            let task = g.pick(&["review", "analyze", "generate"][..]);
            text += &format!(", treat it as a {task} task");
            a.insert("task".into(), s(task));
        }
        _ => {}
    }
    core(text, a)
}

fn session_create(g: &mut Gen) -> Core {
    match g.rng.below(3) {
        0 => {
            let c = g.pick(CLIENT_IDS);
            let t = g.template(&["create a session for client {c}", "start a new session tagged with client id {c}", "open a conversation session for {c}", "new session for the {c} client", "make a fresh session under client {c}"]);
            core(g.fill(t, &[("c", c.into())]), args(vec![("client_id", s(c))]))
        }
        1 => {
            let m = g.pick(METADATA_JSON);
            let t = g.template(&["create a session with metadata {m}", "start a new session and store {m} as its metadata", "open a session, metadata: {m}", "new conversation session carrying the metadata {m}", "begin a session annotated with {m}"]);
            core(g.fill(t, &[("m", m.into())]), args(vec![("metadata", s(m))]))
        }
        _ => no_args(g, &["start a new session", "create a conversation session", "open a new chat session", "begin a fresh multi-turn session", "?can we start a new conversation session?", "set up a new session for this conversation", "create a session so we can keep context", "kick off a new session"]),
    }
}

fn session_list(g: &mut Gen) -> Core {
    if g.chance(0.35) {
        let c = g.pick(CLIENT_IDS);
        let t = g.template(&["list the sessions of client {c}", "show the {c} sessions", "which sessions does {c} have open", "list conversation sessions for {c}", "show me only {c}'s sessions"]);
        return core(g.fill(t, &[("c", c.into())]), args(vec![("client_id", s(c))]));
    }
    no_args(g, &["list the sessions", "show all active sessions", "list every open conversation session", "show me the sessions", "?which sessions are open?", "?what sessions do we have right now?", "enumerate the active sessions", "give me the list of sessions"])
}

fn session_get(g: &mut Gen) -> Core {
    let id = session_id(g);
    let t = g.template(&["show session {id}", "get the details of session {id}", "fetch the full history of session {id}", "open session {id} with its messages", "?what's in session {id}?", "pull up session {id}", "retrieve session {id}", "load the conversation from session {id}"]);
    core(g.fill(t, &[("id", id.clone())]), args(vec![("session_id", s(id))]))
}

fn session_delete(g: &mut Gen) -> Core {
    let id = session_id(g);
    let t = g.template(&["delete session {id}", "remove session {id} and its history", "end and delete session {id}", "drop the session {id}", "get rid of session {id}", "wipe session {id}", "close out session {id} permanently", "purge session {id}"]);
    core(g.fill(t, &[("id", id.clone())]), args(vec![("session_id", s(id))]))
}

fn chain(g: &mut Gen) -> Core {
    const STEPS: &[(&str, &str, &str)] = &[
        ("analyze", "the failing test output", "analyze the failing test output"),
        ("generate", "a fix for ${s1}", "write a fix for it"),
        ("review", "the fix in ${s2}", "review the fix"),
        ("summarize", "the changelog", "summarize the changelog"),
        ("generate", "release notes from ${s1}", "turn that into release notes"),
        ("plan", "the refactoring of the router", "plan the router refactoring"),
        ("generate", "code for step one of ${s1}", "implement the first step"),
        ("critique", "the plan in ${s1}", "critique the plan"),
    ];
    let start = g.rng.below(STEPS.len() / 2) * 2;
    let n = 2 + usize::from(g.chance(0.4));
    let mut steps = Vec::new();
    let mut words = Vec::new();
    for i in 0..n {
        let (task, content, w) = STEPS[(start + i) % STEPS.len()];
        steps.push(json!({"id": format!("s{}", i + 1), "task": task, "content": content, "output_var": format!("s{}", i + 1)}));
        words.push(w);
    }
    let t = g.template(&["first {a}, then {b}", "chain these steps: {a}, then {b}", "do this as a pipeline: {a} and feed the result into the next step: {b}", "sequentially: {a}; after that, {b}", "run a chain where step one is to {a} and step two is to {b}", "{a}, and pipe the output to {b}", "one after the other: {a}, then {b}", "set up a chain: {a} followed by {b}"]);
    let mut text = g.fill(t, &[("a", words[0].to_string()), ("b", words[1..].join(", then "))]);
    let mut a = args(vec![("steps", s(serde_json::to_string(&steps).unwrap()))]);
    if g.chance(0.25) {
        text += ", and keep going if a step fails";
        a.insert("continue_on_error".into(), json!(true));
    }
    core(text, a)
}

fn workflow(g: &mut Gen) -> Core {
    const NODES: &[(&str, &str, &str)] = &[
        ("lint", "analyze", "run a lint analysis"),
        ("test", "analyze", "analyze the test results"),
        ("fix", "generate", "generate a fix"),
        ("review", "review", "review the change"),
        ("docs", "generate", "update the docs"),
        ("report", "summarize", "write a summary report"),
    ];
    let i = g.rng.below(NODES.len());
    let (a_id, a_task, a_w) = NODES[i];
    let (b_id, b_task, b_w) = NODES[(i + 1) % NODES.len()];
    let (c_id, c_task, c_w) = NODES[(i + 3) % NODES.len()];
    let name = g.pick(&["ci-repair", "release", "nightly", "triage", "docs-refresh"][..]);
    let def = json!({
        "name": name,
        "entry": a_id,
        "nodes": [
            {"id": a_id, "task": a_task, "content": a_w, "on_success": b_id, "on_failure": c_id},
            {"id": b_id, "task": b_task, "content": b_w, "depends_on": [a_id]},
            {"id": c_id, "task": c_task, "content": c_w, "depends_on": [a_id]},
        ]
    });
    let t = g.template(&["run the {n} workflow: {a}; if that succeeds {b}, otherwise {c}", "execute a workflow named {n} where we {a}, then on success {b} and on failure {c}", "set up a DAG called {n}: {a} first, then {b}, falling back to {c} on failure", "start a {n} workflow with branches: {a} → {b} (success) or {c} (failure)", "kick off workflow {n}: {a}, branch to {b} if ok and {c} if not", "orchestrate {n}: {a}, then either {b} or, on error, {c}"]);
    let mut text = g.fill(t, &[("n", name.into()), ("a", a_w.into()), ("b", b_w.into()), ("c", c_w.into())]);
    let mut a = args(vec![("definition", s(serde_json::to_string(&def).unwrap()))]);
    if g.chance(0.3) {
        let n = g.int(1, 5);
        text += &format!(", retrying each node up to {n} times");
        a.insert("max_retries".into(), json!(n));
    }
    core(text, a)
}

fn agent(g: &mut Gen) -> Core {
    const PROMPTS: &[&str] = &["find and fix the failing test in tests/", "figure out why the build is slow", "document the public API of src/lib.rs", "find every place we log secrets", "upgrade the outdated dependencies and check the tests", "track down where sessions leak memory", "write a summary of how routing works", "look through the repo for dead code", "investigate the flaky integration test", "map out the module structure"];
    let prompt = g.pick(PROMPTS).to_string();
    let t = g.template(&["start an agent to {p}", "let an autonomous agent {p}", "spin up an agent that will {p}", "have an agent {p} on its own", "launch a Delia agent to {p}", "use the agent loop to {p}", "delegate to an autonomous agent: {p}", "run an agent with tools to {p}"]);
    let mut text = g.fill(t, &[("p", prompt.clone())]);
    let mut a = args(vec![("prompt", s(prompt))]);
    match g.rng.below(7) {
        0 => {
            let n = g.int(3, 30);
            text += &format!(", at most {n} iterations");
            a.insert("max_iterations".into(), json!(n));
        }
        1 => {
            let tools = g.pick(&["read_file,search_code", "read_file,list_directory", "read_file,list_directory,search_code", "web_fetch", "search_code"][..]);
            text += &format!(", only allowing the tools {tools}");
            a.insert("tools".into(), s(tools));
        }
        2 => {
            let d = g.pick(DIRS);
            text += &format!(", confined to the {d} folder");
            a.insert("workspace".into(), s(d));
        }
        3 => {
            let sp = g.pick(SYSTEM_PROMPTS);
            text += &format!(", with the system prompt \"{sp}\"");
            a.insert("system_prompt".into(), s(sp));
        }
        4 => {
            let m = g.pick(&["quick", "coder", "moe", "thinking"][..]);
            text += &format!(" on the {m} tier");
            a.insert("model".into(), s(m));
        }
        _ => {}
    }
    core(text, a)
}

fn melons(g: &mut Gen) -> Core {
    if g.chance(0.35) {
        let tier = g.pick(&["quick", "coder", "moe"][..]);
        let t = g.template(&["show the melon leaderboard for the {t} tier", "melons for {t} models", "who has the most melons in the {t} tier", "display melon scores of the {t} models", "rank the {t} tier by melons"]);
        return core(g.fill(t, &[("t", tier.into())]), args(vec![("task_type", s(tier))]));
    }
    no_args(g, &["show the melon leaderboard", "display the melons", "show me the melon rankings", "who's winning on melons", "?which model has the most melons?", "print the model garden leaderboard", "show melon counts for all models", "?how are the models doing on melons?"])
}

fn switch_backend(g: &mut Gen) -> Core {
    let b = g.pick(BACKEND_IDS);
    let t = g.template(&["switch to the {b} backend", "use {b} as the backend", "change the active backend to {b}", "make {b} the active backend", "?can we move over to the {b} backend?", "set the backend to {b}", "flip the LLM backend to {b}", "activate backend {b}"]);
    core(g.fill(t, &[("b", b.into())]), args(vec![("backend_id", s(b))]))
}

fn switch_model(g: &mut Gen) -> Core {
    let tier = g.pick(&["quick", "coder", "moe", "thinking"][..]);
    let m = g.pick(MODEL_NAMES);
    let t = g.template(&["use {m} for the {t} tier", "switch the {t} model to {m}", "set the {t} tier to {m}", "change the model for {t} to {m}", "make {m} the {t} model", "replace the {t} tier's model with {m}", "?can you put {m} on the {t} tier?", "assign {m} to the {t} tier"]);
    core(g.fill(t, &[("m", m.into()), ("t", tier.into())]), args(vec![("tier", s(tier)), ("model_name", s(m))]))
}

fn model_info(g: &mut Gen) -> Core {
    let m = g.pick(MODEL_NAMES);
    let t = g.template(&["tell me about the model {m}", "get info on {m}", "show the details of {m}", "how much VRAM does {m} need", "?what's the context window of {m}?", "?which tier is {m} in?", "describe the model {m}", "look up the specs of {m}"]);
    core(g.fill(t, &[("m", m.into())]), args(vec![("model_name", s(m))]))
}

fn mcp_servers(g: &mut Gen) -> Core {
    let id = g.pick(SERVER_IDS);
    match g.rng.below(8) {
        0 | 1 => no_args(g, &["show the MCP server status", "list the MCP servers", "?which MCP servers are running?", "show me the external MCP servers", "check on the MCP servers", "give me the status of the passthrough servers"]),
        2 => {
            let t = g.template(&["start the {id} MCP server", "launch the {id} server", "bring up the MCP server {id}", "turn on the {id} MCP server"]);
            core(g.fill(t, &[("id", id.into())]), args(vec![("action", s("start")), ("server_id", s(id))]))
        }
        3 => {
            let t = g.template(&["stop the {id} MCP server", "shut down the {id} server", "turn off MCP server {id}", "halt the {id} MCP server"]);
            core(g.fill(t, &[("id", id.into())]), args(vec![("action", s("stop")), ("server_id", s(id))]))
        }
        4 => {
            let t = g.template(&["list the tools of the {id} MCP server", "which tools does the {id} server expose", "show the {id} server's tools", "what tools come from the {id} MCP server"]);
            core(g.fill(t, &[("id", id.into())]), args(vec![("action", s("tools")), ("server_id", s(id))]))
        }
        5 => {
            let all_start = g.chance(0.5);
            let t = if all_start { g.template(&["start all MCP servers", "bring every MCP server up", "launch all the external servers", "start every configured MCP server"]) } else { g.template(&["stop all MCP servers", "shut every MCP server down", "stop all the external servers", "turn off every MCP server"]) };
            core(g.fill(t, &[]), args(vec![("action", s(if all_start { "start_all" } else { "stop_all" }))]))
        }
        6 => {
            let t = g.template(&["remove the {id} MCP server", "unregister the MCP server {id}", "delete the {id} server from the config", "drop the {id} MCP server"]);
            core(g.fill(t, &[("id", id.into())]), args(vec![("action", s("remove")), ("server_id", s(id))]))
        }
        _ => {
            const ADD: &[(&str, &str)] = &[
                ("github", r#"["npx", "-y", "@modelcontextprotocol/server-github"]"#),
                ("filesystem", r#"["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv"]"#),
                ("postgres", r#"["uvx", "mcp-server-postgres", "postgresql://localhost/app"]"#),
                ("fetch", r#"["uvx", "mcp-server-fetch"]"#),
                ("memory", r#"["npx", "-y", "@modelcontextprotocol/server-memory"]"#),
                ("time", r#"["uvx", "mcp-server-time"]"#),
            ];
            let (name, cmd) = g.pick(ADD);
            let t = g.template(&["add an MCP server called {n} that runs {c}", "register a new MCP server named {n} with the command {c}", "add the {n} MCP server: {c}", "set up an MCP server {n} launched by {c}"]);
            core(g.fill(t, &[("n", name.into()), ("c", cmd.into())]), args(vec![("action", s("add")), ("name", s(name)), ("command", s(cmd))]))
        }
    }
}

fn read_file(g: &mut Gen) -> Core {
    let p = g.pick(PATHS);
    match g.rng.below(5) {
        0 => {
            let start = g.int(1, 200);
            let end = start + g.int(5, 120);
            let t = g.template(&["read lines {a}-{b} of {p}", "show {p} from line {a} to {b}", "print lines {a} through {b} of {p}", "?what's on lines {a} to {b} in {p}?", "open {p} and show me lines {a} to {b}", "give me {p}, lines {a}..{b}", "display {p} between lines {a} and {b}", "read {p} lines {a} to {b}"]);
            core(g.fill(t, &[("p", p.into()), ("a", start.to_string()), ("b", end.to_string())]), args(vec![("path", s(p)), ("start_line", json!(start)), ("end_line", json!(end))]))
        }
        1 => {
            let start = g.int(2, 400);
            let t = g.template(&["read {p} starting at line {a}", "show {p} from line {a} onward", "print {p} beginning at line {a}", "open {p} and skip to line {a}", "?what comes after line {a} in {p}?", "read the rest of {p} from line {a}"]);
            core(g.fill(t, &[("p", p.into()), ("a", start.to_string())]), args(vec![("path", s(p)), ("start_line", json!(start))]))
        }
        _ => {
            let t = g.template(&["read {p}", "show me {p}", "open {p}", "print the contents of {p}", "display the file {p}", "?what's inside {p}?", "cat {p}", "let me see {p}", "show the full contents of the file {p}", "?what does {p} contain?", "dump {p}", "read the file at {p}"]);
            core(g.fill(t, &[("p", p.into())]), args(vec![("path", s(p))]))
        }
    }
}

fn list_directory(g: &mut Gen) -> Core {
    let d = g.pick(DIRS);
    match g.rng.below(5) {
        0 => no_args(g, &["list the files here", "show me the current directory", "ls", "list the directory", "?what files are in this folder?", "show what's in the working directory", "list everything in the current folder", "?what's in here?"]),
        1 => {
            let t = g.template(&["list everything under {d} recursively", "show the full tree of {d}", "recursively list {d}", "list all files in {d} including subfolders", "walk {d} and list every file", "?what's in {d} and all its subdirectories?"]);
            core(g.fill(t, &[("d", d.into())]), args(vec![("path", s(d)), ("recursive", json!(true))]))
        }
        2 => {
            let pat = g.pick(GLOBS);
            let t = g.template(&["list the {g} files in {d}", "show only {g} files under {d}", "?which {g} files are in {d}?", "list {d}, filtered to {g}", "find the {g} entries in the {d} directory", "show me {d} but just the {g} files"]);
            core(g.fill(t, &[("d", d.into()), ("g", pat.into())]), args(vec![("path", s(d)), ("pattern", s(pat))]))
        }
        _ => {
            let t = g.template(&["list the files in {d}", "show what's in the {d} folder", "ls {d}", "list the contents of the {d} directory", "?what's in {d}?", "show me the {d} directory", "list {d}", "?which files live in {d}?"]);
            core(g.fill(t, &[("d", d.into())]), args(vec![("path", s(d))]))
        }
    }
}

fn search_code(g: &mut Gen) -> Core {
    let pat = g.pick(REGEXES);
    let q = |p: &str| format!("`{p}`");
    match g.rng.below(5) {
        0 => {
            let d = g.pick(DIRS);
            let t = g.template(&["search {d} for {r}", "grep {r} in {d}", "find {r} inside {d}", "look for {r} under {d}", "?where does {r} appear in {d}?", "search the {d} folder for the regex {r}"]);
            core(g.fill(t, &[("d", d.into()), ("r", q(pat))]), args(vec![("pattern", s(pat)), ("path", s(d))]))
        }
        1 => {
            let fp = g.pick(GLOBS);
            let t = g.template(&["search {g} files for {r}", "find {r} in all {g} files", "grep {r} only in {g} files", "look for {r} across the {g} files", "?which {g} files mention {r}?", "search for {r}, limited to {g}"]);
            core(g.fill(t, &[("g", fp.into()), ("r", q(pat))]), args(vec![("pattern", s(pat)), ("file_pattern", s(fp))]))
        }
        2 => {
            let n = g.int(0, 10);
            let t = g.template(&["search for {r} with {n} lines of context", "grep {r} showing {n} lines around each match", "find {r} and include {n} context lines", "look up {r} in the code, {n} lines of context"]);
            core(g.fill(t, &[("n", n.to_string()), ("r", q(pat))]), args(vec![("pattern", s(pat)), ("context_lines", json!(n))]))
        }
        _ => {
            let t = g.template(&["search the code for {r}", "find where {r} appears", "grep for {r}", "look for {r} in the codebase", "?where is {r} used?", "search the repo for the pattern {r}", "find all matches of {r}", "?which files contain {r}?"]);
            core(g.fill(t, &[("r", q(pat))]), args(vec![("pattern", s(pat))]))
        }
    }
}

fn web_fetch(g: &mut Gen) -> Core {
    let u = g.pick(URLS);
    if g.chance(0.25) {
        let t = g.template(&["fetch the raw HTML of {u}", "download {u} without extracting the text", "get the unprocessed source of {u}", "grab {u} as raw markup", "fetch {u}, keep the HTML as is"]);
        return core(g.fill(t, &[("u", u.into())]), args(vec![("url", s(u)), ("extract_text", json!(false))]));
    }
    let t = g.template(&["fetch {u}", "download {u}", "get the page at {u}", "open {u} and give me the text", "?what does {u} say?", "read the web page {u}", "pull the content of {u}", "load {u}"]);
    core(g.fill(t, &[("u", u.into())]), args(vec![("url", s(u))]))
}

fn web_search(g: &mut Gen) -> Core {
    let qy = g.pick(QUERIES);
    if g.chance(0.3) {
        let n = g.int(1, 10);
        let t = g.template(&["search the web for {q} and give me {n} results", "find the top {n} web results for {q}", "look up {q} online, just {n} results", "web search {q}, limit {n}", "google {q} and return {n} hits"]);
        return core(g.fill(t, &[("q", qy.into()), ("n", n.to_string())]), args(vec![("query", s(qy)), ("max_results", json!(n))]));
    }
    let t = g.template(&["search the web for {q}", "look up {q} online", "google {q}", "find information on the web about {q}", "?what does the internet say about {q}?", "do a web search on {q}", "search online for {q}", "find docs about {q} on the web"]);
    core(g.fill(t, &[("q", qy.into())]), args(vec![("query", s(qy))]))
}

fn web_news(g: &mut Gen) -> Core {
    let qy = g.pick(NEWS_QUERIES);
    match g.rng.below(5) {
        0 => {
            let (tl, t): (&str, &[&str]) = match g.rng.below(3) {
                0 => ("d", &["find today's news about {q}", "news from the last 24 hours on {q}", "?what happened today with {q}?", "get the latest headlines from today about {q}"]),
                1 => ("w", &["find this week's news on {q}", "news from the past week about {q}", "?what was in the news this week about {q}?", "get headlines about {q} from the last 7 days"]),
                _ => ("m", &["find news about {q} from the past month", "news on {q} from the last month", "?what's been reported about {q} this month?", "get a month of news coverage on {q}"]),
            };
            let tt = g.template(t);
            core(g.fill(tt, &[("q", qy.into())]), args(vec![("query", s(qy)), ("timelimit", s(tl))]))
        }
        1 => {
            let n = g.int(1, 10);
            let t = g.template(&["find {n} news articles about {q}", "get the top {n} news stories on {q}", "show {n} recent headlines about {q}", "news search {q}, {n} results"]);
            core(g.fill(t, &[("q", qy.into()), ("n", n.to_string())]), args(vec![("query", s(qy)), ("max_results", json!(n))]))
        }
        _ => {
            let t = g.template(&["find news about {q}", "?what's the latest news on {q}?", "search recent news for {q}", "get the headlines about {q}", "?any news articles about {q}?", "check the news for {q}", "look for current news on {q}", "show recent news coverage of {q}"]);
            core(g.fill(t, &[("q", qy.into())]), args(vec![("query", s(qy))]))
        }
    }
}

fn ask_user(g: &mut Gen) -> Core {
    let qn = g.pick(QUESTIONS);
    let t = g.template(&["ask the user: {q}", "ask me \"{q}\" before you continue", "check with the user: {q}", "put this question to the user: {q}", "confirm with me first: {q}", "prompt the user with \"{q}\"", "get my answer to this: {q}", "pause and ask the user {q}"]);
    core(g.fill(t, &[("q", qn.into())]), args(vec![("question", s(qn))]))
}

fn write_file(g: &mut Gen) -> Core {
    let p = g.pick(PATHS);
    let c = g.pick(SNIPPETS);
    let t = g.template(&["create {p} with this content:\n{c}", "write the following to {p}:\n{c}", "overwrite {p} with:\n{c}", "save this as {p}:\n{c}", "make a new file {p} containing:\n{c}", "replace the whole of {p} with:\n{c}", "write a file {p} that says:\n{c}", "put exactly this in {p}:\n{c}"]);
    core(g.fill(t, &[("p", p.into()), ("c", c.into())]), args(vec![("path", s(p)), ("content", s(c))]))
}

fn delete_file(g: &mut Gen) -> Core {
    let p = if g.chance(0.2) { g.pick(DIRS) } else { g.pick(PATHS) };
    let t = g.template(&["delete {p}", "remove the file {p}", "rm {p}", "get rid of {p}", "erase {p} from disk", "?can {p} be deleted? do it", "trash {p}", "delete the path {p}"]);
    core(g.fill(t, &[("p", p.into())]), args(vec![("path", s(p))]))
}

fn replace_in_file(g: &mut Gen) -> Core {
    let p = g.pick(PATHS);
    let (from, to) = g.pick(SEARCH_REPLACE);
    if g.chance(0.25) {
        let n = g.int(1, 3);
        let t = g.template(&["in {p}, replace the first {n} occurrences of \"{a}\" with \"{b}\"", "change \"{a}\" to \"{b}\" in {p}, at most {n} times", "swap \"{a}\" for \"{b}\" in {p} but only {n} times", "edit {p}: replace \"{a}\" with \"{b}\", limit {n}"]);
        return core(g.fill(t, &[("p", p.into()), ("a", from.into()), ("b", to.into()), ("n", n.to_string())]), args(vec![("path", s(p)), ("search", s(from)), ("replace", s(to)), ("count", json!(n))]));
    }
    let t = g.template(&["in {p}, replace \"{a}\" with \"{b}\"", "change \"{a}\" to \"{b}\" in {p}", "swap every \"{a}\" for \"{b}\" in {p}", "edit {p}: \"{a}\" -> \"{b}\"", "find \"{a}\" in {p} and replace it with \"{b}\"", "update {p} so that \"{a}\" becomes \"{b}\"", "in the file {p}, substitute \"{b}\" for \"{a}\"", "rewrite \"{a}\" as \"{b}\" inside {p}"]);
    core(g.fill(t, &[("p", p.into()), ("a", from.into()), ("b", to.into())]), args(vec![("path", s(p)), ("search", s(from)), ("replace", s(to))]))
}

fn insert_into_file(g: &mut Gen) -> Core {
    let p = g.pick(PATHS);
    let c = g.pick(SNIPPETS);
    if g.chance(0.25) {
        let t = g.template(&["at the top of {p}, insert:\n{c}", "prepend this to {p}:\n{c}", "insert at the very start of {p}:\n{c}", "add this to the beginning of {p}:\n{c}"]);
        return core(g.fill(t, &[("p", p.into()), ("c", c.into())]), args(vec![("path", s(p)), ("content", s(c)), ("line", json!(0))]));
    }
    let n = g.int(1, 300);
    let t = g.template(&["insert this after line {n} of {p}:\n{c}", "add the following to {p} after line {n}:\n{c}", "put this in {p} below line {n}:\n{c}", "in {p}, after line {n}, insert:\n{c}", "splice this into {p} after line {n}:\n{c}", "add these lines after line {n} in {p}:\n{c}"]);
    core(g.fill(t, &[("p", p.into()), ("c", c.into()), ("n", n.to_string())]), args(vec![("path", s(p)), ("content", s(c)), ("line", json!(n))]))
}

fn shell_exec(g: &mut Gen) -> Core {
    let c = g.pick(COMMANDS);
    match g.rng.below(5) {
        0 => {
            let d = g.pick(DIRS);
            let t = g.template(&["run {c} in {d}", "cd into {d} and run {c}", "execute `{c}` from the {d} directory", "in {d}, run {c}"]);
            core(g.fill(t, &[("c", c.into()), ("d", d.into())]), args(vec![("command", s(c)), ("cwd", s(d))]))
        }
        1 => {
            let n = g.int(1, 300);
            let t = g.template(&["run {c} with a {n} second timeout", "execute {c} but stop it after {n} seconds", "run `{c}`, time limit {n}s", "run {c} and kill it if it takes more than {n} seconds"]);
            core(g.fill(t, &[("c", c.into()), ("n", n.to_string())]), args(vec![("command", s(c)), ("timeout", json!(n))]))
        }
        _ => {
            let t = g.template(&["run {c}", "execute `{c}`", "run the shell command {c}", "in the terminal, run {c}", "?can you run {c} in the shell?", "run this command: {c}", "execute {c} and show the output", "shell out and run {c}"]);
            core(g.fill(t, &[("c", c.into())]), args(vec![("command", s(c))]))
        }
    }
}

fn run_tests(g: &mut Gen) -> Core {
    match g.rng.below(7) {
        0 => {
            // Shares its values' split with the PATHS and DIRS pools where they overlap.
            let d = g.pick(&["tests", "tests/integration", "tests/unit", "spec", "tests/test_api.py", "tests/unit/test_queue.py", "tests/integration/test_sessions.py", "pkg/server"][..]);
            let t = g.template(&["run the tests in {d}", "run tests under {d}", "execute the tests in {d}", "test {d}", "?do the tests in {d} pass?"]);
            core(g.fill(t, &[("d", d.into())]), args(vec![("path", s(d))]))
        }
        1 => {
            let pat = g.pick(TEST_PATTERNS);
            let t = g.template(&["run only the tests matching {p}", "run the {p} tests", "execute tests named like {p}", "run tests filtered by {p}"]);
            core(g.fill(t, &[("p", pat.into())]), args(vec![("pattern", s(pat))]))
        }
        2 => {
            let (fw, t): (&str, &[&str]) = match g.rng.below(4) {
                0 => ("pytest", &["run the tests with pytest", "use pytest to run the suite", "pytest the project"]),
                1 => ("cargo", &["run the cargo tests", "run the Rust tests with cargo", "cargo test the project"]),
                2 => ("jest", &["run the jest tests", "use jest to run the test suite", "run the JavaScript tests with jest"]),
                _ => ("go", &["run the go tests", "run the Go test suite", "go test everything"]),
            };
            let tt = g.template(t);
            core(g.fill(tt, &[]), args(vec![("framework", s(fw))]))
        }
        3 => {
            let t = g.template(&["run the tests quietly, just the summary", "run the test suite without per-test output", "run the tests but only show the totals", "run tests, non-verbose"]);
            core(g.fill(t, &[]), args(vec![("verbose", json!(false))]))
        }
        4 => {
            let n = g.int(30, 900);
            let t = g.template(&["run the tests with a {n} second limit", "run the test suite, timeout {n} seconds", "run all tests but give up after {n} seconds"]);
            core(g.fill(t, &[("n", n.to_string())]), args(vec![("timeout", json!(n))]))
        }
        _ => no_args(g, &["run the tests", "run the test suite", "execute all tests", "?do the tests pass?", "run the whole test suite", "kick off the tests", "test everything", "?are the tests green?"]),
    }
}

fn apply_diff(g: &mut Gen) -> Core {
    let p = g.pick(PATHS);
    let (from, to) = g.pick(SEARCH_REPLACE);
    let line = g.int(1, 120);
    let diff = format!("--- a/{p}\n+++ b/{p}\n@@ -{line},1 +{line},1 @@\n-{from}\n+{to}\n");
    match g.rng.below(4) {
        0 => {
            let t = g.template(&["check whether this diff applies cleanly, without changing anything:\n{d}", "do a dry run of this patch:\n{d}", "preview what this diff would change:\n{d}", "test-apply this diff, dry run only:\n{d}"]);
            core(g.fill(t, &[("d", diff.clone())]), args(vec![("diff", s(diff)), ("dry_run", json!(true))]))
        }
        1 => {
            let t = g.template(&["apply this diff to {p}:\n{d}", "patch {p} with:\n{d}", "use this unified diff on {p}:\n{d}"]);
            core(g.fill(t, &[("p", p.into()), ("d", diff.clone())]), args(vec![("diff", s(diff)), ("file_path", s(p))]))
        }
        _ => {
            let t = g.template(&["apply this diff:\n{d}", "apply the following patch:\n{d}", "patch the code with this diff:\n{d}", "apply this unified diff:\n{d}", "here's a patch, apply it:\n{d}", "merge this change:\n{d}"]);
            core(g.fill(t, &[("d", diff.clone())]), args(vec![("diff", s(diff))]))
        }
    }
}

/// Groups of tools that are easy to confuse; near-miss examples draw one request for each tool of
/// a group with the same values, so the only difference is what is asked.
pub const NEAR_MISS_GROUPS: &[&[&str]] = &[
    &["web_search", "web_news"],
    &["read_file", "search_code"],
    &["write_file", "replace_in_file", "insert_into_file"],
    &["delegate", "think", "batch", "batch_vote"],
    &["session_get", "session_list"],
    &["models", "get_model_info_tool", "health", "queue_status"],
    &["switch_model", "switch_backend"],
];

/// Requests that no tool serves, with a short answer.
pub const NO_CALL: &[(&str, &str)] = &[
    ("Hi!", "Hello! What can I help you with?"),
    ("Thanks, that's all.", "You're welcome!"),
    ("Good morning", "Good morning! How can I help?"),
    ("What's the capital of France?", "Paris."),
    ("How are you today?", "I'm doing well, thanks. What would you like to work on?"),
    ("What is 12 times 12?", "144."),
    ("Tell me a joke.", "Why do programmers prefer dark mode? Because light attracts bugs."),
    ("Book me a flight to Tokyo.", "I can't book flights: none of my tools can do that."),
    ("Order a pizza for the team.", "I can't place orders; that is outside what my tools can do."),
    ("Turn off the lights in the office.", "I have no tool that controls lights."),
    ("Who are you?", "I'm an assistant that can use Delia's tools to help with coding work."),
    ("What does API stand for?", "Application Programming Interface."),
    ("Send an email to my boss.", "I can't send email; none of my tools does that."),
    ("Goodbye!", "Goodbye!"),
    ("Translate 'hello' into Spanish.", "Hola."),
    ("What year did the first Moon landing happen?", "1969."),
    ("Can you see my screen?", "No, I can't see your screen."),
    ("Play some music.", "I can't play music."),
    ("What's your favorite color?", "I don't have one, but I'm happy to help with your code."),
    ("Is Python interpreted or compiled?", "Python is usually interpreted: CPython compiles to bytecode and interprets it."),
    ("Thank you so much!", "Glad to help!"),
    ("Call my mom.", "I can't make phone calls."),
    ("Hey there", "Hey! What do you need?"),
    ("What is the boiling point of water?", "100 °C at sea level."),
    ("Remind me tomorrow at 9am.", "I can't set reminders; none of my tools schedules them."),
    ("What does HTML stand for?", "HyperText Markup Language."),
    ("Buy 10 shares of Apple.", "I can't trade stocks."),
    ("ok", "Okay. Let me know what you'd like to do next."),
    ("How many days are in a leap year?", "366."),
    ("Can you hear me?", "I can read what you type; I can't hear audio."),
    ("Never mind.", "No problem."),
    ("What's 2 + 2?", "4."),
    ("Open the garage door.", "I can't control home devices."),
    ("Explain what you can do in one sentence.", "I can read, search and edit files, run commands and tests, search the web, and route work to Delia's models."),
    ("What is the speed of light?", "About 299,792 km per second."),
    ("Please wait a moment.", "Sure, take your time."),
    ("Order new running shoes for me.", "I can't shop online."),
    ("Good night!", "Good night!"),
    ("What's the square root of 81?", "9."),
    ("Who wrote Hamlet?", "William Shakespeare."),
];
