//! Bakes run-time library paths into `fg` and its tests so they run without LD_LIBRARY_PATH:
//! the project's libtorch (from torch-sys's `DEP_TCH_LIBTORCH_LIB`) and the GPU machine's torch.
//! Also builds the CUDA shim (src/torch_cuda.cpp) into a shared object that fg embeds
//! and loads only on CUDA machines (see src/torch_cuda.rs); where libtorch's or CUDA's headers are
//! missing, fg is built without it and trains without them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The GPU machine's torch 2.11.0 (see the training notes in the README).
const GPU_MACHINE_TORCH_LIB: &str = "/opt/torch/.venv/lib/python3.12/site-packages/torch/lib";

fn main() {
    embed_corpus();
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    println!("cargo::rustc-check-cfg=cfg(fg_torch_cuda)");
    let libtorch_lib = std::env::var("DEP_TCH_LIBTORCH_LIB").ok().map(PathBuf::from);
    if let Some(lib) = &libtorch_lib {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
    println!("cargo:rustc-link-arg=-Wl,-rpath,{GPU_MACHINE_TORCH_LIB}");
    match libtorch_lib.as_deref().map(build_cuda_shim) {
        Some(Ok(())) => println!("cargo:rustc-cfg=fg_torch_cuda"),
        Some(Err(why)) => println!("cargo:warning=fg is built without its CUDA shim (no CUDA graphs or flash attention): {why}"),
        None => println!("cargo:warning=fg is built without its CUDA shim (no CUDA graphs or flash attention): torch-sys gave no libtorch path"),
    }
}

/// Writes $OUT_DIR/corpus_files.rs: every data/corpus/*.jsonl (name order) as (file name, text),
/// so that an installed fg builds the same dataset without the source tree.
fn embed_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/corpus");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "jsonl")).collect()).unwrap_or_default();
    files.sort();
    let mut out = String::from("/// The natural corpus as shipped (data/corpus/*.jsonl): (file name, text).\npub const FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        out.push_str(&format!("    ({:?}, include_str!({:?})),\n", f.file_name().unwrap().to_string_lossy(), f.display().to_string()));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("corpus_files.rs");
    std::fs::write(dest, out).unwrap();
}

/// Compiles src/torch_cuda.cpp into $OUT_DIR/libfg_torch_cuda.so against libtorch's headers
/// and CUDA's (libtorch/cuda-include from scripts/setup.sh, or $FG_CUDA_INCLUDE, or /usr/local/cuda).
/// Its libtorch symbols stay undefined: they resolve against the libtorch_cuda.so fg loads first.
fn build_cuda_shim(libtorch_lib: &Path) -> Result<(), String> {
    let src = "src/torch_cuda.cpp";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-env-changed=FG_CUDA_INCLUDE");
    println!("cargo:rerun-if-env-changed=CXX");
    let root = libtorch_lib.parent().ok_or("libtorch path has no parent")?;
    println!("cargo:rerun-if-changed={}", root.join("cuda-include").display());
    let include = root.join("include");
    if !include.join("ATen/cuda/CUDAGraph.h").exists() {
        return Err(format!("{} lacks ATen/cuda/CUDAGraph.h", include.display()));
    }
    let cuda = [std::env::var("FG_CUDA_INCLUDE").ok().map(PathBuf::from), Some(root.join("cuda-include")), Some("/usr/local/cuda/include".into())]
        .into_iter()
        .flatten()
        .find(|d| d.join("cuda_runtime_api.h").exists() && d.join("crt/host_config.h").exists())
        .ok_or("no CUDA runtime headers (run scripts/setup.sh, or set FG_CUDA_INCLUDE)")?;
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?).join("libfg_torch_cuda.so");
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    let status = Command::new(&cxx)
        .args(["-std=c++17", "-O2", "-fPIC", "-shared", "-D_GLIBCXX_USE_CXX11_ABI=1", "-w"])
        .arg(format!("-I{}", include.display()))
        .arg(format!("-I{}", include.join("torch/csrc/api/include").display()))
        .arg(format!("-I{}", cuda.display()))
        .arg(src)
        .arg("-o")
        .arg(&out)
        .status()
        .map_err(|e| format!("could not run {cxx}: {e}"))?;
    if !status.success() {
        return Err(format!("{cxx} failed on {src}"));
    }
    Ok(())
}
