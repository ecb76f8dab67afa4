//! Gemma 3 on libtorch: configuration, base weights (GGUF or HF), the model and its LoRA layers.

pub mod config;
pub mod gemma3;
pub mod lora;
pub mod weights;
