use crate::agent::builtin::{Confirm, Sandbox};
use crate::agent::engine::{Engine, EngineConfig, Sampling};
use crate::agent::mcp::McpClient;
use crate::agent::run::{Agent, AgentOptions, Event, Executor};
use crate::cli::AgentArgs;
use crate::tools::{default_tools_path, Tools};
use anyhow::{Context, Result};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

pub fn run(a: &AgentArgs) -> Result<()> {
    let tools = Tools::load(a.run.tools.as_deref().unwrap_or(&default_tools_path()))?;
    let (model, lora) = crate::export::model_files(a.run.model.as_deref(), a.run.lora.as_deref(), a.run.no_lora)?;
    let engine = Engine::load(EngineConfig { model: model.clone(), lora, threads: a.run.threads, n_ctx: a.ctx })?;
    let confirm = if a.yes {
        Confirm::Always
    } else if std::io::stdin().is_terminal() && a.request.is_some() {
        Confirm::Terminal
    } else {
        Confirm::Never
    };
    let mut exec = Executor::new(Some(Sandbox::new(&a.workspace, confirm)?))?;
    let timeout = Duration::from_secs(a.mcp_timeout);
    if let Some(cmd) = &a.mcp {
        exec.mcp = Some(exec.rt.block_on(McpClient::stdio(cmd, timeout))?);
    } else if let Some(url) = &a.mcp_url {
        exec.mcp = Some(exec.rt.block_on(McpClient::http(url, timeout))?);
    }
    let opts = AgentOptions {
        format: a.run.format,
        grammar: a.run.grammar,
        max_iterations: a.max_iterations,
        max_tokens: a.max_tokens,
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
    match &a.request {
        Some(request) => {
            let t = agent.run(request, &mut history, Some(&exec), show)?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                match &t.answer {
                    Some(answer) => println!("{answer}"),
                    None => println!("(no answer after {} turns)", a.max_iterations),
                }
            }
        }
        None => {
            let stdin = std::io::stdin();
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
                let t = agent.run(request, &mut history, Some(&exec), show)?;
                if a.json {
                    println!("{}", serde_json::to_string(&t)?);
                } else {
                    println!("{}", t.answer.as_deref().unwrap_or("(no answer)"));
                }
            }
        }
    }
    if let Some(m) = exec.mcp.take() {
        exec.rt.block_on(m.close());
    }
    Ok(())
}
