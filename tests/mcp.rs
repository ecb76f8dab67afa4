//! Delia's tools over MCP against real FastMCP servers (FastMCP from .pydeps) of both Delia shapes:
//! the old tool set (tests/mcp/delia_server.py) over stdio and streamable HTTP, calls routed and
//! answered, a hanging server and a dying one giving error results, never a crash; and the newest
//! Delia's shape (tests/mcp/delia_new_server.py): the tools the model knows reconciled with what it
//! offers, nearest tools for missing ones, strict-mode payloads and `isError` results as errors, log
//! lines on stdout, and tool annotations.

mod common;

use fg::agent::consent::{Confirm, Consent};
use fg::agent::mcp::McpClient;
use fg::agent::run::Executor;
use fg::format::Call;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

fn server_command() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    assert!(root.join(".pydeps/fastmcp").exists(), ".pydeps/fastmcp is missing: run scripts/setup.sh");
    format!("env PYTHONPATH={} FIXTURE_SLOW=30 python3 {}", root.join(".pydeps").display(), root.join("tests/mcp/delia_server.py").display())
}

fn call(name: &str, args: serde_json::Value) -> Call {
    Call { name: name.into(), arguments: args.as_object().unwrap().clone() }
}

#[test]
fn stdio_server_tools_are_routed_and_answer() {
    let mut exec = Executor::new(None).unwrap();
    let client = exec.rt.block_on(McpClient::stdio(&server_command(), Duration::from_secs(60))).unwrap();
    for t in ["delegate", "think", "health", "session_list", "switch_model"] {
        assert!(client.tool(t).is_some(), "{t} not listed: {:?}", client.tools.iter().map(|x| &x.name).collect::<Vec<_>>());
    }
    exec.mcp = Some(client);
    // The fixture's tools carry no annotations, so each call needs consent: given here as --yes would.
    exec.consent = Consent::new(Confirm::Always);
    assert_eq!(exec.execute(&call("delegate", json!({"task": "review", "content": "def f(): pass"}))).unwrap(), json!("[coder tier] review: def f(): pass"));
    assert_eq!(exec.execute(&call("health", json!({}))).unwrap()["status"], "healthy");
    assert_eq!(exec.execute(&call("session_list", json!({"client_id": "cli"}))).unwrap()["client_id"], "cli");
    // A tool error comes back as an error result.
    let e = exec.execute(&call("switch_model", json!({"tier": "huge", "model_name": "x"}))).unwrap_err();
    assert!(e.contains("unknown tier"), "{e}");
    // Builtin tools do not go to the server, and without a sandbox they are not run at all.
    assert!(exec.execute(&call("read_file", json!({"path": "x"}))).unwrap_err().contains("builtin"));
    if let Some(m) = exec.mcp.take() {
        exec.rt.block_on(m.close());
    }
}

#[test]
fn a_hanging_or_dying_server_gives_an_error_result() {
    let mut exec = Executor::new(None).unwrap();
    let mut client = exec.rt.block_on(McpClient::stdio(&server_command(), Duration::from_secs(60))).unwrap();
    client.timeout = Duration::from_secs(2);
    exec.mcp = Some(client);
    exec.consent = Consent::new(Confirm::Always);
    let t = std::time::Instant::now();
    let e = exec.execute(&call("queue_status", json!({}))).unwrap_err();
    assert!(e.contains("did not answer") && t.elapsed() < Duration::from_secs(15), "{e}");
    // The fixture's `models` tool kills the server process.
    let e = exec.execute(&call("models", json!({}))).unwrap_err();
    assert!(e.contains("models"), "{e}");
    // Later calls fail cleanly too.
    assert!(exec.execute(&call("health", json!({}))).is_err());
}

#[test]
fn a_server_that_cannot_start_is_a_clear_error() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let e = rt.block_on(McpClient::stdio("/nonexistent/delia-server --stdio", Duration::from_secs(10))).err().unwrap();
    assert!(format!("{e:#}").contains("cannot start the MCP server"), "{e:#}");
}

#[test]
fn streamable_http_server_answers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut child = std::process::Command::new("python3")
        .arg(root.join("tests/mcp/delia_server.py"))
        .args(["--http", &port.to_string()])
        .env("PYTHONPATH", root.join(".pydeps"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let exec = Executor::new(None).unwrap();
    // Wait for the server to listen.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let client = loop {
        match exec.rt.block_on(McpClient::http(&url, Duration::from_secs(10))) {
            Ok(c) => break c,
            Err(e) if std::time::Instant::now() > deadline => panic!("server never came up: {e:#}"),
            Err(_) => std::thread::sleep(Duration::from_millis(300)),
        }
    };
    let v = exec.rt.block_on(client.call("think", json!({"problem": "p", "depth": "deep"}).as_object().unwrap())).unwrap();
    assert_eq!(v, json!("thought (deep) about: p"));
    exec.rt.block_on(client.close());
    child.kill().unwrap();
    let _ = child.wait();
}

/// The newest Delia's shape, its files written under `root`.
fn new_server_command(root: &std::path::Path) -> String {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    assert!(repo.join(".pydeps/fastmcp").exists(), ".pydeps/fastmcp is missing: run scripts/setup.sh");
    format!("env PYTHONPATH={} DELIA_FIXTURE_ROOT={} python3 {}", repo.join(".pydeps").display(), root.display(), repo.join("tests/mcp/delia_new_server.py").display())
}

fn connect_new(rt: &tokio::runtime::Runtime, root: &std::path::Path) -> McpClient {
    rt.block_on(McpClient::stdio(&new_server_command(root), Duration::from_secs(60))).unwrap()
}

fn args(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn old_tool_names_are_reconciled_with_the_newest_delia() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = connect_new(&rt, dir.path());
    let known: Vec<String> = fg::tools::Tools::load(&fg::tools::default_tools_path()).unwrap().names().map(String::from).collect();
    let r = client.reconcile(&known);
    // The 12 of Delia's 19 tools that the consolidation removed, in tools.openai.json's order;
    // builtins (read_file, list_directory, shell_exec, …) are never missing: the sandbox runs them.
    assert_eq!(
        r.missing,
        ["batch_vote", "session_create", "session_list", "session_get", "session_delete", "queue_status", "models", "melons", "switch_backend", "switch_model", "get_model_info_tool", "mcp_servers"]
    );
    assert_eq!(r.unknown, ["auto_context", "session", "admin", "lsp_batch", "list_dir"]);
    assert_eq!(serde_json::to_value(&r).unwrap()["unknown"][1], "session");
    rt.block_on(client.close());
}

#[test]
fn a_missing_tool_gets_the_server_tools_nearest_to_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = connect_new(&rt, dir.path());
    // Old tools that became actions of a consolidated tool point at it first.
    assert_eq!(client.nearest("switch_model")[0], "admin");
    assert_eq!(client.nearest_calls("switch_model")[0], r#"admin(action="switch_model")"#);
    assert_eq!(client.nearest("session_list")[0], "session");
    assert_eq!(client.nearest_calls("session_list")[0], r#"session(action="list")"#);
    assert_eq!(client.nearest("get_model_info_tool")[0], "admin");
    // Sharing a word, the nearer spelling first.
    assert_eq!(client.nearest("batch_vote"), ["batch", "lsp_batch"]);
    assert!(client.nearest("session_delete").len() <= 3);
    // Nothing near: no guess.
    assert_eq!(client.nearest("melons"), Vec::<String>::new());
    rt.block_on(client.close());
}

#[test]
fn strict_mode_payloads_and_is_error_results_come_back_as_errors() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = connect_new(&rt, dir.path());
    // Strict mode answers `delegate` with a normal result whose payload is an error.
    let e = rt.block_on(client.call("delegate", &args(json!({"task": "review", "content": "def f(): pass"})))).unwrap_err();
    assert!(e.contains("`delegate`") && e.contains("WORKFLOW_REQUIRED") && e.contains("auto_context"), "{e}");
    // Once the workflow is followed, the same call succeeds.
    rt.block_on(client.call("auto_context", &args(json!({"message": "review f"})))).unwrap();
    let v = rt.block_on(client.call("delegate", &args(json!({"task": "review", "content": "def f(): pass"})))).unwrap();
    assert_eq!(v, json!("[coder tier] review: def f(): pass"));
    // A JSON answer with a top-level error carries its hint along.
    let e = rt.block_on(client.call("session", &args(json!({"action": "delete"})))).unwrap_err();
    assert!(e.contains("`session`") && e.contains("session_id is required") && e.contains("hint: call session(action='list')"), "{e}");
    // isError: arguments the server rejects, and a tool that raises.
    let e = rt.block_on(client.call("admin", &args(json!({"action": "nope"})))).unwrap_err();
    assert!(e.contains("`admin` failed") && e.contains("switch_model"), "{e}");
    let e = rt.block_on(client.call("admin", &args(json!({"action": "switch_model", "tier": "huge"})))).unwrap_err();
    assert!(e.contains("unknown tier huge"), "{e}");
    // A plain JSON answer is still a result.
    assert_eq!(rt.block_on(client.call("admin", &args(json!({"action": "queue_status"})))).unwrap()["queued"], 0);
    rt.block_on(client.close());
}

#[test]
fn log_lines_on_stdout_do_not_break_the_session() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The server printed a plain log line before its first message: the handshake got through it.
    let client = connect_new(&rt, dir.path());
    // `health` writes a JSON log line and a plain one on stdout before its answer.
    for _ in 0..3 {
        let v = rt.block_on(client.call("health", &args(json!({})))).unwrap();
        assert!(v.as_str().unwrap().starts_with("# Delia Framework Status"), "{v}");
    }
    assert_eq!(rt.block_on(client.call("think", &args(json!({"problem": "p"})))).unwrap(), json!("thought (normal) about: p"));
    rt.block_on(client.close());
}

#[test]
fn tool_annotations_are_read() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = connect_new(&rt, dir.path());
    let read = client.tool("read_file").unwrap();
    assert!(read.read_only && !read.destructive && read.destructive_hint.is_none());
    let write = client.tool("write_file").unwrap();
    assert!(!write.read_only && write.destructive && write.destructive_hint == Some(true));
    assert!(client.tool("delete_file").unwrap().destructive);
    // No annotations: MCP's defaults, not read-only and destructive.
    let health = client.tool("health").unwrap();
    assert!(!health.read_only && health.destructive && health.destructive_hint.is_none());
    assert_eq!(client.tool("write_file").unwrap().input_schema["required"], json!(["path", "content"]));
    // The file tools really act, under the folder they were given.
    rt.block_on(client.call("write_file", &args(json!({"path": "sub/out.txt", "content": "hello"})))).unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("sub/out.txt")).unwrap(), "hello");
    assert_eq!(rt.block_on(client.call("read_file", &args(json!({"path": "sub/out.txt"})))).unwrap(), json!("   1│hello"));
    rt.block_on(client.call("delete_file", &args(json!({"path": "sub/out.txt"})))).unwrap();
    assert!(!dir.path().join("sub/out.txt").exists());
    rt.block_on(client.close());
}

#[test]
fn a_malformed_command_line_is_a_clear_error() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let e = rt.block_on(McpClient::stdio("delia serve 'oops", Duration::from_secs(10))).err().unwrap();
    assert!(format!("{e:#}").contains("unterminated quote"), "{e:#}");
}

#[test]
fn a_server_that_fails_to_start_says_why_from_its_output() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The newest Delia prints "No configuration found!" on stdout and exits; others use stderr.
    let script = "import sys; print('No configuration found!'); print('no module named delia', file=sys.stderr); sys.exit(1)";
    let e = rt.block_on(McpClient::stdio(&format!("python3 -c \"{script}\""), Duration::from_secs(30))).err().unwrap();
    let e = format!("{e:#}");
    assert!(e.contains("No configuration found!") && e.contains("no module named delia"), "{e}");
}
