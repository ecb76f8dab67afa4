//! All trainable tensors in one flat f32 buffer, the optimizer's master copy, which the model's
//! LoRA layers read through views of a working copy in the model's precision.

use std::cell::RefCell;
use tch::{Device, Kind, Tensor};

/// All trainable tensors in one flat f32 buffer (the optimizer's master copy), laid out by name.
/// Each step works on one copy of it in the model's precision, whose views the layers read, so the
/// optimizer, the gradient norm and the precision cast are a handful of kernels, not hundreds.
///
/// Tensors may carry a constant factor (a LoRA's B its alpha/rank): the working copy holds the
/// scaled values, so a layer's update is one fused multiply-add, and `scale_grad` turns the
/// gradient back into one for the master values.
pub struct FlatParams {
    pub master: Tensor,
    pub layout: Vec<(String, i64, Vec<i64>)>,
    /// (offset, length, factor) of the regions whose working values are scaled.
    scaled: Vec<(i64, i64, f64)>,
    work: RefCell<Tensor>,
    /// The working copy cut into its tensors by one split: in the backward pass that is one node
    /// that assembles the flat gradient, where a view per tensor would be one full-size
    /// zero-filled gradient per tensor, summed.
    parts: RefCell<Vec<Tensor>>,
}

impl FlatParams {
    /// Lays out tensors (by name, each with its factor) and copies their initial values.
    pub fn new(named: Vec<(String, Tensor)>, device: Device) -> FlatParams {
        Self::with_factors(named.into_iter().map(|(n, t)| (n, t, 1.0)).collect(), device)
    }

    pub fn with_factors(named: Vec<(String, Tensor, f64)>, device: Device) -> FlatParams {
        let mut layout = Vec::new();
        let mut scaled: Vec<(i64, i64, f64)> = Vec::new();
        let mut off = 0;
        for (n, t, f) in &named {
            let len = t.numel() as i64;
            layout.push((n.clone(), off, t.size()));
            if *f != 1.0 {
                match scaled.last_mut() {
                    Some(last) if last.0 + last.1 == off && last.2 == *f => last.1 += len,
                    _ => scaled.push((off, len, *f)),
                }
            }
            off += len;
        }
        let named: Vec<(String, Tensor)> = named.into_iter().map(|(n, t, _)| (n, t)).collect();
        let master = if named.is_empty() {
            Tensor::zeros([0], (Kind::Float, device))
        } else {
            Tensor::cat(&named.iter().map(|(_, t)| t.to_kind(Kind::Float).to_device(device).flatten(0, -1)).collect::<Vec<_>>(), 0)
        };
        let p = FlatParams { work: RefCell::new(master.shallow_clone()), parts: RefCell::new(Vec::new()), master, layout, scaled };
        p.cut();
        p
    }

    /// Starts a step: a fresh working copy in `kind` (scaled regions scaled), tracked by autograd
    /// when `train`.
    pub fn begin(&self, kind: Kind, train: bool) {
        let w = tch::no_grad(|| {
            let w = self.master.to_kind(kind).copy();
            for &(off, len, f) in &self.scaled {
                let _ = w.narrow(0, off, len).g_mul_scalar_(f);
            }
            w
        });
        *self.work.borrow_mut() = if train { w.set_requires_grad(true) } else { w };
        self.cut();
    }

    fn cut(&self) {
        let sizes: Vec<i64> = self.layout.iter().map(|(_, _, s)| s.iter().product()).collect();
        let work = self.work.borrow();
        let parts = if sizes.is_empty() { Vec::new() } else { work.split_with_sizes(sizes.as_slice(), 0) };
        *self.parts.borrow_mut() = parts.into_iter().zip(&self.layout).map(|(t, (_, _, s))| t.view(s.as_slice())).collect();
    }

    /// A gradient with respect to the working copy, made one with respect to the master values.
    pub fn scale_grad(&self, g: &Tensor) {
        tch::no_grad(|| {
            for &(off, len, f) in &self.scaled {
                let _ = g.narrow(0, off, len).g_mul_scalar_(f);
            }
        });
    }

    pub fn work(&self) -> Tensor {
        self.work.borrow().shallow_clone()
    }

    /// The working view of tensor `i`.
    pub fn view(&self, i: usize) -> Tensor {
        self.parts.borrow()[i].shallow_clone()
    }

    /// The master (f32) value of tensor `i`.
    pub fn master_view(&self, i: usize) -> Tensor {
        let (_, off, shape) = &self.layout[i];
        let n: i64 = shape.iter().product();
        self.master.narrow(0, *off, n).view(shape.as_slice())
    }

    /// The working values of tensors `first .. first + count`, which share their trailing shape,
    /// stacked along the first dimension ([Σ rows, cols]).
    pub fn span(&self, first: usize, count: usize) -> Tensor {
        Tensor::cat(&self.parts.borrow()[first..first + count], 0)
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        self.layout.iter().position(|(n, _, _)| n == name)
    }

    /// Every tensor by name, f32 (for checkpoints and adapters).
    pub fn named(&self) -> Vec<(String, Tensor)> {
        (0..self.layout.len()).map(|i| (self.layout[i].0.clone(), self.master_view(i))).collect()
    }
}
