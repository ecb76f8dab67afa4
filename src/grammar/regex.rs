//! JSON Schema `pattern` to grammar, parsed by `regex-syntax` (its syntax tree: its HIR would give
//! `\d`, `\w` and `\s` their Unicode meaning, where JSON Schema's ECMA-262 gives them ASCII's),
//! for the regex subset tool schemas use: literals and escapes,
//! `.`, classes (`[a-z_]`, `[^…]`, `\d \w \s` and their negations), groups (capturing or `(?:…)`),
//! alternation, and the quantifiers `? * + {m} {m,} {m,n}` (lazy forms treated as greedy). `^` and
//! `$` anchor; a pattern without them matches anywhere inside the string, as JSON Schema says, so
//! `^https?://` accepts every string that starts with http:// or https://. Back-references and
//! look-arounds are refused with an error.

use super::Expr;
use anyhow::{bail, Result};
use regex_syntax::ast::{self, AssertionKind, Ast};

/// Where the string lives: JSON strings must keep `"`, `\` and control characters out of raw text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Json,
    Plain,
}

/// The grammar of strings matching `pattern`; `any` is one unconstrained character of the context.
pub fn pattern_to_expr(pattern: &str, any: &Expr, ctx: Context) -> Result<Expr> {
    let ast = ast::parse::Parser::new().parse(pattern).map_err(|e| anyhow::anyhow!("pattern {pattern:?}: {}", e.kind()))?;
    // `^` and `$` anchor only at the very start and end; elsewhere they are refused.
    let mut items: Vec<&Ast> = match &ast {
        Ast::Concat(c) => c.asts.iter().collect(),
        other => vec![other],
    };
    let is = |a: Option<&&Ast>, kind: AssertionKind| matches!(a, Some(Ast::Assertion(x)) if x.kind == kind);
    let anchored_start = is(items.first(), AssertionKind::StartLine);
    if anchored_start {
        items.remove(0);
    }
    let anchored_end = is(items.last(), AssertionKind::EndLine);
    if anchored_end {
        items.pop();
    }
    let walker = Walker { any, ctx };
    let body = Expr::seq(items.into_iter().map(|a| walker.expr(a)).collect::<Result<_>>()?);
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

/// ECMA-262's (JSON Schema's) meaning of `\d`, `\w` and `\s`: ASCII digits, word characters and
/// whitespace, whatever the Unicode tables say.
fn perl_ranges(kind: &ast::ClassPerlKind) -> Vec<(char, char)> {
    match kind {
        ast::ClassPerlKind::Digit => vec![('0', '9')],
        ast::ClassPerlKind::Word => vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')],
        ast::ClassPerlKind::Space => vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')],
    }
}

/// Turns regex-syntax's syntax tree into grammar expressions for one context.
struct Walker<'a> {
    any: &'a Expr,
    ctx: Context,
}

impl Walker<'_> {
    fn expr(&self, ast: &Ast) -> Result<Expr> {
        Ok(match ast {
            Ast::Empty(_) => Expr::empty(),
            Ast::Literal(l) => self.literal(l.c),
            Ast::Dot(_) => self.any.clone(),
            Ast::Concat(c) => Expr::seq(c.asts.iter().map(|a| self.expr(a)).collect::<Result<_>>()?),
            Ast::Alternation(a) => Expr::alt(a.asts.iter().map(|a| self.expr(a)).collect::<Result<_>>()?),
            Ast::Group(g) => match &g.kind {
                ast::GroupKind::CaptureIndex(_) | ast::GroupKind::CaptureName { .. } => self.expr(&g.ast)?,
                ast::GroupKind::NonCapturing(flags) if flags.items.is_empty() => self.expr(&g.ast)?,
                ast::GroupKind::NonCapturing(_) => bail!("flags in groups are not supported in patterns"),
            },
            Ast::Repetition(r) => {
                // Lazy forms match the same strings.
                let (min, max) = match &r.op.kind {
                    ast::RepetitionKind::ZeroOrOne => (0, Some(1)),
                    ast::RepetitionKind::ZeroOrMore => (0, None),
                    ast::RepetitionKind::OneOrMore => (1, None),
                    ast::RepetitionKind::Range(ast::RepetitionRange::Exactly(n)) => (*n, Some(*n)),
                    ast::RepetitionKind::Range(ast::RepetitionRange::AtLeast(n)) => (*n, None),
                    ast::RepetitionKind::Range(ast::RepetitionRange::Bounded(m, n)) => (*m, Some(*n)),
                };
                Expr::Repeat(Box::new(self.expr(&r.ast)?), min, max)
            }
            Ast::ClassPerl(c) if c.negated => self.negated(perl_ranges(&c.kind)),
            Ast::ClassPerl(c) => Expr::class(&perl_ranges(&c.kind)),
            Ast::ClassBracketed(c) => {
                let ranges = self.ranges(&c.kind)?;
                if c.negated {
                    self.negated(ranges)
                } else {
                    self.class(ranges)
                }
            }
            Ast::Assertion(a) => match a.kind {
                AssertionKind::StartLine | AssertionKind::EndLine | AssertionKind::StartText | AssertionKind::EndText => bail!("anchors are only supported at the start and end of a pattern"),
                _ => bail!("word boundaries are not supported in patterns"),
            },
            Ast::ClassUnicode(_) => bail!("Unicode classes (\\p{{…}}) are not supported in patterns"),
            Ast::Flags(_) => bail!("flags are not supported in patterns"),
        })
    }

    /// The characters of a bracketed class's set, as ranges.
    fn ranges(&self, set: &ast::ClassSet) -> Result<Vec<(char, char)>> {
        let item = match set {
            ast::ClassSet::Item(item) => item,
            ast::ClassSet::BinaryOp(_) => bail!("class intersections and differences are not supported in patterns"),
        };
        Ok(match item {
            ast::ClassSetItem::Empty(_) => Vec::new(),
            ast::ClassSetItem::Literal(l) => vec![(l.c, l.c)],
            ast::ClassSetItem::Range(r) => vec![(r.start.c, r.end.c)],
            ast::ClassSetItem::Perl(p) if !p.negated => perl_ranges(&p.kind),
            ast::ClassSetItem::Union(u) => {
                let mut out = Vec::new();
                for i in &u.items {
                    out.extend(self.ranges(&ast::ClassSet::Item(i.clone()))?);
                }
                out
            }
            _ => bail!("this kind of character class is not supported in patterns"),
        })
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

    fn class(&self, ranges: Vec<(char, char)>) -> Expr {
        if self.ctx == Context::Json && ranges.iter().any(|&(a, b)| a <= '"' && '"' <= b || a <= '\\' && '\\' <= b) {
            // Quote and backslash need escapes inside JSON strings.
            let mut alts = vec![Expr::Class { negated: false, ranges: ranges.iter().flat_map(|&r| split_out(r, &['"', '\\'])).collect() }];
            for special in ['"', '\\'] {
                if ranges.iter().any(|&(a, b)| a <= special && special <= b) {
                    alts.push(self.literal(special));
                }
            }
            return Expr::alt(alts);
        }
        Expr::Class { negated: false, ranges }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_grammar_cannot_express_is_refused_by_name() {
        let any = Expr::class(&[('a', 'z')]);
        for (pattern, says) in [("(?=a)b", "look-around"), (r"(a)\1", "backreferences"), ("a^b", "anchors"), (r"\bword", "word boundaries"), (r"\p{Greek}", "Unicode classes"), ("(?i)a", "flags")] {
            let err = pattern_to_expr(pattern, &any, Context::Plain).unwrap_err().to_string();
            assert!(err.to_lowercase().contains(&says.to_lowercase()), "{pattern}: {err}");
        }
        // ECMA-262's \d is ASCII: one range, not Unicode's dozens.
        assert_eq!(pattern_to_expr(r"^\d$", &any, Context::Plain).unwrap(), Expr::class(&[('0', '9')]));
    }
}
