//! Q8_0: 32 values per block, one f16 scale and 32 signed bytes (gguf-spec §2.1, §3.3).

use super::blocks::{as_blocks, as_blocks_mut, BlockQ8_0, Half, QK};

/// Matches ggml's `quantize_row_q8_0_ref`: d = amax / 127, q = roundf(x / d) (half away from zero),
/// computed with the unrounded f32 d.
pub fn quantize_row_q8_0_ref(x: &[f32], y: &mut [u8]) {
    let y: &mut [BlockQ8_0] = as_blocks_mut(y);
    assert_eq!(x.len(), y.len() * QK);
    for (xb, yb) in x.chunks_exact(QK).zip(y) {
        let amax = xb.iter().fold(0f32, |m, v| if m > v.abs() { m } else { v.abs() });
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        yb.d = Half::from_f32(d);
        for (q, &v) in yb.qs.iter_mut().zip(xb) {
            *q = (v * id).round() as i8;
        }
    }
}

/// Matches ggml's `dequantize_row_q8_0`.
pub fn dequantize_row_q8_0(x: &[u8], y: &mut [f32]) {
    let x: &[BlockQ8_0] = as_blocks(x);
    assert_eq!(y.len(), x.len() * QK);
    for (xb, yb) in x.iter().zip(y.chunks_exact_mut(QK)) {
        let d = xb.d.get();
        for (o, &q) in yb.iter_mut().zip(&xb.qs) {
            *o = f32::from(q) * d;
        }
    }
}
