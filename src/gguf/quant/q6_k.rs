//! Q6_K: 256 values per superblock, sixteen sub-blocks of 16 with signed 8-bit scales, 6-bit codes
//! (gguf-spec §2.5, §3.7).

use super::blocks::{as_blocks, as_blocks_mut, BlockQ6K, Half, QK_K};
use super::k_common::{make_qx_quants, nearest_int, GROUP_MAX_EPS};

/// Matches ggml's `quantize_row_q6_K_ref` (no importance matrix).
pub fn quantize_row_q6_k_ref(x: &[f32], y: &mut [u8]) {
    let y: &mut [BlockQ6K] = as_blocks_mut(y);
    assert_eq!(x.len(), y.len() * QK_K);
    for (xb, yb) in x.chunks_exact(QK_K).zip(y) {
        let mut l = [0i8; QK_K];
        let mut scales = [0f32; 16];
        for (ib, s) in scales.iter_mut().enumerate() {
            *s = make_qx_quants(32, &xb[16 * ib..16 * ib + 16], &mut l[16 * ib..16 * ib + 16]);
        }
        finish_q6_k(xb, &scales, &mut l, yb);
    }
}

/// Everything after the per-sub-block search: the super-scale, 8-bit scales, second pass, packing.
pub(crate) fn finish_q6_k(xb: &[f32], scales: &[f32; 16], l: &mut [i8; QK_K], yb: &mut BlockQ6K) {
    let (mut max_scale, mut max_abs_scale) = (0f32, 0f32);
    for &s in scales {
        if s.abs() > max_abs_scale {
            max_abs_scale = s.abs();
            max_scale = s;
        }
    }
    if max_abs_scale < GROUP_MAX_EPS {
        *yb = BlockQ6K { ql: [0; 128], qh: [0; 64], scales: [0; 16], d: Half::from_f32(0.0) };
        return;
    }
    let iscale = -128.0 / max_scale;
    yb.d = Half::from_f32(1.0 / iscale);
    for (ib, &s) in scales.iter().enumerate() {
        yb.scales[ib] = nearest_int(iscale * s).min(127) as i8;
    }
    let d = yb.d.get();
    for j in 0..16 {
        let dd = d * f32::from(yb.scales[j]);
        if dd == 0.0 {
            continue;
        }
        for ii in 0..16 {
            l[16 * j + ii] = (nearest_int(xb[16 * j + ii] / dd).clamp(-32, 31) + 32) as i8;
        }
    }
    for h in 0..2 {
        for i in 0..32 {
            let a = l[128 * h + i] as u8;
            let b = l[128 * h + i + 32] as u8;
            let c = l[128 * h + i + 64] as u8;
            let e = l[128 * h + i + 96] as u8;
            yb.ql[64 * h + i] = (a & 0xf) | ((c & 0xf) << 4);
            yb.ql[64 * h + 32 + i] = (b & 0xf) | ((e & 0xf) << 4);
            yb.qh[32 * h + i] = (a >> 4) | ((b >> 4) << 2) | ((c >> 4) << 4) | ((e >> 4) << 6);
        }
    }
}

/// Matches ggml's `dequantize_row_q6_K`.
pub fn dequantize_row_q6_k(x: &[u8], y: &mut [f32]) {
    let x: &[BlockQ6K] = as_blocks(x);
    assert_eq!(y.len(), x.len() * QK_K);
    for (xb, yb) in x.iter().zip(y.chunks_exact_mut(QK_K)) {
        let d = xb.d.get();
        for h in 0..2 {
            let ql = &xb.ql[64 * h..64 * h + 64];
            let qh = &xb.qh[32 * h..32 * h + 32];
            let sc = &xb.scales[8 * h..8 * h + 8];
            for i in 0..32 {
                let is = i / 16;
                let q1 = ((ql[i] & 0xf) | ((qh[i] & 3) << 4)) as i32 - 32;
                let q2 = ((ql[i + 32] & 0xf) | (((qh[i] >> 2) & 3) << 4)) as i32 - 32;
                let q3 = ((ql[i] >> 4) | (((qh[i] >> 4) & 3) << 4)) as i32 - 32;
                let q4 = ((ql[i + 32] >> 4) | (((qh[i] >> 6) & 3) << 4)) as i32 - 32;
                yb[128 * h + i] = d * f32::from(sc[is]) * q1 as f32;
                yb[128 * h + i + 32] = d * f32::from(sc[is + 2]) * q2 as f32;
                yb[128 * h + i + 64] = d * f32::from(sc[is + 4]) * q3 as f32;
                yb[128 * h + i + 96] = d * f32::from(sc[is + 6]) * q4 as f32;
            }
        }
    }
}
