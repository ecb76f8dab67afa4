//! `fg eval` end to end: the shipped Delia adapter on the installed base through llama.cpp, on a
//! small plain eval file; the JSON keys the issue names, the report and chart files, the grammar's
//! guarantees, and a clear error for a malformed eval file.

mod common;

use serde_json::Value;
use std::process::{Command, Output};

fn fg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fg")).args(args).output().expect("fg runs")
}

fn small() -> String {
    format!("{}/tests/data/eval-small.jsonl", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn eval_scores_the_shipped_model_and_writes_its_report() {
    common::base_model();
    let dir = common::tmp();
    let report = dir.path().join("report.md");
    let chart = dir.path().join("chart.png");
    let threads = common::threads().to_string();
    let o = fg(&["eval", "--data", &small(), "--grammar", "--json", "-t", &threads, "--report", report.to_str().unwrap(), "--chart", chart.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in ["n", "tool_name_accuracy", "exact_call_accuracy", "required_arg_accuracy", "schema_valid_rate", "parse_rate", "no_call_accuracy", "mean_latency_ms", "examples"] {
        assert!(r.get(k).is_some(), "{k} in the JSON");
    }
    assert_eq!(r["n"], 4);
    let examples = r["examples"].as_array().unwrap();
    assert_eq!(examples[0]["query"], "read the file notes.md");
    for e in examples {
        assert!(e.get("expect").is_some() && e.get("predicted").is_some());
    }
    assert_eq!(r["parse_rate"], 1.0, "with the grammar every turn parses");
    assert_eq!(r["schema_valid_rate"], 1.0, "with the grammar every call is valid");
    assert_eq!(examples[0]["predicted"], serde_json::json!({"name": "read_file", "arguments": {"path": "notes.md"}}), "the Delia model reads the file");
    assert!(r["tool_name_accuracy"].as_f64().unwrap() >= 0.75, "{}", r["tool_name_accuracy"]);
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.contains("| tool-name accuracy |") && md.contains("## Per tool"), "{md}");
    // Titled with the base as installed (not the prepared copy) and the adapter as a user would write it.
    assert!(md.lines().next().unwrap().contains("gemma-3-270m-q4_k_m.gguf + models/delia/adapter.gguf, grammar"), "{md}");
    let png = std::fs::read(&chart).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn a_malformed_eval_file_is_named() {
    let dir = common::tmp();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"query\": \"x\", \"expect\": null}\n{\"query\": \"y\", \"expect\": {\"arguments\": {}}}\n").unwrap();
    let o = fg(&["eval", "--data", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "a bad input file exits 3");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.jsonl:2"), "{err}");
}

#[test]
fn executed_tasks_run_the_tools_on_a_copy_and_judge_the_answers() {
    common::base_model();
    let dir = common::tmp();
    let ws = dir.path().join("demo");
    std::fs::create_dir_all(ws.join("src")).unwrap();
    for f in ["main.py", "util.py", "db.py"] {
        std::fs::write(ws.join("src").join(f), "print('hi')\n").unwrap();
    }
    std::fs::write(ws.join("settings.toml"), "[server]\nport = 8123\n").unwrap();
    let tasks = dir.path().join("tasks.jsonl");
    std::fs::write(
        &tasks,
        concat!(
            "{\"id\": \"count\", \"workspace\": \"demo\", \"request\": \"how many files are in src?\", \"facts\": [\"3\"], \"read_only\": true}\n",
            "{\"id\": \"port\", \"workspace\": \"demo\", \"request\": \"what port does settings.toml set?\", \"facts\": [\"8123\"], \"read_only\": true}\n",
            "{\"id\": \"empty\", \"workspace\": \"demo\", \"request\": \"is the logs folder empty?\", \"facts\": [\"empty\"], \"empty_dirs\": [\"logs\"], \"read_only\": true}\n",
        ),
    )
    .unwrap();
    let threads = common::threads().to_string();
    let o = fg(&["eval", "--execute", tasks.to_str().unwrap(), "--grammar", "--json", "-t", &threads]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["n"], 3);
    for k in ["answer_accuracy", "answered", "with_tool_call", "loops", "changing_calls_on_read_only"] {
        assert!(r.get(k).is_some(), "{k} in the JSON");
    }
    for t in r["tasks"].as_array().unwrap() {
        // The tools really ran on the workspace: results carry the sandbox's first line.
        let results = t["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{t}");
        assert!(results.iter().all(|x| x.as_str().unwrap().starts_with('[') || x.as_str().unwrap().contains("error")), "{t}");
        let judged = t["answer"].is_string() && t["missing_facts"].as_array().unwrap().is_empty() && t["unsupported"].as_array().unwrap().is_empty();
        assert_eq!(t["correct"].as_bool().unwrap(), judged, "{t}");
    }
    let port = &r["tasks"][1];
    assert!(port["results"].as_array().unwrap().iter().any(|x| x.as_str().unwrap().contains("port = 8123")), "{port}");
    // The workspace itself is never touched (the run works on a copy).
    assert!(!ws.join("logs").exists());
}

#[test]
fn a_malformed_task_file_is_named() {
    let dir = common::tmp();
    let bad = dir.path().join("tasks.jsonl");
    std::fs::write(&bad, "{\"id\": \"a\", \"workspace\": \"nowhere\", \"request\": \"x\", \"facts\": [\"y\"], \"read_only\": true}\n").unwrap();
    let o = fg(&["eval", "--execute", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "a bad input file exits 3");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("tasks.jsonl") && err.contains("nowhere"), "{err}");
}
