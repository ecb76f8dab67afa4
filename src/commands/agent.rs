//! `fg agent`: the executor (sandbox, consent, MCP server reconciled with the model's tools) and
//! the loop over one request or an interactive session, printing events and the transcript.

use crate::agent::builtin::{Confirm, Consent, Sandbox, BUILTIN};
use crate::agent::mcp::McpClient;
use crate::agent::run::{Agent, AgentOptions, Event, Executor};
use crate::agent::web::NetPolicy;
use crate::cli::{AgentArgs, ExecArgs};
use crate::llama::{Engine, EngineConfig, Sampling};
use crate::tools::Tools;
use anyhow::{bail, Context, Result};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

/// The executor `a` describes: the sandbox on the workspace, the consent policy, and the MCP
/// server when one is named, reconciled with the model's `tools` (what it lacks and what it adds
/// are printed unless `quiet`, and returned for the transcript).
pub fn executor(a: &ExecArgs, tools: &Tools, quiet: bool) -> Result<(Executor, Option<serde_json::Value>)> {
    for name in &a.server_tool {
        if !BUILTIN.contains(&name.as_str()) {
            bail!("--server-tool {name}: not a builtin tool (server tools go to the server anyway); builtins are {}", BUILTIN.join(", "));
        }
        if a.mcp.is_none() && a.mcp_url.is_none() {
            bail!("--server-tool {name} hands the tool to an MCP server: name one with --mcp or --mcp-url");
        }
    }
    let mut consent = Consent::new(Confirm::from_flags(a.yes));
    consent.allowed.extend(a.allow.iter().cloned());
    let sandbox = Sandbox::with_policy(&a.workspace, consent.clone(), NetPolicy { allow_private: a.allow_private_net })?;
    if let Some(notice) = crate::agent::confine::startup_notice() {
        if !quiet {
            eprintln!("fg: {notice}");
        }
    }
    let mut exec = Executor::new(Some(sandbox))?;
    exec.consent = consent;
    exec.server_tools = a.server_tool.iter().cloned().collect();
    let timeout = Duration::from_secs(a.mcp_timeout);
    let client = match (&a.mcp, &a.mcp_url) {
        (Some(cmd), _) => Some(exec.rt.block_on(McpClient::stdio(cmd, timeout))?),
        (None, Some(url)) => Some(exec.rt.block_on(McpClient::http(url, timeout))?),
        (None, None) => None,
    };
    let mut server = None;
    if let Some(m) = client {
        // Builtin names are never missing (the sandbox runs them) and never unknown.
        let names: Vec<String> = tools.tools.iter().map(|t| t.name.clone()).collect();
        let r = m.reconcile(&names);
        let shadowed: Vec<&str> = m.tools.iter().map(|t| t.name.as_str()).filter(|n| BUILTIN.contains(n) && !exec.server_tools.contains(*n)).collect();
        if !quiet {
            eprintln!("fg: {} offers {} tools", m.origin, m.tools.len());
            if !r.missing.is_empty() {
                eprintln!("fg: the model's tools it lacks ({}): {}", r.missing.len(), r.missing.join(", "));
            }
            if !r.unknown.is_empty() {
                eprintln!("fg: its tools the model does not know ({}): {}", r.unknown.len(), r.unknown.join(", "));
            }
            if !shadowed.is_empty() {
                eprintln!("fg: builtin tools it also offers, run in the sandbox here (--server-tool NAME hands one over): {}", shadowed.join(", "));
            }
        }
        server = Some(
            serde_json::json!({"origin": m.origin, "tools": m.tools.iter().map(|t| serde_json::json!({"name": t.name, "read_only": t.read_only, "destructive": t.destructive})).collect::<Vec<_>>(), "missing": r.missing, "unknown": r.unknown, "builtin_kept": shadowed}),
        );
        exec.mcp = Some(m);
    }
    Ok((exec, server))
}

pub fn run(a: &AgentArgs) -> Result<()> {
    let tools = Tools::load_or_shipped(a.run.tools.as_deref())?;
    let (model, lora) = a.run.files.resolve()?;
    let engine = Engine::load(EngineConfig { model: model.clone(), lora, threads: a.run.threads, n_ctx: a.ctx })?;
    let (mut exec, server) = executor(&a.exec, &tools, a.json)?;
    let opts = AgentOptions {
        format: a.run.format,
        grammar: a.run.grammar,
        max_iterations: a.max_iterations,
        max_tokens: a.max_tokens,
        max_answer_tokens: a.max_answer_tokens,
        sampling: Sampling { temperature: a.temperature, top_k: a.top_k, top_p: a.top_p, seed: a.seed },
        system: a.run.system.clone(),
        cache_dir: (!a.no_cache).then(|| crate::paths::prefix_cache_dir(&model)),
    };
    let mut agent = Agent::new(&engine, &tools, opts).context("cannot prepare the model")?;
    let quiet = a.json;
    let show = |e: &Event| {
        if quiet {
            return;
        }
        match e {
            Event::Call { name, arguments, valid, error } => {
                let args = serde_json::Value::Object(arguments.clone());
                if *valid {
                    eprintln!("→ {name} {args}");
                } else {
                    eprintln!("✗ {name} {args}: {}", error.as_deref().unwrap_or("invalid"));
                }
            }
            Event::Result { ok, content, ms, .. } => {
                let text = match content {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let short: String = text.chars().take(300).collect();
                let more = if text.chars().count() > 300 { " …" } else { "" };
                eprintln!("{} {short}{more} ({ms:.0} ms)", if *ok { "←" } else { "← error:" });
            }
            Event::Malformed { error, .. } => eprintln!("✗ the model's output was not understood: {error}"),
            _ => {}
        }
    };
    let mut history = Vec::new();
    let mut failed = None;
    match &a.request {
        Some(request) => {
            let mut t = agent.run(request, &mut history, Some(&exec), show)?;
            t.server = server;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                match &t.answer {
                    Some(answer) => println!("{answer}"),
                    None if t.error.is_some() => {}
                    None => println!("(no answer after {} turns)", a.max_iterations),
                }
            }
            failed = t.error;
        }
        None => {
            let stdin = std::io::stdin();
            let mut first = true;
            loop {
                if stdin.is_terminal() {
                    eprint!("you> ");
                    std::io::stderr().flush()?;
                }
                let mut line = String::new();
                if stdin.lock().read_line(&mut line)? == 0 {
                    break;
                }
                let request = line.trim();
                if request.is_empty() {
                    continue;
                }
                if matches!(request, "exit" | "quit") {
                    break;
                }
                let mut t = agent.run(request, &mut history, Some(&exec), show)?;
                if first {
                    t.server = server.clone();
                    first = false;
                }
                if a.json {
                    println!("{}", serde_json::to_string(&t)?);
                } else {
                    println!("{}", t.answer.as_deref().unwrap_or("(no answer)"));
                }
                if let Some(e) = &t.error {
                    // The conversation no longer fits: start the next request afresh.
                    eprintln!("fg: {e}; the conversation starts afresh");
                    history.clear();
                }
            }
        }
    }
    if let Some(m) = exec.mcp.take() {
        exec.rt.block_on(m.close());
    }
    match failed {
        Some(e) => bail!("the run stopped before an answer: {e}"),
        None => Ok(()),
    }
}
