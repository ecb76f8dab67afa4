//! Markers carried in an error chain that decide how `main` reports it: `BadInput` (exit code 3,
//! "bad input file or data") and `Hint` (the fix printed under the error), each with its own hint
//! so that the advice printed fits the error that happened.
//!
//! Both are anyhow contexts: attach them with `.context(BadInput::new(…))` where a file's
//! content is judged, and `main` finds them anywhere in the chain with `downcast_ref`.

use std::fmt;

/// An input file (tools, dataset, eval set, adapter, model) whose content is wrong: the message
/// names the file, the cause below it says what is wrong, and `hint` says how to fix it.
#[derive(Debug)]
pub struct BadInput {
    message: String,
    pub hint: &'static str,
}

impl BadInput {
    pub fn new(message: impl Into<String>, hint: &'static str) -> BadInput {
        BadInput { message: message.into(), hint }
    }
}

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An error message with the fix that fits it, for failures that are not bad input (a missing
/// model, say): the hint travels with the error instead of being guessed from its I/O kind.
#[derive(Debug)]
pub struct Hint {
    message: String,
    pub hint: &'static str,
}

impl Hint {
    pub fn new(message: impl Into<String>, hint: &'static str) -> Hint {
        Hint { message: message.into(), hint }
    }
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Whether `err` is about an input file's content: a `BadInput` anywhere in its context chain, or
/// a malformed GGUF (`gguf::ParseError`) at its root.
pub fn is_bad_input(err: &anyhow::Error) -> bool {
    err.downcast_ref::<BadInput>().is_some() || err.chain().any(|c| c.is::<crate::gguf::ParseError>())
}

/// The hint attached to `err` by a `BadInput` or `Hint` (the outermost one), if any.
pub fn attached_hint(err: &anyhow::Error) -> Option<&'static str> {
    err.downcast_ref::<BadInput>().map(|b| b.hint).or_else(|| err.downcast_ref::<Hint>().map(|h| h.hint))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn markers_are_found_under_later_contexts() {
        let inner: anyhow::Result<()> = Err(anyhow::anyhow!("line 3: not JSON"));
        let err = inner.context(BadInput::new("invalid eval set e.jsonl", "fix line 3")).context("cannot run the eval").unwrap_err();
        assert!(is_bad_input(&err));
        assert_eq!(attached_hint(&err), Some("fix line 3"));
        assert_eq!(format!("{err:#}"), "cannot run the eval: invalid eval set e.jsonl: line 3: not JSON");

        let io: Result<(), std::io::Error> = Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        let err = io.context(Hint::new("cannot open m.gguf", "download it")).context("loading").unwrap_err();
        assert!(!is_bad_input(&err), "a missing file is not bad input");
        assert_eq!(attached_hint(&err), Some("download it"));
        assert!(err.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some()), "the I/O error stays in the chain");
    }
}
