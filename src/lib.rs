//! fg: fine-tunes FunctionGemma (Gemma 3 270M) to call Delia's tools and ships it as a GGUF.
//! The binary is a thin layer over these modules; tests and benchmarks use them directly.

pub mod agent;
pub mod cli;
pub mod commands;
pub mod data;
pub mod device;
pub mod error;
pub mod eval;
pub mod export;
pub mod format;
pub mod fsx;
pub mod gguf;
pub mod grammar;
pub mod hash;
pub mod llama;
pub mod model;
pub mod names;
pub mod paths;
pub mod plot;
pub mod progress;
pub mod pull;
pub mod resolve;
pub mod rng;
pub mod serve;
pub mod tokenizer;
pub mod tools;
pub mod torch_cuda;
pub mod train;
