//! LoRA as a small layer that says what is frozen: the base weight W [out, in] never changes;
//! A [rank, in] starts random (PEFT's Kaiming-uniform bound 1/sqrt(in)), B [out, rank] starts at
//! zero, so training starts from the base exactly; the update is scale · B·A with
//! scale = alpha / rank, on dropout of the input. `merged` folds it into W
//! (what `fg export` writes).

use super::Mode;
use crate::train::params::FlatParams;
use tch::{Device, Kind, Tensor};

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoraConfig {
    pub rank: i64,
    pub alpha: f64,
    pub dropout: f64,
    pub targets: Vec<String>,
}

impl LoraConfig {
    /// LoRA on all seven projections of every layer.
    pub fn every_projection(rank: i64, alpha: f64, dropout: f64) -> LoraConfig {
        let targets = crate::names::Proj::ALL.iter().map(|p| p.gguf().to_string()).collect();
        LoraConfig { rank, alpha, dropout, targets }
    }

    pub fn scale(&self) -> f64 {
        self.alpha / self.rank as f64
    }
}

/// The initial A (PEFT's Kaiming-uniform bound 1/sqrt(in)) and B (zero) of a LoRA.
pub fn init_lora(input: i64, output: i64, rank: i64, device: Device) -> (Tensor, Tensor) {
    let bound = 1.0 / (input as f64).sqrt();
    (Tensor::rand([rank, input], (Kind::Float, device)) * (2.0 * bound) - bound, Tensor::zeros([output, rank], (Kind::Float, device)))
}

/// A projection's weight with its LoRA folded in: W + scale · B·A (W [out, in], A [rank, in],
/// B [out, rank]), the one merge `fg export` and the model share.
pub fn merged(w: &Tensor, a: &Tensor, b: &Tensor, scale: f64) -> Tensor {
    tch::no_grad(|| w + b.matmul(a) * scale)
}

/// A LoRA on one projection: indices of its A and B in the flat parameters.
pub struct Lora {
    pub a: usize,
    pub b: usize,
    pub scale: f64,
    pub dropout: f64,
}

/// A frozen linear layer with an optional LoRA.
pub struct Linear {
    /// [out, in], in the model's precision, never trained.
    pub w: Tensor,
    pub lora: Option<Lora>,
}

impl Linear {
    /// x Wᵀ + scale · (dropout(x) Aᵀ) Bᵀ: three matmuls, the last fused with the sum (the working
    /// B already holds scale · B).
    pub fn forward(&self, x: &Tensor, p: &FlatParams, mode: Mode) -> Tensor {
        let shape = x.size();
        let x2 = x.reshape([-1, *shape.last().unwrap()]);
        let y = x2.matmul(&self.w.tr());
        let y = match &self.lora {
            Some(l) => {
                let xd = if mode == Mode::Train && l.dropout > 0.0 { x2.dropout(l.dropout, true) } else { x2.shallow_clone() };
                let xa = xd.matmul(&p.view(l.a).tr());
                y.addmm(&xa, &p.view(l.b).tr())
            }
            None => y,
        };
        let mut out = shape.clone();
        *out.last_mut().unwrap() = y.size()[1];
        y.view(out.as_slice())
    }
}

/// Projections that read the same input, computed as one: their frozen weights stacked into one
/// matrix (the members' `w` are views of it), their LoRA A's (adjacent in the flat parameters)
/// stacked into one [n·rank, in] matrix, their B's as one block-diagonal matrix, and one dropout
/// mask for the group (separate layers would draw one each). Four kernels instead of three per
/// member: what bounds a step of this small model is how many kernels it launches.
pub struct Fused {
    pub w: Tensor,
    /// Output width of each member.
    pub widths: Vec<i64>,
    /// (first A index, first B index) when every member has a LoRA.
    lora: Option<(usize, usize)>,
    dropout: f64,
}

impl Fused {
    /// Stacks `members` (which must read the same input), or None when their LoRAs cannot be
    /// fused: some members have one and others not, or they are not adjacent in the flat
    /// parameters (A's and B's each in member order).
    pub fn new(members: &mut [&mut Linear]) -> Option<Fused> {
        let loras: Vec<&Lora> = members.iter().filter_map(|m| m.lora.as_ref()).collect();
        let adjacent = loras.windows(2).all(|p| p[1].a == p[0].a + 1 && p[1].b == p[0].b + 1);
        if !(loras.is_empty() || (loras.len() == members.len() && adjacent)) {
            return None;
        }
        let lora = loras.first().map(|l| (l.a, l.b));
        let dropout = loras.first().map_or(0.0, |l| l.dropout);
        let w = Tensor::cat(&members.iter().map(|m| m.w.shallow_clone()).collect::<Vec<_>>(), 0);
        let widths: Vec<i64> = members.iter().map(|m| m.w.size()[0]).collect();
        let mut row = 0;
        for (m, &n) in members.iter_mut().zip(&widths) {
            m.w = w.narrow(0, row, n);
            row += n;
        }
        Some(Fused { w, widths, lora, dropout })
    }

    /// x [.., in] → [.., Σ widths] (the members' outputs side by side).
    pub fn forward(&self, x: &Tensor, p: &FlatParams, mode: Mode) -> Tensor {
        let shape = x.size();
        let x2 = x.reshape([-1, *shape.last().unwrap()]);
        let y = x2.matmul(&self.w.tr());
        let y = match self.lora {
            Some((a, b)) => {
                let n = self.widths.len();
                let xd = if mode == Mode::Train && self.dropout > 0.0 { x2.dropout(self.dropout, true) } else { x2.shallow_clone() };
                let xa = xd.matmul(&p.span(a, n).tr());
                let bd = Tensor::block_diag(&(0..n).map(|i| p.view(b + i)).collect::<Vec<_>>());
                y.addmm(&xa, &bd.tr())
            }
            None => y,
        };
        let mut out = shape.clone();
        *out.last_mut().unwrap() = y.size()[1];
        y.view(out.as_slice())
    }

    /// The members' outputs, each its own contiguous tensor: one matmul per member's frozen rows
    /// and, for the LoRAs, one shared x·Aᵀ (the A's stacked), split, then one multiply-add per
    /// member. More kernels than `forward`, but no strided outputs: what follows (norms,
    /// activations) runs on contiguous memory, which pays once launches cost nothing (CUDA graphs).
    pub fn forward_each(&self, x: &Tensor, p: &FlatParams, mode: Mode) -> Vec<Tensor> {
        let shape = x.size();
        let x2 = x.reshape([-1, *shape.last().unwrap()]);
        let n = self.widths.len();
        let xa = self.lora.map(|(a, _)| {
            let xd = if mode == Mode::Train && self.dropout > 0.0 { x2.dropout(self.dropout, true) } else { x2.shallow_clone() };
            xd.matmul(&p.span(a, n).tr()).chunk(n as i64, 1)
        });
        let mut row = 0;
        self.widths
            .iter()
            .enumerate()
            .map(|(i, &width)| {
                let y = x2.matmul(&self.w.narrow(0, row, width).tr());
                row += width;
                let y = match (&xa, self.lora) {
                    (Some(xa), Some((_, b))) => y.addmm(&xa[i], &p.view(b + i).tr()),
                    _ => y,
                };
                let mut out = shape.clone();
                *out.last_mut().unwrap() = width;
                y.view(out.as_slice())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_the_base_and_merges_exactly() {
        tch::manual_seed(1);
        let (a, b) = init_lora(5, 6, 4, Device::Cpu);
        let p = FlatParams::with_factors(vec![("a".into(), a, 1.0), ("b".into(), b, 2.0)], Device::Cpu);
        let w = Tensor::randn([6, 5], (Kind::Float, Device::Cpu));
        let lin = Linear { w: w.shallow_clone(), lora: Some(Lora { a: 0, b: 1, scale: 2.0, dropout: 0.0 }) };
        let x = Tensor::randn([2, 3, 5], (Kind::Float, Device::Cpu));
        p.begin(Kind::Float, false);
        let base = x.matmul(&w.tr());
        assert!(lin.forward(&x, &p, Mode::Infer).allclose(&base, 1e-6, 1e-6, false), "B = 0: the LoRA starts as the base");
        tch::no_grad(|| {
            p.master_view(1).copy_(&Tensor::randn([6, 4], (Kind::Float, Device::Cpu)));
        });
        p.begin(Kind::Float, false);
        let folded = x.matmul(&merged(&w, &p.master_view(0), &p.master_view(1), 2.0).tr());
        assert!(lin.forward(&x, &p, Mode::Infer).allclose(&folded, 1e-5, 1e-5, false));
        assert!(!lin.forward(&x, &p, Mode::Infer).allclose(&base, 1e-3, 1e-3, false));
    }

    #[test]
    fn fused_projections_equal_their_members() {
        tch::manual_seed(3);
        let mut named = Vec::new();
        for (i, out) in [6i64, 2, 2].iter().enumerate() {
            let (a, _) = init_lora(5, *out, 3, Device::Cpu);
            named.push((format!("a{i}"), a, 1.0));
        }
        for (i, out) in [6i64, 2, 2].iter().enumerate() {
            named.push((format!("b{i}"), Tensor::randn([*out, 3], (Kind::Float, Device::Cpu)), 2.0));
        }
        let p = FlatParams::with_factors(named, Device::Cpu);
        p.begin(Kind::Float, false);
        let mut lins: Vec<Linear> =
            [6i64, 2, 2].iter().enumerate().map(|(i, out)| Linear { w: Tensor::randn([*out, 5], (Kind::Float, Device::Cpu)), lora: Some(Lora { a: i, b: 3 + i, scale: 2.0, dropout: 0.0 }) }).collect();
        let x = Tensor::randn([2, 4, 5], (Kind::Float, Device::Cpu));
        let separate = Tensor::cat(&lins.iter().map(|l| l.forward(&x, &p, Mode::Infer)).collect::<Vec<_>>(), 2);
        let (l0, rest) = lins.split_at_mut(1);
        let (l1, l2) = rest.split_at_mut(1);
        let fused = Fused::new(&mut [&mut l0[0], &mut l1[0], &mut l2[0]]).unwrap();
        assert!(fused.lora.is_some());
        assert!(fused.forward(&x, &p, Mode::Infer).allclose(&separate, 1e-5, 1e-5, false));
        let each = Tensor::cat(&fused.forward_each(&x, &p, Mode::Infer), 2);
        assert!(each.allclose(&separate, 1e-5, 1e-5, false), "member by member, the same outputs");
        assert!(lins[1].forward(&x, &p, Mode::Infer).allclose(&separate.narrow(2, 6, 2), 1e-5, 1e-5, false), "members read the fused weight");
    }

    #[test]
    fn gradients_reach_the_flat_buffer() {
        let (a, b) = init_lora(4, 3, 2, Device::Cpu);
        let p = FlatParams::new(vec![("a".into(), a), ("b".into(), b + 0.1)], Device::Cpu);
        let lin = Linear { w: Tensor::randn([3, 4], (Kind::Float, Device::Cpu)), lora: Some(Lora { a: 0, b: 1, scale: 1.0, dropout: 0.0 }) };
        p.begin(Kind::Float, true);
        let y = lin.forward(&Tensor::randn([5, 4], (Kind::Float, Device::Cpu)), &p, Mode::Train).sum(Kind::Float);
        let g = Tensor::run_backward(&[y], &[p.work()], false, false);
        assert_eq!(g[0].size(), [2 * 4 + 3 * 2]);
        assert!(g[0].abs().sum(Kind::Float).double_value(&[]) > 0.0);
    }
}
