//! Benchmark: fg's LoRA training step against HF transformers + PEFT (shared/bench/hf_peft_baseline.py),
//! on the same GPU and shapes: random tokens, batch 8 x 1024, 2 x 4096 and 16 x 512, LoRA r16,
//! alpha 32 on the seven projections, bf16, AdamW, completion-only labels on the last 64 tokens.
//!
//!     cargo bench --bench train -- [--base GGUF] [--baseline hf_peft_bench.json] [--out result.json]
//!
//! Prints tokens/s and peak GPU memory per shape, and the ratios against the baseline's JSON
//! (written by the baseline script in the same run). Peak memory is the device's memory in use
//! (cudarc, sampled every 2 ms) above what it was before the run: the caching allocator's reserve
//! included, so it overstates fg's use compared with the baseline's max_memory_allocated.

use fg::model::gemma3::Model;
use fg::model::lora::{LoraConfig, TARGETS};
use fg::model::weights::Weights;
use fg::train::data::collate;
use fg::train::optim::AdamW;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let base = flag("--base").map(std::path::PathBuf::from).unwrap_or_else(fg::paths::default_base_model);
    let device = fg::device::select("cuda")?;
    let gpu = fg::device::gpus().into_iter().next().ok_or_else(|| anyhow::anyhow!("no GPU"))?;
    let lora = LoraConfig { rank: 16, alpha: 32.0, dropout: 0.0, targets: TARGETS.iter().map(|s| s.to_string()).collect() };
    let model = Model::new(Weights::from_gguf(&base)?, device, tch::Kind::BFloat16, Some(lora), false, 4096 + 8)?;
    let mut opt = AdamW::new(&model.params, 0.0);
    let used = || {
        let g = fg::device::gpus().into_iter().next().unwrap();
        g.total_bytes - g.free_bytes
    };
    let before = used();
    let peak = Arc::new(AtomicUsize::new(before));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let g = fg::device::gpus().into_iter().next().unwrap();
                peak.fetch_max(g.total_bytes - g.free_bytes, Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    let baseline: Option<serde_json::Value> = flag("--baseline").and_then(|p| std::fs::read_to_string(p).ok()).and_then(|t| serde_json::from_str(&t).ok());
    println!("{} ({:.0} GiB), {}", gpu.name, gpu.total_bytes as f64 / (1u64 << 30) as f64, base.display());
    println!("{:<12} {:>14} {:>10} {:>14} {:>10} {:>9} {:>9}", "shape", "fg tokens/s", "fg GiB", "HF tokens/s", "HF GiB", "speed", "memory");
    let mut results = serde_json::Map::new();
    if args.iter().any(|a| a == "--profile") {
        // Which attention kernel libtorch picks, and where a step's time goes.
        let kind = tch::Kind::BFloat16;
        let q = tch::Tensor::randn([8, 4, 1024, 256], (kind, device));
        let mask = tch::Tensor::ones([1, 1, 1024, 1024], (tch::Kind::Bool, device)).tril(0);
        let choice = tch::Tensor::internal_fused_sdp_choice(&q, &q, &q, Some(&mask), 0.0, false, 0.0625, false);
        let causal = tch::Tensor::internal_fused_sdp_choice(&q, &q, &q, None::<&tch::Tensor>, 0.0, true, 0.0625, false);
        println!("sdpa backend with a mask: {choice}, causal without: {causal} (0 math, 1 flash, 2 efficient, 3 cudnn)");
        let examples = fg::train::random_batch(8, 1024, 64, 7);
        let batch = collate(&examples, &(0..8).collect::<Vec<_>>(), device);
        for _ in 0..3 {
            model.begin(true);
            let (h, _) = model.forward(&batch.ids, 0, None, true, false);
            let (loss, _) = model.loss(&h, &batch.at, &batch.targets);
            opt.backward(&model.params, &(loss / batch.labels as f64), false);
            opt.step(&model.params, 1e-4);
        }
        // Two untimed runs first (kernel selection, cuDNN plans), then five timed ones.
        let time = |f: &mut dyn FnMut()| {
            f();
            f();
            tch::Cuda::synchronize(0);
            let t = Instant::now();
            for _ in 0..5 {
                f();
            }
            tch::Cuda::synchronize(0);
            t.elapsed().as_secs_f64() * 1e3 / 5.0
        };
        let fwd = time(&mut || tch::no_grad(|| {
            model.begin(false);
            let _ = model.forward(&batch.ids, 0, None, false, false);
        }));
        let mut enqueue = 0.0;
        let fwd_bwd = time(&mut || {
            let t = Instant::now();
            model.begin(true);
            let (h, _) = model.forward(&batch.ids, 0, None, true, false);
            let (loss, _) = model.loss(&h, &batch.at, &batch.targets);
            opt.backward(&model.params, &(loss / batch.labels as f64), false);
            enqueue = t.elapsed().as_secs_f64() * 1e3;
        });
        let opt_ms = time(&mut || opt.step(&model.params, 1e-4));
        println!("8 x 1024: forward (no grad) {fwd:.1} ms, forward + backward {fwd_bwd:.1} ms ({enqueue:.1} ms of it until the host returns), optimizer {opt_ms:.2} ms");
        // One attention, forward and backward, several ways: (ms until the host returns, ms in all).
        let timed = |f: &dyn Fn() -> tch::Tensor| {
            let once = || f().sum(tch::Kind::Float).backward();
            once();
            once();
            tch::Cuda::synchronize(0);
            let t = Instant::now();
            for _ in 0..10 {
                once();
            }
            let host = t.elapsed().as_secs_f64() * 1e2;
            tch::Cuda::synchronize(0);
            format!("{host:.2}/{:.2} ms", t.elapsed().as_secs_f64() * 1e2)
        };
        let k = tch::Tensor::randn([8, 1, 1024, 256], (kind, device)).set_requires_grad(true);
        let q = q.set_requires_grad(true);
        let window = mask.ones_like().triu(-511).logical_and(&mask);
        let folded_mask = window.repeat([1, 1, 4, 1]);
        let bias = tch::Tensor::zeros([1, 1, 4096, 1024], (kind, device)).masked_fill(&folded_mask.logical_not(), f64::NEG_INFINITY).expand([8, 1, 4096, 1024], false);
        let qf = || q.reshape([8, 1, 4096, 256]);
        for cudnn in [true, false] {
            tch::Cuda::set_user_enabled_cudnn(cudnn);
            let choice = tch::Tensor::internal_fused_sdp_choice(&qf(), &k, &k, Some(&folded_mask), 0.0, false, 0.0625, false);
            let folded = timed(&|| tch::Tensor::scaled_dot_product_attention(&qf(), &k, &k, Some(&folded_mask), 0.0, false, 0.0625, false));
            let gqa_choice = tch::Tensor::internal_fused_sdp_choice(&q, &k, &k, None::<&tch::Tensor>, 0.0, true, 0.0625, true);
            let causal = timed(&|| tch::Tensor::scaled_dot_product_attention(&q, &k, &k, None::<&tch::Tensor>, 0.0, true, 0.0625, true));
            println!("cudnn {cudnn}: window 512, heads folded: backend {choice}, {folded}; causal with enable_gqa: backend {gqa_choice}, {causal}");
        }
        tch::Cuda::set_user_enabled_cudnn(true);
        let efficient = timed(&|| tch::Tensor::internal_scaled_dot_product_efficient_attention(&qf(), &k, &k, Some(&bias), true, 0.0, false, 0.0625).0);
        let ke = || k.expand([8, 4, 1024, 256], false);
        let efficient_causal = timed(&|| tch::Tensor::internal_scaled_dot_product_efficient_attention(&q, &ke(), &ke(), None::<&tch::Tensor>, true, 0.0, true, 0.0625).0);
        println!("efficient kernel: window 512 as a bias, heads folded {efficient}; causal, keys expanded {efficient_causal}");
        for cudnn in [false, true] {
            tch::Cuda::set_user_enabled_cudnn(cudnn);
            let step = time(&mut || {
                model.begin(true);
                let (h, _) = model.forward(&batch.ids, 0, None, true, false);
                let (loss, _) = model.loss(&h, &batch.at, &batch.targets);
                opt.backward(&model.params, &(loss / batch.labels as f64), false);
            });
            println!("cudnn {cudnn}: 8 x 1024 forward + backward {step:.1} ms");
        }
    }
    for (b, t) in [(8usize, 1024usize), (2, 4096), (16, 512)] {
        let examples = fg::train::random_batch(b, t, 64, 7);
        let idx: Vec<usize> = (0..b).collect();
        let batch = collate(&examples, &idx, device);
        let step = |opt: &mut AdamW| {
            model.begin(true);
            let (h, _) = model.forward(&batch.ids, 0, None, true, false);
            let (loss, _) = model.loss(&h, &batch.at, &batch.targets);
            let loss = loss / batch.labels as f64;
            opt.backward(&model.params, &loss, false);
            opt.step(&model.params, 2e-4);
            loss
        };
        for _ in 0..3 {
            let _ = step(&mut opt);
        }
        tch::Cuda::synchronize(0);
        peak.store(used(), Ordering::Relaxed);
        let n = 10;
        let start = Instant::now();
        // As in the baseline, the loss is read once, after the timed steps: nothing waits per step.
        let mut loss = None;
        for _ in 0..n {
            loss = Some(step(&mut opt));
        }
        tch::Cuda::synchronize(0);
        let last = loss.map_or(f64::NAN, |l| l.double_value(&[]));
        let secs = start.elapsed().as_secs_f64();
        let tps = (n * b * t) as f64 / secs;
        let gib = (peak.load(Ordering::Relaxed).saturating_sub(before)) as f64 / (1u64 << 30) as f64;
        let key = format!("b{b}xT{t}");
        let hf = baseline.as_ref().and_then(|v| v.get(&key));
        let hf_tps = hf.and_then(|h| h["tokens_per_s"].as_f64());
        let hf_gib = hf.and_then(|h| h["peak_gib"].as_f64());
        println!(
            "{:<12} {tps:>14.0} {gib:>10.2} {:>14} {:>10} {:>9} {:>9}",
            format!("{b} x {t}"),
            hf_tps.map_or("-".into(), |v| format!("{v:.0}")),
            hf_gib.map_or("-".into(), |v| format!("{v:.2}")),
            hf_tps.map_or("-".into(), |v| format!("{:.2}x", tps / v)),
            hf_gib.map_or("-".into(), |v| format!("{:.2}x", gib / v)),
        );
        results.insert(key, serde_json::json!({"tokens_per_s": tps, "step_ms": secs * 1e3 / n as f64, "peak_gib": gib, "loss": last, "hf_tokens_per_s": hf_tps, "hf_peak_gib": hf_gib}));
    }
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    if let Some(out) = flag("--out") {
        std::fs::write(out, serde_json::to_string_pretty(&results)?)?;
    }
    Ok(())
}
