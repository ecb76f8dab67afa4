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
            let (h, _) = model.forward(&batch.ids, 0, None, Some(&batch.valid), true, false);
            let (loss, _) = model.loss(&h, &batch.at, &batch.targets);
            opt.backward(&model.params, &(loss / batch.labels as f64), false);
            opt.step(&model.params, 1e-4);
        }
        let time = |f: &mut dyn FnMut()| {
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
            let _ = model.forward(&batch.ids, 0, None, Some(&batch.valid), false, false);
        }));
        let fwd_bwd = time(&mut || {
            model.begin(true);
            let (h, _) = model.forward(&batch.ids, 0, None, Some(&batch.valid), true, false);
            let (loss, _) = model.loss(&h, &batch.at, &batch.targets);
            opt.backward(&model.params, &(loss / batch.labels as f64), false);
        });
        let opt_ms = time(&mut || opt.step(&model.params, 1e-4));
        let sdpa_mask = time(&mut || { let _ = tch::Tensor::scaled_dot_product_attention(&q, &q, &q, Some(&mask), 0.0, false, 0.0625, false); });
        let sdpa_causal = time(&mut || { let _ = tch::Tensor::scaled_dot_product_attention(&q, &q, &q, None::<&tch::Tensor>, 0.0, true, 0.0625, false); });
        println!("8 x 1024: forward (no grad) {fwd:.1} ms, forward + backward {fwd_bwd:.1} ms, optimizer {opt_ms:.2} ms; one attention forward: masked {sdpa_mask:.2} ms, causal {sdpa_causal:.2} ms");
    }
    for (b, t) in [(8usize, 1024usize), (2, 4096), (16, 512)] {
        let examples = fg::train::random_batch(b, t, 64, 7);
        let idx: Vec<usize> = (0..b).collect();
        let batch = collate(&examples, &idx, device);
        let step = |opt: &mut AdamW| {
            model.begin(true);
            let (h, _) = model.forward(&batch.ids, 0, None, Some(&batch.valid), true, false);
            let (loss, _) = model.loss(&h, &batch.at, &batch.targets);
            let loss = loss / batch.labels as f64;
            opt.backward(&model.params, &loss, false);
            opt.step(&model.params, 2e-4);
            loss
        };
        for _ in 0..3 {
            step(&mut opt);
        }
        tch::Cuda::synchronize(0);
        peak.store(used(), Ordering::Relaxed);
        let n = 10;
        let start = Instant::now();
        let mut last = 0.0;
        for _ in 0..n {
            last = step(&mut opt).double_value(&[]);
        }
        tch::Cuda::synchronize(0);
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
