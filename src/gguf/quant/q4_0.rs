//! Q4_0 and Q4_1: 32 values per block in nibbles. Q4_1 is read only.

use super::blocks::{as_blocks, as_blocks_mut, BlockQ4_0, BlockQ4_1, Half, QK};

/// Matches ggml's `quantize_row_q4_0_ref`: d = max / −8, codes trunc(x / d + 8.5) limited to 15.
pub fn quantize_row_q4_0_ref(x: &[f32], y: &mut [u8]) {
    let y: &mut [BlockQ4_0] = as_blocks_mut(y);
    assert_eq!(x.len(), y.len() * QK);
    for (xb, yb) in x.chunks_exact(QK).zip(y) {
        let (mut amax, mut max) = (0f32, 0f32);
        for &v in xb {
            if amax < v.abs() {
                amax = v.abs();
                max = v;
            }
        }
        let d = max / -8.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        yb.d = Half::from_f32(d);
        for j in 0..QK / 2 {
            let c0 = (((xb[j] * id + 8.5) as i32) as i8).min(15) as u8;
            let c1 = (((xb[j + QK / 2] * id + 8.5) as i32) as i8).min(15) as u8;
            yb.qs[j] = c0 | (c1 << 4);
        }
    }
}

/// Matches ggml's `dequantize_row_q4_0`.
pub fn dequantize_row_q4_0(x: &[u8], y: &mut [f32]) {
    let x: &[BlockQ4_0] = as_blocks(x);
    assert_eq!(y.len(), x.len() * QK);
    for (xb, yb) in x.iter().zip(y.chunks_exact_mut(QK)) {
        let d = xb.d.get();
        for j in 0..QK / 2 {
            yb[j] = ((xb.qs[j] & 0x0f) as i32 - 8) as f32 * d;
            yb[j + QK / 2] = ((xb.qs[j] >> 4) as i32 - 8) as f32 * d;
        }
    }
}

/// Matches ggml's `dequantize_row_q4_1`.
pub fn dequantize_row_q4_1(x: &[u8], y: &mut [f32]) {
    let x: &[BlockQ4_1] = as_blocks(x);
    assert_eq!(y.len(), x.len() * QK);
    for (xb, yb) in x.iter().zip(y.chunks_exact_mut(QK)) {
        let (d, m) = (xb.d.get(), xb.m.get());
        for j in 0..QK / 2 {
            yb[j] = (xb.qs[j] & 0x0f) as f32 * d + m;
            yb[j + QK / 2] = (xb.qs[j] >> 4) as f32 * d + m;
        }
    }
}
