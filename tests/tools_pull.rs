//! `fg tools pull` against real FastMCP servers (FastMCP from .pydeps): the old Delia's tools over
//! stdio and streamable HTTP, the newest Delia's shape (tests/mcp/delia_new_server.py), and a server
//! whose schemas use Optional, Literal, tuples, bounds and a pydantic model
//! (tests/mcp/schema_server.py). Each pulled file must load, its grammar must compile and enforce in
//! llama.cpp's engine, and `fg data build` must build data for it and name its generic tools.

mod common;

use common::*;
use fg::format::{Call, Format};
use fg::grammar::tools::tools_grammar;
use fg::llama::Vocab;
use fg::tools::Tools;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The command line that starts `script` (under tests/mcp) over stdio, with FastMCP on its path.
fn server(script: &str, env: &str) -> String {
    assert!(repo().join(".pydeps/fastmcp").exists(), ".pydeps/fastmcp is missing: run scripts/setup.sh");
    format!("env PYTHONPATH={} {env} python3 {}", repo().join(".pydeps").display(), repo().join("tests/mcp").join(script).display())
}

fn fg(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fg")).args(args).current_dir(dir).output().unwrap()
}

fn pull(mcp: &str, out: &Path) -> String {
    let o = fg(&["tools", "pull", "--mcp", mcp, "--out", out.to_str().unwrap()], out.parent().unwrap());
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "fg tools pull failed: {stderr}");
    stderr
}

/// Whether llama.cpp's grammar engine, with `tools`' grammar in `format`, accepts `call`.
fn accepts(tools: &Tools, format: Format, call: Value) -> bool {
    let call = Call { name: call["name"].as_str().unwrap().into(), arguments: call["arguments"].as_object().unwrap().clone() };
    let text = match format {
        Format::FunctionGemma => fg::format::functiongemma::render_call(&call).unwrap() + "<start_function_response>",
        Format::Json => fg::format::json::render_call(&call),
    };
    let vocab = Vocab::functiongemma(&base_model()).unwrap();
    vocab.grammar_accepts(&tools_grammar(tools, format).unwrap(), &text).unwrap()
}

#[test]
fn old_delia_over_stdio_pulls_to_a_file_that_loads_and_builds_data() {
    let dir = tmp();
    let out = dir.path().join("tools.json");
    let stderr = pull(&server("delia_server.py", ""), &out);
    assert!(stderr.contains("lists 7 tools") && stderr.contains("added 7"), "{stderr}");
    let tools = Tools::load(&out).unwrap();
    // The server's 7 tools, then fg's 14 builtins as the project's file declares them.
    assert_eq!(tools.len(), 7 + fg::agent::builtin::BUILTIN.len());
    let delegate = tools.get("delegate").unwrap();
    assert_eq!(delegate.required(), ["task", "content"]);
    // FastMCP's `file: Optional[str] = None` is a plain optional string; the null default is gone.
    assert_eq!(delegate.property("file").unwrap(), &json!({"type": "string"}));
    assert_eq!(delegate.property("dry_run").unwrap(), &json!({"type": "boolean", "default": false}));
    let project = Tools::load(&fg::tools::default_tools_path()).unwrap();
    assert_eq!(tools.get("shell_exec").unwrap().parameters, project.get("shell_exec").unwrap().parameters);
    // The grammar compiles in llama.cpp and holds the pulled schema.
    for format in [Format::FunctionGemma, Format::Json] {
        assert!(accepts(&tools, format, json!({"name": "delegate", "arguments": {"task": "review", "content": "x", "file": "a.py"}})));
        assert!(!accepts(&tools, format, json!({"name": "delegate", "arguments": {"task": "review", "content": "x", "file": null}})), "{format:?}: null is not an optional string");
    }
    // Data: tools with phrasings of their own keep them; the ones whose schema changed get generic ones.
    let data = dir.path().join("data");
    let o = fg(&["data", "build", "--tools", out.to_str().unwrap(), "--out", data.to_str().unwrap(), "--scale", "0.1"], dir.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let stats: Value = serde_json::from_str(&std::fs::read_to_string(data.join("stats.json")).unwrap()).unwrap();
    let generic = stats["generic_tools"].as_object().unwrap();
    for t in tools.names() {
        assert!(stats["train"]["by_tool"][t].as_u64() > Some(0), "no train calls of {t}: {}", stats["train"]["by_tool"]);
    }
    for (t, why) in generic {
        assert!(stderr.contains(&format!("  {t}: {}", why.as_str().unwrap())), "stderr does not name {t}: {stderr}");
    }
}

#[test]
fn old_delia_over_streamable_http_pulls_to_stdout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut child = Command::new("python3")
        .arg(repo().join("tests/mcp/delia_server.py"))
        .args(["--http", &port.to_string()])
        .env("PYTHONPATH", repo().join(".pydeps"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let dir = tmp();
    let deadline = Instant::now() + Duration::from_secs(60);
    let o = loop {
        let o = fg(&["tools", "pull", "--mcp-url", &url, "--timeout", "10"], dir.path());
        if o.status.success() || Instant::now() > deadline {
            break o;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("MCP server at {url} lists 7 tools")));
    let tools = Tools::from_json(&String::from_utf8(o.stdout).unwrap()).unwrap();
    assert_eq!(tools.get("think").unwrap().property("depth").unwrap(), &json!({"type": "string", "default": "normal"}));
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "without --out nothing is written");
}

#[test]
fn newest_delia_pulls_its_consolidated_tools_and_data_names_the_generic_ones() {
    let dir = tmp();
    let out = dir.path().join("delia-new.json");
    let stderr = pull(&server("delia_new_server.py", &format!("DELIA_FIXTURE_ROOT={}", dir.path().display())), &out);
    // Its file tools have builtin names: fg's definitions are kept.
    for builtin in ["read_file", "write_file", "delete_file"] {
        assert!(stderr.contains(&format!("skipped {builtin}: a builtin tool of fg")), "{stderr}");
    }
    assert!(stderr.contains("not on this server (left out): batch_vote, session_create"), "{stderr}");
    let tools = Tools::load(&out).unwrap();
    let admin = tools.get("admin").unwrap();
    assert_eq!(admin.required(), ["action"]);
    assert!(admin.property("action").unwrap()["enum"].as_array().unwrap().contains(&json!("queue_status")));
    assert_eq!(admin.property("tier").unwrap(), &json!({"type": "string"}));
    assert!(tools.get("models").is_none() && tools.get("session").is_some());
    for format in [Format::FunctionGemma, Format::Json] {
        assert!(accepts(&tools, format, json!({"name": "admin", "arguments": {"action": "models"}})));
        assert!(!accepts(&tools, format, json!({"name": "admin", "arguments": {"action": "melons"}})), "{format:?}: not an action");
    }
    let data = dir.path().join("data");
    let o = fg(&["data", "build", "--tools", out.to_str().unwrap(), "--out", data.to_str().unwrap(), "--scale", "0.1"], dir.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let stats: Value = serde_json::from_str(&std::fs::read_to_string(data.join("stats.json")).unwrap()).unwrap();
    let generic = stats["generic_tools"].as_object().unwrap();
    for t in ["admin", "session", "auto_context", "list_dir"] {
        assert_eq!(generic[t], "fg has no phrasings for it", "{t}: {generic:?}");
        assert!(stderr.contains(&format!("  {t}: fg has no phrasings for it")), "{stderr}");
        assert!(stats["eval"]["by_tool"][t].as_u64() > Some(0), "no eval calls of {t}");
    }
    // health and the builtins keep their own phrasings.
    assert!(!generic.contains_key("health") && !generic.contains_key("read_file"), "{generic:?}");
    // Every call in the data satisfies the pulled schema.
    for split in ["train", "eval"] {
        for e in fg::data::read_jsonl(&data.join(format!("{split}.jsonl"))).unwrap() {
            if let Some(c) = e.expected() {
                tools.check_call(&c.name, &c.arguments).unwrap_or_else(|err| panic!("{}: {err}", e.id));
            }
        }
    }
}

#[test]
fn optional_literal_tuple_and_model_arguments_are_normalised_and_enforced() {
    let dir = tmp();
    let out = dir.path().join("schema.json");
    let stderr = pull(&server("schema_server.py", ""), &out);
    assert!(stderr.contains("added 1: place") && stderr.contains("skipped read_file"), "{stderr}");
    let tools = Tools::load(&out).unwrap();
    let place = tools.get("place").unwrap();
    assert_eq!(place.required(), ["point"]);
    assert_eq!(place.property("point").unwrap(), &json!({"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}, "label": {"type": "string"}}, "required": ["x", "y"]}));
    assert_eq!(place.property("mode").unwrap(), &json!({"type": "string", "enum": ["fast", "exact"], "default": "fast"}));
    assert_eq!(place.property("span").unwrap(), &json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2}));
    assert_eq!(place.property("count").unwrap(), &json!({"type": "integer", "minimum": 1, "maximum": 10, "default": 3}));
    let good = json!({"name": "place", "arguments": {"point": {"x": 1, "y": 2}, "span": [3, "b"], "count": 10, "mode": "exact"}});
    assert!(place.is_valid(good["arguments"].as_object().unwrap()));
    for format in [Format::FunctionGemma, Format::Json] {
        assert!(accepts(&tools, format, good.clone()), "{format:?}");
        for bad in [
            json!({"point": {"x": 1, "y": 2}, "span": ["b", 3]}),
            json!({"point": {"x": 1, "y": 2}, "span": [3]}),
            json!({"point": {"x": 1}}),
            json!({"point": {"x": 1, "y": 2}, "count": 11}),
            json!({"point": {"x": 1, "y": 2}, "mode": "slow"}),
            json!({"point": {"x": 1, "y": 2}, "note": null}),
        ] {
            assert!(!place.is_valid(bad.as_object().unwrap()), "{bad}");
            assert!(!accepts(&tools, format, json!({"name": "place", "arguments": bad})), "{format:?} accepts {bad}");
        }
    }
    let data = dir.path().join("data");
    let o = fg(&["data", "build", "--tools", out.to_str().unwrap(), "--out", data.to_str().unwrap(), "--scale", "0.1"], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stats: Value = serde_json::from_str(&std::fs::read_to_string(data.join("stats.json")).unwrap()).unwrap();
    assert_eq!(stats["generic_tools"], json!({"place": "fg has no phrasings for it"}));
}

#[test]
fn a_recursive_server_schema_is_an_error_naming_the_tool() {
    let dir = tmp();
    let out = dir.path().join("never.json");
    let o = fg(&["tools", "pull", "--mcp", &(server("schema_server.py", "") + " --recursive"), "--out", out.to_str().unwrap()], dir.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(stderr.contains("tool `tree` of the server") && stderr.contains("recursive") && stderr.contains("#/$defs/Node"), "{stderr}");
    assert!(!out.exists(), "nothing is written when the pull fails");
}
