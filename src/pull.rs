//! `fg tools pull`: an OpenAI-format tools file from a live MCP server, its input schemas
//! normalised to what `src/tools.rs` accepts, with fg's builtin tools kept as they are.
//!
//! Servers write JSON Schema the way their framework does (FastMCP via pydantic: `title` on every
//! node, `Optional[T] = None` as `anyOf: [T, {"type": "null"}]` with `default: null`, models as
//! `$ref` into `$defs`, tuples as `prefixItems`). fg's loader is strict on purpose, so the schemas are
//! rewritten into the forms it reads; anything the rewrite does not know is left for the loader,
//! which names the tool and the place.

use crate::agent::mcp::ServerTool;
use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

/// A pulled tools file and what became of each server tool.
#[derive(Debug)]
pub struct Pulled {
    /// The OpenAI tools array: the server's tools in its order, then fg's builtin tools.
    pub file: Value,
    /// How many tools the server listed.
    pub listed: usize,
    pub added: Vec<String>,
    /// Server tools left out, with why.
    pub skipped: Vec<(String, String)>,
    /// Builtin tools kept from the base file.
    pub builtins: Vec<String>,
    /// Server tools of the base file that this server no longer lists.
    pub gone: Vec<String>,
}

impl Pulled {
    /// The summary printed after a pull.
    pub fn summary(&self, origin: &str) -> String {
        let mut s = format!("{origin} lists {} tools\n", self.listed);
        s += &format!("added {}: {}\n", self.added.len(), list(&self.added));
        for (name, why) in &self.skipped {
            s += &format!("skipped {name}: {why}\n");
        }
        s += &format!("kept {} builtin tools of fg\n", self.builtins.len());
        if !self.gone.is_empty() {
            s += &format!("not on this server (left out): {}\n", list(&self.gone));
        }
        s
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The tools file for `server`'s tools: each input schema normalised, builtin names left to fg
/// (their definitions come from `base`, an OpenAI tools array), checked by the loader and the
/// grammar builder before it is returned.
pub fn merge(server: &[ServerTool], base: &Value, builtin: &[&str]) -> Result<Pulled> {
    let base = base.as_array().context("the base tools file must be a JSON array of tools")?;
    let name_of = |t: &Value| t.get("function").unwrap_or(t).get("name").and_then(Value::as_str).map(String::from);
    let mut file = Vec::new();
    let (mut added, mut skipped) = (Vec::new(), Vec::new());
    for t in server {
        if builtin.contains(&t.name.as_str()) {
            skipped.push((t.name.clone(), "a builtin tool of fg, which runs it itself: fg's definition is kept".to_string()));
            continue;
        }
        if !crate::tools::is_valid_name(&t.name) {
            skipped.push((t.name.clone(), "fg's tool names are letters, digits, '_', '-' and '.' (not starting with a digit)".to_string()));
            continue;
        }
        if added.contains(&t.name) {
            skipped.push((t.name.clone(), "listed twice: the first one is kept".to_string()));
            continue;
        }
        let parameters = normalize(&t.input_schema).with_context(|| format!("tool `{}` of the server", t.name))?;
        file.push(serde_json::json!({"type": "function", "function": {"name": t.name, "description": t.description.trim(), "parameters": parameters}}));
        added.push(t.name.clone());
    }
    let mut builtins = Vec::new();
    let mut gone = Vec::new();
    for entry in base {
        let Some(name) = name_of(entry) else { continue };
        if builtin.contains(&name.as_str()) {
            file.push(entry.clone());
            builtins.push(name);
        } else if !server.iter().any(|t| t.name == name) {
            gone.push(name);
        }
    }
    let file = Value::Array(file);
    let text = serde_json::to_string(&file)?;
    let tools = crate::tools::Tools::from_json(&text).context("the pulled tools do not load")?;
    for format in [crate::format::Format::FunctionGemma, crate::format::Format::Json] {
        crate::grammar::tools::tools_grammar(&tools, format).with_context(|| format!("no {} grammar for the pulled tools", format.name()))?;
    }
    Ok(Pulled { file, listed: server.len(), added, skipped, builtins, gone })
}

/// Keywords that only annotate (for people and documentation tools): dropped.
const ANNOTATIONS: &[&str] = &["title", "$schema", "$id", "$comment", "$defs", "definitions", "readOnly", "writeOnly", "deprecated", "contentMediaType", "contentEncoding", "discriminator"];

/// One tool's input schema in the forms fg's loader reads:
/// - `$ref` (into `$defs`, `definitions` or anywhere else in the schema) inlined; a cycle is an error;
/// - a property that is not required and whose schema is `anyOf`/`oneOf` with a `{"type": "null"}`
///   alternative, or a `type` list with `"null"`, loses the null (leaving it out is how a call
///   says "none");
/// - `allOf` merged into its parent, a one-alternative `anyOf`/`oneOf` too;
/// - draft 4's boolean `exclusiveMinimum`/`exclusiveMaximum` made numbers;
/// - `title` and other annotations dropped; a `default` kept only when it satisfies its schema.
///
/// Enums, `const`, nested objects, `additionalProperties` and tuples are kept.
pub fn normalize(schema: &Value) -> Result<Value> {
    let mut n = Normalizer { root: schema, refs: Vec::new() };
    let mut out = n.schema(schema, "parameters")?;
    let obj = out.as_object_mut().context("parameters: the input schema must be an object")?;
    if !obj.contains_key("type") {
        obj.insert("type".into(), "object".into());
    }
    if obj.get("type") != Some(&Value::from("object")) {
        bail!("parameters: the input schema must be of type \"object\", not {}", obj["type"]);
    }
    Ok(out)
}

struct Normalizer<'a> {
    root: &'a Value,
    /// The `$ref`s being inlined, outermost first (a repeat is a cycle).
    refs: Vec<String>,
}

impl Normalizer<'_> {
    /// A schema position (where `true` means any value).
    fn schema(&mut self, s: &Value, at: &str) -> Result<Value> {
        match s {
            Value::Bool(true) => Ok(Value::Object(Map::new())),
            Value::Bool(false) => bail!("{at}: the schema `false` accepts no value"),
            Value::Object(o) => self.object(o, at),
            other => bail!("{at}: a schema must be an object, not {other}"),
        }
    }

    /// A position where `true` and `false` keep their meaning (items, additionalProperties, …).
    fn schema_or_bool(&mut self, s: &Value, at: &str) -> Result<Value> {
        if s.is_boolean() {
            Ok(s.clone())
        } else {
            self.schema(s, at)
        }
    }

    fn object(&mut self, o: &Map<String, Value>, at: &str) -> Result<Value> {
        if let Some(r) = o.get("$ref") {
            return self.inline(r, o, at);
        }
        let mut out = Map::new();
        for (k, v) in o {
            if ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-") {
                continue;
            }
            let v = match k.as_str() {
                "properties" => {
                    let props = v.as_object().with_context(|| format!("{at}.properties: must be an object"))?;
                    let mut p = Map::new();
                    for (name, s) in props {
                        p.insert(name.clone(), self.schema(s, &format!("{at}.properties.{name}"))?);
                    }
                    Value::Object(p)
                }
                "items" | "prefixItems" if v.is_array() => Value::Array(self.list(v, &format!("{at}.{k}"))?),
                "items" | "additionalItems" | "additionalProperties" => self.schema_or_bool(v, &format!("{at}.{k}"))?,
                "anyOf" | "oneOf" | "allOf" => Value::Array(self.list(v, &format!("{at}.{k}"))?),
                _ => v.clone(),
            };
            out.insert(k.clone(), v);
        }
        if let Some(all) = out.remove("allOf") {
            for (i, part) in all.as_array().into_iter().flatten().enumerate() {
                merge_into(&mut out, part, &format!("{at}.allOf[{i}]"))?;
            }
        }
        for key in ["anyOf", "oneOf"] {
            if out.get(key).and_then(Value::as_array).is_some_and(|a| a.len() == 1) {
                let only = out.remove(key).unwrap()[0].clone();
                merge_into(&mut out, &only, &format!("{at}.{key}[0]"))?;
            }
        }
        draft4_exclusive_bounds(&mut out);
        optional_without_null(&mut out);
        if let Some(d) = out.get("default").cloned() {
            let mut own = out.clone();
            own.remove("default");
            if !satisfies(&Value::Object(own), &d) {
                out.remove("default");
            }
        }
        Ok(Value::Object(out))
    }

    fn list(&mut self, v: &Value, at: &str) -> Result<Vec<Value>> {
        let items = v.as_array().with_context(|| format!("{at}: must be an array of schemas"))?;
        items.iter().enumerate().map(|(i, s)| self.schema(s, &format!("{at}[{i}]"))).collect()
    }

    /// `{"$ref": R, …siblings}`: R's schema with the siblings laid over it (a description or a
    /// default next to a `$ref` is about this use of it).
    fn inline(&mut self, r: &Value, o: &Map<String, Value>, at: &str) -> Result<Value> {
        let r = r.as_str().with_context(|| format!("{at}.$ref: must be a string"))?;
        let pointer = r.strip_prefix('#').with_context(|| format!("{at}.$ref: {r:?} points outside the schema (only local references, \"#/…\", are followed)"))?;
        let pointer = percent_encoding::percent_decode_str(pointer).decode_utf8().with_context(|| format!("{at}.$ref: {r:?} is not valid UTF-8"))?;
        if let Some(i) = self.refs.iter().position(|x| x == r) {
            let mut path = self.refs[i..].to_vec();
            path.push(r.to_string());
            bail!("{at}: the schema is recursive ({}): fg's grammars and declarations need a finite schema", path.join(" → "));
        }
        let target = self.root.pointer(&pointer).with_context(|| format!("{at}.$ref: {r:?} points at nothing in the schema"))?;
        let mut merged = match target {
            Value::Object(t) => t.clone(),
            Value::Bool(true) => Map::new(),
            other => bail!("{at}.$ref: {r:?} is not a schema ({other})"),
        };
        for (k, v) in o {
            if k != "$ref" {
                merged.insert(k.clone(), v.clone());
            }
        }
        self.refs.push(r.to_string());
        let out = self.object(&merged, at);
        self.refs.pop();
        out
    }
}

/// Lays `part` (an `allOf` member or the one alternative of an `anyOf`) over `out`: properties and
/// required lists join; any other keyword must agree where both have it.
fn merge_into(out: &mut Map<String, Value>, part: &Value, at: &str) -> Result<()> {
    let part = part.as_object().with_context(|| format!("{at}: must be a schema object"))?;
    for (k, v) in part {
        match (k.as_str(), out.get_mut(k)) {
            (_, None) => {
                out.insert(k.clone(), v.clone());
            }
            ("properties", Some(Value::Object(mine))) => {
                for (name, s) in v.as_object().into_iter().flatten() {
                    match mine.get(name) {
                        Some(existing) if existing != s => bail!("{at}: property `{name}` is declared twice with different schemas"),
                        _ => {
                            mine.insert(name.clone(), s.clone());
                        }
                    }
                }
            }
            ("required", Some(Value::Array(mine))) => {
                for r in v.as_array().into_iter().flatten() {
                    if !mine.contains(r) {
                        mine.push(r.clone());
                    }
                }
            }
            // The outer description is about this use of the schema: it wins.
            ("description", Some(_)) => {}
            (_, Some(existing)) if existing == v => {}
            (_, Some(existing)) => bail!("{at}: `{k}` is {v} here but {existing} around it; fg cannot merge the two"),
        }
    }
    Ok(())
}

/// Draft 4 wrote `exclusiveMinimum: true` next to `minimum`; later drafts write the bound itself.
fn draft4_exclusive_bounds(out: &mut Map<String, Value>) {
    for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        match out.get(flag) {
            Some(Value::Bool(true)) => {
                if let Some(b) = out.remove(bound) {
                    out.insert(flag.into(), b);
                } else {
                    out.remove(flag);
                }
            }
            Some(Value::Bool(false)) => {
                out.remove(flag);
            }
            _ => {}
        }
    }
}

/// For each property that is not required: drop the null alternative of `anyOf`/`oneOf` or of a
/// type list. An optional argument is left out to mean "none"; a grammar that also allows `null`
/// only gives the model two ways to say it, and the declaration a union it was not trained on.
fn optional_without_null(out: &mut Map<String, Value>) {
    let required: Vec<String> = out.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).map(String::from).collect()).unwrap_or_default();
    let Some(Value::Object(props)) = out.get_mut("properties") else { return };
    for (name, s) in props.iter_mut() {
        if required.contains(name) {
            continue;
        }
        let Some(o) = s.as_object_mut() else { continue };
        let is_null = |a: &Value| a.as_object().is_some_and(|a| a.len() == 1 && a.get("type") == Some(&Value::from("null")));
        for key in ["anyOf", "oneOf"] {
            let Some(Value::Array(alts)) = o.get(key) else { continue };
            if !alts.iter().any(is_null) || alts.iter().all(is_null) {
                continue;
            }
            let rest: Vec<Value> = alts.iter().filter(|a| !is_null(a)).cloned().collect();
            if rest.len() == 1 {
                o.remove(key);
                // The outer keywords (description, default) are about this property: they win.
                for (k, v) in rest[0].as_object().into_iter().flatten() {
                    o.entry(k.clone()).or_insert_with(|| v.clone());
                }
            } else {
                o.insert(key.into(), Value::Array(rest));
            }
        }
        if let Some(Value::Array(types)) = o.get("type") {
            let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
            if !rest.is_empty() && rest.len() < types.len() {
                let t = if rest.len() == 1 { rest[0].clone() } else { Value::Array(rest) };
                o.insert("type".into(), t);
            }
        }
        if o.get("default") == Some(&Value::Null) && !satisfies(&Value::Object(o.clone()), &Value::Null) {
            o.remove("default");
        }
    }
}

/// Whether `value` satisfies `schema` (false when the schema does not compile).
fn satisfies(schema: &Value, value: &Value) -> bool {
    let mut s = schema.clone();
    if let Some(o) = s.as_object_mut() {
        o.remove("default");
    }
    jsonschema::options().should_validate_formats(false).build(&s).is_ok_and(|v| v.is_valid(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn norm(s: Value) -> Value {
        normalize(&s).unwrap()
    }

    #[test]
    fn optional_null_unions_become_the_plain_type_without_the_null_default() {
        let s = norm(json!({"type": "object", "title": "delegateArguments", "properties": {
            "task": {"type": "string", "title": "Task"},
            "file": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null, "title": "File", "description": "A path"},
            "n": {"type": ["integer", "null"], "default": null},
        }, "required": ["task"]}));
        assert_eq!(
            s,
            json!({"type": "object", "properties": {
            "task": {"type": "string"},
            "file": {"description": "A path", "type": "string"},
            "n": {"type": "integer"},
        }, "required": ["task"]})
        );
    }

    #[test]
    fn a_required_nullable_argument_keeps_its_null() {
        let s = norm(json!({"type": "object", "properties": {"x": {"anyOf": [{"type": "string"}, {"type": "null"}]}}, "required": ["x"]}));
        assert_eq!(s["properties"]["x"], json!({"anyOf": [{"type": "string"}, {"type": "null"}]}));
    }

    #[test]
    fn refs_into_defs_are_inlined_with_their_siblings() {
        let s = norm(
            json!({"type": "object", "$defs": {"Point": {"type": "object", "title": "Point", "properties": {"x": {"type": "integer", "title": "X"}, "y": {"type": "integer"}}, "required": ["x", "y"]}},
            "properties": {
                "p": {"$ref": "#/$defs/Point", "description": "Where"},
                "q": {"anyOf": [{"$ref": "#/definitions/Mode"}, {"type": "null"}], "default": null},
            },
            "definitions": {"Mode": {"enum": ["fast", "slow"], "type": "string", "title": "Mode"}},
            "required": ["p"]}),
        );
        assert_eq!(
            s,
            json!({"type": "object", "properties": {
            "p": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}, "required": ["x", "y"], "description": "Where"},
            "q": {"enum": ["fast", "slow"], "type": "string"},
        }, "required": ["p"]})
        );
    }

    #[test]
    fn a_recursive_schema_is_refused_with_the_cycle_named() {
        let e = normalize(&json!({"type": "object", "properties": {"tree": {"$ref": "#/$defs/Node"}},
            "$defs": {"Node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}}}))
        .unwrap_err();
        let e = format!("{e:#}");
        assert!(e.contains("recursive") && e.contains("#/$defs/Node → #/$defs/Node") && e.contains("parameters.properties.tree.properties.children.items"), "{e}");
        let e = format!("{:#}", normalize(&json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}})).unwrap_err());
        assert!(e.contains("points at nothing") && e.contains("parameters.properties.a"), "{e}");
        let e = format!("{:#}", normalize(&json!({"type": "object", "properties": {"a": {"$ref": "other.json#/x"}}})).unwrap_err());
        assert!(e.contains("outside the schema"), "{e}");
    }

    #[test]
    fn defaults_are_kept_only_when_they_satisfy_the_schema() {
        let s = norm(json!({"type": "object", "properties": {
            "depth": {"type": "string", "enum": ["quick", "normal", "deep"], "default": "normal"},
            "n": {"type": "integer", "minimum": 1, "default": 0},
            "flag": {"type": "boolean", "default": false},
        }}));
        assert_eq!(s["properties"]["depth"]["default"], "normal");
        assert_eq!(s["properties"]["depth"]["enum"], json!(["quick", "normal", "deep"]));
        assert!(s["properties"]["n"].get("default").is_none(), "{s}");
        assert_eq!(s["properties"]["flag"]["default"], false);
    }

    #[test]
    fn const_nested_objects_additional_properties_and_tuples_are_kept() {
        let input = json!({"type": "object", "properties": {
            "kind": {"const": "point"},
            "meta": {"type": "object", "additionalProperties": {"type": "string"}},
            "pair": {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2},
            "old": {"type": "array", "items": [{"type": "integer"}], "additionalItems": false},
        }, "additionalProperties": false});
        assert_eq!(norm(input.clone()), input);
    }

    #[test]
    fn all_of_and_single_alternatives_merge_and_draft4_bounds_become_numbers() {
        let s = norm(json!({"type": "object", "properties": {
            "m": {"allOf": [{"$ref": "#/$defs/M"}], "description": "The mode"},
            "k": {"anyOf": [{"type": "integer", "minimum": 0, "exclusiveMinimum": true}]},
        }, "$defs": {"M": {"type": "string", "enum": ["a", "b"], "description": "inner"}}}));
        assert_eq!(s["properties"]["m"], json!({"description": "The mode", "type": "string", "enum": ["a", "b"]}));
        assert_eq!(s["properties"]["k"], json!({"type": "integer", "exclusiveMinimum": 0}));
        let e = format!("{:#}", normalize(&json!({"type": "object", "properties": {"m": {"type": "string", "allOf": [{"type": "integer"}]}}})).unwrap_err());
        assert!(e.contains("parameters.properties.m.allOf[0]") && e.contains("`type`"), "{e}");
    }

    #[test]
    fn a_property_named_like_a_keyword_survives() {
        let s = norm(json!({"type": "object", "properties": {"title": {"type": "string", "title": "Title"}, "$defs": {"type": "string"}}}));
        assert_eq!(s["properties"], json!({"title": {"type": "string"}, "$defs": {"type": "string"}}));
    }

    fn server(name: &str, schema: Value) -> ServerTool {
        ServerTool { name: name.into(), description: format!("The {name} tool. "), input_schema: schema, read_only: false, destructive: true, destructive_hint: None }
    }

    #[test]
    fn builtins_stay_fgs_and_the_result_loads() {
        let base: Value = serde_json::from_str(&std::fs::read_to_string(crate::tools::default_tools_path()).unwrap()).unwrap();
        let empty = json!({"type": "object", "properties": {}});
        let tools = [
            server("admin", json!({"type": "object", "properties": {"action": {"type": "string", "enum": ["models", "queue"]}}, "required": ["action"]})),
            server("read_file", json!({"type": "object", "properties": {"file": {"type": "string"}}})),
            server("bad name", empty.clone()),
            server("admin", empty.clone()),
            server("health", empty),
        ];
        let p = merge(&tools, &base, crate::agent::builtin::BUILTIN).unwrap();
        assert_eq!(p.added, ["admin", "health"]);
        let skipped: Vec<&str> = p.skipped.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(skipped, ["read_file", "bad name", "admin"]);
        assert_eq!(p.builtins.len(), crate::agent::builtin::BUILTIN.len());
        assert!(p.gone.contains(&"models".to_string()) && !p.gone.contains(&"health".to_string()), "{:?}", p.gone);
        let loaded = crate::tools::Tools::from_json(&p.file.to_string()).unwrap();
        // fg's read_file, not the server's.
        assert_eq!(loaded.get("read_file").unwrap().required(), ["path"]);
        assert_eq!(loaded.get("admin").unwrap().description, "The admin tool.");
        assert!(p.summary("server").contains("skipped read_file: a builtin tool of fg"), "{}", p.summary("server"));
    }

    #[test]
    fn a_schema_the_loader_refuses_is_an_error_naming_the_tool() {
        let base = json!([]);
        let e = merge(&[server("odd", json!({"type": "object", "properties": {"x": {"type": "string", "not": {"const": "a"}}}}))], &base, &[]).unwrap_err();
        let e = format!("{e:#}");
        assert!(e.contains("tool `odd`") && e.contains("parameters.properties.x") && e.contains("`not`"), "{e}");
        let e = format!("{:#}", merge(&[server("arr", json!({"type": "array"}))], &base, &[]).unwrap_err());
        assert!(e.contains("tool `arr` of the server") && e.contains("type \"object\""), "{e}");
    }
}
