//! `fg tools call NAME ARGS`: one call validated against its tool's schema and executed the way
//! `fg agent` executes the model's calls (sandbox, consent, MCP routing). For trying a server or
//! a tool by hand, and for tests that drive the real binary with an exact call.

use crate::cli::ToolsCallArgs;
use crate::format::Call;
use crate::tools::Tools;
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

pub fn run(a: &ToolsCallArgs) -> Result<()> {
    let tools = Tools::load_or_shipped(a.tools.as_deref())?;
    let arguments: Value = serde_json::from_str(&a.arguments).with_context(|| format!("the arguments of `{}` are not JSON: {}", a.name, a.arguments))?;
    let Value::Object(arguments) = arguments else { bail!("the arguments of `{}` must be a JSON object, got {}", a.name, a.arguments) };
    let (mut exec, server) = crate::commands::agent::executor(&a.exec, &tools, a.json)?;
    // A tool the model knows is checked against its schema; one only the server knows is the
    // server's to check.
    let known = tools.tools.iter().any(|t| t.name == a.name);
    let result = if known {
        tools.check_call(&a.name, &arguments).map_err(|e| e.to_string()).and_then(|()| exec.execute(&Call { name: a.name.clone(), arguments }))
    } else if exec.mcp.is_some() {
        exec.execute(&Call { name: a.name.clone(), arguments })
    } else {
        Err(format!("`{}` is not in the tools file and no MCP server is connected", a.name))
    };
    if let Some(m) = exec.mcp.take() {
        exec.rt.block_on(m.close());
    }
    if a.json {
        let (ok, content) = match &result {
            Ok(v) => (true, v.clone()),
            Err(e) => (false, json!(e)),
        };
        println!("{}", serde_json::to_string_pretty(&json!({"ok": ok, "content": content, "server": server}))?);
    } else if let Ok(v) = &result {
        match v {
            Value::String(s) => println!("{s}"),
            other => println!("{}", serde_json::to_string_pretty(other)?),
        }
    }
    match result {
        Ok(_) => Ok(()),
        Err(e) => bail!("{} failed: {e}", a.name),
    }
}
