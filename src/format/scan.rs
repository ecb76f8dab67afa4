//! FunctionGemma's call syntax, scanned in one place: after `<start_function_call>` comes
//! `call:NAME{key:value,…}`, where a value is an `<escape>`-delimited string, a bare word (number,
//! `true`, `false`, `null`), an object or a list. The scanner cuts such text (or any prefix of it)
//! into lexemes; the parser (`functiongemma::parse`) builds calls from them, the forcer
//! (`agent::forcing`) reads where an unfinished call stands, and the grammar
//! (`grammar::tools`, `grammar::functiongemma`) writes the same `CALL` prefix and punctuation.

use crate::names::token::ESCAPE;

/// What opens a call's text after `<start_function_call>`.
pub const CALL: &str = "call:";
/// The characters that are lexemes by themselves.
pub const PUNCTUATION: [char; 6] = ['{', '}', '[', ']', ',', ':'];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lexeme<'a> {
    /// One of `PUNCTUATION`.
    Punct(char),
    /// The text between two `<escape>` markers; `closed` is false when the input ends inside it.
    Str { text: &'a str, closed: bool },
    /// A run of anything else up to the next punctuation or `<escape>`: a name, a key, a number,
    /// `true`, `false`, `null`, or whatever follows the call (`<end_function_call>`).
    Word(&'a str),
}

/// The lexemes of `s`, each with its byte offset.
pub struct Scanner<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(s: &'a str) -> Scanner<'a> {
        Scanner { s, at: 0 }
    }

    /// The byte offset of the next lexeme.
    pub fn offset(&self) -> usize {
        self.at
    }

    /// The text not yet scanned.
    pub fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }

    /// Skips `n` bytes of raw text (what follows a call is not FunctionGemma's syntax).
    pub fn advance(&mut self, n: usize) {
        self.at += n;
    }

    /// The next lexeme without consuming it.
    pub fn peek(&self) -> Option<(usize, Lexeme<'a>)> {
        Scanner { s: self.s, at: self.at }.next()
    }
}

impl<'a> Iterator for Scanner<'a> {
    type Item = (usize, Lexeme<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest();
        let start = self.at;
        let c = rest.chars().next()?;
        if let Some(inner) = rest.strip_prefix(ESCAPE) {
            let (text, closed) = match inner.find(ESCAPE) {
                Some(end) => (&inner[..end], true),
                None => (inner, false),
            };
            self.at += ESCAPE.len() + text.len() + if closed { ESCAPE.len() } else { 0 };
            return Some((start, Lexeme::Str { text, closed }));
        }
        if PUNCTUATION.contains(&c) {
            self.at += 1;
            return Some((start, Lexeme::Punct(c)));
        }
        let end = rest.char_indices().find(|&(i, c)| i > 0 && (PUNCTUATION.contains(&c) || rest[i..].starts_with(ESCAPE))).map_or(rest.len(), |(i, _)| i);
        self.at += end;
        Some((start, Lexeme::Word(&rest[..end])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_their_prefixes_scan_into_lexemes() {
        use Lexeme::*;
        let all: Vec<Lexeme> = Scanner::new("call:f{a:<escape>x,{y}<escape>,b:[1,-2.5e3],c:{d:true}}<end_function_call>").map(|(_, l)| l).collect();
        assert_eq!(
            all,
            [
                Word("call"),
                Punct(':'),
                Word("f"),
                Punct('{'),
                Word("a"),
                Punct(':'),
                Str { text: "x,{y}", closed: true },
                Punct(','),
                Word("b"),
                Punct(':'),
                Punct('['),
                Word("1"),
                Punct(','),
                Word("-2.5e3"),
                Punct(']'),
                Punct(','),
                Word("c"),
                Punct(':'),
                Punct('{'),
                Word("d"),
                Punct(':'),
                Word("true"),
                Punct('}'),
                Punct('}'),
                Word("<end_function_call>")
            ]
        );
        // A prefix that ends inside a string, and the offsets of each lexeme.
        let open: Vec<(usize, Lexeme)> = Scanner::new("k:<escape>ab").collect();
        assert_eq!(open, [(0, Word("k")), (1, Punct(':')), (2, Str { text: "ab", closed: false })]);
        let mut s = Scanner::new("a<escape>");
        assert_eq!(s.peek(), Some((0, Word("a"))));
        assert_eq!(s.next(), Some((0, Word("a"))));
        assert_eq!((s.offset(), s.rest()), (1, "<escape>"));
        assert_eq!(s.next(), Some((1, Str { text: "", closed: false })));
        assert_eq!(s.next(), None);
    }
}
