//! Delia's own tools over MCP (the `rmcp` client): a server started as a child process speaking
//! stdio (`--mcp "COMMAND ARGS"`) or reached over streamable HTTP (`--mcp-url URL`).
//!
//! Every call has a timeout; a server that dies, hangs or answers with an error gives the model an
//! error result, never a crash.

use anyhow::{anyhow, bail, Context, Result};
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value};
use std::time::Duration;

pub struct McpClient {
    service: RunningService<RoleClient, ()>,
    /// Names of the tools the server lists.
    pub tools: Vec<String>,
    pub timeout: Duration,
    /// What the server is, for messages.
    pub origin: String,
}

impl McpClient {
    /// Starts `command_line` (split like a shell's words, without expansions) and connects over stdio.
    pub async fn stdio(command_line: &str, timeout: Duration) -> Result<McpClient> {
        let words = split_words(command_line)?;
        let (program, args) = words.split_first().context("--mcp needs a command")?;
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args);
        let transport = TokioChildProcess::builder(cmd).stderr(std::process::Stdio::null()).spawn().with_context(|| format!("cannot start the MCP server `{command_line}`"))?.0;
        let service = tokio::time::timeout(timeout, ().serve(transport))
            .await
            .map_err(|_| anyhow!("the MCP server `{command_line}` did not finish its handshake within {timeout:?}"))?
            .map_err(|e| anyhow!("MCP handshake with `{command_line}` failed: {e}"))?;
        Self::ready(service, timeout, format!("MCP server `{command_line}`")).await
    }

    /// Connects to a streamable-HTTP MCP endpoint.
    pub async fn http(url: &str, timeout: Duration) -> Result<McpClient> {
        let transport = StreamableHttpClientTransport::from_uri(url.to_string());
        let service = tokio::time::timeout(timeout, ().serve(transport))
            .await
            .map_err(|_| anyhow!("the MCP server at {url} did not answer within {timeout:?}"))?
            .map_err(|e| anyhow!("cannot connect to the MCP server at {url}: {e}"))?;
        Self::ready(service, timeout, format!("MCP server at {url}")).await
    }

    async fn ready(service: RunningService<RoleClient, ()>, timeout: Duration, origin: String) -> Result<McpClient> {
        let tools = tokio::time::timeout(timeout, service.list_all_tools())
            .await
            .map_err(|_| anyhow!("{origin} did not list its tools within {timeout:?}"))?
            .map_err(|e| anyhow!("{origin} could not list its tools: {e}"))?;
        Ok(McpClient { service, tools: tools.into_iter().map(|t| t.name.into_owned()).collect(), timeout, origin })
    }

    /// Calls a tool. `Err` carries the message the model gets as the tool's result.
    pub async fn call(&self, name: &str, arguments: &Map<String, Value>) -> Result<Value, String> {
        let params = CallToolRequestParams::new(name.to_string()).with_arguments(arguments.clone());
        let result = match tokio::time::timeout(self.timeout, self.service.call_tool(params)).await {
            Err(_) => return Err(format!("{} did not answer `{name}` within {} s", self.origin, self.timeout.as_secs())),
            Ok(Err(e)) => return Err(format!("{} failed on `{name}`: {e}", self.origin)),
            Ok(Ok(r)) => r,
        };
        let text: Vec<String> = result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect();
        let value = match (&result.structured_content, text.len()) {
            // FastMCP wraps results that are not objects as {"result": …}.
            (Some(Value::Object(o)), _) if o.len() == 1 && o.contains_key("result") => o["result"].clone(),
            (Some(v), _) => v.clone(),
            (None, 1) => serde_json::from_str::<Value>(&text[0]).ok().filter(Value::is_object).unwrap_or_else(|| Value::String(text[0].clone())),
            (None, _) => Value::String(text.join("\n")),
        };
        if result.is_error == Some(true) {
            return Err(format!("`{name}` failed: {}", value.as_str().map(String::from).unwrap_or_else(|| value.to_string())));
        }
        Ok(value)
    }

    pub async fn close(self) {
        let _ = self.service.cancel().await;
    }
}

/// Splits a command line into words: whitespace separates, single and double quotes group,
/// backslash escapes (no variables, globs or other expansions).
pub fn split_words(s: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => cur.push(x),
                        None => bail!("unterminated ' in {s:?}"),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => cur.push(chars.next().ok_or_else(|| anyhow!("trailing backslash in {s:?}"))?),
                        Some(x) => cur.push(x),
                        None => bail!("unterminated \" in {s:?}"),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.push(chars.next().ok_or_else(|| anyhow!("trailing backslash in {s:?}"))?);
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(super::split_words(r#"python3 -m 'my server' --flag="a b" x\ y"#).unwrap(), ["python3", "-m", "my server", "--flag=a b", "x y"]);
        assert!(super::split_words("a 'b").is_err());
    }
}
