//! GBNF grammars generated from tool schemas, for both chat formats, and from bare JSON Schemas.
//!
//! The grammar is built as a small IR (`Expr`, `Grammar`) and printed as GBNF for llama.cpp's
//! grammar engine. The `gbnf` crate was tried for this and left out: it ignores `required` (every
//! property becomes mandatory), min/max and patterns, fails on anyOf, `$ref` and a bare
//! `{"type":"object"}`, and does not escape literals; this IR and printer are a few hundred lines.
//!
//! What the grammars enforce: types and type unions (null too), properties with required and
//! optional ones, enum and const, string minLength/maxLength, patterns (the regex subset in
//! `regex.rs`), integer minimum/maximum (exclusive ones too), arrays with items, minItems and
//! maxItems, tuples (`items: [..]` with `additionalItems`, `prefixItems` with `items`), nested objects, anyOf/oneOf, additionalProperties. What they leave to jsonschema after
//! parsing: bounds on non-integer numbers, `format`, `uniqueItems`, and lengths of strings that
//! also have a pattern.

pub mod functiongemma;
pub mod int_range;
pub mod json_schema;
pub mod regex;
pub mod tools;

use std::collections::HashMap;
use std::fmt::Write as _;

/// A grammar expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A literal string.
    Lit(String),
    /// A character class: ranges, possibly negated.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// One token by id (`<[48]>`), for control tokens.
    Token(u32),
    /// A reference to a rule.
    Ref(String),
    Seq(Vec<Expr>),
    Alt(Vec<Expr>),
    /// `e{min,max}` (max None: unbounded).
    Repeat(Box<Expr>, u32, Option<u32>),
}

impl Expr {
    pub fn lit(s: impl Into<String>) -> Expr {
        Expr::Lit(s.into())
    }

    pub fn r(name: &str) -> Expr {
        Expr::Ref(name.to_string())
    }

    pub fn seq(items: Vec<Expr>) -> Expr {
        let mut flat = Vec::new();
        for e in items {
            match e {
                Expr::Seq(inner) => flat.extend(inner),
                Expr::Lit(s) if s.is_empty() => {}
                other => flat.push(other),
            }
        }
        match flat.len() {
            0 => Expr::Lit(String::new()),
            1 => flat.pop().unwrap(),
            _ => Expr::Seq(flat),
        }
    }

    pub fn alt(items: Vec<Expr>) -> Expr {
        let mut flat: Vec<Expr> = Vec::new();
        for e in items {
            match e {
                Expr::Alt(inner) => flat.extend(inner),
                other => {
                    if !flat.contains(&other) {
                        flat.push(other)
                    }
                }
            }
        }
        if flat.len() == 1 {
            flat.pop().unwrap()
        } else {
            Expr::Alt(flat)
        }
    }

    pub fn opt(e: Expr) -> Expr {
        Expr::Repeat(Box::new(e), 0, Some(1))
    }

    pub fn star(e: Expr) -> Expr {
        Expr::Repeat(Box::new(e), 0, None)
    }

    pub fn class(ranges: &[(char, char)]) -> Expr {
        Expr::Class { negated: false, ranges: ranges.to_vec() }
    }

    pub fn not_class(ranges: &[(char, char)]) -> Expr {
        Expr::Class { negated: true, ranges: ranges.to_vec() }
    }

    pub fn empty() -> Expr {
        Expr::Lit(String::new())
    }
}

/// Named rules, printed in insertion order (root first).
#[derive(Clone, Debug, Default)]
pub struct Grammar {
    rules: Vec<(String, Expr)>,
    by_name: HashMap<String, usize>,
    by_expr: HashMap<Expr, String>,
}

impl Grammar {
    pub fn new() -> Grammar {
        Grammar::default()
    }

    /// Adds a rule (or reuses an identical one) and returns its name, made unique from `hint`.
    pub fn add(&mut self, hint: &str, expr: Expr) -> String {
        if let Some(name) = self.by_expr.get(&expr) {
            return name.clone();
        }
        let base = sanitize(hint);
        let mut name = base.clone();
        let mut i = 1;
        while self.by_name.contains_key(&name) {
            name = format!("{base}-{i}");
            i += 1;
        }
        self.set(&name, expr);
        name
    }

    /// Defines (or redefines) rule `name`, for rules that must have a fixed name or refer to
    /// themselves.
    pub fn set(&mut self, name: &str, expr: Expr) {
        match self.by_name.get(name) {
            Some(&i) => {
                let old = std::mem::replace(&mut self.rules[i].1, expr.clone());
                if self.by_expr.get(&old).is_some_and(|n| n == name) {
                    self.by_expr.remove(&old);
                }
                self.by_expr.insert(expr, name.to_string());
            }
            None => {
                self.by_expr.insert(expr.clone(), name.to_string());
                self.by_name.insert(name.to_string(), self.rules.len());
                self.rules.push((name.to_string(), expr));
            }
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The grammar as GBNF text, root first.
    pub fn to_gbnf(&self) -> String {
        let mut order: Vec<usize> = (0..self.rules.len()).collect();
        if let Some(&root) = self.by_name.get("root") {
            order.retain(|&i| i != root);
            order.insert(0, root);
        }
        let mut s = String::new();
        for i in order {
            let (name, e) = &self.rules[i];
            let _ = writeln!(s, "{name} ::= {}", print(e, false));
        }
        s
    }
}

/// Rule names are letters, digits and '-' in llama.cpp.
pub fn sanitize(s: &str) -> String {
    let out: String = s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    if out.is_empty() {
        "r".into()
    } else {
        out
    }
}

fn print(e: &Expr, nested: bool) -> String {
    match e {
        Expr::Lit(s) => format!("\"{}\"", escape(s, false)),
        Expr::Class { negated, ranges } => {
            let mut s = String::from(if *negated { "[^" } else { "[" });
            for &(a, b) in ranges {
                s.push_str(&escape(&a.to_string(), true));
                if a != b {
                    s.push('-');
                    s.push_str(&escape(&b.to_string(), true));
                }
            }
            s.push(']');
            s
        }
        Expr::Token(id) => format!("<[{id}]>"),
        Expr::Ref(n) => n.clone(),
        Expr::Seq(items) => {
            let body = items.iter().map(|i| print(i, true)).collect::<Vec<_>>().join(" ");
            if nested {
                format!("({body})")
            } else {
                body
            }
        }
        Expr::Alt(items) => {
            let body = items.iter().map(|i| print(i, false)).collect::<Vec<_>>().join(" | ");
            if nested {
                format!("({body})")
            } else {
                body
            }
        }
        Expr::Repeat(inner, min, max) => {
            let inner_s = match **inner {
                Expr::Lit(_) | Expr::Class { .. } | Expr::Token(_) | Expr::Ref(_) => print(inner, true),
                _ => format!("({})", print(inner, false)),
            };
            match (min, max) {
                (0, Some(1)) => format!("{inner_s}?"),
                (0, None) => format!("{inner_s}*"),
                (1, None) => format!("{inner_s}+"),
                (m, None) => format!("{inner_s}{{{m},}}"),
                (m, Some(n)) if m == n => format!("{inner_s}{{{m}}}"),
                (m, Some(n)) => format!("{inner_s}{{{m},{n}}}"),
            }
        }
    }
}

/// Escapes a literal or class character for GBNF.
fn escape(s: &str, in_class: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' if !in_class => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ']' | '[' | '-' | '^' if in_class => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_gbnf_with_escapes_and_repetitions() {
        let mut g = Grammar::new();
        let item = g.add("item", Expr::alt(vec![Expr::lit("a\"b\\"), Expr::not_class(&[('"', '"'), ('\\', '\\'), ('\0', '\x1f'), (']', ']')])]));
        g.set("root", Expr::seq(vec![Expr::Token(48), Expr::Repeat(Box::new(Expr::r(&item)), 1, Some(3)), Expr::opt(Expr::lit("\n"))]));
        assert_eq!(g.to_gbnf(), "root ::= <[48]> item{1,3} \"\\n\"?\nitem ::= \"a\\\"b\\\\\" | [^\"\\\\\\x00-\\x1F\\]]\n");
    }

    #[test]
    fn identical_rules_are_shared() {
        let mut g = Grammar::new();
        let a = g.add("x", Expr::lit("1"));
        let b = g.add("y", Expr::lit("1"));
        assert_eq!(a, b);
        assert_eq!(g.add("x", Expr::lit("2")), "x-1");
    }
}
