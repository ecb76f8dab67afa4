//! Delia's builtin agent tools, run by fg itself inside a workspace root.
//!
//! Paths: relative only, no `..`, and the deepest existing ancestor of a path must resolve (after
//! symlinks) inside the workspace, so a symlink cannot lead out. Tools that change files or run
//! commands need confirmation (a terminal prompt, or `--yes`) and are refused without it. Commands
//! and tests run with timeouts; web tools use real HTTP with timeouts and say so when there is no
//! network.

use regex::Regex;
use serde_json::{json, Map, Value};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

pub const BUILTIN: &[&str] = &[
    "read_file", "list_directory", "search_code", "write_file", "replace_in_file", "insert_into_file", "delete_file", "apply_diff", "shell_exec",
    "run_tests", "ask_user", "web_fetch", "web_search", "web_news",
];

/// Tools that change files or run commands.
const NEEDS_CONFIRMATION: &[&str] = &["write_file", "replace_in_file", "insert_into_file", "delete_file", "apply_diff", "shell_exec", "run_tests"];

/// Text results are cut here, so one call cannot flood the context.
const MAX_OUTPUT: usize = 16_000;

/// How confirmations are obtained.
pub enum Confirm {
    /// `--yes`: everything is allowed.
    Always,
    /// Ask on the terminal (stdin/stderr).
    Terminal,
    /// No terminal and no `--yes`: refuse.
    Never,
}

pub struct Sandbox {
    pub root: PathBuf,
    pub confirm: Confirm,
    pub http: reqwest::Client,
    pub http_timeout: Duration,
    /// Base URL of the web search endpoint (DuckDuckGo's HTML interface by default).
    pub search_url: String,
}

type ToolResult = Result<Value, String>;

fn s<'a>(a: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    a.get(k).and_then(Value::as_str)
}

fn n(a: &Map<String, Value>, k: &str) -> Option<i64> {
    a.get(k).and_then(Value::as_i64)
}

fn b(a: &Map<String, Value>, k: &str) -> Option<bool> {
    a.get(k).and_then(Value::as_bool)
}

fn truncate(mut text: String) -> String {
    if text.len() > MAX_OUTPUT {
        let mut cut = MAX_OUTPUT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let total = text.len();
        text.truncate(cut);
        text.push_str(&format!("\n… [cut: {total} bytes in all]"));
    }
    text
}

impl Sandbox {
    pub fn new(root: &Path, confirm: Confirm) -> anyhow::Result<Sandbox> {
        let root = std::fs::canonicalize(root).map_err(|e| anyhow::anyhow!("workspace {}: {e}", root.display()))?;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).user_agent("fg-agent/0.1").build()?;
        Ok(Sandbox { root, confirm, http, http_timeout: Duration::from_secs(20), search_url: "https://html.duckduckgo.com/html/".into() })
    }

    /// A path inside the workspace, or why not.
    pub fn resolve(&self, path: &str) -> Result<PathBuf, String> {
        let p = Path::new(path);
        if p.is_absolute() {
            return Err(format!("{path}: absolute paths are not allowed; give a path inside the workspace"));
        }
        if p.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(format!("{path}: '..' is not allowed; paths must stay inside the workspace"));
        }
        let full = self.root.join(p);
        // The deepest existing ancestor decides where symlinks lead.
        let mut probe = full.clone();
        while !probe.exists() {
            if !probe.pop() {
                break;
            }
        }
        let real = std::fs::canonicalize(&probe).map_err(|e| format!("{path}: {e}"))?;
        if !real.starts_with(&self.root) {
            return Err(format!("{path}: leads outside the workspace (through a symlink)"));
        }
        Ok(full)
    }

    fn display(&self, p: &Path) -> String {
        p.strip_prefix(&self.root).map(|r| r.display().to_string()).unwrap_or_else(|_| p.display().to_string())
    }

    fn confirmed(&self, what: &str) -> Result<(), String> {
        let ok = match self.confirm {
            Confirm::Always => true,
            Confirm::Never => false,
            Confirm::Terminal => {
                eprint!("allow {what}? [y/N] ");
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes")
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!("refused: {what} needs confirmation (run fg agent on a terminal, or with --yes)"))
        }
    }

    /// Runs builtin tool `name`. `Err` is the message the model receives.
    pub async fn run(&self, name: &str, a: &Map<String, Value>) -> ToolResult {
        if NEEDS_CONFIRMATION.contains(&name) && !(name == "apply_diff" && b(a, "dry_run") == Some(true)) {
            let what = match name {
                "shell_exec" => format!("running `{}`", s(a, "command").unwrap_or("")),
                "run_tests" => "running the tests".to_string(),
                _ => format!("{name} on {}", s(a, "path").or(s(a, "file_path")).unwrap_or("files in the workspace")),
            };
            self.confirmed(&what)?;
        }
        match name {
            "read_file" => self.read_file(a),
            "list_directory" => self.list_directory(a),
            "search_code" => self.search_code(a),
            "write_file" => self.write_file(a),
            "replace_in_file" => self.replace_in_file(a),
            "insert_into_file" => self.insert_into_file(a),
            "delete_file" => self.delete_file(a),
            "apply_diff" => self.apply_diff(a),
            "shell_exec" => self.shell_exec(a).await,
            "run_tests" => self.run_tests(a).await,
            "ask_user" => self.ask_user(a),
            "web_fetch" => self.web_fetch(a).await,
            "web_search" => self.web_search(a, false).await,
            "web_news" => self.web_search(a, true).await,
            other => Err(format!("{other} is not a builtin tool")),
        }
    }

    fn read_file(&self, a: &Map<String, Value>) -> ToolResult {
        let path = self.resolve(s(a, "path").unwrap_or(""))?;
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", self.display(&path)))?;
        let text = String::from_utf8_lossy(&bytes);
        let start = n(a, "start_line").unwrap_or(1).max(1) as usize;
        let end = n(a, "end_line").map(|e| e as usize);
        let lines: Vec<&str> = text.lines().collect();
        if start > lines.len().max(1) {
            return Err(format!("{} has {} lines; start_line {start} is past the end", self.display(&path), lines.len()));
        }
        let end = end.unwrap_or(lines.len()).min(lines.len());
        Ok(Value::String(truncate(lines[start - 1..end.max(start - 1)].join("\n"))))
    }

    fn list_directory(&self, a: &Map<String, Value>) -> ToolResult {
        let dir = self.resolve(s(a, "path").unwrap_or("."))?;
        if !dir.is_dir() {
            return Err(format!("{} is not a directory", self.display(&dir)));
        }
        let pattern = s(a, "pattern").map(glob_regex).transpose()?;
        let recursive = b(a, "recursive").unwrap_or(false);
        let mut out = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", self.display(&d)))?.filter_map(|e| e.ok()).collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries.into_iter().rev() {
                let p = e.path();
                let is_dir = p.is_dir();
                let name = e.file_name().to_string_lossy().into_owned();
                if recursive && is_dir && !name.starts_with('.') {
                    stack.push(p.clone());
                }
                if pattern.as_ref().is_none_or(|r| r.is_match(&name)) {
                    let rel = p.strip_prefix(&dir).unwrap_or(&p).display().to_string();
                    out.push(if is_dir { format!("{rel}/") } else { rel });
                }
            }
            if out.len() > 2000 {
                break;
            }
        }
        out.sort();
        Ok(Value::String(truncate(out.join("\n"))))
    }

    fn search_code(&self, a: &Map<String, Value>) -> ToolResult {
        let re = Regex::new(s(a, "pattern").unwrap_or("")).map_err(|e| format!("invalid regex: {e}"))?;
        let base = self.resolve(s(a, "path").unwrap_or("."))?;
        let files_re = s(a, "file_pattern").map(glob_regex).transpose()?;
        let ctx = n(a, "context_lines").unwrap_or(2).max(0) as usize;
        let mut files = Vec::new();
        walk_files(&base, &mut files);
        files.sort();
        let mut out = Vec::new();
        let mut matches = 0;
        for f in files {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if files_re.as_ref().is_some_and(|r| !r.is_match(&name)) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&f) else { continue };
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if re.is_match(line) {
                    matches += 1;
                    let (lo, hi) = (i.saturating_sub(ctx), (i + ctx).min(lines.len().saturating_sub(1)));
                    for (j, l) in lines.iter().enumerate().take(hi + 1).skip(lo) {
                        out.push(format!("{}:{}{} {l}", self.display(&f), j + 1, if j == i { ":" } else { "-" }));
                    }
                    if matches >= 200 {
                        out.push("… [stopped at 200 matches]".into());
                        return Ok(Value::String(truncate(out.join("\n"))));
                    }
                }
            }
        }
        if matches == 0 {
            return Ok(Value::String(format!("no matches for {}", re.as_str())));
        }
        Ok(Value::String(truncate(out.join("\n"))))
    }

    fn write_file(&self, a: &Map<String, Value>) -> ToolResult {
        let path = self.resolve(s(a, "path").unwrap_or(""))?;
        let content = s(a, "content").unwrap_or("");
        crate::fsx::write_atomic(&path, content.as_bytes()).map_err(|e| format!("{e:#}"))?;
        Ok(json!(format!("wrote {} ({} bytes)", self.display(&path), content.len())))
    }

    fn replace_in_file(&self, a: &Map<String, Value>) -> ToolResult {
        let path = self.resolve(s(a, "path").unwrap_or(""))?;
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", self.display(&path)))?;
        let (search, replace) = (s(a, "search").unwrap_or(""), s(a, "replace").unwrap_or(""));
        if search.is_empty() || !text.contains(search) {
            return Err(format!("{}: the search text was not found; nothing changed", self.display(&path)));
        }
        let found = text.matches(search).count();
        let count = n(a, "count").map_or(found, |c| (c as usize).min(found));
        let new = text.replacen(search, replace, count);
        crate::fsx::write_atomic(&path, new.as_bytes()).map_err(|e| format!("{e:#}"))?;
        Ok(json!(format!("replaced {count} of {found} occurrence(s) in {}", self.display(&path))))
    }

    fn insert_into_file(&self, a: &Map<String, Value>) -> ToolResult {
        let path = self.resolve(s(a, "path").unwrap_or(""))?;
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", self.display(&path)))?;
        let line = n(a, "line").unwrap_or(0).max(0) as usize;
        let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
        if line > lines.len() {
            return Err(format!("{} has {} lines; cannot insert after line {line}", self.display(&path), lines.len()));
        }
        let mut content = s(a, "content").unwrap_or("").to_string();
        if !content.ends_with('\n') {
            content.push('\n');
        }
        if line > 0 && !lines[line - 1].ends_with('\n') {
            content.insert(0, '\n');
        }
        lines.insert(line, &content);
        crate::fsx::write_atomic(&path, lines.concat().as_bytes()).map_err(|e| format!("{e:#}"))?;
        Ok(json!(format!("inserted {} line(s) after line {line} of {}", content.lines().count(), self.display(&path))))
    }

    fn delete_file(&self, a: &Map<String, Value>) -> ToolResult {
        let path = self.resolve(s(a, "path").unwrap_or(""))?;
        if path == self.root {
            return Err("refusing to delete the workspace itself".into());
        }
        let meta = std::fs::symlink_metadata(&path).map_err(|e| format!("{}: {e}", self.display(&path)))?;
        if meta.is_dir() {
            std::fs::remove_dir(&path).map_err(|e| format!("{}: {e} (only empty directories can be deleted)", self.display(&path)))?;
        } else {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", self.display(&path)))?;
        }
        Ok(json!(format!("deleted {}", self.display(&path))))
    }

    fn apply_diff(&self, a: &Map<String, Value>) -> ToolResult {
        let diff = s(a, "diff").unwrap_or("");
        let patches = parse_diff(diff)?;
        let dry = b(a, "dry_run").unwrap_or(false);
        let mut report = Vec::new();
        let mut writes = Vec::new();
        for p in &patches {
            let target = s(a, "file_path").map(String::from).unwrap_or_else(|| p.path.clone());
            let path = self.resolve(&target)?;
            let old = if p.new_file { String::new() } else { std::fs::read_to_string(&path).map_err(|e| format!("{target}: {e}"))? };
            let new = apply_hunks(&old, &p.hunks).map_err(|e| format!("{target}: {e}"))?;
            report.push(format!("{target}: {} hunk(s) apply", p.hunks.len()));
            writes.push((path, new));
        }
        if dry {
            return Ok(json!(format!("dry run, nothing changed: {}", report.join("; "))));
        }
        for (path, new) in writes {
            crate::fsx::write_atomic(&path, new.as_bytes()).map_err(|e| format!("{e:#}"))?;
        }
        Ok(json!(format!("applied: {}", report.join("; "))))
    }

    async fn shell_exec(&self, a: &Map<String, Value>) -> ToolResult {
        let command = s(a, "command").unwrap_or("");
        const BLOCKED: &[&str] = &["rm -rf /", "rm -fr /", "mkfs", ":(){", "shutdown", "reboot", "halt", "poweroff", "dd if=", "> /dev/sd", "chmod -r 777 /"];
        let lower = command.to_lowercase();
        if let Some(b) = BLOCKED.iter().find(|b| lower.contains(*b)) {
            return Err(format!("blocked: `{command}` contains `{b}`, which fg never runs"));
        }
        let cwd = self.resolve(s(a, "cwd").unwrap_or("."))?;
        let timeout = n(a, "timeout").unwrap_or(60).clamp(1, 300) as u64;
        run_command("sh", &["-c", command], &cwd, timeout).await
    }

    async fn run_tests(&self, a: &Map<String, Value>) -> ToolResult {
        let path = s(a, "path").unwrap_or(".");
        let dir = self.resolve(path)?;
        let base = if dir.is_dir() { dir.clone() } else { dir.parent().map(Path::to_path_buf).unwrap_or(self.root.clone()) };
        let has = |f: &str| base.join(f).exists() || self.root.join(f).exists();
        let framework = match s(a, "framework").unwrap_or("auto") {
            "auto" if has("Cargo.toml") => "cargo",
            "auto" if has("go.mod") => "go",
            "auto" if has("package.json") => "jest",
            "auto" => "pytest",
            f => f,
        };
        let pattern = s(a, "pattern");
        let verbose = b(a, "verbose").unwrap_or(true);
        let rel = self.display(&dir);
        let mut args: Vec<String> = match framework {
            "cargo" => vec!["cargo".into(), "test".into()],
            "go" => vec!["go".into(), "test".into(), "./...".into()],
            "jest" => vec!["npx".into(), "jest".into()],
            _ => vec!["python3".into(), "-m".into(), "pytest".into(), if verbose { "-v".into() } else { "-q".into() }, if rel.is_empty() { ".".into() } else { rel.clone() }],
        };
        if let Some(p) = pattern {
            match framework {
                "cargo" => args.push(p.trim_end_matches('*').into()),
                "go" => args.extend(["-run".into(), p.into()]),
                "jest" => args.extend(["-t".into(), p.into()]),
                _ => args.extend(["-k".into(), p.trim_end_matches('*').into()]),
            }
        }
        let timeout = n(a, "timeout").unwrap_or(300).max(1) as u64;
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut result = run_command(argv[0], &argv[1..], &self.root, timeout).await?;
        if let Some(o) = result.as_object_mut() {
            let out = format!("{}{}", o.get("stdout").and_then(Value::as_str).unwrap_or(""), o.get("stderr").and_then(Value::as_str).unwrap_or(""));
            let (passed, failed) = test_counts(&out);
            o.insert("framework".into(), json!(framework));
            o.insert("command".into(), json!(args.join(" ")));
            o.insert("passed".into(), json!(passed));
            o.insert("failed".into(), json!(failed));
        }
        Ok(result)
    }

    fn ask_user(&self, a: &Map<String, Value>) -> ToolResult {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return Err("no terminal to ask the user on".into());
        }
        eprintln!("? {}", s(a, "question").unwrap_or(""));
        eprint!("> ");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| e.to_string())?;
        Ok(json!(line.trim()))
    }

    async fn web_fetch(&self, a: &Map<String, Value>) -> ToolResult {
        let url = s(a, "url").unwrap_or("");
        let resp = self.http.get(url).send().await.map_err(|e| http_error(url, &e))?;
        let status = resp.status();
        let html = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("html"));
        let body = resp.text().await.map_err(|e| http_error(url, &e))?;
        if !status.is_success() {
            return Err(format!("{url} answered HTTP {status}"));
        }
        let text = if html && b(a, "extract_text").unwrap_or(true) { html_to_text(&body) } else { body };
        Ok(Value::String(truncate(text)))
    }

    async fn web_search(&self, a: &Map<String, Value>, news: bool) -> ToolResult {
        let query = s(a, "query").unwrap_or("");
        let max = n(a, "max_results").unwrap_or(5).clamp(1, 10) as usize;
        let mut params = vec![("q", query.to_string())];
        if news {
            params.push(("iar", "news".into()));
            params.push(("ia", "news".into()));
            if let Some(t) = s(a, "timelimit") {
                params.push(("df", t.into()));
            }
        }
        let resp = self.http.post(&self.search_url).form(&params).send().await.map_err(|e| http_error(&self.search_url, &e))?;
        if !resp.status().is_success() {
            return Err(format!("the search service answered HTTP {}", resp.status()));
        }
        let body = resp.text().await.map_err(|e| http_error(&self.search_url, &e))?;
        let results = parse_search_results(&body, max);
        Ok(json!({"query": query, "results": results}))
    }
}

fn http_error(url: &str, e: &reqwest::Error) -> String {
    let host = reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(String::from)).unwrap_or_else(|| url.to_string());
    if e.is_connect() {
        format!("no network: could not connect to {host} ({e})")
    } else if e.is_timeout() {
        format!("no answer from {host} before the timeout")
    } else {
        format!("request to {host} failed: {e}")
    }
}

/// Runs a program with a timeout; the result holds exit code, stdout and stderr.
async fn run_command(program: &str, args: &[&str], cwd: &Path, timeout_s: u64) -> ToolResult {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args).current_dir(cwd).kill_on_drop(true).stdin(std::process::Stdio::null());
    let child = cmd.output();
    match tokio::time::timeout(Duration::from_secs(timeout_s), child).await {
        Err(_) => Err(format!("`{program} {}` did not finish within {timeout_s} s and was stopped", args.join(" "))),
        Ok(Err(e)) => Err(format!("cannot run {program}: {e}")),
        Ok(Ok(out)) => Ok(json!({
            "exit_code": out.status.code(),
            "stdout": truncate(String::from_utf8_lossy(&out.stdout).into_owned()),
            "stderr": truncate(String::from_utf8_lossy(&out.stderr).into_owned()),
        })),
    }
}

/// Passed and failed counts from common test runners' summaries.
fn test_counts(out: &str) -> (u64, u64) {
    let grab = |re: &str| -> u64 { Regex::new(re).unwrap().captures_iter(out).filter_map(|c| c[1].parse::<u64>().ok()).sum() };
    let passed = grab(r"(\d+) passed");
    let failed = grab(r"(\d+) failed");
    let go_ok = out.lines().filter(|l| l.starts_with("ok ") || l.starts_with("--- PASS")).count() as u64;
    let go_fail = out.lines().filter(|l| l.starts_with("--- FAIL")).count() as u64;
    (passed + go_ok, failed + go_fail)
}

fn walk_files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_file() {
        out.push(p.to_path_buf());
        return;
    }
    let Ok(rd) = std::fs::read_dir(p) else { return };
    for e in rd.flatten() {
        let path = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        if e.file_type().is_ok_and(|t| t.is_symlink()) {
            continue;
        }
        walk_files(&path, out);
        if out.len() > 20_000 {
            return;
        }
    }
}

/// A glob (`*`, `?`, `[…]`, `**`) as an anchored regex over a file name.
pub fn glob_regex(glob: &str) -> Result<Regex, String> {
    let mut re = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => {
                if chars.peek() == Some(&'*') {
                    chars.next();
                    if chars.peek() == Some(&'/') {
                        chars.next();
                    }
                    re.push_str(".*");
                } else {
                    re.push_str("[^/]*");
                }
            }
            '?' => re.push_str("[^/]"),
            '[' => {
                re.push('[');
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    if c == '!' && re.ends_with('[') {
                        re.push('^');
                    } else {
                        re.push(c);
                    }
                }
                re.push(']');
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    Regex::new(&re).map_err(|e| format!("invalid glob {glob:?}: {e}"))
}

/// Readable text of an HTML page: scripts and styles dropped, tags removed, entities decoded,
/// whitespace collapsed.
pub fn html_to_text(html: &str) -> String {
    let no_scripts = Regex::new(r"(?is)<(script|style|noscript)[^>]*>.*?</(script|style|noscript)>").unwrap().replace_all(html, " ");
    let with_breaks = Regex::new(r"(?i)<(br|/p|/div|/h[1-6]|/li|/tr)[^>]*>").unwrap().replace_all(&no_scripts, "\n");
    let no_tags = Regex::new(r"(?s)<[^>]*>").unwrap().replace_all(&with_breaks, "");
    let text = no_tags.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    let lines: Vec<String> = text.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect();
    lines.join("\n")
}

/// Results of DuckDuckGo's HTML interface: title, link and snippet of each.
pub fn parse_search_results(body: &str, max: usize) -> Vec<Value> {
    let link = Regex::new(r#"(?s)<a[^>]*class="result__a"[^>]*href="([^"]*)"[^>]*>(.*?)</a>"#).unwrap();
    let snippet = Regex::new(r#"(?s)class="result__snippet"[^>]*>(.*?)</a>"#).unwrap();
    let snippets: Vec<String> = snippet.captures_iter(body).map(|c| html_to_text(&c[1])).collect();
    link.captures_iter(body)
        .take(max)
        .enumerate()
        .map(|(i, c)| {
            let mut url = c[1].replace("&amp;", "&");
            if let Some(i) = url.find("uddg=") {
                url = percent_decode(url[i + 5..].split('&').next().unwrap_or(""));
            }
            json!({"title": html_to_text(&c[2]), "url": url, "snippet": snippets.get(i).cloned().unwrap_or_default()})
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One file's changes in a unified diff.
struct FilePatch {
    path: String,
    new_file: bool,
    hunks: Vec<Hunk>,
}

struct Hunk {
    old_start: usize,
    lines: Vec<(char, String)>,
}

fn parse_diff(diff: &str) -> Result<Vec<FilePatch>, String> {
    let mut patches: Vec<FilePatch> = Vec::new();
    let mut old_path = String::new();
    for line in diff.lines() {
        if let Some(p) = line.strip_prefix("--- ") {
            old_path = p.split('\t').next().unwrap_or("").trim().to_string();
        } else if let Some(p) = line.strip_prefix("+++ ") {
            let p = p.split('\t').next().unwrap_or("").trim();
            let new_file = old_path == "/dev/null";
            let path = p.strip_prefix("b/").unwrap_or(p).to_string();
            patches.push(FilePatch { path, new_file, hunks: Vec::new() });
        } else if let Some(h) = line.strip_prefix("@@ ") {
            let old = h.split_whitespace().next().ok_or("malformed hunk header")?;
            let start: usize = old.trim_start_matches('-').split(',').next().unwrap_or("1").parse().map_err(|_| format!("malformed hunk header: {line}"))?;
            let p = patches.last_mut().ok_or("hunk before any file header (---/+++)")?;
            p.hunks.push(Hunk { old_start: start, lines: Vec::new() });
        } else if let Some(h) = patches.last_mut().and_then(|p| p.hunks.last_mut()) {
            let (tag, text) = match line.chars().next() {
                Some(c @ (' ' | '-' | '+')) => (c, line[1..].to_string()),
                None => (' ', String::new()),
                Some('\\') => continue,
                Some(_) => return Err(format!("unexpected line in hunk: {line}")),
            };
            h.lines.push((tag, text));
        }
    }
    if patches.is_empty() || patches.iter().all(|p| p.hunks.is_empty()) {
        return Err("no hunks found: expected a unified diff (---, +++, @@ lines)".into());
    }
    Ok(patches)
}

/// Applies hunks, checking every context and removed line.
fn apply_hunks(old: &str, hunks: &[Hunk]) -> Result<String, String> {
    let lines: Vec<&str> = old.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut at = 0usize;
    for h in hunks {
        let start = h.old_start.saturating_sub(1);
        let expected: Vec<&str> = h.lines.iter().filter(|(t, _)| *t != '+').map(|(_, l)| l.as_str()).collect();
        // Find the hunk at its line, or the nearest place its old lines match.
        let fits = |s: usize| s + expected.len() <= lines.len() && lines[s..s + expected.len()] == expected[..];
        let pos = (0..=lines.len()).filter(|&s| s >= at && fits(s)).min_by_key(|&s| s.abs_diff(start)).ok_or_else(|| format!("hunk at line {} does not match the file", h.old_start))?;
        out.extend(lines[at..pos].iter().map(|l| l.to_string()));
        for (t, l) in &h.lines {
            if *t != '-' {
                out.push(l.clone());
            }
        }
        at = pos + expected.len();
    }
    out.extend(lines[at..].iter().map(|l| l.to_string()));
    let mut s = out.join("\n");
    if old.ends_with('\n') || old.is_empty() {
        s.push('\n');
    }
    Ok(s)
}
