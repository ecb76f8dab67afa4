//! Synthesis: for each of Delia's tools, natural requests and the call that serves them.
//!
//! Every generator returns a lower-case imperative core (or a '?'-prefixed question, or a
//! '!'-prefixed sentence such as "I need …" that no request frame fits) and the call's
//! arguments. Optional arguments appear only when the request asks for them. Phrasings and values
//! are chosen through `Gen::pick` and `Gen::pick_plus`, so the eval split gets phrasings and values
//! of its own; each phrasing list's second part holds train-only phrasings, written from the tool's
//! meaning, and the `*_TRAIN` pools train-only values (see `values`): both widen what training
//! shows without changing the eval split.

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

/// Tools whose arguments carry JSON text (task lists, steps, a graph): their train split gets more
/// calls, since the model must learn the structure as well as copy the values into it.
pub const JSON_ARGUMENT_TOOLS: &[&str] = &["batch", "chain", "workflow"];

/// The tools this module can synthesise requests for.
pub const TOOLS: &[&str] = &[
    "delegate",
    "think",
    "batch",
    "batch_vote",
    "session_create",
    "session_list",
    "session_get",
    "session_delete",
    "chain",
    "workflow",
    "agent",
    "health",
    "queue_status",
    "models",
    "melons",
    "switch_backend",
    "switch_model",
    "get_model_info_tool",
    "mcp_servers",
    "read_file",
    "list_directory",
    "search_code",
    "web_fetch",
    "web_search",
    "web_news",
    "ask_user",
    "write_file",
    "delete_file",
    "replace_in_file",
    "insert_into_file",
    "shell_exec",
    "run_tests",
    "apply_diff",
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
        "health" => no_args(
            g,
            &[
                "check Delia's health",
                "run a health check",
                "check whether all the GPU backends are up",
                "show the health of every backend",
                "?is Delia healthy right now?",
                "?are all the backends up and running?",
                "give me a health report for Delia",
                "?is everything working on the Delia side?",
            ],
            &[
                "ping Delia and tell me if it's alive",
                "?is Delia up?",
                "make sure the GPU backends are reachable",
                "do a status check on Delia and its backends",
                "?are any of the backends down?",
                "verify that Delia is running properly",
                "run diagnostics on Delia",
                "!I need to know if Delia is up before I continue",
                "report which backends are online and what they have loaded",
                "?is the Delia service alive and responding?",
                "!let's confirm Delia and its GPU servers are healthy",
                "see whether any backend is offline and how much Delia has saved so far",
            ],
        ),
        "queue_status" => no_args(
            g,
            &[
                "show the queue status",
                "check the model queue",
                "show me what's waiting in the model queue",
                "report the queue and GPU memory usage",
                "?how many requests are queued?",
                "?is anything stuck in the queue?",
                "give me the state of the request queue",
                "?how busy is the model queue?",
            ],
            &[
                "?how long is the request queue right now?",
                "show pending requests in Delia's queue",
                "inspect the queue",
                "?are requests piling up in the queue?",
                "tell me how many jobs are waiting for a model",
                "display the queue along with the models it has loaded",
                "check the VRAM in use and the waiting requests",
                "peek at the model queue",
                "!I want to see the backlog of queued requests",
                "?what's sitting in the queue?",
                "let me know whether the queue is backed up",
                "dump the queue state",
            ],
        ),
        "models" => no_args(
            g,
            &[
                "list the models",
                "show all configured models with their tiers",
                "list every model on every backend",
                "show me which models are loaded",
                "?which models do we have configured?",
                "?what models are available?",
                "enumerate the models Delia knows about",
                "?what's our model lineup across backends?",
            ],
            &[
                "give me the full model list",
                "show every model Delia can route to, with tiers",
                "?which LLMs are set up on our backends?",
                "print all the configured models",
                "!I need an overview of all models and their tiers",
                "display the models for each backend",
                "?what models can I use?",
                "show the model catalogue",
                "?which tier does each of our models belong to?",
                "list all LLMs across the backends and whether they're in memory",
                "?do we have any coder models configured?",
                "show what models are installed",
            ],
        ),
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
        other => panic!("no synthesis for tool {other}: `fits` says which tools to call this for"),
    }
}

/// Whether the calls synthesised for `tool` satisfy its schema: Ok for the tools file these
/// generators were written for; a tools file pulled from a newer server may declare a tool of the
/// same name with other arguments, and that tool then gets generic requests (`data::generic`).
/// Draws from its own generators, so the dataset's random streams are untouched.
pub fn fits(tool: &crate::tools::Tool) -> Result<(), String> {
    if !TOOLS.contains(&tool.name.as_str()) {
        return Err("fg has no phrasings for it".into());
    }
    for split in [super::gen::Split::Train, super::gen::Split::Eval] {
        let mut g = Gen::new(crate::hash::fnv1a(tool.name.as_bytes()), split);
        for _ in 0..200 {
            let c = generate(&tool.name, &mut g);
            if let Some(v) = tool.violations(&c.arguments).into_iter().next() {
                return Err(format!("its schema is not the one fg's phrasings were written for: {v}"));
            }
        }
    }
    Ok(())
}

/// A call without arguments; `extra` holds train-only phrasings (see `Gen::pick_plus`).
fn no_args(g: &mut Gen, templates: &[&str], extra: &[&str]) -> Core {
    let t = g.pick_plus(templates, extra);
    core(g.fill(t, &[]), Map::new())
}

fn session_id(g: &mut Gen) -> String {
    const PREFIX: &[&str] = &["sess_", "s-", "", "session-"];
    let p = g.pick_plus(PREFIX, SESSION_PREFIXES_TRAIN);
    let hex: String = (0..8).map(|_| char::from_digit(g.rng.below(16) as u32, 16).unwrap()).collect();
    // Train and eval ids differ in their last character class, so no id crosses splits.
    let tail = if g.split == super::gen::Split::Eval { "e" } else { "" };
    format!("{p}{hex}{tail}")
}

/// A delegated task: its name, its phrasings, train-only phrasings, contents, and train-only
/// contents.
type DelegateTask = (&'static str, &'static [&'static str], &'static [&'static str], &'static [&'static str], &'static [&'static str]);

/// Per task: its phrasings, train-only phrasings, contents, and train-only contents (multi-line
/// code, and text that goes on after a preposition, as some eval contents do).
const DELEGATE_TASKS: &[DelegateTask] = &[
    (
        "review",
        &[
            "review {content}",
            "have Delia review {content}",
            "do a code review of {content}",
            "get a local model to review {content}",
            "send {content} to Delia for review",
            "ask the coder tier to review {content}",
            "delegate a review of {content}",
            "look over {content} with a local model and point out bugs",
        ],
        &[
            "ask Delia for a review of {content}",
            "have a local model check {content} for problems",
            "route {content} to Delia for a code review",
            "let the coder model go over {content} and flag issues",
            "get Delia's review on {content}",
            "hand {content} to a local model to review",
        ],
        &[
            "def add(a, b):\n    return a - b",
            "the retry logic in the HTTP client",
            "the pull request that adds streaming responses",
            "class Cache:\n    def get(self, k): return self.d[k]",
            "the error handling in routing.py",
            "fn div(a: i32, b: i32) -> i32 { a / b }",
            "the new session manager code",
            "this SQL: SELECT * FROM orders WHERE status = 'open'",
        ],
        &[
            "if x:\n    return None\nreturn x",
            "the caching in src/db/pool.go",
            "for i in range(n):\n    total += a[i]",
            "the retry wrapper from last week",
            "while True:\n    poll()",
            "fn add(a: u8, b: u8) -> u8 {\n    a + b\n}",
        ],
    ),
    (
        "generate",
        &[
            "generate {content}",
            "have a local model write {content}",
            "delegate writing {content}",
            "use Delia to generate {content}",
            "get the coder tier to write {content}",
            "have Delia produce {content}",
            "delegate the generation of {content}",
            "ask a local model to draft {content}",
        ],
        &["have Delia write {content}", "let a local model create {content}", "delegate: write {content}", "route the writing of {content} to Delia", "have the coder model produce {content}"],
        &[
            "a function that parses ISO 8601 dates",
            "unit tests for the session manager",
            "a bash script that rotates log files",
            "a Rust function that merges two sorted vectors",
            "a Dockerfile for a FastAPI app",
            "a SQL migration adding an index on users.email",
            "a TypeScript type for the API response",
            "a Python dataclass for the config file",
        ],
        &["a Go handler that returns JSON", "a regex that matches semantic versions", "a GitHub Actions job for the tests", "a pytest fixture for a temp directory"],
    ),
    (
        "summarize",
        &[
            "summarize {content}",
            "have Delia summarize {content}",
            "get a quick summary of {content} from a local model",
            "delegate a summary of {content}",
            "condense {content} into a few sentences with Delia",
            "ask the quick tier to summarize {content}",
            "send {content} to Delia and get a summary",
            "boil {content} down to the key points using a local model",
        ],
        &[
            "have a local model summarize {content}",
            "ask Delia to sum up {content}",
            "let the quick tier give me the gist of {content}",
            "send {content} to a local model to be summarized",
            "have Delia give me the short version of {content}",
        ],
        &[
            "the release notes for version 2.3",
            "the README introduction",
            "this meeting transcript: we agreed to ship on Friday and freeze the API",
            "the design doc for tier selection",
            "the following log output: connection reset by peer (x42)",
            "the changelog since 1.0",
            "the architecture overview",
            "the incident report from last night",
        ],
        &["the thread about the outage from yesterday", "the notes from the planning meeting on Monday", "the diff of the last release", "this log: worker 3 restarted (OOM) at 02:14"],
    ),
    (
        "analyze",
        &[
            "analyze {content}",
            "have Delia analyze {content}",
            "delegate an analysis of {content}",
            "get a local model to analyze {content}",
            "send {content} to the coder tier for analysis",
            "use Delia to dig into {content}",
            "ask a local model to explain {content}",
            "delegate figuring out {content}",
        ],
        &[
            "run an analysis of {content} on a local model",
            "ask Delia to investigate {content}",
            "delegate: analyze {content}",
            "let the coder tier look into {content}",
            "send {content} to Delia to be analyzed",
        ],
        &[
            "this error: KeyError: 'backend_id' in routing.py line 88",
            "the memory profile of the worker process",
            "why this regex is slow: (a+)+$",
            "the stack trace from the crash in the queue worker",
            "the complexity of the scheduling loop",
            "this flaky test output",
            "the dependency graph of the backend package",
            "the query plan for the orders report",
        ],
        &["the slow query on the users table", "this panic: index out of bounds at src/queue.rs:42", "the CPU profile from the load test", "why the build takes 20 minutes on CI"],
    ),
    (
        "plan",
        &[
            "plan {content}",
            "have the moe tier plan {content}",
            "delegate planning {content}",
            "use Delia to draw up a plan for {content}",
            "get a local model to outline the steps for {content}",
            "ask Delia for a plan covering {content}",
            "delegate a roadmap for {content}",
            "have a big model plan out {content}",
        ],
        &[
            "ask a local model to plan {content}",
            "delegate: plan {content}",
            "have Delia come up with a strategy for {content}",
            "have the moe model sketch the steps for {content}",
            "send {content} to Delia for planning",
            "get Delia to put together a plan for {content}",
            "have a local model make a plan for {content}",
            "let Delia write up a plan for {content}",
        ],
        &[
            "the migration of the queue from Redis to Postgres",
            "splitting the monolith into services",
            "adding OAuth login",
            "the rollout of the new routing algorithm",
            "moving CI to GitHub Actions",
            "upgrading the project to Python 3.12",
            "a caching layer for model responses",
            "the v3 API deprecation",
        ],
        &["the move of the docs to a new site", "a rewrite of the CLI in Rust", "the cleanup of old feature flags", "retiring the v1 endpoints by March"],
    ),
    (
        "critique",
        &[
            "critique {content}",
            "have Delia critique {content}",
            "get a critical assessment of {content} from the moe tier",
            "delegate a critique of {content}",
            "ask a local model to poke holes in {content}",
            "use Delia to challenge {content}",
            "have a model play devil's advocate on {content}",
            "delegate a harsh critique of {content}",
        ],
        &[
            "ask Delia to criticise {content}",
            "have a local model find the weaknesses in {content}",
            "route {content} to Delia for a critical review",
            "let the moe tier tear apart {content}",
            "send {content} to Delia for critique",
        ],
        &[
            "the design of the model tier selection",
            "our plan to cache everything in memory",
            "the proposed database schema",
            "this API design: POST /run returns 200 even on failure",
            "the decision to rewrite the frontend",
            "the retry policy with no backoff",
            "the current logging strategy",
            "the error messages in the CLI",
        ],
        &["the naming of the config options", "our approach to retries in the client", "the layout of the settings page", "this commit message: fix stuff"],
    ),
    (
        "quick",
        &[
            "quickly ask a local model: {content}",
            "send a quick question to Delia: {content}",
            "use the quick tier for this: {content}",
            "delegate a fast answer to {content}",
            "have the fast model answer {content}",
            "get a quick reply from Delia on {content}",
            "fire off a quick task to Delia: {content}",
            "ask the small model quickly: {content}",
        ],
        &[
            "ask Delia real quick: {content}",
            "!quick question for a local model: {content}",
            "let the quick tier answer: {content}",
            "delegate this quick one: {content}",
            "get a fast answer from a local model: {content}",
        ],
        &[
            "what does HTTP 429 mean",
            "convert 3 GiB to bytes",
            "what is the default port of Postgres",
            "name a good Python linter",
            "what does git stash pop do",
            "is JSON a subset of YAML",
            "what is the time complexity of binary search",
            "what does SIGTERM do",
        ],
        &[
            "what does chmod 644 mean",
            "how many bytes are in a UUID",
            "what is a 502 error",
            "what port does Redis use by default",
            "name a fast JSON library for Rust",
            "list three Python web frameworks",
            "suggest a name for a cache module",
            "give an example cron line for every hour",
            "explain what a mutex is",
            "recommend a Go linter",
        ],
    ),
];

const LANGUAGES: &[&str] = &["python", "c", "cpp", "java", "csharp", "javascript", "sql", "go", "php", "rust", "kotlin", "bash", "typescript"];
const MODEL_HINTS: &[&str] = &["quick", "coder", "moe", "thinking", "7b", "14b", "30b", "small", "large", "fast", "complex"];

fn delegate(g: &mut Gen) -> Core {
    let (task, templates, extra, contents, contents_train) = DELEGATE_TASKS[g.rng.below(DELEGATE_TASKS.len())];
    let content = g.pick_plus(contents, contents_train).to_string();
    let t = g.pick_plus(templates, extra);
    let mut text = g.fill(t, &[("content", content.clone())]);
    let mut a = args(vec![("task", s(task)), ("content", s(content))]);
    // At most two optional arguments, each asked for in words.
    for _ in 0..g.rng.below(3) {
        match g.rng.below(12) {
            0 => {
                let l = g.pick_plus(LANGUAGES, LANGUAGES_HELD_OUT);
                text += &g.phrase(&[" (the code is {l})", ", it's {l}", " — language: {l}", " in {l}"], &[("l", l.into())]);
                a.insert("language".into(), s(l));
            }
            1 => {
                let p = g.pick_plus(PATHS, PATHS_TRAIN);
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
                let sym = g.pick_plus(SYMBOLS, SYMBOLS_TRAIN);
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
    let problem = g.pick_plus(PROBLEMS, PROBLEMS_TRAIN).to_string();
    let (templates, extra, depth): (&[&str], &[&str], Option<&str>) = match g.rng.below(4) {
        0 => (
            &[
                "think very deeply about {p}",
                "do a deep, thorough reasoning pass on {p}",
                "take your time and think hard, in depth, about {p}",
                "reason in depth about {p}, use deep thinking",
                "?can you think really deeply about {p}?",
                "go deep: think through {p} exhaustively",
            ],
            &["think as hard as you can about {p}", "give {p} a deep, exhaustive think", "do deep reasoning on {p}, take all the time you need", "!I want maximum-depth thinking on {p}"],
            Some("deep"),
        ),
        1 => (
            &[
                "briefly think about {p}",
                "give {p} a quick think",
                "do a quick round of reasoning on {p}",
                "think quickly about {p}",
                "?can you quickly reason about {p}?",
                "spend just a little thought on {p}",
            ],
            &["do a short reasoning pass on {p}", "just a light think about {p}, nothing elaborate", "reason briefly about {p}", "give {p} a fast, shallow think"],
            Some("quick"),
        ),
        _ => (
            &[
                "think through {p}",
                "reason carefully about {p}",
                "use extended thinking on {p}",
                "work out {p} step by step",
                "?can you think about {p}?",
                "!I need careful reasoning on {p}",
                "ponder {p} and tell me what you conclude",
                "use a thinking model to figure out {p}",
            ],
            &[
                "think about {p}",
                "reason about {p}",
                "give {p} some careful thought",
                "use extended reasoning for {p}",
                "think {p} over and give me your conclusion",
                "reflect on {p}",
                "deliberate on {p}",
                "mull over {p}",
                "have the thinking model work through {p}",
                "get a reasoning model to figure out {p}",
                "figure out {p} by reasoning it through",
                "reason through {p} one step at a time",
                "let a thinking model puzzle out {p}",
                "think {p} through step by step",
                "use reasoning to work out {p}",
                "!I want a thinking model's take on {p}",
            ],
            None,
        ),
    };
    let t = g.pick_plus(templates, extra);
    let mut text = g.fill(t, &[("p", problem.clone())]);
    let mut a = args(vec![("problem", s(problem))]);
    if let Some(d) = depth {
        a.insert("depth".into(), s(d));
    }
    if g.chance(0.3) {
        const CTX: &[&str] = &[
            "we run three GPU backends behind one queue",
            "latency matters more than cost",
            "the service handles 200 requests per second",
            "the team has no Kubernetes experience",
            "sessions must survive restarts",
            "we can't change the public API",
        ];
        const CTX_TRAIN: &[&str] = &["the budget is two engineers for a month", "most traffic comes from one tenant", "the database is shared with billing", "we deploy twice a day"];
        let c = g.pick_plus(CTX, CTX_TRAIN);
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
        let (task, _, _, contents, contents_train) = DELEGATE_TASKS[g.rng.below(DELEGATE_TASKS.len() - 1)];
        let content = g.pick_plus(contents, contents_train);
        tasks.push(json!({"task": task, "content": content}));
        words.push(format!("{task} {content}"));
    }
    let list = words.join("; ");
    let t = g.pick_plus(
        &[
            "run these in parallel: {l}",
            "batch these tasks across the backends: {l}",
            "do all of these at once: {l}",
            "in parallel, {l}",
            "fan these out to every backend: {l}",
            "process these tasks concurrently: {l}",
            "run a batch with: {l}",
            "spread these over all backends simultaneously: {l}",
        ],
        &[
            "run all of these at the same time: {l}",
            "batch: {l}",
            "submit these as one batch: {l}",
            "send these tasks out concurrently: {l}",
            "parallelize these: {l}",
            "fire off these tasks together on all the backends: {l}",
            "!I have several independent tasks, run them together: {l}",
            "kick off a batch job for: {l}",
        ],
    );
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
    const PROMPTS: &[&str] = &[
        "is this function thread-safe: def inc(): global n; n += 1",
        "what is the bug in: for i in range(len(a)+1): print(a[i])",
        "is 2^31-1 prime",
        "which is faster for lookups, a list or a set",
        "does this SQL have an injection risk: f\"SELECT * FROM t WHERE id={x}\"",
        "what does this regex match: ^\\d{3}-\\d{4}$",
        "is this date format ISO 8601: 2024-13-01",
        "should this endpoint be idempotent: PUT /users/7",
    ];
    // Train-only prompts: questions with commas and clauses, which a vote must carry whole.
    const PROMPTS_TRAIN: &[&str] = &[
        "which is safer, a mutex or a channel",
        "is this O(n), O(n log n) or O(n^2): sorted(set(a))",
        "which should we pick for the queue, Redis, Postgres or Kafka",
        "does this leak memory: x = []; while True: x.append(1)",
        "is 0.1 + 0.2 == 0.3 true in Python, and why",
        "which HTTP status fits a missing session, 404 or 410",
    ];
    let prompt = g.pick_plus(PROMPTS, PROMPTS_TRAIN).to_string();
    let t = g.pick_plus(
        &[
            "ask several backends {p} and vote on the answer",
            "get a consensus answer to: {p}",
            "have the models vote on {p}",
            "run the same prompt on multiple backends and pick the agreed result: {p}",
            "!I want a voted, high-confidence answer: {p}",
            "poll all backends and take the majority on {p}",
            "use k-voting across models for: {p}",
            "get several models to agree on {p}",
        ],
        &[
            "let the backends vote on {p}",
            "ask multiple models {p} and go with the majority answer",
            "take a majority vote across backends on {p}",
            "!I need a consensus from the models: {p}",
            "cross-check {p} with several models and keep the common answer",
            "do k-voting on {p}",
            "send {p} to a few backends and return the answer most of them give",
            "vote across the backends: {p}",
        ],
    );
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
            let c = g.pick_plus(CLIENT_IDS, CLIENT_IDS_TRAIN);
            let t = g.pick_plus(
                &[
                    "create a session for client {c}",
                    "start a new session tagged with client id {c}",
                    "open a conversation session for {c}",
                    "new session for the {c} client",
                    "make a fresh session under client {c}",
                ],
                &[
                    "register a session under the client id {c}",
                    "!I need a session for {c}",
                    "set up a session belonging to {c}",
                    "create a {c} session",
                    "start a conversation session and group it under {c}",
                    "open a session with client id {c}",
                ],
            );
            core(g.fill(t, &[("c", c.into())]), args(vec![("client_id", s(c))]))
        }
        1 => {
            let m = g.pick_plus(METADATA_JSON, METADATA_JSON_TRAIN);
            let t = g.pick_plus(
                &[
                    "create a session with metadata {m}",
                    "start a new session and store {m} as its metadata",
                    "open a session, metadata: {m}",
                    "new conversation session carrying the metadata {m}",
                    "begin a session annotated with {m}",
                ],
                &[
                    "create a session whose metadata is {m}",
                    "start a session and attach the metadata {m}",
                    "open a fresh session with {m} as metadata",
                    "set up a session tagged with the metadata {m}",
                ],
            );
            core(g.fill(t, &[("m", m.into())]), args(vec![("metadata", s(m))]))
        }
        _ => no_args(
            g,
            &[
                "start a new session",
                "create a conversation session",
                "open a new chat session",
                "begin a fresh multi-turn session",
                "?can we start a new conversation session?",
                "set up a new session for this conversation",
                "create a session so we can keep context",
                "kick off a new session",
            ],
            &[
                "make a new session",
                "spin up a session for our chat",
                "!let's open a session so you remember earlier messages",
                "initialise a new conversation session",
                "create a new session for me",
                "?could we get a new session going?",
                "open up a blank session",
                "!I want a new conversation with its own session",
                "start tracking this conversation in a new session",
                "set up a session before we continue",
            ],
        ),
    }
}

fn session_list(g: &mut Gen) -> Core {
    if g.chance(0.35) {
        let c = g.pick_plus(CLIENT_IDS, CLIENT_IDS_TRAIN);
        let t = g.pick_plus(
            &["list the sessions of client {c}", "show the {c} sessions", "which sessions does {c} have open", "list conversation sessions for {c}", "show me only {c}'s sessions"],
            &["?what sessions does {c} have?", "show sessions belonging to {c}", "filter the sessions by client {c}", "find all sessions opened by {c}"],
        );
        return core(g.fill(t, &[("c", c.into())]), args(vec![("client_id", s(c))]));
    }
    no_args(
        g,
        &[
            "list the sessions",
            "show all active sessions",
            "list every open conversation session",
            "show me the sessions",
            "?which sessions are open?",
            "?what sessions do we have right now?",
            "enumerate the active sessions",
            "give me the list of sessions",
        ],
        &[
            "?how many sessions are open?",
            "display every conversation session",
            "list all the open chat sessions",
            "?are there any active sessions?",
            "print the open sessions",
            "!I need an overview of the current sessions",
            "?which conversations are being tracked right now?",
            "list sessions across all clients",
            "show every session that's still open",
        ],
    )
}

fn session_get(g: &mut Gen) -> Core {
    let id = session_id(g);
    let t = g.pick_plus(
        &[
            "show session {id}",
            "get the details of session {id}",
            "fetch the full history of session {id}",
            "open session {id} with its messages",
            "?what's in session {id}?",
            "pull up session {id}",
            "retrieve session {id}",
            "load the conversation from session {id}",
        ],
        &[
            "display the message history of session {id}",
            "?what did we discuss in session {id}?",
            "bring up the transcript of session {id}",
            "look at session {id}",
            "!I need session {id}'s message log",
            "resume session {id}: show me where we left off",
            "inspect session {id}",
            "read back session {id}",
            "?can I see everything that was said in session {id}?",
            "fetch session {id}",
            "reload session {id} so we can see the earlier turns",
            "dig up the history for session {id}",
            "!session {id}: show me its history",
            "give me the contents of session {id}",
            "open session {id}",
            "open session {id} and show the messages in it",
            "?could you open up session {id}?",
        ],
    );
    core(g.fill(t, &[("id", id.clone())]), args(vec![("session_id", s(id))]))
}

fn session_delete(g: &mut Gen) -> Core {
    let id = session_id(g);
    let t = g.pick_plus(
        &[
            "delete session {id}",
            "remove session {id} and its history",
            "end and delete session {id}",
            "drop the session {id}",
            "get rid of session {id}",
            "wipe session {id}",
            "close out session {id} permanently",
            "purge session {id}",
        ],
        &[
            "erase session {id}",
            "discard session {id} and everything in it",
            "?can you delete session {id}?",
            "throw away session {id}",
            "clean up session {id}, we don't need it anymore",
            "destroy session {id}",
            "kill session {id} and its messages",
            "!session {id} can go, remove it",
            "!I'm done with session {id}, delete it",
            "clear out session {id} for good",
        ],
    );
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
    let mut n = 2 + usize::from(g.chance(0.4));
    let train = g.split == super::gen::Split::Train;
    // Train only (the eval split draws as before): more chains of three steps and some of four,
    // so that the model writes every step the request lists, not just the first two.
    if train && n == 2 && g.chance(0.15) {
        n = 3;
    }
    if train && n == 3 && g.chance(0.25) {
        n = 4;
    }
    let mut steps = Vec::new();
    let mut words = Vec::new();
    for i in 0..n {
        let (task, content, w) = STEPS[(start + i) % STEPS.len()];
        steps.push(json!({"id": format!("s{}", i + 1), "task": task, "content": content, "output_var": format!("s{}", i + 1)}));
        words.push(w);
    }
    let t = g.pick_plus(
        &[
            "first {a}, then {b}",
            "chain these steps: {a}, then {b}",
            "do this as a pipeline: {a} and feed the result into the next step: {b}",
            "sequentially: {a}; after that, {b}",
            "run a chain where step one is to {a} and step two is to {b}",
            "{a}, and pipe the output to {b}",
            "one after the other: {a}, then {b}",
            "set up a chain: {a} followed by {b}",
        ],
        &[
            "{a}; use that result to {b}",
            "in order: {a} and then {b}",
            "chain: {a} -> {b}",
            "{a}, and once that's done, {b}",
            "pass the output along: {a}, then {b}",
            "run these steps in sequence, each using the previous result: {a}, then {b}",
            "!let's pipeline it: {a}, next {b}",
            "begin with: {a}; follow up with: {b}",
            "feed the output of one step into the next: {a}, then {b}",
            "build a task chain that starts to {a} and then goes on to {b}",
            "step by step: {a}; next, {b}",
            "{a}; afterwards, {b}",
            "in sequence: {a}; when that's done, {b}",
            "one step at a time: {a}; then {b}",
            "chain them: {a}; after it, {b}",
            "consecutively: {a}; following that, {b}",
        ],
    );
    // The eval split joins the later steps with ", then "; train also with other joiners, and
    // another one before the last step.
    let (mut join, mut last) = (", then ", ", then ");
    if train {
        const JOINS: &[&str] = &[", then ", ", and then ", "; then ", ", next "];
        const LAST: &[&str] = &[", and finally ", ", then finally ", ", after which ", "; lastly, "];
        join = JOINS[g.rng.below(JOINS.len())];
        last = if g.chance(0.5) { join } else { LAST[g.rng.below(LAST.len())] };
    }
    let later = match &words[1..] {
        [rest @ .., end] if !rest.is_empty() => format!("{}{last}{end}", rest.join(join)),
        one => one.join(join),
    };
    let mut text = g.fill(t, &[("a", words[0].to_string()), ("b", later)]);
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
    let name = g.pick_plus(&["ci-repair", "release", "nightly", "triage", "docs-refresh"][..], WORKFLOW_NAMES_TRAIN);
    let def = json!({
        "name": name,
        "entry": a_id,
        "nodes": [
            {"id": a_id, "task": a_task, "content": a_w, "on_success": b_id, "on_failure": c_id},
            {"id": b_id, "task": b_task, "content": b_w, "depends_on": [a_id]},
            {"id": c_id, "task": c_task, "content": c_w, "depends_on": [a_id]},
        ]
    });
    let t = g.pick_plus(
        &[
            "run the {n} workflow: {a}; if that succeeds {b}, otherwise {c}",
            "execute a workflow named {n} where we {a}, then on success {b} and on failure {c}",
            "set up a DAG called {n}: {a} first, then {b}, falling back to {c} on failure",
            "start a {n} workflow with branches: {a} → {b} (success) or {c} (failure)",
            "kick off workflow {n}: {a}, branch to {b} if ok and {c} if not",
            "orchestrate {n}: {a}, then either {b} or, on error, {c}",
        ],
        &[
            "create a workflow {n}: {a}; on success {b}; on failure {c}",
            "build the {n} workflow graph: {a}, and depending on the outcome either {b} or {c}",
            "run workflow {n}, which starts with: {a}. If it passes, {b}; if it fails, {c}",
            "define and run a {n} workflow: {a}, then {b} when it works, {c} when it doesn't",
            "launch the {n} DAG: {a}, success goes to {b}, failure goes to {c}",
            "trigger the {n} workflow, starting with {a}; if it succeeds, {b}, else {c}",
            "!I need a {n} workflow graph: {a}, with {b} as the success branch and {c} as the failure branch",
        ],
    );
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
    const PROMPTS: &[&str] = &[
        "find and fix the failing test in tests/",
        "figure out why the build is slow",
        "document the public API of src/lib.rs",
        "find every place we log secrets",
        "upgrade the outdated dependencies and check the tests",
        "track down where sessions leak memory",
        "write a summary of how routing works",
        "look through the repo for dead code",
        "investigate the flaky integration test",
        "map out the module structure",
    ];
    let prompt = g.pick(PROMPTS).to_string();
    let t = g.pick_plus(
        &[
            "start an agent to {p}",
            "let an autonomous agent {p}",
            "spin up an agent that will {p}",
            "have an agent {p} on its own",
            "launch a Delia agent to {p}",
            "use the agent loop to {p}",
            "delegate to an autonomous agent: {p}",
            "run an agent with tools to {p}",
        ],
        &[
            "hand this to an agent and let it work until done: {p}",
            "fire up an autonomous agent to {p}",
            "get an agent on this: {p}",
            "!I want an agent to {p}",
            "set an agent loose to {p}",
            "kick off an agent run to {p}",
            "let Delia's agent {p}, iterating by itself",
            "create an autonomous agent whose job is to {p}",
            "put an agent on it: {p}",
            "deploy an agent to {p}",
        ],
    );
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
            let d = g.pick_plus(DIRS, DIRS_TRAIN);
            text += &format!(", confined to the {d} folder");
            a.insert("workspace".into(), s(d));
        }
        3 => {
            let sp = g.pick(SYSTEM_PROMPTS);
            text += &format!(", with the system prompt \"{sp}\"");
            a.insert("system_prompt".into(), s(sp));
        }
        4 => {
            let m = g.pick_plus(TIERS, TIERS_HELD_OUT);
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
        let t = g.pick_plus(
            &[
                "show the melon leaderboard for the {t} tier",
                "melons for {t} models",
                "who has the most melons in the {t} tier",
                "display melon scores of the {t} models",
                "rank the {t} tier by melons",
            ],
            &["?which {t} model has the most melons?", "!melon leaderboard, {t} tier only", "show how many melons the {t} models have", "list the {t} tier's melon standings"],
        );
        return core(g.fill(t, &[("t", tier.into())]), args(vec![("task_type", s(tier))]));
    }
    no_args(
        g,
        &[
            "show the melon leaderboard",
            "display the melons",
            "show me the melon rankings",
            "who's winning on melons",
            "?which model has the most melons?",
            "print the model garden leaderboard",
            "show melon counts for all models",
            "?how are the models doing on melons?",
        ],
        &[
            "rank all models by melons",
            "give me the melon standings",
            "?how many melons does each model have?",
            "pull up the model garden scores",
            "let me see the melon table",
            "show which models have earned the most melons",
            "list the models by routing priority on the melon leaderboard",
            "?what does the melon leaderboard look like?",
        ],
    )
}

fn switch_backend(g: &mut Gen) -> Core {
    let b = g.pick_plus(BACKEND_IDS, BACKEND_IDS_TRAIN);
    let t = g.pick_plus(
        &[
            "switch to the {b} backend",
            "use {b} as the backend",
            "change the active backend to {b}",
            "make {b} the active backend",
            "?can we move over to the {b} backend?",
            "set the backend to {b}",
            "flip the LLM backend to {b}",
            "activate backend {b}",
        ],
        &[
            "route everything through {b} from now on",
            "move to backend {b}",
            "go with {b} as our LLM backend",
            "point Delia at the {b} backend",
            "!let's run on {b} instead",
            "select {b} as the current backend",
            "swap the backend over to {b}",
            "change backends: {b}",
            "!I want {b} to be the backend we use",
            "?could you switch us to {b}?",
        ],
    );
    core(g.fill(t, &[("b", b.into())]), args(vec![("backend_id", s(b))]))
}

fn switch_model(g: &mut Gen) -> Core {
    let tier = g.pick_plus(TIERS, TIERS_HELD_OUT);
    let m = g.pick_plus(MODEL_NAMES, MODEL_NAMES_TRAIN);
    let t = g.pick_plus(
        &[
            "use {m} for the {t} tier",
            "switch the {t} model to {m}",
            "set the {t} tier to {m}",
            "change the model for {t} to {m}",
            "make {m} the {t} model",
            "replace the {t} tier's model with {m}",
            "?can you put {m} on the {t} tier?",
            "assign {m} to the {t} tier",
        ],
        &[
            "put {m} in charge of the {t} tier",
            "from now on, the {t} tier should run {m}",
            "swap the {t} model for {m}",
            "!I want {m} as the {t} model",
            "update the {t} tier to use {m}",
            "?could the {t} tier use {m} instead?",
            "!{t} tier: switch to {m}",
            "configure {m} as the model behind the {t} tier",
            "!let's run {m} on {t}",
        ],
    );
    core(g.fill(t, &[("m", m.into()), ("t", tier.into())]), args(vec![("tier", s(tier)), ("model_name", s(m))]))
}

fn model_info(g: &mut Gen) -> Core {
    let m = g.pick_plus(MODEL_NAMES, MODEL_NAMES_TRAIN);
    let t = g.pick_plus(
        &[
            "tell me about the model {m}",
            "get info on {m}",
            "show the details of {m}",
            "how much VRAM does {m} need",
            "?what's the context window of {m}?",
            "?which tier is {m} in?",
            "describe the model {m}",
            "look up the specs of {m}",
        ],
        &[
            "give me the model record for {m}",
            "?how many tokens of context does {m} support?",
            "!I need details on {m}",
            "?what do you know about the model {m}?",
            "show me {m}'s context length and tier",
            "fetch the model info for {m}",
            "?is {m} a coder model or a quick one?",
            "?will {m} fit on our GPUs?",
            "inspect model {m}",
            "query the parameters of {m}",
            "?what's {m}'s size and which tier does it use?",
            "pull the model card for {m}",
            "report which tier {m} belongs to",
            "check the specs of {m}",
            "find the specifications of the model {m}",
            "look up model details for {m}",
            "?what are the specs of {m}?",
        ],
    );
    core(g.fill(t, &[("m", m.into())]), args(vec![("model_name", s(m))]))
}

fn mcp_servers(g: &mut Gen) -> Core {
    let id = g.pick_plus(SERVER_IDS, SERVER_IDS_TRAIN);
    match g.rng.below(8) {
        0 | 1 => no_args(
            g,
            &[
                "show the MCP server status",
                "list the MCP servers",
                "?which MCP servers are running?",
                "show me the external MCP servers",
                "check on the MCP servers",
                "give me the status of the passthrough servers",
            ],
            &["?what's the status of the MCP servers?", "report on the MCP servers Delia passes through", "check which external MCP servers are up", "!MCP server status"],
        ),
        2 => {
            let t = g.pick_plus(
                &["start the {id} MCP server", "launch the {id} server", "bring up the MCP server {id}", "turn on the {id} MCP server"],
                &["spin up the {id} MCP server", "get the {id} MCP server running", "start up MCP server {id}"],
            );
            core(g.fill(t, &[("id", id.into())]), args(vec![("action", s("start")), ("server_id", s(id))]))
        }
        3 => {
            let t = g.pick_plus(
                &["stop the {id} MCP server", "shut down the {id} server", "turn off MCP server {id}", "halt the {id} MCP server"],
                &["kill the {id} MCP server", "bring down the {id} server", "take the {id} MCP server offline"],
            );
            core(g.fill(t, &[("id", id.into())]), args(vec![("action", s("stop")), ("server_id", s(id))]))
        }
        4 => {
            let t = g.pick_plus(
                &["list the tools of the {id} MCP server", "which tools does the {id} server expose", "show the {id} server's tools", "what tools come from the {id} MCP server"],
                &["?what can the {id} MCP server do?", "list {id}'s MCP tools", "show me the tool list of the {id} server", "enumerate the tools provided by MCP server {id}"],
            );
            core(g.fill(t, &[("id", id.into())]), args(vec![("action", s("tools")), ("server_id", s(id))]))
        }
        5 => {
            let all_start = g.chance(0.5);
            let t = if all_start {
                g.pick_plus(
                    &["start all MCP servers", "bring every MCP server up", "launch all the external servers", "start every configured MCP server"],
                    &["turn on all MCP servers", "spin up all the MCP servers", "get all MCP servers running"],
                )
            } else {
                g.pick_plus(
                    &["stop all MCP servers", "shut every MCP server down", "stop all the external servers", "turn off every MCP server"],
                    &["shut down all the MCP servers", "bring all MCP servers down", "kill every external MCP server"],
                )
            };
            core(g.fill(t, &[]), args(vec![("action", s(if all_start { "start_all" } else { "stop_all" }))]))
        }
        6 => {
            let t = g.pick_plus(
                &["remove the {id} MCP server", "unregister the MCP server {id}", "delete the {id} server from the config", "drop the {id} MCP server"],
                &["deregister the {id} MCP server", "take {id} out of the MCP server list", "remove MCP server {id} from Delia", "forget the {id} MCP server"],
            );
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
            let t = g.pick_plus(
                &["add an MCP server called {n} that runs {c}", "register a new MCP server named {n} with the command {c}", "add the {n} MCP server: {c}", "set up an MCP server {n} launched by {c}"],
                &["add a new MCP server {n}, command {c}", "register MCP server {n} using {c}", "hook up an MCP server named {n} that starts with {c}", "configure a new MCP server called {n}: {c}"],
            );
            core(g.fill(t, &[("n", name.into()), ("c", cmd.into())]), args(vec![("action", s("add")), ("name", s(name)), ("command", s(cmd))]))
        }
    }
}

fn read_file(g: &mut Gen) -> Core {
    let p = g.pick_plus(PATHS, PATHS_TRAIN);
    match g.rng.below(5) {
        0 => {
            let start = g.int(1, 200);
            let end = start + g.int(5, 120);
            let t = g.pick_plus(
                &[
                    "read lines {a}-{b} of {p}",
                    "show {p} from line {a} to {b}",
                    "print lines {a} through {b} of {p}",
                    "?what's on lines {a} to {b} in {p}?",
                    "open {p} and show me lines {a} to {b}",
                    "give me {p}, lines {a}..{b}",
                    "display {p} between lines {a} and {b}",
                    "read {p} lines {a} to {b}",
                ],
                &[
                    "cat lines {a}-{b} of {p}",
                    "!I need lines {a} to {b} from {p}",
                    "pull lines {a} through {b} out of {p}",
                    "view {p}, only lines {a}-{b}",
                    "show me the part of {p} spanning lines {a} to {b}",
                    "fetch {p} from line {a} up to line {b}",
                ],
            );
            core(g.fill(t, &[("p", p.into()), ("a", start.to_string()), ("b", end.to_string())]), args(vec![("path", s(p)), ("start_line", json!(start)), ("end_line", json!(end))]))
        }
        1 => {
            let start = g.int(2, 400);
            let t = g.pick_plus(
                &[
                    "read {p} starting at line {a}",
                    "show {p} from line {a} onward",
                    "print {p} beginning at line {a}",
                    "open {p} and skip to line {a}",
                    "?what comes after line {a} in {p}?",
                    "read the rest of {p} from line {a}",
                ],
                &["read from line {a} to the end of {p}", "display {p} starting with line {a}", "print {p} from line {a} down", "give me the tail of {p} from line {a}"],
            );
            core(g.fill(t, &[("p", p.into()), ("a", start.to_string())]), args(vec![("path", s(p)), ("start_line", json!(start))]))
        }
        _ => {
            let t = g.pick_plus(
                &[
                    "read {p}",
                    "show me {p}",
                    "open {p}",
                    "print the contents of {p}",
                    "display the file {p}",
                    "?what's inside {p}?",
                    "cat {p}",
                    "let me see {p}",
                    "show the full contents of the file {p}",
                    "?what does {p} contain?",
                    "dump {p}",
                    "read the file at {p}",
                ],
                &[
                    "view {p}",
                    "pull up the file {p}",
                    "load {p} so I can read it",
                    "!I want to read {p}",
                    "look at {p}",
                    "output {p}",
                    "?how does {p} look?",
                    "bring up {p}",
                    "go ahead and read {p}",
                    "take a look inside {p}",
                    "!{p}: show it to me",
                    "check what {p} says",
                ],
            );
            core(g.fill(t, &[("p", p.into())]), args(vec![("path", s(p))]))
        }
    }
}

fn list_directory(g: &mut Gen) -> Core {
    let d = g.pick_plus(DIRS, DIRS_TRAIN);
    match g.rng.below(5) {
        0 => no_args(
            g,
            &[
                "list the files here",
                "show me the current directory",
                "ls",
                "list the directory",
                "?what files are in this folder?",
                "show what's in the working directory",
                "list everything in the current folder",
                "?what's in here?",
            ],
            &[
                "show the files in the current folder",
                "?which files do we have here?",
                "show me what files exist in the working dir",
                "list everything right here",
                "?what does the current directory contain?",
                "display the folder contents",
            ],
        ),
        1 => {
            let t = g.pick_plus(
                &[
                    "list everything under {d} recursively",
                    "show the full tree of {d}",
                    "recursively list {d}",
                    "list all files in {d} including subfolders",
                    "walk {d} and list every file",
                    "?what's in {d} and all its subdirectories?",
                ],
                &[
                    "give me a recursive listing of {d}",
                    "show {d} and every subdirectory inside it",
                    "list {d} all the way down",
                    "tree {d}",
                    "list every file in {d}, subfolders included",
                    "list the files of {d} and of its subdirectories",
                    "show all files under {d}, nested ones too",
                    "?which files are anywhere under {d}, including subfolders?",
                ],
            );
            core(g.fill(t, &[("d", d.into())]), args(vec![("path", s(d)), ("recursive", json!(true))]))
        }
        2 => {
            let pat = g.pick(GLOBS);
            let t = g.pick_plus(
                &[
                    "list the {g} files in {d}",
                    "show only {g} files under {d}",
                    "?which {g} files are in {d}?",
                    "list {d}, filtered to {g}",
                    "find the {g} entries in the {d} directory",
                    "show me {d} but just the {g} files",
                ],
                &[
                    "?are there any {g} files in {d}?",
                    "list files matching {g} inside {d}",
                    "in {d}, show me just {g}",
                    "give me the {g} files from the {d} folder",
                    "list {d}, only {g}",
                    "list {d} filtered by {g}",
                    "show {d}, restricted to {g}",
                    "ls {d} but only {g}",
                ],
            );
            core(g.fill(t, &[("d", d.into()), ("g", pat.into())]), args(vec![("path", s(d)), ("pattern", s(pat))]))
        }
        _ => {
            let t = g.pick_plus(
                &[
                    "list the files in {d}",
                    "show what's in the {d} folder",
                    "ls {d}",
                    "list the contents of the {d} directory",
                    "?what's in {d}?",
                    "show me the {d} directory",
                    "list {d}",
                    "?which files live in {d}?",
                ],
                &[
                    "show the files under {d}",
                    "?what does {d} contain?",
                    "display the {d} folder",
                    "browse {d}",
                    "dir {d}",
                    "!I want to see what files are in {d}",
                    "look inside the {d} directory",
                    "enumerate the files in {d}",
                    "!{d}: list it",
                    "give me a listing of {d}",
                ],
            );
            core(g.fill(t, &[("d", d.into())]), args(vec![("path", s(d))]))
        }
    }
}

fn search_code(g: &mut Gen) -> Core {
    let pat = g.pick_plus(REGEXES, REGEXES_TRAIN);
    let q = |p: &str| format!("`{p}`");
    match g.rng.below(5) {
        0 => {
            let d = g.pick_plus(DIRS, DIRS_TRAIN);
            let t = g.pick_plus(
                &["search {d} for {r}", "grep {r} in {d}", "find {r} inside {d}", "look for {r} under {d}", "?where does {r} appear in {d}?", "search the {d} folder for the regex {r}"],
                &["grep through {d} for {r}", "in {d}, find every match of {r}", "scan {d} for {r}", "?does {r} show up anywhere in {d}?"],
            );
            core(g.fill(t, &[("d", d.into()), ("r", q(pat))]), args(vec![("pattern", s(pat)), ("path", s(d))]))
        }
        1 => {
            let fp = g.pick(GLOBS);
            let t = g.pick_plus(
                &[
                    "search {g} files for {r}",
                    "find {r} in all {g} files",
                    "grep {r} only in {g} files",
                    "look for {r} across the {g} files",
                    "?which {g} files mention {r}?",
                    "search for {r}, limited to {g}",
                ],
                &["grep {r} in {g}", "scan the {g} files for {r}", "restrict the search for {r} to {g} files", "find occurrences of {r} in files matching {g}"],
            );
            core(g.fill(t, &[("g", fp.into()), ("r", q(pat))]), args(vec![("pattern", s(pat)), ("file_pattern", s(fp))]))
        }
        2 => {
            let n = g.int(0, 10);
            let t = g.pick_plus(
                &[
                    "search for {r} with {n} lines of context",
                    "grep {r} showing {n} lines around each match",
                    "find {r} and include {n} context lines",
                    "look up {r} in the code, {n} lines of context",
                ],
                &["grep -C {n} {r}", "search for {r}, show {n} lines before and after", "find {r} with {n} surrounding lines"],
            );
            core(g.fill(t, &[("n", n.to_string()), ("r", q(pat))]), args(vec![("pattern", s(pat)), ("context_lines", json!(n))]))
        }
        _ => {
            let t = g.pick_plus(
                &[
                    "search the code for {r}",
                    "find where {r} appears",
                    "grep for {r}",
                    "look for {r} in the codebase",
                    "?where is {r} used?",
                    "search the repo for the pattern {r}",
                    "find all matches of {r}",
                    "?which files contain {r}?",
                ],
                &[
                    "grep the project for {r}",
                    "scan the code for {r}",
                    "locate every occurrence of {r}",
                    "find the lines matching {r}",
                    "run a regex search for {r}",
                    "hunt down all uses of {r} in the source",
                    "search the sources for the regex {r}",
                    "?is {r} used anywhere in the code?",
                    "show me every line that matches {r}",
                    "?where do we use {r}?",
                    "?what files mention {r}?",
                    "?in which files does {r} occur?",
                    "list the files that contain {r}",
                    "?which source files have {r} in them?",
                ],
            );
            core(g.fill(t, &[("r", q(pat))]), args(vec![("pattern", s(pat))]))
        }
    }
}

fn web_fetch(g: &mut Gen) -> Core {
    let u = g.pick(URLS);
    if g.chance(0.25) {
        let t = g.pick_plus(
            &["fetch the raw HTML of {u}", "download {u} without extracting the text", "get the unprocessed source of {u}", "grab {u} as raw markup", "fetch {u}, keep the HTML as is"],
            &["download the HTML source of {u}", "fetch {u} as-is, no text extraction", "get me the raw page at {u}", "!I need the unparsed HTML from {u}"],
        );
        return core(g.fill(t, &[("u", u.into())]), args(vec![("url", s(u)), ("extract_text", json!(false))]));
    }
    let t = g.pick_plus(
        &["fetch {u}", "download {u}", "get the page at {u}", "open {u} and give me the text", "?what does {u} say?", "read the web page {u}", "pull the content of {u}", "load {u}"],
        &[
            "retrieve {u}",
            "grab the contents of {u}",
            "visit {u} and return what it says",
            "curl {u}",
            "hit {u} and show me the response",
            "get {u}",
            "read what's at {u}",
            "pull down {u}",
            "download the text of {u}",
            "query the endpoint {u}",
            "?what's on the page {u}?",
        ],
    );
    core(g.fill(t, &[("u", u.into())]), args(vec![("url", s(u))]))
}

fn web_search(g: &mut Gen) -> Core {
    let qy = g.pick_plus(QUERIES, QUERIES_TRAIN);
    if g.chance(0.3) {
        let n = g.int(1, 10);
        let t = g.pick_plus(
            &[
                "search the web for {q} and give me {n} results",
                "find the top {n} web results for {q}",
                "look up {q} online, just {n} results",
                "web search {q}, limit {n}",
                "google {q} and return {n} hits",
            ],
            &["give me {n} search results for {q}", "search online for {q} and show the first {n} hits", "look up {q} on the web, top {n} only", "run a web search for {q} with {n} results"],
        );
        return core(g.fill(t, &[("q", qy.into()), ("n", n.to_string())]), args(vec![("query", s(qy)), ("max_results", json!(n))]));
    }
    let t = g.pick_plus(
        &[
            "search the web for {q}",
            "look up {q} online",
            "google {q}",
            "find information on the web about {q}",
            "?what does the internet say about {q}?",
            "do a web search on {q}",
            "search online for {q}",
            "find docs about {q} on the web",
        ],
        &[
            "duckduckgo {q}",
            "search DuckDuckGo for {q}",
            "?what comes up online for {q}?",
            "browse the web for {q}",
            "!I need web results on {q}",
            "hunt for {q} on the internet",
            "run a search for {q} on the web",
            "research {q} online",
            "check online: {q}",
            "get me search results for {q}",
            "query the web for {q}",
        ],
    );
    core(g.fill(t, &[("q", qy.into())]), args(vec![("query", s(qy))]))
}

fn web_news(g: &mut Gen) -> Core {
    let qy = g.pick(NEWS_QUERIES);
    match g.rng.below(5) {
        0 => {
            let (tl, t, extra): (&str, &[&str], &[&str]) = match g.rng.below(3) {
                0 => (
                    "d",
                    &["find today's news about {q}", "news from the last 24 hours on {q}", "?what happened today with {q}?", "get the latest headlines from today about {q}"],
                    &["?any news on {q} in the past day?", "search today's news for {q}", "show me {q} news from the last day"],
                ),
                1 => (
                    "w",
                    &["find this week's news on {q}", "news from the past week about {q}", "?what was in the news this week about {q}?", "get headlines about {q} from the last 7 days"],
                    &["?what's happened with {q} over the past week?", "show me this week's {q} news", "!weekly news roundup on {q}"],
                ),
                _ => (
                    "m",
                    &["find news about {q} from the past month", "news on {q} from the last month", "?what's been reported about {q} this month?", "get a month of news coverage on {q}"],
                    &["search the last 30 days of news for {q}", "?what news has there been about {q} in the past month?", "show {q} news from the past 30 days"],
                ),
            };
            let tt = g.pick_plus(t, extra);
            core(g.fill(tt, &[("q", qy.into())]), args(vec![("query", s(qy)), ("timelimit", s(tl))]))
        }
        1 => {
            let n = g.int(1, 10);
            let t = g.pick_plus(
                &["find {n} news articles about {q}", "get the top {n} news stories on {q}", "show {n} recent headlines about {q}", "news search {q}, {n} results"],
                &["list {n} news articles on {q}", "pull {n} recent articles on {q}", "find the {n} latest news items about {q}"],
            );
            core(g.fill(t, &[("q", qy.into()), ("n", n.to_string())]), args(vec![("query", s(qy)), ("max_results", json!(n))]))
        }
        _ => {
            let t = g.pick_plus(
                &[
                    "find news about {q}",
                    "?what's the latest news on {q}?",
                    "search recent news for {q}",
                    "get the headlines about {q}",
                    "?any news articles about {q}?",
                    "check the news for {q}",
                    "look for current news on {q}",
                    "show recent news coverage of {q}",
                ],
                &[
                    "?what's new with {q}?",
                    "search the news for {q}",
                    "?has anything happened recently with {q}?",
                    "find current events about {q}",
                    "look at recent articles on {q}",
                    "?is {q} in the news?",
                    "?what are the news outlets saying about {q}?",
                    "catch me up on recent news about {q}",
                    "pull recent news stories on {q}",
                    "scan the latest news for {q}",
                ],
            );
            core(g.fill(t, &[("q", qy.into())]), args(vec![("query", s(qy))]))
        }
    }
}

fn ask_user(g: &mut Gen) -> Core {
    let qn = g.pick_plus(QUESTIONS, QUESTIONS_TRAIN);
    let t = g.pick_plus(
        &[
            "ask the user: {q}",
            "ask me \"{q}\" before you continue",
            "check with the user: {q}",
            "put this question to the user: {q}",
            "confirm with me first: {q}",
            "prompt the user with \"{q}\"",
            "get my answer to this: {q}",
            "pause and ask the user {q}",
        ],
        &[
            "before going further, ask me: {q}",
            "!I want you to ask the user this: {q}",
            "clarify with the user: {q}",
            "get the user's input on this: {q}",
            "query the user: {q}",
            "double-check with me: {q}",
            "let the user decide: {q}",
            "find out from the user: {q}",
            "request the user's answer to \"{q}\"",
            "have the user answer {q}",
            "!Ask the user: {q}.",
            "!Question for the user: {q}. Wait for the reply",
            "ask the user \"{q}\" and wait for an answer",
        ],
    );
    core(g.fill(t, &[("q", qn.into())]), args(vec![("question", s(qn))]))
}

fn write_file(g: &mut Gen) -> Core {
    let p = g.pick_plus(PATHS, PATHS_TRAIN);
    let c = g.pick_plus(SNIPPETS, SNIPPETS_TRAIN);
    let t = g.pick_plus(
        &[
            "create {p} with this content:\n{c}",
            "write the following to {p}:\n{c}",
            "overwrite {p} with:\n{c}",
            "save this as {p}:\n{c}",
            "make a new file {p} containing:\n{c}",
            "replace the whole of {p} with:\n{c}",
            "write a file {p} that says:\n{c}",
            "put exactly this in {p}:\n{c}",
        ],
        &[
            "store the following in {p}, replacing whatever is there:\n{c}",
            "dump this into {p} as its full content:\n{c}",
            "write out {p} with this content:\n{c}",
            "set the entire contents of {p} to:\n{c}",
            "create a file at {p} with:\n{c}",
            "!{p} should contain only the following:\n{c}",
            "wipe {p} and write this instead:\n{c}",
            "!I need a file {p} holding:\n{c}",
            "go ahead and write {p}:\n{c}",
            "rewrite {p} completely as:\n{c}",
            "start {p} from scratch with:\n{c}",
            "author {p} with this body:\n{c}",
            "make {p} read, in full:\n{c}",
            "put the following in {p}, replacing its contents:\n{c}",
            "put this text into {p} as the whole file:\n{c}",
            "save the following to {p}:\n{c}",
            "store this as {p}:\n{c}",
            "save these lines into {p}:\n{c}",
            "keep this in a file {p}:\n{c}",
        ],
    );
    core(g.fill(t, &[("p", p.into()), ("c", c.into())]), args(vec![("path", s(p)), ("content", s(c))]))
}

fn delete_file(g: &mut Gen) -> Core {
    let p = if g.chance(0.2) { g.pick_plus(DIRS, DIRS_TRAIN) } else { g.pick_plus(PATHS, PATHS_TRAIN) };
    let t = g.pick_plus(
        &["delete {p}", "remove the file {p}", "rm {p}", "get rid of {p}", "erase {p} from disk", "?can {p} be deleted? do it", "trash {p}", "delete the path {p}"],
        &[
            "remove {p}",
            "delete the file {p} from the repo",
            "wipe {p} off the disk",
            "!we don't need {p} anymore, delete it",
            "unlink {p}",
            "throw {p} away",
            "discard {p} for good",
            "?could you delete {p}?",
            "nuke {p}",
            "clean up {p} by deleting it",
            "permanently remove {p}",
        ],
    );
    core(g.fill(t, &[("p", p.into())]), args(vec![("path", s(p))]))
}

fn replace_in_file(g: &mut Gen) -> Core {
    let p = g.pick_plus(PATHS, PATHS_TRAIN);
    let (from, to) = g.pick_plus(SEARCH_REPLACE, SEARCH_REPLACE_TRAIN);
    if g.chance(0.25) {
        let n = g.int(1, 3);
        let t = g.pick_plus(
            &[
                "in {p}, replace the first {n} occurrences of \"{a}\" with \"{b}\"",
                "change \"{a}\" to \"{b}\" in {p}, at most {n} times",
                "swap \"{a}\" for \"{b}\" in {p} but only {n} times",
                "edit {p}: replace \"{a}\" with \"{b}\", limit {n}",
            ],
            &["replace \"{a}\" with \"{b}\" in {p}, no more than {n} times", "in {p}, only change the first {n} \"{a}\" into \"{b}\"", "substitute \"{b}\" for \"{a}\" in {p}, up to {n} occurrences"],
        );
        return core(
            g.fill(t, &[("p", p.into()), ("a", from.into()), ("b", to.into()), ("n", n.to_string())]),
            args(vec![("path", s(p)), ("search", s(from)), ("replace", s(to)), ("count", json!(n))]),
        );
    }
    let t = g.pick_plus(
        &[
            "in {p}, replace \"{a}\" with \"{b}\"",
            "change \"{a}\" to \"{b}\" in {p}",
            "swap every \"{a}\" for \"{b}\" in {p}",
            "edit {p}: \"{a}\" -> \"{b}\"",
            "find \"{a}\" in {p} and replace it with \"{b}\"",
            "update {p} so that \"{a}\" becomes \"{b}\"",
            "in the file {p}, substitute \"{b}\" for \"{a}\"",
            "rewrite \"{a}\" as \"{b}\" inside {p}",
        ],
        &[
            "replace \"{a}\" by \"{b}\" everywhere in {p}",
            "!{p}: change every \"{a}\" into \"{b}\"",
            "turn \"{a}\" into \"{b}\" in {p}",
            "in {p}, search for \"{a}\" and put \"{b}\" in its place",
            "fix {p} by replacing \"{a}\" with \"{b}\"",
            "modify {p}: use \"{b}\" instead of \"{a}\"",
            "!I want \"{b}\" where {p} currently says \"{a}\"",
            "correct \"{a}\" to \"{b}\" in {p}",
            "switch \"{a}\" to \"{b}\" throughout {p}",
        ],
    );
    core(g.fill(t, &[("p", p.into()), ("a", from.into()), ("b", to.into())]), args(vec![("path", s(p)), ("search", s(from)), ("replace", s(to))]))
}

fn insert_into_file(g: &mut Gen) -> Core {
    let p = g.pick_plus(PATHS, PATHS_TRAIN);
    let c = g.pick_plus(SNIPPETS, SNIPPETS_TRAIN);
    if g.chance(0.25) {
        let t = g.pick_plus(
            &["at the top of {p}, insert:\n{c}", "prepend this to {p}:\n{c}", "insert at the very start of {p}:\n{c}", "add this to the beginning of {p}:\n{c}"],
            &[
                "put these lines at the top of {p}, above what's there:\n{c}",
                "insert before the first line of {p}:\n{c}",
                "!{p} needs this at the very top, keep everything else:\n{c}",
                "insert at line 0 of {p}:\n{c}",
            ],
        );
        return core(g.fill(t, &[("p", p.into()), ("c", c.into())]), args(vec![("path", s(p)), ("content", s(c)), ("line", json!(0))]));
    }
    let n = g.int(1, 300);
    let t = g.pick_plus(
        &[
            "insert this after line {n} of {p}:\n{c}",
            "add the following to {p} after line {n}:\n{c}",
            "put this in {p} below line {n}:\n{c}",
            "in {p}, after line {n}, insert:\n{c}",
            "splice this into {p} after line {n}:\n{c}",
            "add these lines after line {n} in {p}:\n{c}",
        ],
        &[
            "after line {n} of {p}, add:\n{c}",
            "insert the following into {p} following line {n}:\n{c}",
            "stick this in {p} right after line {n}:\n{c}",
            "!{p}, line {n}: insert this below it:\n{c}",
            "place these lines into {p} after line {n}, keeping the rest:\n{c}",
            "drop this into {p} just below line {n}:\n{c}",
            "inject after line {n} in {p}:\n{c}",
            "append this after line {n} of {p}:\n{c}",
            "add the lines below to {p}, right under line {n}:\n{c}",
        ],
    );
    core(g.fill(t, &[("p", p.into()), ("c", c.into()), ("n", n.to_string())]), args(vec![("path", s(p)), ("content", s(c)), ("line", json!(n))]))
}

fn shell_exec(g: &mut Gen) -> Core {
    let c = g.pick_plus(COMMANDS, COMMANDS_TRAIN);
    match g.rng.below(5) {
        0 => {
            let d = g.pick_plus(DIRS, DIRS_TRAIN);
            let t = g.pick_plus(
                &["run {c} in {d}", "cd into {d} and run {c}", "execute `{c}` from the {d} directory", "in {d}, run {c}"],
                &["run `{c}` inside {d}", "from {d}, execute {c}", "with {d} as the working directory, run {c}", "go to {d} and execute `{c}`"],
            );
            core(g.fill(t, &[("c", c.into()), ("d", d.into())]), args(vec![("command", s(c)), ("cwd", s(d))]))
        }
        1 => {
            let n = g.int(1, 300);
            let t = g.pick_plus(
                &["run {c} with a {n} second timeout", "execute {c} but stop it after {n} seconds", "run `{c}`, time limit {n}s", "run {c} and kill it if it takes more than {n} seconds"],
                &["execute `{c}` with a timeout of {n} seconds", "run {c}, giving it at most {n} seconds", "run {c} but abort after {n}s"],
            );
            core(g.fill(t, &[("c", c.into()), ("n", n.to_string())]), args(vec![("command", s(c)), ("timeout", json!(n))]))
        }
        _ => {
            let t = g.pick_plus(
                &[
                    "run {c}",
                    "execute `{c}`",
                    "run the shell command {c}",
                    "in the terminal, run {c}",
                    "?can you run {c} in the shell?",
                    "run this command: {c}",
                    "execute {c} and show the output",
                    "shell out and run {c}",
                ],
                &[
                    "launch `{c}`",
                    "type {c} in a shell and tell me what it prints",
                    "!I need the output of `{c}`",
                    "go ahead and run `{c}`",
                    "exec {c}",
                    "invoke {c} on the command line",
                    "fire off `{c}`",
                    "run `{c}` and report back",
                    "?what does `{c}` print?",
                    "kick off the command {c}",
                    "use the shell to execute {c}",
                ],
            );
            core(g.fill(t, &[("c", c.into())]), args(vec![("command", s(c))]))
        }
    }
}

fn run_tests(g: &mut Gen) -> Core {
    match g.rng.below(7) {
        0 => {
            // Shares its values' split with the PATHS and DIRS pools where they overlap.
            let d = g.pick(&["tests", "tests/integration", "tests/unit", "spec", "tests/test_api.py", "tests/unit/test_queue.py", "tests/integration/test_sessions.py", "pkg/server"][..]);
            let t = g.pick_plus(
                &["run the tests in {d}", "run tests under {d}", "execute the tests in {d}", "test {d}", "?do the tests in {d} pass?"],
                &["run just the tests at {d}", "launch the tests located in {d}", "?are the tests under {d} passing?", "check the tests in {d}"],
            );
            core(g.fill(t, &[("d", d.into())]), args(vec![("path", s(d))]))
        }
        1 => {
            let pat = g.pick_plus(TEST_PATTERNS, TEST_PATTERNS_TRAIN);
            let t = g.pick_plus(
                &["run only the tests matching {p}", "run the {p} tests", "execute tests named like {p}", "run tests filtered by {p}"],
                &["only run tests named {p}", "run the subset of tests that match {p}", "execute just the {p} tests", "run tests whose names match {p}"],
            );
            core(g.fill(t, &[("p", pat.into())]), args(vec![("pattern", s(pat))]))
        }
        2 => {
            let (fw, t, extra): (&str, &[&str], &[&str]) = match g.rng.below(4) {
                0 => ("pytest", &["run the tests with pytest", "use pytest to run the suite", "pytest the project"], &["run the suite under pytest", "test with pytest"]),
                1 => ("cargo", &["run the cargo tests", "run the Rust tests with cargo", "cargo test the project"], &["use cargo to run the tests", "execute the cargo test suite"]),
                2 => ("jest", &["run the jest tests", "use jest to run the test suite", "run the JavaScript tests with jest"], &["run the test suite under jest", "test the JS code using jest"]),
                _ => ("go", &["run the go tests", "run the Go test suite", "go test everything"], &["use go test on the project", "run the tests with the go tool"]),
            };
            let tt = g.pick_plus(t, extra);
            core(g.fill(tt, &[]), args(vec![("framework", s(fw))]))
        }
        3 => {
            let t = g.pick_plus(
                &["run the tests quietly, just the summary", "run the test suite without per-test output", "run the tests but only show the totals", "run tests, non-verbose"],
                &["run the tests and only give me the summary counts", "run the suite without listing each test", "run the tests, summary only"],
            );
            core(g.fill(t, &[]), args(vec![("verbose", json!(false))]))
        }
        4 => {
            let n = g.int(30, 900);
            let t = g.pick_plus(
                &["run the tests with a {n} second limit", "run the test suite, timeout {n} seconds", "run all tests but give up after {n} seconds"],
                &["run the tests and stop after {n} seconds", "give the test run {n} seconds max"],
            );
            core(g.fill(t, &[("n", n.to_string())]), args(vec![("timeout", json!(n))]))
        }
        _ => no_args(
            g,
            &["run the tests", "run the test suite", "execute all tests", "?do the tests pass?", "run the whole test suite", "kick off the tests", "test everything", "?are the tests green?"],
            &[
                "launch the test suite",
                "check that nothing is broken by running the tests",
                "trigger a test run",
                "!let's run the tests and see what fails",
                "?did I break any tests?",
                "execute the project's tests",
                "run the unit tests",
                "go ahead and test the project",
                "verify the tests still pass",
                "give me the test results",
            ],
        ),
    }
}

fn apply_diff(g: &mut Gen) -> Core {
    let p = g.pick_plus(PATHS, PATHS_TRAIN);
    let (from, to) = g.pick_plus(SEARCH_REPLACE, SEARCH_REPLACE_TRAIN);
    let line = g.int(1, 120);
    let diff = format!("--- a/{p}\n+++ b/{p}\n@@ -{line},1 +{line},1 @@\n-{from}\n+{to}\n");
    match g.rng.below(4) {
        0 => {
            let t = g.pick_plus(
                &[
                    "check whether this diff applies cleanly, without changing anything:\n{d}",
                    "do a dry run of this patch:\n{d}",
                    "preview what this diff would change:\n{d}",
                    "test-apply this diff, dry run only:\n{d}",
                ],
                &["see if this patch would apply, but don't change any files:\n{d}", "simulate applying this diff:\n{d}", "validate this patch without applying it:\n{d}"],
            );
            core(g.fill(t, &[("d", diff.clone())]), args(vec![("diff", s(diff)), ("dry_run", json!(true))]))
        }
        1 => {
            let t = g.pick_plus(
                &["apply this diff to {p}:\n{d}", "patch {p} with:\n{d}", "use this unified diff on {p}:\n{d}"],
                &["apply the patch below to {p}:\n{d}", "update {p} using this diff:\n{d}"],
            );
            core(g.fill(t, &[("p", p.into()), ("d", diff.clone())]), args(vec![("diff", s(diff)), ("file_path", s(p))]))
        }
        _ => {
            let t = g.pick_plus(
                &[
                    "apply this diff:\n{d}",
                    "apply the following patch:\n{d}",
                    "patch the code with this diff:\n{d}",
                    "apply this unified diff:\n{d}",
                    "here's a patch, apply it:\n{d}",
                    "merge this change:\n{d}",
                ],
                &[
                    "apply these changes:\n{d}",
                    "patch the files with the following:\n{d}",
                    "use this diff to update the code:\n{d}",
                    "git apply this:\n{d}",
                    "take this diff and apply it:\n{d}",
                    "apply the patch below:\n{d}",
                ],
            );
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

/// More requests that no tool serves, for the train split only (NO_CALL is split by index, so the
/// eval split keeps its own): chit-chat, acknowledgements, general and programming knowledge,
/// questions about code shown inline, things no tool can do, and requests that name a tool's
/// action only to decline it.
pub const NO_CALL_TRAIN: &[(&str, &str)] = &[
    ("Hello!", "Hi! What can I do for you?"),
    ("Hold on a second.", "Sure, take your time."),
    ("Give me a minute.", "Of course, I'll be here."),
    ("Just a sec, I'm reading.", "No rush."),
    ("Wait, let me think about this first.", "Sure, let me know when you're ready."),
    ("Yo", "Hey! What are we working on?"),
    ("Good afternoon!", "Good afternoon! How can I help?"),
    ("Hi, how's it going?", "All good, thanks! What can I help with?"),
    ("Nice to meet you.", "Nice to meet you too! What would you like to do?"),
    ("What's up?", "Not much. Ready when you are: what should we work on?"),
    ("See you later!", "See you!"),
    ("I'm back.", "Welcome back! Where should we pick up?"),
    ("Happy Friday!", "Happy Friday! Anything I can help with before the weekend?"),
    ("Are you a robot?", "I'm an AI assistant that can use Delia's tools."),
    ("Do you have a name?", "Not a name of my own; I'm an assistant that works with Delia's tools."),
    ("I'm bored.", "Want to tackle a small refactor or a few failing tests? I can help."),
    ("Let's take a break.", "Sure, ping me when you're ready."),
    ("I'm having a rough day.", "Sorry to hear that. If some code is the cause, I'm happy to help."),
    ("Thanks!", "You're welcome!"),
    ("Great, that worked.", "Glad it worked!"),
    ("Perfect, thank you.", "You're welcome!"),
    ("Got it.", "Great. Let me know if you need anything else."),
    ("Sounds good.", "Great!"),
    ("Awesome, the tests pass now!", "Great news!"),
    ("Cool, thanks for the help.", "Anytime!"),
    ("That's exactly what I needed.", "Glad to hear it!"),
    ("No, that's fine.", "Alright."),
    ("Nope, nothing else.", "Alright, have a good one!"),
    ("Yes, that makes sense.", "Great."),
    ("Nice work!", "Thanks!"),
    ("lol", "Glad that made you laugh. Anything else?"),
    ("Understood.", "Great."),
    ("That's all for today.", "Alright! See you next time."),
    ("Sorry, wrong chat.", "No problem!"),
    ("How many continents are there?", "Seven."),
    ("What is the largest planet in the solar system?", "Jupiter."),
    ("How many bits are in a byte?", "Eight."),
    ("What is the chemical symbol for gold?", "Au."),
    ("How many legs does a spider have?", "Eight."),
    ("What language is spoken in Brazil?", "Portuguese."),
    ("Which ocean is the largest?", "The Pacific Ocean."),
    ("What is the tallest mountain on Earth?", "Mount Everest, at about 8,849 m."),
    ("What gas do plants take in from the air?", "Carbon dioxide."),
    ("How many sides does a hexagon have?", "Six."),
    ("Which planet is closest to the Sun?", "Mercury."),
    ("What is a mutex?", "A lock that lets only one thread at a time into a critical section."),
    ("Explain recursion in one sentence.", "Recursion is a function solving a problem by calling itself on smaller instances of it until a base case stops it."),
    ("What's the difference between a process and a thread?", "A process has its own memory space; threads run inside a process and share its memory."),
    ("What is a race condition?", "A bug where the result depends on the timing of concurrent operations on shared state."),
    ("What does idempotent mean?", "An operation is idempotent if doing it twice has the same effect as doing it once."),
    ("What is Big O notation?", "A way to describe how an algorithm's time or memory grows with the input size, such as O(n log n)."),
    ("What's the difference between git merge and git rebase?", "Merge joins two histories with a merge commit; rebase replays your commits on top of another branch for a linear history."),
    ("What is a closure?", "A function together with the variables it captured from the scope where it was defined."),
    ("Explain what a REST API is.", "An HTTP interface where resources have URLs and are read or changed with methods such as GET, POST, PUT and DELETE."),
    ("What is the difference between TCP and UDP?", "TCP is connection-based, reliable and ordered; UDP sends independent datagrams without delivery guarantees."),
    ("What does a hash map do?", "It stores key-value pairs and finds a value by its key in constant time on average."),
    ("When should I use a linked list instead of an array?", "When you often insert or remove in the middle and rarely need random access."),
    ("What is dependency injection?", "Giving a component its dependencies from outside instead of having it create them, which makes testing easier."),
    ("What's a deadlock?", "Two or more threads each waiting for a lock another one holds, so none can proceed."),
    ("What is the difference between == and === in JavaScript?", "== compares after type coercion; === compares value and type without coercion."),
    ("Explain what a unit test is.", "A small automated test that checks one function or class in isolation."),
    ("What is a segfault?", "A crash caused by a program accessing memory it isn't allowed to touch."),
    ("What does the ? operator do in Rust?", "It returns early with the error (or None) when the value is an Err (or None), and unwraps it otherwise."),
    ("What's the difference between a list and a tuple in Python?", "Lists are mutable; tuples are immutable, and hashable when their items are."),
    ("What is a Docker container?", "An isolated process with its own filesystem and resources, started from an image."),
    ("What is an LLM?", "A large language model: a neural network trained on a lot of text to predict and generate language."),
    ("What does a load balancer do?", "It spreads incoming requests over several servers."),
    ("What is a pull request?", "A request to merge changes from one branch into another, usually with a review."),
    ("What does len([1, 2, 3]) return in Python?", "3."),
    ("Is x = x + 1 the same as x += 1 in Python?", "For numbers, yes; for lists, += changes the list in place while x = x + 1 builds a new one."),
    ("What will print(\"a\" * 3) output?", "aaa"),
    ("In Python, what does [x * 2 for x in range(3)] evaluate to?", "[0, 2, 4]"),
    ("What's wrong with `if x = 5:` in Python?", "It is an assignment; a comparison needs ==, as in `if x == 5:`."),
    ("Does `let v = vec![1, 2, 3];` compile in Rust?", "Yes: it makes a Vec<i32> with three elements."),
    ("What does git commit --amend do?", "It replaces the last commit with one that includes your staged changes and, if you like, a new message."),
    ("What is the type of 3 / 2 in Python 3?", "float: 3 / 2 is 1.5; use // for integer division."),
    ("In JavaScript, what does typeof null give?", "\"object\", a long-standing quirk of the language."),
    ("What does the regex ^[a-z]+$ match?", "A string made only of one or more lowercase ASCII letters."),
    ("How do I reverse a string in Python?", "Slice it backwards: s[::-1]."),
    ("How do I exit Vim?", "Press Esc, then type :q and Enter (:q! discards changes, :wq saves them)."),
    ("What's the SQL to count the rows of a table named users?", "SELECT COUNT(*) FROM users;"),
    ("Who created Linux?", "Linus Torvalds, in 1991."),
    ("Who invented the World Wide Web?", "Tim Berners-Lee, at CERN in 1989."),
    ("What's 15% of 200?", "30."),
    ("How many seconds are in an hour?", "3,600."),
    ("Water the plants.", "I can't do that; I have no way to act in the physical world."),
    ("Schedule a meeting with the team for Friday.", "I can't access calendars; none of my tools schedules meetings."),
    ("Text Sarah that I'm running late.", "I can't send text messages."),
    ("Pay my electricity bill.", "I can't make payments."),
    ("Make me a coffee.", "I wish I could! I can't do anything physical."),
    ("Unlock my car.", "I can't control vehicles."),
    ("Set an alarm for 6am.", "I can't set alarms; none of my tools does that."),
    ("Post this on Twitter.", "I can't post to social media."),
    ("Feed the cat.", "I can't do that; I can only work with code, files and Delia."),
    ("Join my Zoom call.", "I can't join calls."),
    ("Turn up the volume.", "I can't control your device's audio."),
    ("Start the dishwasher.", "I can't control home appliances."),
    ("Sign this PDF for me.", "I can't sign documents."),
    ("Don't run anything yet, I'm still thinking.", "Okay, I'll wait for your go-ahead."),
    ("Don't delete anything.", "Understood, I won't delete anything."),
    ("I'll read the file myself, thanks.", "Sure, let me know if you need anything."),
    ("No need to search the web for that.", "Alright."),
    ("What's a good name for a logging library?", "How about \"Chronicle\" or \"Logbook\"?"),
    ("Write me a haiku about bugs.", "Silent null pointer / waits beneath the Friday deploy / pager sings at dawn"),
    ("Is Rust garbage collected?", "No: Rust frees memory through ownership, without a garbage collector."),
    ("Is JavaScript single-threaded?", "Your code runs on one thread with an event loop; workers add more threads."),
    ("Is Go compiled or interpreted?", "Compiled, to native machine code."),
    ("Does Java run on a virtual machine?", "Yes, on the JVM."),
    ("Is SQL a programming language?", "It's a declarative query language; some dialects add procedural features."),
    ("is bash a compiled language", "No, bash scripts are interpreted by the shell."),
];

#[cfg(test)]
mod tests {
    use crate::tools::{default_tools_path, Tools};

    #[test]
    fn phrasings_fit_the_shipped_tools_but_not_a_changed_schema() {
        let shipped = Tools::load(&default_tools_path()).unwrap();
        for t in &shipped.tools {
            assert_eq!(super::fits(t), Ok(()), "{}", t.name);
        }
        // The newest Delia's `think` has no `depth`: calls that set it no longer fit.
        let changed =
            Tools::from_json(r#"[{"name":"think","parameters":{"type":"object","properties":{"problem":{"type":"string"}},"required":["problem"]}},{"name":"admin","parameters":{"type":"object"}}]"#)
                .unwrap();
        let why = super::fits(changed.get("think").unwrap()).unwrap_err();
        assert!(why.contains("not the one fg's phrasings were written for") && why.to_lowercase().contains("additional"), "{why}");
        assert_eq!(super::fits(changed.get("admin").unwrap()), Err("fg has no phrasings for it".to_string()));
    }
}
