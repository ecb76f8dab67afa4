//! The `fg` binary as users run it: help, exit codes, error chains with hints, inspect, quantize.

mod common;

use common::*;
use std::process::{Command, Output};

fn fg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fg")).args(args).output().expect("fg runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_lists_every_subcommand_with_one_line_and_the_exit_codes() {
    use clap::CommandFactory;
    let out = fg(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(help.contains("Exit codes"), "{help}");
    // Every subcommand clap knows, at every depth: listed with its one line in its parent's help,
    // and its own help runs, opens with that line and shows every one of its flags.
    // Help is wrapped to the terminal: compare with runs of whitespace as one space.
    fn flat(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }
    fn walk(cmd: &clap::Command, path: Vec<String>, parent_help: &str, seen: &mut usize) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let about = flat(&sub.get_about().map(|a| a.to_string()).unwrap_or_default());
            assert!(!about.is_empty(), "{} {} has no one-line description", path.join(" "), sub.get_name());
            assert!(flat(parent_help).contains(&format!(" {} {about}", sub.get_name())), "{} missing from:\n{parent_help}", sub.get_name());
            let mut args = path.clone();
            args.push(sub.get_name().to_string());
            let out = fg(&[args.iter().map(String::as_str).collect::<Vec<_>>(), vec!["--help"]].concat());
            assert!(out.status.success(), "fg {} --help failed", args.join(" "));
            let own = text(&out.stdout);
            assert!(flat(&own).starts_with(&about), "fg {} --help opens with:\n{own}", args.join(" "));
            for arg in sub.get_arguments().filter_map(|a| a.get_long()) {
                assert!(own.contains(&format!("--{arg}")), "fg {} --help does not show --{arg}:\n{own}", args.join(" "));
            }
            *seen += 1;
            walk(sub, args, &own, seen);
        }
    }
    let mut seen = 0;
    walk(&fg::cli::Cli::command(), Vec::new(), &help, &mut seen);
    assert!(seen >= 11, "only {seen} subcommands were checked");
}

#[test]
fn bad_command_lines_exit_2() {
    assert_eq!(fg(&["frobnicate"]).status.code(), Some(2));
    let out = fg(&["quantize", "q3_xs", "a.gguf", "b.gguf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("choose f32, f16, bf16, q8_0 or q4_k_m"));
}

#[test]
fn a_missing_file_exits_1_with_a_hint() {
    let out = fg(&["inspect", "/nonexistent/model.gguf"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("cannot open /nonexistent/model.gguf") && err.contains("caused by") && err.contains("hint:"), "{err}");
}

#[test]
fn a_corrupt_file_exits_3_naming_field_and_offset() {
    let dir = tmp();
    let p = dir.path().join("corrupt.gguf");
    let mut bytes = std::fs::read(base_model()).unwrap()[..4096].to_vec();
    bytes[8..16].copy_from_slice(&(1u64 << 62).to_le_bytes());
    std::fs::write(&p, bytes).unwrap();
    let out = fg(&["inspect", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(err.contains("tensor_count at byte 8") && err.contains("hint:"), "{err}");
}

#[test]
fn inspect_prints_tables_and_json() {
    let base = base_model();
    let out = fg(&["inspect", base.to_str().unwrap()]);
    assert!(out.status.success());
    let t = text(&out.stdout);
    assert!(t.contains("general.file_type") && t.contains("15 (Q4_K_M)"), "{t}");
    assert!(t.contains("token_embd.weight") && t.contains("640 x 262144"));
    let out = fg(&["inspect", "--json", base.to_str().unwrap()]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(j["totals"]["tensors"], 236);
    assert_eq!(j["metadata"]["gemma3.block_count"], 18);
    assert_eq!(j["metadata"]["tokenizer.ggml.tokens"]["len"], 262144);
    assert_eq!(j["totals"]["by_type"]["q6_K"]["tensors"], 9);
    assert_eq!(j["totals"]["file_bytes"], 253_113_024u64);
}

#[test]
fn quantize_writes_a_file_that_inspect_reads() {
    let dir = tmp();
    let out_path = dir.path().join("q8.gguf");
    let base = base_model();
    let out = fg(&["quantize", "q8_0", base.to_str().unwrap(), out_path.to_str().unwrap(), "-t", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("q6_K -> q8_0"));
    let j: serde_json::Value = serde_json::from_slice(&fg(&["inspect", "--json", out_path.to_str().unwrap()]).stdout).unwrap();
    assert_eq!(j["metadata"]["general.file_type"], 7);
    assert_eq!(j["totals"]["by_type"]["q8_0"]["tensors"], 127);
}

#[test]
fn data_build_and_stats_write_their_files() {
    let dir = tmp();
    let out = dir.path().join("data");
    let o = fg(&["data", "build", "--out", out.to_str().unwrap(), "--scale", "0.2", "--seed", "3"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("| read_file |"));
    for f in ["train.jsonl", "eval.jsonl", "stats.json", "summary.md"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let o = fg(&["data", "stats", "--data", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let t = text(&o.stdout);
    assert!(t.contains("prefix") && t.contains("completion median"), "{t}");
    let png = std::fs::read(out.join("completion_lengths.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("token_stats.json")).unwrap()).unwrap();
    assert!(j["train"]["tokens"]["prefix_tokens"].as_u64().unwrap() > 3000);
}

#[test]
fn a_malformed_tools_file_is_named_and_nothing_is_written() {
    let dir = tmp();
    let tools = dir.path().join("tools.json");
    std::fs::write(&tools, r#"[{"name": "x", "parameters": {"type": "object", "properties": {"a": {"type": "strng"}}}}]"#).unwrap();
    let out = dir.path().join("data");
    let o = fg(&["data", "build", "--tools", tools.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "a bad input file exits 3");
    let e = text(&o.stderr);
    assert!(e.contains("tools.json") && e.contains("tool `x`") && e.contains("\"strng\""), "{e}");
    assert!(!out.exists());
}

#[test]
fn agent_runs_a_request_and_prints_a_json_transcript() {
    let ws = tmp();
    std::fs::create_dir(ws.path().join("src")).unwrap();
    std::fs::write(ws.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    let cache = tmp();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = ["agent", "--grammar", "--json", "--max-tokens", "48", "--max-iterations", "2", "--workspace", ws.path().to_str().unwrap()].iter().map(|s| s.to_string()).collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v.push("List the files in src".into());
        v
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_fg")).args(&a).env("HOME", cache.path()).output().unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let first = run(&[]);
    assert_eq!(first["request"], "List the files in src");
    assert_eq!(first["invalid_calls"], 0, "with --grammar every call is valid: {first}");
    assert!(first["events"].as_array().unwrap().iter().any(|e| e["event"] == "generation"));
    assert!(["built", "hit"].contains(&first["prefix_cache"].as_str().unwrap()));
    let second = run(&[]);
    assert_eq!(second["prefix_cache"], "hit");
    assert!(second["prefix_ms"].as_f64().unwrap() < first["prefix_ms"].as_f64().unwrap().max(1000.0));
}

/// Runs `fg args` and checks it exits 3 with every `needles` in its stderr and a hint.
fn exits_3_naming(args: &[&str], needles: &[&str]) -> String {
    let o = fg(args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n:?} missing from:\n{err}");
    }
    assert!(err.contains("hint:") && !err.contains("base model"), "a hint that fits: {err}");
    err
}

#[test]
fn malformed_tools_files_exit_3_naming_the_problem() {
    let dir = tmp();
    let tools = dir.path().join("tools.json");
    let out = dir.path().join("data");
    let args = ["data", "build", "--tools", tools.to_str().unwrap(), "--out", out.to_str().unwrap()];
    std::fs::write(&tools, "[{\"name\": \"x\",").unwrap();
    exits_3_naming(&args, &["tools.json", "not valid JSON"]);
    std::fs::write(&tools, r#"[{"name": 123, "parameters": {"type": "object", "properties": {}}}]"#).unwrap();
    exits_3_naming(&args, &["name must be a string, got 123"]);
    assert!(!out.exists());
    // A missing file is not bad input, and its hint is not about the base model.
    std::fs::remove_file(&tools).unwrap();
    let o = fg(&args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("hint: check the path") && !err.contains("base model"), "{err}");
}

#[test]
fn a_malformed_eval_set_exits_3_naming_the_line() {
    let dir = tmp();
    let data = dir.path().join("bad.jsonl");
    std::fs::write(&data, "{\"query\": \"hi\", \"expect\": null}\n{\"query\": \n").unwrap();
    exits_3_naming(&["eval", "--data", data.to_str().unwrap(), "--no-lora"], &["bad.jsonl:2", "not JSON"]);
}

#[test]
fn a_malformed_adapter_folder_exits_3() {
    let dir = tmp();
    let bad = dir.path().join("adapter");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("adapter.json"), "{\"fg_version\": ").unwrap();
    let eval_set = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/eval-small.jsonl");
    exits_3_naming(&["export", "--adapter", bad.to_str().unwrap()], &["adapter.json", "not an fg adapter manifest"]);
    exits_3_naming(&["eval", "--data", eval_set.to_str().unwrap(), "--lora", bad.to_str().unwrap()], &["adapter.json", "not an fg adapter manifest"]);
    // A good manifest with a damaged tensor file.
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/delia/adapter.json");
    std::fs::copy(shipped, bad.join("adapter.json")).unwrap();
    std::fs::write(bad.join("adapter.safetensors"), b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}").unwrap();
    exits_3_naming(&["export", "--adapter", bad.to_str().unwrap(), "--adapter-only"], &["adapter.safetensors"]);
    assert!(!bad.join("adapter.gguf").exists());
}

#[test]
fn a_tensor_dimension_of_2_pow_62_exits_3_naming_the_tensor() {
    let dir = tmp();
    let good = dir.path().join("good.gguf");
    let data: Vec<u8> = (0..32u32).flat_map(|i| (i as f32).to_le_bytes()).collect();
    fg::gguf::writer::write_file(&good, &fg::gguf::Metadata::default(), &[(spec("huge.weight", &[32], fg::gguf::GgmlType::F32), data.clone())]).unwrap();
    let mut bytes = std::fs::read(&good).unwrap();
    // name, then n_dims (u32), then dims[0] (i64): 2^62 f32 values are 2^64 bytes, which wraps to 0.
    let at = bytes.windows(11).position(|w| w == b"huge.weight").unwrap() + 11 + 4;
    bytes[at..at + 8].copy_from_slice(&(1i64 << 62).to_le_bytes());
    let bad = dir.path().join("bad.gguf");
    std::fs::write(&bad, &bytes).unwrap();
    let e = fg::gguf::Header::parse(&bytes).expect_err("2^62 f32 values cannot be in the file");
    assert!(e.field.contains("huge.weight") && e.problem.contains("overflows"), "{e}");
    exits_3_naming(&["inspect", bad.to_str().unwrap()], &["huge.weight", "overflows"]);
    let out = dir.path().join("out.gguf");
    exits_3_naming(&["quantize", "f32", bad.to_str().unwrap(), out.to_str().unwrap()], &["huge.weight"]);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "nothing written");
    // An empty tensor whose other extent is 2^62: no bytes, but 2^62 rows to walk.
    let empty = dir.path().join("empty.gguf");
    fg::gguf::writer::write_file(&empty, &fg::gguf::Metadata::default(), &[(spec("wide.weight", &[16, 2], fg::gguf::GgmlType::F32), data)]).unwrap();
    let mut bytes = std::fs::read(&empty).unwrap();
    let at = bytes.windows(11).position(|w| w == b"wide.weight").unwrap() + 11 + 4;
    bytes[at..at + 8].copy_from_slice(&0i64.to_le_bytes());
    bytes[at + 8..at + 16].copy_from_slice(&(1i64 << 62).to_le_bytes());
    let e = fg::gguf::Header::parse(&bytes).expect_err("an empty tensor of 2^62 rows");
    assert!(e.field.contains("wide.weight") && e.problem.contains("empty tensor"), "{e}");
}

#[test]
fn malformed_grammar_inputs_exit_3() {
    let dir = tmp();
    let schema = dir.path().join("schema.json");
    std::fs::write(&schema, "{\"type\": \"object\",").unwrap();
    exits_3_naming(&["grammar", "--schema", schema.to_str().unwrap()], &["schema.json", "not JSON"]);
    std::fs::write(&schema, r#"{"type": "strng"}"#).unwrap();
    exits_3_naming(&["grammar", "--schema", schema.to_str().unwrap()], &["schema.json"]);
    let check = dir.path().join("check.jsonl");
    std::fs::write(&check, "\"call:health{}\"\n{\"not\": \"a string\"}\n").unwrap();
    exits_3_naming(&["grammar", "--check", check.to_str().unwrap()], &["check.jsonl:2", "one JSON string"]);
}

#[test]
fn the_peft_export_names_the_base_the_adapter_was_trained_on() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tmp();
    let adapter = dir.path().join("delia");
    std::fs::create_dir_all(adapter.join("peft")).unwrap();
    for f in ["adapter.json", "adapter.gguf", "peft/adapter_model.safetensors"] {
        std::fs::copy(root.join("models/delia").join(f), adapter.join(f)).unwrap();
    }
    let base_name = |adapter: &std::path::Path| -> String {
        let out = fg(&["export", "--adapter", adapter.to_str().unwrap(), "--adapter-only"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let cfg: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(adapter.join("peft/adapter_config.json")).unwrap()).unwrap();
        cfg["base_model_name_or_path"].as_str().unwrap().to_string()
    };
    // The shipped adapter was trained on the installed Q4_K_M GGUF of google/gemma-3-270m.
    assert_eq!(base_name(&adapter), "google/gemma-3-270m");
    // Trained on an HF checkpoint: its config's name.
    let manifest_path = adapter.join("adapter.json");
    let mut manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let hf = dir.path().join("functiongemma");
    std::fs::create_dir_all(&hf).unwrap();
    std::fs::write(hf.join("config.json"), r#"{"_name_or_path": "google/functiongemma-270m-it"}"#).unwrap();
    manifest["base"] = hf.display().to_string().into();
    manifest["base_sha256"] = serde_json::Value::Null;
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    assert_eq!(base_name(&adapter), "google/functiongemma-270m-it");
    // Another GGUF without a repository in its metadata: its path.
    let other = dir.path().join("other.gguf");
    std::fs::write(&other, b"not a gguf").unwrap();
    manifest["base"] = other.display().to_string().into();
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    assert_eq!(base_name(&adapter), std::fs::canonicalize(&other).unwrap().display().to_string());
}

#[test]
fn an_installed_fg_runs_outside_the_source_tree_with_fg_home() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tmp();
    // The binary copied elsewhere, a data home holding the models, and a working folder with
    // nothing of the source tree.
    let bin = dir.path().join("bin/fg");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_fg"), &bin).unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("models")).unwrap();
    std::os::unix::fs::symlink(base_model(), home.join("models/gemma-3-270m-q4_k_m.gguf")).unwrap();
    std::os::unix::fs::symlink(root.join("models/delia"), home.join("models/delia")).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::write(work.join("src/main.rs"), "fn main() {}\n").unwrap();
    let run = |home: &std::path::Path, args: &[&str]| Command::new(&bin).args(args).current_dir(&work).env("FG_HOME", home).output().unwrap();

    // The dataset: the built-in tools and corpus give the files the source tree gives.
    let out = run(&home, &["data", "build", "--out", "installed"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reference = dir.path().join("reference");
    let out = fg(&["data", "build", "--out", reference.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for f in ["train.jsonl", "eval.jsonl", "natural-eval.jsonl"] {
        let a = std::fs::read(work.join("installed").join(f)).unwrap();
        assert!(a == std::fs::read(reference.join(f)).unwrap(), "{f} differs from the source tree's build");
        assert!(!a.is_empty());
    }

    // The main job, with the model found in FG_HOME.
    let out = run(&home, &["agent", "--json", "--threads", "2", "List the files in src"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let calls: Vec<&str> = t["events"].as_array().unwrap().iter().filter(|e| e["event"] == "call").map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(calls.first(), Some(&"list_directory"), "{t}");

    // An empty data home: the error says where the model was looked for and how to put it there.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = run(&empty, &["agent", "hi"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&empty.join("models/gemma-3-270m-q4_k_m.gguf").display().to_string()) && err.contains("FG_HOME"), "{err}");
}

#[test]
fn serve_refuses_a_corrupt_model_before_listening() {
    let dir = tmp();
    let bad = dir.path().join("bad.gguf");
    std::fs::write(&bad, b"GGUF\x03\x00\x00\x00garbage").unwrap();
    let out = fg(&["serve", "--no-lora", "--port", "0", "--model", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("bad.gguf") && !err.contains("listening"), "{err}");
}

#[test]
fn the_readmes_main_job_calls_list_directory_and_answers_what_the_readme_shows() {
    // The request of the README's first command, run as the README runs it (from the checkout, on
    // the shipped model, greedy): the call, its result and the answer are the ones the README prints.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let command = readme.lines().find(|l| l.contains("target/release/fg agent")).expect("the README's main job");
    let request = command.split('"').nth(1).expect("a quoted request");
    let grammar = command.contains("--grammar");
    let mut c = Command::new(env!("CARGO_BIN_EXE_fg"));
    c.current_dir(root).env("OMP_NUM_THREADS", "1").arg("agent");
    if grammar {
        c.arg("--grammar");
    }
    let out = c.arg(request).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (log, answer) = (text(&out.stderr), text(&out.stdout));
    // The call and the listing's first line, from the folder as it is.
    assert!(log.lines().next().is_some_and(|l| l == r#"→ list_directory {"path":"src"}"#), "{log}");
    let entries: Vec<_> = std::fs::read_dir(root.join("src")).unwrap().map(|e| e.unwrap().file_type().unwrap()).collect();
    let folders = entries.iter().filter(|t| t.is_dir()).count();
    let header = format!("← [{} entries: {} files, {folders} folders]", entries.len(), entries.len() - folders);
    assert_eq!(log.lines().nth(1), Some(header.as_str()), "{log}");
    assert!(answer.contains(&format!("{} entries", entries.len())), "the answer gives the count: {answer}");
    // The README shows this run: its output block has the same call, header and answer.
    let block = readme.split("What it prints:").nth(1).and_then(|r| r.split("```").nth(1)).expect("the README's output block");
    assert!(block.contains(r#"→ list_directory {"path":"src"}"#) && block.contains(&header), "README shows:\n{block}\nthe run printed:\n{log}");
    // The README's answer (after the listing's timing line) gives the same count the run's does (its
    // exact words may differ by a token on another CPU's arithmetic).
    let readme_answer = block.split_once(" ms)\n").map(|(_, a)| a).expect("the listing's timing line in the README");
    assert!(readme_answer.contains(&format!("{} entries", entries.len())), "README answers:\n{readme_answer}\nthe answer now:\n{answer}");
}
