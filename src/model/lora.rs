//! LoRA as a small layer that says what is frozen: the base weight W [out, in] never changes;
//! A [rank, in] starts random (PEFT's Kaiming-uniform bound 1/sqrt(in)), B [out, rank] starts at
//! zero, so training starts from the base exactly; the update is scale · B·A with
//! scale = alpha / rank, on dropout of the input. `merge()` folds it into W for export.

use tch::{Device, Kind, Tensor};

/// The projections LoRA can adapt, by GGUF name.
pub const TARGETS: [&str; 7] = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"];

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoraConfig {
    pub rank: i64,
    pub alpha: f64,
    pub dropout: f64,
    pub targets: Vec<String>,
}

impl LoraConfig {
    pub fn scale(&self) -> f64 {
        self.alpha / self.rank as f64
    }
}

pub struct Lora {
    /// [rank, in], f32, trainable.
    pub a: Tensor,
    /// [out, rank], f32, trainable.
    pub b: Tensor,
    pub scale: f64,
    pub dropout: f64,
}

impl Lora {
    pub fn new(input: i64, output: i64, cfg: &LoraConfig, device: Device) -> Lora {
        let bound = 1.0 / (input as f64).sqrt();
        let a = (Tensor::rand([cfg.rank, input], (Kind::Float, device)) * (2.0 * bound) - bound).set_requires_grad(true);
        let b = Tensor::zeros([output, cfg.rank], (Kind::Float, device)).set_requires_grad(true);
        Lora { a, b, scale: cfg.scale(), dropout: cfg.dropout }
    }

    /// scale · (dropout(x) Aᵀ) Bᵀ, in x's precision.
    pub fn delta(&self, x: &Tensor, train: bool) -> Tensor {
        let kind = x.kind();
        let x = if train && self.dropout > 0.0 { x.dropout(self.dropout, true) } else { x.shallow_clone() };
        x.matmul(&self.a.to_kind(kind).tr()).matmul(&self.b.to_kind(kind).tr()) * self.scale
    }

    /// The update as a matrix, scale · B·A [out, in] (f32).
    pub fn merged(&self) -> Tensor {
        tch::no_grad(|| self.b.matmul(&self.a) * self.scale)
    }
}

/// A frozen linear layer with an optional LoRA.
pub struct Linear {
    /// [out, in], in the model's precision, never trained.
    pub w: Tensor,
    pub lora: Option<Lora>,
}

impl Linear {
    pub fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        let y = x.matmul(&self.w.tr());
        match &self.lora {
            Some(l) => y + l.delta(x, train),
            None => y,
        }
    }

    /// W + scale · B·A, in f32.
    pub fn merge(&self) -> Tensor {
        let w = self.w.to_kind(Kind::Float);
        match &self.lora {
            Some(l) => w + l.merged().to_device(self.w.device()),
            None => w,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_the_base_and_merges_exactly() {
        tch::manual_seed(1);
        let cfg = LoraConfig { rank: 4, alpha: 8.0, dropout: 0.0, targets: vec![] };
        let w = Tensor::randn([6, 5], (Kind::Float, Device::Cpu));
        let lin = Linear { w: w.shallow_clone(), lora: Some(Lora::new(5, 6, &cfg, Device::Cpu)) };
        let x = Tensor::randn([3, 5], (Kind::Float, Device::Cpu));
        let base = x.matmul(&w.tr());
        assert!(lin.forward(&x, false).allclose(&base, 1e-6, 1e-6, false), "B = 0: the LoRA starts as the identity on the base");
        // After an update to B, forward equals x · merge()ᵀ.
        tch::no_grad(|| {
            let _ = lin.lora.as_ref().unwrap().b.shallow_clone().copy_(&Tensor::randn([6, 4], (Kind::Float, Device::Cpu)));
        });
        let merged = x.matmul(&lin.merge().tr());
        assert!(lin.forward(&x, false).allclose(&merged, 1e-5, 1e-5, false));
        assert!(!lin.forward(&x, false).allclose(&base, 1e-3, 1e-3, false));
        assert!((lin.lora.as_ref().unwrap().scale - 2.0).abs() < 1e-12);
    }
}
