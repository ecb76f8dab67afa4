//! `fg train`: arguments checked into a training config; the trainer does the rest and writes the adapter.

use crate::cli::TrainArgs;
use crate::model::lora::LoraConfig;
use crate::train::{TrainConfig, Trainer};
use anyhow::Result;

pub fn run(a: &TrainArgs) -> Result<()> {
    let base = a.base.clone().unwrap_or_else(crate::paths::default_base_model);
    let cfg = TrainConfig {
        base: base.clone(),
        data: a.data.clone(),
        extra: a.extra.clone(),
        tools: a.tools.clone(),
        out: a.out.clone(),
        epochs: a.epochs,
        batch_size: match a.batch_size {
            Some(n) => n,
            None => crate::device::default_micro_batch(crate::device::select(a.device)?),
        },
        grad_accum: a.grad_accum,
        lr: a.lr,
        warmup_ratio: a.warmup_ratio,
        weight_decay: a.weight_decay,
        clip: a.clip,
        lora: LoraConfig::every_projection(a.lora_rank, a.lora_alpha, a.lora_dropout),
        train_tokens: !a.no_train_tokens,
        max_seq_length: a.max_seq_length,
        device: a.device,
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
    trainer.save_adapter(&report)?;
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
