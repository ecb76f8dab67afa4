//! `fg train`: LoRA training of Gemma 3 on libtorch.
//!
//! One step: the shared prefix (the developer turn with every declaration) is run once, with
//! gradients; each micro-batch of remainders attends to it; logits are computed only at labelled
//! positions (the 262k-row head is most of the compute); the loss is averaged over the step's
//! labelled tokens; gradients are clipped; AdamW updates the LoRA matrices and FunctionGemma's
//! seven embedding rows. Learning rate: linear warmup, then cosine decay to zero.
//! Checkpoints hold parameters, optimizer moments and the step, so `--resume` continues the same
//! loss curve (data order and dropout are functions of the seed and the step).
//! On CUDA a step is captured as a CUDA graph the first time its shape comes up and replayed
//! after that (src/torch_cuda.rs): libtorch's eager dispatch of ~2,000 kernels, not the GPU,
//! bounds an eager step of this small model. `--eager` turns that off.

pub mod data;
pub mod optim;
pub mod params;

use crate::data::Example;
use crate::export::{peft_base_name, write_llama_lora, write_peft, Adapter, AdapterManifest};
use crate::model::gemma3::Model;
use crate::model::lora::LoraConfig;
use crate::model::weights::Weights;
use crate::model::Mode;
use crate::tokenizer::Tokenizer;
use crate::tools::Tools;
use crate::torch_cuda::{Graph, Pool};
use anyhow::{bail, Context, Result};
use data::{buckets, collate, collate_padded, prepare, Batch, Prepared};
use optim::AdamW;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::{Device, Kind, Tensor};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrainConfig {
    pub base: PathBuf,
    pub data: PathBuf,
    pub extra: Vec<PathBuf>,
    /// The tools file; None: the shipped tool set.
    pub tools: Option<PathBuf>,
    pub out: PathBuf,
    pub epochs: f64,
    /// Examples per micro-batch.
    pub batch_size: usize,
    pub grad_accum: usize,
    pub lr: f64,
    pub warmup_ratio: f64,
    pub weight_decay: f64,
    pub clip: f64,
    pub lora: LoraConfig,
    pub train_tokens: bool,
    pub max_seq_length: usize,
    pub device: crate::device::DeviceChoice,
    pub seed: u64,
    pub max_steps: Option<usize>,
    pub limit: Option<usize>,
    pub eval_every: usize,
    pub save_every: usize,
    pub progress: bool,
    /// Never replay steps as CUDA graphs.
    #[serde(default)]
    pub eager: bool,
}

/// One line of metrics.jsonl.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Metric {
    pub step: usize,
    pub epoch: f64,
    pub loss: Option<f64>,
    pub lr: Option<f64>,
    pub grad_norm: Option<f64>,
    pub tokens_per_s: Option<f64>,
    pub eval_loss: Option<f64>,
    pub eval_token_accuracy: Option<f64>,
    pub micro_batch: usize,
    pub elapsed_s: f64,
}

/// What a finished run reports.
pub struct TrainReport {
    pub steps: usize,
    pub final_loss: f64,
    pub first_loss: f64,
    pub eval_loss: Option<f64>,
    pub eval_token_accuracy: Option<f64>,
    pub tokens_per_s: f64,
    /// As if every example had been run whole, its copy of the prefix included: what the same
    /// training costs without the shared prefix.
    pub example_tokens_per_s: f64,
    pub seconds: f64,
}

/// The learning rate at `step` of `total`: linear warmup, then cosine to zero.
pub fn lr_at(step: usize, total: usize, base: f64, warmup: usize) -> f64 {
    if step < warmup {
        return base * (step + 1) as f64 / warmup as f64;
    }
    let t = (step - warmup) as f64 / (total - warmup).max(1) as f64;
    base * 0.5 * (1.0 + (std::f64::consts::PI * t.min(1.0)).cos())
}

fn kind_for(device: Device) -> Kind {
    if device.is_cuda() {
        Kind::BFloat16
    } else {
        Kind::Float
    }
}

/// Runs `f`, turning libtorch's CUDA out-of-memory panics into `Ok(None)`.
fn catch_oom<T>(f: impl FnOnce() -> Result<T>) -> Result<Option<T>> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map(Some),
        Err(p) => {
            let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
            if msg.contains("out of memory") {
                Ok(None)
            } else {
                std::panic::resume_unwind(p)
            }
        }
    }
}

impl Trainer {
    /// Writes the trained adapter to the output folder: fg's own files (adapter.safetensors and
    /// adapter.json, whose manifest names the base truthfully, by path and sha256), llama.cpp's
    /// LoRA GGUF and PEFT's layout.
    pub fn save_adapter(&self, report: &TrainReport) -> Result<()> {
        let cfg = &self.cfg;
        let tools = Tools::load_or_shipped(cfg.tools.as_deref())?;
        let adapter = Adapter {
            manifest: AdapterManifest {
                fg_version: env!("CARGO_PKG_VERSION").into(),
                base: cfg.base.display().to_string(),
                base_sha256: cfg.base.is_file().then(|| crate::hash::sha256_file(&cfg.base)).transpose()?,
                lora: cfg.lora.clone(),
                format: self.data.format,
                tools_hash: tools.hash.clone(),
                trains_token_rows: cfg.train_tokens,
                train: serde_json::to_value(cfg)?,
                results: serde_json::json!({
                    "steps": report.steps, "first_loss": report.first_loss, "final_loss": report.final_loss,
                    "eval_loss": report.eval_loss, "eval_token_accuracy": report.eval_token_accuracy,
                    "tokens_per_s": report.tokens_per_s, "example_tokens_per_s": report.example_tokens_per_s, "seconds": report.seconds,
                }),
            },
            tensors: self.model.params.named().into_iter().collect(),
        };
        adapter.save(&cfg.out)?;
        write_llama_lora(&adapter, &cfg.out.join("adapter.gguf"))?;
        write_peft(&adapter, &cfg.out.join("peft"), &peft_base_name(&adapter.manifest))
    }
}

/// After running out of GPU memory: the same effective batch with half the micro-batch.
fn back_off(batch_size: usize, grad_accum: usize) -> Result<(usize, usize)> {
    if batch_size <= 1 {
        bail!("out of GPU memory even with one example per micro-batch: lower --max-seq-length");
    }
    Ok((batch_size / 2, grad_accum * 2))
}

pub struct Trainer {
    pub model: Model,
    pub data: Prepared,
    pub cfg: TrainConfig,
    prefix: Tensor,
    opt: AdamW,
    pub tokenizer_source: String,
    /// Steps captured as CUDA graphs, by the shapes of their micro-batches; None: eager steps.
    graphs: Option<StepGraphs>,
}

/// CUDA graphs of whole steps (prefix, micro-batches, backward into the accumulated gradient),
/// one per shape of a step's micro-batches, all in one memory pool. Sequences are padded to a
/// multiple of `SEQ_MULTIPLE` and labelled positions to one of `LABEL_MULTIPLE`, so that a few
/// dozen shapes cover a dataset. Each step copies its batches into the graph's input tensors,
/// replays it and reads the loss before any other graph runs (they share scratch memory).
struct StepGraphs {
    pool: Pool,
    by_shape: HashMap<Vec<[i64; 3]>, StepGraph>,
}

struct StepGraph {
    graph: Graph,
    inputs: Vec<Batch>,
    /// 1 / the step's labelled tokens (the loss is their mean), an input like the batches.
    inv_labelled: Tensor,
    loss: Tensor,
}

const SEQ_MULTIPLE: usize = 32;
const LABEL_MULTIPLE: usize = 128;

/// Positions the model must hold for a prefix and the longest example after it, padded as a graph
/// step pads it (the eager path needs fewer).
fn positions_needed(prefix: usize, longest: usize) -> usize {
    prefix + longest.next_multiple_of(SEQ_MULTIPLE)
}

/// A step's forward and backward: the prefix once, then each micro-batch, its summed loss times
/// `inv_labelled` backpropagated into the optimizer's gradient. Returns the step's mean loss (a
/// tensor: reading it waits for the GPU). The benchmark times this same step.
pub fn forward_backward(model: &Model, opt: &mut AdamW, prefix_ids: &Tensor, batches: &[Batch], inv_labelled: &Tensor) -> Result<Tensor> {
    let plen = prefix_ids.size()[1];
    model.begin(Mode::Train);
    let prefix = if plen > 0 { Some(model.prefix(prefix_ids, Mode::Train)?) } else { None };
    let mut total = Tensor::zeros([], (Kind::Float, model.device));
    for (k, b) in batches.iter().enumerate() {
        let h = model.forward(&b.ids, plen, prefix.as_ref(), Mode::Train)?;
        let loss = model.loss(&h, &b.at, &b.targets)?;
        let loss = loss * inv_labelled;
        total += loss.detach();
        opt.backward(&model.params, &loss, k + 1 < batches.len());
    }
    Ok(total)
}

/// The tokenizer matching the base: from the GGUF's vocabulary or the HF folder's tokenizer.json.
pub fn base_tokenizer(base: &Path) -> Result<Tokenizer> {
    if base.is_dir() {
        Tokenizer::from_hf_file(&base.join("tokenizer.json"))
    } else {
        Tokenizer::from_gguf(&crate::gguf::GgufFile::open(base)?.header)
    }
}

impl Trainer {
    pub fn new(cfg: TrainConfig) -> Result<Trainer> {
        let device = crate::device::select(cfg.device)?;
        let tools = Tools::load_or_shipped(cfg.tools.as_deref())?;
        let mut train: Vec<Example> = crate::data::read_jsonl(&cfg.data.join("train.jsonl")).context("training data (run `fg data build`)")?;
        for extra in &cfg.extra {
            train.extend(crate::data::read_jsonl(extra)?);
        }
        let eval_path = cfg.data.join("eval.jsonl");
        let mut eval = if eval_path.exists() { crate::data::read_jsonl(&eval_path)? } else { Vec::new() };
        if let Some(n) = cfg.limit {
            // A small, still varied slice: every k-th example.
            let k = (train.len() / n.max(1)).max(1);
            train = train.into_iter().step_by(k).take(n).collect();
            eval.truncate(n.div_ceil(4).max(1));
        }
        if train.is_empty() {
            bail!("no training examples in {}", cfg.data.display());
        }
        let tok = base_tokenizer(&cfg.base)?;
        let data = prepare(&train, &eval, &tools, &tok, cfg.max_seq_length)?;
        let longest = data.train.iter().chain(&data.eval).map(|e| e.ids.len()).max().unwrap_or(1);
        let weights = Weights::load(&cfg.base)?;
        // LoRA's A matrices start random: from the seed, so that two runs are the same run.
        tch::manual_seed(cfg.seed as i64);
        let mut model = Model::new(weights, device, kind_for(device), Some(cfg.lora.clone()), cfg.train_tokens, positions_needed(data.prefix.len(), longest))?;
        let opt = AdamW::new(&model.params, cfg.weight_decay);
        let prefix = Tensor::from_slice(&data.prefix).view([1, -1]).to_device(device);
        let graphs = if device.is_cuda() && !cfg.eager {
            match Pool::new() {
                Ok(pool) => Some(StepGraphs { pool, by_shape: HashMap::new() }),
                Err(e) => {
                    eprintln!("training without CUDA graphs: {e:#}");
                    None
                }
            }
        } else {
            None
        };
        // Separate projection outputs cost launches and save GPU time: right for graph replays.
        model.separate_outputs = graphs.is_some();
        Ok(Trainer { model, data, prefix, opt, tokenizer_source: cfg.base.display().to_string(), cfg, graphs })
    }

    fn steps_per_epoch(&self) -> usize {
        buckets(&self.data.train, self.cfg.batch_size).len().div_ceil(self.cfg.grad_accum.max(1))
    }

    pub fn total_steps(&self) -> usize {
        let s = (self.steps_per_epoch() as f64 * self.cfg.epochs).ceil() as usize;
        self.cfg.max_steps.map_or(s, |m| m.min(s.max(1))).max(1)
    }

    /// Micro-batches of step `step`: the epoch's buckets in a seeded order.
    fn step_batches(&self, step: usize) -> Vec<Vec<usize>> {
        let b = buckets(&self.data.train, self.cfg.batch_size);
        let per = self.cfg.grad_accum.max(1);
        let spe = b.len().div_ceil(per);
        let epoch = step / spe;
        let mut order: Vec<usize> = (0..b.len()).collect();
        let mut rng = crate::rng::Rng::new(self.cfg.seed ^ (epoch as u64).wrapping_mul(0x9e37_79b9));
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let at = (step % spe) * per;
        order[at..(at + per).min(order.len())].iter().map(|&i| b[i].clone()).collect()
    }

    /// One optimizer step; returns (mean loss, tokens processed, grad norm, example tokens).
    fn step(&mut self, step: usize, lr: f64) -> Result<(f64, usize, f64, usize)> {
        tch::manual_seed((self.cfg.seed as i64).wrapping_mul(1_000_003).wrapping_add(step as i64));
        let batches = self.step_batches(step);
        let labelled: usize = batches.iter().flatten().map(|&i| self.data.train[i].label_count()).sum();
        let suffix_tokens: usize = batches.iter().flatten().map(|&i| self.data.train[i].ids.len()).sum();
        let tokens = suffix_tokens + self.data.prefix.len();
        let example_tokens = suffix_tokens + self.data.prefix.len() * batches.iter().map(Vec::len).sum::<usize>();
        let device = self.model.device;
        let inv = 1.0 / labelled.max(1) as f64;
        let loss = match self.graphs.as_mut() {
            None => {
                let batches: Vec<Batch> = batches.iter().map(|idx| collate(&self.data.train, idx, device)).collect();
                forward_backward(&self.model, &mut self.opt, &self.prefix, &batches, &Tensor::from(inv as f32).to_device(device))?.double_value(&[])
            }
            Some(graphs) => {
                // Collated on the CPU: they are copied straight into the graph's inputs.
                let batches: Vec<Batch> = batches.iter().map(|idx| collate_padded(&self.data.train, idx, Device::Cpu, SEQ_MULTIPLE, LABEL_MULTIPLE)).collect();
                let shape: Vec<[i64; 3]> = batches.iter().map(|b| [b.ids.size()[0], b.ids.size()[1], b.at.size()[0]]).collect();
                if !graphs.by_shape.contains_key(&shape) {
                    let (model, opt, prefix) = (&self.model, &mut self.opt, &self.prefix);
                    let inputs: Vec<Batch> =
                        batches.iter().map(|b| Batch { ids: b.ids.to_device(device), at: b.at.to_device(device), targets: b.targets.to_device(device), labels: b.labels }).collect();
                    let inv_labelled = Tensor::from(inv as f32).to_device(device);
                    // Capturing runs the step once uncaptured (the warm-up): its gradient is dropped.
                    let (graph, loss) = Graph::capture(Some(graphs.pool), || forward_backward(model, opt, prefix, &inputs, &inv_labelled))?;
                    let loss = loss?;
                    opt.zero_grad();
                    graphs.by_shape.insert(shape.clone(), StepGraph { graph, inputs, inv_labelled, loss });
                }
                let g = &graphs.by_shape[&shape];
                // (After a fresh capture the inputs already hold this step: the copies are cheap.)
                tch::no_grad(|| {
                    for (dst, src) in g.inputs.iter().zip(&batches) {
                        dst.ids.shallow_clone().copy_(&src.ids);
                        dst.at.shallow_clone().copy_(&src.at);
                        dst.targets.shallow_clone().copy_(&src.targets);
                    }
                    let _ = g.inv_labelled.shallow_clone().fill_(inv);
                });
                g.graph.replay()?;
                g.loss.double_value(&[])
            }
        };
        let norm = self.opt.clip_grad_norm(self.cfg.clip);
        self.opt.step(&self.model.params, lr);
        Ok((loss, tokens, norm, example_tokens))
    }

    /// Loss and token accuracy on the eval examples.
    pub fn evaluate(&self) -> Result<(f64, f64)> {
        if self.data.eval.is_empty() {
            return Ok((f64::NAN, f64::NAN));
        }
        self.model.begin(Mode::Infer);
        tch::no_grad(|| {
            let prefix = if self.data.prefix.is_empty() { None } else { Some(self.model.prefix(&self.prefix, Mode::Infer)?) };
            let (mut loss, mut n, mut correct) = (0f64, 0usize, 0i64);
            for idx in buckets(&self.data.eval, self.cfg.batch_size) {
                let b = collate(&self.data.eval, &idx, self.model.device);
                let h = self.model.forward(&b.ids, self.data.prefix.len() as i64, prefix.as_ref(), Mode::Infer)?;
                let (l, c) = self.model.loss_and_correct(&h, &b.at, &b.targets)?;
                loss += l.double_value(&[]);
                n += b.labels;
                correct += c.int64_value(&[]);
            }
            Ok((loss / n.max(1) as f64, correct as f64 / n.max(1) as f64))
        })
    }

    fn checkpoint_dir(&self) -> PathBuf {
        self.cfg.out.join("checkpoint")
    }

    /// Saves parameters, optimizer moments and the step (written aside, then renamed).
    pub fn save_checkpoint(&self, step: usize) -> Result<()> {
        let dir = self.checkpoint_dir();
        let tmp = self.cfg.out.join(".checkpoint.partial");
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp)?;
        let mut named = self.opt.state();
        named.push(("params.master".into(), self.model.params.master.to_device(Device::Cpu)));
        let refs: Vec<(&str, &Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t)).collect();
        Tensor::write_safetensors(&refs, tmp.join("state.safetensors"))?;
        std::fs::write(tmp.join("state.json"), serde_json::to_string_pretty(&serde_json::json!({"step": step, "config": self.cfg, "opt_t": self.opt.t}))?)?;
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::rename(&tmp, &dir)?;
        Ok(())
    }

    /// Restores a checkpoint; returns the step to continue from.
    pub fn load_checkpoint(&mut self) -> Result<usize> {
        let dir = self.checkpoint_dir();
        let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).with_context(|| format!("no checkpoint in {}", dir.display()))?)?;
        let tensors = Tensor::read_safetensors(dir.join("state.safetensors"))?;
        self.opt.load_state(&tensors, meta["opt_t"].as_u64().unwrap_or(0))?;
        let master = tensors.iter().find(|(n, _)| n == "params.master").map(|(_, t)| t).context("checkpoint lacks params.master")?;
        tch::no_grad(|| self.model.params.master.copy_(master));
        Ok(meta["step"].as_u64().unwrap_or(0) as usize)
    }

    /// Trains to the end, logging to metrics.jsonl and the progress bar.
    pub fn run(&mut self, resume: bool, mut on_metric: impl FnMut(&Metric)) -> Result<TrainReport> {
        std::fs::create_dir_all(&self.cfg.out)?;
        let total = self.total_steps();
        let warmup = ((total as f64 * self.cfg.warmup_ratio).round() as usize).max(1).min(total);
        let mut start_step = 0;
        if resume && self.checkpoint_dir().exists() {
            start_step = self.load_checkpoint()?;
        }
        let metrics_path = self.cfg.out.join("metrics.jsonl");
        if start_step == 0 {
            let _ = std::fs::remove_file(&metrics_path);
        } else {
            // Keep the lines up to the checkpoint: the resumed run writes the rest.
            if let Ok(text) = std::fs::read_to_string(&metrics_path) {
                let kept: String = text.lines().filter(|l| serde_json::from_str::<Metric>(l).is_ok_and(|m| m.step <= start_step)).map(|l| format!("{l}\n")).collect();
                std::fs::write(&metrics_path, kept)?;
            }
        }
        let mut log = std::fs::OpenOptions::new().create(true).append(true).open(&metrics_path)?;
        let bar = crate::progress::bar(self.cfg.progress, total as u64, "training");
        bar.set_position(start_step as u64);
        let t0 = Instant::now();
        let spe = self.steps_per_epoch() as f64;
        let (mut first_loss, mut last_loss, mut tok_total, mut ex_total) = (f64::NAN, f64::NAN, 0usize, 0usize);
        let mut step = start_step;
        while step < total {
            let lr = lr_at(step, total, self.cfg.lr, warmup);
            let ts = Instant::now();
            let result = if self.model.device.is_cuda() { catch_oom(|| self.step(step, lr))? } else { Some(self.step(step, lr)?) };
            let Some((loss, tokens, norm, example_tokens)) = result else {
                self.opt.zero_grad();
                (self.cfg.batch_size, self.cfg.grad_accum) = back_off(self.cfg.batch_size, self.cfg.grad_accum)?;
                eprintln!("out of GPU memory: micro-batch {} with gradient accumulation {} (same effective batch), retrying step {step}", self.cfg.batch_size, self.cfg.grad_accum);
                continue;
            };
            if first_loss.is_nan() {
                first_loss = loss;
            }
            last_loss = loss;
            tok_total += tokens;
            ex_total += example_tokens;
            let tps = tokens as f64 / ts.elapsed().as_secs_f64();
            bar.set_message(format!("loss {loss:.4} {tps:.0} tok/s"));
            bar.inc(1);
            step += 1;
            let mut m = Metric {
                step,
                epoch: step as f64 / spe,
                loss: Some(loss),
                lr: Some(lr),
                grad_norm: Some(norm),
                tokens_per_s: Some(tps),
                eval_loss: None,
                eval_token_accuracy: None,
                micro_batch: self.cfg.batch_size,
                elapsed_s: t0.elapsed().as_secs_f64(),
            };
            if self.cfg.eval_every > 0 && (step % self.cfg.eval_every == 0 || step == total) {
                let (el, ea) = self.evaluate()?;
                if el.is_finite() {
                    m.eval_loss = Some(el);
                    m.eval_token_accuracy = Some(ea);
                }
            }
            writeln!(log, "{}", serde_json::to_string(&m)?)?;
            on_metric(&m);
            if self.cfg.save_every > 0 && step % self.cfg.save_every == 0 && step < total {
                self.save_checkpoint(step)?;
            }
        }
        bar.finish_and_clear();
        let (el, ea) = self.evaluate()?;
        let seconds = t0.elapsed().as_secs_f64();
        write_loss_png(&metrics_path, &self.cfg.out.join("loss.png"))?;
        Ok(TrainReport {
            steps: total,
            final_loss: last_loss,
            first_loss,
            eval_loss: el.is_finite().then_some(el),
            eval_token_accuracy: ea.is_finite().then_some(ea),
            tokens_per_s: tok_total as f64 / seconds.max(1e-9),
            example_tokens_per_s: ex_total as f64 / seconds.max(1e-9),
            seconds,
        })
    }
}

/// The loss curve (train and eval) from metrics.jsonl.
pub fn write_loss_png(metrics: &Path, png: &Path) -> Result<()> {
    let text = std::fs::read_to_string(metrics)?;
    let ms: Vec<Metric> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let train: Vec<(f64, f64)> = ms.iter().filter_map(|m| m.loss.map(|l| (m.step as f64, l))).collect();
    let eval: Vec<(f64, f64)> = ms.iter().filter_map(|m| m.eval_loss.map(|l| (m.step as f64, l))).collect();
    crate::plot::line_chart(png, "Loss", "step", "loss", &[("train", crate::plot::BLUE, train), ("eval", crate::plot::ORANGE, eval)])
}

#[cfg(test)]
mod tests {
    #[test]
    fn running_out_of_memory_halves_the_micro_batch_and_keeps_the_effective_batch() {
        // A step that runs out of GPU memory panics in libtorch with CUDA's message: caught, it
        // asks for a smaller micro-batch; any other panic goes on unwinding.
        let oom = super::catch_oom(|| -> anyhow::Result<()> { panic!("CUDA out of memory. Tried to allocate 2.00 GiB") });
        assert!(matches!(oom, Ok(None)));
        assert!(matches!(super::catch_oom(|| Ok(7)), Ok(Some(7))));
        let other = std::panic::catch_unwind(|| super::catch_oom(|| -> anyhow::Result<()> { panic!("index out of range") }));
        assert!(other.is_err(), "a panic that is not out-of-memory is not swallowed");
        let mut sizes = vec![(12, 1)];
        while let Ok(next) = super::back_off(sizes.last().unwrap().0, sizes.last().unwrap().1) {
            sizes.push(next);
        }
        assert_eq!(sizes, [(12, 1), (6, 2), (3, 4), (1, 8)]);
        let err = super::back_off(1, 8).unwrap_err().to_string();
        assert!(err.contains("--max-seq-length"), "{err}");
    }

    #[test]
    fn the_learning_rate_warms_up_linearly_then_follows_a_half_cosine() {
        use super::lr_at;
        // 10 steps, 2 of warm-up, base 1.
        let lrs: Vec<f64> = (0..10).map(|s| lr_at(s, 10, 1.0, 2)).collect();
        assert_eq!(&lrs[..3], [0.5, 1.0, 1.0]);
        let cosine = |t: f64| 0.5 * (1.0 + (std::f64::consts::PI * t).cos());
        for (s, lr) in lrs.iter().enumerate().skip(2) {
            assert!((lr - cosine((s - 2) as f64 / 8.0)).abs() < 1e-12, "step {s}: {lr}");
        }
        assert!((lrs[6] - 0.5).abs() < 1e-12, "halfway down at the middle of the decay");
        assert!(lrs.windows(2).skip(2).all(|w| w[1] < w[0]), "decreasing after the warm-up: {lrs:?}");
        assert_eq!(lr_at(0, 10, 2e-4, 0), 2e-4, "no warm-up: the base rate at once");
        assert_eq!(lr_at(20, 10, 1.0, 2), 0.0, "past the end it stays at the bottom");
    }

    #[test]
    fn positions_cover_a_graph_steps_padding() {
        // The Delia data has a 3,986-token shared prefix; its longest example, 185 tokens after it,
        // runs padded to 192 in a graph step.
        assert_eq!(super::positions_needed(3986, 185), 3986 + 192);
        assert_eq!(super::positions_needed(3986, 192), 3986 + 192);
    }
}
