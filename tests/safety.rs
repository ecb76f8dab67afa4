//! Attacks on fg's tool execution, as a hostile repository, a prompt injection or a misbehaving
//! server would make them: each of these got through before the sandbox opened every path
//! beneath one directory handle, and most run through the real binary (`fg tools call` executes
//! one call exactly as `fg agent` executes the model's).

mod common;

use common::*;
use fg::agent::builtin::{blocked_command, Confirm, Sandbox};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn run(sb: &Sandbox, tool: &str, args: Value) -> Result<Value, String> {
    rt().block_on(sb.run(tool, args.as_object().unwrap()))
}

/// `fg tools call NAME ARGS` in workspace `ws` with `extra` flags, stdin closed.
fn call(ws: &Path, name: &str, args: Value, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fg")).args(["tools", "call", name, &args.to_string(), "--workspace", ws.to_str().unwrap()]).args(extra).stdin(Stdio::null()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A workspace and, beside it (not inside), a folder with a secret in it.
fn workspace_and_outside() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let top = tmp();
    let ws = top.path().join("ws");
    let outside = top.path().join("outside");
    std::fs::create_dir_all(ws.join("src")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(ws.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(outside.join("secret.txt"), "TOPSECRET\n").unwrap();
    (top, ws, outside)
}

#[test]
fn a_link_planted_at_the_temporary_name_is_never_written_through() {
    let (_top, ws, outside) = workspace_and_outside();
    let target = outside.join("target.txt");
    std::fs::write(&target, "original\n").unwrap();
    // The old temporary name was `.NAME.fg-partial-PID`: plant it for this process (the sandbox
    // runs in it) and for the next few thousand PIDs (the binary's).
    let me = std::process::id();
    for pid in me..me + 3000 {
        std::os::unix::fs::symlink(&target, ws.join(format!(".out2.txt.fg-partial-{pid}"))).unwrap();
    }
    let sb = Sandbox::new(&ws, Confirm::Always).unwrap();
    run(&sb, "write_file", json!({"path": "out2.txt", "content": "hello"})).unwrap();
    let o = call(&ws, "write_file", json!({"path": "out3.txt", "content": "again"}), &["--yes"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "original\n");
    assert_eq!(std::fs::read_to_string(ws.join("out2.txt")).unwrap(), "hello");
    assert_eq!(std::fs::read_to_string(ws.join("out3.txt")).unwrap(), "again");
    // The planted links are still links, and no temporary file is left behind.
    assert!(std::fs::symlink_metadata(ws.join(format!(".out2.txt.fg-partial-{me}"))).unwrap().file_type().is_symlink());
    let partial = std::fs::read_dir(&ws).unwrap().flatten().filter(|e| !e.file_type().unwrap().is_symlink() && e.file_name().to_string_lossy().contains("fg-partial")).count();
    assert_eq!(partial, 0);
}

#[test]
fn writes_through_links_out_of_the_workspace_are_refused() {
    let (_top, ws, outside) = workspace_and_outside();
    std::os::unix::fs::symlink(&outside, ws.join("escape")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), ws.join("link.txt")).unwrap();
    let sb = Sandbox::new(&ws, Confirm::Always).unwrap();
    for (tool, args) in [
        ("write_file", json!({"path": "escape/new.txt", "content": "x"})),
        ("write_file", json!({"path": "escape/sub/new.txt", "content": "x"})),
        ("replace_in_file", json!({"path": "link.txt", "search": "TOP", "replace": "NOT"})),
        ("insert_into_file", json!({"path": "escape/secret.txt", "content": "x", "line": 0})),
        ("delete_file", json!({"path": "escape/secret.txt"})),
        ("read_file", json!({"path": "link.txt"})),
        ("read_file", json!({"path": "escape/secret.txt"})),
        ("list_directory", json!({"path": "escape"})),
        ("search_code", json!({"pattern": "TOP", "path": "escape"})),
    ] {
        let e = run(&sb, tool, args.clone()).unwrap_err();
        assert!(e.contains("outside the workspace"), "{tool} {args}: {e}");
    }
    assert_eq!(std::fs::read_to_string(outside.join("secret.txt")).unwrap(), "TOPSECRET\n");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1, "nothing was created outside");
    // Deleting the link removes the link, never what it names.
    run(&sb, "delete_file", json!({"path": "link.txt"})).unwrap();
    assert!(outside.join("secret.txt").exists() && !ws.join("link.txt").exists());
    // A link that stays inside the workspace is fine.
    std::os::unix::fs::symlink("src/main.rs", ws.join("inside.rs")).unwrap();
    assert_eq!(run(&sb, "read_file", json!({"path": "inside.rs"})).unwrap(), json!("[1 line]\nfn main() {}"));
}

#[test]
fn recursive_listings_and_searches_never_follow_links() {
    let (_top, ws, outside) = workspace_and_outside();
    std::os::unix::fs::symlink(&outside, ws.join("escape")).unwrap();
    std::os::unix::fs::symlink(".", ws.join("src/loop")).unwrap();
    let sb = Sandbox::new(&ws, Confirm::Always).unwrap();
    let t = std::time::Instant::now();
    let listing = run(&sb, "list_directory", json!({"path": ".", "recursive": true})).unwrap();
    assert_eq!(listing, json!("[4 entries: 1 file, 1 folder, 2 links]\nescape@\nsrc/\nsrc/loop@\nsrc/main.rs"));
    let found = run(&sb, "search_code", json!({"pattern": "TOPSECRET|fn main"})).unwrap();
    assert_eq!(found, json!("[1 match in 1 file]\nsrc/main.rs:1: fn main() {}"));
    assert!(t.elapsed().as_secs() < 5, "a link loop is not walked");
    // Through the binary too.
    let o = call(&ws, "list_directory", json!({"path": ".", "recursive": true}), &[]);
    assert!(o.status.success() && !text(&o.stdout).contains("secret"), "{}", text(&o.stdout));
}

#[test]
fn a_path_swapped_for_a_link_is_never_followed() {
    let (_top, ws, outside) = workspace_and_outside();
    let sb = Sandbox::new(&ws, Confirm::Always).unwrap();
    let (file, tmp_file, tmp_link) = (ws.join("a.txt"), ws.join("a.file"), ws.join("a.link"));
    std::fs::write(&file, "inside\n").unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Swap a.txt between a plain file and a link to the secret, holding each state a few microseconds
    // so that both are seen even when the machine is busy (the plain file's window was otherwise one
    // syscall long, and a loaded CI machine saw only links).
    let swapper = {
        let (stop, file, secret) = (stop.clone(), file.clone(), outside.join("secret.txt"));
        std::thread::spawn(move || {
            let hold = std::time::Duration::from_micros(50);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = std::fs::write(&tmp_file, "inside\n");
                let _ = std::fs::rename(&tmp_file, &file);
                std::thread::sleep(hold);
                let _ = std::os::unix::fs::symlink(&secret, &tmp_link);
                let _ = std::fs::rename(&tmp_link, &file);
                std::thread::sleep(hold);
            }
        })
    };
    // Read until both outcomes were seen often, or a minute has passed.
    let (mut inside, mut refused, start) = (0, 0, std::time::Instant::now());
    while (inside < 300 || refused < 300) && start.elapsed().as_secs() < 60 {
        match run(&sb, "read_file", json!({"path": "a.txt"})) {
            Ok(v) => {
                assert_eq!(v, json!("[1 line]\ninside"), "a read followed the swapped link");
                inside += 1;
            }
            Err(e) => {
                assert!(!e.contains("TOPSECRET"), "{e}");
                refused += 1;
            }
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    swapper.join().unwrap();
    assert!(inside > 0 && refused > 0, "the race ran both ways: {inside} reads, {refused} refusals");
}

#[test]
fn commands_cannot_read_or_write_outside_the_workspace() {
    let (top, ws, _outside) = workspace_and_outside();
    std::fs::write(top.path().join("secret.txt"), "TOPSECRET\n").unwrap();
    let o = call(&ws, "shell_exec", json!({"command": "cat ../secret.txt; echo x > ../written.txt; echo inside > here.txt; cat src/main.rs"}), &["--yes", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", text(&o.stderr)));
    let out = &v["content"];
    assert!(!out.to_string().contains("TOPSECRET"), "{v}");
    assert!(out["stderr"].as_str().unwrap().contains("Permission denied"), "{v}");
    assert!(out["stdout"].as_str().unwrap().contains("fn main"), "the workspace stays readable: {v}");
    assert!(!top.path().join("written.txt").exists());
    assert_eq!(std::fs::read_to_string(ws.join("here.txt")).unwrap(), "inside\n");
}

#[test]
fn changes_are_refused_without_consent_and_the_user_is_told() {
    let (_top, ws, _outside) = workspace_and_outside();
    for (tool, args) in [("write_file", json!({"path": "x.txt", "content": "y"})), ("delete_file", json!({"path": "src/main.rs"})), ("shell_exec", json!({"command": "touch y.txt"}))] {
        let o = call(&ws, tool, args, &[]);
        assert_eq!(o.status.code(), Some(1), "{tool}");
        let e = text(&o.stderr);
        assert!(e.contains("fg: refused") && e.contains("no terminal to ask on"), "{tool}: {e}");
    }
    assert!(ws.join("src/main.rs").exists() && !ws.join("x.txt").exists() && !ws.join("y.txt").exists());
    // --allow names one tool; the others still ask.
    assert!(call(&ws, "write_file", json!({"path": "x.txt", "content": "y"}), &["--allow", "write_file"]).status.success());
    assert!(!call(&ws, "delete_file", json!({"path": "x.txt"}), &["--allow", "write_file"]).status.success());
    assert!(ws.join("x.txt").exists());
}

#[test]
fn a_terminal_session_asks_and_takes_no_for_an_answer() {
    // `script` gives the binary a pseudo-terminal whose input is this test's pipe.
    let (_top, ws, _outside) = workspace_and_outside();
    let fg = env!("CARGO_BIN_EXE_fg");
    let answer = |reply: &str, file: &str| {
        let cmd = format!("{fg} tools call write_file '{{\"path\": \"{file}\", \"content\": \"z\"}}' --workspace {}", ws.display());
        let mut child = Command::new("script").args(["-qec", &cmd, "/dev/null"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        use std::io::Write;
        child.stdin.as_mut().unwrap().write_all(format!("{reply}\n").as_bytes()).unwrap();
        let o = child.wait_with_output().unwrap();
        text(&o.stdout)
    };
    let said_no = answer("n", "no.txt");
    assert!(said_no.contains("allow write_file on no.txt? [y/N]") && said_no.contains("the user said no"), "{said_no}");
    assert!(!ws.join("no.txt").exists());
    let said_yes = answer("y", "yes.txt");
    assert!(said_yes.contains("wrote yes.txt"), "{said_yes}");
    assert_eq!(std::fs::read_to_string(ws.join("yes.txt")).unwrap(), "z");
}

#[test]
fn dangerous_commands_are_blocked_by_words_not_substrings() {
    for c in [
        "rm -rf /",
        "rm -r -f /",
        "rm --recursive --force /",
        "rm -fr ~",
        "sudo rm -Rf /*",
        "ls; rm -rf $HOME",
        "mkfs.ext4 /dev/sda1",
        "dd if=/dev/zero of=/dev/sda",
        ":(){ :|:& };:",
        "shutdown -h now",
        "rm -rf / --no-preserve-root",
        "chmod -R 777 /",
    ] {
        assert!(blocked_command(c).is_some(), "{c} was not blocked");
    }
    for c in ["rm -rf ./build", "rm -r target/debug", "echo shutdown", "grep -r halt src", "ls -la /", "cargo test", "rm file.txt"] {
        assert_eq!(blocked_command(c), None, "{c} was blocked");
    }
}

#[test]
fn a_long_file_read_by_the_model_is_cut_to_the_context_and_the_transcript_is_written() {
    // read_file's own 16 kB cap is more than what is left of an 8k context after the 4k-token tool
    // prefix: before, this ended the session with an error and no transcript.
    let (_top, ws, _outside) = workspace_and_outside();
    let line = "fn f() { let x = 42; println!(\"{x}\"); } // filler\n";
    std::fs::write(ws.join("big.rs"), line.repeat(3_000_000 / line.len())).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_fg"))
        .args(["agent", "--grammar", "--json", "--max-iterations", "2", "--workspace", ws.to_str().unwrap(), "Show me the contents of big.rs"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let t: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("no transcript ({e}): {}", text(&o.stderr)));
    assert!(o.status.success() && t["error"].is_null(), "{t}");
    let result = t["events"].as_array().unwrap().iter().find(|e| e["event"] == "result").unwrap_or_else(|| panic!("the model made no call: {t}"));
    assert_eq!(result["name"], "read_file", "{t}");
    let content = result["content"].as_str().unwrap();
    let lines = 3_000_000 / line.len();
    assert!(content.starts_with(&format!("[{lines} lines]\n{line}")) && content.contains("the rest did not fit the context"), "{}", &content[content.len().saturating_sub(300)..]);
    assert!(t["events"].as_array().unwrap().iter().filter(|e| e["event"] == "generation").count() == 2, "the model had its turn after the result: {t}");
}

/// The stand-in of the newest Delia (tests/mcp/delia_new_server.py): it offers read_file,
/// write_file and delete_file (with MCP annotations) acting under `root`.
fn new_delia(root: &Path) -> String {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(repo.join(".pydeps/fastmcp").exists(), ".pydeps/fastmcp is missing: run scripts/setup.sh");
    format!("env PYTHONPATH={} DELIA_FIXTURE_ROOT={} python3 {}", repo.join(".pydeps").display(), root.display(), repo.join("tests/mcp/delia_new_server.py").display())
}

#[test]
fn a_server_offering_builtin_names_never_gets_them_without_being_asked() {
    let (top, ws, _outside) = workspace_and_outside();
    let server_root = top.path().join("server");
    std::fs::create_dir(&server_root).unwrap();
    for dir in [&ws, &server_root] {
        std::fs::write(dir.join("victim.txt"), "keep me\n").unwrap();
    }
    let server = new_delia(&server_root);
    let fg = |args: &[&str]| {
        let mut a = vec!["--mcp", &server];
        a.extend_from_slice(args);
        call(&ws, "delete_file", json!({"path": "victim.txt"}), &a)
    };
    // No terminal, no --yes: the sandbox's own delete_file asks, and nobody is there to answer;
    // before, the call went straight to the server.
    let o = fg(&[]);
    assert!(!o.status.success() && text(&o.stderr).contains("fg: refused delete_file on victim.txt"), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("builtin tools it also offers, run in the sandbox here") && text(&o.stderr).contains("delete_file"), "{}", text(&o.stderr));
    // Handed to the server, its destructiveHint still needs consent.
    let o = fg(&["--server-tool", "delete_file"]);
    assert!(!o.status.success() && text(&o.stderr).contains("fg: refused"), "{}", text(&o.stderr));
    assert!(ws.join("victim.txt").exists() && server_root.join("victim.txt").exists(), "nothing was deleted anywhere");
    // With consent, the builtin name runs in the sandbox, never on the server...
    assert!(fg(&["--yes"]).status.success());
    assert!(!ws.join("victim.txt").exists() && server_root.join("victim.txt").exists());
    // ...unless handed over.
    assert!(fg(&["--yes", "--server-tool", "delete_file"]).status.success());
    assert!(!server_root.join("victim.txt").exists());
    // A server tool annotated read-only runs without asking.
    std::fs::write(server_root.join("notes.txt"), "server side\n").unwrap();
    let o = call(&ws, "read_file", json!({"path": "notes.txt"}), &["--mcp", &server, "--server-tool", "read_file"]);
    assert!(o.status.success() && text(&o.stdout).contains("server side"), "{}{}", text(&o.stdout), text(&o.stderr));
}

#[test]
fn server_tools_without_annotations_ask_and_server_errors_are_failures() {
    let (top, ws, _outside) = workspace_and_outside();
    let server = new_delia(top.path());
    let delegate = json!({"task": "review", "content": "def f(): pass"});
    // Delia declares no annotations: MCP's defaults say a tool may change things.
    let o = call(&ws, "delegate", delegate.clone(), &["--mcp", &server]);
    assert!(!o.status.success() && text(&o.stderr).contains("fg: refused") && text(&o.stderr).contains("delegate"), "{}", text(&o.stderr));
    // Allowed, its strict mode answers with a normal result whose payload is an error.
    let o = call(&ws, "delegate", delegate, &["--mcp", &server, "--allow", "delegate", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", text(&o.stderr)));
    assert_eq!(v["ok"], false, "{v}");
    assert!(v["content"].as_str().unwrap().contains("WORKFLOW_REQUIRED"), "{v}");
    assert_eq!(o.status.code(), Some(1));
    // The reconciliation is in the output: the model's tools the server lacks, and its new ones.
    let missing: Vec<&str> = v["server"]["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    for t in ["switch_model", "session_list", "models", "batch_vote"] {
        assert!(missing.contains(&t), "{t} not reported missing: {missing:?}");
    }
    assert!(v["server"]["unknown"].as_array().unwrap().iter().any(|u| u == "admin"), "{v}");
    // A call to a tool the server lacks names where it went.
    let o = call(&ws, "switch_model", json!({"tier": "quick", "model_name": "qwen"}), &["--mcp", &server, "--yes"]);
    let e = text(&o.stderr);
    assert!(!o.status.success() && e.contains("not offered by the connected") && e.contains("admin(action=\"switch_model\")"), "{e}");
}

#[test]
fn an_interactive_session_asks_on_the_terminal() {
    // Before, a session without a request on the command line refused every change unasked.
    let (_top, ws, _outside) = workspace_and_outside();
    let fg = env!("CARGO_BIN_EXE_fg");
    let session = |reply: &str| {
        let cmd = format!("{fg} agent --grammar --workspace {}", ws.display());
        let mut child = Command::new("script").args(["-qec", &cmd, "/dev/null"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        use std::io::Write;
        child.stdin.as_mut().unwrap().write_all(format!("Write the text hello into the file notes.txt\n{reply}\nexit\n").as_bytes()).unwrap();
        text(&child.wait_with_output().unwrap().stdout)
    };
    let out = session("n");
    assert!(out.contains("→ write_file") && out.contains("allow write_file on notes.txt? [y/N]") && out.contains("the user said no"), "{out}");
    assert!(!ws.join("notes.txt").exists());
    let out = session("y");
    assert!(out.contains("allow write_file on notes.txt? [y/N]"), "{out}");
    assert!(std::fs::read_to_string(ws.join("notes.txt")).unwrap().contains("hello"), "{out}");
}
