//! Benchmark: `fg quantize q4_k_m` against llama.cpp's `llama_model_quantize` on the same f16
//! input (built by fg from the base model), same machine, same thread count, in one run.
//!
//!     cargo bench --bench quantize [-- --runs N --threads T --type q4_k_m]
//!
//! Each quantization runs in a child process of its own (this binary re-executed), so wall time
//! and peak resident memory (from wait4's rusage) are each process's own. The two alternate,
//! A B A B …, and medians are reported with the ratio; the outputs are checked to be identical.

use fg::gguf::quantize::{quantize_file, QuantizeOptions};
use fg::gguf::FileType;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// fg's quantizer against llama.cpp's on the same input, each in a child process of its own.
#[derive(clap::Parser)]
struct Args {
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Threads for both quantizers; default: all cores
    #[arg(long)]
    threads: Option<usize>,
    #[arg(long, default_value = "q4_k_m")]
    r#type: String,
    /// One quantization in this process: fg|llama TYPE THREADS IN OUT (what the parent runs)
    #[arg(long, num_args = 5, hide = true)]
    child: Option<Vec<String>>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> anyhow::Result<()> {
    let args: Args = clap::Parser::parse();
    if let Some(child_args) = &args.child {
        return child(child_args);
    }
    let (runs, ty) = (args.runs, args.r#type.clone());
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    anyhow::ensure!(FileType::from_cli_name(&ty).is_some(), "unknown type {ty}");

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let base = root.join("models/gemma-3-270m-q4_k_m.gguf");
    anyhow::ensure!(base.exists(), "{} is missing: run scripts/setup.sh", base.display());
    let work = root.join("target/bench-quantize");
    std::fs::create_dir_all(&work)?;
    let input = work.join("base-f16.gguf");
    if !input.exists() {
        quantize_file(&base, &input, &QuantizeOptions { ftype: FileType::MostlyF16, threads, progress: false })?;
    }
    let input_mb = std::fs::metadata(&input)?.len() as f64 / 1e6;
    println!("quantize {ty}: input {} ({input_mb:.0} MB, f16), {threads} threads, {runs} runs each, alternating", input.display());

    let mut fg_runs = Vec::new();
    let mut llama_runs = Vec::new();
    for _ in 0..runs {
        fg_runs.push(run_child("fg", &input, &work.join("fg.gguf"), &ty, threads)?);
        llama_runs.push(run_child("llama", &input, &work.join("llama.gguf"), &ty, threads)?);
    }
    let identical = std::fs::read(work.join("fg.gguf"))? == std::fs::read(work.join("llama.gguf"))?;

    let median = |v: &[(f64, f64)], f: fn(&(f64, f64)) -> f64| {
        let mut x: Vec<f64> = v.iter().map(f).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    let (fg_s, ll_s) = (median(&fg_runs, |r| r.0), median(&llama_runs, |r| r.0));
    let (fg_mb, ll_mb) = (median(&fg_runs, |r| r.1), median(&llama_runs, |r| r.1));
    let out_mb = std::fs::metadata(work.join("fg.gguf"))?.len() as f64 / 1e6;
    println!("{:<24} {:>10} {:>14}", "", "median s", "peak RSS MB");
    println!("{:<24} {fg_s:>10.2} {fg_mb:>14.0}", "fg quantize");
    println!("{:<24} {ll_s:>10.2} {ll_mb:>14.0}", "llama_model_quantize");
    println!("speed-up (llama.cpp time / fg time): {:.2}x", ll_s / fg_s);
    println!("peak memory: fg {fg_mb:.0} MB = {:.2} x output size ({out_mb:.0} MB); llama.cpp {ll_mb:.0} MB", fg_mb / out_mb);
    println!("outputs identical: {}", if identical { "yes" } else { "NO" });
    std::fs::remove_file(work.join("fg.gguf"))?;
    std::fs::remove_file(work.join("llama.gguf"))?;
    anyhow::ensure!(identical, "fg and llama.cpp wrote different files");
    Ok(())
}

/// Runs one quantization in a child process; returns (wall seconds, peak RSS in MB).
fn run_child(which: &str, input: &Path, output: &Path, ty: &str, threads: usize) -> anyhow::Result<(f64, f64)> {
    let start = Instant::now();
    let child = Command::new(std::env::current_exe()?).args(["--child", which, ty, &threads.to_string()]).arg(input).arg(output).spawn()?;
    let mut status = 0;
    // SAFETY: rusage is plain data filled in by the kernel for this child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let secs = start.elapsed().as_secs_f64();
    anyhow::ensure!(pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{which} quantization failed");
    Ok((secs, usage.ru_maxrss as f64 * 1024.0 / 1e6))
}

fn child(args: &[String]) -> anyhow::Result<()> {
    let [which, ty, threads, input, output] = args else { anyhow::bail!("usage: --child fg|llama TYPE THREADS IN OUT") };
    let ftype = FileType::from_cli_name(ty).ok_or_else(|| anyhow::anyhow!("unknown type {ty}"))?;
    let threads: usize = threads.parse()?;
    match which.as_str() {
        "fg" => quantize_file(Path::new(input), Path::new(output), &QuantizeOptions { ftype, threads, progress: false }).map(|_| ()),
        "llama" => fg::llama::oracle::llama_quantize(Path::new(input), Path::new(output), ftype, threads),
        _ => anyhow::bail!("unknown quantizer {which}"),
    }
}
