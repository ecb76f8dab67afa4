//! Compute devices: the one module that decides between CUDA and CPU for libtorch.
//!
//! Trap (see the README's GPU notes): rustc links with `--as-needed`, so `libtorch_cuda.so` is
//! dropped from `fg`'s dependencies (no symbol of it is used directly) and CUDA never registers
//! with libtorch. `cuda()` therefore loads it at run time with `RTLD_NOW | RTLD_GLOBAL` before
//! asking libtorch; the binary itself stays loadable on machines without CUDA.
//! Free GPU memory is read with cudarc's driver API, loaded dynamically for the same reason.

use std::sync::OnceLock;

/// Loads libtorch's CUDA part once; true when libtorch then reports a usable GPU.
pub fn cuda_available() -> bool {
    static CUDA: OnceLock<bool> = OnceLock::new();
    *CUDA.get_or_init(|| {
        // The binary's RUNPATH (build.rs) is searched for this bare name.
        let name = c"libtorch_cuda.so";
        // SAFETY: dlopen with a NUL-terminated name; the handle is kept for the process lifetime.
        let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
        !handle.is_null() && tch::Cuda::is_available()
    })
}

/// Why CUDA could not be loaded, for messages (dlerror after a failed load).
pub fn cuda_load_error() -> Option<String> {
    if cuda_available() {
        return None;
    }
    // SAFETY: dlopen/dlerror with a static name; the message is copied at once.
    unsafe {
        let h = libc::dlopen(c"libtorch_cuda.so".as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL);
        if h.is_null() {
            let e = libc::dlerror();
            if !e.is_null() {
                return Some(std::ffi::CStr::from_ptr(e).to_string_lossy().into_owned());
            }
        }
    }
    Some("libtorch_cuda.so loaded, but libtorch sees no CUDA device".into())
}

/// One GPU as the CUDA driver reports it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Gpu {
    pub index: usize,
    pub name: String,
    pub total_bytes: usize,
    pub free_bytes: usize,
}

/// The GPUs the CUDA driver sees (empty when there is no driver).
pub fn gpus() -> Vec<Gpu> {
    // SAFETY: only checks whether libcuda can be loaded; cudarc panics on use without it.
    if !unsafe { cudarc::driver::sys::is_culib_present() } {
        return Vec::new();
    }
    let Ok(n) = cudarc::driver::CudaContext::device_count() else { return Vec::new() };
    (0..n.max(0) as usize)
        .filter_map(|i| {
            let ctx = cudarc::driver::CudaContext::new(i).ok()?;
            let (free_bytes, total_bytes) = ctx.mem_get_info().ok()?;
            Some(Gpu { index: i, name: ctx.name().unwrap_or_default(), total_bytes, free_bytes })
        })
        .collect()
}

/// Where to compute, as `--device` names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// CUDA when libtorch can use it, else the CPU.
    #[default]
    Auto,
    Cuda,
    Cpu,
}

/// The libtorch device for a choice.
pub fn select(choice: DeviceChoice) -> anyhow::Result<tch::Device> {
    match choice {
        DeviceChoice::Cpu => Ok(tch::Device::Cpu),
        DeviceChoice::Cuda => {
            if cuda_available() {
                Ok(tch::Device::Cuda(0))
            } else {
                anyhow::bail!("CUDA was asked for but is not usable: {}", cuda_load_error().unwrap_or_default())
            }
        }
        DeviceChoice::Auto => Ok(if cuda_available() { tch::Device::Cuda(0) } else { tch::Device::Cpu }),
    }
}

/// The micro-batch that fits `device`: from the GPU's free memory (cudarc), small on the CPU.
pub fn default_micro_batch(device: tch::Device) -> usize {
    match (device.is_cuda(), gpus().first()) {
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
