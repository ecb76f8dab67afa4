//! Grammars for FunctionGemma's call syntax: `<start_function_call>call:NAME{k:v,…}<end_function_call>`
//! with keys in alphabetical order, strings between `<escape>` tokens, bare numbers and booleans.
//!
//! Control tokens are matched by id (`<[48]>`), so the grammar works with the base vocabulary (where
//! ids 46..52 are named `<unused40>`…) and with exported models alike. A free string may hold any
//! text except the texts of the `<escape>` token (and the other six) in either vocabulary, so that where a string ends
//! is never ambiguous; strings with a pattern or a length bound use characters other than `<`.
//! (Texts of the other FunctionGemma tokens are kept out of strings too: see `FORBIDDEN_IN_STRINGS`.)

use super::int_range::int_range;
use super::json_schema::{int_bounds, member_chain, placeholder, tuple, ArrayShape, Member, Rest};
use super::regex::{pattern_to_expr, Context};
use super::{Expr, Grammar};
use crate::names::token::{self, functiongemma_id};
use anyhow::{bail, Result};
use serde_json::Value;

/// Texts that may not occur inside a free string: those of FunctionGemma's seven tokens in the
/// base vocabulary (`<unused40>`..`<unused46>`) and in exported ones. Otherwise such a token could
/// be read as text inside a string by the grammar while the engine reads it as a marker (a stop).
const FORBIDDEN_IN_STRINGS: [&str; 4] = ["<escape>", "<unused4", "<start_function_", "<end_function_"];

pub struct FgConverter<'g> {
    pub g: &'g mut Grammar,
}

impl FgConverter<'_> {
    fn esc(&self) -> Expr {
        Expr::Token(token::ESCAPE_ID)
    }

    /// Any text without an `<escape>` token text in it (an automaton over the two texts).
    fn free_string(&mut self) -> Expr {
        if !self.g.has("fg-str") {
            string_without(self.g, "fg-str", &FORBIDDEN_IN_STRINGS);
        }
        Expr::r("fg-str")
    }

    fn plain_char(&mut self) -> Expr {
        Expr::r(&self.g.add("fg-char", Expr::not_class(&[('<', '<'), ('\0', '\0')])))
    }

    fn number(&mut self) -> Expr {
        let int = Expr::alt(vec![Expr::lit("0"), Expr::seq(vec![Expr::class(&[('1', '9')]), Expr::Repeat(Box::new(Expr::class(&[('0', '9')])), 0, Some(15))])]);
        let int = Expr::r(&self.g.add("fg-integral", int));
        let e = Expr::seq(vec![
            Expr::opt(Expr::lit("-")),
            int.clone(),
            Expr::opt(Expr::seq(vec![Expr::lit("."), Expr::Repeat(Box::new(Expr::class(&[('0', '9')])), 1, Some(16))])),
            Expr::opt(Expr::seq(vec![Expr::class(&[('e', 'e'), ('E', 'E')]), Expr::opt(Expr::class(&[('-', '-'), ('+', '+')])), int])),
        ]);
        Expr::r(&self.g.add("fg-number", e))
    }

    /// Any value in FunctionGemma syntax (for schemas that leave a value open).
    fn any_value(&mut self) -> Expr {
        if !self.g.has("fg-value") {
            self.g.set("fg-value", placeholder("fg-value"));
            let s = Expr::seq(vec![self.esc(), self.free_string(), self.esc()]);
            let key = Expr::r(&self.g.add("fg-key", Expr::Repeat(Box::new(Expr::class(&[('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_'), ('-', '-')])), 1, None)));
            let v = Expr::r("fg-value");
            let kv = Expr::seq(vec![key, Expr::lit(":"), v.clone()]);
            let e = Expr::alt(vec![
                s,
                self.number(),
                Expr::lit("true"),
                Expr::lit("false"),
                Expr::lit("null"),
                Expr::seq(vec![Expr::lit("["), Expr::opt(Expr::seq(vec![v.clone(), Expr::star(Expr::seq(vec![Expr::lit(","), v]))])), Expr::lit("]")]),
                Expr::seq(vec![Expr::lit("{"), Expr::opt(Expr::seq(vec![kv.clone(), Expr::star(Expr::seq(vec![Expr::lit(","), kv]))])), Expr::lit("}")]),
            ]);
            self.g.set("fg-value", e);
        }
        Expr::r("fg-value")
    }

    /// A constant in FunctionGemma syntax.
    fn literal(&mut self, v: &Value) -> Result<Expr> {
        Ok(match v {
            Value::String(s) => {
                if FORBIDDEN_IN_STRINGS.iter().any(|t| s.contains(t)) {
                    bail!("enum value {s:?} contains an <escape> marker");
                }
                Expr::seq(vec![self.esc(), Expr::lit(s.clone()), self.esc()])
            }
            Value::Number(n) => Expr::lit(n.to_string()),
            Value::Bool(b) => Expr::lit(b.to_string()),
            Value::Null => Expr::lit("null"),
            Value::Array(a) => {
                let mut parts = vec![Expr::lit("[")];
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        parts.push(Expr::lit(","));
                    }
                    parts.push(self.literal(x)?);
                }
                parts.push(Expr::lit("]"));
                Expr::seq(parts)
            }
            Value::Object(o) => {
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                let mut parts = vec![Expr::lit("{")];
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        parts.push(Expr::lit(","));
                    }
                    parts.push(Expr::lit(format!("{k}:")));
                    parts.push(self.literal(&o[k.as_str()])?);
                }
                parts.push(Expr::lit("}"));
                Expr::seq(parts)
            }
        })
    }

    pub fn visit(&mut self, schema: &Value, name: &str) -> Result<Expr> {
        let Some(obj) = schema.as_object() else { return Ok(self.any_value()) };
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(alts)) = obj.get(key) {
                let mut out = Vec::new();
                for (i, a) in alts.iter().enumerate() {
                    out.push(self.visit(a, &format!("{name}-{i}"))?);
                }
                return Ok(self.rule(name, Expr::alt(out)));
            }
        }
        if let Some(Value::Array(types)) = obj.get("type") {
            let mut out = Vec::new();
            for t in types {
                let mut s = obj.clone();
                s.insert("type".into(), t.clone());
                out.push(self.visit(&Value::Object(s), &format!("{name}-{}", t.as_str().unwrap_or("t")))?);
            }
            return Ok(self.rule(name, Expr::alt(out)));
        }
        if let Some(c) = obj.get("const") {
            return self.literal(c);
        }
        if let Some(Value::Array(values)) = obj.get("enum") {
            let alts = values.iter().map(|v| self.literal(v)).collect::<Result<Vec<_>>>()?;
            return Ok(self.rule(name, Expr::alt(alts)));
        }
        let ty = obj.get("type").and_then(Value::as_str);
        if (ty.is_none() || ty == Some("object")) && obj.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty()) {
            let body = self.object_body(schema, name)?;
            return Ok(self.rule(name, Expr::seq(vec![Expr::lit("{"), body, Expr::lit("}")])));
        }
        if (ty.is_none() || ty == Some("array")) && (obj.contains_key("items") || obj.contains_key("prefixItems")) {
            let shape = ArrayShape::of(obj);
            let mut prefix = Vec::new();
            for (i, s) in shape.prefix.iter().enumerate() {
                prefix.push(self.visit(s, &format!("{name}-{i}"))?);
            }
            let rest = match shape.rest {
                Rest::Any => Some(self.any_value()),
                Rest::Schema(s) => Some(self.visit(s, &format!("{name}-item"))?),
                Rest::Nothing => None,
            };
            let items = tuple(prefix, rest, shape.min, shape.max, Expr::lit(",")).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            return Ok(self.rule(name, Expr::seq(vec![Expr::lit("["), items, Expr::lit("]")])));
        }
        if (ty.is_none() || ty == Some("string")) && obj.contains_key("pattern") {
            let ch = self.plain_char();
            let body = pattern_to_expr(obj["pattern"].as_str().unwrap_or_default(), &ch, Context::Plain)?;
            return Ok(self.rule(name, Expr::seq(vec![self.esc(), body, self.esc()])));
        }
        match ty {
            Some("string") if obj.contains_key("minLength") || obj.contains_key("maxLength") => {
                let min = obj.get("minLength").and_then(Value::as_u64).unwrap_or(0) as u32;
                let max = obj.get("maxLength").and_then(Value::as_u64).map(|m| m as u32);
                let ch = self.plain_char();
                Ok(self.rule(name, Expr::seq(vec![self.esc(), Expr::Repeat(Box::new(ch), min, max), self.esc()])))
            }
            Some("string") => {
                let s = self.free_string();
                Ok(Expr::r(&self.g.add("fg-string", Expr::seq(vec![self.esc(), s, self.esc()]))))
            }
            Some("integer") => {
                let (lo, hi) = int_bounds(obj);
                if lo.is_none() && hi.is_none() {
                    Ok(Expr::r(&self.g.add("fg-integer", int_range(None, None))))
                } else {
                    Ok(self.rule(name, int_range(lo, hi)))
                }
            }
            Some("number") => Ok(self.number()),
            Some("boolean") => Ok(Expr::r(&self.g.add("fg-boolean", Expr::alt(vec![Expr::lit("true"), Expr::lit("false")])))),
            Some("null") => Ok(Expr::lit("null")),
            Some("object") | Some("array") | None => Ok(self.any_value()),
            Some(other) => bail!("{name}: unknown type {other:?}"),
        }
    }

    /// `k:v,…` for an object schema: keys sorted, required ones mandatory.
    pub fn object_body(&mut self, schema: &Value, name: &str) -> Result<Expr> {
        let empty = serde_json::Map::new();
        let props = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required: Vec<&str> = schema.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let mut keys: Vec<&String> = props.keys().collect();
        keys.sort();
        let mut members = Vec::new();
        for k in keys {
            let v = self.visit(&props[k.as_str()], &format!("{name}-{k}"))?;
            members.push(Member { kv: Expr::seq(vec![Expr::lit(format!("{k}:")), v]), required: required.contains(&k.as_str()), repeated: false });
        }
        Ok(member_chain(self.g, name, members, Expr::lit(",")))
    }

    fn rule(&mut self, name: &str, e: Expr) -> Expr {
        match e {
            Expr::Ref(_) => e,
            e => Expr::r(&self.g.add(name, e)),
        }
    }
}

/// Defines rule `name`: any text (no NUL) in which none of `words` occurs, as an Aho–Corasick
/// automaton whose states are rules.
pub fn string_without(g: &mut Grammar, name: &str, words: &[&str]) {
    // Trie of the words; state 0 is the root.
    let mut goto: Vec<std::collections::BTreeMap<char, usize>> = vec![Default::default()];
    let mut terminal = vec![false];
    for w in words {
        let mut s = 0;
        for c in w.chars() {
            s = match goto[s].get(&c) {
                Some(&t) => t,
                None => {
                    goto.push(Default::default());
                    terminal.push(false);
                    let t = goto.len() - 1;
                    goto[s].insert(c, t);
                    t
                }
            };
        }
        terminal[s] = true;
    }
    let alphabet: std::collections::BTreeSet<char> = words.iter().flat_map(|w| w.chars()).collect();
    // Failure links, breadth first.
    let mut fail = vec![0usize; goto.len()];
    let mut queue: std::collections::VecDeque<usize> = goto[0].values().copied().collect();
    while let Some(s) = queue.pop_front() {
        for (&c, &t) in &goto[s].clone() {
            let mut f = fail[s];
            while f != 0 && !goto[f].contains_key(&c) {
                f = fail[f];
            }
            fail[t] = goto[f].get(&c).copied().filter(|&x| x != t).unwrap_or(0);
            terminal[t] |= terminal[fail[t]];
            queue.push_back(t);
        }
    }
    let delta = |mut s: usize, c: char| -> usize {
        loop {
            if let Some(&t) = goto[s].get(&c) {
                return t;
            }
            if s == 0 {
                return 0;
            }
            s = fail[s];
        }
    };
    let state_name = |s: usize| if s == 0 { name.to_string() } else { format!("{name}-s{s}") };
    for s in 0..goto.len() {
        if terminal[s] {
            continue;
        }
        // Characters that go back to the root merge into one negated class; only the few that
        // advance a match (or would complete a word) are spelled out. Few alternatives per state
        // keep llama.cpp's grammar engine fast.
        let mut excluded: Vec<(char, char)> = vec![('\0', '\0')];
        let mut alts = vec![Expr::empty()];
        let mut by_target: std::collections::BTreeMap<usize, Vec<(char, char)>> = Default::default();
        for &c in &alphabet {
            let t = delta(s, c);
            if t != 0 || terminal[t] {
                excluded.push((c, c));
                if !terminal[t] {
                    by_target.entry(t).or_default().push((c, c));
                }
            }
        }
        alts.push(Expr::seq(vec![Expr::Class { negated: true, ranges: excluded }, Expr::r(name)]));
        for (t, chars) in by_target {
            let class = if chars.len() == 1 { Expr::lit(chars[0].0.to_string()) } else { Expr::Class { negated: false, ranges: chars } };
            alts.push(Expr::seq(vec![class, Expr::r(&state_name(t))]));
        }
        g.set(&state_name(s), Expr::Alt(alts));
    }
}

/// Ids of FunctionGemma's control tokens by name.
pub fn token_id(name: &str) -> u32 {
    functiongemma_id(name).expect("a FunctionGemma token")
}
