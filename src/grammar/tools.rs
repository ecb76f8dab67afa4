//! The grammar of a whole model turn for a tools file: one or more calls, each bound to its tool's
//! argument schema, or a plain-text answer (the grammar never forces a call).

use super::functiongemma::{token_id, FgConverter};
use super::json_schema::{JsonConverter, KeyOrder};
use super::{Expr, Grammar};
use crate::format::functiongemma::{END_FUNCTION_CALL, START_FUNCTION_CALL, START_FUNCTION_RESPONSE};
use crate::format::scan::CALL;
use crate::format::Format;
use crate::tools::Tools;
use anyhow::{Context, Result};

/// Which turns a grammar allows: OpenAI's `tool_choice` (a named function is `Required` over a
/// tool set of that one tool) and `parallel_tool_calls`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    pub calls: bool,
    pub answer: bool,
    /// More than one call in a turn.
    pub parallel: bool,
}

impl Choice {
    pub const AUTO: Choice = Choice { calls: true, answer: true, parallel: true };
}

/// GBNF for a model turn with `tools` in `format`.
pub fn tools_grammar(tools: &Tools, format: Format) -> Result<String> {
    turn_grammar(tools, format, Choice::AUTO)
}

/// GBNF for a model turn with `tools` in `format`, allowing what `choice` allows.
pub fn turn_grammar(tools: &Tools, format: Format, choice: Choice) -> Result<String> {
    if !choice.calls && !choice.answer {
        anyhow::bail!("a turn must allow calls or an answer");
    }
    let mut g = Grammar::new();
    // Placeholder so that `root` is printed first.
    g.set("root", super::json_schema::placeholder("root"));
    let answer = answer_rule(&mut g);
    let mut calls = Vec::new();
    for t in &tools.tools {
        let rule = super::sanitize(&format!("call-{}", t.name));
        let e = match format {
            Format::FunctionGemma => {
                let mut c = FgConverter { g: &mut g };
                let body = c.object_body(&t.parameters, &super::sanitize(&t.name)).with_context(|| format!("tool `{}`", t.name))?;
                Expr::seq(vec![Expr::Token(token_id(START_FUNCTION_CALL)), Expr::lit(format!("{CALL}{}{{", t.name)), body, Expr::lit("}"), Expr::Token(token_id(END_FUNCTION_CALL))])
            }
            Format::Json => {
                let mut c = JsonConverter { g: &mut g, order: KeyOrder::Sorted };
                let args = c.visit(&t.parameters, &format!("{}-args", super::sanitize(&t.name))).with_context(|| format!("tool `{}`", t.name))?;
                Expr::seq(vec![Expr::lit(format!("{}, \"arguments\": ", serde_json::to_string(&t.name)?)), args])
            }
        };
        g.set(&rule, e);
        calls.push(Expr::r(&rule));
    }
    let call = g.add("call", Expr::alt(calls));
    let most = if choice.parallel { None } else { Some(1) };
    let calls = match format {
        Format::FunctionGemma => Expr::seq(vec![Expr::Repeat(Box::new(Expr::r(&call)), 1, most), Expr::Token(token_id(START_FUNCTION_RESPONSE))]),
        Format::Json => {
            let one = g.add("tool-call", Expr::seq(vec![Expr::lit("<tool_call>{\"name\": "), Expr::r(&call), Expr::lit("}</tool_call>")]));
            let more = Expr::seq(vec![Expr::lit("\n"), Expr::r(&one)]);
            Expr::seq(vec![Expr::r(&one), if choice.parallel { Expr::star(more) } else { Expr::empty() }])
        }
    };
    let root = match (choice.calls, choice.answer) {
        (true, true) => Expr::alt(vec![calls, Expr::r(&answer)]),
        (true, false) => calls,
        _ => Expr::r(&answer),
    };
    g.set("root", root);
    Ok(g.to_gbnf())
}

/// A text answer: at least one character, never `<` followed by a lower-case letter, so that no
/// control token (`<start_function_call>`, `<unused42>`, …) and no `<tool_call>` can start inside it.
fn answer_rule(g: &mut Grammar) -> String {
    let ch = Expr::alt(vec![Expr::not_class(&[('<', '<'), ('\0', '\0')]), Expr::seq(vec![Expr::lit("<"), Expr::not_class(&[('a', 'z'), ('<', '<'), ('\0', '\0')])])]);
    let ch = g.add("answer-char", ch);
    g.add("answer", Expr::Repeat(Box::new(Expr::r(&ch)), 1, None))
}
