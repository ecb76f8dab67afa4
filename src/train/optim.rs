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

    /// The gradient accumulated since the last step (f32, laid out as the master values).
    pub fn grad(&self) -> &Tensor {
        &self.grad
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

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{nn, nn::OptimizerConfig, Device};

    /// Our step with `grad` as the gradient: the loss Σ p·grad has exactly that gradient.
    fn step_with(opt: &mut AdamW, params: &FlatParams, grad: &Tensor, lr: f64) {
        params.begin(Kind::Float, true);
        let loss = (params.view(0) * grad).sum(Kind::Float);
        opt.backward(params, &loss, false);
        opt.step(params, lr);
    }

    #[test]
    fn adamw_steps_as_libtorchs_adamw_does() {
        tch::manual_seed(9);
        let init = Tensor::randn([4, 3], (Kind::Float, Device::Cpu));
        let grads: Vec<Tensor> = (0..6).map(|_| Tensor::randn([4, 3], (Kind::Float, Device::Cpu))).collect();
        let lrs = [1e-2, 2e-2, 2e-2, 1e-2, 5e-3, 1e-3];
        for wd in [0.0, 0.1] {
            let params = FlatParams::new(vec![("p".into(), init.copy())], Device::Cpu);
            let mut ours = AdamW::new(&params, wd);
            let vs = nn::VarStore::new(Device::Cpu);
            let p = vs.root().var_copy("p", &init);
            let mut theirs = nn::AdamW { beta1: 0.9, beta2: 0.999, wd, eps: 1e-8, amsgrad: false }.build(&vs, lrs[0]).unwrap();
            for (g, &lr) in grads.iter().zip(&lrs) {
                step_with(&mut ours, &params, g, lr);
                theirs.set_lr(lr);
                theirs.zero_grad();
                (&p * g).sum(Kind::Float).backward();
                theirs.step();
            }
            let diff = (params.master_view(0) - &p).abs().max().double_value(&[]);
            assert!(diff < 1e-6, "weight decay {wd}: {diff} from libtorch's AdamW");
            assert!((params.master_view(0) - &init).abs().max().double_value(&[]) > 1e-3, "the parameters moved");
        }
    }

    #[test]
    fn adamw_matches_a_hand_computation() {
        // One scalar, two steps, weight decay 0.1, worked out in f64 from the update rule.
        let params = FlatParams::new(vec![("p".into(), Tensor::from_slice(&[1.0f32]))], Device::Cpu);
        let mut opt = AdamW::new(&params, 0.1);
        let (mut p, mut m, mut v) = (1.0f64, 0.0f64, 0.0f64);
        for (t, (g, lr)) in [(0.5f64, 0.1f64), (-0.25, 0.05)].into_iter().enumerate() {
            step_with(&mut opt, &params, &Tensor::from_slice(&[g as f32]), lr);
            let t = t as i32 + 1;
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            let update = (m / (1.0 - 0.9f64.powi(t))) / ((v / (1.0 - 0.999f64.powi(t))).sqrt() + 1e-8);
            p = p * (1.0 - lr * 0.1) - lr * update;
            let got = params.master_view(0).double_value(&[0]);
            assert!((got - p).abs() < 1e-6, "step {t}: {got} against {p}");
        }
        assert_eq!(opt.t, 2);
    }

    #[test]
    fn clipping_scales_the_gradient_to_the_limit_and_reports_the_norm_before() {
        let params = FlatParams::new(vec![("p".into(), Tensor::zeros([2], (Kind::Float, Device::Cpu)))], Device::Cpu);
        let mut opt = AdamW::new(&params, 0.0);
        params.begin(Kind::Float, true);
        opt.backward(&params, &(params.view(0) * Tensor::from_slice(&[3.0f32, 4.0])).sum(Kind::Float), false);
        assert_eq!(opt.clip_grad_norm(0.0), 5.0, "0: no limit");
        assert_eq!(Vec::<f32>::try_from(&opt.grad).unwrap(), [3.0, 4.0]);
        assert_eq!(opt.clip_grad_norm(10.0), 5.0);
        assert_eq!(Vec::<f32>::try_from(&opt.grad).unwrap(), [3.0, 4.0], "under the limit: unchanged");
        assert!((opt.clip_grad_norm(1.0) - 5.0).abs() < 1e-9);
        let g = Vec::<f32>::try_from(&opt.grad).unwrap();
        assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6, "{g:?}");
    }
}
