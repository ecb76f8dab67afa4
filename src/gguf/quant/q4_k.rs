//! Q4_K: 256 values per superblock, eight sub-blocks of 32 with 6-bit scales and mins, 4-bit codes
//! (gguf-spec §2.3, §3.5).

use super::blocks::{as_blocks, as_blocks_mut, get_scale_min_k4, pack_scales_k4, BlockQ4K, Half, QK_K};
use super::k_common::{make_qkx2_quants, nearest_int};

/// Per-sub-block results of the first pass, shared by Q4_K and Q5_K.
pub(crate) struct SubScales {
    pub scales: [f32; 8],
    pub mins: [f32; 8],
}

/// The superblock scale quantization common to Q4_K and Q5_K: returns the packed 12 bytes and
/// the two super-scales.
pub(crate) fn quantize_sub_scales(s: &SubScales) -> ([u8; 12], Half, Half) {
    let (mut max_scale, mut max_min) = (0f32, 0f32);
    for j in 0..8 {
        if s.scales[j] > max_scale {
            max_scale = s.scales[j];
        }
        if s.mins[j] > max_min {
            max_min = s.mins[j];
        }
    }
    let inv_scale = if max_scale > 0.0 { 63.0 / max_scale } else { 0.0 };
    let inv_min = if max_min > 0.0 { 63.0 / max_min } else { 0.0 };
    let mut ls = [0u8; 8];
    let mut lm = [0u8; 8];
    for j in 0..8 {
        // C stores nearest_int's result in a uint8_t (mod 256) before limiting it to 63.
        ls[j] = (nearest_int(inv_scale * s.scales[j]) as u8).min(63);
        lm[j] = (nearest_int(inv_min * s.mins[j]) as u8).min(63);
    }
    (pack_scales_k4(&ls, &lm), Half::from_f32(max_scale / 63.0), Half::from_f32(max_min / 63.0))
}

/// The second pass of Q4_K/Q5_K: requantizes each sub-block against its stored scale and min,
/// keeping the first-pass codes where the scale is zero.
pub(crate) fn requantize_k4(x: &[f32], scales: &[u8; 12], d: Half, dmin: Half, nmax: i32, l: &mut [u8; QK_K]) {
    for j in 0..8 {
        let (sc, m) = get_scale_min_k4(j, scales);
        let dd = d.get() * f32::from(sc);
        if dd == 0.0 {
            continue;
        }
        let dm = dmin.get() * f32::from(m);
        for ii in 0..32 {
            l[32 * j + ii] = nearest_int((x[32 * j + ii] + dm) / dd).clamp(0, nmax) as u8;
        }
    }
}

/// `quantize_row_q4_K_ref`'s per-sub-block weights: av_x + |x|, av_x = sqrt(mean of x²).
pub(crate) fn sub_block_weights(x: &[f32]) -> [f32; 32] {
    let mut sum_x2 = 0f32;
    for &v in x {
        sum_x2 += v * v;
    }
    let av_x = (sum_x2 / 32.0).sqrt();
    let mut w = [0f32; 32];
    for (w, &v) in w.iter_mut().zip(x) {
        *w = av_x + v.abs();
    }
    w
}

/// Matches ggml's `quantize_row_q4_K_ref` (no importance matrix).
pub fn quantize_row_q4_k_ref(x: &[f32], y: &mut [u8]) {
    let y: &mut [BlockQ4K] = as_blocks_mut(y);
    assert_eq!(x.len(), y.len() * QK_K);
    for (xb, yb) in x.chunks_exact(QK_K).zip(y) {
        let mut l = [0u8; QK_K];
        let mut s = SubScales { scales: [0.0; 8], mins: [0.0; 8] };
        for j in 0..8 {
            let xs = &xb[32 * j..32 * j + 32];
            let w = sub_block_weights(xs);
            (s.scales[j], s.mins[j]) = make_qkx2_quants(15, xs, &w, &mut l[32 * j..32 * j + 32], -1.0, 0.1, 20);
        }
        let (scales, d, dmin) = quantize_sub_scales(&s);
        requantize_k4(xb, &scales, d, dmin, 15, &mut l);
        write_q4_k(yb, scales, d, dmin, &l);
    }
}

pub(crate) fn write_q4_k(yb: &mut BlockQ4K, scales: [u8; 12], d: Half, dmin: Half, l: &[u8; QK_K]) {
    yb.d = d;
    yb.dmin = dmin;
    yb.scales = scales;
    for c in 0..4 {
        for i in 0..32 {
            yb.qs[32 * c + i] = l[64 * c + i] | (l[64 * c + 32 + i] << 4);
        }
    }
}

/// Matches ggml's `dequantize_row_q4_K`.
pub fn dequantize_row_q4_k(x: &[u8], y: &mut [f32]) {
    let x: &[BlockQ4K] = as_blocks(x);
    assert_eq!(y.len(), x.len() * QK_K);
    for (xb, yb) in x.iter().zip(y.chunks_exact_mut(QK_K)) {
        let (d, min) = (xb.d.get(), xb.dmin.get());
        for c in 0..4 {
            let (sc1, m1) = get_scale_min_k4(2 * c, &xb.scales);
            let (sc2, m2) = get_scale_min_k4(2 * c + 1, &xb.scales);
            let (d1, m1) = (d * f32::from(sc1), min * f32::from(m1));
            let (d2, m2) = (d * f32::from(sc2), min * f32::from(m2));
            let q = &xb.qs[32 * c..32 * c + 32];
            for i in 0..32 {
                yb[64 * c + i] = d1 * f32::from(q[i] & 0xf) - m1;
                yb[64 * c + 32 + i] = d2 * f32::from(q[i] >> 4) - m2;
            }
        }
    }
}
