//! Fast K-quant kernels that stay byte-identical to the reference ones.
//!
//! The costly part of Q4_K, Q5_K and Q6_K is the scale search, run independently for every
//! sub-block. Here each SIMD lane runs the search for one sub-block: lane k performs exactly the
//! scalar sequence of f32 operations for sub-block k (same order, same strict comparisons, no
//! fused multiply-adds, which Rust never introduces), and branches become per-lane selects. The
//! arrays-of-lanes code below is written so that LLVM turns each `for k in 0..N` into vector
//! instructions; it is compiled once for AVX2 and once for the baseline, chosen at run time.
//! The tests in `quant::tests` compare these kernels with the `_ref` ones block for block.
#![allow(clippy::needless_range_loop)] // lanes are indexed [element][lane] on purpose

use super::blocks::{as_blocks_mut, BlockQ4K, BlockQ5K, BlockQ6K, QK_K};
use super::k_common::GROUP_MAX_EPS;
use super::q4_k::{quantize_sub_scales, requantize_k4, write_q4_k, SubScales};
use super::q5_k::write_q5_k;
use super::q6_k::finish_q6_k;

#[inline(always)]
fn nearest_int(v: f32) -> i32 {
    let val = v + 12_582_912.0;
    (val.to_bits() as i32 & 0x007f_ffff) - 0x0040_0000
}

/// `make_qkx2_quants` over 8 sub-blocks of 32 at once. `xt[i][k]` is element i of sub-block k.
/// Returns per-lane (scale, the_min) and leaves the codes in `l[i][k]`.
#[inline(always)]
fn make_qkx2_quants_x8(nmax: i32, xt: &[[f32; 8]; 32], wt: &[[f32; 8]; 32], l: &mut [[u8; 8]; 32], rmin: f32, rdelta: f32, nstep: i32) -> ([f32; 8], [f32; 8]) {
    const N: usize = 8;
    let nmaxf = nmax as f32;
    let mut min = xt[0];
    let mut max = xt[0];
    let mut sum_w = wt[0];
    let mut sum_x = [0f32; N];
    for k in 0..N {
        sum_x[k] = sum_w[k] * xt[0][k];
    }
    for i in 1..32 {
        for k in 0..N {
            let x = xt[i][k];
            min[k] = if x < min[k] { x } else { min[k] };
            max[k] = if x > max[k] { x } else { max[k] };
            sum_w[k] += wt[i][k];
            sum_x[k] += wt[i][k] * x;
        }
    }
    let mut flat = [false; N];
    let mut range = [0f32; N];
    let mut iscale = [0f32; N];
    let mut scale = [0f32; N];
    for k in 0..N {
        min[k] = if min[k] > 0.0 { 0.0 } else { min[k] };
        flat[k] = max[k] == min[k];
        range[k] = max[k] - min[k];
        iscale[k] = nmaxf / range[k];
        scale[k] = 1.0 / iscale[k];
    }
    let mut lq = [[0f32; N]; 32];
    let mut best_error = [0f32; N];
    for i in 0..32 {
        for k in 0..N {
            let q = nearest_int(iscale[k] * (xt[i][k] - min[k])).clamp(0, nmax) as f32;
            lq[i][k] = q;
            let diff = scale[k] * q + min[k] - xt[i][k];
            best_error[k] += wt[i][k] * (diff * diff);
        }
    }
    let mut laux = [[0f32; N]; 32];
    for is in 0..=nstep {
        let num = rmin + rdelta * is as f32 + nmaxf;
        let mut sum_l = [0f32; N];
        let mut sum_l2 = [0f32; N];
        let mut sum_xl = [0f32; N];
        for k in 0..N {
            // `min` may have changed in an earlier step: the range is recomputed, as in C.
            iscale[k] = num / (max[k] - min[k]);
        }
        for i in 0..32 {
            for k in 0..N {
                let q = nearest_int(iscale[k] * (xt[i][k] - min[k])).clamp(0, nmax) as f32;
                laux[i][k] = q;
                let wl = wt[i][k] * q;
                sum_l[k] += wl;
                sum_l2[k] += wl * q;
                sum_xl[k] += wl * xt[i][k];
            }
        }
        let mut ok = [false; N];
        let mut this_scale = [0f32; N];
        let mut this_min = [0f32; N];
        for k in 0..N {
            let d = sum_w[k] * sum_l2[k] - sum_l[k] * sum_l[k];
            ok[k] = d > 0.0;
            let ts = (sum_w[k] * sum_xl[k] - sum_x[k] * sum_l[k]) / d;
            let tm = (sum_l2[k] * sum_x[k] - sum_l[k] * sum_xl[k]) / d;
            let clip = tm > 0.0;
            this_min[k] = if clip { 0.0 } else { tm };
            this_scale[k] = if clip { sum_xl[k] / sum_l2[k] } else { ts };
        }
        let mut cur_error = [0f32; N];
        for i in 0..32 {
            for k in 0..N {
                let diff = this_scale[k] * laux[i][k] + this_min[k] - xt[i][k];
                cur_error[k] += wt[i][k] * (diff * diff);
            }
        }
        let mut better = [false; N];
        for k in 0..N {
            // A flat lane returned before the search in C: its lanes here hold NaN and must not move.
            better[k] = !flat[k] && ok[k] && cur_error[k] < best_error[k];
            best_error[k] = if better[k] { cur_error[k] } else { best_error[k] };
            scale[k] = if better[k] { this_scale[k] } else { scale[k] };
            min[k] = if better[k] { this_min[k] } else { min[k] };
        }
        for i in 0..32 {
            for k in 0..N {
                lq[i][k] = if better[k] { laux[i][k] } else { lq[i][k] };
            }
        }
    }
    let mut the_min = [0f32; N];
    for k in 0..N {
        // A flat sub-block returns scale 0 and codes 0 before any search (C returns early).
        the_min[k] = -min[k];
        if flat[k] {
            scale[k] = 0.0;
        }
    }
    for i in 0..32 {
        for k in 0..N {
            l[i][k] = if flat[k] { 0 } else { lq[i][k] as u8 };
        }
    }
    (scale, the_min)
}

/// First pass of Q4_K/Q5_K for one superblock: weights and scale search for its 8 sub-blocks.
#[inline(always)]
fn first_pass_k4(xb: &[f32], nmax: i32, rmin: f32, rdelta: f32, nstep: i32, l: &mut [u8; QK_K]) -> SubScales {
    let mut xt = [[0f32; 8]; 32];
    let mut wt = [[0f32; 8]; 32];
    for k in 0..8 {
        for i in 0..32 {
            xt[i][k] = xb[32 * k + i];
        }
    }
    let mut sum_x2 = [0f32; 8];
    for i in 0..32 {
        for k in 0..8 {
            sum_x2[k] += xt[i][k] * xt[i][k];
        }
    }
    let mut av_x = [0f32; 8];
    for k in 0..8 {
        av_x[k] = (sum_x2[k] / 32.0).sqrt();
    }
    for i in 0..32 {
        for k in 0..8 {
            wt[i][k] = av_x[k] + xt[i][k].abs();
        }
    }
    let mut lt = [[0u8; 8]; 32];
    let (scales, mins) = make_qkx2_quants_x8(nmax, &xt, &wt, &mut lt, rmin, rdelta, nstep);
    for k in 0..8 {
        for i in 0..32 {
            l[32 * k + i] = lt[i][k];
        }
    }
    SubScales { scales, mins }
}

#[inline(always)]
fn quantize_row_q4_k_impl(x: &[f32], y: &mut [u8]) {
    let y: &mut [BlockQ4K] = as_blocks_mut(y);
    for (xb, yb) in x.chunks_exact(QK_K).zip(y) {
        let mut l = [0u8; QK_K];
        let s = first_pass_k4(xb, 15, -1.0, 0.1, 20, &mut l);
        let (scales, d, dmin) = quantize_sub_scales(&s);
        requantize_k4(xb, &scales, d, dmin, 15, &mut l);
        write_q4_k(yb, scales, d, dmin, &l);
    }
}

#[inline(always)]
fn quantize_row_q5_k_impl(x: &[f32], y: &mut [u8]) {
    let y: &mut [BlockQ5K] = as_blocks_mut(y);
    for (xb, yb) in x.chunks_exact(QK_K).zip(y) {
        let mut l = [0u8; QK_K];
        let s = first_pass_k4(xb, 31, -0.5, 0.1, 15, &mut l);
        let (scales, d, dmin) = quantize_sub_scales(&s);
        requantize_k4(xb, &scales, d, dmin, 31, &mut l);
        write_q5_k(yb, scales, d, dmin, &l);
    }
}

/// `make_qx_quants(16, 32, x, L, rmse_type = 1)` over the 16 sub-blocks of a Q6_K superblock.
#[inline(always)]
fn make_qx_quants_x16(xt: &[[f32; 16]; 16], l: &mut [[i8; 16]; 16]) -> [f32; 16] {
    const N: usize = 16;
    const NMAX: i32 = 32;
    let mut max = [0f32; N];
    let mut amax = [0f32; N];
    for i in 0..16 {
        for k in 0..N {
            let a = xt[i][k].abs();
            let bigger = a > amax[k];
            amax[k] = if bigger { a } else { amax[k] };
            max[k] = if bigger { xt[i][k] } else { max[k] };
        }
    }
    let mut w = [[0f32; N]; 16];
    for i in 0..16 {
        for k in 0..N {
            w[i][k] = xt[i][k] * xt[i][k];
        }
    }
    let mut lq = [[0f32; N]; 16];
    let mut sumlx = [0f32; N];
    let mut suml2 = [0f32; N];
    let mut iscale = [0f32; N];
    for k in 0..N {
        iscale[k] = -(NMAX as f32) / max[k];
    }
    for i in 0..16 {
        for k in 0..N {
            let q = nearest_int(iscale[k] * xt[i][k]).clamp(-NMAX, NMAX - 1) as f32;
            lq[i][k] = q;
            sumlx[k] += w[i][k] * xt[i][k] * q;
            suml2[k] += w[i][k] * q * q;
        }
    }
    let mut scale = [0f32; N];
    let mut best = [0f32; N];
    for k in 0..N {
        scale[k] = if suml2[k] != 0.0 { sumlx[k] / suml2[k] } else { 0.0 };
        best[k] = scale[k] * sumlx[k];
    }
    let mut laux = [[0f32; N]; 16];
    for is in -9i32..=9 {
        if is == 0 {
            continue;
        }
        let num = -(NMAX as f32 + 0.1 * is as f32);
        for k in 0..N {
            iscale[k] = num / max[k];
            sumlx[k] = 0.0;
            suml2[k] = 0.0;
        }
        for i in 0..16 {
            for k in 0..N {
                let q = nearest_int(iscale[k] * xt[i][k]).clamp(-NMAX, NMAX - 1) as f32;
                laux[i][k] = q;
                sumlx[k] += w[i][k] * xt[i][k] * q;
                suml2[k] += w[i][k] * q * q;
            }
        }
        let mut better = [false; N];
        for k in 0..N {
            better[k] = suml2[k] > 0.0 && sumlx[k] * sumlx[k] > best[k] * suml2[k];
            let s = sumlx[k] / suml2[k];
            scale[k] = if better[k] { s } else { scale[k] };
            best[k] = if better[k] { s * sumlx[k] } else { best[k] };
        }
        for i in 0..16 {
            for k in 0..N {
                lq[i][k] = if better[k] { laux[i][k] } else { lq[i][k] };
            }
        }
    }
    for k in 0..N {
        if amax[k] < GROUP_MAX_EPS {
            scale[k] = 0.0;
        }
    }
    for i in 0..16 {
        for k in 0..N {
            l[i][k] = if amax[k] < GROUP_MAX_EPS { 0 } else { (lq[i][k] as i32 + NMAX) as i8 };
        }
    }
    scale
}

#[inline(always)]
fn quantize_row_q6_k_impl(x: &[f32], y: &mut [u8]) {
    let y: &mut [BlockQ6K] = as_blocks_mut(y);
    for (xb, yb) in x.chunks_exact(QK_K).zip(y) {
        let mut xt = [[0f32; 16]; 16];
        for k in 0..16 {
            for i in 0..16 {
                xt[i][k] = xb[16 * k + i];
            }
        }
        let mut lt = [[0i8; 16]; 16];
        let scales = make_qx_quants_x16(&xt, &mut lt);
        let mut l = [0i8; QK_K];
        for k in 0..16 {
            for i in 0..16 {
                l[16 * k + i] = lt[i][k];
            }
        }
        finish_q6_k(xb, &scales, &mut l, yb);
    }
}

macro_rules! dispatch {
    ($(#[$doc:meta])* $name:ident, $imp:ident) => {
        $(#[$doc])*
        pub fn $name(x: &[f32], y: &mut [u8]) {
            assert_eq!(x.len() % QK_K, 0, "row length must be a multiple of 256");
            #[cfg(target_arch = "x86_64")]
            {
                if std::is_x86_feature_detected!("avx2") {
                    #[target_feature(enable = "avx2")]
                    unsafe fn avx2(x: &[f32], y: &mut [u8]) {
                        $imp(x, y)
                    }
                    // SAFETY: AVX2 was detected above.
                    return unsafe { avx2(x, y) };
                }
            }
            $imp(x, y)
        }
    };
}

dispatch!(
    /// Byte-identical to `quantize_row_q4_k_ref`, several times faster.
    quantize_row_q4_k, quantize_row_q4_k_impl
);
dispatch!(
    /// Byte-identical to `quantize_row_q5_k_ref`.
    quantize_row_q5_k, quantize_row_q5_k_impl
);
dispatch!(
    /// Byte-identical to `quantize_row_q6_k_ref`.
    quantize_row_q6_k, quantize_row_q6_k_impl
);
