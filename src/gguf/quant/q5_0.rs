//! Q5_0 and Q5_1: 32 values per block, 5-bit codes split into nibbles and a 32-bit mask of fifth
//! bits (gguf-spec §2.2, §3.4). Q5_1 is read only.

use super::blocks::{as_blocks, as_blocks_mut, BlockQ5_0, BlockQ5_1, Half, QK};

/// Matches ggml's `quantize_row_q5_0_ref`: the first element of largest magnitude sets
/// d = max / −16; codes are trunc(x / d + 16.5) limited to 31.
pub fn quantize_row_q5_0_ref(x: &[f32], y: &mut [u8]) {
    let y: &mut [BlockQ5_0] = as_blocks_mut(y);
    assert_eq!(x.len(), y.len() * QK);
    for (xb, yb) in x.chunks_exact(QK).zip(y) {
        let (mut amax, mut max) = (0f32, 0f32);
        for &v in xb {
            if amax < v.abs() {
                amax = v.abs();
                max = v;
            }
        }
        let d = max / -16.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        yb.d = Half::from_f32(d);
        let mut qh = 0u32;
        for j in 0..QK / 2 {
            // C converts to int8_t, truncating toward zero; the argument lies in [0.5, 32.5].
            let c0 = (((xb[j] * id + 16.5) as i32) as i8).min(31) as u8;
            let c1 = (((xb[j + QK / 2] * id + 16.5) as i32) as i8).min(31) as u8;
            yb.qs[j] = (c0 & 0x0f) | ((c1 & 0x0f) << 4);
            qh |= u32::from((c0 & 0x10) >> 4) << j;
            qh |= u32::from((c1 & 0x10) >> 4) << (j + QK / 2);
        }
        yb.qh = qh.to_le_bytes();
    }
}

/// Matches ggml's `dequantize_row_q5_0`.
pub fn dequantize_row_q5_0(x: &[u8], y: &mut [f32]) {
    let x: &[BlockQ5_0] = as_blocks(x);
    assert_eq!(y.len(), x.len() * QK);
    for (xb, yb) in x.iter().zip(y.chunks_exact_mut(QK)) {
        let d = xb.d.get();
        let qh = u32::from_le_bytes(xb.qh);
        for j in 0..QK / 2 {
            let h0 = ((qh >> j) << 4) & 0x10;
            let h1 = (qh >> (j + 12)) & 0x10;
            let c0 = (u32::from(xb.qs[j] & 0x0f) | h0) as i32 - 16;
            let c1 = (u32::from(xb.qs[j] >> 4) | h1) as i32 - 16;
            yb[j] = c0 as f32 * d;
            yb[j + QK / 2] = c1 as f32 * d;
        }
    }
}

/// Matches ggml's `dequantize_row_q5_1`.
pub fn dequantize_row_q5_1(x: &[u8], y: &mut [f32]) {
    let x: &[BlockQ5_1] = as_blocks(x);
    assert_eq!(y.len(), x.len() * QK);
    for (xb, yb) in x.iter().zip(y.chunks_exact_mut(QK)) {
        let (d, m) = (xb.d.get(), xb.m.get());
        let qh = u32::from_le_bytes(xb.qh);
        for j in 0..QK / 2 {
            let h0 = ((qh >> j) << 4) & 0x10;
            let h1 = (qh >> (j + 12)) & 0x10;
            let c0 = u32::from(xb.qs[j] & 0x0f) | h0;
            let c1 = u32::from(xb.qs[j] >> 4) | h1;
            yb[j] = c0 as f32 * d + m;
            yb[j + QK / 2] = c1 as f32 * d + m;
        }
    }
}
