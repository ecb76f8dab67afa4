//! Whether an answer after a tool result is grounded: the facts asked for are in it, and it names
//! no number or name that the results (or the request) do not show.
//!
//! A number is a run of digits (with a decimal point inside); a name is a word with `/`, `_` or
//! a `.` between letters or digits (paths, file names, identifiers, model names such as
//! `qwen2.5-coder:7b`). Plain words are not checked: "folder" or "healthy" can be said of
//! anything; `src/agent.rs`, `8080` or `parse_config` cannot be made up.

/// The numbers and names in `answer` that none of `sources` contains (case-insensitively for
/// names; numbers as whole numbers).
pub fn unsupported(answer: &str, sources: &[&str]) -> Vec<String> {
    let lower: Vec<String> = sources.iter().map(|s| s.to_lowercase()).collect();
    let numbers: std::collections::HashSet<String> = sources.iter().flat_map(|s| numbers_of(s)).collect();
    let mut out = Vec::new();
    for word in answer.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | '`' | '\'' | '*' | '=' | '<' | '>' | '!' | '?')) {
        let word = word.trim_matches(|c: char| matches!(c, '.' | ':' | '—' | '…'));
        if word.is_empty() {
            continue;
        }
        if is_name(word) {
            let w = word.to_lowercase();
            if !lower.iter().any(|s| s.contains(&w)) && !out.contains(&word.to_string()) {
                out.push(word.to_string());
            }
        } else {
            for n in numbers_of(word) {
                if !numbers.contains(&n) && !out.contains(&n) {
                    out.push(n);
                }
            }
        }
    }
    out
}

fn is_name(word: &str) -> bool {
    let c: Vec<char> = word.chars().collect();
    c.contains(&'/') || c.contains(&'_') || c.windows(3).any(|w| w[1] == '.' && w[0].is_alphanumeric() && w[2].is_alphanumeric() && !(w[0].is_ascii_digit() && w[2].is_ascii_digit()))
}

/// Every number in `text`, as written (digits with at most one inner decimal point).
fn numbers_of(text: &str) -> Vec<String> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i].is_ascii_digit() {
            let start = i;
            while i < c.len() && (c[i].is_ascii_digit() || (c[i] == '.' && i + 1 < c.len() && c[i + 1].is_ascii_digit() && c[start..i].iter().all(|d| d.is_ascii_digit()))) {
                i += 1;
            }
            out.push(c[start..i].iter().collect::<String>());
        } else {
            i += 1;
        }
    }
    out
}

/// A fact an answer must state: one string, or alternatives of which one is enough.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Fact {
    One(String),
    Any(Vec<String>),
}

impl Fact {
    /// Whether `answer` states the fact: the text (or one alternative) appears in it, not inside
    /// a longer word or number ("4" is not in "14 files", "no" not in "know").
    pub fn holds(&self, answer: &str) -> bool {
        let a = answer.to_lowercase();
        match self {
            Fact::One(s) => contains_word(&a, &s.to_lowercase()),
            Fact::Any(v) => v.iter().any(|s| contains_word(&a, &s.to_lowercase())),
        }
    }
}

/// Whether `needle` occurs in `text` with no letter or digit just before or after it (where the
/// needle itself starts or ends with one).
fn contains_word(text: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let edge = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    text.match_indices(needle).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + needle.len()..].chars().next();
        (!needle.starts_with(char::is_alphanumeric) || edge(before)) && (!needle.ends_with(char::is_alphanumeric) || edge(after))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_numbers_and_names_are_found() {
        let result = "[20 entries: 12 files, 8 folders]\nagent/\ncli.rs\ncommands/";
        assert!(unsupported("src has 20 entries (12 files and 8 folders), among them agent/, cli.rs and commands/.", &[result, "list src"]).is_empty());
        assert_eq!(unsupported("src contains 3 entries: main.rs, lib.rs and cli.rs.", &[result, "list src"]), vec!["3", "main.rs", "lib.rs"]);
        assert_eq!(unsupported("The port is 8080.", &["port = 80"]), vec!["8080"]);
        assert!(unsupported("The port is 80.", &["port = 8080"]) == vec!["80"], "numbers match whole, not inside others");
        assert!(unsupported("It uses qwen2.5-coder:7b.", &["{\"model\": \"qwen2.5-coder:7b\"}"]).is_empty());
        assert_eq!(unsupported("The coder tier uses get_model_info_tool.", &["{}"]), vec!["get_model_info_tool"]);
        assert!(unsupported("Version 1.2.3 is pinned.", &["version = \"1.2.3\""]).is_empty());
    }

    #[test]
    fn facts_hold_case_insensitively_with_alternatives() {
        assert!(Fact::One("db.py".into()).holds("It is defined in app/DB.py."));
        assert!(Fact::Any(vec!["no".into(), "not".into()]).holds("There is not one."));
        assert!(!Fact::One("8080".into()).holds("port 80"));
        assert!(!Fact::One("4".into()).holds("src has 14 files"));
        assert!(Fact::One("4".into()).holds("src has 4 files"));
        assert!(!Fact::Any(vec!["no".into()]).holds("I know it"));
        assert!(Fact::One("print(".into()).holds("no print( calls"));
    }
}
