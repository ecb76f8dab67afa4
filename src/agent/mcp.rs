//! Delia's own tools over MCP (the `rmcp` client): a server started as a child process speaking
//! stdio (`--mcp "COMMAND ARGS"`) or reached over streamable HTTP (`--mcp-url URL`), what it offers
//! (names, schemas, annotations), how that compares with the tools the model knows, and its answers
//! turned into results or errors.
//!
//! Every call has a timeout; a server that dies, hangs or answers with an error gives the model an
//! error result, never a crash. Only JSON-RPC lines of a stdio server's stdout reach rmcp; its other
//! lines and its stderr explain a failed start.

use super::builtin::BUILTIN;
use anyhow::{anyhow, bail, Context, Result};
use rmcp::model::{CallToolRequestParams, Tool};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{RoleClient, ServiceExt};
use serde::Serialize;
use serde_json::{Map, Value};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};

/// One tool as the server lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ServerTool {
    pub name: String,
    pub description: String,
    pub input_schema: Value,
    /// `annotations.readOnlyHint == true`: the server says the tool changes nothing.
    pub read_only: bool,
    /// Whether the tool may destroy or overwrite: `destructiveHint`, which MCP defaults to true
    /// unless the tool is read-only.
    pub destructive: bool,
    /// `destructiveHint` as the server sent it.
    pub destructive_hint: Option<bool>,
}

impl ServerTool {
    fn from_listed(t: Tool) -> ServerTool {
        let read_only = t.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true);
        let destructive_hint = t.annotations.as_ref().and_then(|a| a.destructive_hint);
        ServerTool {
            name: t.name.into_owned(),
            description: t.description.map(|d| d.into_owned()).unwrap_or_default(),
            input_schema: Value::Object((*t.input_schema).clone()),
            read_only,
            destructive: destructive_hint.unwrap_or(!read_only),
            destructive_hint,
        }
    }

    /// Every string the schema allows as an `enum` or `const` value, with the property it belongs
    /// to: Delia's consolidated tools take their old tools' names as `action` values.
    fn enum_values(&self) -> Vec<(String, String)> {
        fn walk(v: &Value, property: &str, out: &mut Vec<(String, String)>) {
            match v {
                Value::Object(o) => {
                    for (k, x) in o {
                        match (k.as_str(), x) {
                            ("enum", Value::Array(items)) => out.extend(items.iter().filter_map(Value::as_str).map(|s| (property.to_string(), s.to_string()))),
                            ("const", Value::String(s)) => out.push((property.to_string(), s.clone())),
                            ("properties", Value::Object(props)) => props.iter().for_each(|(p, s)| walk(s, p, out)),
                            _ => walk(x, property, out),
                        }
                    }
                }
                Value::Array(items) => items.iter().for_each(|x| walk(x, property, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.input_schema, "", &mut out);
        out
    }
}

/// How the tools the model knows compare with the tools a server offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// Tools the model knows that the server lacks, in the model's order.
    pub missing: Vec<String>,
    /// Tools the server offers that the model does not know, in the server's order.
    pub unknown: Vec<String>,
}

pub struct McpClient {
    service: RunningService<RoleClient, ()>,
    /// The tools the server lists, in its order.
    pub tools: Vec<ServerTool>,
    pub timeout: Duration,
    /// What the server is, for messages.
    pub origin: String,
    /// A stdio server's process, ended with the client.
    process: Option<ServerProcess>,
}

/// A stdio server's process: its process group is killed when the client goes.
struct ServerProcess(tokio::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(pid) = self.0.id() {
            // SAFETY: kill(2) with a negative pid signals the group this child leads.
            unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
        }
    }
}

/// How much of a stdio server's output (stderr, and stdout lines that are not protocol messages) is
/// kept, to explain a failed start.
const OUTPUT_TAIL: usize = 2000;

impl McpClient {
    /// Starts `command_line` (split like a POSIX shell's words, without expansions) and connects
    /// over stdio.
    pub async fn stdio(command_line: &str, timeout: Duration) -> Result<McpClient> {
        let words = split_words(command_line)?;
        let (program, args) = words.split_first().context("--mcp needs a command")?;
        let mut cmd = tokio::process::Command::new(program);
        // Its own process group, so whatever the server starts is ended with it.
        cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0).kill_on_drop(true);
        let mut child = cmd.spawn().with_context(|| format!("cannot start the MCP server `{command_line}`"))?;
        let tail = Arc::new(Mutex::new(String::new()));
        let mut stderr_read = tokio::spawn(keep_tail(child.stderr.take().expect("piped"), tail.clone()));
        // Only JSON-RPC lines of its stdout reach rmcp; the others (log lines, or why it will not
        // start: Delia prints "No configuration found!" there) are kept with its stderr's end.
        // rmcp would skip text lines itself, but would answer a JSON log line with an
        // "Invalid request" sent to the server.
        let (stdout, theirs) = tokio::io::duplex(1 << 16);
        let mut stdout_read = tokio::spawn(forward_protocol_lines(child.stdout.take().expect("piped"), theirs, tail.clone()));
        let stdin = child.stdin.take().expect("piped");
        let process = ServerProcess(child);
        let origin = format!("MCP server `{command_line}`");
        let started = match tokio::time::timeout(timeout, ().serve((stdout, stdin))).await {
            Ok(Ok(service)) => Self::ready(service, timeout, origin).await,
            Ok(Err(e)) => Err(anyhow!("MCP handshake with `{command_line}` failed: {e}")),
            Err(_) => Err(anyhow!("the MCP server `{command_line}` did not finish its handshake within {timeout:?}")),
        };
        let mut client = match started {
            Ok(c) => c,
            Err(e) => {
                // A server that exited has closed its output: read it to the end before quoting it.
                let _ = tokio::time::timeout(Duration::from_secs(1), async { tokio::join!(&mut stderr_read, &mut stdout_read) }).await;
                bail!("{e}{}", output_note(&tail))
            }
        };
        client.process = Some(process);
        Ok(client)
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
        Ok(McpClient { service, tools: tools.into_iter().map(ServerTool::from_listed).collect(), timeout, origin, process: None })
    }

    pub fn tool(&self, name: &str) -> Option<&ServerTool> {
        self.tools.iter().find(|t| t.name == name)
    }

    pub fn service(&self) -> &RunningService<RoleClient, ()> {
        &self.service
    }

    /// Which of `model_tools` (every tool the model knows) the server lacks, builtins aside (they
    /// run in the sandbox), and which server tools are not among them.
    pub fn reconcile(&self, model_tools: &[String]) -> Reconciliation {
        Reconciliation {
            missing: model_tools.iter().filter(|n| !BUILTIN.contains(&n.as_str()) && self.tool(n).is_none()).cloned().collect(),
            unknown: self.tools.iter().filter(|t| !model_tools.contains(&t.name)).map(|t| t.name.clone()).collect(),
        }
    }

    /// Up to 3 server tools nearest to `name`, nearest first: a tool that takes `name` as an
    /// `enum` value (`switch_model` -> `admin`, whose `action` lists it; `session_list` ->
    /// `session`, whose `action` lists `list`), then tools sharing words with it, then close
    /// spellings. Empty when nothing is near.
    pub fn nearest(&self, name: &str) -> Vec<String> {
        self.ranked(name).into_iter().map(|(t, _)| t.name.clone()).collect()
    }

    /// Like [`McpClient::nearest`], written as calls where an `enum` value matches:
    /// `admin(action="switch_model")`, `session(action="list")`, `batch`.
    pub fn nearest_calls(&self, name: &str) -> Vec<String> {
        self.ranked(name)
            .into_iter()
            .map(|(t, arg)| match arg {
                Some((property, value)) => format!("{}({property}={value:?})", t.name),
                None => t.name.clone(),
            })
            .collect()
    }

    fn ranked(&self, name: &str) -> Vec<(&ServerTool, Option<(String, String)>)> {
        let wanted = words(name);
        let mut scored: Vec<Scored> = Vec::new();
        for (i, t) in self.tools.iter().enumerate() {
            let mut best = (nearness(name, &wanted, &t.name), None);
            for (property, value) in t.enum_values() {
                // `session_list` names the action `list` of the tool `session`.
                let exact = value == name || format!("{}_{value}", t.name) == name;
                let n = if exact { Nearness::Exact } else { nearness(name, &wanted, &value) };
                if n < best.0 {
                    best = (n, Some((property, value)));
                }
            }
            if best.0 != Nearness::Far {
                scored.push((best.0, i, t, best.1));
            }
        }
        scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        scored.into_iter().take(3).map(|(_, _, t, arg)| (t, arg)).collect()
    }

    /// Calls a tool. `Err` carries the message the model gets as the tool's result: the server's
    /// failures (`isError`), and answers whose JSON has a top-level `error` (Delia's strict mode
    /// answers `{"error": "WORKFLOW_REQUIRED", …}` as a normal result).
    pub async fn call(&self, name: &str, arguments: &Map<String, Value>) -> Result<Value, String> {
        let params = CallToolRequestParams::new(name.to_string()).with_arguments(arguments.clone());
        let result = match tokio::time::timeout(self.timeout, self.service.call_tool(params)).await {
            Err(_) => return Err(format!("{} did not answer `{name}` within {} s", self.origin, self.timeout.as_secs())),
            Ok(Err(e)) => return Err(format!("{} failed on `{name}`: {e}", self.origin)),
            Ok(Ok(r)) => r,
        };
        let text: Vec<String> = result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect();
        let value = match &result.structured_content {
            Some(v) => payload(v.clone()),
            None if text.len() == 1 => payload(Value::String(text[0].clone())),
            None => Value::String(text.join("\n")),
        };
        if result.is_error == Some(true) {
            return Err(format!("`{name}` failed: {}", value.as_str().map(String::from).unwrap_or_else(|| value.to_string())));
        }
        if let Some(message) = error_in(&value) {
            return Err(format!("`{name}` answered with an error: {message}"));
        }
        Ok(value)
    }

    pub async fn close(mut self) {
        let _ = self.service.cancel().await;
        if let Some(mut p) = self.process.take() {
            let _ = p.0.kill().await;
        }
    }
}

/// What a result carries: FastMCP wraps results that are not objects as `{"result": …}`, Delia
/// wraps its JSON answers the same way inside text, and a text that is a JSON object is that object.
fn payload(mut v: Value) -> Value {
    loop {
        v = match v {
            Value::Object(mut o) if o.len() == 1 && o.contains_key("result") => o.remove("result").unwrap(),
            Value::String(s) => match serde_json::from_str::<Value>(&s) {
                Ok(parsed @ Value::Object(_)) => parsed,
                _ => return Value::String(s),
            },
            other => return other,
        }
    }
}

/// The error a JSON answer reports at its top level (`error`, with its `message`, `hint` and
/// `action` when present), if any; `"error": null` or `false` is no error.
fn error_in(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    let error = match o.get("error")? {
        Value::Null | Value::Bool(false) => return None,
        Value::String(s) if s.is_empty() => return None,
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut message = error;
    for key in ["message", "hint", "action"] {
        if let Some(Value::String(s)) = o.get(key) {
            message.push_str(&format!("; {key}: {s}"));
        }
    }
    Some(message)
}

/// A server tool scored against a wanted name: how near, its index, the tool, and the argument
/// renamed to fit (from, to), if one was.
type Scored<'a> = (Nearness, usize, &'a ServerTool, Option<(String, String)>);

/// How near a server's name is to a wanted one, nearest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Nearness {
    Exact,
    /// Sharing words: more shared words first (the count is stored negated), then the nearer
    /// spelling (`batch_vote`: `batch` before `lsp_batch`).
    SharedWords(i32, usize),
    /// A spelling at most a third of the name's length away, by edit distance.
    Spelling(usize),
    Far,
}

fn nearness(name: &str, wanted: &[String], candidate: &str) -> Nearness {
    if candidate == name {
        return Nearness::Exact;
    }
    let theirs = words(candidate);
    let shared = wanted.iter().filter(|w| theirs.contains(w)).count();
    let distance = strsim::levenshtein(&name.to_lowercase(), &candidate.to_lowercase());
    if shared > 0 {
        Nearness::SharedWords(-(shared as i32), distance)
    } else if distance * 3 <= name.len().max(candidate.len()) {
        Nearness::Spelling(distance)
    } else {
        Nearness::Far
    }
}

fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Splits a command line into words as a POSIX shell would (quotes and backslashes, no variables,
/// globs or other expansions).
pub fn split_words(s: &str) -> Result<Vec<String>> {
    shlex::split(s).ok_or_else(|| anyhow!("cannot split the MCP server command {s:?} into words: an unterminated quote or a trailing backslash"))
}

/// Copies the server's stdout to `to` line by line, keeping JSON-RPC messages (JSON objects with a
/// `jsonrpc` member, or batches of them) and adding the other lines to `tail`.
async fn forward_protocol_lines(from: impl AsyncRead + Unpin, mut to: tokio::io::DuplexStream, tail: Arc<Mutex<String>>) {
    let mut from = BufReader::new(from);
    let mut line = Vec::new();
    loop {
        line.clear();
        match from.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if is_protocol_line(&line) {
            if to.write_all(&line).await.is_err() {
                return;
            }
        } else {
            push_tail(&tail, &String::from_utf8_lossy(&line));
        }
    }
}

fn is_protocol_line(line: &[u8]) -> bool {
    let message = |v: &Value| v.as_object().is_some_and(|o| o.contains_key("jsonrpc"));
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Array(batch)) => batch.first().is_some_and(message),
        Ok(v) => message(&v),
        Err(_) => false,
    }
}

async fn keep_tail(from: impl AsyncRead + Unpin, tail: Arc<Mutex<String>>) {
    let mut lines = BufReader::new(from).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        push_tail(&tail, &line);
    }
}

/// Adds a line to the end of the server's output that is kept, dropping the oldest beyond
/// `OUTPUT_TAIL` bytes.
fn push_tail(tail: &Mutex<String>, line: &str) {
    let mut t = tail.lock().unwrap();
    t.push_str(line.trim_end_matches(['\r', '\n']));
    t.push('\n');
    if t.len() > OUTPUT_TAIL {
        let cut = t.len() - OUTPUT_TAIL;
        let cut = (cut..t.len()).find(|&i| t.is_char_boundary(i)).unwrap_or(t.len());
        t.drain(..cut);
    }
}

fn output_note(tail: &Mutex<String>) -> String {
    let t = tail.lock().unwrap();
    if t.trim().is_empty() {
        String::new()
    } else {
        format!("; the end of its output:\n{}", t.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(super::split_words(r#"python3 -m 'my server' --flag="a b" x\ y"#).unwrap(), ["python3", "-m", "my server", "--flag=a b", "x y"]);
        let e = super::split_words("delia serve 'b").unwrap_err().to_string();
        assert!(e.contains("unterminated quote"), "{e}");
    }

    #[test]
    fn wrapped_payloads_are_unwrapped_and_errors_found() {
        // FastMCP's {"result": …} around Delia's own {"result": …} inside a JSON text.
        let text = json!({"result": {"error": "WORKFLOW_REQUIRED", "message": "call auto_context", "tool_blocked": "delegate"}}).to_string();
        let v = super::payload(json!({ "result": text }));
        assert_eq!(v["tool_blocked"], "delegate");
        assert_eq!(super::error_in(&v).unwrap(), "WORKFLOW_REQUIRED; message: call auto_context");
        // A null error is no error, and text that is not a JSON object stays text.
        assert_eq!(super::error_in(&json!({"error": null, "value": 1})), None);
        assert_eq!(super::payload(json!("[1, 2]")), json!("[1, 2]"));
    }
}
