//! The agent on the real base model through llama.cpp: constrained decoding yields only valid
//! calls, the prefix cache is built, reused and rebuilt when stale, and every call is validated.

mod common;

use common::*;
use fg::agent::forcing::FunctionGemmaForcer;
use fg::agent::run::{Agent, AgentOptions, Event, Transcript};
use fg::format::{Format, Message};
use fg::grammar::tools::tools_grammar;
use fg::llama::{Engine, EngineConfig, GenerateOptions, Sampling};
use fg::tools::{default_tools_path, Tools};
use std::sync::OnceLock;

fn tools() -> &'static Tools {
    static T: OnceLock<Tools> = OnceLock::new();
    T.get_or_init(|| Tools::load(&default_tools_path()).unwrap())
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::load(EngineConfig { model: base_model(), lora: None, threads: threads(), n_ctx: 6144 }).unwrap())
}

/// An agent with the grammar on, two iterations and `max_tokens` a turn.
fn grammar_agent(engine: &'static Engine, max_tokens: usize) -> Agent<'static> {
    let opts = AgentOptions {
        format: Format::FunctionGemma,
        grammar: true,
        max_iterations: 2,
        max_tokens,
        max_answer_tokens: fg::agent::run::DEFAULT_MAX_ANSWER_TOKENS,
        sampling: Sampling::default(),
        system: None,
        cache_dir: None,
    };
    Agent::new(engine, tools(), opts).unwrap()
}

/// The tools grammar without the text-answer branch: the model must call.
fn calls_only(format: Format) -> String {
    let g = tools_grammar(tools(), format).unwrap();
    g.replacen(" | answer\n", "\n", 1)
}

#[test]
fn constrained_base_model_emits_only_valid_calls() {
    let dir = tmp();
    for format in [Format::FunctionGemma, Format::Json] {
        let prefix = format.prefix(tools(), None);
        let mut session = engine().session(&prefix, "calls-only", Some(dir.path())).unwrap();
        let grammar = calls_only(format);
        let forcer: Box<dyn fg::llama::Forcer> = match format {
            Format::FunctionGemma => Box::new(FunctionGemmaForcer::new(tools())),
            Format::Json => Box::new(fg::agent::forcing::JsonForcer),
        };
        let requests = ["List the files in src", "Search the web for rust async traits", "Show me session sess_42", "Switch the coder tier to qwen2.5:14b", "Run git status"];
        for (i, request) in requests.iter().enumerate() {
            let messages = vec![Message::User { content: request.to_string() }];
            let text = format.render(tools(), None, &messages, true).unwrap().text();
            let opts = GenerateOptions {
                sampling: Sampling { temperature: if i % 2 == 0 { 0.0 } else { 0.8 }, seed: i as u64, ..Default::default() },
                grammar: Some(&grammar),
                stop: if format == Format::FunctionGemma { vec![50] } else { vec![] },
                max_tokens: 160,
                forcer: Some(forcer.as_ref()),
                check_first: true,
                closers: fg::agent::run::closers(engine(), format),
                call_start: None,
                max_answer_tokens: 0,
                on_token: None,
            };
            let g = session.generate(&text, &opts).unwrap();
            assert_ne!(g.finish, fg::llama::Finish::Length, "{format:?} {request}: unfinished after 160 tokens: {}", g.text);
            let parsed = format.parse(&g.text).unwrap_or_else(|e| panic!("{format:?} {request}: {e}\n{}", g.text));
            assert!(!parsed.calls.is_empty(), "{format:?}: no call in {}", g.text);
            for c in &parsed.calls {
                tools().check_call(&c.name, &c.arguments).unwrap_or_else(|e| panic!("{format:?} {request}: invalid call {e}: {}", g.text));
            }
            if format == Format::FunctionGemma {
                assert!(g.forced_tokens > 0, "nothing was forced in {}", g.text);
            }
        }
    }
}

#[test]
fn prefix_state_is_cached_reused_and_rebuilt_when_stale() {
    let dir = tmp();
    let prefix = Format::FunctionGemma.prefix(tools(), None);
    let s1 = engine().session(&prefix, "k", Some(dir.path())).unwrap();
    assert_eq!(s1.stats.prefix_cache, "built");
    drop(s1);
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "one state file: {files:?}");
    let s2 = engine().session(&prefix, "k", Some(dir.path())).unwrap();
    assert_eq!(s2.stats.prefix_cache, "hit");
    assert!(s2.stats.prefix_ms * 5.0 < engine_cold_ms(), "loading the state should be far faster than computing it");
    drop(s2);
    // A corrupt state file is detected and rebuilt.
    let bytes = std::fs::read(&files[0]).unwrap();
    std::fs::write(&files[0], &bytes[..bytes.len() / 3]).unwrap();
    let s3 = engine().session(&prefix, "k", Some(dir.path())).unwrap();
    assert_eq!(s3.stats.prefix_cache, "built");
    drop(s3);
    // Other tools (another key) get their own state.
    let s4 = engine().session(&prefix, "other-tools", Some(dir.path())).unwrap();
    assert_eq!(s4.stats.prefix_cache, "built");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

fn engine_cold_ms() -> f64 {
    static COLD: OnceLock<f64> = OnceLock::new();
    *COLD.get_or_init(|| {
        let prefix = Format::FunctionGemma.prefix(tools(), None);
        engine().session(&prefix, "cold", None).unwrap().stats.prefix_ms
    })
}

/// Largest difference between two logit vectors.
fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn cached_and_fresh_prefixes_give_the_same_logits() {
    let dir = tmp();
    let prefix = Format::FunctionGemma.prefix(tools(), None);
    let text = |q: &str| Format::FunctionGemma.render(tools(), None, &[Message::User { content: q.into() }], true).unwrap().text();
    let fresh = engine().session(&prefix, "same", None).unwrap().logits_after(&text("Read README.md")).unwrap();
    let _ = engine().session(&prefix, "same", Some(dir.path())).unwrap();
    let mut cached = engine().session(&prefix, "same", Some(dir.path())).unwrap();
    assert_eq!(cached.stats.prefix_cache, "hit");
    assert_eq!(max_diff(&fresh, &cached.logits_after(&text("Read README.md")).unwrap()), 0.0, "the restored state must equal the computed one");
    // Reusing the session for another conversation drops the old one from the cache first.
    let reused = cached.logits_after(&text("Check Delia's health")).unwrap();
    let new = engine().session(&prefix, "same", None).unwrap().logits_after(&text("Check Delia's health")).unwrap();
    assert_eq!(max_diff(&reused, &new), 0.0);
}

#[test]
fn invalid_calls_are_not_executed_and_go_back_as_errors() {
    // A turn forged by hand (no model could write it under the grammar) goes through the agent's
    // own step: a valid call runs, calls that break their schema or name no tool do not, and each
    // error goes back to the model as the call's result.
    let dir = tmp();
    std::fs::write(dir.path().join("a.txt"), "inside\n").unwrap();
    let sandbox = fg::agent::builtin::Sandbox::new(dir.path(), fg::agent::builtin::Confirm::Always).unwrap();
    let exec = fg::agent::run::Executor::new(Some(sandbox)).unwrap();
    let agent = grammar_agent(engine(), 64);
    let forged = "<start_function_call>call:read_file{path:<escape>a.txt<escape>}<end_function_call>\
                  <start_function_call>call:write_file{path:<escape>b.txt<escape>}<end_function_call>\
                  <start_function_call>call:read_file{path:3}<end_function_call>\
                  <start_function_call>call:format_disk{}<end_function_call>";
    let (mut history, mut t, mut seen) = (vec![Message::User { content: "Show me a.txt".into() }], Transcript::new("Show me a.txt"), Vec::new());
    let goes_on = agent.act(forged, &mut history, Some(&exec), &mut t, &mut |e: &Event| seen.push(format!("{e:?}")), std::time::Instant::now());
    assert!(goes_on, "calls were made: the model gets their results");
    assert_eq!(t.invalid_calls, 3);
    assert_eq!(seen.len(), t.events.len(), "the caller is told of every event");
    let calls: Vec<(String, bool, Option<String>)> = t
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Call { name, valid, error, .. } => Some((name.clone(), *valid, error.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(calls.iter().map(|(n, v, _)| (n.as_str(), *v)).collect::<Vec<_>>(), [("read_file", true), ("write_file", false), ("read_file", false), ("format_disk", false)]);
    assert!(calls[1].2.as_deref().unwrap().contains("content"), "the missing argument is named: {:?}", calls[1].2);
    assert!(calls[3].2.as_deref().unwrap().contains("format_disk"), "the unknown tool is named: {:?}", calls[3].2);
    let results: Vec<(bool, String)> = t
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Result { ok, content, .. } => Some((*ok, content.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(results.iter().map(|r| r.0).collect::<Vec<_>>(), [true, false, false, false]);
    assert!(results[0].1.contains("inside"), "the valid call ran: {}", results[0].1);
    assert!(results[1..].iter().all(|(_, c)| c.contains("error")));
    assert!(!dir.path().join("b.txt").exists(), "an invalid write never runs");
    // The history holds the calls and one tool message per call, errors included.
    let tool_messages = history.iter().filter(|m| matches!(m, Message::Tool { .. })).count();
    assert_eq!(tool_messages, 4);
    // Text that is not a call at all ends the run as malformed.
    let mut t = Transcript::new("x");
    assert!(!agent.act("<start_function_call>call:read_file{path:<escape>a", &mut history, Some(&exec), &mut t, &mut |_: &Event| {}, std::time::Instant::now()));
    assert!(matches!(t.events.as_slice(), [Event::Malformed { .. }]) && t.invalid_calls == 1);
}

#[test]
fn a_result_longer_than_the_context_is_cut_to_fit_and_the_run_goes_on() {
    // A 3 MB result (an MCP server's, or a file) after a call: before, the next turn failed with
    // "the conversation needs … tokens" and the whole session (and its transcript) was lost.
    let mut agent = grammar_agent(engine(), 64);
    let call = fg::format::Call { name: "read_file".into(), arguments: serde_json::json!({"path": "big.txt"}).as_object().unwrap().clone() };
    let mut history = vec![Message::User { content: "Show me big.txt".into() }, Message::Assistant { content: None, tool_calls: vec![call] }];
    let line = "0123456789 the quick brown fox jumps over the lazy dog\n";
    let big = line.repeat(3_000_000 / line.len());
    for content in [serde_json::json!(big), serde_json::json!({"log": big, "status": "ok"})] {
        let t = std::time::Instant::now();
        let fitted = agent.fit(&history, "read_file", content.clone());
        let s = fitted.as_str().expect("a cut result is text");
        assert!(s.starts_with(&content.as_str().map(|b| b[..1000].to_string()).unwrap_or_else(|| content.to_string()[..1000].to_string())), "the result's start is kept");
        assert!(
            s.contains("… [cut: ") && s.contains(&format!("of {} characters shown", content.as_str().map_or(content.to_string().chars().count(), |b| b.chars().count()))),
            "{}",
            &s[s.len() - 200..]
        );
        assert!(t.elapsed().as_secs() < 20, "cutting took {:?}", t.elapsed());
        let mut h = history.clone();
        h.push(Message::Tool { name: "read_file".into(), content: fitted });
        let g = agent.turn(&h).expect("the turn after a cut result runs");
        assert!(g.prompt_tokens + 64 <= 6144, "{} prompt tokens", g.prompt_tokens);
    }
    // A short result is left alone.
    assert_eq!(agent.fit(&history, "read_file", serde_json::json!("fn main() {}")), serde_json::json!("fn main() {}"));
    history.clear();
}

/// The shipped model (base + models/delia) as `fg agent` runs it.
fn shipped() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let (model, lora) = fg::resolve::model_files(None, None, false).unwrap();
        assert!(lora.is_some(), "the shipped adapter models/delia is missing");
        Engine::load(EngineConfig { model, lora, threads: threads(), n_ctx: 8192 }).unwrap()
    })
}

#[test]
fn an_answer_after_a_real_delia_result_does_not_run_away() {
    // The real Delia's `health` (e60eac1, no backend configured; tests/data/delia-health.json):
    // after it the shipped model once wrote the same phrase until the token budget ran out.
    let health: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/delia-health.json")).unwrap()).unwrap();
    let mut agent = grammar_agent(shipped(), 512);
    let call = fg::format::Call { name: "health".into(), arguments: serde_json::Map::new() };
    let history = vec![Message::User { content: "Is Delia healthy?".into() }, Message::Assistant { content: None, tool_calls: vec![call] }, Message::Tool { name: "health".into(), content: health }];
    let g = agent.turn(&history).unwrap();
    // Before the guard: 473 tokens of two alternating passes, ended only by the budget.
    assert!(g.tokens.len() < 200 && fg::llama::engine::repeated_tail(&g.tokens).is_none(), "{} tokens, finish {}: {}", g.tokens.len(), g.finish, g.text);
    assert!(matches!(g.finish, fg::llama::Finish::Repeat | fg::llama::Finish::Stop | fg::llama::Finish::Eog), "{}: {}", g.finish, g.text);
}
