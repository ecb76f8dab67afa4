//! Delia's tools over MCP against a real FastMCP server (tests/mcp/delia_server.py, FastMCP from
//! .pydeps), over stdio and streamable HTTP: calls routed and answered, errors, a hanging server
//! and a dying one give error results, never a crash.

mod common;

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
        assert!(client.tools.iter().any(|x| x == t), "{t} not listed: {:?}", client.tools);
    }
    exec.mcp = Some(client);
    assert_eq!(exec.execute(&call("delegate", json!({"task": "review", "content": "def f(): pass"}))).unwrap(), json!("[coder tier] review: def f(): pass"));
    assert_eq!(exec.execute(&call("health", json!({}))).unwrap()["status"], "healthy");
    assert_eq!(exec.execute(&call("session_list", json!({"client_id": "cli"}))).unwrap()["client_id"], "cli");
    // A tool error comes back as an error result.
    let e = exec.execute(&call("switch_model", json!({"tier": "huge", "model_name": "x"}))).unwrap_err();
    assert!(e.contains("unknown tier"), "{e}");
    // Builtin tools do not go to the server, and without a sandbox they are not run at all.
    assert!(exec.execute(&call("read_file", json!({"path": "x"}))).unwrap_err().contains("--mcp"));
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
