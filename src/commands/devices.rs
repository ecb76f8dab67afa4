//! `fg devices`: the GPUs, CUDA's state for libtorch, and a small computation on the chosen device.

use crate::cli::DevicesArgs;
use crate::device;
use anyhow::Result;
use tch::{Kind, Tensor};

/// Shows the devices and proves the chosen one computes: a small matmul checked against the CPU.
pub fn run(args: &DevicesArgs) -> Result<()> {
    let gpus = device::gpus();
    let cuda = device::cuda_available();
    let chosen = device::select(args.device)?;
    let a = Tensor::arange(64 * 64, (Kind::Float, tch::Device::Cpu)).reshape([64, 64]) / 4096.0;
    let want = a.matmul(&a.tr());
    let got = a.to_device(chosen).matmul(&a.to_device(chosen).tr()).to_device(tch::Device::Cpu);
    let max_diff = (got - &want).abs().max().double_value(&[]);
    let report = serde_json::json!({
        "cuda_available": cuda,
        "cuda_load_error": device::cuda_load_error(),
        "libtorch_cuda_devices": if cuda { tch::Cuda::device_count() } else { 0 },
        "gpus": gpus,
        "check": {"device": format!("{chosen:?}"), "op": "64x64 matmul vs CPU", "max_abs_diff": max_diff},
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("CUDA usable by libtorch: {}", if cuda { "yes" } else { "no" });
        if let Some(e) = device::cuda_load_error() {
            println!("  ({e})");
        }
        for g in &gpus {
            println!("GPU {}: {} — {:.1} GiB free of {:.1} GiB", g.index, g.name, g.free_bytes as f64 / (1u64 << 30) as f64, g.total_bytes as f64 / (1u64 << 30) as f64);
        }
        println!("check on {chosen:?}: 64x64 matmul, largest difference from the CPU result {max_diff:.2e}");
    }
    anyhow::ensure!(max_diff < 1e-3, "the {chosen:?} result differs from the CPU's by {max_diff}");
    Ok(())
}
