//! Grammars through llama.cpp's own grammar engine: llama.cpp's JSON Schema cases, and for every
//! Delia tool, random valid calls accepted and mutated invalid ones rejected, in both formats.

mod common;

use common::*;
use fg::agent::engine::Vocab;
use fg::format::{Call, Format, Message};
use fg::grammar::json_schema::schema_grammar;
use fg::grammar::tools::tools_grammar;
use fg::rng::Rng;
use fg::tools::{default_tools_path, Tools};
use serde_json::{json, Value};
use std::sync::OnceLock;

fn vocab() -> &'static Vocab {
    static V: OnceLock<Vocab> = OnceLock::new();
    V.get_or_init(|| Vocab::functiongemma(&base_model()).unwrap())
}

fn tools() -> &'static Tools {
    static T: OnceLock<Tools> = OnceLock::new();
    T.get_or_init(|| Tools::load(&default_tools_path()).unwrap())
}

#[test]
fn llama_cpp_json_schema_cases_hold() {
    let cases = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/grammar-cases.jsonl")).unwrap();
    let mut n = 0;
    for line in cases.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let name = case["name"].as_str().unwrap();
        let g = schema_grammar(&case["schema"]).unwrap_or_else(|e| panic!("{name}: {e}")).to_gbnf();
        for s in case["accept"].as_array().unwrap() {
            assert!(vocab().grammar_accepts(&g, s.as_str().unwrap()).unwrap(), "{name}: should accept {s}\n{g}");
            n += 1;
        }
        for s in case["reject"].as_array().unwrap() {
            assert!(!vocab().grammar_accepts(&g, s.as_str().unwrap()).unwrap(), "{name}: should reject {s}\n{g}");
            n += 1;
        }
    }
    assert!(n > 100);
}

/// The text a model would produce for `calls` in `format`, up to its stop token.
fn completion(format: Format, calls: &[Call]) -> String {
    match format {
        Format::FunctionGemma => calls.iter().map(|c| fg::format::functiongemma::render_call(c).unwrap()).collect::<String>() + "<start_function_response>",
        Format::Json => calls.iter().map(fg::format::json::render_call).collect::<Vec<_>>().join("\n"),
    }
}

fn grammar(format: Format) -> &'static str {
    static G: OnceLock<[String; 2]> = OnceLock::new();
    let g = G.get_or_init(|| [tools_grammar(tools(), Format::FunctionGemma).unwrap(), tools_grammar(tools(), Format::Json).unwrap()]);
    &g[usize::from(format == Format::Json)]
}

#[test]
fn random_valid_calls_of_every_tool_are_accepted_in_both_formats() {
    let mut r = Rng::new(5);
    for format in [Format::FunctionGemma, Format::Json] {
        for tool in &tools().tools {
            for _ in 0..12 {
                let calls: Vec<Call> = (0..1 + r.below(2)).map(|_| random_call(tool, &mut r)).collect();
                let text = completion(format, &calls);
                assert!(vocab().grammar_accepts(grammar(format), &text).unwrap(), "{format:?} rejects a valid call: {text}");
            }
        }
    }
}

#[test]
fn every_dataset_completion_is_accepted() {
    for format in [Format::FunctionGemma, Format::Json] {
        let ds = fg::data::build(tools(), &fg::data::BuildOptions { harvest: vec![], seed: 11, scale: 0.1, format }).unwrap();
        for e in ds.eval.iter().take(120) {
            if let Some(Message::Assistant { tool_calls, content }) = e.messages.get(1) {
                let text = if tool_calls.is_empty() { content.clone().unwrap() } else { completion(format, tool_calls) };
                assert!(vocab().grammar_accepts(grammar(format), &text).unwrap(), "{format:?} rejects {}: {text}", e.id);
            }
        }
    }
}

/// Invalid variants of a valid call, each named by what is wrong.
fn mutations(tool: &fg::tools::Tool, call: &Call, format: Format) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut renamed = call.clone();
    renamed.name = "no_such_tool".into();
    out.push(("wrong name", completion(format, &[renamed])));
    if let Some(req) = tool.required().first() {
        let mut c = call.clone();
        c.arguments.remove(*req);
        out.push(("missing required", completion(format, &[c])));
    }
    let mut extra = call.clone();
    extra.arguments.insert("zz_extra".into(), json!("x"));
    out.push(("extra key", completion(format, &[extra])));
    for (k, schema) in tool.properties() {
        let Some(v) = call.arguments.get(k) else { continue };
        let wrong = match schema.get("type").and_then(Value::as_str) {
            Some("string") => json!(12),
            Some("integer") | Some("number") => json!("twelve"),
            Some("boolean") => json!("yes"),
            _ => continue,
        };
        let mut c = call.clone();
        c.arguments.insert(k.clone(), wrong);
        out.push(("wrong type", completion(format, &[c])));
        if schema.get("enum").is_some() {
            let mut c = call.clone();
            c.arguments.insert(k.clone(), json!("not_in_enum"));
            out.push(("enum violation", completion(format, &[c])));
        }
        if let Value::String(s) = v {
            if !s.is_empty() {
                let text = completion(format, &[call.clone()]);
                let unescaped = match format {
                    Format::FunctionGemma => text.replacen(&format!("<escape>{s}<escape>"), s, 1),
                    Format::Json => text.replacen(&Value::String(s.clone()).to_string(), s, 1),
                };
                if unescaped != text {
                    out.push(("unescaped string", unescaped));
                }
            }
        }
        break;
    }
    out
}

#[test]
fn mutated_invalid_calls_are_rejected_in_both_formats() {
    let mut r = Rng::new(8);
    let mut seen = std::collections::BTreeSet::new();
    for format in [Format::FunctionGemma, Format::Json] {
        for tool in &tools().tools {
            for _ in 0..3 {
                let call = random_call(tool, &mut r);
                for (what, text) in mutations(tool, &call, format) {
                    assert!(!vocab().grammar_accepts(grammar(format), &text).unwrap(), "{format:?} accepts a call with a {what}: {text}");
                    seen.insert(what);
                }
            }
        }
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
}

#[test]
fn text_answers_are_allowed_but_cannot_smuggle_calls() {
    for format in [Format::FunctionGemma, Format::Json] {
        let g = grammar(format);
        assert!(vocab().grammar_accepts(g, "Hello! How can I help? 3 < 4 and x<5.").unwrap());
        assert!(!vocab().grammar_accepts(g, "").unwrap(), "an empty turn is not an answer");
        assert!(!vocab().grammar_accepts(g, "Sure: <start_function_call>call:health{}<end_function_call>").unwrap());
        assert!(!vocab().grammar_accepts(g, "Sure: <tool_call>{\"name\": \"health\", \"arguments\": {}}</tool_call>").unwrap());
    }
    // A call's text that is cut short is not complete.
    assert!(!vocab().grammar_accepts(grammar(Format::FunctionGemma), "<start_function_call>call:health{}<end_function_call>").unwrap());
    assert!(vocab().grammar_accepts(grammar(Format::FunctionGemma), "<start_function_call>call:health{}<end_function_call><start_function_response>").unwrap());
}

#[test]
fn strings_may_hold_markup_but_not_the_escape_marker() {
    let g = grammar(Format::FunctionGemma);
    let ok = "<start_function_call>call:write_file{content:<escape><div>Vec<u8> {x:1}, \"q\" <unused99> <start_of_turn></div><escape>,path:<escape>a.html<escape>}<end_function_call><start_function_response>";
    assert!(vocab().grammar_accepts(g, ok).unwrap());
    for marker in ["<unused46>", "<unused44>", "<start_function_response>", "<end_function_call>"] {
        let bad = format!("<start_function_call>call:write_file{{content:<escape>a{marker}b<escape>,path:<escape>a<escape>}}<end_function_call><start_function_response>");
        assert!(!vocab().grammar_accepts(g, &bad).unwrap(), "{marker} inside a string");
    }
    let url_ok = "<start_function_call>call:web_fetch{url:<escape>https://example.com/x<escape>}<end_function_call><start_function_response>";
    let url_bad = "<start_function_call>call:web_fetch{url:<escape>ftp://example.com/x<escape>}<end_function_call><start_function_response>";
    assert!(vocab().grammar_accepts(g, url_ok).unwrap());
    assert!(!vocab().grammar_accepts(g, url_bad).unwrap());
    let bounded = "<start_function_call>call:web_search{max_results:11,query:<escape>q<escape>}<end_function_call><start_function_response>";
    assert!(!vocab().grammar_accepts(g, bounded).unwrap(), "max_results has maximum 10");
}

#[test]
fn shipped_grammars_are_up_to_date() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("grammars");
    for (format, file) in [(Format::FunctionGemma, "delia.functiongemma.gbnf"), (Format::Json, "delia.json.gbnf")] {
        let shipped = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(shipped == grammar(format), "grammars/{file} is stale: run `fg grammar --format {} > grammars/{file}`", format.name());
    }
}

