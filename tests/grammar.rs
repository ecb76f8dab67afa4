//! Grammars through llama.cpp's own grammar engine: llama.cpp's JSON Schema cases, and for every
//! Delia tool, random valid calls accepted and mutated invalid ones rejected, in both formats.

mod common;

use common::*;
use fg::format::{Call, Format, Message};
use fg::grammar::json_schema::schema_grammar;
use fg::grammar::tools::tools_grammar;
use fg::llama::Vocab;
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
        let ds = fg::data::build(tools(), &fg::data::BuildOptions { harvest: vec![], seed: 11, scale: 0.1, format, corpus: None, natural_repeat: 1 }).unwrap();
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
                let text = completion(format, std::slice::from_ref(call));
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

/// A one-tool file whose argument `v` has `schema` (required).
fn one_argument_tool(schema: &Value) -> Tools {
    let file = json!([{"type": "function", "function": {"name": "t", "description": "", "parameters": {"type": "object", "properties": {"v": schema}, "required": ["v"]}}}]);
    Tools::from_json(&file.to_string()).unwrap_or_else(|e| panic!("{schema} does not load: {e:#}"))
}

/// Whether the grammar of `tools` in `format` accepts the call `t(v = value)`, and whether the
/// loader's validator finds it valid: the two must agree wherever the grammar enforces the schema.
fn verdicts(tools: &Tools, format: Format, value: &Value) -> (bool, bool) {
    let g = tools_grammar(tools, format).unwrap();
    let call = Call { name: "t".into(), arguments: json!({ "v": value }).as_object().unwrap().clone() };
    let text = completion(format, std::slice::from_ref(&call));
    (vocab().grammar_accepts(&g, &text).unwrap(), tools.check_call("t", &call.arguments).is_ok())
}

#[test]
fn tuples_in_both_spellings_are_enforced_in_both_formats() {
    let cases = [
        // Draft 4: positional items, nothing after them, both required.
        (
            json!({"type": "array", "items": [{"type": "integer"}, {"type": "string"}], "additionalItems": false, "minItems": 2}),
            vec![json!([1, "a"])],
            vec![json!(["a", 1]), json!([1]), json!([1, "a", 2]), json!([])],
        ),
        // 2020-12: a string, then any number of integers.
        (
            json!({"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}}),
            vec![json!(["x"]), json!(["x", 1, 2]), json!([])],
            vec![json!(["x", "y"]), json!([1]), json!(["x", 1, "z"])],
        ),
        // 2020-12 as pydantic writes tuple[int, str]: exactly two.
        (
            json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2}),
            vec![json!([7, "b"])],
            vec![json!([7]), json!([7, "b", "c"]), json!(["b", 7])],
        ),
        // A prefix, then anything.
        (json!({"type": "array", "prefixItems": [{"type": "boolean"}]}), vec![json!([true, "x", 3, {"k": [1]}]), json!([false])], vec![json!(["true"]), json!([1, true])]),
        // No items at all.
        (json!({"type": "array", "items": false}), vec![json!([])], vec![json!([1])]),
    ];
    for (schema, good, bad) in cases {
        let tools = one_argument_tool(&schema);
        for format in [Format::FunctionGemma, Format::Json] {
            for v in &good {
                assert_eq!(verdicts(&tools, format, v), (true, true), "{format:?} {schema}: {v} should be accepted and valid");
            }
            for v in &bad {
                assert_eq!(verdicts(&tools, format, v), (false, false), "{format:?} {schema}: {v} should be rejected and invalid");
            }
        }
    }
}

#[test]
fn bare_schema_tuples_respect_min_and_max_items() {
    let g = schema_grammar(&json!({"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": {"type": "boolean"}, "minItems": 1, "maxItems": 3})).unwrap().to_gbnf();
    for ok in ["[1]", "[1, \"a\"]", "[1,\"a\",true]"] {
        assert!(vocab().grammar_accepts(&g, ok).unwrap(), "should accept {ok}\n{g}");
    }
    for bad in ["[]", "[1, \"a\", true, false]", "[\"a\"]", "[1, 2]"] {
        assert!(!vocab().grammar_accepts(&g, bad).unwrap(), "should reject {bad}\n{g}");
    }
    let e = schema_grammar(&json!({"type": "array", "prefixItems": [{"type": "integer"}], "items": false, "minItems": 2})).unwrap_err();
    assert!(e.to_string().contains("no array satisfies"), "{e}");
}

/// For each keyword the loader accepts: a property schema using it, a value it allows, and a value
/// it forbids where the grammar enforces the keyword (None where it is left to jsonschema).
fn keyword_samples() -> Vec<(&'static str, Value, Value, Option<Value>)> {
    vec![
        ("type", json!({"type": "integer"}), json!(5), Some(json!("x"))),
        ("description", json!({"type": "string", "description": "d"}), json!("a"), Some(json!(1))),
        ("title", json!({"type": "string", "title": "T"}), json!("a"), Some(json!(1))),
        ("properties", json!({"type": "object", "properties": {"a": {"type": "integer"}}}), json!({"a": 1}), Some(json!({"a": "x"}))),
        ("required", json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a"]}), json!({"a": 1}), Some(json!({"b": 1}))),
        ("enum", json!({"type": "string", "enum": ["x", "y"]}), json!("y"), Some(json!("z"))),
        ("const", json!({"const": "k"}), json!("k"), Some(json!("j"))),
        ("default", json!({"type": "integer", "default": 3}), json!(4), Some(json!("x"))),
        ("examples", json!({"type": "string", "examples": ["e"]}), json!("a"), Some(json!(2))),
        ("minimum", json!({"type": "integer", "minimum": 2}), json!(2), Some(json!(1))),
        ("maximum", json!({"type": "integer", "maximum": 2}), json!(2), Some(json!(3))),
        ("exclusiveMinimum", json!({"type": "integer", "exclusiveMinimum": 2}), json!(3), Some(json!(2))),
        ("exclusiveMaximum", json!({"type": "integer", "exclusiveMaximum": 2}), json!(1), Some(json!(2))),
        ("minLength", json!({"type": "string", "minLength": 2}), json!("ab"), Some(json!("a"))),
        ("maxLength", json!({"type": "string", "maxLength": 2}), json!("ab"), Some(json!("abc"))),
        ("pattern", json!({"type": "string", "pattern": "^a+$"}), json!("aa"), Some(json!("ab"))),
        ("format", json!({"type": "string", "format": "uri"}), json!("https://x.org"), None),
        ("items", json!({"type": "array", "items": {"type": "integer"}}), json!([1, 2]), Some(json!(["x"]))),
        ("prefixItems", json!({"type": "array", "prefixItems": [{"type": "integer"}], "items": false}), json!([1]), Some(json!([1, 2]))),
        ("additionalItems", json!({"type": "array", "items": [{"type": "integer"}], "additionalItems": {"type": "string"}}), json!([1, "a"]), Some(json!([1, 2]))),
        ("minItems", json!({"type": "array", "items": {"type": "integer"}, "minItems": 1}), json!([1]), Some(json!([]))),
        ("maxItems", json!({"type": "array", "items": {"type": "integer"}, "maxItems": 1}), json!([1]), Some(json!([1, 2]))),
        ("uniqueItems", json!({"type": "array", "items": {"type": "integer"}, "uniqueItems": true}), json!([1, 2]), None),
        // FunctionGemma's grammar never allows undeclared keys, so the sample stays within the declared one.
        ("additionalProperties", json!({"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": {"type": "string"}}), json!({"a": 1}), Some(json!({"a": 1, "b": 2}))),
        ("anyOf", json!({"anyOf": [{"type": "integer"}, {"type": "string"}]}), json!("a"), Some(json!(true))),
        ("oneOf", json!({"oneOf": [{"type": "integer"}, {"type": "boolean"}]}), json!(true), Some(json!("a"))),
        ("nullable", json!({"type": "string", "nullable": true}), json!("a"), Some(json!(3))),
    ]
}

#[test]
fn every_keyword_the_loader_accepts_has_a_grammar_in_both_formats() {
    let samples = keyword_samples();
    for kw in fg::tools::KNOWN_KEYWORDS {
        assert!(samples.iter().any(|(k, ..)| k == kw), "the loader accepts `{kw}` but no sample here shows that a grammar can be built for it: add one");
    }
    for (kw, schema, good, bad) in samples {
        let tools = one_argument_tool(&schema);
        for format in [Format::FunctionGemma, Format::Json] {
            assert_eq!(verdicts(&tools, format, &good), (true, true), "{format:?} `{kw}` {schema}: {good} should be accepted and valid");
            if let Some(bad) = &bad {
                assert_eq!(verdicts(&tools, format, bad), (false, false), "{format:?} `{kw}` {schema}: {bad} should be rejected and invalid");
            }
        }
    }
}

#[test]
fn patterns_mean_in_the_grammar_what_they_mean_to_the_validator() {
    // Parsed by regex-syntax, walked into the grammar: llama.cpp's grammar engine and jsonschema
    // agree on every sample, in both formats.
    let cases: [(&str, &[&str], &[&str]); 5] = [
        (r"^[a-z_]+\d{2,3}$", &["ab_12", "x999"], &["ab_1", "AB_12", "ab_1234"]),
        (r"^(?:foo|ba[rz])-\w*$", &["foo-", "baz-a_1"], &["bat-", "foo"]),
        (r"^\S+@\S+\.(com|org)$", &["a@b.com"], &["a b@c.com", "a@b.net"]),
        (r#"^[^"\\]*$"#, &["plain"], &["a\"b", "a\\b"]),
        (r"\d", &["a1b", "7"], &["abc", ""]),
    ];
    for (pattern, good, bad) in cases {
        let tools = one_argument_tool(&json!({"type": "string", "pattern": pattern}));
        for format in [Format::FunctionGemma, Format::Json] {
            for g in good {
                assert_eq!(verdicts(&tools, format, &json!(g)), (true, true), "{format:?} {pattern}: {g:?} should be accepted and valid");
            }
            for b in bad {
                assert_eq!(verdicts(&tools, format, &json!(b)), (false, false), "{format:?} {pattern}: {b:?} should be rejected and invalid");
            }
        }
    }
}
