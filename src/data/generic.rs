//! Generic requests for tools `synth` has no phrasings for (a tools file pulled from another
//! server): phrasings built from the tool's name and description, argument values drawn from its
//! schema (enum, const, default, bounds, and the property's name to choose a value pool).
//!
//! They teach the model that the tool exists and what its arguments look like, not how people ask
//! for it; `fg data build` names the tools that got only these.

use super::gen::{Gen, Split};
use super::synth::Core;
use super::values;
use crate::tools::Tool;
use serde_json::{Map, Value};

/// Cores that name the tool (`{t}`), say what it does (`{d}`, the description's first sentence
/// in lower case) and list the arguments (`{a}`); `_ARGS` ones need arguments to read well.
const PLAIN: &[&str] = &[
    "use {t}",
    "run {t}",
    "call {t}",
    "{d}",
    "invoke the {t} tool",
    "use the {t} tool to {d}",
    "run {t} to {d}",
    "call {t} now",
    "{d} with {t}",
    "go ahead and run {t}",
    "use {t}: {d}",
    "fire off {t}",
];
const WITH_ARGS: &[&str] = &[
    "use {t} with {a}",
    "run {t} with {a}",
    "call {t} with {a}",
    "{d} with {a}",
    "{d}; {a}",
    "invoke {t} with {a}",
    "use the {t} tool with {a}",
    "run {t}: {a}",
    "call the {t} tool, {a}",
    "{d}, using {a}",
    "{t} with {a}",
    "use {t} to {d}, with {a}",
];
/// How one argument is spelled out (`{k}` its name in words, `{v}` its value).
const ARG_PHRASES: &[&str] = &["{k} {v}", "{k} set to {v}", "{k} = {v}", "{k}: {v}", "the {k} {v}", "{v} as the {k}", "{k} of {v}", "{k} {v}"];

/// Plain words for strings the property's name says nothing about.
const WORDS: &[&str] = &["alpha", "draft notes", "release-2", "nightly", "main", "the login flow", "staging", "report", "weekly summary", "v2", "cleanup", "beta"];

/// Programming languages, for arguments named like `language`.
const LANGUAGES: &[&str] = &["python", "rust", "typescript", "go", "java", "c", "cpp", "bash", "sql", "kotlin", "php", "javascript"];

/// A request for `tool` and the call that serves it. The arguments satisfy the tool's schema
/// whenever the schema's values can be drawn (enums, consts, defaults, typed values in bounds).
pub fn generate(tool: &Tool, g: &mut Gen) -> Core {
    let required = tool.required();
    let mut arguments = Map::new();
    for (k, s) in tool.properties() {
        // Optional arguments appear only when the request names them, as in `synth`.
        if required.contains(&k.as_str()) || g.chance(0.25) {
            arguments.insert(k.clone(), value(k, s, g, 0));
        }
    }
    let t = tool.name.clone();
    let d = description_clause(&tool.description).unwrap_or_else(|| format!("run {}", words(&tool.name)));
    let text = if arguments.is_empty() {
        let template = g.pick(PLAIN);
        g.fill(template, &[("t", t), ("d", d)])
    } else {
        let parts: Vec<String> = arguments
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let p = g.pick(ARG_PHRASES);
                p.replace("{k}", &words(k)).replace("{v}", &v)
            })
            .collect();
        let a = match parts.len() {
            1 => parts[0].clone(),
            n => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
        };
        let template = g.pick(WITH_ARGS);
        g.fill(template, &[("t", t), ("d", d), ("a", a)])
    };
    Core { text, arguments }
}

/// "Execute a task with 3-tier selection. More…" → "execute a task with 3-tier selection".
fn description_clause(description: &str) -> Option<String> {
    let first = description.split(['\n']).next()?.trim();
    let first = first.split(". ").next()?.trim().trim_end_matches(['.', ':', '!']);
    if first.is_empty() || first.len() > 120 {
        return None;
    }
    let mut c = first.chars();
    let head = c.next()?;
    // Keep acronyms and names as they are ("MCP servers…"); lower-case an ordinary first word.
    let keep = c.clone().next().is_some_and(|n| n.is_uppercase());
    Some(if keep { first.to_string() } else { head.to_lowercase().collect::<String>() + c.as_str() })
}

/// `max_tokens` → "max tokens".
fn words(name: &str) -> String {
    name.replace(['_', '-'], " ")
}

/// A value for property `name` with schema `s`.
fn value(name: &str, s: &Value, g: &mut Gen, depth: usize) -> Value {
    let Some(o) = s.as_object() else { return Value::String(g.pick(WORDS).into()) };
    if let Some(c) = o.get("const") {
        return c.clone();
    }
    if let Some(Value::Array(e)) = o.get("enum") {
        return e[g.rng.below(e.len())].clone();
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = o.get(key) {
            let real: Vec<&Value> = alts.iter().filter(|a| a.get("type") != Some(&Value::from("null"))).collect();
            if let Some(a) = real.get(g.rng.below(real.len().max(1))) {
                return value(name, a, g, depth);
            }
        }
    }
    let ty = match o.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("string"),
        _ if o.contains_key("properties") => "object",
        _ if o.contains_key("items") || o.contains_key("prefixItems") => "array",
        _ => "string",
    };
    match ty {
        "integer" | "number" => {
            let (lo, hi) = crate::grammar::json_schema::int_bounds(o);
            let lo = lo.unwrap_or(if hi.is_some_and(|h| h < 1) { hi.unwrap() - 10 } else { 1 });
            let hi = hi.unwrap_or(lo.max(0) + 20).max(lo);
            Value::from(g.int(lo, hi.min(lo + 1000)))
        }
        "boolean" => match o.get("default") {
            // Asking for the default is asking for nothing: name the other value.
            Some(Value::Bool(b)) => Value::Bool(!b),
            _ => Value::Bool(g.chance(0.5)),
        },
        "null" => Value::Null,
        "array" => {
            let shape = crate::grammar::json_schema::ArrayShape::of(o);
            let mut out: Vec<Value> = shape.prefix.iter().map(|p| value(name, p, g, depth + 1)).collect();
            if let crate::grammar::json_schema::Rest::Schema(item) = shape.rest {
                if out.is_empty() || shape.min as usize > out.len() {
                    let n = (shape.min as usize).max(1 + g.rng.below(2)).min(shape.max.unwrap_or(u32::MAX) as usize);
                    while out.len() < n {
                        out.push(value(name, item, g, depth + 1));
                    }
                }
            }
            Value::Array(out)
        }
        "object" if depth < 4 => {
            let req: Vec<&str> = o.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let mut m = Map::new();
            for (k, p) in o.get("properties").and_then(Value::as_object).into_iter().flatten() {
                if req.contains(&k.as_str()) {
                    m.insert(k.clone(), value(k, p, g, depth + 1));
                }
            }
            Value::Object(m)
        }
        "object" => Value::Object(Map::new()),
        _ => string_value(name, o, g),
    }
}

/// A string for property `name`: a pool the name points to, or the default, or plain words.
fn string_value(name: &str, o: &Map<String, Value>, g: &mut Gen) -> Value {
    let n = name.to_lowercase();
    let pool: &[&str] = if n.contains("url") || n.contains("uri") {
        values::URLS
    } else if n.contains("dir") || n.contains("folder") || n == "workspace" {
        values::DIRS
    } else if n.contains("path") || n.contains("file") {
        values::PATHS
    } else if n.contains("query") || n.contains("search") {
        values::QUERIES
    } else if n.contains("lang") {
        LANGUAGES
    } else if n == "tier" {
        values::TIERS
    } else if n.contains("model") {
        values::MODEL_NAMES
    } else if n.contains("command") || n == "cmd" {
        values::COMMANDS
    } else if n.contains("session") || n.ends_with("id") {
        values::CLIENT_IDS
    } else if n.contains("prompt") || n.contains("problem") || n.contains("question") || n.contains("message") {
        values::PROBLEMS
    } else if n.contains("content") || n.contains("code") || n.contains("task") || n.contains("text") {
        values::TASK_CONTENTS
    } else if let Some(Value::String(d)) = o.get("default") {
        // Only a default says what such a string looks like; eval keeps to it.
        if g.split == Split::Eval || g.chance(0.5) {
            return Value::String(d.clone());
        }
        WORDS
    } else {
        WORDS
    };
    let mut v = g.pick(pool).to_string();
    if let Some(max) = o.get("maxLength").and_then(Value::as_u64) {
        v = v.chars().take(max as usize).collect();
    }
    if let Some(min) = o.get("minLength").and_then(Value::as_u64) {
        while (v.chars().count() as u64) < min {
            v.push('x');
        }
    }
    Value::String(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tools;

    fn tools() -> Tools {
        Tools::from_json(
            r#"[{"type":"function","function":{"name":"admin","description":"Administrative operations for Delia. Actions: models, queue.",
            "parameters":{"type":"object","properties":{
              "action":{"type":"string","enum":["models","queue_status","switch_model"]},
              "tier":{"type":"string","enum":["quick","coder"]},
              "model_name":{"type":"string"},
              "limit":{"type":"integer","minimum":1,"maximum":5},
              "verbose":{"type":"boolean","default":false},
              "pair":{"type":"array","prefixItems":[{"type":"integer"},{"type":"string"}],"minItems":2,"maxItems":2},
              "point":{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}},"required":["x","y"]}
            },"required":["action"]}}}]"#,
        )
        .unwrap()
    }

    #[test]
    fn generic_calls_satisfy_the_schema_and_name_the_tool_or_its_purpose() {
        let tools = tools();
        let tool = tools.get("admin").unwrap();
        let mut g = Gen::new(3, Split::Train);
        let mut texts = std::collections::HashSet::new();
        let mut optional_seen = std::collections::HashSet::new();
        for _ in 0..300 {
            let c = generate(tool, &mut g);
            assert!(tool.is_valid(&c.arguments), "{} {:?}: {:?}", c.text, c.arguments, tool.violations(&c.arguments));
            let action = c.arguments["action"].as_str().unwrap();
            assert!(c.text.contains(action), "the request must say the action: {} / {action}", c.text);
            assert!(c.text.contains("admin") || c.text.contains("administrative operations for Delia"), "{}", c.text);
            if c.arguments.get("verbose").is_some() {
                assert_eq!(c.arguments["verbose"], true, "a boolean that defaults to false is asked for as true");
            }
            optional_seen.extend(c.arguments.keys().cloned());
            texts.insert(c.text);
        }
        assert!(texts.len() > 200, "only {} distinct requests", texts.len());
        assert_eq!(optional_seen.len(), 7, "{optional_seen:?}");
    }

    #[test]
    fn the_description_gives_a_lower_case_clause() {
        assert_eq!(description_clause("Execute a task with 3-tier selection. More text."), Some("execute a task with 3-tier selection".into()));
        assert_eq!(description_clause("MCP servers that are configured."), Some("MCP servers that are configured".into()));
        assert_eq!(description_clause(""), None);
    }
}
