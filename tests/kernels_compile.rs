//! fg's CUDA kernels (src/kernels.cu) compiled by NVRTC as fg compiles them at run time on a GPU
//! machine (src/torch_cuda.cpp): for the GPUs fg trains on and the sizes of the Gemma 3 models, every
//! entry point the shim looks up is in the compiled code, and no kernel spills registers. NVRTC needs
//! no GPU; scripts/setup.sh fetches it into libtorch/nvrtc (FG_NVRTC names another libnvrtc.so.13).
//! Whether the kernels compute the right thing is checked on a GPU: `cargo bench --bench train --
//! --check` compares each with the libtorch ops it replaces.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::PathBuf;
use std::sync::OnceLock;

type Program = *mut c_void;

type Create = unsafe extern "C" fn(*mut Program, *const c_char, *const c_char, c_int, *const *const c_char, *const *const c_char) -> c_int;
type Compile = unsafe extern "C" fn(Program, c_int, *const *const c_char) -> c_int;
type Size = unsafe extern "C" fn(Program, *mut usize) -> c_int;
type Fill = unsafe extern "C" fn(Program, *mut c_char) -> c_int;
type Destroy = unsafe extern "C" fn(*mut Program) -> c_int;

struct Nvrtc {
    create: Create,
    compile: Compile,
    log_size: Size,
    log: Fill,
    cubin_size: Size,
    cubin: Fill,
    destroy: Destroy,
}

/// What the shim looks up in the compiled module (kernels::module in src/torch_cuda.cpp).
const ENTRY_POINTS: [&str; 7] = ["qkv_prep_fwd", "qkv_prep_bwd", "geglu_fwd", "geglu_bwd", "xent_rows", "junction_fwd", "junction_bwd"];

fn library() -> PathBuf {
    std::env::var_os("FG_NVRTC").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("libtorch/nvrtc/libnvrtc.so.13"))
}

fn nvrtc() -> &'static Nvrtc {
    static N: OnceLock<Nvrtc> = OnceLock::new();
    N.get_or_init(|| {
        let lib = library();
        assert!(lib.exists(), "{} is missing: run scripts/setup.sh (it fetches NVRTC for this test)", lib.display());
        // SAFETY: dlopen/dlsym with NUL-terminated names; the libraries stay loaded for the process,
        // and each symbol is NVRTC's documented C function of the signature it is given.
        unsafe {
            // NVRTC opens its builtins by name alone: load the one beside it first, as the shim does.
            let builtins = CString::new(lib.with_file_name("libnvrtc-builtins.so.13.0").display().to_string()).unwrap();
            libc::dlopen(builtins.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL);
            let path = CString::new(lib.display().to_string()).unwrap();
            let h = libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
            assert!(!h.is_null(), "dlopen {}: {}", lib.display(), CStr::from_ptr(libc::dlerror()).to_string_lossy());
            let sym = |name: &CStr| {
                let p = libc::dlsym(h, name.as_ptr());
                assert!(!p.is_null(), "NVRTC lacks {}", name.to_string_lossy());
                p
            };
            Nvrtc {
                create: std::mem::transmute::<*mut c_void, Create>(sym(c"nvrtcCreateProgram")),
                compile: std::mem::transmute::<*mut c_void, Compile>(sym(c"nvrtcCompileProgram")),
                log_size: std::mem::transmute::<*mut c_void, Size>(sym(c"nvrtcGetProgramLogSize")),
                log: std::mem::transmute::<*mut c_void, Fill>(sym(c"nvrtcGetProgramLog")),
                cubin_size: std::mem::transmute::<*mut c_void, Size>(sym(c"nvrtcGetCUBINSize")),
                cubin: std::mem::transmute::<*mut c_void, Fill>(sym(c"nvrtcGetCUBIN")),
                destroy: std::mem::transmute::<*mut c_void, Destroy>(sym(c"nvrtcDestroyProgram")),
            }
        }
    })
}

/// Compiles `source` with the shim's options (and ptxas's report): the cubin, or the log.
fn compile(source: &str, arch: &str, head_dim: i64, hidden: i64) -> Result<(Vec<u8>, String), String> {
    let n = nvrtc();
    let src = CString::new(source).unwrap();
    let options: Vec<CString> = [format!("--gpu-architecture={arch}"), format!("-DHEAD_DIM={head_dim}"), format!("-DHIDDEN={hidden}"), "--std=c++17".into(), "-Xptxas=-v".into()]
        .into_iter()
        .map(|o| CString::new(o).unwrap())
        .collect();
    let pointers: Vec<*const c_char> = options.iter().map(|o| o.as_ptr()).collect();
    let mut prog: Program = std::ptr::null_mut();
    // SAFETY: NVRTC's C API on a program this function creates and destroys; every buffer is sized
    // from NVRTC's own answer.
    unsafe {
        assert_eq!((n.create)(&mut prog, src.as_ptr(), c"kernels.cu".as_ptr(), 0, std::ptr::null(), std::ptr::null()), 0);
        let compiled = (n.compile)(prog, pointers.len() as c_int, pointers.as_ptr());
        let mut size = 0usize;
        (n.log_size)(prog, &mut size);
        let mut log = vec![0u8; size.max(1)];
        (n.log)(prog, log.as_mut_ptr().cast());
        let log = String::from_utf8_lossy(&log).trim_end_matches('\0').to_string();
        let out = if compiled == 0 {
            (n.cubin_size)(prog, &mut size);
            let mut cubin = vec![0u8; size];
            (n.cubin)(prog, cubin.as_mut_ptr().cast());
            Ok((cubin, log))
        } else {
            Err(log)
        };
        (n.destroy)(&mut prog);
        out
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn the_kernels_compile_for_hopper_and_ampere_at_every_gemma3_size_without_spills() {
    let source = include_str!("../src/kernels.cu");
    // (head_dim, hidden): Gemma 3 270M (fg's base), 1B, 4B.
    for arch in ["sm_90", "sm_80"] {
        for (head_dim, hidden) in [(256, 640), (256, 1152), (256, 2560)] {
            let (cubin, log) = compile(source, arch, head_dim, hidden).unwrap_or_else(|log| panic!("src/kernels.cu does not compile for {arch}, head_dim {head_dim}, hidden {hidden}:\n{log}"));
            for entry in ENTRY_POINTS {
                assert!(contains(&cubin, entry), "{entry} missing from the {arch} cubin");
            }
            let spills: Vec<&str> = log.lines().filter(|l| l.contains("spill") && !l.contains(" 0 bytes spill stores, 0 bytes spill loads")).collect();
            assert!(spills.is_empty(), "{arch}, head_dim {head_dim}, hidden {hidden}: registers spill:\n{}", spills.join("\n"));
            assert_eq!(log.matches("Compiling entry function").count(), ENTRY_POINTS.len(), "{arch}: ptxas compiled another set of kernels:\n{log}");
        }
    }
}

#[test]
fn a_kernel_that_does_not_compile_is_reported_with_nvrtc_s_log() {
    let broken = include_str!("../src/kernels.cu").replace("const float r = rsqrtf(", "const float r = rsqrtf_missing(");
    let log = compile(&broken, "sm_90", 256, 640).expect_err("a call to an undefined function compiled");
    assert!(log.contains("rsqrtf_missing"), "the log does not name the problem:\n{log}");
}
