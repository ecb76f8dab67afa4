//! Tool definitions in OpenAI's format: loading, checking, and one compiled jsonschema validator
//! per tool, built once.
//!
//! Checking is strict so that a typo in a tools file is an error naming the tool and the place, not
//! a silently ignored keyword: unknown JSON Schema keywords, unknown types, `required` entries that
//! name no property, defaults that break their own schema, duplicate tool names.

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::Path;

/// The JSON Schema keywords `fg` understands (grammars, rendering, validation). Tuples come in
/// both spellings: draft 4's `items: [..]` with `additionalItems`, and 2020-12's `prefixItems`
/// with `items` for the rest.
pub const KNOWN_KEYWORDS: &[&str] = &[
    "type",
    "description",
    "title",
    "properties",
    "required",
    "enum",
    "const",
    "default",
    "examples",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "items",
    "prefixItems",
    "additionalItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "additionalProperties",
    "anyOf",
    "oneOf",
    "nullable",
];

const KNOWN_TYPES: &[&str] = &["string", "integer", "number", "boolean", "array", "object", "null"];

/// One tool: its declaration and its compiled argument validator.
pub struct Tool {
    pub name: String,
    pub description: String,
    /// The `parameters` schema (an object schema).
    pub parameters: Value,
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tool").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Tool {
    /// Property schemas of the parameters, in the file's order.
    pub fn properties(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.parameters.get("properties").and_then(Value::as_object).into_iter().flatten()
    }

    pub fn property(&self, name: &str) -> Option<&Value> {
        self.parameters.get("properties")?.get(name)
    }

    /// Required argument names, in the schema's order.
    pub fn required(&self) -> Vec<&str> {
        self.parameters.get("required").and_then(Value::as_array).map_or_else(Vec::new, |r| r.iter().filter_map(Value::as_str).collect())
    }

    /// Every violation of the tool's schema by `arguments`, as readable lines (empty when valid).
    pub fn violations(&self, arguments: &Map<String, Value>) -> Vec<String> {
        let instance = Value::Object(arguments.clone());
        self.validator
            .iter_errors(&instance)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{at}: {e}")
                }
            })
            .collect()
    }

    pub fn is_valid(&self, arguments: &Map<String, Value>) -> bool {
        self.validator.is_valid(&Value::Object(arguments.clone()))
    }
}

/// A checked tools file.
#[derive(Debug)]
pub struct Tools {
    pub tools: Vec<Tool>,
    /// FNV-1a hash of the canonical JSON of the declarations: identifies the tool set in artifacts.
    pub hash: String,
}

impl Tools {
    pub fn load(path: &Path) -> Result<Tools> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read tools file {}", path.display()))?;
        Tools::from_json(&text).with_context(|| {
            crate::error::BadInput::new(
                format!("invalid tools file {}", path.display()),
                "fix the file: a JSON array of {\"type\": \"function\", \"function\": {\"name\", \"description\", \"parameters\"}}",
            )
        })
    }

    /// Parses an OpenAI tools array (`[{"type": "function", "function": {…}}, …]`); bare function
    /// objects and `{"tools": […]}` are accepted too.
    pub fn from_json(text: &str) -> Result<Tools> {
        let root: Value = serde_json::from_str(text).context("not valid JSON")?;
        let list = match &root {
            Value::Array(a) => a,
            Value::Object(o) => match o.get("tools") {
                Some(Value::Array(a)) => a,
                _ => bail!("expected a JSON array of tools (or an object with a \"tools\" array)"),
            },
            _ => bail!("expected a JSON array of tools"),
        };
        if list.is_empty() {
            bail!("the file declares no tools");
        }
        let mut tools = Vec::with_capacity(list.len());
        let mut names = HashSet::new();
        for (i, entry) in list.iter().enumerate() {
            let f = entry.get("function").unwrap_or(entry);
            let name = match f.get("name") {
                Some(Value::String(name)) => name.as_str(),
                Some(other) => bail!("tool #{i}: name must be a string, got {other}"),
                None => bail!("tool #{i} has no \"name\""),
            };
            let tool = check_tool(name, f).with_context(|| format!("tool `{name}`"))?;
            if !names.insert(name.to_string()) {
                bail!("tool `{name}` is declared twice");
            }
            tools.push(tool);
        }
        let canonical: Vec<Value> = tools.iter().map(|t| serde_json::json!({"name": t.name, "description": t.description, "parameters": t.parameters})).collect();
        let hash = format!("{:016x}", crate::hash::fnv1a(serde_json::to_string(&canonical)?.as_bytes()));
        Ok(Tools { tools, hash })
    }

    pub fn get(&self, name: &str) -> Option<&Tool> {
        self.tools.iter().find(|t| t.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tools.iter().map(|t| t.name.as_str())
    }

    pub fn len(&self) -> usize {
        self.tools.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    /// Checks a call: the tool exists and the arguments satisfy its schema.
    pub fn check_call(&self, name: &str, arguments: &Map<String, Value>) -> Result<(), CallError> {
        let Some(tool) = self.get(name) else {
            return Err(CallError::UnknownTool(name.to_string()));
        };
        let v = tool.violations(arguments);
        if v.is_empty() {
            Ok(())
        } else {
            Err(CallError::Invalid { tool: name.to_string(), violations: v })
        }
    }
}

/// Why a call may not run.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    UnknownTool(String),
    Invalid { tool: String, violations: Vec<String> },
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::UnknownTool(n) => write!(f, "there is no tool named `{n}`"),
            CallError::Invalid { tool, violations } => write!(f, "invalid arguments for `{tool}`: {}", violations.join("; ")),
        }
    }
}

impl std::error::Error for CallError {}

/// Delia's tools as fg ships them (the project's tools.openai.json when fg was built): the
/// default wherever no tools file is named, so an installed fg needs no source tree.
pub const SHIPPED_TOOLS: &str = include_str!("../tools.openai.json");

impl Tools {
    /// The shipped tool set.
    pub fn shipped() -> Tools {
        Tools::from_json(SHIPPED_TOOLS).expect("the shipped tools file is checked by the tests")
    }

    /// The tools file at `path`, or the shipped tool set.
    pub fn load_or_shipped(path: Option<&Path>) -> Result<Tools> {
        match path {
            Some(p) => Tools::load(p),
            None => Ok(Tools::shipped()),
        }
    }
}

/// The project's own tools file, next to Cargo.toml (tests and benchmarks).
pub fn default_tools_path() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools.openai.json")
}

/// Whether fg accepts `name` as a tool name: letters, digits, '_', '-' or '.', not starting with a
/// digit (what both chat formats and the grammars can write without escaping).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') && !name.starts_with(|c: char| c.is_ascii_digit())
}

fn check_tool(name: &str, f: &Value) -> Result<Tool> {
    if !is_valid_name(name) {
        bail!("the name must be letters, digits, '_', '-' or '.' (and not start with a digit)");
    }
    let description = match f.get("description") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => bail!("\"description\" must be a string"),
    };
    let parameters = f.get("parameters").cloned().unwrap_or_else(|| serde_json::json!({"type": "object", "properties": {}}));
    if parameters.get("type").and_then(Value::as_str) != Some("object") {
        bail!("\"parameters\" must be a schema of type \"object\"");
    }
    check_schema(&parameters, "parameters")?;
    // Calls are strict: an argument the tool does not declare is an error (as the grammar has it),
    // unless the schema says otherwise.
    let mut strict = for_validator(&parameters);
    if let Some(o) = strict.as_object_mut() {
        o.entry("additionalProperties").or_insert(Value::Bool(false));
    }
    let validator = jsonschema::options().should_validate_formats(false).build(&strict).map_err(|e| anyhow::anyhow!("parameters are not a valid JSON Schema: {e}"))?;
    Ok(Tool { name: name.to_string(), description, parameters, validator })
}

/// Walks a schema, rejecting what `fg` would silently misunderstand.
fn check_schema(s: &Value, at: &str) -> Result<()> {
    let obj = s.as_object().with_context(|| format!("{at}: a schema must be an object"))?;
    for (k, v) in obj {
        if !KNOWN_KEYWORDS.contains(&k.as_str()) {
            let hint = KNOWN_KEYWORDS.iter().find(|kw| kw.eq_ignore_ascii_case(k)).map(|kw| format!(" (did you mean `{kw}`?)")).unwrap_or_default();
            bail!("{at}: unknown JSON Schema keyword `{k}`{hint}");
        }
        match k.as_str() {
            "type" => {
                let types: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                for t in types {
                    let t = t.as_str().with_context(|| format!("{at}.type: must be a string or an array of strings"))?;
                    if !KNOWN_TYPES.contains(&t) {
                        bail!("{at}.type: unknown type {t:?} (one of {})", KNOWN_TYPES.join(", "));
                    }
                }
            }
            "properties" => {
                let props = v.as_object().with_context(|| format!("{at}.properties: must be an object"))?;
                for (name, p) in props {
                    if name.is_empty() {
                        bail!("{at}.properties: empty property name");
                    }
                    check_schema(p, &format!("{at}.properties.{name}"))?;
                }
            }
            "required" => {
                let req = v.as_array().with_context(|| format!("{at}.required: must be an array"))?;
                for r in req {
                    let r = r.as_str().with_context(|| format!("{at}.required: entries must be strings"))?;
                    if obj.get("properties").and_then(|p| p.get(r)).is_none() {
                        bail!("{at}.required: {r:?} is not a declared property");
                    }
                }
            }
            "items" => match v {
                Value::Array(tuple) => {
                    if obj.contains_key("prefixItems") {
                        bail!("{at}: a tuple is either `items: [..]` (draft 4) or `prefixItems` (2020-12), not both");
                    }
                    for (i, s) in tuple.iter().enumerate() {
                        check_schema(s, &format!("{at}.items[{i}]"))?;
                    }
                }
                Value::Bool(_) => {}
                _ => check_schema(v, &format!("{at}.items"))?,
            },
            "prefixItems" => {
                let tuple = v.as_array().with_context(|| format!("{at}.prefixItems: must be an array of schemas"))?;
                for (i, s) in tuple.iter().enumerate() {
                    check_schema(s, &format!("{at}.prefixItems[{i}]"))?;
                }
            }
            "additionalItems" => {
                if !obj.get("items").is_some_and(Value::is_array) {
                    bail!("{at}.additionalItems: only means something after a tuple `items: [..]` (for 2020-12 tuples, `items` says what follows `prefixItems`)");
                }
                if !v.is_boolean() {
                    check_schema(v, &format!("{at}.additionalItems"))?;
                }
            }
            "additionalProperties" if !v.is_boolean() => check_schema(v, &format!("{at}.additionalProperties"))?,
            "anyOf" | "oneOf" => {
                let alts = v.as_array().with_context(|| format!("{at}.{k}: must be an array"))?;
                for (i, a) in alts.iter().enumerate() {
                    check_schema(a, &format!("{at}.{k}[{i}]"))?;
                }
            }
            "enum" if v.as_array().is_none_or(|a| a.is_empty()) => bail!("{at}.enum: must be a non-empty array"),
            "pattern" => {
                let p = v.as_str().with_context(|| format!("{at}.pattern: must be a string"))?;
                if jsonschema::validator_for(&serde_json::json!({"pattern": p})).is_err() {
                    bail!("{at}.pattern: {p:?} is not a valid regular expression");
                }
            }
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" if !v.is_number() => {
                bail!("{at}.{k}: must be a number")
            }
            "minLength" | "maxLength" | "minItems" | "maxItems" if !v.is_u64() => {
                bail!("{at}.{k}: must be a non-negative integer")
            }
            _ => {}
        }
    }
    if let Some(d) = obj.get("default") {
        let mut own = obj.clone();
        own.remove("default");
        if !jsonschema::is_valid(&for_validator(&Value::Object(own)), d) {
            bail!("{at}.default: {d} does not satisfy the property's own schema");
        }
    }
    Ok(())
}

/// The schema as the validator reads it: jsonschema follows 2020-12, where a draft-4 tuple
/// (`items: [..]`, `additionalItems`) is spelled `prefixItems` and `items`.
fn for_validator(s: &Value) -> Value {
    let Some(obj) = s.as_object() else { return s.clone() };
    let mut out = serde_json::Map::new();
    for (k, v) in obj {
        let v = match k.as_str() {
            "properties" => Value::Object(v.as_object().map(|p| p.iter().map(|(n, p)| (n.clone(), for_validator(p))).collect()).unwrap_or_default()),
            "items" | "additionalProperties" | "additionalItems" => for_validator(v),
            "prefixItems" | "anyOf" | "oneOf" => Value::Array(v.as_array().map(|a| a.iter().map(for_validator).collect()).unwrap_or_default()),
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    if let Some(Value::Array(tuple)) = out.get("items").cloned() {
        out.remove("items");
        out.insert("prefixItems".into(), Value::Array(tuple));
        if let Some(rest) = out.remove("additionalItems") {
            out.insert("items".into(), rest);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        format!("{:#}", Tools::from_json(text).unwrap_err())
    }

    #[test]
    fn the_project_tools_file_loads_with_33_tools() {
        let t = Tools::load(&default_tools_path()).unwrap();
        assert_eq!(t.len(), 33);
        assert_eq!(t.get("read_file").unwrap().required(), ["path"]);
        assert!(t.check_call("web_fetch", serde_json::json!({"url": "https://x.org"}).as_object().unwrap()).is_ok());
        let e = t.check_call("web_fetch", serde_json::json!({"url": "ftp://x"}).as_object().unwrap()).unwrap_err();
        assert!(e.to_string().contains("/url"), "{e}");
        let e = t.check_call("health", serde_json::json!({"verbose": true}).as_object().unwrap()).unwrap_err();
        assert!(e.to_string().contains("verbose"), "undeclared arguments are invalid: {e}");
        assert!(matches!(t.check_call("nope", &Map::new()), Err(CallError::UnknownTool(_))));
    }

    #[test]
    fn mistakes_are_named_with_the_tool_and_place() {
        let e = err(r#"[{"type":"function","function":{"name":"a","parameters":{"type":"object","properties":{"x":{"type":"string","maxlength":3}}}}}]"#);
        assert!(e.contains("tool `a`") && e.contains("parameters.properties.x") && e.contains("`maxlength`") && e.contains("maxLength"), "{e}");
        let e = err(r#"[{"name":"a","parameters":{"type":"object","properties":{"x":{"type":"str"}}}}]"#);
        assert!(e.contains("unknown type \"str\""), "{e}");
        let e = err(r#"[{"name":"a","parameters":{"type":"object","properties":{},"required":["y"]}}]"#);
        assert!(e.contains("\"y\" is not a declared property"), "{e}");
        let e = err(r#"[{"name":"a","parameters":{"type":"object"}},{"name":"a","parameters":{"type":"object"}}]"#);
        assert!(e.contains("declared twice"), "{e}");
        let e = err(r#"[{"name":"a","parameters":{"type":"object","properties":{"n":{"type":"integer","minimum":1,"default":0}}}}]"#);
        assert!(e.contains("default") && e.contains("does not satisfy"), "{e}");
        let e = err(r#"[{"name":"a","parameters":{"type":"object","properties":{"p":{"type":"string","pattern":"(["}}}}]"#);
        assert!(e.contains("not a valid regular expression"), "{e}");
        assert!(err("{").contains("not valid JSON"));
        assert!(err("[]").contains("no tools"));
    }

    #[test]
    fn tuples_load_in_both_spellings_and_validate_positionally() {
        for pair in [r#""items":[{"type":"integer"},{"type":"string"}],"additionalItems":false"#, r#""prefixItems":[{"type":"integer"},{"type":"string"}],"items":false"#] {
            let text = format!(r#"[{{"name":"a","parameters":{{"type":"object","properties":{{"p":{{"type":"array",{pair}}}}}}}}}]"#);
            let t = Tools::from_json(&text).unwrap_or_else(|e| panic!("{pair}: {e:#}"));
            let call = |v: Value| t.check_call("a", serde_json::json!({ "p": v }).as_object().unwrap());
            assert!(call(serde_json::json!([1, "x"])).is_ok(), "{pair}");
            assert!(call(serde_json::json!([1])).is_ok(), "{pair}: a tuple may stop early");
            assert!(call(serde_json::json!(["x", 1])).is_err(), "{pair}: positions have their own schemas");
            assert!(call(serde_json::json!([1, "x", 2])).is_err(), "{pair}: nothing may follow");
        }
        let rest = Tools::from_json(r#"[{"name":"a","parameters":{"type":"object","properties":{"p":{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"integer"}}}}}]"#).unwrap();
        assert!(rest.check_call("a", serde_json::json!({"p": ["x", 1, 2]}).as_object().unwrap()).is_ok());
        assert!(rest.check_call("a", serde_json::json!({"p": ["x", "y"]}).as_object().unwrap()).is_err());
        let e = err(r#"[{"name":"a","parameters":{"type":"object","properties":{"p":{"type":"array","items":[{"type":"strin"}]}}}}]"#);
        assert!(e.contains("parameters.properties.p.items[0].type"), "{e}");
        let e = err(r#"[{"name":"a","parameters":{"type":"object","properties":{"p":{"type":"array","items":{"type":"string"},"additionalItems":false}}}}]"#);
        assert!(e.contains("additionalItems") && e.contains("tuple"), "{e}");
        let e = err(r#"[{"name":"a","parameters":{"type":"object","properties":{"p":{"type":"array","items":[{"type":"string"}],"prefixItems":[]}}}}]"#);
        assert!(e.contains("not both"), "{e}");
    }

    #[test]
    fn hash_changes_with_the_declarations() {
        let a = Tools::from_json(r#"[{"name":"a","description":"x","parameters":{"type":"object"}}]"#).unwrap();
        let b = Tools::from_json(r#"[{"name":"a","description":"y","parameters":{"type":"object"}}]"#).unwrap();
        assert_ne!(a.hash, b.hash);
    }
}
