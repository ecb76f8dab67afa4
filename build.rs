//! Bakes run-time library paths into `fg` and its tests so they run without LD_LIBRARY_PATH:
//! the project's libtorch (from torch-sys's `DEP_TCH_LIBTORCH_LIB`) and the GPU machine's torch.

/// The GPU machine's torch 2.11.0 (see the training notes in the README).
const GPU_MACHINE_TORCH_LIB: &str = "/opt/torch/.venv/lib/python3.12/site-packages/torch/lib";

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
    println!("cargo:rustc-link-arg=-Wl,-rpath,{GPU_MACHINE_TORCH_LIB}");
}
