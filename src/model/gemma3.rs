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
use super::lora::{init_lora, FlatParams, Linear, Lora, LoraConfig};
use super::weights::Weights;
use anyhow::Result;
use tch::{Device, Kind, Tensor};

/// FunctionGemma's seven token rows of the tied embedding (ids 46..52), trainable.
pub const SPECIAL_FIRST: i64 = 46;
pub const SPECIAL_COUNT: i64 = 7;

/// RMSNorm over the last dimension (libtorch's fused kernel; f32 arithmetic inside).
fn rms_norm(x: &Tensor, w: &Tensor, eps: f64) -> Tensor {
    let d = *x.size().last().unwrap();
    x.rms_norm([d], Some(w), eps)
}

/// cos/sin tables for NEOX rotary embedding ([positions, head_dim / 2], f32).
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
        Rotary { cos: angles.cos(), sin: angles.sin() }
    }

    /// x: [B, heads, T, D] at positions pos0.. pos0 + T.
    fn apply(&self, x: &Tensor, pos0: i64) -> Tensor {
        let (t, d) = (x.size()[2], x.size()[3]);
        let cos = self.cos.narrow(0, pos0, t).to_kind(x.kind()).view([1, 1, t, d / 2]);
        let sin = self.sin.narrow(0, pos0, t).to_kind(x.kind()).view([1, 1, t, d / 2]);
        let x1 = x.narrow(3, 0, d / 2);
        let x2 = x.narrow(3, d / 2, d / 2);
        Tensor::cat(&[&x1 * &cos - &x2 * &sin, &x2 * &cos + &x1 * &sin], 3)
    }
}

struct Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    q_norm: Tensor,
    k_norm: Tensor,
    n_heads: i64,
    n_kv: i64,
    head_dim: i64,
    scale: f64,
    sliding: bool,
}

struct Mlp {
    gate: Linear,
    up: Linear,
    down: Linear,
}

impl Mlp {
    fn forward(&self, x: &Tensor, p: &FlatParams, train: bool) -> Tensor {
        let g = self.gate.forward(x, p, train).gelu("tanh");
        self.down.forward(&(g * self.up.forward(x, p, train)), p, train)
    }
}

struct Layer {
    attn_norm: Tensor,
    attn: Attention,
    post_attn_norm: Tensor,
    ffn_norm: Tensor,
    mlp: Mlp,
    post_ffw_norm: Tensor,
}

/// Keys and values of a shared prefix, per layer ([1, kv_heads, P, head_dim] each).
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
    layers: Vec<Layer>,
    norm: Tensor,
    rope_local: Rotary,
    rope_global: Rotary,
    pub device: Device,
    pub kind: Kind,
    pub lora: Option<LoraConfig>,
}


impl Model {
    /// Builds the model from base weights, moving them to `device` in `kind`, with LoRA on the
    /// `lora` targets and the special-token rows trainable when `train_special`.
    pub fn new(mut w: Weights, device: Device, kind: Kind, lora: Option<LoraConfig>, train_special: bool, max_pos: usize) -> Result<Model> {
        let cfg = w.config.clone();
        let frozen = |t: Tensor| t.to_device(device).to_kind(kind).set_requires_grad(false);
        let embed_f = w.take("token_embd.weight")?;
        let special_base = embed_f.narrow(0, SPECIAL_FIRST, SPECIAL_COUNT).to_device(device).to_kind(Kind::Float).copy();
        let embed = frozen(embed_f);
        // Trainable tensors, laid out A's first, then B's (scaled by alpha/rank), then the rows.
        let mut a_list: Vec<(String, Tensor, f64)> = Vec::new();
        let mut b_list: Vec<(String, Tensor, f64)> = Vec::new();
        let mut layers = Vec::with_capacity(cfg.num_layers);
        for i in 0..cfg.num_layers {
            let q_norm = frozen(w.take(&format!("blk.{i}.attn_q_norm.weight"))?);
            let k_norm = frozen(w.take(&format!("blk.{i}.attn_k_norm.weight"))?);
            let attn_norm = frozen(w.take(&format!("blk.{i}.attn_norm.weight"))?);
            let post_attn_norm = frozen(w.take(&format!("blk.{i}.post_attention_norm.weight"))?);
            let ffn_norm = frozen(w.take(&format!("blk.{i}.ffn_norm.weight"))?);
            let post_ffw_norm = frozen(w.take(&format!("blk.{i}.post_ffw_norm.weight"))?);
            let mut lin = |short: &'static str| -> Result<Linear> {
                let wt = w.take(&format!("blk.{i}.{short}.weight"))?;
                let (out, inp) = (wt.size()[0], wt.size()[1]);
                let l = match lora.as_ref().filter(|c| c.targets.iter().any(|t| t == short)) {
                    Some(c) => {
                        let (a, b) = init_lora(inp, out, c.rank, device);
                        let n = a_list.len();
                        a_list.push((format!("blk.{i}.{short}.weight.lora_a"), a, 1.0));
                        b_list.push((format!("blk.{i}.{short}.weight.lora_b"), b, c.scale()));
                        Some(Lora { a: n, b: usize::MAX, scale: c.scale(), dropout: c.dropout })
                    }
                    None => None,
                };
                Ok(Linear { w: frozen(wt), lora: l })
            };
            let attn = Attention {
                q: lin("attn_q")?,
                k: lin("attn_k")?,
                v: lin("attn_v")?,
                o: lin("attn_output")?,
                q_norm,
                k_norm,
                n_heads: cfg.num_heads as i64,
                n_kv: cfg.num_kv_heads as i64,
                head_dim: cfg.head_dim as i64,
                scale: cfg.query_scale,
                sliding: cfg.is_sliding(i),
            };
            let mlp = Mlp { gate: lin("ffn_gate")?, up: lin("ffn_up")?, down: lin("ffn_down")? };
            layers.push(Layer { attn_norm, attn, post_attn_norm, ffn_norm, mlp, post_ffw_norm });
        }
        let n_a = a_list.len();
        // B of LoRA number n sits at n_a + n.
        for l in layers.iter_mut() {
            for lin in [&mut l.attn.q, &mut l.attn.k, &mut l.attn.v, &mut l.attn.o, &mut l.mlp.gate, &mut l.mlp.up, &mut l.mlp.down] {
                if let Some(lo) = lin.lora.as_mut() {
                    lo.b = n_a + lo.a;
                }
            }
        }
        let mut named = a_list;
        named.extend(b_list);
        let special_idx = train_special.then(|| {
            named.push(("token_embd.special_rows".into(), special_base.copy(), 1.0));
            named.len() - 1
        });
        let params = FlatParams::with_factors(named, device);
        params.begin(kind, false);
        let norm = frozen(w.take("output_norm.weight")?);
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
        })
    }

    /// The special rows as the model uses them now (trained or the base's), f32.
    fn special(&self) -> Tensor {
        match self.special_idx {
            Some(i) => self.params.view(i).to_kind(Kind::Float),
            None => self.special_base.shallow_clone(),
        }
    }

    /// Starts a step: the working copy of the trainable tensors (tracked when `train`).
    pub fn begin(&self, train: bool) {
        self.params.begin(self.kind, train);
    }

    /// Every projection with its GGUF name, for merging and export.
    pub fn linears(&self) -> Vec<(String, &Linear)> {
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            for (name, lin) in [("attn_q", &l.attn.q), ("attn_k", &l.attn.k), ("attn_v", &l.attn.v), ("attn_output", &l.attn.o), ("ffn_gate", &l.mlp.gate), ("ffn_up", &l.mlp.up), ("ffn_down", &l.mlp.down)] {
                out.push((format!("blk.{i}.{name}.weight"), lin));
            }
        }
        out
    }

    /// Embeddings of `ids` ([B, T] i64), scaled by sqrt(hidden), rows 46..52 from `special()`.
    fn embed(&self, ids: &Tensor) -> Tensor {
        let x = Tensor::embedding(&self.embed, ids, -1, false, false);
        let rel = ids - SPECIAL_FIRST;
        let is_special = rel.ge(0).logical_and(&rel.lt(SPECIAL_COUNT)).unsqueeze(-1);
        let sp = self.special().to_kind(self.kind).index_select(0, &rel.clamp(0, SPECIAL_COUNT - 1).flatten(0, -1)).view_as(&x);
        x.where_self(&is_special.logical_not(), &sp) * (self.cfg.hidden_size as f64).sqrt()
    }

    /// Hidden states after the final norm are not computed here: `head` does it for the positions
    /// that need logits. ids: [B, T]; positions start at `pos0` (after `prefix`, when given);
    /// `valid`: [B, T] bool marking real (not padding) tokens. Returns [B, T, hidden] and, when
    /// `keep_kv`, each layer's keys and values.
    pub fn forward(&self, ids: &Tensor, pos0: i64, prefix: Option<&Prefix>, valid: Option<&Tensor>, train: bool, keep_kv: bool) -> (Tensor, Vec<(Tensor, Tensor)>) {
        let (b, t) = (ids.size()[0], ids.size()[1]);
        let p = prefix.map_or(0, |p| p.len);
        let mut x = self.embed(ids);
        let masks = [self.mask(b, t, pos0, p, valid, false), self.mask(b, t, pos0, p, valid, true)];
        let mut kvs = Vec::new();
        for (li, l) in self.layers.iter().enumerate() {
            let h = rms_norm(&x, &l.attn_norm, self.cfg.rms_norm_eps);
            let a = &l.attn;
            let q = a.q.forward(&h, &self.params, train).view([b, t, a.n_heads, a.head_dim]);
            let k = a.k.forward(&h, &self.params, train).view([b, t, a.n_kv, a.head_dim]);
            let v = a.v.forward(&h, &self.params, train).view([b, t, a.n_kv, a.head_dim]).transpose(1, 2);
            let rope = if a.sliding { &self.rope_local } else { &self.rope_global };
            let q = rope.apply(&rms_norm(&q, &a.q_norm, self.cfg.rms_norm_eps).transpose(1, 2), pos0);
            let k = rope.apply(&rms_norm(&k, &a.k_norm, self.cfg.rms_norm_eps).transpose(1, 2), pos0);
            let (k_all, v_all) = match prefix {
                Some(pre) => {
                    let (pk, pv) = &pre.kv[li];
                    (Tensor::cat(&[pk.expand([b, a.n_kv, p, a.head_dim], false), k.shallow_clone()], 2), Tensor::cat(&[pv.expand([b, a.n_kv, p, a.head_dim], false), v.shallow_clone()], 2))
                }
                None => (k.shallow_clone(), v.shallow_clone()),
            };
            if keep_kv {
                kvs.push((k, v));
            }
            // [B, heads, T, D]; keys shared across query heads (grouped-query attention).
            let mask = &masks[usize::from(a.sliding)];
            // Keys and values shared by the query heads (grouped-query attention), as a view.
            let rep = a.n_heads / a.n_kv;
            let s = k_all.size()[2];
            let k_all = k_all.unsqueeze(2).expand([b, a.n_kv, rep, s, a.head_dim], false).reshape([b, a.n_heads, s, a.head_dim]);
            let v_all = v_all.unsqueeze(2).expand([b, a.n_kv, rep, s, a.head_dim], false).reshape([b, a.n_heads, s, a.head_dim]);
            let o = Tensor::scaled_dot_product_attention(&q, &k_all, &v_all, Some(mask), 0.0, false, a.scale, false);
            let o = o.transpose(1, 2).reshape([b, t, a.n_heads * a.head_dim]);
            let o = a.o.forward(&o, &self.params, train);
            x = x + rms_norm(&o, &l.post_attn_norm, self.cfg.rms_norm_eps);
            let h = rms_norm(&x, &l.ffn_norm, self.cfg.rms_norm_eps);
            let m = l.mlp.forward(&h, &self.params, train);
            x = x + rms_norm(&m, &l.post_ffw_norm, self.cfg.rms_norm_eps);
        }
        (x, kvs)
    }

    /// Which keys each query may see: [B or 1, 1, T, P + T] bool.
    fn mask(&self, b: i64, t: i64, pos0: i64, p: i64, valid: Option<&Tensor>, sliding: bool) -> Tensor {
        let dev = self.device;
        let qpos = Tensor::arange_start(pos0, pos0 + t, (Kind::Int64, dev)).view([t, 1]);
        let kpos = Tensor::cat(&[Tensor::arange(p, (Kind::Int64, dev)), Tensor::arange_start(pos0, pos0 + t, (Kind::Int64, dev))], 0).view([1, p + t]);
        let mut m = kpos.le_tensor(&qpos);
        if sliding {
            m = m.logical_and(&(&qpos - &kpos).lt(self.cfg.sliding_window as i64));
        }
        let m = m.view([1, 1, t, p + t]);
        match valid {
            Some(v) => {
                let keys = Tensor::cat(&[Tensor::ones([b, p], (Kind::Bool, dev)), v.to_kind(Kind::Bool)], 1).view([b, 1, 1, p + t]);
                m.logical_and(&keys)
            }
            None => m,
        }
    }

    /// The shared prefix's keys and values ([1, P] ids), with gradients when training.
    pub fn prefix(&self, ids: &Tensor, train: bool) -> Prefix {
        let (_, kv) = self.forward(ids, 0, None, None, train, true);
        Prefix { kv, len: ids.size()[1] }
    }

    /// Logits (f32) for hidden states [N, hidden]: final norm, then the tied head, with the special
    /// rows from `special`.
    pub fn head(&self, h: &Tensor) -> Tensor {
        let h = rms_norm(h, &self.norm, self.cfg.rms_norm_eps);
        let logits = h.matmul(&self.embed.tr()).to_kind(Kind::Float);
        let special = h.to_kind(Kind::Float).matmul(&self.special().tr());
        let v = logits.size()[1];
        Tensor::cat(&[logits.narrow(1, 0, SPECIAL_FIRST), special, logits.narrow(1, SPECIAL_FIRST + SPECIAL_COUNT, v - SPECIAL_FIRST - SPECIAL_COUNT)], 1)
    }

    /// Summed cross-entropy at the labelled positions, computing logits only there. hidden:
    /// [B, T, H]; `at`: flat indices (b·T + t) of the labelled positions; `targets`: the tokens they
    /// must predict. Returns the loss (f32 scalar) and the count of right predictions (a tensor,
    /// read only when needed: reading it waits for the GPU).
    pub fn loss(&self, hidden: &Tensor, at: &Tensor, targets: &Tensor) -> (Tensor, Tensor) {
        let h = hidden.flatten(0, 1).index_select(0, at);
        let logits = self.head(&h);
        let loss = logits.cross_entropy_loss::<Tensor>(targets, None, tch::Reduction::Sum, -100, 0.0);
        let correct = tch::no_grad(|| logits.argmax(1, false).eq_tensor(targets).sum(Kind::Int64));
        (loss, correct)
    }

    /// Logits for every position of `ids` ([1, T]): the oracle test against llama.cpp.
    pub fn logits(&self, ids: &[i64]) -> Tensor {
        self.begin(false);
        tch::no_grad(|| {
            let t = Tensor::from_slice(ids).to_device(self.device).view([1, -1]);
            let (h, _) = self.forward(&t, 0, None, None, false, false);
            self.head(&h.squeeze_dim(0))
        })
    }
}
