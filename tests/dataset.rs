//! The dataset: counts, the held-out eval split, reproducibility, harvest, and the formats'
//! render/parse round trip on every tool.

mod common;

use common::*;
use fg::data::{self, BuildOptions, Dataset};
use fg::format::{functiongemma, Call, Format, Message};
use fg::rng::Rng;
use fg::tools::{default_tools_path, Tools};
use serde_json::{json, Map};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;

fn tools() -> &'static Tools {
    static T: OnceLock<Tools> = OnceLock::new();
    T.get_or_init(|| Tools::load(&default_tools_path()).unwrap())
}

fn default_dataset() -> &'static Dataset {
    static D: OnceLock<Dataset> = OnceLock::new();
    D.get_or_init(|| data::build(tools(), &BuildOptions { harvest: vec![], seed: 42, scale: 1.0, format: Format::FunctionGemma, corpus: None, natural_repeat: 1 }).unwrap())
}

#[test]
fn every_tool_has_at_least_60_train_and_10_eval_examples() {
    let ds = default_dataset();
    for t in tools().names() {
        let train = ds.stats.train.by_tool.get(t).copied().unwrap_or(0);
        let eval = ds.stats.eval.by_tool.get(t).copied().unwrap_or(0);
        assert!(train >= 60 && eval >= 10, "{t}: {train} train, {eval} eval");
    }
    for kind in ["call", "no_call", "multi_turn", "near_miss", "parallel"] {
        assert!(ds.stats.train.by_kind.get(kind).copied().unwrap_or(0) > 0, "no {kind} examples in train");
        assert!(ds.stats.eval.by_kind.get(kind).copied().unwrap_or(0) > 0, "no {kind} examples in eval");
    }
    assert!(ds.stats.train.by_kind["no_call"] >= 60);
}

#[test]
fn no_eval_request_appears_in_train() {
    let ds = default_dataset();
    let train: HashSet<String> = ds.train.iter().map(|e| e.query().unwrap().trim().to_lowercase()).collect();
    for e in &ds.eval {
        assert!(!train.contains(&e.query().unwrap().trim().to_lowercase()), "eval request also in train: {:?}", e.query());
    }
}

#[test]
fn eval_values_are_held_out_from_train() {
    // Free-form values of eval calls (paths, ids, commands, patterns, …) come from the eval part of
    // the pools; the train-only pools add none of them.
    let ds = default_dataset();
    let values = |examples: &[data::Example], key: &str| -> HashSet<String> {
        examples.iter().filter(|e| e.kind == fg::data::Kind::Call).filter_map(|e| e.expected()?.arguments.get(key)?.as_str().map(String::from)).collect()
    };
    for key in ["path", "query", "model_name", "backend_id", "url", "session_id", "command", "pattern", "search", "client_id", "problem", "server_id", "prompt", "question", "metadata"] {
        let (train, eval) = (values(&ds.train, key), values(&ds.eval, key));
        assert!(!eval.is_empty(), "no eval values for {key}");
        let shared: Vec<&String> = eval.intersection(&train).collect();
        assert!(shared.is_empty(), "{key} values in both splits: {shared:?}");
    }
}

#[test]
fn every_enum_member_eval_asks_for_is_trained() {
    // A schema's closed sets are not held out: eval never asks for a member training never showed.
    let ds = default_dataset();
    let values = |examples: &[data::Example]| -> HashSet<(String, String, String)> {
        let calls = examples.iter().filter_map(|e| e.expected());
        calls.flat_map(|c| c.arguments.iter().filter_map(|(k, v)| Some((c.name.clone(), k.clone(), v.as_str()?.to_string())))).collect()
    };
    let train = values(&ds.train);
    let mut checked = 0;
    for (tool, key, value) in values(&ds.eval) {
        let def = tools().get(&tool).unwrap();
        if def.parameters["properties"][&key]["enum"].is_array() {
            assert!(train.contains(&(tool.clone(), key.clone(), value.clone())), "{tool}.{key} = {value:?} is asked for in eval but never trained");
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} distinct enum values in eval");
}

#[test]
fn the_eval_split_is_the_one_the_shipped_figures_were_measured_on() -> anyhow::Result<()> {
    // Train-only phrasings and values must leave eval.jsonl as it was: the shipped adapter's
    // figures (models/delia/adapter.json) are comparable only on the same eval split.
    let dir = tmp();
    data::write(default_dataset(), dir.path())?;
    let out = std::process::Command::new("sha256sum").arg(dir.path().join("eval.jsonl")).output()?;
    anyhow::ensure!(out.status.success(), "sha256sum failed: {}", String::from_utf8_lossy(&out.stderr));
    let digest = String::from_utf8(out.stdout)?.split_whitespace().next().unwrap_or_default().to_string();
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/delia/adapter.json"))?)?;
    assert_eq!(digest, manifest["results"]["eval_data_sha256"].as_str().unwrap_or("missing"), "the default eval split changed");
    Ok(())
}

#[test]
fn train_chains_run_longer_than_eval_chains_and_cover_their_lengths() {
    // The model learns to write every step a request lists: train shows each step count eval
    // asks for, chains of three or more almost as often as chains of two, and some longer than
    // any eval chain.
    let ds = default_dataset();
    let lengths = |examples: &[data::Example]| -> Vec<usize> {
        let calls = examples.iter().filter_map(|e| e.expected()).filter(|c| c.name == "chain");
        calls.map(|c| serde_json::from_str::<Vec<serde_json::Value>>(c.arguments["steps"].as_str().unwrap()).unwrap().len()).collect()
    };
    let (train, eval) = (lengths(&ds.train), lengths(&ds.eval));
    for n in &eval {
        assert!(train.contains(n), "eval has a chain of {n} steps, train none");
    }
    let long = train.iter().filter(|&&n| n >= 3).count();
    assert!(long * 5 > train.len() * 2, "{long} of {} train chains have three steps or more", train.len());
    assert!(train.iter().max() > eval.iter().max(), "no train chain is longer than the longest eval chain");
}

#[test]
fn every_example_validates_and_shows_all_tools() {
    let ds = default_dataset();
    let prefix = Format::FunctionGemma.prefix(tools(), None);
    for e in ds.train.iter().chain(&ds.eval) {
        assert!(e.text.starts_with(&prefix), "{} lacks the developer turn with every tool", e.id);
        for m in &e.messages {
            if let Message::Assistant { tool_calls, .. } = m {
                for c in tool_calls {
                    tools().check_call(&c.name, &c.arguments).unwrap_or_else(|err| panic!("{}: {err}", e.id));
                }
            }
        }
        let rendered = Format::FunctionGemma.render(tools(), None, &e.messages, false).unwrap().text();
        assert_eq!(rendered, e.text, "{}: stored text differs from a fresh rendering", e.id);
    }
}

#[test]
fn building_is_reproducible_and_seeded() -> anyhow::Result<()> {
    let dir = tmp();
    let opts = |seed| BuildOptions { harvest: vec![], seed, scale: 0.3, format: Format::FunctionGemma, corpus: None, natural_repeat: 1 };
    let a = data::build(tools(), &opts(7))?;
    let b = data::build(tools(), &opts(7))?;
    let c = data::build(tools(), &opts(8))?;
    data::write(&a, &dir.path().join("a"))?;
    data::write(&b, &dir.path().join("b"))?;
    for f in ["train.jsonl", "eval.jsonl", "stats.json", "summary.md"] {
        assert_eq!(std::fs::read(dir.path().join("a").join(f))?, std::fs::read(dir.path().join("b").join(f))?, "{f} differs between two builds");
    }
    assert_ne!(a.train, c.train, "another seed gives other examples");
    let back = data::read_jsonl(&dir.path().join("a/train.jsonl"))?;
    assert_eq!(back, a.train);
    Ok(())
}

#[test]
fn the_scale_flag_scales() {
    let small = data::build(tools(), &BuildOptions { harvest: vec![], seed: 1, scale: 0.25, format: Format::FunctionGemma, corpus: None, natural_repeat: 1 }).unwrap();
    let big = data::build(tools(), &BuildOptions { harvest: vec![], seed: 1, scale: 2.0, format: Format::FunctionGemma, corpus: None, natural_repeat: 1 }).unwrap();
    assert!(big.train.len() > 6 * small.train.len(), "{} vs {}", big.train.len(), small.train.len());
    assert!(big.stats.train.by_tool.values().all(|&n| n >= 120));
}

#[test]
fn harvest_keeps_valid_calls_and_counts_drops_by_reason() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/harvest");
    let ds = data::build(tools(), &BuildOptions { harvest: vec![dir], seed: 3, scale: 0.2, format: Format::FunctionGemma, corpus: None, natural_repeat: 1 }).unwrap();
    let h = &ds.stats.harvest;
    assert_eq!(h.files_scanned, 3);
    let kept: BTreeMap<String, usize> = ds.train.iter().filter(|e| e.kind == fg::data::Kind::Harvested).fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e.tool_calls[0].clone()).or_default() += 1;
        m
    });
    let want: BTreeMap<String, usize> =
        [("delegate", 1), ("think", 1), ("read_file", 1), ("web_search", 1), ("list_directory", 2), ("session_get", 1), ("health", 1), ("shell_exec", 1), ("replace_in_file", 1)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
    assert_eq!(kept, want);
    assert_eq!(h.kept, 10);
    assert_eq!(h.duplicates, 1);
    let dropped: Vec<(&str, usize)> = h.dropped.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        dropped,
        [("missing required argument", 2), ("schema violation", 1), ("unknown tool", 1), ("unparsable arguments", 1), ("unparsable call", 1), ("value not in enum", 1), ("wrong argument type", 1)]
    );
    assert_eq!(h.by_shape.values().sum::<usize>(), h.found);
    assert_eq!(h.by_shape.keys().cloned().collect::<Vec<_>>(), ["direct", "json", "openai", "xml"]);
}

#[test]
fn render_and_parse_are_inverses_for_every_tool_in_both_formats() {
    let mut r = Rng::new(99);
    for format in [Format::FunctionGemma, Format::Json] {
        for tool in &tools().tools {
            for _ in 0..200 {
                let calls: Vec<Call> = (0..1 + r.below(2)).map(|_| random_call(tool, &mut r)).collect();
                for c in &calls {
                    assert!(tool.is_valid(&c.arguments), "generator made an invalid call: {c:?}");
                }
                let messages = vec![Message::User { content: "x".into() }, Message::Assistant { content: None, tool_calls: calls.clone() }];
                let rendered = format.render(tools(), None, &messages, false).unwrap();
                let completion: String = rendered.segments.iter().filter(|s| s.train).map(|s| s.text.as_str()).collect();
                let parsed = format.parse(&completion).unwrap_or_else(|e| panic!("{format:?} {completion:?}: {e}"));
                assert_eq!(parsed.calls, calls, "{format:?}: {completion}");
                assert_eq!(parsed.text, "");
            }
        }
    }
}

#[test]
fn nested_values_round_trip_in_functiongemma_syntax() {
    let call = Call { name: "t".into(), arguments: json!({"a": [1, -2.5, true, null, "s,{}:"], "o": {"z": {"k": []}, "b": "x"}, "e": ""}).as_object().unwrap().clone() };
    let text = functiongemma::render_call(&call).unwrap();
    assert_eq!(text, "<start_function_call>call:t{a:[1,-2.5,true,null,<escape>s,{}:<escape>],e:<escape><escape>,o:{b:<escape>x<escape>,z:{k:[]}}}<end_function_call>");
    assert_eq!(functiongemma::parse(&text).unwrap().calls, [call]);
}

#[test]
fn malformed_model_output_is_a_parse_error_with_a_position() {
    for bad in [
        "<start_function_call>call:x{a:<escape>open}<end_function_call>",
        "<start_function_call>call:{}<end_function_call>",
        "<start_function_call>call:x{a:zzz}<end_function_call>",
        "<start_function_call>call:x{a:1,a:2}<end_function_call>",
        "text <end_function_call>",
    ] {
        let e = Format::FunctionGemma.parse(bad).unwrap_err();
        assert!(e.at <= bad.len(), "{bad}: {e}");
    }
    assert!(Format::Json.parse("<tool_call>{\"name\": 1}</tool_call>").is_err());
    assert!(Format::Json.parse("<tool_call>{\"name\": \"x\"").is_err());
    assert_eq!(Format::FunctionGemma.parse("Just text.<end_of_turn>").unwrap().text, "Just text.");
}

#[test]
fn functiongemma_layout_matches_the_reference_example_exactly() {
    let tools = Tools::from_json(
        r#"[{"type": "function", "function": {"name": "read_file", "description": "Read a file", "parameters": {"type": "object",
            "properties": {"path": {"type": "string", "description": "File path"}, "end_line": {"type": "integer", "description": "Last line"}},
            "required": ["path"]}}}]"#,
    )
    .unwrap();
    let call = Call { name: "read_file".into(), arguments: json!({"path": "src/main.rs"}).as_object().unwrap().clone() };
    let messages = vec![
        Message::User { content: "Show me src/main.rs".into() },
        Message::Assistant { content: None, tool_calls: vec![call] },
        Message::Tool { name: "read_file".into(), content: json!("fn main() {}") },
        Message::Assistant { content: Some("Here is src/main.rs: it only defines an empty main.".into()), tool_calls: vec![] },
    ];
    let want = "<bos><start_of_turn>developer\nYou are a model that can do function calling with the following functions<start_function_declaration>declaration:read_file{description:<escape>Read a file<escape>,parameters:{properties:{end_line:{description:<escape>Last line<escape>,type:<escape>INTEGER<escape>},path:{description:<escape>File path<escape>,type:<escape>STRING<escape>}},required:[<escape>path<escape>],type:<escape>OBJECT<escape>}}<end_function_declaration><end_of_turn>\n<start_of_turn>user\nShow me src/main.rs<end_of_turn>\n<start_of_turn>model\n<start_function_call>call:read_file{path:<escape>src/main.rs<escape>}<end_function_call><start_function_response>response:read_file{value:<escape>fn main() {}<escape>}<end_function_response>Here is src/main.rs: it only defines an empty main.<end_of_turn>\n";
    let r = Format::FunctionGemma.render(&tools, None, &messages, false).unwrap();
    assert_eq!(r.text(), want);
    let trained: Vec<&str> = r.segments.iter().filter(|s| s.train).map(|s| s.text.as_str()).collect();
    assert_eq!(
        trained,
        ["<start_function_call>call:read_file{path:<escape>src/main.rs<escape>}<end_function_call><start_function_response>", "Here is src/main.rs: it only defines an empty main.<end_of_turn>"]
    );
    // For generation after the tool result, the text ends where the model continues its turn.
    let g = Format::FunctionGemma.render(&tools, None, &messages[..3], true).unwrap().text();
    assert!(g.ends_with("<end_function_response>"), "{g}");
    let g = Format::FunctionGemma.render(&tools, None, &messages[..1], true).unwrap().text();
    assert!(g.ends_with("<start_of_turn>model\n"), "{g}");
}

#[test]
fn json_format_renders_the_seed_layout() {
    let tools = Tools::from_json(r#"[{"name": "health", "description": "Check health", "parameters": {"type": "object", "properties": {}}}]"#).unwrap();
    let messages = vec![
        Message::User { content: "Is Delia up?".into() },
        Message::Assistant { content: None, tool_calls: vec![Call { name: "health".into(), arguments: Map::new() }] },
        Message::Tool { name: "health".into(), content: json!({"status": "ok"}) },
        Message::Assistant { content: Some("Yes.".into()), tool_calls: vec![] },
    ];
    let text = Format::Json.render(&tools, None, &messages, false).unwrap().text();
    let want = "<bos><start_of_turn>user\n[Available Tools]\n{\"name\": \"health\", \"description\": \"Check health\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}\n\nIs Delia up?<end_of_turn>\n<start_of_turn>model\n<tool_call>{\"name\": \"health\", \"arguments\": {}}</tool_call><end_of_turn>\n<start_of_turn>user\n[Tool Result]\nhealth: {\"status\": \"ok\"}<end_of_turn>\n<start_of_turn>model\nYes.<end_of_turn>\n";
    assert_eq!(text, want);
}

#[test]
fn every_forced_continuation_is_what_the_dataset_calls_go_on_with() {
    // Property: for every call in the dataset (valid for its schema, as the trainer renders it)
    // and every prefix of it, the forcer's text is how that call goes on. A forcer that guessed (a
    // key that is not unique, a brace where `{}` follows) would break some call.
    use fg::format::functiongemma::{END_FUNCTION_CALL, START_FUNCTION_CALL};
    use fg::llama::Forcer;
    let f = fg::agent::forcing::FunctionGemmaForcer::new(tools());
    let ds = default_dataset();
    let (mut calls, mut forced) = (0usize, 0usize);
    for e in ds.train.iter().chain(&ds.eval) {
        let mut text = e.text.as_str();
        while let Some(start) = text.find(START_FUNCTION_CALL) {
            let end = text[start..].find(END_FUNCTION_CALL).expect("a closed call") + start + END_FUNCTION_CALL.len();
            let call = &text[start..end];
            for (i, _) in call.char_indices().skip(1) {
                if let Some(more) = f.forced(&call[..i]) {
                    assert!(call[i..].starts_with(&more), "{}: after {:?} the forcer wrote {more:?}; the call is {call:?}", e.id, &call[..i]);
                    forced += 1;
                }
            }
            calls += 1;
            text = &text[end..];
        }
    }
    assert!(calls > 5_000 && forced > 50_000, "{calls} calls, {forced} forced continuations checked");
}
