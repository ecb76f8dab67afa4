//! The natural corpus (requests written by people, `data/corpus/`), its held-out split, the
//! grounded multi-turn examples (tools really run on generated workspaces) and the executed-task
//! eval set (`data/tasks/`).

mod common;

use fg::data::{self, corpus, BuildOptions, Dataset};
use fg::eval::answers::unsupported;
use fg::format::{Format, Message};
use fg::tools::{default_tools_path, Tools};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;

fn tools() -> &'static Tools {
    static T: OnceLock<Tools> = OnceLock::new();
    T.get_or_init(|| Tools::load(&default_tools_path()).unwrap())
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/corpus")
}

fn dataset() -> &'static Dataset {
    static D: OnceLock<Dataset> = OnceLock::new();
    D.get_or_init(|| {
        data::build(tools(), &BuildOptions { harvest: vec![], seed: 42, scale: 1.0, format: Format::FunctionGemma, corpus: Some(fg::data::corpus::Corpus::Dir(corpus_dir())), natural_repeat: 2 })
            .unwrap()
    })
}

#[test]
fn the_corpus_covers_every_tool_and_every_optional_argument() {
    let entries = corpus::load(&corpus_dir(), tools()).unwrap();
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    let mut optional: BTreeMap<String, usize> = BTreeMap::new();
    let mut no_call = 0;
    for e in &entries {
        match e.calls.first() {
            Some(c) => *first.entry(c.name.as_str()).or_default() += 1,
            None => no_call += 1,
        }
        // Each request counts once per optional argument it asks for.
        let asked: HashSet<String> = e.calls.iter().flat_map(|c| c.arguments.keys().map(move |k| format!("{}.{k}", c.name))).collect();
        for k in asked {
            *optional.entry(k).or_default() += 1;
        }
    }
    for t in &tools().tools {
        assert!(first.get(t.name.as_str()).copied().unwrap_or(0) >= 40, "{}: {:?} requests", t.name, first.get(t.name.as_str()));
        let required: Vec<&str> = t.parameters["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        for k in t.parameters["properties"].as_object().unwrap().keys().filter(|k| !required.contains(&k.as_str())) {
            let n = optional.get(&format!("{}.{k}", t.name)).copied().unwrap_or(0);
            assert!(n >= 10, "{}.{k} is asked for in {n} requests", t.name);
        }
    }
    assert!(no_call >= 400, "{no_call} requests that need no tool");
}

#[test]
fn a_quarter_of_each_file_is_held_out_by_request() {
    let entries = corpus::load(&corpus_dir(), tools()).unwrap();
    let (train, held) = corpus::split(entries.clone());
    assert_eq!(train.len() + held.len(), entries.len());
    let mut per_file: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for e in &train {
        per_file.entry(&e.file).or_default().0 += 1;
    }
    for e in &held {
        per_file.entry(&e.file).or_default().1 += 1;
    }
    for (file, (t, h)) in per_file {
        let share = h as f64 / (t + h) as f64;
        assert!((0.2..=0.3).contains(&share), "{file}: {h} of {} held out", t + h);
    }
    let share = held.len() as f64 / entries.len() as f64;
    assert!((0.22..=0.28).contains(&share), "{} of {} held out", held.len(), entries.len());
    // The split depends on the requests, not on their order or on the seed.
    let mut shuffled = entries.clone();
    shuffled.reverse();
    let (_, again) = corpus::split(shuffled);
    let keys = |v: &[corpus::Entry]| v.iter().map(|e| corpus::key(&e.request)).collect::<Vec<_>>();
    assert_eq!(keys(&again), keys(&held));
}

#[test]
fn the_natural_eval_split_is_held_out_from_train() {
    let ds = dataset();
    assert!(ds.natural_eval.len() > 500, "{}", ds.natural_eval.len());
    let train: HashSet<String> = ds.train.iter().filter_map(|e| e.query()).map(corpus::key).collect();
    for e in &ds.natural_eval {
        assert!(!train.contains(&corpus::key(e.query().unwrap())), "{} is in train", e.query().unwrap());
    }
    let tools_held: HashSet<&str> = ds.natural_eval.iter().filter_map(|e| e.expected()).map(|c| c.name.as_str()).collect();
    assert_eq!(tools_held.len(), tools().tools.len(), "every tool has held-out requests");
    // The generated eval split is the same with or without the corpus.
    let plain = data::build(tools(), &BuildOptions { harvest: vec![], seed: 42, scale: 1.0, format: Format::FunctionGemma, corpus: None, natural_repeat: 1 }).unwrap();
    assert!(plain.eval == ds.eval);
}

#[test]
fn a_bad_corpus_line_is_named_and_exits_3() {
    let dir = common::tmp();
    std::fs::write(dir.path().join("read_file.jsonl"), "{\"request\": \"read a.txt\", \"calls\": [{\"name\": \"read_file\", \"arguments\": {\"path\": \"a.txt\"}}]}\n{\"request\": \"read b\", \"calls\": [{\"name\": \"read_file\", \"arguments\": {\"file\": \"b\"}}]}\n").unwrap();
    let out = common::tmp();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_fg")).args(["data", "build", "--corpus", dir.path().to_str().unwrap(), "--out", out.path().to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("read_file.jsonl:2") && err.contains("path"), "{err}");
    assert!(!out.path().join("train.jsonl").exists(), "nothing is written");
}

/// The grounded examples of the default build.
fn grounded() -> Vec<&'static data::Example> {
    dataset().train.iter().filter(|e| e.kind == fg::data::Kind::Grounded).collect()
}

#[test]
fn grounded_answers_state_only_what_the_results_show() {
    let g = grounded();
    assert!(g.len() >= 800, "{}", g.len());
    let kinds: HashSet<&str> = g.iter().map(|e| e.source.as_str()).collect();
    for k in [
        "count",
        "list",
        "presence",
        "missing_folder",
        "by_type",
        "config_value",
        "returns",
        "defined",
        "todos",
        "imports",
        "lines",
        "missing_file",
        "delia",
        "dep_version",
        "project_version",
        "count_tests",
        "setting_search",
        "returns_search",
        "uses",
        "recursive_type",
        "found_after_miss",
        "dep_search",
        "toolchain",
        "extensions",
        "constant",
        "todo_fixme",
    ] {
        assert!(kinds.contains(format!("grounded:{k}").as_str()), "no {k} examples");
    }
    for e in g {
        // The request, one or more calls each followed by its result, and the answer.
        let [Message::User { content: request }, steps @ .., Message::Assistant { content: Some(answer), .. }] = e.messages.as_slice() else {
            panic!("{}: not request, calls and results, answer", e.id)
        };
        assert!(!steps.is_empty() && steps.len() % 2 == 0, "{}", e.id);
        let mut results = Vec::new();
        for pair in steps.chunks(2) {
            let [Message::Assistant { tool_calls, .. }, Message::Tool { content: result, .. }] = pair else { panic!("{}: a call without its result", e.id) };
            assert_eq!(tool_calls.len(), 1);
            results.push(match result {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            });
        }
        let mut shown: Vec<&str> = results.iter().map(String::as_str).collect();
        shown.push(request);
        assert!(unsupported(answer, &shown).is_empty(), "{}: {answer:?} after {results:?}", e.id);
        // A second call reads only a path the first result named: an error's suggestion, or an
        // entry of the listing.
        if let [first, ..] = results.as_slice() {
            if steps.len() == 4 {
                let Message::Assistant { tool_calls, .. } = &steps[2] else { unreachable!() };
                let path = tool_calls[0].arguments["path"].as_str().unwrap();
                assert!(first.contains(&format!("did you mean {path}?")) || first.lines().skip(1).any(|l| l == path), "{}: {first}", e.id);
            }
        }
    }
}

#[test]
fn grounded_file_results_are_what_the_sandbox_returns() {
    // Counts in the answer come from the listing's own first line, which the sandbox writes.
    for e in grounded().into_iter().filter(|e| e.source == "grounded:count") {
        let (Message::Tool { content: Value::String(result), .. }, Message::Assistant { content: Some(answer), .. }) = (&e.messages[2], &e.messages[3]) else { panic!() };
        let head = result.lines().next().unwrap();
        assert!(head.starts_with('[') && head.ends_with(']'), "{head}");
        let listed = result.lines().count() - 1;
        if listed == 0 {
            assert!(answer.contains("empty"), "{answer}");
        } else {
            assert!(head.contains(&format!("{listed} entr")) && answer.contains(&format!("{listed} entr")), "{head} / {answer}");
        }
    }
    // Train shows file-tool results only from real runs (the made-up ones of the generator are gone).
    for e in dataset().train.iter().filter(|e| e.kind == fg::data::Kind::MultiTurn) {
        assert!(!["read_file", "list_directory", "search_code"].contains(&e.tool_calls[0].as_str()), "{}", e.id);
    }
}

#[test]
fn the_task_set_loads_and_its_facts_hold_in_its_workspaces() {
    for (file, at_least) in [("tasks.jsonl", 60), ("fresh.jsonl", 40), ("blind.jsonl", 40), ("blind2.jsonl", 40)] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/tasks").join(file);
        let tasks = fg::eval::tasks::load_tasks(&path).unwrap();
        assert!(tasks.len() >= at_least, "{file}: {}", tasks.len());
        facts_hold(&tasks, path.parent().unwrap());
    }
}

/// Every task is read-only, and every fact that is a value (not a count, not one of several
/// wordings) is somewhere in its workspace.
fn facts_hold(tasks: &[fg::eval::tasks::Task], root: &std::path::Path) {
    for t in tasks {
        assert!(t.read_only, "{}", t.id);
        let mut text = String::new();
        let mut stack = vec![root.join(&t.workspace)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                text += &p.file_name().unwrap().to_string_lossy();
                text.push('\n');
                if p.is_dir() {
                    stack.push(p);
                } else {
                    text += &std::fs::read_to_string(&p).unwrap();
                }
            }
        }
        let text = text.to_lowercase();
        for f in &t.facts {
            if let fg::eval::answers::Fact::One(s) = f {
                assert!(s.chars().all(|c| c.is_ascii_digit()) || text.contains(&s.to_lowercase()), "{}: {s} is nowhere in {}", t.id, t.workspace);
            }
        }
    }
}

#[test]
fn task_files_that_leave_their_folder_are_refused() {
    let dir = common::tmp();
    std::fs::write(dir.path().join("t.jsonl"), "{\"id\": \"a\", \"workspace\": \"../etc\", \"request\": \"x\", \"facts\": [\"y\"], \"read_only\": true}\n").unwrap();
    let e = fg::eval::tasks::load_tasks(&dir.path().join("t.jsonl")).unwrap_err();
    assert!(format!("{e:#}").contains("not a folder next to the task file"), "{e:#}");
    std::fs::create_dir(dir.path().join("ws")).unwrap();
    std::fs::write(dir.path().join("t.jsonl"), "{\"id\": \"a\", \"workspace\": \"ws\", \"request\": \"x\", \"facts\": [\"y\"], \"empty_dirs\": [\"/tmp/fg-outside\"], \"read_only\": true}\n").unwrap();
    let e = fg::eval::tasks::load_tasks(&dir.path().join("t.jsonl")).unwrap_err();
    assert!(format!("{e:#}").contains("not a plain path inside the workspace"), "{e:#}");
}
