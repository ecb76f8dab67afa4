//! Gemma 3 on libtorch: configuration, base weights (GGUF or HF), the model and its LoRA layers.

pub mod config;
pub mod gemma3;
pub mod lora;
pub mod weights;

/// What a forward pass is for: training (LoRA dropout on, the working parameters tracked by
/// autograd) or inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Train,
    Infer,
}
