//! JSON Schema to a grammar of JSON text, with llama.cpp's conventions so that its grammar tests
//! hold (`shared/reference/grammar-cases.jsonl`): optional whitespace after each value, at most 16
//! integer digits, no keys beyond the declared ones unless `additionalProperties` allows them (and
//! then never a declared key with the wrong type), and a fixed key order. The order is llama.cpp's
//! for bare schemas (required keys in declared order, then optional ones) and alphabetical for tool
//! calls, matching how fg renders arguments.

use super::int_range::int_range;
use super::regex::{pattern_to_expr, Context};
use super::{Expr, Grammar};
use anyhow::{bail, Result};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrder {
    /// llama.cpp's policy: required properties in declared order, then optional ones.
    Declared,
    /// Every key in alphabetical order (how fg renders call arguments).
    Sorted,
}

pub struct JsonConverter<'g> {
    pub g: &'g mut Grammar,
    pub order: KeyOrder,
}

const SPACE: &str = "space";

impl JsonConverter<'_> {
    fn prim(&mut self, name: &str) -> Expr {
        if !self.g.has(name) {
            let e = match name {
                SPACE => Expr::opt(Expr::alt(vec![
                    Expr::lit(" "),
                    Expr::seq(vec![Expr::Repeat(Box::new(Expr::lit("\n")), 1, Some(2)), Expr::Repeat(Box::new(Expr::class(&[(' ', ' '), ('\t', '\t')])), 0, Some(20))]),
                ])),
                "char" => Expr::alt(vec![
                    Expr::not_class(&[('"', '"'), ('\\', '\\'), ('\x7f', '\x7f'), ('\0', '\x1f')]),
                    Expr::seq(vec![
                        Expr::lit("\\"),
                        Expr::alt(vec![
                            Expr::class(&[('"', '"'), ('\\', '\\'), ('/', '/'), ('b', 'b'), ('f', 'f'), ('n', 'n'), ('r', 'r'), ('t', 't')]),
                            Expr::seq(vec![Expr::lit("u"), Expr::Repeat(Box::new(Expr::class(&[('0', '9'), ('a', 'f'), ('A', 'F')])), 4, Some(4))]),
                        ]),
                    ]),
                ]),
                "string" => Expr::seq(vec![Expr::lit("\""), Expr::star(self.prim("char")), Expr::lit("\""), self.prim(SPACE)]),
                "integral-part" => Expr::alt(vec![Expr::lit("0"), Expr::seq(vec![Expr::class(&[('1', '9')]), Expr::Repeat(Box::new(Expr::class(&[('0', '9')])), 0, Some(15))])]),
                "decimal-part" => Expr::Repeat(Box::new(Expr::class(&[('0', '9')])), 1, Some(16)),
                "integer" => Expr::seq(vec![Expr::opt(Expr::lit("-")), self.prim("integral-part"), self.prim(SPACE)]),
                "number" => Expr::seq(vec![
                    Expr::opt(Expr::lit("-")),
                    self.prim("integral-part"),
                    Expr::opt(Expr::seq(vec![Expr::lit("."), self.prim("decimal-part")])),
                    Expr::opt(Expr::seq(vec![Expr::class(&[('e', 'e'), ('E', 'E')]), Expr::opt(Expr::class(&[('-', '-'), ('+', '+')])), self.prim("integral-part")])),
                    self.prim(SPACE),
                ]),
                "boolean" => Expr::seq(vec![Expr::alt(vec![Expr::lit("true"), Expr::lit("false")]), self.prim(SPACE)]),
                "null" => Expr::seq(vec![Expr::lit("null"), self.prim(SPACE)]),
                "value" => {
                    // Recursive: define the name first so the containers can refer to it.
                    self.g.set("value", placeholder("value"));
                    let e = Expr::alt(vec![self.prim("object"), self.prim("array"), self.prim("string"), self.prim("number"), self.prim("boolean"), self.prim("null")]);
                    self.g.set("value", e);
                    return Expr::r("value");
                }
                "object" => {
                    self.g.set("object", placeholder("object"));
                    let (s, v, sp) = (self.prim("string"), self.prim("value"), self.prim(SPACE));
                    let kv = Expr::seq(vec![s, Expr::lit(":"), sp.clone(), v]);
                    Expr::seq(vec![Expr::lit("{"), sp.clone(), Expr::opt(Expr::seq(vec![kv.clone(), Expr::star(Expr::seq(vec![Expr::lit(","), sp.clone(), kv]))])), Expr::lit("}"), sp])
                }
                "array" => {
                    self.g.set("array", placeholder("array"));
                    let (v, sp) = (self.prim("value"), self.prim(SPACE));
                    Expr::seq(vec![Expr::lit("["), sp.clone(), Expr::opt(Expr::seq(vec![v.clone(), Expr::star(Expr::seq(vec![Expr::lit(","), sp.clone(), v]))])), Expr::lit("]"), sp])
                }
                other => unreachable!("no primitive {other}"),
            };
            self.g.set(name, e);
        }
        Expr::r(name)
    }

    /// The grammar of JSON values that satisfy `schema`, each followed by optional whitespace.
    pub fn visit(&mut self, schema: &Value, name: &str) -> Result<Expr> {
        let Some(obj) = schema.as_object() else {
            return match schema {
                Value::Bool(true) => Ok(self.prim("value")),
                _ => bail!("{name}: a schema must be an object"),
            };
        };
        if obj.contains_key("$ref") {
            bail!("{name}: $ref is not supported");
        }
        let sp = self.prim(SPACE);
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(alts)) = obj.get(key) {
                let mut out = Vec::new();
                for (i, a) in alts.iter().enumerate() {
                    out.push(self.visit(a, &format!("{name}-{i}"))?);
                }
                return Ok(self.rule(name, Expr::alt(out)));
            }
        }
        let ty = obj.get("type");
        if let Some(Value::Array(types)) = ty {
            let mut out = Vec::new();
            for t in types {
                let mut s = obj.clone();
                s.insert("type".into(), t.clone());
                out.push(self.visit(&Value::Object(s), &format!("{name}-{}", t.as_str().unwrap_or("t")))?);
            }
            return Ok(self.rule(name, Expr::alt(out)));
        }
        let ty = ty.and_then(Value::as_str);
        if let Some(c) = obj.get("const") {
            return Ok(self.literal(c));
        }
        if let Some(Value::Array(values)) = obj.get("enum") {
            let alts = values.iter().map(|v| Expr::lit(serde_json::to_string(v).unwrap())).collect();
            return Ok(self.rule(name, Expr::seq(vec![Expr::alt(alts), sp.clone()])));
        }
        let additional = obj.get("additionalProperties");
        if (ty.is_none() || ty == Some("object")) && (obj.contains_key("properties") || additional.is_some_and(|a| a.is_object())) {
            return self.object(obj, name);
        }
        if (ty.is_none() || ty == Some("array")) && (obj.contains_key("items") || obj.contains_key("prefixItems")) {
            let shape = ArrayShape::of(obj);
            let mut prefix = Vec::new();
            for (i, s) in shape.prefix.iter().enumerate() {
                prefix.push(self.visit(s, &format!("{name}-{i}"))?);
            }
            let rest = match shape.rest {
                Rest::Any => Some(self.prim("value")),
                Rest::Schema(s) => Some(self.visit(s, &format!("{name}-item"))?),
                Rest::Nothing => None,
            };
            let sep = Expr::seq(vec![Expr::lit(","), self.prim(SPACE)]);
            let items = tuple(prefix, rest, shape.min, shape.max, sep).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            return Ok(self.rule(name, Expr::seq(vec![Expr::lit("["), sp.clone(), items, Expr::lit("]"), sp.clone()])));
        }
        if (ty.is_none() || ty == Some("string")) && obj.contains_key("pattern") {
            let pattern = obj["pattern"].as_str().unwrap_or_default();
            let chr = self.prim("char");
            let body = pattern_to_expr(pattern, &chr, Context::Json)?;
            return Ok(self.rule(name, Expr::seq(vec![Expr::lit("\""), body, Expr::lit("\""), sp.clone()])));
        }
        match ty {
            Some("string") if obj.contains_key("minLength") || obj.contains_key("maxLength") => {
                let min = obj.get("minLength").and_then(Value::as_u64).unwrap_or(0) as u32;
                let max = obj.get("maxLength").and_then(Value::as_u64).map(|m| m as u32);
                let chars = Expr::Repeat(Box::new(self.prim("char")), min, max);
                Ok(self.rule(name, Expr::seq(vec![Expr::lit("\""), chars, Expr::lit("\""), sp.clone()])))
            }
            Some("integer") if ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"].iter().any(|k| obj.contains_key(*k)) => {
                let (lo, hi) = int_bounds(obj);
                Ok(self.rule(name, Expr::seq(vec![int_range(lo, hi), sp.clone()])))
            }
            Some("string") => Ok(self.prim("string")),
            Some("integer") => Ok(self.prim("integer")),
            Some("number") => Ok(self.prim("number")),
            Some("boolean") => Ok(self.prim("boolean")),
            Some("null") => Ok(self.prim("null")),
            Some("object") => Ok(self.prim("object")),
            Some("array") => Ok(self.prim("array")),
            None => Ok(self.prim("value")),
            Some(other) => bail!("{name}: unknown type {other:?}"),
        }
    }

    fn rule(&mut self, name: &str, e: Expr) -> Expr {
        match e {
            Expr::Ref(_) => e,
            e => Expr::r(&self.g.add(name, e)),
        }
    }

    fn literal(&mut self, v: &Value) -> Expr {
        Expr::seq(vec![Expr::lit(serde_json::to_string(v).unwrap()), self.prim(SPACE)])
    }

    fn object(&mut self, obj: &serde_json::Map<String, Value>, name: &str) -> Result<Expr> {
        let empty = serde_json::Map::new();
        let props = obj.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required: Vec<&str> = obj.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let sp = self.prim(SPACE);
        let mut entries: Vec<(String, Expr, bool)> = Vec::new();
        for (k, s) in props {
            let value = self.visit(s, &format!("{name}-{k}"))?;
            let kv = Expr::seq(vec![Expr::lit(serde_json::to_string(k).unwrap()), sp.clone(), Expr::lit(":"), sp.clone(), value]);
            entries.push((k.clone(), kv, required.contains(&k.as_str())));
        }
        match self.order {
            KeyOrder::Declared => entries.sort_by_key(|(_, _, req)| !*req),
            KeyOrder::Sorted => entries.sort_by(|a, b| a.0.cmp(&b.0)),
        }
        let mut chain: Vec<Member> = entries.into_iter().map(|(_, kv, req)| Member { kv, required: req, repeated: false }).collect();
        if let Some(add) = obj.get("additionalProperties").filter(|a| a.is_object() || **a == Value::Bool(true)) {
            let value = if add.is_object() { self.visit(add, &format!("{name}-additional-value"))? } else { self.prim("value") };
            let names: Vec<&str> = props.keys().map(String::as_str).collect();
            let key = if names.is_empty() { self.prim("string") } else { self.not_strings(&names, &format!("{name}-additional-k")) };
            let kv = Expr::seq(vec![key, Expr::lit(":"), sp.clone(), value]);
            let kv = Expr::r(&self.g.add(&format!("{name}-additional-kv"), kv));
            chain.push(Member { kv, required: false, repeated: true });
        }
        let sep = Expr::seq(vec![Expr::lit(","), sp.clone()]);
        let body = member_chain(self.g, name, chain, sep);
        Ok(self.rule(name, Expr::seq(vec![Expr::lit("{"), sp.clone(), body, Expr::lit("}"), sp])))
    }

    /// A JSON string key equal to none of `words` (llama.cpp's additional-property keys).
    fn not_strings(&mut self, words: &[&str], name: &str) -> Expr {
        #[derive(Default)]
        struct Node {
            children: std::collections::BTreeMap<char, Node>,
            end: bool,
        }
        let mut root = Node::default();
        for w in words {
            let mut n = &mut root;
            for c in w.chars() {
                n = n.children.entry(c).or_default();
            }
            n.end = true;
        }
        let chr = self.prim("char");
        fn rest(n: &Node, chr: &Expr) -> Expr {
            let mut alts = Vec::new();
            for (c, child) in &n.children {
                alts.push(Expr::seq(vec![Expr::lit(c.to_string()), rest(child, chr)]));
            }
            // Any other character leaves every excluded word behind.
            let mut excl: Vec<(char, char)> = n.children.keys().map(|&c| (c, c)).collect();
            excl.extend([('"', '"'), ('\\', '\\'), ('\x7f', '\x7f'), ('\0', '\x1f')]);
            let escape = Expr::seq(vec![
                Expr::lit("\\"),
                Expr::alt(vec![
                    Expr::class(&[('"', '"'), ('\\', '\\'), ('/', '/'), ('b', 'b'), ('f', 'f'), ('n', 'n'), ('r', 'r'), ('t', 't')]),
                    Expr::seq(vec![Expr::lit("u"), Expr::Repeat(Box::new(Expr::class(&[('0', '9'), ('a', 'f'), ('A', 'F')])), 4, Some(4))]),
                ]),
            ]);
            alts.push(Expr::seq(vec![Expr::alt(vec![Expr::Class { negated: true, ranges: excl }, escape]), Expr::star(chr.clone())]));
            if !n.end {
                alts.push(Expr::empty());
            }
            Expr::alt(alts)
        }
        let body = rest(&root, &chr);
        let sp = self.prim(SPACE);
        Expr::r(&self.g.add(name, Expr::seq(vec![Expr::lit("\""), body, Expr::lit("\""), sp])))
    }
}

/// A stand-in for a recursive rule while its body is built (unique, so never shared by `add`).
pub fn placeholder(name: &str) -> Expr {
    Expr::Ref(format!("placeholder-{name}"))
}

/// One member of an object's fixed key order.
pub struct Member {
    pub kv: Expr,
    pub required: bool,
    /// Additional properties: may repeat.
    pub repeated: bool,
}

/// Members in order, required ones mandatory, optional ones optional, separated by `sep`:
/// `head_i` is the rest when nothing is written yet, `tail_i` when something is.
pub fn member_chain(g: &mut Grammar, name: &str, members: Vec<Member>, sep: Expr) -> Expr {
    let mut tail = Expr::empty();
    let mut head = Expr::empty();
    for (i, m) in members.iter().enumerate().rev() {
        let after = if m.repeated { Expr::star(Expr::seq(vec![sep.clone(), m.kv.clone()])) } else { Expr::empty() };
        let new_tail =
            if m.required { Expr::seq(vec![sep.clone(), m.kv.clone(), tail.clone()]) } else { Expr::seq(vec![Expr::opt(Expr::seq(vec![sep.clone(), m.kv.clone(), after.clone()])), tail.clone()]) };
        let new_head = if m.required { Expr::seq(vec![m.kv.clone(), tail.clone()]) } else { Expr::alt(vec![Expr::seq(vec![m.kv.clone(), after, tail.clone()]), head.clone()]) };
        // Name the pieces so the grammar stays linear in the number of keys.
        if i > 0 {
            tail = Expr::r(&g.add(&format!("{name}-tail-{i}"), new_tail));
            head = Expr::r(&g.add(&format!("{name}-head-{i}"), new_head));
        } else {
            head = new_head;
        }
    }
    head
}

/// `item (sep item){min-1,max-1}`, optional when min is 0.
pub fn repetition(item: Expr, min: u32, max: Option<u32>, sep: Expr) -> Expr {
    if max == Some(0) {
        return Expr::empty();
    }
    let rest = Expr::Repeat(Box::new(Expr::seq(vec![sep, item.clone()])), min.saturating_sub(1), max.map(|m| m - 1));
    let body = Expr::seq(vec![item, rest]);
    if min == 0 {
        Expr::opt(body)
    } else {
        body
    }
}

/// An array schema's items: the positional ones of a tuple, then what may follow them.
pub struct ArrayShape<'a> {
    pub prefix: Vec<&'a Value>,
    pub rest: Rest<'a>,
    pub min: u32,
    pub max: Option<u32>,
}

/// What an array holds after its tuple prefix.
pub enum Rest<'a> {
    /// Any JSON value (no schema, or `true`).
    Any,
    /// Nothing (`false`): the array ends with the prefix.
    Nothing,
    Schema(&'a Value),
}

impl<'a> ArrayShape<'a> {
    /// Reads both tuple spellings: draft 4's `items: [..]` with `additionalItems` for the rest, and
    /// 2020-12's `prefixItems` with `items` for the rest; a plain `items` schema is a prefix of none.
    pub fn of(obj: &'a serde_json::Map<String, Value>) -> ArrayShape<'a> {
        let rest_of = |v: Option<&'a Value>| match v {
            None | Some(Value::Bool(true)) => Rest::Any,
            Some(Value::Bool(false)) => Rest::Nothing,
            Some(s) => Rest::Schema(s),
        };
        let (prefix, rest) = match (obj.get("prefixItems"), obj.get("items")) {
            (Some(Value::Array(p)), items) => (p.iter().collect(), rest_of(items)),
            (_, Some(Value::Array(p))) => (p.iter().collect(), rest_of(obj.get("additionalItems"))),
            (_, items) => (Vec::new(), rest_of(items)),
        };
        let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0) as u32;
        let max = obj.get("maxItems").and_then(Value::as_u64).map(|m| m as u32);
        ArrayShape { prefix, rest, min, max }
    }
}

/// The items of an array (without brackets): `prefix[0] sep prefix[1] …` then `rest` items, with
/// between `min` and `max` items in all. As in JSON Schema, an array may stop before the end of its
/// prefix (unless `min` says otherwise), and `rest` None allows nothing after it.
pub fn tuple(prefix: Vec<Expr>, rest: Option<Expr>, min: u32, max: Option<u32>, sep: Expr) -> Result<Expr> {
    if max.is_some_and(|m| m < min) {
        bail!("no array satisfies it: minItems {min} is above maxItems {}", max.unwrap_or(0));
    }
    if prefix.is_empty() {
        return match rest {
            Some(item) => Ok(repetition(item, min, max, sep)),
            None if min == 0 => Ok(Expr::empty()),
            None => bail!("no array satisfies it: minItems {min} but no items are allowed"),
        };
    }
    // Positions past maxItems can never be filled.
    let n = max.map_or(prefix.len(), |m| prefix.len().min(m as usize));
    let room = max.map(|m| m.saturating_sub(n as u32));
    let need = min.saturating_sub(n as u32);
    if min as usize > n && (rest.is_none() || room == Some(0)) {
        bail!("no array satisfies it: minItems {min} but at most {n} items are allowed");
    }
    if n == 0 {
        return Ok(Expr::empty());
    }
    // After the last prefix item: `rest` items, each after a separator.
    let mut next = match rest {
        Some(item) if room != Some(0) => Expr::Repeat(Box::new(Expr::seq(vec![sep.clone(), item])), need, room),
        _ => Expr::empty(),
    };
    for (i, p) in prefix.into_iter().take(n).enumerate().rev() {
        let here = Expr::seq(vec![p, next]);
        next = match i {
            0 => here,
            i if (i as u32) < min => Expr::seq(vec![sep.clone(), here]),
            _ => Expr::opt(Expr::seq(vec![sep.clone(), here])),
        };
    }
    Ok(if min == 0 { Expr::opt(next) } else { next })
}

/// Inclusive integer bounds from minimum/maximum and their exclusive forms.
pub fn int_bounds(obj: &serde_json::Map<String, Value>) -> (Option<i64>, Option<i64>) {
    let num = |k: &str| obj.get(k).and_then(Value::as_f64);
    let mut lo = num("minimum").map(|v| v.ceil() as i64);
    let mut hi = num("maximum").map(|v| v.floor() as i64);
    if let Some(v) = num("exclusiveMinimum") {
        let l = v.floor() as i64 + 1;
        lo = Some(lo.map_or(l, |x| x.max(l)));
    }
    if let Some(v) = num("exclusiveMaximum") {
        let h = v.ceil() as i64 - 1;
        hi = Some(hi.map_or(h, |x| x.min(h)));
    }
    (lo, hi)
}

/// The grammar for one bare JSON Schema (`fg grammar --schema`), with llama.cpp's key order.
pub fn schema_grammar(schema: &Value) -> Result<Grammar> {
    let mut g = Grammar::new();
    let mut c = JsonConverter { g: &mut g, order: KeyOrder::Declared };
    let e = c.visit(schema, "root-value")?;
    g.set("root", e);
    Ok(g)
}
