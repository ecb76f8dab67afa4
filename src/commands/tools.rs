//! `fg tools …`: `pull` writes a tools file from a live MCP server (the work is in `crate::pull`);
//! `call` runs one call (in `call.rs`).

use crate::agent::mcp::McpClient;
use crate::cli::{ToolsCommand, ToolsPullArgs};
use crate::pull;
use anyhow::{Context, Result};
use serde_json::Value;
use std::time::Duration;

pub fn run(c: &ToolsCommand) -> Result<()> {
    match c {
        ToolsCommand::Pull(a) => pull_cmd(a),
        ToolsCommand::Call(a) => crate::commands::call::run(a),
    }
}

fn pull_cmd(a: &ToolsPullArgs) -> Result<()> {
    let (name, text) = match &a.builtins {
        Some(p) => (p.display().to_string(), std::fs::read_to_string(p).with_context(|| format!("cannot read the tools file {} (its builtin tools are kept)", p.display()))?),
        None => ("the shipped tools file".to_string(), crate::tools::SHIPPED_TOOLS.to_string()),
    };
    let base: Value =
        serde_json::from_str(&text).map_err(anyhow::Error::from).context(crate::error::BadInput::new(format!("{name} is not JSON"), "pass a tools file in OpenAI's format with --builtins"))?;
    let timeout = Duration::from_secs(a.timeout);
    let rt = tokio::runtime::Runtime::new()?;
    let client = rt.block_on(async {
        match (&a.mcp, &a.mcp_url) {
            (Some(cmd), _) => McpClient::stdio(cmd, timeout).await,
            (None, Some(url)) => McpClient::http(url, timeout).await,
            // clap's "server" group requires one of them.
            (None, None) => unreachable!("--mcp or --mcp-url"),
        }
    })?;
    let (server, origin) = (client.tools.clone(), client.origin.clone());
    rt.block_on(client.close());
    let pulled = pull::merge(&server, &base, crate::agent::builtin::BUILTIN)?;
    let json = serde_json::to_string_pretty(&pulled.file)? + "\n";
    match &a.out {
        Some(out) => crate::fsx::write_atomic(out, json.as_bytes())?,
        None => print!("{json}"),
    }
    eprint!("{}", pulled.summary(&origin));
    if let Some(out) = &a.out {
        eprintln!("wrote {} tools to {}", pulled.added.len() + pulled.builtins.len(), out.display());
    }
    Ok(())
}
