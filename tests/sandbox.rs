//! Builtin tools in the sandbox: paths stay inside the workspace, changes need confirmation,
//! commands time out, web tools reach loopback only when private addresses are allowed.

mod common;

use common::*;
use fg::agent::builtin::{Confirm, Sandbox};
use serde_json::{json, Value};
use std::io::{Read, Write};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn run(sb: &Sandbox, tool: &str, args: Value) -> Result<Value, String> {
    rt().block_on(sb.run(tool, args.as_object().unwrap()))
}

fn workspace() -> (tempfile::TempDir, Sandbox) {
    let dir = tmp();
    std::fs::create_dir_all(dir.path().join("src/util")).unwrap();
    std::fs::write(dir.path().join("src/main.rs"), "fn main() {\n    println!(\"hi\");\n}\n").unwrap();
    std::fs::write(dir.path().join("src/util/mod.rs"), "pub fn helper() {}\n// TODO: more\n").unwrap();
    std::fs::write(dir.path().join("README.md"), "# Demo\nline two\nline three\n").unwrap();
    let sb = Sandbox::new(dir.path(), Confirm::Always).unwrap();
    (dir, sb)
}

#[test]
fn paths_cannot_leave_the_workspace() {
    let (dir, sb) = workspace();
    let outside = tmp();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).unwrap();
    for (path, why) in [("/etc/passwd", "absolute"), ("../x", "'..'"), ("src/../../x", "'..'"), ("escape/secret.txt", "outside the workspace"), ("escape/new.txt", "outside the workspace")] {
        let e = run(&sb, "read_file", json!({"path": path})).unwrap_err();
        assert!(e.contains(why), "{path}: {e}");
        let e = run(&sb, "write_file", json!({"path": path, "content": "x"})).unwrap_err();
        assert!(e.contains(why), "{path}: {e}");
    }
    assert!(!outside.path().join("new.txt").exists());
}

#[test]
fn file_tools_read_list_search_and_edit() {
    let (dir, sb) = workspace();
    assert_eq!(run(&sb, "read_file", json!({"path": "README.md", "start_line": 2, "end_line": 3})).unwrap(), json!("[lines 2-3 of 3]\nline two\nline three"));
    assert_eq!(run(&sb, "list_directory", json!({"path": "src"})).unwrap(), json!("[2 entries: 1 file, 1 folder]\nmain.rs\nutil/"));
    assert_eq!(run(&sb, "list_directory", json!({"path": "src", "recursive": true, "pattern": "*.rs"})).unwrap(), json!("[2 entries matching *.rs: 2 files, 0 folders]\nmain.rs\nutil/mod.rs"));
    let found = run(&sb, "search_code", json!({"pattern": "fn \\w+\\(", "context_lines": 0})).unwrap();
    assert_eq!(found, json!("[2 matches in 2 files]\nsrc/main.rs:1: fn main() {\nsrc/util/mod.rs:1: pub fn helper() {}"));
    // Matches whose context overlaps show each line once, in order.
    std::fs::write(dir.path().join("near.txt"), "a\nx1\nb\nx2\nc\n").unwrap();
    let near = run(&sb, "search_code", json!({"pattern": "^x", "path": "near.txt", "context_lines": 1})).unwrap();
    assert_eq!(near, json!("[2 matches in 1 file]\nnear.txt:1- a\nnear.txt:2: x1\nnear.txt:3- b\nnear.txt:4: x2\nnear.txt:5- c"));
    let wide = run(&sb, "search_code", json!({"pattern": "^x", "path": "near.txt", "context_lines": 3})).unwrap();
    assert_eq!(wide, json!("[2 matches in 1 file]\nnear.txt:1- a\nnear.txt:2: x1\nnear.txt:3- b\nnear.txt:4: x2\nnear.txt:5- c"));
    // A pattern that is not a valid regex is searched as plain text, and the result says so.
    let literal = run(&sb, "search_code", json!({"pattern": "println!(", "context_lines": 0})).unwrap();
    assert_eq!(literal, json!("[1 match in 1 file (not a valid regex, so searched as plain text)]\nsrc/main.rs:2:     println!(\"hi\");"));
    let none = run(&sb, "search_code", json!({"pattern": "panic(", "context_lines": 0})).unwrap();
    assert_eq!(none, json!("[0 matches for panic( (not a valid regex, so searched as plain text)]"));
    // A huge pattern is not echoed whole.
    let huge = run(&sb, "search_code", json!({"pattern": "(".repeat(20_000)})).unwrap();
    assert!(huge.as_str().unwrap().len() < 400, "{}", huge.as_str().unwrap().len());
    run(&sb, "write_file", json!({"path": "new/dir/a.txt", "content": "one\ntwo\n"})).unwrap();
    run(&sb, "replace_in_file", json!({"path": "new/dir/a.txt", "search": "two", "replace": "2"})).unwrap();
    run(&sb, "insert_into_file", json!({"path": "new/dir/a.txt", "content": "zero", "line": 0})).unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("new/dir/a.txt")).unwrap(), "zero\none\n2\n");
    assert!(run(&sb, "replace_in_file", json!({"path": "new/dir/a.txt", "search": "absent", "replace": "x"})).unwrap_err().contains("not found"));
    let diff = "--- a/README.md\n+++ b/README.md\n@@ -1,2 +1,2 @@\n # Demo\n-line two\n+line 2\n";
    assert!(run(&sb, "apply_diff", json!({"diff": diff, "dry_run": true})).unwrap().as_str().unwrap().contains("dry run"));
    assert!(std::fs::read_to_string(dir.path().join("README.md")).unwrap().contains("line two"));
    run(&sb, "apply_diff", json!({"diff": diff})).unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("README.md")).unwrap(), "# Demo\nline 2\nline three\n");
    assert!(run(&sb, "apply_diff", json!({"diff": diff})).unwrap_err().contains("does not match"));
    assert!(run(&sb, "delete_file", json!({"path": "src"})).unwrap_err().contains("empty"));
    run(&sb, "delete_file", json!({"path": "new/dir/a.txt"})).unwrap();
    assert!(!dir.path().join("new/dir/a.txt").exists());
}

#[test]
fn a_missing_path_names_the_entries_of_that_name_elsewhere() {
    let (dir, sb) = workspace();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(dir.path().join("config/settings.toml"), "port = 1\n").unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[project]\n").unwrap();
    let e = run(&sb, "read_file", json!({"path": "settings.toml"})).unwrap_err();
    assert!(e.starts_with("settings.toml: No such file") && e.ends_with("; did you mean config/settings.toml?"), "{e}");
    // A name without its extension finds the file that adds one; folders are not offered for files.
    let e = run(&sb, "read_file", json!({"path": "pyproject"})).unwrap_err();
    assert!(e.ends_with("; did you mean pyproject.toml?"), "{e}");
    assert!(!run(&sb, "read_file", json!({"path": "util"})).unwrap_err().contains("did you mean"));
    let e = run(&sb, "list_directory", json!({"path": "util"})).unwrap_err();
    assert!(e.ends_with("; did you mean src/util?"), "{e}");
    let e = run(&sb, "search_code", json!({"pattern": "x", "path": "main.rs"})).unwrap_err();
    assert!(e.ends_with("; did you mean src/main.rs?"), "{e}");
    // A link of that name (here to a file outside) is never offered, nor followed to find one.
    let outside = tmp();
    std::fs::write(outside.path().join("secret.toml"), "key = 1\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.toml"), dir.path().join("config/secret.toml")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("elsewhere")).unwrap();
    std::fs::write(outside.path().join("hidden.toml"), "key = 2\n").unwrap();
    for name in ["secret.toml", "hidden.toml"] {
        let e = run(&sb, "read_file", json!({"path": name})).unwrap_err();
        assert!(!e.contains("did you mean"), "{e}");
    }
    // Nothing of that name: the error alone; an existing file that is not a folder: no guess.
    assert!(!run(&sb, "read_file", json!({"path": "absent.txt"})).unwrap_err().contains("did you mean"));
    assert!(!run(&sb, "list_directory", json!({"path": "README.md"})).unwrap_err().contains("did you mean"));
}

#[test]
fn recursive_walks_leave_out_what_gitignore_ignores() {
    let (dir, sb) = workspace();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(".gitignore", "# build output\nbuild/\n*.log\n!keep.log\n");
    w("src/.gitignore", "generated/\n");
    for f in ["build/out.txt", "app.log", "keep.log", "src/generated/x.rs", "src/debug.log", "src/lib.rs", "docs/a.md"] {
        w(f, "needle\n");
    }
    // A .gitignore that is a link (here to a file outside that ignores everything) is not read.
    let outside = tmp();
    std::fs::write(outside.path().join("all"), "*\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("all"), dir.path().join("docs/.gitignore")).unwrap();
    let files = |r: &str| -> Vec<String> {
        let mut v: Vec<String> = r.lines().skip(1).filter_map(|l| l.split_once(':').map(|(f, _)| f.to_string())).collect();
        v.dedup();
        v
    };
    let all = run(&sb, "search_code", json!({"pattern": "needle"})).unwrap();
    assert_eq!(files(all.as_str().unwrap()), ["docs/a.md", "keep.log", "src/lib.rs"], "{all}");
    // The rules of the folders above the one searched apply too.
    let src = run(&sb, "search_code", json!({"pattern": "needle", "path": "src"})).unwrap();
    assert_eq!(files(src.as_str().unwrap()), ["src/lib.rs"], "{src}");
    // A folder named explicitly is searched, as git and ripgrep do.
    let build = run(&sb, "search_code", json!({"pattern": "needle", "path": "build"})).unwrap();
    assert_eq!(files(build.as_str().unwrap()), ["build/out.txt"], "{build}");
    let listed = run(&sb, "list_directory", json!({"recursive": true})).unwrap();
    let listed: Vec<&str> = listed.as_str().unwrap().lines().skip(1).collect();
    for gone in ["build/", "build/out.txt", "app.log", "src/generated/", "src/debug.log"] {
        assert!(!listed.contains(&gone), "{gone} listed: {listed:?}");
    }
    for kept in ["keep.log", "src/lib.rs", "docs/a.md", ".gitignore"] {
        assert!(listed.contains(&kept), "{kept} missing: {listed:?}");
    }
    // One folder's listing shows everything in it.
    let top = run(&sb, "list_directory", json!({})).unwrap();
    for shown in ["build/", "app.log"] {
        assert!(top.as_str().unwrap().lines().any(|l| l == shown), "{top}");
    }
    // A missing file's look-alikes are not looked for in ignored folders.
    w("build/settings.toml", "x = 1\n");
    assert!(!run(&sb, "read_file", json!({"path": "settings.toml"})).unwrap_err().contains("did you mean"));
    // Rules of every folder above a nested one apply when it is searched.
    w("src/util/deep/a.tmp", "needle\n");
    w("src/util/deep/a.rs", "needle\n");
    w("src/.gitignore", "generated/\n*.tmp\n");
    let deep = run(&sb, "search_code", json!({"pattern": "needle", "path": "src/util/deep"})).unwrap();
    assert_eq!(files(deep.as_str().unwrap()), ["src/util/deep/a.rs"], "{deep}");
}

#[test]
fn a_hostile_gitignore_cannot_make_a_walk_slow() {
    // A walk reads at most 1 MiB of .gitignore rules in all (compiling them is the cost): a file
    // that would overrun that is not read, nor any after it, so their folders are walked whole.
    let (dir, sb) = workspace();
    let huge = format!("*.tmp\n{}", "x[ab]*?/q\n".repeat(110_000));
    for (folder, rules) in [("d0", "*.tmp\n".to_string()), ("d1", huge), ("d2", "*.tmp\n".to_string())] {
        let d = dir.path().join(folder);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(".gitignore"), rules).unwrap();
        std::fs::write(d.join("x.tmp"), "needle\n").unwrap();
    }
    let r = run(&sb, "search_code", json!({"pattern": "needle"})).unwrap();
    let r = r.as_str().unwrap();
    assert!(r.starts_with("[2 matches in 2 files]") && r.contains("d1/x.tmp") && r.contains("d2/x.tmp"), "{r}");
}

#[test]
fn changes_and_commands_are_refused_without_confirmation() {
    let (dir, _) = workspace();
    let sb = Sandbox::new(dir.path(), Confirm::Never).unwrap();
    for (tool, args) in [("write_file", json!({"path": "x", "content": "y"})), ("delete_file", json!({"path": "README.md"})), ("shell_exec", json!({"command": "touch y"})), ("run_tests", json!({}))] {
        let e = run(&sb, tool, args).unwrap_err();
        assert!(e.contains("refused") && e.contains("--yes"), "{tool}: {e}");
    }
    assert!(dir.path().join("README.md").exists() && !dir.path().join("x").exists() && !dir.path().join("y").exists());
    // Reading needs no confirmation.
    assert!(run(&sb, "read_file", json!({"path": "README.md"})).is_ok());
}

#[test]
fn shell_commands_run_in_the_workspace_with_a_timeout() {
    let (_dir, sb) = workspace();
    let out = run(&sb, "shell_exec", json!({"command": "ls src && echo err >&2", "cwd": "."})).unwrap();
    assert_eq!(out["exit_code"], 0);
    assert_eq!(out["stdout"], "main.rs\nutil\n");
    assert_eq!(out["stderr"], "err\n");
    let t = std::time::Instant::now();
    let out = run(&sb, "shell_exec", json!({"command": "echo started; sleep 30", "timeout": 1})).unwrap();
    assert_eq!((&out["timed_out"], &out["stdout"]), (&json!(true), &json!("started\n")), "{out}");
    assert!(out["note"].as_str().unwrap().contains("did not finish within 1 s") && t.elapsed().as_secs() < 10, "{out}");
    assert!(run(&sb, "shell_exec", json!({"command": "rm -rf / --no-preserve-root"})).unwrap_err().contains("blocked"));
}

#[test]
fn run_tests_detects_the_framework() {
    let (dir, sb) = workspace();
    std::fs::write(dir.path().join("test_x.py"), "def test_ok():\n    assert True\n\ndef test_bad():\n    assert 1 == 2\n").unwrap();
    // pytest comes from the project's .pydeps (scripts/setup.sh).
    std::env::set_var("PYTHONPATH", std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".pydeps"));
    let out = run(&sb, "run_tests", json!({"timeout": 120})).unwrap();
    assert_eq!(out["framework"], "pytest");
    assert_eq!((out["passed"].as_u64(), out["failed"].as_u64()), (Some(1), Some(1)), "{out}");
    assert_eq!(out["exit_code"], 1);
    let out = run(&sb, "run_tests", json!({"pattern": "test_ok", "verbose": false})).unwrap();
    assert_eq!((out["passed"].as_u64(), out["failed"].as_u64(), out["exit_code"].as_i64()), (Some(1), Some(0), Some(0)), "{out}");
}

/// A one-shot local HTTP server answering every request with `body` (content type `ctype`).
fn serve(body: &'static str, ctype: &'static str) -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let h = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 8192];
        let n = s.read(&mut buf).unwrap();
        let req = String::from_utf8_lossy(&buf[..n]).into_owned();
        let resp = format!("HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        s.write_all(resp.as_bytes()).unwrap();
        req
    });
    (format!("http://{addr}"), h)
}

#[test]
fn web_fetch_reaches_loopback_only_when_private_addresses_are_allowed() {
    // HTTP itself, redirects, names and body caps are tested in tests/web.rs; here, the policy
    // the sandbox (and `fg agent --allow-private-net`) sets.
    let (dir, sb) = workspace();
    let (url, h) = serve("<html><body><h1>Title</h1><p>Hello &amp; welcome</p></body></html>", "text/html");
    let e = run(&sb, "web_fetch", json!({"url": format!("{url}/page")})).unwrap_err();
    assert!(e.contains("loopback") && e.contains("--allow-private-net"), "{e}");
    let open = Sandbox::with_policy(dir.path(), Confirm::Never.into(), fg::agent::web::NetPolicy { allow_private: true }).unwrap();
    assert_eq!(run(&open, "web_fetch", json!({"url": format!("{url}/page")})).unwrap(), json!("Title\nHello & welcome"));
    assert!(h.join().unwrap().starts_with("GET /page HTTP/1.1"), "the refused fetch never connected; the allowed one did");
    // Through the binary: refused without the flag, fetched with it.
    let (url, h) = serve("<p>raw</p>", "text/html");
    let fg = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_fg"))
            .args(["tools", "call", "web_fetch", &json!({"url": url, "extract_text": false}).to_string(), "--workspace", dir.path().to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let o = fg(&[]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("loopback"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = fg(&["--allow-private-net"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "<p>raw</p>\n", "{}", String::from_utf8_lossy(&o.stderr));
    h.join().unwrap();
}
