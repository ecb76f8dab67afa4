//! JSON Schema `pattern` to grammar, for the regex subset tool schemas use: literals and escapes,
//! `.`, classes (`[a-z_]`, `[^…]`, `\d \w \s` and their negations), groups (capturing or `(?:…)`),
//! alternation, and the quantifiers `? * + {m} {m,} {m,n}` (lazy forms treated as greedy). `^` and
//! `$` anchor; a pattern without them matches anywhere inside the string, as JSON Schema says, so
//! `^https?://` accepts every string that starts with http:// or https://. Back-references and
//! look-arounds are refused with an error.

use super::Expr;
use anyhow::{bail, Result};

/// Where the string lives: JSON strings must keep `"`, `\` and control characters out of raw text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Json,
    Plain,
}

/// The grammar of strings matching `pattern`; `any` is one unconstrained character of the context.
pub fn pattern_to_expr(pattern: &str, any: &Expr, ctx: Context) -> Result<Expr> {
    let mut p = pattern;
    let anchored_start = p.starts_with('^');
    if anchored_start {
        p = &p[1..];
    }
    let anchored_end = p.ends_with('$') && !p.ends_with("\\$");
    if anchored_end {
        p = &p[..p.len() - 1];
    }
    let chars: Vec<char> = p.chars().collect();
    let mut parser = Parser { s: &chars, at: 0, any, ctx };
    let body = parser.alternation()?;
    if parser.at != chars.len() {
        bail!("pattern {pattern:?}: unexpected {:?} at {}", chars[parser.at], parser.at);
    }
    let free = Expr::star(any.clone());
    let mut parts = Vec::new();
    if !anchored_start {
        parts.push(free.clone());
    }
    parts.push(body);
    if !anchored_end {
        parts.push(free);
    }
    Ok(Expr::seq(parts))
}

struct Parser<'a> {
    s: &'a [char],
    at: usize,
    any: &'a Expr,
    ctx: Context,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.at).copied()
    }

    fn alternation(&mut self) -> Result<Expr> {
        let mut alts = vec![self.sequence()?];
        while self.peek() == Some('|') {
            self.at += 1;
            alts.push(self.sequence()?);
        }
        Ok(Expr::alt(alts))
    }

    fn sequence(&mut self) -> Result<Expr> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Ok(Expr::seq(items))
    }

    fn quantified(&mut self, atom: Expr) -> Result<Expr> {
        let (min, max) = match self.peek() {
            Some('?') => (0, Some(1)),
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('{') => {
                let close = self.s[self.at..].iter().position(|&c| c == '}').map(|i| self.at + i);
                let Some(close) = close else { return Ok(atom) };
                let body: String = self.s[self.at + 1..close].iter().collect();
                let (m, n) = match body.split_once(',') {
                    None => {
                        let m: u32 = body.trim().parse().map_err(|_| anyhow::anyhow!("bad quantifier {{{body}}}"))?;
                        (m, Some(m))
                    }
                    Some((a, b)) => {
                        let m: u32 = a.trim().parse().map_err(|_| anyhow::anyhow!("bad quantifier {{{body}}}"))?;
                        let n = if b.trim().is_empty() { None } else { Some(b.trim().parse::<u32>().map_err(|_| anyhow::anyhow!("bad quantifier {{{body}}}"))?) };
                        (m, n)
                    }
                };
                self.at = close;
                (m, n)
            }
            _ => return Ok(atom),
        };
        self.at += 1;
        if self.peek() == Some('?') || self.peek() == Some('+') {
            self.at += 1; // lazy or possessive: same language
        }
        Ok(Expr::Repeat(Box::new(atom), min, max))
    }

    fn literal(&self, c: char) -> Expr {
        match (self.ctx, c) {
            (Context::Json, '"') => Expr::lit("\\\""),
            (Context::Json, '\\') => Expr::lit("\\\\"),
            (Context::Json, '\n') => Expr::lit("\\n"),
            (Context::Json, '\t') => Expr::lit("\\t"),
            _ => Expr::lit(c.to_string()),
        }
    }

    /// Negated classes must not let raw JSON delimiters through.
    fn negated(&self, mut ranges: Vec<(char, char)>) -> Expr {
        if self.ctx == Context::Json {
            ranges.extend([('"', '"'), ('\\', '\\'), ('\0', '\x1f'), ('\x7f', '\x7f')]);
        }
        Expr::Class { negated: true, ranges }
    }

    fn atom(&mut self) -> Result<Expr> {
        let c = self.peek().unwrap();
        self.at += 1;
        match c {
            '.' => Ok(self.any.clone()),
            '(' => {
                if self.peek() == Some('?') {
                    if self.s.get(self.at + 1) == Some(&':') {
                        self.at += 2;
                    } else {
                        bail!("look-arounds and named groups are not supported in patterns");
                    }
                }
                let inner = self.alternation()?;
                if self.peek() != Some(')') {
                    bail!("unbalanced parenthesis in pattern");
                }
                self.at += 1;
                Ok(inner)
            }
            '[' => self.class(),
            '\\' => {
                let e = self.peek().ok_or_else(|| anyhow::anyhow!("pattern ends with a backslash"))?;
                self.at += 1;
                match e {
                    'd' => Ok(Expr::class(&[('0', '9')])),
                    'w' => Ok(Expr::class(&[('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')])),
                    's' => Ok(Expr::class(&[(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')])),
                    'D' => Ok(self.negated(vec![('0', '9')])),
                    'W' => Ok(self.negated(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')])),
                    'S' => Ok(self.negated(vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')])),
                    'n' => Ok(self.literal('\n')),
                    't' => Ok(self.literal('\t')),
                    '1'..='9' => bail!("back-references are not supported in patterns"),
                    'b' | 'B' => bail!("word boundaries are not supported in patterns"),
                    other => Ok(self.literal(other)),
                }
            }
            '*' | '+' | '?' => bail!("quantifier {c:?} with nothing to repeat"),
            '^' | '$' => bail!("anchors are only supported at the start and end of a pattern"),
            other => Ok(self.literal(other)),
        }
    }

    fn class(&mut self) -> Result<Expr> {
        let negated = self.peek() == Some('^');
        if negated {
            self.at += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek().ok_or_else(|| anyhow::anyhow!("unterminated character class"))?;
            self.at += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                let e = self.peek().ok_or_else(|| anyhow::anyhow!("unterminated character class"))?;
                self.at += 1;
                match e {
                    'd' => {
                        ranges.push(('0', '9'));
                        continue;
                    }
                    'w' => {
                        ranges.extend([('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]);
                        continue;
                    }
                    's' => {
                        ranges.extend([(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')]);
                        continue;
                    }
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.s.get(self.at + 1).is_some_and(|&n| n != ']') {
                self.at += 1;
                let mut hi = self.peek().unwrap();
                self.at += 1;
                if hi == '\\' {
                    hi = self.peek().ok_or_else(|| anyhow::anyhow!("unterminated character class"))?;
                    self.at += 1;
                }
                if hi < lo {
                    bail!("bad range {lo}-{hi} in character class");
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        if negated {
            return Ok(self.negated(ranges));
        }
        if self.ctx == Context::Json && ranges.iter().any(|&(a, b)| a <= '"' && '"' <= b || a <= '\\' && '\\' <= b) {
            // Quote and backslash need escapes inside JSON strings.
            let mut alts = vec![Expr::Class { negated: false, ranges: ranges.iter().flat_map(|&r| split_out(r, &['"', '\\'])).collect() }];
            for special in ['"', '\\'] {
                if ranges.iter().any(|&(a, b)| a <= special && special <= b) {
                    alts.push(self.literal(special));
                }
            }
            return Ok(Expr::alt(alts));
        }
        Ok(Expr::Class { negated: false, ranges })
    }
}

fn split_out((a, b): (char, char), remove: &[char]) -> Vec<(char, char)> {
    let mut out = vec![(a, b)];
    for &r in remove {
        out = out
            .into_iter()
            .flat_map(|(x, y)| {
                if r < x || r > y {
                    vec![(x, y)]
                } else {
                    let mut v = Vec::new();
                    if x < r {
                        v.push((x, char::from_u32(r as u32 - 1).unwrap()));
                    }
                    if r < y {
                        v.push((char::from_u32(r as u32 + 1).unwrap(), y));
                    }
                    v
                }
            })
            .collect();
    }
    out
}
