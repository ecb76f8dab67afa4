//! Harvest: tool calls as Delia's test files write them, validated against the tools.
//!
//! Shapes recognised (in Python, JSON, Markdown or any text file):
//! - XML: `<tool_call>{"name": …, "arguments": {…}}</tool_call>`
//! - bare calls: `{"name": "read_file", "arguments": {"path": "x"}}`, as JSON or a Python dict
//! - OpenAI `tool_calls` entries: `{"type": "function", "function": {"name": …, "arguments": "<json>"}}`
//! - direct server calls: `mcp_server.delegate.fn(task="review", content="…")` and
//!   `call_tool("read_file", {"path": "x"})`
//!
//! Every call is checked against its tool's schema; those that fail are dropped and counted by
//! reason.

use crate::format::Call;
use crate::tools::{CallError, Tools};
use serde_json::{Map, Number, Value};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, serde::Serialize)]
pub struct HarvestStats {
    pub files_scanned: usize,
    pub found: usize,
    pub kept: usize,
    pub duplicates: usize,
    pub by_shape: BTreeMap<String, usize>,
    pub dropped: BTreeMap<String, usize>,
}

pub struct Harvested {
    pub call: Call,
    pub file: PathBuf,
    pub shape: &'static str,
}

const EXTENSIONS: &[&str] = &["py", "json", "jsonl", "md", "txt", "ts", "js", "yaml", "yml"];

/// Scans every file under `dirs` and returns the valid, distinct calls.
pub fn harvest(dirs: &[PathBuf], tools: &Tools, stats: &mut HarvestStats) -> anyhow::Result<Vec<Harvested>> {
    let mut files = Vec::new();
    for d in dirs {
        anyhow::ensure!(d.exists(), "harvest folder {} does not exist", d.display());
        collect_files(d, &mut files)?;
    }
    files.sort();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        stats.files_scanned += 1;
        for (shape, found) in scan(&text) {
            stats.found += 1;
            *stats.by_shape.entry(shape.to_string()).or_default() += 1;
            let call = match found {
                Ok(c) => c,
                Err(reason) => {
                    *stats.dropped.entry(reason).or_default() += 1;
                    continue;
                }
            };
            match tools.check_call(&call.name, &call.arguments) {
                Err(CallError::UnknownTool(_)) => *stats.dropped.entry("unknown tool".into()).or_default() += 1,
                Err(CallError::Invalid { violations, .. }) => {
                    let first = violations.first().cloned().unwrap_or_default();
                    let reason = if first.contains("required") {
                        "missing required argument"
                    } else if first.contains("is not of type") {
                        "wrong argument type"
                    } else if first.contains("is not one of") {
                        "value not in enum"
                    } else if first.contains("Additional properties") || first.contains("additional") {
                        "unknown argument"
                    } else {
                        "schema violation"
                    };
                    *stats.dropped.entry(reason.into()).or_default() += 1;
                }
                Ok(()) => {
                    let key = format!("{}{}", call.name, Value::Object(call.arguments.clone()));
                    if seen.insert(key) {
                        stats.kept += 1;
                        out.push(Harvested { call, file: f.clone(), shape });
                    } else {
                        stats.duplicates += 1;
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The files to harvest under `dir` (or `dir` itself when it is a file): those with a test
/// file's extension, links not followed (a repository's links may point anywhere).
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for e in walkdir::WalkDir::new(dir) {
        let e = e?;
        let wanted = e.depth() == 0 || e.path().extension().and_then(|x| x.to_str()).is_some_and(|x| EXTENSIONS.contains(&x));
        if e.file_type().is_file() && wanted {
            out.push(e.into_path());
        }
    }
    Ok(())
}

type Found = (&'static str, Result<Call, String>);

/// Every call-shaped thing in `text`, in order of appearance.
pub fn scan(text: &str) -> Vec<Found> {
    let mut found: Vec<(usize, Found)> = Vec::new();
    let mut taken = vec![false; text.len() + 1];
    // 1. <tool_call>…</tool_call>
    let mut at = 0;
    while let Some(i) = text[at..].find("<tool_call>") {
        let start = at + i + "<tool_call>".len();
        let Some(e) = text[start..].find("</tool_call>") else { break };
        let inner = &text[start..start + e];
        let r = match literal(inner.trim()) {
            Some((v, _)) => call_from_value(&v).ok_or_else(|| "unparsable call".to_string()),
            None => Err("unparsable call".to_string()),
        };
        found.push((at + i, ("xml", r)));
        taken[at + i..start + e].iter_mut().for_each(|t| *t = true);
        at = start + e;
    }
    // 2. direct server calls: NAME.fn(k=v, …) and call_tool("NAME", {…})
    for (pos, _) in text.match_indices(".fn(") {
        let name_start = text[..pos].rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let name = &text[name_start..pos];
        if name.is_empty() {
            continue;
        }
        let r = kwargs(&text[pos + 4..]).map(|arguments| Call { name: name.to_string(), arguments }).ok_or_else(|| "unparsable call".to_string());
        found.push((name_start, ("direct", r)));
        mark_call(&mut taken, text, pos);
    }
    for (pos, _) in text.match_indices("call_tool(") {
        if text[..pos].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // part of a longer name, such as test_call_tool(
        }
        let rest = &text[pos + "call_tool(".len()..];
        let r = (|| {
            let (name, used) = literal(rest)?;
            let name = name.as_str()?.to_string();
            let rest = rest[used..].trim_start().strip_prefix(',')?.trim_start();
            let arguments = match literal(rest) {
                Some((Value::Object(o), _)) => o,
                _ => Map::new(),
            };
            Some(Call { name, arguments })
        })()
        .ok_or_else(|| "unparsable call".to_string());
        found.push((pos, ("direct", r)));
        mark_call(&mut taken, text, pos + "call_tool".len());
    }
    // 3. JSON or Python objects: bare calls and OpenAI tool_calls entries.
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'{' || taken[i] {
            i += 1;
            continue;
        }
        match literal(&text[i..]) {
            Some((v, used)) => {
                let mut calls = Vec::new();
                collect_calls(&v, &mut calls);
                for c in calls {
                    found.push((i, c));
                }
                i += used.max(1);
            }
            None => i += 1,
        }
    }
    found.sort_by_key(|(pos, _)| *pos);
    found.into_iter().map(|(_, f)| f).collect()
}

/// Marks the text of a call expression starting at `open - 1` (the '(' follows) as taken.
fn mark_call(taken: &mut [bool], text: &str, open: usize) {
    let mut depth = 0;
    for (j, c) in text[open..].char_indices() {
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    taken[open..open + j + 1].iter_mut().for_each(|t| *t = true);
                    return;
                }
            }
            _ => {}
        }
    }
}

fn collect_calls(v: &Value, out: &mut Vec<Found>) {
    match v {
        Value::Object(o) => {
            if let Some(f) = o.get("function").filter(|f| f.get("name").is_some()) {
                out.push(("openai", call_from_value(f).ok_or_else(|| "unparsable arguments".to_string())));
                return;
            }
            if o.get("name").is_some_and(Value::is_string) && (o.contains_key("arguments") || o.contains_key("parameters")) {
                out.push(("json", call_from_value(v).ok_or_else(|| "unparsable arguments".to_string())));
                return;
            }
            o.values().for_each(|x| collect_calls(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_calls(x, out)),
        _ => {}
    }
}

fn call_from_value(v: &Value) -> Option<Call> {
    let name = v.get("name")?.as_str()?.to_string();
    let arguments = match v.get("arguments").or_else(|| v.get("parameters")) {
        None => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(Value::String(s)) => match literal(s.trim()) {
            Some((Value::Object(o), _)) => o,
            _ => return None,
        },
        Some(_) => return None,
    };
    Some(Call { name, arguments })
}

/// Keyword arguments `k=v, …` up to the closing parenthesis.
fn kwargs(s: &str) -> Option<Map<String, Value>> {
    let mut m = Map::new();
    let mut rest = s.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix(')') {
            let _ = r;
            return Some(m);
        }
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let (v, used) = literal(rest[eq + 1..].trim_start())?;
        let consumed = rest.len() - rest[eq + 1..].trim_start().len() + used;
        m.insert(key.to_string(), v);
        rest = rest[consumed..].trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        }
    }
}

/// Parses one JSON or Python literal at the start of `s`: dicts, lists, tuples, strings in either
/// quote (triple quotes and implicit concatenation too), numbers, true/false/null and
/// True/False/None. Returns the value and the bytes used.
pub fn literal(s: &str) -> Option<(Value, usize)> {
    let mut p = Lit { s, at: 0 };
    let v = p.value(0)?;
    Some((v, p.at))
}

struct Lit<'a> {
    s: &'a str,
    at: usize,
}

impl Lit<'_> {
    fn ws(&mut self) {
        loop {
            let r = &self.s[self.at..];
            let t = r.trim_start();
            self.at += r.len() - t.len();
            if t.starts_with('#') {
                self.at += t.find('\n').unwrap_or(t.len());
            } else {
                return;
            }
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.ws();
        if self.s[self.at..].starts_with(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > 64 {
            return None;
        }
        self.ws();
        let r = &self.s[self.at..];
        let c = r.chars().next()?;
        match c {
            '{' => {
                self.at += 1;
                let mut m = Map::new();
                if self.eat('}') {
                    return Some(Value::Object(m));
                }
                loop {
                    let k = match self.value(depth + 1)? {
                        Value::String(k) => k,
                        _ => return None,
                    };
                    if !self.eat(':') {
                        return None;
                    }
                    let v = self.value(depth + 1)?;
                    m.insert(k, v);
                    if self.eat(',') {
                        if self.eat('}') {
                            return Some(Value::Object(m));
                        }
                        continue;
                    }
                    return self.eat('}').then_some(Value::Object(m));
                }
            }
            '[' | '(' => {
                let close = if c == '[' { ']' } else { ')' };
                self.at += 1;
                let mut a = Vec::new();
                if self.eat(close) {
                    return Some(Value::Array(a));
                }
                loop {
                    a.push(self.value(depth + 1)?);
                    if self.eat(',') {
                        if self.eat(close) {
                            return Some(Value::Array(a));
                        }
                        continue;
                    }
                    return self.eat(close).then_some(Value::Array(a));
                }
            }
            '"' | '\'' => {
                let mut out = self.string()?;
                // Python's implicit concatenation of adjacent literals.
                loop {
                    let save = self.at;
                    self.ws();
                    if self.s[self.at..].starts_with(['"', '\'']) {
                        out.push_str(&self.string()?);
                    } else {
                        self.at = save;
                        return Some(Value::String(out));
                    }
                }
            }
            _ => {
                let end = r.find(|c: char| !(c.is_ascii_alphanumeric() || "+-._".contains(c))).unwrap_or(r.len());
                let word = &r[..end];
                let v = match word {
                    "true" | "True" => Value::Bool(true),
                    "false" | "False" => Value::Bool(false),
                    "null" | "None" => Value::Null,
                    _ => {
                        if let Ok(i) = word.replace('_', "").parse::<i64>() {
                            Value::Number(i.into())
                        } else {
                            Value::Number(Number::from_f64(word.parse::<f64>().ok()?)?)
                        }
                    }
                };
                self.at += end;
                Some(v)
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        let r = &self.s[self.at..];
        let q = r.chars().next()?;
        let triple: String = std::iter::repeat_n(q, 3).collect();
        let (delim, body_start) = if r.starts_with(&triple) { (triple.as_str(), 3) } else { (&r[..1], 1) };
        let body = &r[body_start..];
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if body[i..].starts_with(delim) {
                self.at += body_start + i + delim.len();
                return Some(out);
            }
            if c == '\n' && delim.len() == 1 {
                return None;
            }
            if c == '\\' {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '0' => out.push('\0'),
                    '\n' => {}
                    'u' => {
                        let hex: String = (0..4).filter_map(|_| chars.next().map(|(_, h)| h)).collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    other => out.push(other),
                }
            } else {
                out.push(c);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_harvested_folder_s_links_are_not_followed() {
        // A hostile repository: a link loop and a link to a file outside it.
        let top = tempfile::tempdir().unwrap();
        let (repo, outside) = (top.path().join("repo"), top.path().join("secret.txt"));
        std::fs::create_dir_all(repo.join("tests")).unwrap();
        std::fs::write(repo.join("tests/test_a.py"), "x").unwrap();
        std::fs::write(&outside, "TOPSECRET").unwrap();
        std::os::unix::fs::symlink(&repo, repo.join("tests/loop")).unwrap();
        std::os::unix::fs::symlink(&outside, repo.join("tests/leak.txt")).unwrap();
        let mut files = Vec::new();
        collect_files(&repo, &mut files).unwrap();
        assert_eq!(files, [repo.join("tests/test_a.py")]);
    }

    #[test]
    fn literals_in_json_and_python() {
        let (v, n) = literal(
            r#"{'a': True, "b": [1, 2.5, None], 'c': ('x', "y"), 'd': """multi
line""", 'e': 'con' "cat"} trailing"#,
        )
        .unwrap();
        assert_eq!(v, serde_json::json!({"a": true, "b": [1, 2.5, null], "c": ["x", "y"], "d": "multi\nline", "e": "concat"}));
        assert_eq!(
            &r#"{'a': True, "b": [1, 2.5, None], 'c': ('x', "y"), 'd': """multi
line""", 'e': 'con' "cat"} trailing"#[n..],
            " trailing"
        );
        assert!(literal("{'a': }").is_none());
        assert!(literal("{'a': 'unterminated}").is_none());
    }

    #[test]
    fn scan_finds_every_shape() {
        let text = r#"
            out = '<tool_call>{"name": "read_file", "arguments": {"path": "a.py"}}</tool_call>'
            call = {"name": "web_search", "arguments": {"query": "rust"}}
            msg = {"tool_calls": [{"id": "c1", "type": "function", "function": {"name": "health", "arguments": "{}"}}]}
            await mcp_server.delegate.fn(task="review", content="def f(): pass")
            result = await client.call_tool("list_directory", {"path": "src"})
            not_a_call = {"name": "x"}
        "#;
        let found = scan(text);
        let names: Vec<(&str, String)> = found.iter().map(|(s, c)| (*s, c.as_ref().unwrap().name.clone())).collect();
        assert_eq!(names, [("xml", "read_file".into()), ("json", "web_search".into()), ("openai", "health".into()), ("direct", "delegate".into()), ("direct", "list_directory".into())]);
        let delegate = found[3].1.as_ref().unwrap();
        assert_eq!(delegate.arguments["content"], "def f(): pass");
    }
}
