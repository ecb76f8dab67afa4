//! Q5_K: as Q4_K with 5-bit codes; the fifth bits live in `qh` (gguf-spec §2.4, §3.5).

use super::blocks::{as_blocks, as_blocks_mut, get_scale_min_k4, BlockQ5K, Half, QK_K};
use super::k_common::make_qkx2_quants;
use super::q4_k::{quantize_sub_scales, requantize_k4, sub_block_weights, SubScales};

/// Matches ggml's `quantize_row_q5_K_ref` (no importance matrix).
pub fn quantize_row_q5_k_ref(x: &[f32], y: &mut [u8]) {
    let y: &mut [BlockQ5K] = as_blocks_mut(y);
    assert_eq!(x.len(), y.len() * QK_K);
    for (xb, yb) in x.chunks_exact(QK_K).zip(y) {
        let mut l = [0u8; QK_K];
        let mut s = SubScales { scales: [0.0; 8], mins: [0.0; 8] };
        for j in 0..8 {
            let xs = &xb[32 * j..32 * j + 32];
            let w = sub_block_weights(xs);
            (s.scales[j], s.mins[j]) = make_qkx2_quants(31, xs, &w, &mut l[32 * j..32 * j + 32], -0.5, 0.1, 15);
        }
        let (scales, d, dmin) = quantize_sub_scales(&s);
        requantize_k4(xb, &scales, d, dmin, 31, &mut l);
        write_q5_k(yb, scales, d, dmin, &l);
    }
}

pub(crate) fn write_q5_k(yb: &mut BlockQ5K, scales: [u8; 12], d: Half, dmin: Half, l: &[u8; QK_K]) {
    yb.d = d;
    yb.dmin = dmin;
    yb.scales = scales;
    yb.qh = [0; 32];
    for c in 0..4 {
        let (m1, m2) = (1u8 << (2 * c), 2u8 << (2 * c));
        for j in 0..32 {
            let mut l1 = l[64 * c + j];
            if l1 > 15 {
                l1 -= 16;
                yb.qh[j] |= m1;
            }
            let mut l2 = l[64 * c + 32 + j];
            if l2 > 15 {
                l2 -= 16;
                yb.qh[j] |= m2;
            }
            yb.qs[32 * c + j] = l1 | (l2 << 4);
        }
    }
}

/// Matches ggml's `dequantize_row_q5_K`.
pub fn dequantize_row_q5_k(x: &[u8], y: &mut [f32]) {
    let x: &[BlockQ5K] = as_blocks(x);
    assert_eq!(y.len(), x.len() * QK_K);
    for (xb, yb) in x.iter().zip(y.chunks_exact_mut(QK_K)) {
        let (d, min) = (xb.d.get(), xb.dmin.get());
        for c in 0..4 {
            let (sc1, m1) = get_scale_min_k4(2 * c, &xb.scales);
            let (sc2, m2) = get_scale_min_k4(2 * c + 1, &xb.scales);
            let (d1, m1) = (d * f32::from(sc1), min * f32::from(m1));
            let (d2, m2) = (d * f32::from(sc2), min * f32::from(m2));
            let (u1, u2) = (1u8 << (2 * c), 2u8 << (2 * c));
            let q = &xb.qs[32 * c..32 * c + 32];
            for i in 0..32 {
                let hi1 = if xb.qh[i] & u1 != 0 { 16 } else { 0 };
                let hi2 = if xb.qh[i] & u2 != 0 { 16 } else { 0 };
                yb[64 * c + i] = d1 * f32::from((q[i] & 0xf) + hi1) - m1;
                yb[64 * c + 32 + i] = d2 * f32::from((q[i] >> 4) + hi2) - m2;
            }
        }
    }
}
