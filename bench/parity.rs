//! `bench-train --parity DIR`: fg's training step against HF + PEFT's on the same work. The inputs
//! and the initial LoRA live in DIR, written by fg when absent (`inputs.safetensors`: `input_ids`
//! and HF-style `labels`, [B, T] i64; `init/`: a PEFT adapter in f32 whose B is not zero, so that
//! A's gradient is not zero either). fg loads both, takes `STEPS` AdamW steps (constant learning
//! rate, no weight decay) exactly as the benchmark times them (CUDA-graph replays where available),
//! and writes its losses (`fg.json`) and its step-1 gradient by PEFT name (`fg_grads.safetensors`),
//! or with `--f32` the same in f32 (`fg_f32.json`, `fg_f32_grads.safetensors`);
//! `scripts/parity_hf.py DIR` runs HF + PEFT on the same files and compares.

use fg::model::gemma3::Model;
use fg::model::weights::gguf_to_hf_module;
use fg::train::data::{collate, Encoded};
use fg::train::forward_backward;
use fg::train::optim::AdamW;
use std::path::Path;
use tch::{Device, Kind, Tensor};

pub const STEPS: usize = 10;
pub const LR: f64 = 2e-4;
const SHAPE: (i64, i64) = (4, 1024);
const LABELLED: i64 = 64;

/// PEFT's name of fg's LoRA tensor `blk.3.attn_q.weight.lora_a`.
fn peft_name(fg_name: &str) -> Option<String> {
    let (module, which) = fg_name.rsplit_once('.')?;
    let which = match which {
        "lora_a" => "lora_A",
        "lora_b" => "lora_B",
        _ => return None,
    };
    Some(format!("base_model.model.{}.{which}.weight", gguf_to_hf_module(module)?))
}

/// Writes the inputs and the initial LoRA into `dir` unless they are there.
fn write_inputs(model: &Model, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("init"))?;
    let inputs = dir.join("inputs.safetensors");
    if !inputs.exists() {
        let (b, t) = SHAPE;
        let mut r = fg::rng::Rng::new(1234);
        let ids: Vec<i64> = (0..b * t).map(|_| 10 + r.below(200_000) as i64).collect();
        let ids = Tensor::from_slice(&ids).view([b, t]);
        let keep = Tensor::arange(t, (Kind::Int64, Device::Cpu)).ge(t - LABELLED).view([1, t]);
        let labels = ids.where_self(&keep, &Tensor::from(-100i64));
        Tensor::write_safetensors(&[("input_ids", &ids), ("labels", &labels)], &inputs)?;
    }
    let weights = dir.join("init/adapter_model.safetensors");
    if !weights.exists() {
        tch::manual_seed(99);
        let lora = model.lora.as_ref().expect("a LoRA");
        let mut named = Vec::new();
        for (name, value) in model.params.named() {
            let value = if name.ends_with(".lora_b") { Tensor::randn(value.size(), (Kind::Float, Device::Cpu)) * 0.01 } else { value.to_device(Device::Cpu) };
            named.push((peft_name(&name).ok_or_else(|| anyhow::anyhow!("no PEFT name for {name}"))?, value));
        }
        let refs: Vec<(&str, &Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t)).collect();
        Tensor::write_safetensors(&refs, &weights)?;
        let config = serde_json::json!({
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": lora.rank, "lora_alpha": lora.alpha, "lora_dropout": 0.0,
            "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
            "bias": "none", "fan_in_fan_out": false, "inference_mode": false, "use_rslora": false, "use_dora": false,
        });
        std::fs::write(dir.join("init/adapter_config.json"), serde_json::to_string_pretty(&config)?)?;
    }
    Ok(())
}

/// Runs the parity steps on `model` (LoRA r16, alpha 32 on the seven projections) from `dir`.
pub fn run(model: &mut Model, dir: &Path, graphs: bool) -> anyhow::Result<()> {
    write_inputs(model, dir)?;
    let device = model.device;
    let read = Tensor::read_safetensors(dir.join("inputs.safetensors"))?;
    let get = |k: &str| read.iter().find(|(n, _)| n == k).map(|(_, t)| t.shallow_clone()).ok_or_else(|| anyhow::anyhow!("inputs.safetensors lacks {k}"));
    let (ids, labels) = (get("input_ids")?, get("labels")?);
    // HF's labels sit on the predicted token (the model shifts them); fg's on the predicting one.
    let (b, t) = (ids.size()[0], ids.size()[1]);
    let examples: Vec<Encoded> = (0..b).map(|i| Ok(Encoded::from_hf(Vec::try_from(ids.get(i))?, &Vec::<i64>::try_from(labels.get(i))?))).collect::<anyhow::Result<_>>()?;
    let init = Tensor::read_safetensors(dir.join("init/adapter_model.safetensors"))?;
    tch::no_grad(|| -> anyhow::Result<()> {
        for (i, (name, _, _)) in model.params.layout.clone().iter().enumerate() {
            let peft = peft_name(name).ok_or_else(|| anyhow::anyhow!("no PEFT name for {name}"))?;
            let value = init.iter().find(|(n, _)| *n == peft).map(|(_, t)| t).ok_or_else(|| anyhow::anyhow!("init lacks {peft}"))?;
            model.params.master_view(i).copy_(&value.to_kind(Kind::Float).to_device(device));
        }
        Ok(())
    })?;
    let batch = collate(&examples, &(0..b as usize).collect::<Vec<_>>(), device);
    let (no_prefix, inv_labelled) = super::step_inputs(&batch, device);
    model.separate_outputs = graphs;
    let mut opt = AdamW::new(&model.params, 0.0);
    let fwd_bwd = |opt: &mut AdamW| forward_backward(model, opt, &no_prefix, std::slice::from_ref(&batch), &inv_labelled);
    // Step 1 eagerly, its gradient kept; then the rest as the benchmark runs them.
    let mut losses = vec![fwd_bwd(&mut opt)?.double_value(&[])];
    let grad = opt.grad().to_device(Device::Cpu);
    opt.step(&model.params, LR);
    let step = super::TimedStep::new(graphs, &mut opt, &fwd_bwd)?;
    while losses.len() < STEPS {
        let loss = step.run(&mut opt, &fwd_bwd)?;
        losses.push(loss.double_value(&[]));
        opt.step(&model.params, LR);
    }
    let mut grads = Vec::new();
    for (name, off, shape) in &model.params.layout {
        let n: i64 = shape.iter().product();
        grads.push((peft_name(name).unwrap_or_default(), grad.narrow(0, *off, n).view(shape.as_slice()).contiguous()));
    }
    let refs: Vec<(&str, &Tensor)> = grads.iter().map(|(n, t)| (n.as_str(), t)).collect();
    // fg.json and fg_grads.safetensors for the bf16 run, fg_f32.* for the f32 one.
    let tag = if model.kind == Kind::Float { "_f32" } else { "" };
    Tensor::write_safetensors(&refs, dir.join(format!("fg{tag}_grads.safetensors")))?;
    let out = serde_json::json!({"losses": losses, "lr": LR, "steps": STEPS, "cuda_graph": graphs, "shape": [b, t]});
    std::fs::write(dir.join(format!("fg{tag}.json")), serde_json::to_string_pretty(&out)?)?;
    println!("parity ({:?}): fg's losses over {STEPS} steps (lr {LR}, {b} x {t}): {}", model.kind, losses.iter().map(|l| format!("{l:.4}")).collect::<Vec<_>>().join(" "));
    Ok(())
}
