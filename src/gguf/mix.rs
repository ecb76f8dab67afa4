//! Which type each tensor gets, as llama.cpp's quantizer decides it (gguf-spec §4): the tensors it
//! never quantizes, the per-file-type defaults, the Q4_K_M rules (`use_more_bits` on attn_v and
//! ffn_down, Q6_K/Q8_0 for the output or tied embedding), the fallbacks for rows that are not a
//! whole number of blocks, and the tensor order of its output (`weight_name_comparer`).

use super::consts::{FileType, GgmlType};
use super::reader::{Header, TensorInfo};
use anyhow::{bail, Result};
use std::cmp::Ordering;

/// One output tensor: where it comes from and what it becomes.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    /// Index of the tensor in the input header.
    pub src: usize,
    pub ty: GgmlType,
    /// False when the bytes are copied as they are (not quantizable, or already the target type).
    pub convert: bool,
}

/// llama.cpp's `weight_name_comparer`: block number (parsed from `blk.N.`, −1 without one), then
/// a byte-wise name comparison.
pub fn weight_name_cmp(a: &str, b: &str) -> Ordering {
    layer_of(a).cmp(&layer_of(b)).then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// The block number of `blk.N.…` names (sscanf "blk.%d." semantics for ordinary names), else −1.
fn layer_of(name: &str) -> i64 {
    let Some(rest) = name.strip_prefix("blk.") else { return -1 };
    let (sign, digits) = match rest.as_bytes().first() {
        Some(b'-') => (-1, &rest[1..]),
        Some(b'+') => (1, &rest[1..]),
        _ => (1, rest),
    };
    let end = digits.bytes().position(|c| !c.is_ascii_digit()).unwrap_or(digits.len());
    if end == 0 {
        return -1;
    }
    digits[..end].parse::<i64>().map_or(-1, |n| sign * n)
}

/// `tensor_allows_quantization` for the names llama.cpp excludes.
fn allows_quantization(t: &TensorInfo) -> bool {
    const NEVER: [&str; 16] = [
        "_norm.weight",
        "ffn_gate_inp.weight",
        "altup",
        "laurel",
        "per_layer_model_proj",
        "position_embd",
        "token_types",
        "ssm_conv1d",
        "shortconv.conv",
        "time_mix_first",
        "time_mix_w1",
        "time_mix_w2",
        "time_mix_decay_w1",
        "time_mix_decay_w2",
        "time_mix_lerp_fused",
        "attn_rel_b",
    ];
    t.name.ends_with("weight") && t.n_dims() >= 2 && !NEVER.iter().any(|n| t.name.contains(n))
}

/// `use_more_bits`: the first and last eighth of the layers, and every third in between.
pub fn use_more_bits(i: usize, n: usize) -> bool {
    i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2
}

/// `tensor_type_fallback`: the type used when rows are not a whole number of `ty`'s blocks.
fn fallback(ty: GgmlType, row_len: u64) -> GgmlType {
    if row_len % ty.block_size() == 0 {
        return ty;
    }
    let alt = match ty {
        GgmlType::Q4K => GgmlType::Q5_0,
        GgmlType::Q5K => GgmlType::Q5_1,
        GgmlType::Q6K => GgmlType::Q8_0,
        other => other,
    };
    if row_len % alt.block_size() == 0 {
        alt
    } else {
        GgmlType::F16
    }
}

/// Plans the output of quantizing `header` to `ftype`, in llama.cpp's output order.
pub fn plan(header: &Header, ftype: FileType) -> Result<Vec<Planned>> {
    let tensors = &header.tensors;
    let mut order: Vec<usize> = (0..tensors.len()).collect();
    order.sort_by(|&a, &b| weight_name_cmp(&tensors[a].name, &tensors[b].name));

    let is_attn_v = |n: &str| n.contains("attn_v.weight") || n.contains("attn_qkv.weight") || n.contains("attn_kv_b.weight");
    let n_attn_v = tensors.iter().filter(|t| is_attn_v(&t.name)).count();
    let n_layer = match header.architecture().and_then(|a| header.metadata.u64(&format!("{a}.block_count"))) {
        Some(n) => n as usize,
        None => tensors.iter().filter(|t| t.name.contains("ffn_down")).count(),
    };
    let has_output = tensors.iter().any(|t| t.name == "output.weight");
    let default = ftype.default_type();
    let (mut i_attn_v, mut i_ffn_down) = (0usize, 0usize);

    let mut out = Vec::with_capacity(tensors.len());
    for &i in &order {
        let t = &tensors[i];
        if !allows_quantization(t) {
            out.push(Planned { src: i, ty: t.ty, convert: false });
            continue;
        }
        let mut ty = default;
        if !default.is_float() {
            let name = t.name.as_str();
            if name == "output.weight" || (!has_output && name == "token_embd.weight") {
                if t.row_len() % 256 != 0 {
                    ty = GgmlType::Q8_0;
                } else if ty != GgmlType::Q8_0 {
                    ty = GgmlType::Q6K;
                }
            } else if is_attn_v(name) {
                if ftype == FileType::MostlyQ4KM && use_more_bits(i_attn_v, n_attn_v) {
                    ty = GgmlType::Q6K;
                }
                i_attn_v += 1;
            } else if name.contains("ffn_down") {
                if ftype == FileType::MostlyQ4KM && use_more_bits(i_ffn_down, n_layer) {
                    ty = GgmlType::Q6K;
                }
                i_ffn_down += 1;
            }
            ty = fallback(ty, t.row_len());
        }
        if ty == t.ty {
            out.push(Planned { src: i, ty, convert: false });
            continue;
        }
        if !super::quant::can_quantize(ty) {
            bail!("tensor {:?} would become {ty}, which fg cannot write", t.name);
        }
        out.push(Planned { src: i, ty, convert: true });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_bits_layers_of_an_18_layer_model() {
        let layers: Vec<usize> = (0..18).filter(|&i| use_more_bits(i, 18)).collect();
        assert_eq!(layers, [0, 1, 4, 7, 10, 13, 15, 16, 17]);
    }

    #[test]
    fn names_sort_by_block_then_bytes() {
        let mut names = vec!["blk.10.attn_q.weight", "blk.2.ffn_up.weight", "token_embd.weight", "blk.2.attn_k.weight", "output_norm.weight"];
        names.sort_by(|a, b| weight_name_cmp(a, b));
        assert_eq!(names, ["output_norm.weight", "token_embd.weight", "blk.2.attn_k.weight", "blk.2.ffn_up.weight", "blk.10.attn_q.weight"]);
    }

    #[test]
    fn fallbacks_follow_block_sizes() {
        assert_eq!(fallback(GgmlType::Q4K, 640), GgmlType::Q5_0);
        assert_eq!(fallback(GgmlType::Q6K, 640), GgmlType::Q8_0);
        assert_eq!(fallback(GgmlType::Q4K, 2048), GgmlType::Q4K);
        assert_eq!(fallback(GgmlType::Q4K, 40), GgmlType::F16);
    }
}
