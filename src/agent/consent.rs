//! Consent: who may allow a tool that changes files, runs commands or acts on a server.
//!
//! The decision depends on what a tool does, never on who runs it: builtin tools that change
//! things and server tools that do not declare themselves read-only ask first. A denied or
//! unanswerable question is an error result the model sees, and the user is told on stderr.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};

/// How confirmations are obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// `--yes`: everything is allowed.
    Always,
    /// Ask on the terminal (stdin/stderr), once per call.
    Terminal,
    /// No terminal and no `--yes`: refuse.
    Never,
}

impl Confirm {
    /// `--yes`, else the terminal when stdin is one, else nobody to ask.
    pub fn from_flags(yes: bool) -> Confirm {
        if yes {
            Confirm::Always
        } else if std::io::stdin().is_terminal() {
            Confirm::Terminal
        } else {
            Confirm::Never
        }
    }
}

/// The consent policy of one agent run.
#[derive(Clone, Debug)]
pub struct Consent {
    pub confirm: Confirm,
    /// Tools allowed without asking (`--allow NAME`).
    pub allowed: BTreeSet<String>,
}

impl Consent {
    pub fn new(confirm: Confirm) -> Consent {
        Consent { confirm, allowed: BTreeSet::new() }
    }

    /// Asks to allow `tool` doing `what`; `Err` is the message the model gets.
    pub fn ask(&self, tool: &str, what: &str) -> Result<(), String> {
        if self.allowed.contains(tool) {
            return Ok(());
        }
        let refused = match self.confirm {
            Confirm::Always => return Ok(()),
            Confirm::Never => "there is no terminal to ask on (--yes or --allow TOOL allows it)",
            Confirm::Terminal => {
                eprint!("allow {what}? [y/N] ");
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                match std::io::stdin().lock().read_line(&mut line) {
                    Ok(n) if n > 0 && matches!(line.trim(), "y" | "Y" | "yes") => return Ok(()),
                    Ok(0) | Err(_) => "the terminal gave no answer",
                    Ok(_) => "the user said no",
                }
            }
        };
        eprintln!("fg: refused {what}: {refused}");
        Err(format!("refused: {what} needs the user's consent and {refused}"))
    }
}

impl From<Confirm> for Consent {
    fn from(c: Confirm) -> Consent {
        Consent::new(c)
    }
}
