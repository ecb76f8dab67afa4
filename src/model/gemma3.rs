//! Gemma 3 (text) on libtorch, computing what llama.cpp's gemma3 graph computes
//! (gguf-spec §5.3): embeddings scaled by sqrt(hidden); RMSNorm weights applied as stored (1 + w);
//! q/k RMSNorm over head_dim before NEOX RoPE; grouped-query attention with queries scaled by
//! 1/sqrt(head_dim); a 512-position sliding window (rope base 10,000) on five of every six layers,
//! global attention (rope base 1,000,000) on the sixth; post-attention and post-FFN norms; GeGLU with
//! tanh GELU; a final norm and a head tied to the embedding.
//!
//! Layers are declared bottom-up. Activations run in the model's kind (bf16 on CUDA, f32 on CPU);
//! norms, softmax and the loss in f32.

use super::config::Config;
use super::lora::{init_lora, Fused, Linear, Lora, LoraConfig};
use super::weights::Weights;
use super::Mode;
use crate::names::{token, Proj};
use crate::train::params::FlatParams;
use anyhow::Result;
use tch::{Device, Kind, Tensor};

/// Which parts of a step run through fg's fused CUDA kernels (src/kernels.cu).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FusedOps {
    /// q/k/v preparation: q and k norms, RoPE, v (`torch_cuda::qkv_prep`).
    pub qkv: bool,
    /// gelu_tanh(gate)·up (`torch_cuda::geglu`).
    pub geglu: bool,
    /// Post-norm, residual add and the next pre-norm (`torch_cuda::junction`).
    pub junction: bool,
    /// The head's cross-entropy and its gradient (`torch_cuda::cross_entropy_rows`).
    pub head: bool,
}

impl FusedOps {
    pub const ALL: FusedOps = FusedOps { qkv: true, geglu: true, junction: true, head: true };
    pub const NONE: FusedOps = FusedOps { qkv: false, geglu: false, junction: false, head: false };

    pub fn any(&self) -> bool {
        self.qkv || self.geglu || self.junction || self.head
    }

    /// From FG_FUSED's value: unset or "1" all, "0" none, else a comma-separated list of parts.
    pub fn from_env(value: Option<&str>) -> Result<FusedOps> {
        match value.map(str::trim) {
            None | Some("1") | Some("") => Ok(FusedOps::ALL),
            Some("0") => Ok(FusedOps::NONE),
            Some(list) => {
                let mut ops = FusedOps::NONE;
                for part in list.split(',').map(str::trim) {
                    match part {
                        "qkv" => ops.qkv = true,
                        "geglu" => ops.geglu = true,
                        "junction" => ops.junction = true,
                        "head" => ops.head = true,
                        other => anyhow::bail!("FG_FUSED: unknown part {other:?} (parts: qkv, geglu, junction, head; or 0, 1)"),
                    }
                }
                Ok(ops)
            }
        }
    }
}

/// FunctionGemma's seven token rows of the tied embedding (ids 46..52), trainable.
pub const SPECIAL_FIRST: i64 = token::FIRST_FUNCTIONGEMMA_ID as i64;
pub const SPECIAL_COUNT: i64 = token::FUNCTIONGEMMA_COUNT as i64;

/// RMSNorm over the last dimension (libtorch's fused kernel; f32 arithmetic inside).
fn rms_norm(x: &Tensor, w: &Tensor, eps: f64) -> Tensor {
    let d = *x.size().last().unwrap();
    x.rms_norm([d], Some(w), eps)
}

/// NEOX rotary embedding as two full-width tables ([positions, head_dim], f32): cos repeated over
/// both halves, and sin with the first half negated, so that rotating is x·cos + swap(x)·sin
/// (swap: the halves exchanged), which rounds exactly as the textbook form does.
struct Rotary {
    cos: Tensor,
    sin: Tensor,
}

impl Rotary {
    fn new(base: f64, head_dim: usize, max_pos: usize, device: Device) -> Rotary {
        let half = head_dim / 2;
        let inv: Vec<f32> = (0..half).map(|i| base.powf(-(2.0 * i as f64) / head_dim as f64) as f32).collect();
        let inv = Tensor::from_slice(&inv).to_device(device);
        let pos = Tensor::arange(max_pos as i64, (Kind::Float, device));
        let angles = pos.unsqueeze(1) * inv.unsqueeze(0);
        let (cos, sin) = (angles.cos(), angles.sin());
        Rotary { cos: Tensor::cat(&[&cos, &cos], 1), sin: Tensor::cat(&[-&sin, sin], 1) }
    }

    /// The tables for positions pos0 .. pos0 + t, as [1, t, 1, head_dim] in `kind`.
    fn at(&self, pos0: i64, t: i64, kind: Kind) -> (Tensor, Tensor) {
        let d = self.cos.size()[1];
        let pick = |m: &Tensor| m.narrow(0, pos0, t).to_kind(kind).view([1, t, 1, d]);
        (pick(&self.cos), pick(&self.sin))
    }
}

/// x: [B, T, heads, D] rotated by tables from `Rotary::at`.
fn rotate(x: &Tensor, (cos, sin): &(Tensor, Tensor)) -> Tensor {
    let d = x.size()[3];
    let swapped = Tensor::cat(&[x.narrow(3, d / 2, d / 2), x.narrow(3, 0, d / 2)], 3);
    (x * cos).addcmul(&swapped, sin)
}

/// How a layer's queries see its keys (see `Model::seeing`).
enum Seeing {
    /// Plain causal attention.
    Causal,
    /// A [1, 1, rep·T, S] bool mask, for queries folded per key head.
    Mask(Tensor),
    /// A sliding window over a long sequence, attended in blocks of the window's length: the
    /// band mask for the blocks folded per key head ([1, kv·blocks, rep·W, 2W]).
    Blocks { window: i64, band: Tensor },
}

/// Attention of q [B, heads, T, D] over k, v [B, kv_heads, S, D], returning [B, T, heads·D].
/// Causal: through libtorch's fused kernel, which reads grouped keys itself. With a mask: each key
/// head's rep query heads are folded into one sequence ([B, kv_heads, rep·T, D]), so the keys and
/// values are never copied per query head. In blocks: block i of W queries sees only keys
/// (i−1)·W .. (i+1)·W, so a window of W costs T·2W, not T².
fn attend(q: &Tensor, k: &Tensor, v: &Tensor, seeing: &Seeing, scale: f64) -> Tensor {
    let (b, heads, t, d) = (q.size()[0], q.size()[1], q.size()[2], q.size()[3]);
    let kv = k.size()[1];
    let rep = heads / kv;
    match seeing {
        Seeing::Causal => Tensor::scaled_dot_product_attention(q, k, v, None::<&Tensor>, 0.0, true, scale, heads != kv).transpose(1, 2).reshape([b, t, heads * d]),
        Seeing::Mask(m) => {
            let folded = q.reshape([b, kv, rep * t, d]);
            let o = Tensor::scaled_dot_product_attention(&folded, k, v, Some(m), 0.0, false, scale, false);
            o.view([b, heads, t, d]).transpose(1, 2).reshape([b, t, heads * d])
        }
        Seeing::Blocks { window: w, band } => {
            let w = *w;
            let nb = (t + w - 1) / w;
            let tp = nb * w;
            let q = q.constant_pad_nd([0, 0, 0, tp - t]).view([b, kv, rep, nb, w, d]).permute([0, 1, 3, 2, 4, 5]).reshape([b, kv * nb, rep * w, d]);
            let windows = |x: &Tensor| x.constant_pad_nd([0, 0, w, tp - t]).unfold(2, 2 * w, w).transpose(3, 4).reshape([b, kv * nb, 2 * w, d]);
            let o = Tensor::scaled_dot_product_attention(&q, &windows(k), &windows(v), Some(band), 0.0, false, scale, false);
            o.view([b, kv, nb, rep, w, d]).permute([0, 2, 4, 1, 3, 5]).reshape([b, tp, heads * d]).narrow(1, 0, t)
        }
    }
}

/// The band mask of `Seeing::Blocks` for `t` positions: query a of block i sees key j of its
/// 2W-long span (positions (i−1)·W + j) when a < j ≤ a + W, and in block 0 only the second half.
fn band_mask(t: i64, w: i64, kv: i64, rep: i64, device: Device) -> Tensor {
    let nb = (t + w - 1) / w;
    let a = Tensor::arange(w, (Kind::Int64, device)).view([w, 1]);
    let j = Tensor::arange(2 * w, (Kind::Int64, device)).view([1, 2 * w]);
    let band = j.gt_tensor(&a).logical_and(&j.le_tensor(&(&a + w)));
    let first = band.logical_and(&j.ge(w));
    let blocks = Tensor::cat(&[first.unsqueeze(0), band.unsqueeze(0).expand([nb - 1, w, 2 * w], false)], 0);
    blocks.unsqueeze(1).expand([nb, rep, w, 2 * w], false).reshape([1, 1, nb * rep * w, 2 * w]).view([1, nb, rep * w, 2 * w]).repeat([1, kv, 1, 1])
}

/// What every layer of one forward pass shares.
struct Pass<'a> {
    params: &'a FlatParams,
    mode: Mode,
    /// `Model::separate_outputs`.
    separate: bool,
    batch: i64,
    len: i64,
    /// Length of the shared prefix the keys and values start with.
    prefix_len: i64,
    /// RoPE tables for global and sliding layers, in the model's kind; None where every layer's
    /// q/k/v goes through the fused kernel, which reads `qkv_tables`.
    ropes: Option<[(Tensor, Tensor); 2]>,
    /// q/k/v through fg's fused kernel (`Model::fused`): the whole f32 RoPE tables (global,
    /// sliding), read from position `pos0`.
    qkv_tables: Option<[&'a Rotary; 2]>,
    pos0: i64,
    /// GeGLU through its fused kernel.
    geglu: bool,
    /// How global and sliding layers see their keys; None: flash attention, which windows itself.
    seeing: Option<[Seeing; 2]>,
    window: i64,
}

/// Builds layers from base weights: frozen tensors moved to the model's device and precision, and a
/// LoRA for each targeted projection, its A and B numbered in the flat parameters as they are made
/// (all A's first, then all B's, so that B of LoRA n sits at `loras + n`).
struct Builder<'a> {
    w: &'a mut Weights,
    device: Device,
    kind: Kind,
    lora: Option<&'a LoraConfig>,
    /// How many LoRAs the model has in all.
    loras: usize,
    a: Vec<(String, Tensor, f64)>,
    b: Vec<(String, Tensor, f64)>,
}

impl Builder<'_> {
    fn frozen(&mut self, name: &str) -> Result<Tensor> {
        Ok(self.w.take(name)?.to_device(self.device).to_kind(self.kind).set_requires_grad(false))
    }

    fn linear(&mut self, layer: usize, proj: Proj) -> Result<Linear> {
        let name = format!("blk.{layer}.{}.weight", proj.gguf());
        let w = self.w.take(&name)?;
        let (out, inp) = (w.size()[0], w.size()[1]);
        let lora = match self.lora.filter(|c| c.targets.iter().any(|t| t == proj.gguf())) {
            Some(c) => {
                let (a, b) = init_lora(inp, out, c.rank, self.device);
                let n = self.a.len();
                self.a.push((format!("{name}.lora_a"), a, 1.0));
                self.b.push((format!("{name}.lora_b"), b, c.scale()));
                Some(Lora { a: n, b: self.loras + n, scale: c.scale(), dropout: c.dropout })
            }
            None => None,
        };
        Ok(Linear { w: w.to_device(self.device).to_kind(self.kind).set_requires_grad(false), lora })
    }
}

struct Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    /// q, k and v as one projection, when their LoRAs allow it.
    qkv: Option<Fused>,
    o: Linear,
    q_norm: Tensor,
    k_norm: Tensor,
    n_heads: i64,
    n_kv: i64,
    head_dim: i64,
    scale: f64,
    eps: f64,
    sliding: bool,
}

impl Attention {
    fn new(cfg: &Config, i: usize, b: &mut Builder) -> Result<Attention> {
        let (q_norm, k_norm) = (b.frozen(&format!("blk.{i}.attn_q_norm.weight"))?, b.frozen(&format!("blk.{i}.attn_k_norm.weight"))?);
        let (mut q, mut k, mut v) = (b.linear(i, Proj::Q)?, b.linear(i, Proj::K)?, b.linear(i, Proj::V)?);
        let o = b.linear(i, Proj::Output)?;
        let qkv = Fused::new(&mut [&mut q, &mut k, &mut v]);
        Ok(Attention {
            q,
            k,
            v,
            qkv,
            o,
            q_norm,
            k_norm,
            n_heads: cfg.num_heads as i64,
            n_kv: cfg.num_kv_heads as i64,
            head_dim: cfg.head_dim as i64,
            scale: cfg.query_scale,
            eps: cfg.rms_norm_eps,
            sliding: cfg.is_sliding(i),
        })
    }

    /// q [B, T, heads·D], k and v [B, T, kv_heads·D].
    fn project(&self, h: &Tensor, p: &FlatParams, mode: Mode, separate: bool) -> (Tensor, Tensor, Tensor) {
        match &self.qkv {
            Some(f) if separate => {
                let mut parts = f.forward_each(h, p, mode);
                let v = parts.pop().unwrap();
                let k = parts.pop().unwrap();
                (parts.pop().unwrap(), k, v)
            }
            Some(f) => {
                // One split, not three narrows: its backward is one concatenation, where
                // narrows' would fill three zero tensors and add them.
                let mut parts = f.forward(h, p, mode).split_with_sizes(f.widths.as_slice(), 2);
                let v = parts.pop().unwrap();
                let k = parts.pop().unwrap();
                (parts.pop().unwrap(), k, v)
            }
            None => (self.q.forward(h, p, mode), self.k.forward(h, p, mode), self.v.forward(h, p, mode)),
        }
    }

    /// Attention over `h` (normed, [B, T, hidden]) after the prefix's keys and values `past`:
    /// the output projection's result, and this pass's keys and values ([B, T, kv_heads, D]).
    fn forward(&self, h: &Tensor, past: Option<&(Tensor, Tensor)>, s: &Pass) -> Result<(Tensor, (Tensor, Tensor))> {
        let (b, t) = (s.batch, s.len);
        // [B, T, heads, D] throughout: the layout flash attention reads, with no transposes.
        let (q, k, v) = match (&self.qkv, s.qkv_tables) {
            (Some(f), Some(tables)) => {
                let rope = tables[usize::from(self.sliding)];
                crate::torch_cuda::qkv_prep(&f.forward(h, s.params, s.mode), &self.q_norm, &self.k_norm, &rope.cos, &rope.sin, s.pos0, self.n_heads, self.n_kv, self.eps)?
            }
            _ => {
                let (q, k, v) = self.project(h, s.params, s.mode, s.separate);
                let rope = &s.ropes.as_ref().expect("RoPE tables wherever a layer's q/k/v is not fused")[usize::from(self.sliding)];
                let q = rotate(&rms_norm(&q.view([b, t, self.n_heads, self.head_dim]), &self.q_norm, self.eps), rope);
                let k = rotate(&rms_norm(&k.view([b, t, self.n_kv, self.head_dim]), &self.k_norm, self.eps), rope);
                (q, k, v.view([b, t, self.n_kv, self.head_dim]))
            }
        };
        let (k_all, v_all) = match past {
            Some((pk, pv)) => {
                let shape = [b, s.prefix_len, self.n_kv, self.head_dim];
                (Tensor::cat(&[&pk.expand(shape, false), &k], 1), Tensor::cat(&[&pv.expand(shape, false), &v], 1))
            }
            None => (k.shallow_clone(), v.shallow_clone()),
        };
        let o = match &s.seeing {
            Some(seeing) => attend(&q.transpose(1, 2), &k_all.transpose(1, 2), &v_all.transpose(1, 2), &seeing[usize::from(self.sliding)], self.scale),
            None => {
                let window = if self.sliding { s.window } else { 0 };
                crate::torch_cuda::flash_attention(&q, &k_all, &v_all, self.scale, window)?.reshape([b, t, self.n_heads * self.head_dim])
            }
        };
        Ok((self.o.forward(&o, s.params, s.mode), (k, v)))
    }
}

struct Mlp {
    gate: Linear,
    up: Linear,
    /// gate and up as one projection, when their LoRAs allow it.
    gate_up: Option<Fused>,
    down: Linear,
}

impl Mlp {
    fn new(i: usize, b: &mut Builder) -> Result<Mlp> {
        let (mut gate, mut up, down) = (b.linear(i, Proj::Gate)?, b.linear(i, Proj::Up)?, b.linear(i, Proj::Down)?);
        let gate_up = Fused::new(&mut [&mut gate, &mut up]);
        Ok(Mlp { gate, up, gate_up, down })
    }

    fn forward(&self, x: &Tensor, p: &FlatParams, mode: Mode, separate: bool, fused: bool) -> Result<Tensor> {
        if let (Some(f), true) = (&self.gate_up, fused) {
            return Ok(self.down.forward(&crate::torch_cuda::geglu(&f.forward(x, p, mode))?, p, mode));
        }
        let (g, u) = match &self.gate_up {
            Some(f) if separate => {
                let mut parts = f.forward_each(x, p, mode);
                let u = parts.pop().unwrap();
                (parts.pop().unwrap(), u)
            }
            Some(f) => {
                let mut parts = f.forward(x, p, mode).split_with_sizes(f.widths.as_slice(), 2);
                let u = parts.pop().unwrap();
                (parts.pop().unwrap(), u)
            }
            None => (self.gate.forward(x, p, mode), self.up.forward(x, p, mode)),
        };
        Ok(self.down.forward(&(g.gelu("tanh") * u), p, mode))
    }
}

/// One Gemma 3 decoder layer: norm → attention → norm → add, norm → MLP → norm → add.
struct DecoderLayer {
    attn_norm: Tensor,
    attn: Attention,
    post_attn_norm: Tensor,
    ffn_norm: Tensor,
    mlp: Mlp,
    post_ffw_norm: Tensor,
    eps: f64,
}

impl DecoderLayer {
    fn new(cfg: &Config, i: usize, b: &mut Builder) -> Result<DecoderLayer> {
        let attn_norm = b.frozen(&format!("blk.{i}.attn_norm.weight"))?;
        let post_attn_norm = b.frozen(&format!("blk.{i}.post_attention_norm.weight"))?;
        let ffn_norm = b.frozen(&format!("blk.{i}.ffn_norm.weight"))?;
        let post_ffw_norm = b.frozen(&format!("blk.{i}.post_ffw_norm.weight"))?;
        let attn = Attention::new(cfg, i, b)?;
        let mlp = Mlp::new(i, b)?;
        Ok(DecoderLayer { attn_norm, attn, post_attn_norm, ffn_norm, mlp, post_ffw_norm, eps: cfg.rms_norm_eps })
    }

    /// The same through the fused kernels: x [B, T, hidden] and its pre-norm `n` (made by the layer
    /// before) → the layer's output and, where `next_norm` is given, the next layer's pre-norm of it
    /// (`torch_cuda::junction`: post-norm, residual add and next pre-norm at once), and the keys and values.
    fn forward_fused(&self, x: &Tensor, n: &Tensor, next_norm: Option<&Tensor>, past: Option<&(Tensor, Tensor)>, s: &Pass) -> Result<(Tensor, Option<Tensor>, (Tensor, Tensor))> {
        let (o, kv) = self.attn.forward(n, past, s)?;
        let (y, n) = crate::torch_cuda::junction(x, &o, &self.post_attn_norm, Some(&self.ffn_norm), self.eps)?;
        let m = self.mlp.forward(&n.expect("a pre-norm was asked for"), s.params, s.mode, s.separate, s.geglu)?;
        let (out, next) = crate::torch_cuda::junction(&y, &m, &self.post_ffw_norm, next_norm, self.eps)?;
        Ok((out, next, kv))
    }

    /// x [B, T, hidden] → the layer's output, and its keys and values.
    fn forward(&self, x: &Tensor, past: Option<&(Tensor, Tensor)>, s: &Pass) -> Result<(Tensor, (Tensor, Tensor))> {
        let (o, kv) = self.attn.forward(&rms_norm(x, &self.attn_norm, self.eps), past, s)?;
        let x = x + rms_norm(&o, &self.post_attn_norm, self.eps);
        let m = self.mlp.forward(&rms_norm(&x, &self.ffn_norm, self.eps), s.params, s.mode, s.separate, s.geglu)?;
        Ok((x + rms_norm(&m, &self.post_ffw_norm, self.eps), kv))
    }
}

/// Keys and values of a shared prefix, per layer ([1, P, kv_heads, head_dim] each).
pub struct Prefix {
    pub kv: Vec<(Tensor, Tensor)>,
    pub len: i64,
}

pub struct Model {
    pub cfg: Config,
    /// [vocab, hidden], frozen, in the model's kind.
    pub embed: Tensor,
    /// Everything trainable: LoRA A and B matrices and, when trained, the special rows.
    pub params: FlatParams,
    /// Where the special rows are in `params`, when they are trained.
    special_idx: Option<usize>,
    /// The base's rows 46..52 (used when they are not trained).
    special_base: Tensor,
    layers: Vec<DecoderLayer>,
    norm: Tensor,
    rope_local: Rotary,
    rope_global: Rotary,
    pub device: Device,
    pub kind: Kind,
    pub lora: Option<LoraConfig>,
    /// Attention through flash attention with its own sliding window (src/torch_cuda.rs): on
    /// CUDA in bf16 where fg has its CUDA shim, unless FG_ATTENTION=sdpa asks for libtorch's
    /// scaled_dot_product_attention with masks.
    pub flash: bool,
    /// Fused projections hand each member its own contiguous output (`Fused::forward_each`)
    /// instead of views of one output: more kernels, less GPU time; for CUDA-graph replays,
    /// where launches cost nothing. Off by default (eager steps are bound by launches).
    pub separate_outputs: bool,
    /// Which parts run through fg's fused kernels (src/kernels.cu): all of them on CUDA in bf16
    /// where they compile; FG_FUSED=0 asks for libtorch's ops, FG_FUSED=qkv,geglu,junction,head
    /// for some.
    pub fused: FusedOps,
}

impl Model {
    /// Builds the model from base weights, moving them to `device` in `kind`, with LoRA on the
    /// `lora` targets and the special-token rows trainable when `train_special`.
    pub fn new(mut w: Weights, device: Device, kind: Kind, lora: Option<LoraConfig>, train_special: bool, max_pos: usize) -> Result<Model> {
        let cfg = w.config.clone();
        let wanted = FusedOps::from_env(std::env::var("FG_FUSED").ok().as_deref())?;
        let fused = if device.is_cuda() && kind == Kind::BFloat16 && wanted.any() {
            match crate::torch_cuda::kernels(cfg.head_dim as i64, cfg.hidden_size as i64) {
                Ok(()) => wanted,
                Err(e) => {
                    eprintln!("note: {e:#}; training uses libtorch's unfused ops instead");
                    FusedOps::NONE
                }
            }
        } else {
            FusedOps::NONE
        };
        let embed_f = w.take("token_embd.weight")?;
        let special_base = embed_f.narrow(0, SPECIAL_FIRST, SPECIAL_COUNT).to_device(device).to_kind(Kind::Float).copy();
        let embed = embed_f.to_device(device).to_kind(kind).set_requires_grad(false);
        let per_layer = lora.as_ref().map_or(0, |c| Proj::ALL.iter().filter(|p| c.targets.iter().any(|t| t == p.gguf())).count());
        let mut b = Builder { w: &mut w, device, kind, lora: lora.as_ref(), loras: cfg.num_layers * per_layer, a: Vec::new(), b: Vec::new() };
        let layers = (0..cfg.num_layers).map(|i| DecoderLayer::new(&cfg, i, &mut b)).collect::<Result<Vec<_>>>()?;
        let norm = b.frozen("output_norm.weight")?;
        // Trainable tensors, laid out A's first, then B's (scaled by alpha/rank), then the rows.
        let mut named = std::mem::take(&mut b.a);
        named.append(&mut b.b);
        let special_idx = train_special.then(|| {
            named.push(("token_embd.special_rows".into(), special_base.copy(), 1.0));
            named.len() - 1
        });
        let params = FlatParams::with_factors(named, device);
        params.begin(kind, false);
        Ok(Model {
            rope_local: Rotary::new(cfg.rope_local_theta, cfg.head_dim, max_pos, device),
            rope_global: Rotary::new(cfg.rope_theta, cfg.head_dim, max_pos, device),
            cfg,
            embed,
            params,
            special_idx,
            special_base,
            layers,
            norm,
            device,
            kind,
            lora,
            separate_outputs: false,
            fused,
            flash: device.is_cuda() && kind == Kind::BFloat16 && std::env::var("FG_ATTENTION").as_deref() != Ok("sdpa") && crate::torch_cuda::available().is_ok(),
        })
    }

    /// The special rows as the model uses them now (trained or the base's), f32.
    fn special(&self) -> Tensor {
        match self.special_idx {
            Some(i) => self.params.view(i).to_kind(Kind::Float),
            None => self.special_base.shallow_clone(),
        }
    }

    /// Starts a step: the working copy of the trainable tensors (tracked when training).
    pub fn begin(&self, mode: Mode) {
        self.params.begin(self.kind, mode == Mode::Train);
    }

    /// Embeddings of `ids` ([B, T] i64), scaled by sqrt(hidden), rows 46..52 from `special()`.
    fn embed(&self, ids: &Tensor) -> Tensor {
        let x = Tensor::embedding(&self.embed, ids, -1, false, false);
        if self.special_idx.is_none() {
            return x * (self.cfg.hidden_size as f64).sqrt();
        }
        let rel = ids - SPECIAL_FIRST;
        let is_special = rel.ge(0).logical_and(&rel.lt(SPECIAL_COUNT)).unsqueeze(-1);
        let sp = self.special().to_kind(self.kind).index_select(0, &rel.clamp(0, SPECIAL_COUNT - 1).flatten(0, -1)).view_as(&x);
        x.where_self(&is_special.logical_not(), &sp) * (self.cfg.hidden_size as f64).sqrt()
    }

    /// Hidden states [B, T, hidden] before the final norm (`head` applies it where logits are
    /// needed). ids: [B, T], right-padded (a real token never sees padding: it comes later);
    /// positions start at `pos0` (after `prefix`, when given).
    pub fn forward(&self, ids: &Tensor, pos0: i64, prefix: Option<&Prefix>, mode: Mode) -> Result<Tensor> {
        Ok(self.run(ids, pos0, prefix, mode, false)?.0)
    }

    /// The shared prefix's keys and values ([1, P] ids), with gradients when training.
    pub fn prefix(&self, ids: &Tensor, mode: Mode) -> Result<Prefix> {
        let (_, kv) = self.run(ids, 0, None, mode, true)?;
        Ok(Prefix { kv, len: ids.size()[1] })
    }

    /// The layers in order over the embeddings; each layer's keys and values kept when `keep_kv`.
    fn run(&self, ids: &Tensor, pos0: i64, prefix: Option<&Prefix>, mode: Mode, keep_kv: bool) -> Result<(Tensor, Vec<(Tensor, Tensor)>)> {
        let (batch, len) = (ids.size()[0], ids.size()[1]);
        let prefix_len = prefix.map_or(0, |p| p.len);
        let all_fused_qkv = self.fused.qkv && self.layers.iter().all(|l| l.attn.qkv.is_some());
        let pass = Pass {
            params: &self.params,
            mode,
            separate: self.separate_outputs,
            batch,
            len,
            prefix_len,
            ropes: (!all_fused_qkv).then(|| [self.rope_global.at(pos0, len, self.kind), self.rope_local.at(pos0, len, self.kind)]),
            qkv_tables: self.fused.qkv.then_some([&self.rope_global, &self.rope_local]),
            pos0,
            geglu: self.fused.geglu,
            seeing: (!self.flash).then(|| [self.seeing(len, pos0, prefix_len, false), self.seeing(len, pos0, prefix_len, true)]),
            window: self.cfg.sliding_window as i64,
        };
        let mut x = self.embed(ids);
        let mut kvs = Vec::new();
        // Through the fused kernels each layer hands the next its pre-norm.
        let mut n = (self.fused.junction && !self.layers.is_empty()).then(|| rms_norm(&x, &self.layers[0].attn_norm, self.cfg.rms_norm_eps));
        for (i, layer) in self.layers.iter().enumerate() {
            let past = prefix.map(|p| &p.kv[i]);
            let kv = match n.take() {
                Some(pre) => {
                    let (out, next, kv) = layer.forward_fused(&x, &pre, self.layers.get(i + 1).map(|l| &l.attn_norm), past, &pass)?;
                    (x, n) = (out, next);
                    kv
                }
                None => {
                    let (out, kv) = layer.forward(&x, past, &pass)?;
                    x = out;
                    kv
                }
            };
            if keep_kv {
                kvs.push(kv);
            }
        }
        Ok((x, kvs))
    }

    /// How queries at pos0 .. pos0 + t see keys (a prefix of p, then themselves): plain causal
    /// when nothing else applies; in blocks for a window over a long sequence with no prefix; else
    /// a mask ([1, 1, t, p + t] bool, repeated for the query heads that share a key head).
    fn seeing(&self, t: i64, pos0: i64, p: i64, sliding: bool) -> Seeing {
        let window = self.cfg.sliding_window as i64;
        let (kv, rep) = (self.cfg.num_kv_heads as i64, (self.cfg.num_heads / self.cfg.num_kv_heads) as i64);
        if p == 0 && pos0 == 0 && (!sliding || t <= window) {
            return Seeing::Causal;
        }
        if p == 0 && pos0 == 0 && t > 2 * window {
            return Seeing::Blocks { window, band: band_mask(t, window, kv, rep, self.device) };
        }
        let dev = self.device;
        let qpos = Tensor::arange_start(pos0, pos0 + t, (Kind::Int64, dev)).view([t, 1]);
        let kpos = Tensor::cat(&[Tensor::arange(p, (Kind::Int64, dev)), Tensor::arange_start(pos0, pos0 + t, (Kind::Int64, dev))], 0).view([1, p + t]);
        let mut m = kpos.le_tensor(&qpos);
        if sliding {
            m = m.logical_and(&(&qpos - &kpos).lt(window));
        }
        Seeing::Mask(m.view([1, 1, t, p + t]).repeat([1, 1, rep, 1]))
    }

    /// Logits (f32) for hidden states [N, hidden]: final norm, then the tied head, with the special
    /// rows from `special` when they are trained (otherwise the embedding holds them already).
    pub fn head(&self, h: &Tensor) -> Tensor {
        let h = rms_norm(h, &self.norm, self.cfg.rms_norm_eps);
        let logits = h.matmul(&self.embed.tr()).to_kind(Kind::Float);
        if self.special_idx.is_none() {
            return logits;
        }
        // The special columns written over in place: a concatenation would copy all 262k columns.
        let special = h.to_kind(Kind::Float).matmul(&self.special().tr());
        logits.narrow(1, SPECIAL_FIRST, SPECIAL_COUNT).copy_(&special);
        logits
    }

    /// Summed cross-entropy at the labelled positions, computing logits only there. hidden:
    /// [B, T, H]; `at`: flat indices (b·T + t) of the labelled positions; `targets`: the tokens they
    /// must predict (-100: none). Returns the loss (f32 scalar).
    pub fn loss(&self, hidden: &Tensor, at: &Tensor, targets: &Tensor) -> Result<Tensor> {
        Ok(self.head_loss(hidden, at, targets, false)?.0)
    }

    /// `loss`, and the count of right predictions (a tensor, read only when needed: reading it waits
    /// for the GPU), for evaluation: a training step does not spend an argmax over the vocabulary.
    pub fn loss_and_correct(&self, hidden: &Tensor, at: &Tensor, targets: &Tensor) -> Result<(Tensor, Tensor)> {
        let (loss, correct) = self.head_loss(hidden, at, targets, true)?;
        Ok((loss, correct.expect("head_loss counts when asked")))
    }

    fn head_loss(&self, hidden: &Tensor, at: &Tensor, targets: &Tensor, count: bool) -> Result<(Tensor, Option<Tensor>)> {
        let h = rms_norm(&hidden.flatten(0, 1).index_select(0, at), &self.norm, self.cfg.rms_norm_eps);
        let special = self.special_idx.map(|_| self.special());
        let fused = self.fused.head && !count;
        head_loss(&h, &self.embed, special.as_ref(), targets, if fused { FUSED_HEAD_CHUNK } else { HEAD_CHUNK }, count, fused)
    }

    /// Logits for every position of `ids` ([1, T]): the oracle test against llama.cpp.
    pub fn logits(&self, ids: &[i64]) -> Result<Tensor> {
        self.begin(Mode::Infer);
        tch::no_grad(|| {
            let t = Tensor::from_slice(ids).to_device(self.device).view([1, -1]);
            let h = self.forward(&t, 0, None, Mode::Infer)?;
            Ok(self.head(&h.squeeze_dim(0)))
        })
    }
}

/// fg's fused kernels (CUDA) against the ops they replace, computed in f32 from the same bf16
/// inputs, forward and backward, with a prefix offset for RoPE: the largest relative error (error
/// norm over reference norm) of each output and gradient, by name. For `bench-train --check`.
pub fn check_fused_kernels(model: &Model) -> Result<Vec<(String, f64)>> {
    let (cfg, device) = (&model.cfg, model.device);
    let (b, t, pos0) = (2i64, 300i64, 37i64);
    let (heads, kv, d, inter, hidden) = (cfg.num_heads as i64, cfg.num_kv_heads as i64, cfg.head_dim as i64, cfg.intermediate_size as i64, cfg.hidden_size as i64);
    let rope = Rotary::new(10_000.0, d as usize, 512, device);
    let bf = |x: Tensor| x.to_kind(Kind::BFloat16);
    let qkv = bf(Tensor::randn([b, t, (heads + 2 * kv) * d], (Kind::Float, device)) * 3.0).set_requires_grad(true);
    let (q_w, k_w) = (bf(Tensor::rand([d], (Kind::Float, device)) + 0.5), bf(Tensor::rand([d], (Kind::Float, device)) + 0.5));
    let (q, k, v) = crate::torch_cuda::qkv_prep(&qkv, &q_w, &k_w, &rope.cos, &rope.sin, pos0, heads, kv, 1e-6)?;
    let grads = [q.randn_like(), k.randn_like(), v.randn_like()];
    let carried =
        |outs: [&Tensor; 3]| outs.iter().zip(&grads).map(|(o, g)| (o.to_kind(Kind::Float) * g.to_kind(Kind::Float)).sum(Kind::Float)).fold(Tensor::zeros([], (Kind::Float, device)), |a, x| a + x);
    let got = Tensor::run_backward(&[carried([&q, &k, &v])], &[&qkv], false, false).remove(0);
    // The reference, in f32: norm (w as stored), then x·cos + swap(x)·sin.
    let x = qkv.to_kind(Kind::Float).detach().set_requires_grad(true);
    let tables = (rope.cos.narrow(0, pos0, t).view([1, t, 1, d]), rope.sin.narrow(0, pos0, t).view([1, t, 1, d]));
    let parts = x.split_with_sizes([heads * d, kv * d, kv * d], 2);
    let rq = rotate(&rms_norm(&parts[0].view([b, t, heads, d]), &q_w.to_kind(Kind::Float), 1e-6), &tables);
    let rk = rotate(&rms_norm(&parts[1].view([b, t, kv, d]), &k_w.to_kind(Kind::Float), 1e-6), &tables);
    let rv = parts[2].view([b, t, kv, d]);
    let want = Tensor::run_backward(&[carried([&rq, &rk, &rv])], &[&x], false, false).remove(0);
    let rel = |a: &Tensor, w: &Tensor| (a.to_kind(Kind::Float) - w).norm().double_value(&[]) / w.norm().double_value(&[]);
    let mut out = vec![("q".into(), rel(&q, &rq)), ("k".into(), rel(&k, &rk)), ("v".into(), rel(&v, &rv)), ("d qkv".into(), rel(&got, &want))];
    let gu = bf(Tensor::randn([b, t, 2 * inter], (Kind::Float, device)) * 2.0).set_requires_grad(true);
    let h = crate::torch_cuda::geglu(&gu)?;
    let dh = h.randn_like();
    let got = Tensor::run_backward(&[(h.to_kind(Kind::Float) * dh.to_kind(Kind::Float)).sum(Kind::Float)], &[&gu], false, false).remove(0);
    let x = gu.to_kind(Kind::Float).detach().set_requires_grad(true);
    let halves = x.chunk(2, 2);
    let rh = halves[0].gelu("tanh") * &halves[1];
    let want = Tensor::run_backward(&[(&rh * dh.to_kind(Kind::Float)).sum(Kind::Float)], &[&x], false, false).remove(0);
    out.push(("geglu".into(), rel(&h, &rh)));
    out.push(("d gate/up".into(), rel(&got, &want)));
    // The junction, with and without the next pre-norm.
    let x = bf(Tensor::randn([b, t, hidden], (Kind::Float, device)) * 4.0).set_requires_grad(true);
    let o = bf(Tensor::randn([b, t, hidden], (Kind::Float, device))).set_requires_grad(true);
    let (w_post, w_pre) = (bf(Tensor::rand([hidden], (Kind::Float, device)) + 0.5), bf(Tensor::rand([hidden], (Kind::Float, device)) + 0.5));
    let (gy, gn) = (x.randn_like(), x.randn_like());
    for pre in [true, false] {
        let (y, n) = crate::torch_cuda::junction(&x, &o, &w_post, pre.then_some(&w_pre), 1e-6)?;
        let mut carried = (y.to_kind(Kind::Float) * gy.to_kind(Kind::Float)).sum(Kind::Float);
        if let Some(n) = &n {
            carried += (n.to_kind(Kind::Float) * gn.to_kind(Kind::Float)).sum(Kind::Float);
        }
        let got = Tensor::run_backward(&[carried], &[&x, &o], false, false);
        let (xf, of) = (x.to_kind(Kind::Float).detach().set_requires_grad(true), o.to_kind(Kind::Float).detach().set_requires_grad(true));
        let ry = &xf + rms_norm(&of, &w_post.to_kind(Kind::Float), 1e-6);
        let rn = rms_norm(&ry, &w_pre.to_kind(Kind::Float), 1e-6);
        let mut carried = (&ry * gy.to_kind(Kind::Float)).sum(Kind::Float);
        if pre {
            carried += (&rn * gn.to_kind(Kind::Float)).sum(Kind::Float);
        }
        let want = Tensor::run_backward(&[carried], &[&xf, &of], false, false);
        let tag = if pre { " (with the next norm)" } else { "" };
        out.push((format!("junction y{tag}"), rel(&y, &ry)));
        if let Some(n) = &n {
            out.push(("junction n".into(), rel(n, &rn)));
        }
        out.push((format!("d residual{tag}"), rel(&got[0], &want[0])));
        out.push((format!("d output{tag}"), rel(&got[1], &want[1])));
    }
    // The head: the fused cross-entropy against the f32 one, with ignored targets and trained rows.
    let (n, vocab) = (300i64, 50_000i64);
    let embed = bf(Tensor::randn([vocab, hidden], (Kind::Float, device)) * 0.05);
    let targets = Tensor::randint(vocab, [n], (Kind::Int64, device)).where_scalarother(&Tensor::rand([n], (Kind::Float, device)).gt(0.2), -100);
    for trained in [false, true] {
        let h = bf(Tensor::randn([n, hidden], (Kind::Float, device))).set_requires_grad(true);
        let special = (Tensor::randn([SPECIAL_COUNT, hidden], (Kind::Float, device)) * 0.05).set_requires_grad(true);
        let sp = trained.then_some(&special);
        let mut results = Vec::new();
        for fused in [true, false] {
            let (loss, _) = head_loss(&h, &embed, sp, &targets, 128, false, fused)?;
            let g = Tensor::run_backward(&[&loss], &[&h, &special], false, true);
            results.push((loss.double_value(&[]), g));
        }
        let tag = if trained { ", rows trained" } else { "" };
        out.push((format!("head loss{tag}"), (results[0].0 - results[1].0).abs() / results[1].0.abs()));
        out.push((format!("d hidden{tag}"), rel(&results[0].1[0], &results[1].1[0].to_kind(Kind::Float))));
        if trained {
            out.push(("d rows".into(), rel(&results[0].1[1], &results[1].1[1])));
        }
    }
    Ok(out)
}

/// Labelled positions whose logits `head_loss` holds at a time: a [128, 262144] f32 block is
/// 128 MiB, where all of a 16 x 512 batch's 1,024 positions at once held 1 GiB of logits, their
/// log-softmax and their gradient (the largest tensors of a step).
const HEAD_CHUNK: i64 = 128;

/// The same through the fused cross-entropy kernel, which keeps the logits in bf16 and turns them
/// into their gradient in place: a [256, 262144] block is 128 MiB.
const FUSED_HEAD_CHUNK: i64 = 256;

/// Summed cross-entropy of the tied head over normed hidden states `h` [N, H] (the model's kind)
/// against `targets` [N] (-100: ignored), with the special columns from `special` [7, H] (f32)
/// where those rows train, and with `count` the count of right predictions. The logits are made `chunk` rows
/// at a time, and their gradient (softmax − one-hot) taken at once into gradients for `h` and
/// `special`, so no [N, vocab] tensor is kept for the backward pass. The returned loss carries those
/// gradients into autograd: its value is the loss, and its gradient with respect to `h` and
/// `special` is the cross-entropy's. `fused` (CUDA, bf16, no count): each chunk's logits stay in
/// bf16 and the fused kernel (`torch_cuda::cross_entropy_rows`) turns them into their gradient.
fn head_loss(h: &Tensor, embed: &Tensor, special: Option<&Tensor>, targets: &Tensor, chunk: i64, count: bool, fused: bool) -> Result<(Tensor, Option<Tensor>)> {
    let train = h.requires_grad() || special.is_some_and(Tensor::requires_grad);
    let fused = fused && train && !count;
    let (loss, correct, grad_h, grad_special) = tch::no_grad(|| -> Result<_> {
        let (hd, sd) = (h.detach(), special.map(Tensor::detach));
        let n = hd.size()[0];
        let mut loss = Tensor::zeros([], (Kind::Float, hd.device()));
        let mut correct = count.then(|| Tensor::zeros([], (Kind::Int64, hd.device())));
        let grad_h = hd.zeros_like();
        let grad_special = sd.as_ref().map(Tensor::zeros_like);
        for start in (0..n).step_by(chunk.max(1) as usize) {
            let len = chunk.min(n - start);
            let x = hd.narrow(0, start, len);
            let target = targets.narrow(0, start, len);
            let mut logits = x.matmul(&embed.tr());
            if !fused {
                logits = logits.to_kind(Kind::Float);
            }
            if let Some(s) = &sd {
                // The special columns written over in place: a concatenation would copy all columns.
                logits.narrow(1, SPECIAL_FIRST, SPECIAL_COUNT).copy_(&x.to_kind(Kind::Float).matmul(&s.tr()));
            }
            if fused {
                // From here on `logits` holds d loss / d logits.
                loss += crate::torch_cuda::cross_entropy_rows(&logits, &target.contiguous())?.sum(Kind::Float);
            } else {
                let valid = target.ne(-100);
                let picked_id = target.clamp_min(0).unsqueeze(1);
                let lse = logits.logsumexp([1], true);
                let picked = logits.gather(1, &picked_id, false);
                loss += ((&lse - picked).squeeze_dim(1) * valid.to_kind(Kind::Float)).sum(Kind::Float);
                if let Some(c) = correct.as_mut() {
                    *c += logits.argmax(1, false).eq_tensor(&target).sum(Kind::Int64);
                }
                if !train {
                    continue;
                }
                // d loss / d logits = softmax − one-hot, on the labelled rows only.
                let _ = logits.g_sub_(&lse).exp_();
                let _ = logits.scatter_add_(1, &picked_id, &Tensor::full([len, 1], -1.0, (Kind::Float, hd.device())));
                let _ = logits.g_mul_(&valid.to_kind(Kind::Float).unsqueeze(1));
            }
            let mut g = match (&sd, &grad_special) {
                (Some(s), Some(gs)) => {
                    // The special columns came from `special`, not from the embedding's rows.
                    let mut cols = logits.narrow(1, SPECIAL_FIRST, SPECIAL_COUNT);
                    let cols_f = cols.to_kind(Kind::Float);
                    let _ = gs.shallow_clone().g_add_(&cols_f.tr().matmul(&x.to_kind(Kind::Float)));
                    let through_special = cols_f.matmul(s);
                    let _ = cols.zero_();
                    logits.to_kind(hd.kind()).matmul(embed).to_kind(Kind::Float) + through_special
                }
                _ => logits.to_kind(hd.kind()).matmul(embed),
            };
            g = g.to_kind(hd.kind());
            grad_h.narrow(0, start, len).copy_(&g);
        }
        Ok((loss, correct, grad_h, grad_special))
    })?;
    if !train {
        return Ok((loss, correct));
    }
    // loss + (Σ h·g_h + Σ s·g_s) − the same detached: the value of `loss`, the gradients g.
    let through_h = (h * &grad_h).sum(Kind::Float);
    let carrier = match (special, &grad_special) {
        (Some(s), Some(gs)) => through_h + (s * gs).sum(Kind::Float),
        _ => through_h,
    };
    Ok((loss + &carrier - carrier.detach(), correct))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain attention with the window as a full mask, keys copied per query head.
    fn reference(q: &Tensor, k: &Tensor, v: &Tensor, w: i64, scale: f64) -> Tensor {
        let (b, heads, t, d) = (q.size()[0], q.size()[1], q.size()[2], q.size()[3]);
        let rep = heads / k.size()[1];
        let pos = Tensor::arange(t, (Kind::Int64, Device::Cpu));
        let (qp, kp) = (pos.view([t, 1]), pos.view([1, t]));
        let mask = kp.le_tensor(&qp).logical_and(&(&qp - &kp).lt(w));
        let k = k.repeat_interleave_self_int(rep, 1, None);
        let v = v.repeat_interleave_self_int(rep, 1, None);
        Tensor::scaled_dot_product_attention(q, &k, &v, Some(&mask), 0.0, false, scale, false).transpose(1, 2).reshape([b, t, heads * d])
    }

    /// The chunked head with its hand-made gradient against autograd's cross-entropy over the
    /// whole logits (special columns from trained rows, ignored targets, a ragged last chunk).
    #[test]
    fn chunked_head_loss_equals_autograd_cross_entropy() {
        tch::manual_seed(3);
        let (n, hidden, vocab) = (11i64, 6i64, 64i64);
        let embed = Tensor::randn([vocab, hidden], (Kind::Float, Device::Cpu));
        let targets = Tensor::from_slice(&[3i64, 47, -100, 50, 0, 63, 12, -100, 46, 9, 52]);
        for trained in [false, true] {
            let h = Tensor::randn([n, hidden], (Kind::Float, Device::Cpu)).set_requires_grad(true);
            let special = Tensor::randn([SPECIAL_COUNT, hidden], (Kind::Float, Device::Cpu)).set_requires_grad(true);
            let special_arg = trained.then_some(&special);
            let (loss, correct) = head_loss(&h, &embed, special_arg, &targets, 4, true, false).unwrap();
            let got = Tensor::run_backward(&[&loss], &[&h, &special], false, true);
            let mut logits = h.matmul(&embed.tr());
            if trained {
                logits = Tensor::cat(&[logits.narrow(1, 0, SPECIAL_FIRST), h.matmul(&special.tr()), logits.narrow(1, SPECIAL_FIRST + SPECIAL_COUNT, vocab - SPECIAL_FIRST - SPECIAL_COUNT)], 1);
            }
            let want = logits.cross_entropy_loss::<Tensor>(&targets, None, tch::Reduction::Sum, -100, 0.0);
            let wanted = Tensor::run_backward(&[&want], &[&h, &special], false, true);
            assert!((loss.double_value(&[]) - want.double_value(&[])).abs() < 1e-4 * want.double_value(&[]), "loss, special rows trained: {trained}");
            assert!(got[0].allclose(&wanted[0], 1e-4, 1e-6, false), "gradient of the hidden states, special rows trained: {trained}");
            if trained {
                assert!(got[1].allclose(&wanted[1], 1e-4, 1e-6, false), "gradient of the special rows");
            }
            let right = logits.argmax(1, false).eq_tensor(&targets).sum(Kind::Int64).int64_value(&[]);
            assert_eq!(correct.expect("counted").int64_value(&[]), right);
            assert!(head_loss(&h, &embed, special_arg, &targets, 4, false, false).unwrap().1.is_none());
        }
    }

    #[test]
    fn fg_fused_names_the_parts_and_refuses_unknown_ones() {
        assert_eq!(FusedOps::from_env(None).unwrap(), FusedOps::ALL);
        assert_eq!(FusedOps::from_env(Some("1")).unwrap(), FusedOps::ALL);
        assert_eq!(FusedOps::from_env(Some("0")).unwrap(), FusedOps::NONE);
        let some = FusedOps::from_env(Some("qkv, head")).unwrap();
        assert!(some.qkv && some.head && !some.geglu && !some.junction && some.any());
        let e = FusedOps::from_env(Some("qkv,rope")).unwrap_err().to_string();
        assert!(e.contains("rope") && e.contains("junction"), "{e}");
    }

    #[test]
    fn window_in_blocks_and_folded_masks_equal_plain_attention() {
        tch::manual_seed(5);
        let (w, d) = (8i64, 4i64);
        for (heads, kv, t) in [(4i64, 1i64, 37i64), (4, 2, 40), (2, 2, 17)] {
            let q = Tensor::randn([2, heads, t, d], (Kind::Float, Device::Cpu));
            let k = Tensor::randn([2, kv, t, d], (Kind::Float, Device::Cpu));
            let v = Tensor::randn([2, kv, t, d], (Kind::Float, Device::Cpu));
            let want = reference(&q, &k, &v, w, 0.5);
            let blocks = Seeing::Blocks { window: w, band: band_mask(t, w, kv, heads / kv, Device::Cpu) };
            let got = attend(&q, &k, &v, &blocks, 0.5);
            assert!(got.allclose(&want, 1e-5, 1e-5, false), "blocks, {heads} heads over {kv}, {t} positions");
            let pos = Tensor::arange(t, (Kind::Int64, Device::Cpu));
            let (qp, kp) = (pos.view([t, 1]), pos.view([1, t]));
            let m = kp.le_tensor(&qp).logical_and(&(&qp - &kp).lt(w)).view([1, 1, t, t]).repeat([1, 1, heads / kv, 1]);
            assert!(attend(&q, &k, &v, &Seeing::Mask(m), 0.5).allclose(&want, 1e-5, 1e-5, false), "folded mask");
        }
    }
}
