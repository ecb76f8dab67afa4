//! Every call into llama.cpp (through `llama-cpp-2` and `llama-cpp-sys-2`) lives under this module:
//! `engine` runs models (loading, LoRA adapters, prompt processing with a saved prefix state,
//! constrained sampling); `oracle` is llama.cpp as the reference the tests and benchmarks hold fg
//! to (the quantizer, ggml's row kernels, the tokenizer, the grammar engine, logits).
//!
//! Traps, documented once here:
//! - The backend may be initialised once per process: `backend()` keeps it in a `OnceLock`.
//! - llama.cpp logs to stderr by default; `backend()` silences it, and errors come back as values.
//! - `llama_model_quantize` returns non-zero on failure and prints its reason to the (silenced)
//!   log: callers get the input and output paths in the error instead.
//! - A `LlamaContext` borrows its model: keep the model alive (and first in a struct's drop order).
//! - Gemma 3's sliding-window layers keep only the last 512 positions unless `swa_full` is set;
//!   reusing a cached prefix after removing a conversation from the cache needs the full window.
//! - llama.cpp's grammar sampler over the whole 262k vocabulary costs about 25 ms a token: apply it
//!   to the one sampled candidate first (`allowed`), and to the whole vocabulary only on rejection.
//! - Accepting a token the grammar forbids throws in C++; `try_accept` catches it.
//! - Saving and restoring the whole context state (`llama_state_save_file`) gave different logits
//!   for Gemma 3 (up to 1.2 apart); the per-sequence state (`llama_state_seq_*`) restores them
//!   exactly, so the prefix cache uses that.

pub mod engine;
pub mod oracle;

pub use engine::{Engine, EngineConfig, Finish, Forcer, GenerateOptions, Generation, Sampling, Session, SessionStats};
pub use oracle::{Model, Vocab};

use llama_cpp_2::llama_backend::LlamaBackend;
use std::sync::OnceLock;

/// The process-wide llama.cpp backend, initialised on first use with logging off.
pub fn backend() -> &'static LlamaBackend {
    static BACKEND: OnceLock<LlamaBackend> = OnceLock::new();
    BACKEND.get_or_init(|| {
        llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default().with_logs_enabled(false));
        LlamaBackend::init().expect("llama.cpp backend initialises once, here")
    })
}
