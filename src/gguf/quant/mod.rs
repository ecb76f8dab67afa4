//! Row quantizers and dequantizers for every type `fg` reads or writes, named after the ggml
//! functions they match. `quantize_row` picks the fast kernels, which are tested against the
//! `_ref` ports block for block.

pub mod blocks;
pub mod float;
pub mod k_common;
pub mod lanes;
pub mod q4_0;
pub mod q4_k;
pub mod q5_0;
pub mod q5_k;
pub mod q6_k;
pub mod q8_0;
#[doc(hidden)]
pub mod testdata;

use super::consts::GgmlType;

/// Whether `fg` can write tensors of this type.
pub fn can_quantize(ty: GgmlType) -> bool {
    !matches!(ty, GgmlType::Q4_1 | GgmlType::Q5_1)
}

/// Converts f32 values (whole blocks) to `ty`'s bytes, exactly as llama.cpp's reference quantizer.
/// `y` must hold `ty.row_bytes(x.len())` bytes.
pub fn quantize_row(ty: GgmlType, x: &[f32], y: &mut [u8]) {
    assert_eq!(Some(y.len() as u64), ty.row_bytes(x.len() as u64), "output size does not match {ty} for {} values", x.len());
    match ty {
        GgmlType::F32 => {
            for (d, v) in y.chunks_exact_mut(4).zip(x) {
                d.copy_from_slice(&v.to_le_bytes());
            }
        }
        GgmlType::F16 => float::f32_row_to_f16(x, y),
        GgmlType::BF16 => float::f32_row_to_bf16(x, y),
        GgmlType::Q4_0 => q4_0::quantize_row_q4_0_ref(x, y),
        GgmlType::Q5_0 => q5_0::quantize_row_q5_0_ref(x, y),
        GgmlType::Q8_0 => q8_0::quantize_row_q8_0_ref(x, y),
        GgmlType::Q4K => lanes::quantize_row_q4_k(x, y),
        GgmlType::Q5K => lanes::quantize_row_q5_k(x, y),
        GgmlType::Q6K => lanes::quantize_row_q6_k(x, y),
        GgmlType::Q4_1 | GgmlType::Q5_1 => panic!("fg does not write {ty}"),
    }
}

/// The reference (scalar) quantizers only, for tests and benchmarks of the fast ones.
pub fn quantize_row_ref(ty: GgmlType, x: &[f32], y: &mut [u8]) {
    match ty {
        GgmlType::Q4K => q4_k::quantize_row_q4_k_ref(x, y),
        GgmlType::Q5K => q5_k::quantize_row_q5_k_ref(x, y),
        GgmlType::Q6K => q6_k::quantize_row_q6_k_ref(x, y),
        _ => quantize_row(ty, x, y),
    }
}

/// Converts `ty`'s bytes (whole blocks) to f32, exactly as ggml's `to_float`.
pub fn dequantize_row(ty: GgmlType, x: &[u8], y: &mut [f32]) {
    assert_eq!(Some(x.len() as u64), ty.row_bytes(y.len() as u64), "input size does not match {ty} for {} values", y.len());
    match ty {
        GgmlType::F32 => {
            for (d, s) in y.iter_mut().zip(x.chunks_exact(4)) {
                *d = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
            }
        }
        GgmlType::F16 => float::f16_row_to_f32(x, y),
        GgmlType::BF16 => float::bf16_row_to_f32(x, y),
        GgmlType::Q4_0 => q4_0::dequantize_row_q4_0(x, y),
        GgmlType::Q4_1 => q4_0::dequantize_row_q4_1(x, y),
        GgmlType::Q5_0 => q5_0::dequantize_row_q5_0(x, y),
        GgmlType::Q5_1 => q5_0::dequantize_row_q5_1(x, y),
        GgmlType::Q8_0 => q8_0::dequantize_row_q8_0(x, y),
        GgmlType::Q4K => q4_k::dequantize_row_q4_k(x, y),
        GgmlType::Q5K => q5_k::dequantize_row_q5_k(x, y),
        GgmlType::Q6K => q6_k::dequantize_row_q6_k(x, y),
    }
}

/// ggml's `ggml_validate_row_data` for what `fg` writes: the index of the first block whose scale
/// (or, for float types, value) is NaN or Inf.
pub fn first_invalid_block(ty: GgmlType, y: &[u8]) -> Option<usize> {
    use blocks::*;
    let bad = |h: Half| !h.get().is_finite();
    match ty {
        GgmlType::F32 => y.chunks_exact(4).position(|b| !f32::from_le_bytes([b[0], b[1], b[2], b[3]]).is_finite()),
        GgmlType::F16 => y.chunks_exact(2).position(|b| !float::f16_to_f32(u16::from_le_bytes([b[0], b[1]])).is_finite()),
        GgmlType::BF16 => y.chunks_exact(2).position(|b| !float::bf16_to_f32(u16::from_le_bytes([b[0], b[1]])).is_finite()),
        GgmlType::Q4_0 => as_blocks::<BlockQ4_0>(y).iter().position(|b| bad(b.d)),
        GgmlType::Q4_1 => as_blocks::<BlockQ4_1>(y).iter().position(|b| bad(b.d) || bad(b.m)),
        GgmlType::Q5_0 => as_blocks::<BlockQ5_0>(y).iter().position(|b| bad(b.d)),
        GgmlType::Q5_1 => as_blocks::<BlockQ5_1>(y).iter().position(|b| bad(b.d) || bad(b.m)),
        GgmlType::Q8_0 => as_blocks::<BlockQ8_0>(y).iter().position(|b| bad(b.d)),
        GgmlType::Q4K => as_blocks::<BlockQ4K>(y).iter().position(|b| bad(b.d) || bad(b.dmin)),
        GgmlType::Q5K => as_blocks::<BlockQ5K>(y).iter().position(|b| bad(b.d) || bad(b.dmin)),
        GgmlType::Q6K => as_blocks::<BlockQ6K>(y).iter().position(|b| bad(b.d)),
    }
}

#[cfg(test)]
mod tests;
