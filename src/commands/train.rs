use crate::cli::TrainArgs;
use crate::export::{write_llama_lora, write_peft, Adapter, AdapterManifest};
use crate::model::lora::LoraConfig;
use crate::train::{TrainConfig, Trainer};
use anyhow::Result;

/// Micro-batch that fits the device: from the free GPU memory (cudarc), small on CPU.
fn default_batch(device: &str) -> usize {
    let gpus = crate::device::gpus();
    let cuda = device != "cpu" && crate::device::cuda_available();
    match (cuda, gpus.first()) {
        (true, Some(g)) => {
            let free_gib = g.free_bytes as f64 / (1u64 << 30) as f64;
            // The shared prefix dominates activations; each example after it is small.
            if free_gib > 40.0 {
                32
            } else if free_gib > 16.0 {
                16
            } else {
                8
            }
        }
        _ => 4,
    }
}

pub fn run(a: &TrainArgs) -> Result<()> {
    let base = a.base.clone().unwrap_or_else(crate::paths::default_base_model);
    let cfg = TrainConfig {
        base: base.clone(),
        data: a.data.clone(),
        extra: a.extra.clone(),
        tools: a.tools.clone(),
        out: a.out.clone(),
        epochs: a.epochs,
        batch_size: a.batch_size.unwrap_or_else(|| default_batch(&a.device)),
        grad_accum: a.grad_accum.max(1),
        lr: a.lr,
        warmup_ratio: a.warmup_ratio,
        weight_decay: a.weight_decay,
        clip: a.clip,
        lora: LoraConfig::every_projection(a.lora_rank, a.lora_alpha, a.lora_dropout),
        train_tokens: !a.no_train_tokens,
        max_seq_length: a.max_seq_length,
        device: a.device.clone(),
        seed: a.seed,
        max_steps: a.max_steps,
        limit: a.limit,
        eval_every: a.eval_every,
        save_every: a.save_every,
        progress: !a.quiet,
        eager: a.eager,
    };
    let mut trainer = Trainer::new(cfg.clone())?;
    eprintln!(
        "training on {:?}: {} examples ({} eval), shared prefix {} tokens, micro-batch {}, {} steps",
        trainer.model.device,
        trainer.data.train.len(),
        trainer.data.eval.len(),
        trainer.data.prefix.len(),
        cfg.batch_size,
        trainer.total_steps()
    );
    let report = trainer.run(a.resume, |m| {
        if a.quiet {
            return;
        }
        if let Some(el) = m.eval_loss {
            eprintln!("step {}: loss {:.4}, eval loss {el:.4}, eval token accuracy {:.3}", m.step, m.loss.unwrap_or(f64::NAN), m.eval_token_accuracy.unwrap_or(f64::NAN));
        }
    })?;
    let tools = crate::tools::Tools::load_or_shipped(cfg.tools.as_deref())?;
    let adapter = Adapter {
        manifest: AdapterManifest {
            fg_version: env!("CARGO_PKG_VERSION").into(),
            base: base.display().to_string(),
            // A file's sha256 names the base truthfully (PEFT's base_model_name_or_path).
            base_sha256: base.is_file().then(|| crate::hash::sha256_file(&base)).transpose()?,
            lora: cfg.lora.clone(),
            format: trainer.data.format,
            tools_hash: tools.hash.clone(),
            trains_token_rows: cfg.train_tokens,
            train: serde_json::to_value(&cfg)?,
            results: serde_json::json!({
                "steps": report.steps, "first_loss": report.first_loss, "final_loss": report.final_loss,
                "eval_loss": report.eval_loss, "eval_token_accuracy": report.eval_token_accuracy,
                "tokens_per_s": report.tokens_per_s, "example_tokens_per_s": report.example_tokens_per_s, "seconds": report.seconds,
            }),
        },
        tensors: trainer.model.params.named().into_iter().collect(),
    };
    adapter.save(&a.out)?;
    write_llama_lora(&adapter, &a.out.join("adapter.gguf"))?;
    write_peft(&adapter, &a.out.join("peft"), &crate::export::peft_base_name(&adapter.manifest))?;
    eprintln!(
        "done: {} steps in {:.1} s ({:.0} tokens/s computed, {:.0} tokens/s counting each example's prefix), loss {:.4} -> {:.4}, eval loss {}, eval token accuracy {}",
        report.steps,
        report.seconds,
        report.tokens_per_s,
        report.example_tokens_per_s,
        report.first_loss,
        report.final_loss,
        report.eval_loss.map_or("-".into(), |v| format!("{v:.4}")),
        report.eval_token_accuracy.map_or("-".into(), |v| format!("{v:.3}"))
    );
    eprintln!("wrote {}: adapter.safetensors, adapter.json, adapter.gguf (llama.cpp), peft/, metrics.jsonl, loss.png", a.out.display());
    Ok(())
}
