//! libtorch's CUDA parts that tch lacks, through a small C++ shim (src/torch_cuda.cpp): CUDA
//! graphs, so that a training step's ~2,000 kernels are captured once and replayed with one launch
//! (the step then costs what the GPU needs, not what eager dispatch needs); flash attention with a
//! sliding window and grouped keys; the kineto profiler; fg's fused kernels (src/kernels.cu, compiled
//! at run time by NVRTC for the GPU in use) as differentiable ops.
//!
//! build.rs compiles the shim into a shared object that is embedded here and loaded from memory on
//! first use, after libtorch_cuda.so (whose symbols it uses): fg never links CUDA itself, and a
//! build without CUDA's headers simply lacks these (`available()` says why).
//!
//! Graph traps:
//! - Capture runs on a side stream (the legacy default stream cannot be captured); `capture`
//!   enters it, runs the work once uncaptured (cuBLAS and cuDNN set up their per-stream state
//!   and plans), then captures it.
//! - What the work reads must live at fixed addresses: inputs are copied into tensors made before
//!   capture, never replaced; what it returns is rewritten in place by every replay.
//! - Graphs that share a pool (`Pool`) may reuse each other's scratch memory: read a graph's
//!   outputs after its replay, before another graph's.
//! - No host synchronisation inside the work (no `.double_value`, no data-dependent shapes).

use anyhow::{bail, Context, Result};
use std::ffi::{c_char, c_void, CStr};
use std::sync::OnceLock;
use tch::Tensor;
use torch_sys::C_tensor;

#[cfg(fg_torch_cuda)]
static SHIM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libfg_torch_cuda.so"));
#[cfg(not(fg_torch_cuda))]
static SHIM: &[u8] = &[];

type Err = *mut c_char;

/// The shim's functions (see torch_cuda.cpp for what each does).
struct Api {
    new: unsafe extern "C" fn(*mut *mut c_void) -> Err,
    delete: unsafe extern "C" fn(*mut c_void),
    free_error: unsafe extern "C" fn(Err),
    enter: unsafe extern "C" fn(*mut c_void) -> Err,
    leave: unsafe extern "C" fn(*mut c_void) -> Err,
    capture_begin: unsafe extern "C" fn(*mut c_void, u64, u64) -> Err,
    capture_end: unsafe extern "C" fn(*mut c_void) -> Err,
    replay: unsafe extern "C" fn(*mut c_void) -> Err,
    pool: unsafe extern "C" fn(*mut u64, *mut u64) -> Err,
    empty_cache: unsafe extern "C" fn() -> Err,
    memory_peak: unsafe extern "C" fn(i32, *mut u64, *mut u64) -> Err,
    flash_attention: unsafe extern "C" fn(*mut C_tensor, *mut C_tensor, *mut C_tensor, f64, i64, *mut *mut C_tensor) -> Err,
    profile_begin: unsafe extern "C" fn() -> Err,
    profile_end: unsafe extern "C" fn(*const c_char) -> Err,
    kernels_init: unsafe extern "C" fn(*const c_char, i64, i64) -> Err,
    junction: JunctionFn,
    qkv_prep: QkvPrepFn,
    geglu: unsafe extern "C" fn(*mut C_tensor, *mut *mut C_tensor) -> Err,
    cross_entropy_rows: unsafe extern "C" fn(*mut C_tensor, *mut C_tensor, *mut *mut C_tensor) -> Err,
}

type JunctionFn = unsafe extern "C" fn(*mut C_tensor, *mut C_tensor, *mut C_tensor, *mut C_tensor, f64, *mut *mut C_tensor, *mut *mut C_tensor) -> Err;
type QkvPrepFn = unsafe extern "C" fn(*mut C_tensor, *mut C_tensor, *mut C_tensor, *mut C_tensor, *mut C_tensor, i64, i64, i64, f64, *mut *mut C_tensor, *mut *mut C_tensor, *mut *mut C_tensor) -> Err;

/// Loads the embedded shim once (CUDA must be usable: libtorch_cuda.so goes first).
fn api() -> Result<&'static Api> {
    static API: OnceLock<Result<Api, String>> = OnceLock::new();
    API.get_or_init(|| load().map_err(|e| format!("{e:#}"))).as_ref().map_err(|e| anyhow::anyhow!("fg's CUDA shim (graphs, flash attention) is unavailable: {e}"))
}

fn load() -> Result<Api> {
    if SHIM.is_empty() {
        bail!("fg was built without it (libtorch's or CUDA's headers were missing at build time: run scripts/setup.sh, then rebuild)");
    }
    if !crate::device::cuda_available() {
        bail!("CUDA is not usable");
    }
    // SAFETY: memfd_create/write/dlopen/dlsym on a descriptor and names we own; the library and
    // its descriptor stay open for the process lifetime, so the symbols stay valid.
    unsafe {
        let fd = libc::memfd_create(c"fg_torch_cuda".as_ptr(), 0);
        if fd < 0 {
            bail!("memfd_create: {}", std::io::Error::last_os_error());
        }
        let mut done = 0;
        while done < SHIM.len() {
            let n = libc::write(fd, SHIM[done..].as_ptr().cast(), SHIM.len() - done);
            if n <= 0 {
                bail!("writing the shim: {}", std::io::Error::last_os_error());
            }
            done += n as usize;
        }
        let path = std::ffi::CString::new(format!("/proc/self/fd/{fd}"))?;
        let lib = libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
        if lib.is_null() {
            bail!("dlopen: {}", CStr::from_ptr(libc::dlerror()).to_string_lossy());
        }
        let sym = |name: &CStr| -> Result<*mut c_void> {
            let p = libc::dlsym(lib, name.as_ptr());
            if p.is_null() {
                bail!("the shim lacks {}", name.to_string_lossy());
            }
            Ok(p)
        };
        Ok(Api {
            new: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut *mut c_void) -> Err>(sym(c"fg_graph_new")?),
            delete: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut c_void)>(sym(c"fg_graph_delete")?),
            free_error: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(Err)>(sym(c"fg_graph_free_error")?),
            enter: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut c_void) -> Err>(sym(c"fg_graph_enter")?),
            leave: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut c_void) -> Err>(sym(c"fg_graph_leave")?),
            capture_begin: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut c_void, u64, u64) -> Err>(sym(c"fg_graph_capture_begin")?),
            capture_end: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut c_void) -> Err>(sym(c"fg_graph_capture_end")?),
            replay: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut c_void) -> Err>(sym(c"fg_graph_replay")?),
            pool: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut u64, *mut u64) -> Err>(sym(c"fg_graph_pool")?),
            empty_cache: std::mem::transmute::<*mut c_void, unsafe extern "C" fn() -> Err>(sym(c"fg_graph_empty_cache")?),
            memory_peak: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(i32, *mut u64, *mut u64) -> Err>(sym(c"fg_memory_peak")?),
            flash_attention: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut C_tensor, *mut C_tensor, *mut C_tensor, f64, i64, *mut *mut C_tensor) -> Err>(sym(c"fg_flash_attention")?),
            profile_begin: std::mem::transmute::<*mut c_void, unsafe extern "C" fn() -> Err>(sym(c"fg_profile_begin")?),
            profile_end: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*const c_char) -> Err>(sym(c"fg_profile_end")?),
            kernels_init: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*const c_char, i64, i64) -> Err>(sym(c"fg_kernels_init")?),
            junction: std::mem::transmute::<*mut c_void, JunctionFn>(sym(c"fg_junction")?),
            qkv_prep: std::mem::transmute::<*mut c_void, QkvPrepFn>(sym(c"fg_qkv_prep")?),
            geglu: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut C_tensor, *mut *mut C_tensor) -> Err>(sym(c"fg_geglu")?),
            cross_entropy_rows: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(*mut C_tensor, *mut C_tensor, *mut *mut C_tensor) -> Err>(sym(c"fg_cross_entropy_rows")?),
        })
    }
}

/// Turns a shim error into a Result (and frees the message).
fn check(api: &Api, e: Err, what: &str) -> Result<()> {
    if e.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null error is a NUL-terminated malloc'ed string from the shim, freed once here.
    let msg = unsafe {
        let m = CStr::from_ptr(e).to_string_lossy().into_owned();
        (api.free_error)(e);
        m
    };
    bail!("{what}: {msg}")
}

/// Flash attention, differentiable: q [B, Tq, H, D], k and v [B, Tk, Hkv, D] (bf16 or f16, on the
/// GPU; Hkv divides H). Causal with the diagonal at the bottom right, so the keys may begin with a
/// prefix the queries all see; `window` > 0 limits each query to that many latest keys. Returns
/// [B, Tq, H, D].
pub fn flash_attention(q: &Tensor, k: &Tensor, v: &Tensor, scale: f64, window: i64) -> Result<Tensor> {
    let api = api()?;
    let mut out = std::ptr::null_mut();
    // SAFETY: the shim reads the three tensors (not taking them) and hands back a new tensor,
    // which from_ptr takes ownership of.
    unsafe {
        check(api, (api.flash_attention)(q.as_ptr() as *mut _, k.as_ptr() as *mut _, v.as_ptr() as *mut _, scale, window, &mut out), "flash attention")?;
        Ok(Tensor::from_ptr(out))
    }
}

/// fg's fused kernels, compiled for a model's `head_dim` and `hidden` size on this GPU (once; later
/// calls return the first answer): Ok when they can run, else why not (no NVRTC, a failed
/// compilation).
pub fn kernels(head_dim: i64, hidden: i64) -> Result<()> {
    static READY: OnceLock<Result<(i64, i64), String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        let run = || -> Result<(i64, i64)> {
            let api = api()?;
            let source = std::ffi::CString::new(include_str!("kernels.cu"))?;
            // SAFETY: a NUL-terminated source that outlives the call (the shim copies it).
            check(api, unsafe { (api.kernels_init)(source.as_ptr(), head_dim, hidden) }, "compiling src/kernels.cu")?;
            Ok((head_dim, hidden))
        };
        run().map_err(|e| format!("{e:#}"))
    });
    match ready {
        Ok(sizes) if *sizes == (head_dim, hidden) => Ok(()),
        Ok((d, h)) => bail!("the fused kernels were compiled for head_dim {d} and hidden size {h}, not {head_dim} and {hidden}"),
        Err(e) => bail!("fg's fused kernels are unavailable: {e}"),
    }
}

/// The fused q/k/v preparation, differentiable: `qkv` [B, T, (heads + 2·kv)·D] (bf16, the fused
/// projection's output) → q [B, T, heads, D] and k [B, T, kv, D] RMS-normed by `q_norm` / `k_norm`
/// (as stored) and rotated by NEOX RoPE from the f32 tables `cos`, `sin` ([positions, D], sin's
/// first half negated) at positions pos0.., and v [B, T, kv, D]. One kernel forward, one backward
/// (the gradient lands in one tensor shaped like `qkv`). Like every fused op here, it needs
/// `kernels` first (the shim says so otherwise).
#[allow(clippy::too_many_arguments)]
pub fn qkv_prep(qkv: &Tensor, q_norm: &Tensor, k_norm: &Tensor, cos: &Tensor, sin: &Tensor, pos0: i64, heads: i64, kv: i64, eps: f64) -> Result<(Tensor, Tensor, Tensor)> {
    let api = api()?;
    let (mut q, mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
    let t = |x: &Tensor| x.as_ptr() as *mut C_tensor;
    // SAFETY: the shim reads the five tensors (not taking them) and hands back three new ones,
    // which from_ptr takes ownership of.
    unsafe {
        check(api, (api.qkv_prep)(t(qkv), t(q_norm), t(k_norm), t(cos), t(sin), pos0, heads, kv, eps, &mut q, &mut k, &mut v), "fused q/k/v preparation")?;
        Ok((Tensor::from_ptr(q), Tensor::from_ptr(k), Tensor::from_ptr(v)))
    }
}

/// The fused GeGLU, differentiable: `gu` [.., 2·I] (bf16, gate then up, I a multiple of 4) →
/// gelu_tanh(gate) · up [.., I]. One kernel forward, one backward.
pub fn geglu(gu: &Tensor) -> Result<Tensor> {
    let api = api()?;
    let mut out = std::ptr::null_mut();
    // SAFETY: the shim reads the tensor (not taking it) and hands back a new one, which from_ptr
    // takes ownership of.
    unsafe {
        check(api, (api.geglu)(gu.as_ptr() as *mut _, &mut out), "fused GeGLU")?;
        Ok(Tensor::from_ptr(out))
    }
}

/// Where an attention or MLP output `o` joins the residual stream `x` (both [.., hidden], bf16),
/// differentiable: y = x + RMSNorm(o)·`w_post` and, with `w_pre`, the next pre-norm
/// n = RMSNorm(y)·`w_pre` (norm weights as stored). One kernel forward, one backward (which also
/// sums the residual's two gradients).
pub fn junction(x: &Tensor, o: &Tensor, w_post: &Tensor, w_pre: Option<&Tensor>, eps: f64) -> Result<(Tensor, Option<Tensor>)> {
    let api = api()?;
    let (mut y, mut n) = (std::ptr::null_mut(), std::ptr::null_mut());
    let t = |x: &Tensor| x.as_ptr() as *mut C_tensor;
    // SAFETY: the shim reads the tensors (not taking them) and hands back one or two new ones,
    // which from_ptr takes ownership of; n stays null without w_pre.
    unsafe {
        check(api, (api.junction)(t(x), t(o), t(w_post), w_pre.map_or(std::ptr::null_mut(), t), eps, &mut y, &mut n), "fused residual junction")?;
        Ok((Tensor::from_ptr(y), (!n.is_null()).then(|| Tensor::from_ptr(n))))
    }
}

/// Each row's cross-entropy: `logits` [N, V] (bf16, contiguous, on the GPU, V a multiple of 4)
/// against `targets` [N] (i64; -100 or any id outside the vocabulary: no label, loss and gradient
/// zero) → the losses [N] (f32, logsumexp − the target's logit), and `logits` overwritten by the
/// gradient of their sum (softmax − one-hot), in bf16. Two passes over the logits, one kernel.
pub fn cross_entropy_rows(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
    let api = api()?;
    let mut out = std::ptr::null_mut();
    // SAFETY: the shim writes into `logits` in place (the caller's tensor, which this borrows for the
    // call) and hands back a new tensor, which from_ptr takes ownership of.
    unsafe {
        check(api, (api.cross_entropy_rows)(logits.as_ptr() as *mut _, targets.as_ptr() as *mut _, &mut out), "fused cross-entropy")?;
        Ok(Tensor::from_ptr(out))
    }
}

/// Starts the kineto profiler (CPU operators and CUDA kernels).
pub fn profile_begin() -> Result<()> {
    let api = api()?;
    // SAFETY: no arguments.
    check(api, unsafe { (api.profile_begin)() }, "starting the profiler")
}

/// Stops the profiler and writes a Chrome trace to `path`.
pub fn profile_end(path: &std::path::Path) -> Result<()> {
    let api = api()?;
    let c = std::ffi::CString::new(path.display().to_string())?;
    // SAFETY: a NUL-terminated path that outlives the call.
    check(api, unsafe { (api.profile_end)(c.as_ptr()) }, "writing the profile")
}

/// Whether this build and machine have the shim (and why not).
pub fn available() -> Result<()> {
    api().map(|_| ())
}

/// A memory pool that several graphs share, so that their scratch memory is counted once.
#[derive(Clone, Copy, Debug)]
pub struct Pool(u64, u64);

impl Pool {
    pub fn new() -> Result<Pool> {
        let api = api()?;
        let (mut a, mut b) = (0, 0);
        // SAFETY: two out-pointers to locals.
        check(api, unsafe { (api.pool)(&mut a, &mut b) }, "graph pool")?;
        Ok(Pool(a, b))
    }
}

/// Returns the caching allocator's unused blocks to the device (before a capture, so that the
/// graph's pool does not come on top of the eager steps' cache).
pub fn empty_cache() -> Result<()> {
    let api = api()?;
    // SAFETY: no arguments.
    check(api, unsafe { (api.empty_cache)() }, "emptying the CUDA cache")
}

/// The caching allocator's peak bytes allocated to tensors and reserved from the device since the
/// last reset (PyTorch's `max_memory_allocated` and `max_memory_reserved`); `reset` starts a new peak.
pub fn memory_peak(reset: bool) -> Result<(u64, u64)> {
    let api = api()?;
    let (mut allocated, mut reserved) = (0u64, 0u64);
    // SAFETY: two out-pointers to locals.
    check(api, unsafe { (api.memory_peak)(i32::from(reset), &mut allocated, &mut reserved) }, "reading the allocator's statistics")?;
    Ok((allocated, reserved))
}

/// One captured piece of work.
pub struct Graph {
    raw: *mut c_void,
    api: &'static Api,
}

impl Drop for Graph {
    fn drop(&mut self) {
        // SAFETY: `raw` came from fg_graph_new and is deleted once.
        unsafe { (self.api.delete)(self.raw) }
    }
}

impl Graph {
    /// Runs `work` once on the side stream (warm-up), then captures it; returns the graph and what
    /// the captured run returned (tensors that each replay rewrites). A panic inside `work` (a CUDA
    /// out-of-memory error) ends the capture and goes on unwinding.
    pub fn capture<R>(pool: Option<Pool>, mut work: impl FnMut() -> R) -> Result<(Graph, R)> {
        let api = api()?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: an out-pointer to a local.
        check(api, unsafe { (api.new)(&mut raw) }, "creating a CUDA graph")?;
        let graph = Graph { raw, api };
        // SAFETY (all calls below): `raw` is a live graph; enter/leave pair up on this thread.
        check(api, unsafe { (api.enter)(raw) }, "entering the capture stream")?;
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<R> {
            drop(work());
            check(api, unsafe { (api.empty_cache)() }, "emptying the CUDA cache")?;
            let Pool(a, b) = pool.unwrap_or(Pool(0, 0));
            check(api, unsafe { (api.capture_begin)(raw, a, b) }, "beginning capture")?;
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut work));
            let end = check(api, unsafe { (api.capture_end)(raw) }, "ending capture");
            let out = out.unwrap_or_else(|p| std::panic::resume_unwind(p));
            end.map(|_| out)
        }));
        let left = check(api, unsafe { (api.leave)(raw) }, "leaving the capture stream");
        let out = run.unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        left?;
        Ok((graph, out))
    }

    /// Runs the captured work again, on the current stream.
    pub fn replay(&self) -> Result<()> {
        // SAFETY: `raw` is a live, captured graph.
        check(self.api, unsafe { (self.api.replay)(self.raw) }, "replaying a CUDA graph").context("CUDA graph replay")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(fg_torch_cuda)]
    fn the_shim_is_embedded_as_a_shared_object() {
        assert!(SHIM.len() > 10_000 && SHIM.starts_with(b"\x7fELF"), "the embedded shim is not an ELF shared object");
    }

    #[test]
    fn without_cuda_the_shim_is_refused_with_a_reason() {
        if crate::device::cuda_available() {
            return;
        }
        let e = available().unwrap_err().to_string();
        assert!(e.contains("CUDA"), "unclear refusal: {e}");
        assert!(
            Pool::new().is_err()
                && flash_attention(
                    &Tensor::zeros([1], (tch::Kind::Float, tch::Device::Cpu)),
                    &Tensor::zeros([1], (tch::Kind::Float, tch::Device::Cpu)),
                    &Tensor::zeros([1], (tch::Kind::Float, tch::Device::Cpu)),
                    1.0,
                    0
                )
                .is_err()
        );
    }
}
