//! AdamW over the model's flat parameter buffer, written out so its state can be saved and restored
//! exactly: decoupled weight decay, bias-corrected moments, global-norm gradient clipping. With
//! one flat buffer every step is a handful of kernels, whatever the number of LoRA matrices.

use super::params::FlatParams;
use anyhow::{Context, Result};
use tch::{Kind, Tensor};

pub struct AdamW {
    /// Gradient accumulated over a step's micro-batches (f32, like the master values).
    grad: Tensor,
    m: Tensor,
    v: Tensor,
    pub t: u64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
}

impl AdamW {
    pub fn new(params: &FlatParams, weight_decay: f64) -> AdamW {
        let z = || params.master.zeros_like();
        AdamW { grad: z(), m: z(), v: z(), t: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay }
    }

    /// Backpropagates `loss` into the accumulated gradient; `keep_graph` keeps the graph for
    /// another micro-batch that shares part of it (the prefix).
    pub fn backward(&mut self, params: &FlatParams, loss: &Tensor, keep_graph: bool) {
        let g = Tensor::run_backward(&[loss], &[params.work()], keep_graph, false).remove(0);
        if g.defined() {
            params.scale_grad(&g);
            tch::no_grad(|| {
                let _ = self.grad.g_add_(&g.to_kind(Kind::Float));
            });
        }
    }

    /// Scales the gradient so its norm is at most `max` (0: no limit); returns the norm before.
    pub fn clip_grad_norm(&mut self, max: f64) -> f64 {
        tch::no_grad(|| {
            let norm = self.grad.norm().double_value(&[]);
            if max > 0.0 && norm > max {
                let _ = self.grad.g_mul_scalar_(max / (norm + 1e-6));
            }
            norm
        })
    }

    pub fn zero_grad(&mut self) {
        tch::no_grad(|| {
            let _ = self.grad.zero_();
        });
    }

    pub fn step(&mut self, params: &FlatParams, lr: f64) {
        self.t += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let c1 = 1.0 - b1.powi(self.t as i32);
        let c2 = 1.0 - b2.powi(self.t as i32);
        tch::no_grad(|| {
            let p = params.master.shallow_clone();
            let _ = self.m.g_mul_scalar_(b1).g_add_(&(&self.grad * (1.0 - b1)));
            let _ = self.v.g_mul_scalar_(b2).g_add_(&(self.grad.square() * (1.0 - b2)));
            let update = (&self.m / c1) / ((&self.v / c2).sqrt() + self.eps);
            let mut p = p;
            if self.weight_decay > 0.0 {
                let _ = p.g_mul_scalar_(1.0 - lr * self.weight_decay);
            }
            let _ = p.g_sub_(&(update * lr));
        });
        self.zero_grad();
    }

    /// Moments and step for a checkpoint.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        vec![("adam.m".into(), self.m.to_device(tch::Device::Cpu)), ("adam.v".into(), self.v.to_device(tch::Device::Cpu))]
    }

    pub fn load_state(&mut self, tensors: &[(String, Tensor)], t: u64) -> Result<()> {
        let get = |k: &str| tensors.iter().find(|(n, _)| n == k).map(|(_, t)| t).with_context(|| format!("checkpoint lacks {k}"));
        let dev = self.m.device();
        self.m = get("adam.m")?.to_device(dev);
        self.v = get("adam.v")?.to_device(dev);
        self.t = t;
        Ok(())
    }
}
