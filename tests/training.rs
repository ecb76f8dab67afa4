//! `fg train` on the CPU with the real base (a small tools file, a few steps): the loss falls, a
//! killed run resumes to the same curve; and the adapter's exports: PEFT's layout, and the merged
//! GGUF running in llama.cpp as base + LoRA does.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn fg() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fg"));
    c.env("OMP_NUM_THREADS", "1");
    c
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "fg failed:\n{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    o
}

fn small_tools() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/tools-small.json")
}

/// A dataset for the small tools file.
fn small_data(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    ok(fg().args(["data", "build", "--tools"]).arg(small_tools()).arg("--out").arg(&data).output().unwrap());
    data
}

fn train_args(data: &Path, out: &Path) -> Command {
    let mut c = fg();
    c.args(["train", "--device", "cpu", "--limit", "12", "--batch-size", "4", "--max-steps", "4", "--eval-every", "2", "--save-every", "2", "--lr", "1e-3", "--quiet", "--base"])
        .arg(common::base_model())
        .arg("--tools")
        .arg(small_tools())
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out);
    c
}

fn losses(out: &Path) -> Vec<(u64, f64)> {
    std::fs::read_to_string(out.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["step"].as_u64().unwrap(), v["loss"].as_f64().unwrap())
        })
        .collect()
}

#[test]
fn cpu_training_lowers_the_loss_and_a_killed_run_resumes_to_the_same_curve() {
    let dir = common::tmp();
    let data = small_data(dir.path());
    let whole = dir.path().join("whole");
    ok(train_args(&data, &whole).output().unwrap());
    let curve = losses(&whole);
    assert_eq!(curve.iter().map(|c| c.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(curve[3].1 < curve[0].1 * 0.6, "the loss falls: {curve:?}");
    for f in ["adapter.safetensors", "adapter.json", "adapter.gguf", "peft/adapter_model.safetensors", "peft/adapter_config.json", "loss.png"] {
        assert!(whole.join(f).exists(), "{f} written");
    }

    // The same run, killed once its step-2 checkpoint is on disk, then resumed.
    let cut = dir.path().join("cut");
    let mut child = train_args(&data, &cut).spawn().unwrap();
    let state = cut.join("checkpoint/state.json");
    let start = Instant::now();
    while !state.exists() {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before its first checkpoint");
        assert!(start.elapsed() < Duration::from_secs(600), "no checkpoint after 10 minutes");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut resume = train_args(&data, &cut);
    resume.arg("--resume");
    ok(resume.output().unwrap());
    assert_eq!(losses(&cut), curve, "the resumed run continues the same loss curve, exactly");
}

/// The shipped Delia adapter (models/delia), which the project commits.
fn shipped() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/delia");
    assert!(p.join("adapter.json").exists(), "{} is missing", p.display());
    p
}

#[test]
fn peft_files_follow_peft_layout() {
    let peft = shipped().join("peft");
    let config: Value = serde_json::from_str(&std::fs::read_to_string(peft.join("adapter_config.json")).unwrap()).unwrap();
    assert_eq!(config["peft_type"], "LORA");
    assert_eq!(config["task_type"], "CAUSAL_LM");
    let r = config["r"].as_i64().unwrap();
    let mut modules: Vec<&str> = config["target_modules"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    modules.sort();
    assert_eq!(modules, ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]);
    assert_eq!(config["trainable_token_indices"], serde_json::json!([46, 47, 48, 49, 50, 51, 52]));
    let tensors = tch::Tensor::read_safetensors(peft.join("adapter_model.safetensors")).unwrap();
    let shape = |n: &str| tensors.iter().find(|(k, _)| k == n).unwrap_or_else(|| panic!("{n} missing")).1.size();
    // PEFT's names: base_model.model.<module path>.lora_A/B.weight; A is [r, in], B is [out, r].
    for layer in [0, 17] {
        let p = format!("base_model.model.model.layers.{layer}");
        assert_eq!(shape(&format!("{p}.self_attn.q_proj.lora_A.weight")), [r, 640]);
        assert_eq!(shape(&format!("{p}.self_attn.q_proj.lora_B.weight")), [1024, r]);
        assert_eq!(shape(&format!("{p}.self_attn.k_proj.lora_B.weight")), [256, r]);
        assert_eq!(shape(&format!("{p}.mlp.down_proj.lora_A.weight")), [r, 2048]);
        assert_eq!(shape(&format!("{p}.mlp.up_proj.lora_B.weight")), [2048, r]);
    }
    assert_eq!(shape("base_model.model.model.embed_tokens.token_adapter.trainable_tokens_delta"), [7, 640]);
    assert_eq!(tensors.len(), 18 * 7 * 2 + 1, "nothing else");
}

/// The calls of the model's first turn in `fg agent --json` (nothing after the first turn).
fn first_calls(extra: &[&str], request: &str, workspace: &Path) -> Vec<Value> {
    let mut c = fg();
    c.args(["agent", "--json", "--max-iterations", "1", "-t"]).arg(common::threads().to_string()).arg("--workspace").arg(workspace).args(extra).arg(request);
    let t: Value = serde_json::from_slice(&ok(c.output().unwrap()).stdout).unwrap();
    t["events"].as_array().unwrap().iter().filter(|e| matches!(e["event"].as_str(), Some("call" | "answer" | "malformed"))).cloned().collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        let s = name.to_string_lossy();
        if s.starts_with("base-") || s.starts_with('.') {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn merged_gguf_runs_in_llama_cpp_as_base_plus_adapter_does() {
    let dir = common::tmp();
    // Both on the same f16 base: merged f16(W + scale·B·A), and W with the LoRA applied at run time.
    let base = dir.path().join("base-f16.gguf");
    ok(fg().args(["quantize", "f16"]).arg(common::base_model()).arg(&base).output().unwrap());
    let adapter = dir.path().join("adapter");
    copy_dir(&shipped(), &adapter);
    let merged = dir.path().join("merged-f16.gguf");
    ok(fg().args(["export", "--format", "f16", "--adapter"]).arg(&adapter).arg("--base").arg(&base).arg("--out").arg(&merged).output().unwrap());
    let file = fg::gguf::GgufFile::open(&merged).unwrap();
    let meta = &file.header.metadata;
    match meta.get("tokenizer.ggml.tokens") {
        Some(fg::gguf::Value::Array(fg::gguf::Array::String(tokens))) => assert_eq!(&tokens[46..53], fg::names::token::FUNCTIONGEMMA.map(|t| t.0.to_string()).as_slice()),
        other => panic!("no token list: {other:?}"),
    }
    match meta.get("tokenizer.ggml.token_type") {
        Some(fg::gguf::Value::Array(fg::gguf::Array::I32(types))) => assert_eq!(&types[46..53], &[3; 7], "the seven are CONTROL tokens"),
        other => panic!("no token types: {other:?}"),
    }
    assert!(meta.get("tokenizer.chat_template").is_some(), "a chat template");
    std::fs::write(dir.path().join("notes.md"), "hello\n").unwrap();
    let (base, adapter, merged) = (base.to_str().unwrap(), adapter.to_str().unwrap(), merged.to_str().unwrap());
    for request in ["list the files in this folder", "read notes.md", "search the code for TODO"] {
        let with_adapter = first_calls(&["--model", base, "--lora", adapter], request, dir.path());
        let merged_calls = first_calls(&["--no-lora", "--model", merged], request, dir.path());
        assert_eq!(with_adapter.first().map(|e| e["event"].clone()), Some(Value::from("call")), "{request}: the Delia model calls a tool");
        assert_eq!(merged_calls, with_adapter, "{request}: the merged model calls what base + adapter calls");
    }
}
