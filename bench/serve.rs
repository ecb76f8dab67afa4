//! Benchmark: `fg serve`'s time from request to tool call, warm, against `fg agent`'s in-process
//! time to the first validated call, on the same requests, model, threads and grammar.
//!
//!     cargo bench --bench serve [-- --threads 2 --runs 5]
//!
//! The server runs in this process on a loopback port; each request is one HTTP/1.1 exchange on a
//! new connection (what a client without keep-alive pays), timed until the whole response is read.

#[path = "common.rs"]
mod common;

use fg::agent::run::Agent;
use fg::llama::{Engine, EngineConfig};
use fg::serve::ServeConfig;
use fg::tools::{default_tools_path, Tools};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One POST; returns the status and the body.
fn post(addr: std::net::SocketAddr, path: &str, body: &str) -> anyhow::Result<(u16, String)> {
    let mut s = std::net::TcpStream::connect(addr)?;
    write!(s, "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// `fg serve` against `fg agent`'s own path on the same requests.
#[derive(clap::Parser)]
struct Args {
    #[command(flatten)]
    runs: common::Runs,
}

fn main() -> anyhow::Result<()> {
    let Args { runs: common::Runs { threads, runs, .. } } = clap::Parser::parse();
    let tools_json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(default_tools_path())?)?;
    let tools = Tools::load(&default_tools_path())?;
    let (model, lora) = fg::resolve::model_files(None, None, false)?;
    let cache = tempfile::tempdir()?;
    let requests = ["List the files in the src folder", "Read README.md", "Search the web for rust async traits", "Check Delia's health", "Delete session sess_91ab"];

    // fg agent, in process.
    let engine = Engine::load(EngineConfig { model: model.clone(), lora: lora.clone(), threads, n_ctx: 8192 })?;
    let opts = common::first_call(cache.path());
    let mut agent = Agent::new(&engine, &tools, opts)?;
    let mut agent_ms = Vec::new();
    for r in requests.iter().cycle().take(requests.len() * runs.max(1)) {
        let t = Instant::now();
        let tr = agent.run(r, &mut Vec::new(), None, |_| {})?;
        agent_ms.push(tr.first_call_ms.unwrap_or_else(|| t.elapsed().as_secs_f64() * 1e3));
    }
    drop(agent);
    drop(engine);

    // fg serve, same model and threads, on loopback.
    let (tx, rx) = std::sync::mpsc::channel();
    let cfg = ServeConfig {
        host: "127.0.0.1".into(),
        port: 0,
        model,
        lora,
        model_name: "delia".into(),
        threads,
        n_ctx: 8192,
        slots: 1,
        queue: 8,
        api_key: None,
        max_tokens: 96,
        max_answer_tokens: fg::agent::run::DEFAULT_MAX_ANSWER_TOKENS,
        max_body: 4 << 20,
        cached_sets: 2,
        disk_sets: 4,
        cache_dir: Some(cache.path().to_path_buf()),
        on_listen: Some(Box::new(move |a| {
            let _ = tx.send(a);
        })),
    };
    std::thread::spawn(move || fg::serve::run(cfg));
    let addr = rx.recv_timeout(Duration::from_secs(60))?;
    let body = |q: &str| serde_json::json!({"messages": [{"role": "user", "content": q}], "tools": tools_json}).to_string();
    // Warm: the model loaded and the tool set's prefix computed.
    let t = Instant::now();
    loop {
        match post(addr, "/v1/chat/completions", &body(requests[0])) {
            Ok((200, _)) => break,
            _ if t.elapsed() < Duration::from_secs(120) => std::thread::sleep(Duration::from_millis(200)),
            other => anyhow::bail!("the server never answered: {other:?}"),
        }
    }
    let mut serve_ms = Vec::new();
    for r in requests.iter().cycle().take(requests.len() * runs.max(1)) {
        let t = Instant::now();
        let (status, text) = post(addr, "/v1/chat/completions", &body(r))?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let v: serde_json::Value = serde_json::from_str(&text)?;
        anyhow::ensure!(status == 200 && v["choices"][0]["finish_reason"] == "tool_calls", "{r}: no tool call: {text}");
        serve_ms.push(ms);
    }
    let (a, s) = (median(agent_ms), median(serve_ms));
    println!("request to tool call, warm, {} requests x {runs}, {threads} threads, grammar on:", requests.len());
    println!("  fg agent (in process, first validated call)  median {a:6.0} ms");
    println!("  fg serve (HTTP on loopback, whole response)  median {s:6.0} ms  ({:.2}x fg agent)", s / a);
    Ok(())
}
