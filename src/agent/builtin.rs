//! Delia's builtin agent tools, run by fg itself inside a workspace.
//!
//! Files: the workspace is opened once as a directory handle and every file operation is made
//! relative to it through `cap-std` (openat2 with RESOLVE_BENEATH where the kernel has it), so no
//! path, symlink or rename race can reach outside; paths must be relative and free of `..`;
//! recursive walks never follow links; files are replaced through a temporary opened with
//! O_CREAT|O_EXCL under a random name. Commands run confined (`confine`: own process group, output
//! capped while it streams, Landlock). Web tools refuse internal addresses (`web`). Tools that change
//! files or run commands ask first (`consent`).

use super::confine::{run_confined, Confinement, MAX_TIMEOUT_S};
pub use super::consent::{Confirm, Consent};
use super::web::{NetPolicy, Web};
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex::Regex;
use serde_json::{json, Map, Value};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

pub const BUILTIN: &[&str] = &[
    "read_file",
    "list_directory",
    "search_code",
    "write_file",
    "replace_in_file",
    "insert_into_file",
    "delete_file",
    "apply_diff",
    "shell_exec",
    "run_tests",
    "ask_user",
    "web_fetch",
    "web_search",
    "web_news",
];

/// Tools that change files or run commands.
pub const NEEDS_CONFIRMATION: &[&str] = &["write_file", "replace_in_file", "insert_into_file", "delete_file", "apply_diff", "shell_exec", "run_tests"];

/// Text results are cut here, so one call cannot flood the context.
const MAX_OUTPUT: usize = 16_000;
/// Most entries a listing shows.
const MAX_LISTED: usize = 2000;
/// Files larger than this are read only up to it.
const MAX_READ: u64 = 16 << 20;
/// search_code skips files larger than this (generated or binary data, not code).
const MAX_SEARCH_FILE: u64 = 4 << 20;
/// Entries a listing or walk visits at most.
const MAX_ENTRIES: usize = 20_000;

pub struct Sandbox {
    /// The workspace as given, canonical: for messages and as commands' working folder.
    pub root: PathBuf,
    /// The workspace as a directory handle: every file operation goes through it.
    dir: Dir,
    pub consent: Consent,
    pub web: Web,
    pub confinement: Confinement,
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

/// `n` with its noun: "1 file", "3 files".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first line of a listing: how many entries of each kind it shows, so that a small model
/// answers "how many" by copying rather than counting.
fn listing_summary(entries: &[String], pattern: Option<&str>) -> String {
    let dirs = entries.iter().filter(|e| e.ends_with('/')).count();
    let links = entries.iter().filter(|e| e.ends_with('@')).count();
    let files = entries.len() - dirs - links;
    let matching = pattern.map(|p| format!(" matching {p}")).unwrap_or_default();
    let at_least = if entries.len() >= MAX_LISTED { "at least " } else { "" };
    let mut kinds = vec![count(files, "file", "files"), count(dirs, "folder", "folders")];
    if links > 0 {
        kinds.push(count(links, "link", "links"));
    }
    format!("[{at_least}{}{matching}: {}]", count(entries.len(), "entry", "entries"), kinds.join(", "))
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

/// A path checked to be relative, without `..`, and normalised (`.` components dropped); the
/// workspace itself is `.`.
fn relative(path: &str) -> Result<PathBuf, String> {
    let p = Path::new(path);
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(x) => out.push(x),
            Component::CurDir => {}
            Component::ParentDir => return Err(format!("{path}: '..' is not allowed; paths must stay inside the workspace")),
            Component::RootDir | Component::Prefix(_) => return Err(format!("{path}: absolute paths are not allowed; give a path inside the workspace")),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    Ok(out)
}

/// An I/O error as the model should read it: an escape is named as one.
fn io_message(path: &Path, e: &std::io::Error) -> String {
    let shown = path.display();
    // cap-std refuses a resolution that would leave the directory handle with EACCES/EPERM or
    // its own "a path led outside of the filesystem" error; openat2's RESOLVE_BENEATH gives EXDEV.
    let text = e.to_string();
    if e.raw_os_error() == Some(libc::EXDEV) || text.contains("outside of the filesystem") {
        return format!("{shown}: leads outside the workspace (through a symlink); refused");
    }
    format!("{shown}: {text}")
}

/// What a walk met: a file, a folder or a link (links are never followed).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Link,
}

impl Sandbox {
    /// A sandbox on `root` with the default web policy (no private addresses) and confinement.
    pub fn new(root: &Path, consent: impl Into<Consent>) -> anyhow::Result<Sandbox> {
        Self::with_policy(root, consent.into(), NetPolicy::default())
    }

    pub fn with_policy(root: &Path, consent: Consent, net: NetPolicy) -> anyhow::Result<Sandbox> {
        let root = std::fs::canonicalize(root).map_err(|e| anyhow::anyhow!("workspace {}: {e}", root.display()))?;
        if !root.is_dir() {
            anyhow::bail!("workspace {} is not a folder", root.display());
        }
        let dir = Dir::open_ambient_dir(&root, cap_std::ambient_authority()).map_err(|e| anyhow::anyhow!("workspace {}: {e}", root.display()))?;
        let web = Web::new(net, Duration::from_secs(20), "https://html.duckduckgo.com/html/".into())?;
        let confinement = Confinement::new(&root);
        Ok(Sandbox { root, dir, consent, web, confinement })
    }

    fn display(&self, p: &Path) -> String {
        let p = p.strip_prefix(&self.root).unwrap_or(p);
        let p = p.strip_prefix(".").unwrap_or(p);
        if p == Path::new(".") || p.as_os_str().is_empty() {
            ".".into()
        } else {
            p.display().to_string()
        }
    }

    /// Reads a whole file (up to MAX_READ bytes) beneath the workspace.
    fn read(&self, rel: &Path) -> Result<Vec<u8>, String> {
        let f = self.dir.open(rel).map_err(|e| io_message(rel, &e))?;
        let mut bytes = Vec::new();
        f.take(MAX_READ).read_to_end(&mut bytes).map_err(|e| io_message(rel, &e))?;
        Ok(bytes)
    }

    fn read_text(&self, rel: &Path) -> Result<String, String> {
        String::from_utf8(self.read(rel)?).map_err(|_| format!("{}: not UTF-8 text; nothing changed", rel.display()))
    }

    /// Replaces (or creates) `rel` with `bytes`: a temporary opened with O_CREAT|O_EXCL and
    /// without following links, under a random name, in the same folder, synced, then renamed
    /// over the target (a link at the target is replaced, never followed).
    fn write(&self, rel: &Path, bytes: &[u8]) -> Result<(), String> {
        let name = rel.file_name().ok_or_else(|| format!("{}: not a file name", rel.display()))?;
        let parent = rel.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let pdir = match self.dir.open_dir(parent) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.dir.create_dir_all(parent).map_err(|e| io_message(parent, &e))?;
                self.dir.open_dir(parent)
            }
            other => other,
        }
        .map_err(|e| io_message(parent, &e))?;
        let old = pdir.symlink_metadata(name).ok();
        if old.as_ref().is_some_and(|m| m.is_dir()) {
            return Err(format!("{}: is a folder; nothing written", rel.display()));
        }
        let tmp = format!(".{}.fg-partial-{}-{:016x}", name.to_string_lossy(), std::process::id(), crate::fsx::random_u64());
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true).follow(FollowSymlinks::No);
        let mut f = pdir.open_with(&tmp, &opts).map_err(|e| io_message(&parent.join(&tmp), &e))?;
        let done = (|| {
            f.write_all(bytes)?;
            if let Some(m) = old.as_ref().filter(|m| m.is_file()) {
                f.set_permissions(m.permissions())?;
            }
            f.sync_all()?;
            pdir.rename(&tmp, &pdir, name)
        })();
        if let Err(e) = done {
            let _ = pdir.remove_file(&tmp);
            return Err(io_message(rel, &e));
        }
        Ok(())
    }

    /// Visits `start` (a folder beneath the workspace) and, when `recursive`, the folders below it
    /// that are not hidden and not in `skip`, depth first in name order, opening each through its
    /// parent's handle without following links. `visit` gets each entry's path relative to
    /// `start`, its kind and its parent folder's handle; it returns false to stop. A recursive
    /// walk leaves out what the `.gitignore` files of `start`, its parents and the folders below
    /// ignore, as git and ripgrep do (build outputs, vendored trees, virtual environments); a
    /// listing of one folder shows everything.
    fn walk(&self, start: &Path, recursive: bool, skip: &[&str], mut visit: impl FnMut(&Path, Kind, &Dir) -> bool) -> Result<(), String> {
        let top = self.dir.open_dir(start).map_err(|e| io_message(start, &e))?;
        let base = if start == Path::new(".") { PathBuf::new() } else { start.to_path_buf() };
        let mut rules = Vec::new();
        let rules_left = std::cell::Cell::new(MAX_GITIGNORE_BYTES);
        if recursive {
            // The rules of the folders above `start`, outermost first, then its own.
            let mut above = PathBuf::new();
            let mut folders = vec![PathBuf::new()];
            for c in base.components() {
                above.push(c);
                folders.push(above.clone());
            }
            for f in folders {
                let d = if f.as_os_str().is_empty() { self.dir.open_dir(".") } else { self.dir.open_dir_nofollow(&f) };
                if let Some(g) = d.ok().and_then(|d| gitignore(&d, &f, &rules_left)) {
                    rules.push(g);
                }
            }
        }
        let mut seen = 0usize;
        walk_dir(&top, Path::new(""), &Walk { base: &base, recursive, skip, rules_left: &rules_left }, &mut rules, &mut seen, &mut visit);
        Ok(())
    }

    /// `message` (an error about `rel`) with the workspace's entries of the same name when `rel`
    /// does not exist: "settings.toml: No such file or directory (os error 2); did you mean
    /// config/settings.toml?". A name without an extension also matches names that add one
    /// (`pyproject` finds `pyproject.toml`). At most five, skipping hidden folders, `target` and
    /// `node_modules`; only entries of the kinds in `want` (links never).
    fn with_suggestions(&self, rel: &Path, message: String, want: &[Kind]) -> String {
        if !matches!(self.dir.symlink_metadata(rel), Err(e) if e.kind() == std::io::ErrorKind::NotFound) {
            return message;
        }
        let Some(wanted) = rel.file_name().map(|n| n.to_string_lossy().to_lowercase()) else { return message };
        let bare = !wanted.contains('.');
        let mut found = Vec::new();
        let _ = self.walk(Path::new("."), true, &["target", "node_modules"], |path, kind, _| {
            let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
            let same = name == wanted || (bare && kind == Kind::File && name.split_once('.').is_some_and(|(stem, _)| stem == wanted));
            if want.contains(&kind) && same && path != rel {
                found.push(path.display().to_string());
            }
            found.len() < 5
        });
        if found.is_empty() {
            return message;
        }
        found.sort();
        let names: Vec<&str> = found.iter().map(String::as_str).collect();
        let list = match names.as_slice() {
            [one] => one.to_string(),
            [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
            [] => unreachable!(),
        };
        format!("{message}; did you mean {list}?")
    }

    /// Runs builtin tool `name`. `Err` is the message the model receives.
    pub async fn run(&self, name: &str, a: &Map<String, Value>) -> ToolResult {
        if NEEDS_CONFIRMATION.contains(&name) && !(name == "apply_diff" && b(a, "dry_run") == Some(true)) {
            let what = match name {
                "shell_exec" => format!("shell_exec running `{}`", s(a, "command").unwrap_or("")),
                "run_tests" => format!("run_tests in {}", s(a, "path").unwrap_or(".")),
                _ => format!("{name} on {}", s(a, "path").or(s(a, "file_path")).unwrap_or("files in the workspace")),
            };
            self.consent.ask(name, &what)?;
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
            "web_fetch" => self.web.fetch(s(a, "url").unwrap_or(""), b(a, "extract_text").unwrap_or(true)).await,
            "web_search" | "web_news" => {
                let max = n(a, "max_results").unwrap_or(5).clamp(1, 10) as usize;
                self.web.search(s(a, "query").unwrap_or(""), max, name == "web_news", s(a, "timelimit")).await
            }
            other => Err(format!("{other} is not a builtin tool")),
        }
    }

    fn read_file(&self, a: &Map<String, Value>) -> ToolResult {
        let rel = relative(s(a, "path").unwrap_or(""))?;
        let bytes = self.read(&rel).map_err(|m| self.with_suggestions(&rel, m, &[Kind::File]))?;
        let text = String::from_utf8_lossy(&bytes);
        let start = n(a, "start_line").unwrap_or(1).max(1) as usize;
        let end = n(a, "end_line").map(|e| e.max(0) as usize);
        let lines: Vec<&str> = text.lines().collect();
        if start > lines.len().max(1) {
            return Err(format!("{} has {} lines; start_line {start} is past the end", rel.display(), lines.len()));
        }
        let end = end.unwrap_or(lines.len()).min(lines.len());
        let total = lines.len();
        // A file longer than MAX_READ is read in part: its length is not known.
        let of = if bytes.len() as u64 >= MAX_READ { format!("the first {total} lines of a file over {} MB", MAX_READ >> 20) } else { total.to_string() };
        let head = match (start == 1 && end == total, bytes.len() as u64 >= MAX_READ) {
            (true, false) => format!("[{}]", count(total, "line", "lines")),
            (true, true) => format!("[{of}]"),
            _ => format!("[lines {start}-{end} of {of}]"),
        };
        Ok(Value::String(truncate(format!("{head}\n{}", lines[start - 1..end.max(start - 1)].join("\n")))))
    }

    fn list_directory(&self, a: &Map<String, Value>) -> ToolResult {
        let rel = relative(s(a, "path").unwrap_or("."))?;
        match self.dir.metadata(&rel) {
            Ok(m) if !m.is_dir() => return Err(format!("{} is not a directory", self.display(&rel))),
            Err(e) => return Err(self.with_suggestions(&rel, io_message(&rel, &e), &[Kind::Dir])),
            Ok(_) => {}
        }
        let pattern = s(a, "pattern").map(glob_regex).transpose()?;
        let recursive = b(a, "recursive").unwrap_or(false);
        let mut out = Vec::new();
        self.walk(&rel, recursive, &[], |path, kind, _| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if pattern.as_ref().is_none_or(|r| r.is_match(&name)) {
                let shown = path.display().to_string();
                out.push(match kind {
                    Kind::Dir => format!("{shown}/"),
                    Kind::Link => format!("{shown}@"),
                    Kind::File => shown,
                });
            }
            out.len() < MAX_LISTED
        })?;
        out.sort();
        Ok(Value::String(truncate(format!("{}\n{}", listing_summary(&out, s(a, "pattern")), out.join("\n")).trim_end().to_string())))
    }

    fn search_code(&self, a: &Map<String, Value>) -> ToolResult {
        // A pattern that is not a valid regex (`panic(`, `a[0`) is searched as plain text, and the
        // result says so.
        let pattern = s(a, "pattern").unwrap_or("");
        let (re, literal) = match Regex::new(pattern) {
            Ok(re) => (re, false),
            Err(_) => (Regex::new(&regex::escape(pattern)).map_err(|e| format!("invalid pattern: {e}"))?, true),
        };
        let note = if literal { " (not a valid regex, so searched as plain text)" } else { "" };
        let rel = relative(s(a, "path").unwrap_or("."))?;
        let files_re = s(a, "file_pattern").map(glob_regex).transpose()?;
        let ctx = n(a, "context_lines").unwrap_or(2).clamp(0, 50) as usize;
        let meta = self.dir.symlink_metadata(&rel).map_err(|e| self.with_suggestions(&rel, io_message(&rel, &e), &[Kind::Dir, Kind::File]))?;
        let mut out = Vec::new();
        let mut matches = 0;
        // Searches one file opened through its folder's handle (never through a link); false
        // once 200 matches are found.
        let mut search = |d: &Dir, name: &Path, shown: &str| -> bool {
            let mut opts = OpenOptions::new();
            opts.read(true).follow(FollowSymlinks::No);
            let Ok(f) = d.open_with(name, &opts) else { return true };
            let mut bytes = Vec::new();
            if f.take(MAX_SEARCH_FILE + 1).read_to_end(&mut bytes).is_err() || bytes.len() as u64 > MAX_SEARCH_FILE || bytes.contains(&0) {
                return true;
            }
            let Ok(text) = String::from_utf8(bytes) else { return true };
            let lines: Vec<&str> = text.lines().collect();
            // The next line not yet shown: context shared by nearby matches is shown once.
            let mut next = 0;
            for (i, line) in lines.iter().enumerate() {
                if re.is_match(line) {
                    matches += 1;
                    let (lo, hi) = (i.saturating_sub(ctx).max(next), (i + ctx).min(lines.len().saturating_sub(1)));
                    next = hi + 1;
                    for (j, l) in lines.iter().enumerate().take(hi + 1).skip(lo) {
                        out.push(format!("{shown}:{}{} {l}", j + 1, if j == i || re.is_match(l) { ":" } else { "-" }));
                    }
                    if matches >= 200 {
                        out.push("… [stopped at 200 matches]".into());
                        return false;
                    }
                }
            }
            true
        };
        if meta.is_file() {
            let parent = rel.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let d = self.dir.open_dir(parent).map_err(|e| io_message(parent, &e))?;
            search(&d, Path::new(rel.file_name().unwrap_or_default()), &self.display(&rel));
        } else {
            self.walk(&rel, true, &["target", "node_modules"], |path, kind, d| {
                let name = path.file_name().unwrap_or_default();
                let hidden = name.to_string_lossy().starts_with('.');
                if kind != Kind::File || hidden || files_re.as_ref().is_some_and(|r| !r.is_match(&name.to_string_lossy())) {
                    return true;
                }
                search(d, Path::new(name), &self.display(&rel.join(path)))
            })?;
        }
        if matches == 0 {
            // A hostile or pasted pattern is echoed only in part.
            let shown: String = if pattern.chars().count() > 200 { pattern.chars().take(200).chain(['…']).collect() } else { pattern.to_string() };
            return Ok(Value::String(format!("[0 matches for {shown}{note}]")));
        }
        let files = out.iter().filter_map(|l| l.split_once(':').map(|(f, _)| f)).collect::<std::collections::BTreeSet<_>>().len();
        let at_least = if matches >= 200 { "at least " } else { "" };
        let head = format!("[{at_least}{} in {}{note}]", count(matches, "match", "matches"), count(files, "file", "files"));
        Ok(Value::String(truncate(format!("{head}\n{}", out.join("\n")))))
    }

    fn write_file(&self, a: &Map<String, Value>) -> ToolResult {
        let rel = relative(s(a, "path").unwrap_or(""))?;
        let content = s(a, "content").unwrap_or("");
        self.write(&rel, content.as_bytes())?;
        Ok(json!(format!("wrote {} ({} bytes)", rel.display(), content.len())))
    }

    fn replace_in_file(&self, a: &Map<String, Value>) -> ToolResult {
        let rel = relative(s(a, "path").unwrap_or(""))?;
        let text = self.read_text(&rel)?;
        let (search, replace) = (s(a, "search").unwrap_or(""), s(a, "replace").unwrap_or(""));
        if search.is_empty() || !text.contains(search) {
            return Err(format!("{}: the search text was not found; nothing changed", rel.display()));
        }
        let found = text.matches(search).count();
        let count = n(a, "count").map_or(found, |c| (c.max(0) as usize).min(found));
        let new = text.replacen(search, replace, count);
        self.write(&rel, new.as_bytes())?;
        Ok(json!(format!("replaced {count} of {found} occurrence(s) in {}", rel.display())))
    }

    fn insert_into_file(&self, a: &Map<String, Value>) -> ToolResult {
        let rel = relative(s(a, "path").unwrap_or(""))?;
        let text = self.read_text(&rel)?;
        let line = n(a, "line").unwrap_or(0).max(0) as usize;
        let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
        if line > lines.len() {
            return Err(format!("{} has {} lines; cannot insert after line {line}", rel.display(), lines.len()));
        }
        let mut content = s(a, "content").unwrap_or("").to_string();
        if !content.ends_with('\n') {
            content.push('\n');
        }
        if line > 0 && !lines[line - 1].ends_with('\n') {
            content.insert(0, '\n');
        }
        lines.insert(line, &content);
        self.write(&rel, lines.concat().as_bytes())?;
        Ok(json!(format!("inserted {} line(s) after line {line} of {}", content.lines().count(), rel.display())))
    }

    fn delete_file(&self, a: &Map<String, Value>) -> ToolResult {
        let rel = relative(s(a, "path").unwrap_or(""))?;
        if rel == Path::new(".") {
            return Err("refusing to delete the workspace itself".into());
        }
        // symlink_metadata and unlink act on a link itself, never on what it names.
        let meta = self.dir.symlink_metadata(&rel).map_err(|e| io_message(&rel, &e))?;
        if meta.is_dir() {
            self.dir.remove_dir(&rel).map_err(|e| format!("{} (only empty directories can be deleted)", io_message(&rel, &e)))?;
        } else {
            self.dir.remove_file(&rel).map_err(|e| io_message(&rel, &e))?;
        }
        Ok(json!(format!("deleted {}", rel.display())))
    }

    fn apply_diff(&self, a: &Map<String, Value>) -> ToolResult {
        let diff = s(a, "diff").unwrap_or("");
        let patches = parse_diff(diff)?;
        let dry = b(a, "dry_run").unwrap_or(false);
        let mut report = Vec::new();
        let mut writes = Vec::new();
        for p in &patches {
            let target = s(a, "file_path").map(String::from).unwrap_or_else(|| p.path.clone());
            let rel = relative(&target)?;
            let old = if p.new_file { String::new() } else { self.read_text(&rel)? };
            let new = apply_hunks(&old, &p.hunks).map_err(|e| format!("{target}: {e}"))?;
            report.push(format!("{target}: {} hunk(s) apply", p.hunks.len()));
            writes.push((rel, new));
        }
        if dry {
            return Ok(json!(format!("dry run, nothing changed: {}", report.join("; "))));
        }
        for (rel, new) in writes {
            self.write(&rel, new.as_bytes())?;
        }
        Ok(json!(format!("applied: {}", report.join("; "))))
    }

    /// A folder beneath the workspace for a command to run in, as a path the kernel resolves
    /// (commands themselves are confined by Landlock, not by this check).
    fn command_dir(&self, path: &str) -> Result<PathBuf, String> {
        let rel = relative(path)?;
        self.dir.open_dir(&rel).map_err(|e| io_message(&rel, &e))?;
        Ok(self.root.join(rel))
    }

    async fn shell_exec(&self, a: &Map<String, Value>) -> ToolResult {
        let command = s(a, "command").unwrap_or("");
        if let Some(why) = blocked_command(command) {
            return Err(format!("blocked: `{command}` {why}; fg never runs it"));
        }
        let cwd = self.command_dir(s(a, "cwd").unwrap_or("."))?;
        let timeout = n(a, "timeout").unwrap_or(60).clamp(1, MAX_TIMEOUT_S as i64) as u64;
        run_confined("sh", &["-c", command], &cwd, Duration::from_secs(timeout), &self.confinement).await
    }

    async fn run_tests(&self, a: &Map<String, Value>) -> ToolResult {
        let path = s(a, "path").unwrap_or(".");
        let rel = relative(path)?;
        let is_dir = self.dir.metadata(&rel).map_err(|e| io_message(&rel, &e))?.is_dir();
        let base = if is_dir { rel.clone() } else { rel.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf() };
        let has = |f: &str| self.dir.exists(base.join(f)) || self.dir.exists(f);
        let framework = match s(a, "framework").unwrap_or("auto") {
            "auto" if has("Cargo.toml") => "cargo",
            "auto" if has("go.mod") => "go",
            "auto" if has("package.json") => "jest",
            "auto" => "pytest",
            f => f,
        };
        let pattern = s(a, "pattern");
        let verbose = b(a, "verbose").unwrap_or(true);
        let shown = self.display(&rel);
        let mut args: Vec<String> = match framework {
            "cargo" => vec!["cargo".into(), "test".into()],
            "go" => vec!["go".into(), "test".into(), "./...".into()],
            "jest" => vec!["npx".into(), "jest".into()],
            _ => vec!["python3".into(), "-m".into(), "pytest".into(), if verbose { "-v".into() } else { "-q".into() }, shown.clone()],
        };
        if let Some(p) = pattern {
            match framework {
                "cargo" => args.push(p.trim_end_matches('*').into()),
                "go" => args.extend(["-run".into(), p.into()]),
                "jest" => args.extend(["-t".into(), p.into()]),
                _ => args.extend(["-k".into(), p.trim_end_matches('*').into()]),
            }
        }
        let timeout = n(a, "timeout").unwrap_or(300).clamp(1, MAX_TIMEOUT_S as i64) as u64;
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut result = run_confined(argv[0], &argv[1..], &self.root, Duration::from_secs(timeout), &self.confinement).await?;
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
}

/// What a walk does: where it started in the workspace, whether it descends, which folder names
/// it never enters, and how many bytes of `.gitignore` rules it may still read.
struct Walk<'a> {
    base: &'a Path,
    recursive: bool,
    skip: &'a [&'a str],
    rules_left: &'a std::cell::Cell<u64>,
}

/// Bytes of `.gitignore` rules one walk reads at most, all files together: compiling rules costs
/// about 0.25 s per MiB, and a hostile tree of folders each holding a huge `.gitignore` would
/// otherwise make every search take minutes. Past it, further `.gitignore` files are not read
/// (their folders are walked as if they had none).
const MAX_GITIGNORE_BYTES: u64 = 1 << 20;

/// The rules of folder `d`'s `.gitignore` (never through a link), rooted at `rel`, its path in
/// the workspace; None when it has none, or when it is longer than what `left` allows (then no
/// further file is read either).
fn gitignore(d: &Dir, rel: &Path, left: &std::cell::Cell<u64>) -> Option<Gitignore> {
    let mut opts = OpenOptions::new();
    opts.read(true).follow(FollowSymlinks::No);
    let mut text = String::new();
    d.open_with(".gitignore", &opts).ok()?.take(left.get() + 1).read_to_string(&mut text).ok()?;
    if text.len() as u64 > left.get() {
        left.set(0);
        return None;
    }
    left.set(left.get() - text.len() as u64);
    let mut b = GitignoreBuilder::new(if rel.as_os_str().is_empty() { Path::new(".") } else { rel });
    for line in text.lines() {
        // A line that is not a valid glob is skipped, as git skips it.
        let _ = b.add_line(None, line);
    }
    b.build().ok().filter(|g| !g.is_empty())
}

/// Whether the innermost rule that speaks of `path` (relative to the workspace) ignores it.
fn ignored(rules: &[Gitignore], path: &Path, dir: bool) -> bool {
    rules.iter().rev().find_map(|g| match g.matched(path, dir) {
        ignore::Match::None => None,
        m => Some(m.is_ignore()),
    }) == Some(true)
}

/// One folder of `Sandbox::walk`; false once the walk is to stop. `rules` holds the `.gitignore`
/// rules in force, innermost last.
fn walk_dir(d: &Dir, rel: &Path, w: &Walk, rules: &mut Vec<Gitignore>, seen: &mut usize, visit: &mut impl FnMut(&Path, Kind, &Dir) -> bool) -> bool {
    let Ok(entries) = d.entries() else { return true };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        *seen += 1;
        if *seen > MAX_ENTRIES {
            return false;
        }
        let name = e.file_name();
        let Ok(ft) = e.file_type() else { continue };
        let kind = if ft.is_symlink() {
            Kind::Link
        } else if ft.is_dir() {
            Kind::Dir
        } else {
            Kind::File
        };
        let path = rel.join(&name);
        if w.recursive && ignored(rules, &w.base.join(&path), kind == Kind::Dir) {
            continue;
        }
        if !visit(&path, kind, d) {
            return false;
        }
        let shown = name.to_string_lossy();
        if w.recursive && kind == Kind::Dir && !shown.starts_with('.') && !w.skip.contains(&shown.as_ref()) {
            // open_dir_nofollow: a folder swapped for a link after the listing is refused.
            if let Ok(sub) = d.open_dir_nofollow(&name) {
                let own = gitignore(&sub, &w.base.join(&path), w.rules_left);
                let pushed = own.is_some();
                rules.extend(own);
                let go_on = walk_dir(&sub, &path, w, rules, seen, visit);
                if pushed {
                    rules.pop();
                }
                if !go_on {
                    return false;
                }
            }
        }
    }
    true
}

/// Why a shell command is never run, or None. Matched on words, not substrings, so flags split
/// apart (`rm -r -f /`) or spelled long (`--recursive --force`) are caught too. This is a last
/// line against the obvious; consent and Landlock are the real guards.
pub fn blocked_command(command: &str) -> Option<&'static str> {
    // Each simple command of the line, split on ; & | and newlines, as words.
    for part in command.split([';', '&', '|', '\n', '(', ')', '`']) {
        let words: Vec<&str> = part.split_whitespace().map(|w| w.trim_matches(|c| c == '"' || c == '\'')).collect();
        let Some(pos) = words.iter().position(|w| !w.contains('=') && *w != "sudo" && *w != "env" && *w != "nohup" && *w != "command" && *w != "exec") else { continue };
        let program = words[pos].rsplit('/').next().unwrap_or("");
        let args = &words[pos + 1..];
        let flag_has = |short: char, long: &str| args.iter().any(|a| *a == long || (a.starts_with('-') && !a.starts_with("--") && a.contains(short)));
        let root_like = |a: &&str| matches!(*a, "/" | "/*" | "~" | "~/" | "~/*" | "$HOME" | "${HOME}" | "$HOME/" | "$HOME/*" | "." | "./" | "*" | "./*");
        match program {
            "rm" if (flag_has('r', "--recursive") || flag_has('R', "--recursive")) && args.iter().any(root_like) => return Some("deletes a whole tree (/, ~, . or *)"),
            "rm" if args.contains(&"--no-preserve-root") => return Some("deletes from the root"),
            "mkfs" | "fdisk" | "parted" | "wipefs" | "shutdown" | "reboot" | "halt" | "poweroff" | "init" => return Some("changes the machine, not the workspace"),
            p if p.starts_with("mkfs.") => return Some("formats a disk"),
            "dd" if args.iter().any(|a| a.starts_with("of=/dev/")) => return Some("writes to a device"),
            "chmod" | "chown" if flag_has('R', "--recursive") && args.iter().any(root_like) => return Some("changes the permissions of a whole tree"),
            _ => {}
        }
        if words.iter().any(|w| w.starts_with(">/dev/sd") || w.starts_with("/dev/sd") && part.contains('>')) {
            return Some("writes to a disk device");
        }
    }
    if command.replace(' ', "").contains(":(){:|:&};:") {
        return Some("is a fork bomb");
    }
    None
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
