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

/// The libtorch device for a `--device auto|cuda|cpu` choice.
pub fn select(choice: &str) -> anyhow::Result<tch::Device> {
    match choice {
        "cpu" => Ok(tch::Device::Cpu),
        "cuda" => {
            if cuda_available() {
                Ok(tch::Device::Cuda(0))
            } else {
                anyhow::bail!("CUDA was asked for but is not usable: {}", cuda_load_error().unwrap_or_default())
            }
        }
        "auto" => Ok(if cuda_available() { tch::Device::Cuda(0) } else { tch::Device::Cpu }),
        other => anyhow::bail!("unknown device {other:?}: choose auto, cuda or cpu"),
    }
}
