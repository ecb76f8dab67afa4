//! f16 and bf16 conversions exactly as ggml does them (gguf-spec §3.8, §2.6).
//!
//! f32 → f16 is IEEE round-to-nearest-even with overflow to ±Inf and NaN mapped to sign | 0x7E00
//! (`ggml_compute_fp32_to_fp16`). f32 → bf16 is `ggml_compute_fp32_to_bf16`: round-to-nearest-even
//! on the top half, NaN forced quiet. Row functions use F16C when the processor has it; the scalar
//! functions are the definition and the tests compare the two.

/// f16 bits → f32 (exact).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from(h >> 10) & 0x1f;
    let man = u32::from(h) & 0x3ff;
    let bits = match (exp, man) {
        (0, 0) => sign,
        // Subnormal: value = man · 2^-24, exact in f32.
        (0, _) => {
            let v = man as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, _) => sign | 0x7fc0_0000 | (man << 13),
        _ => sign | ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// f32 → f16 bits, round-to-nearest-even (`GGML_FP32_TO_FP16`).
pub fn f32_to_f16(f: f32) -> u16 {
    let x = f.to_bits();
    let sign = ((x >> 16) & 0x8000) as u16;
    let abs = x & 0x7fff_ffff;
    if abs > 0x7f80_0000 {
        return sign | 0x7e00; // NaN
    }
    if abs >= 0x4780_0000 {
        // |f| >= 65536: infinity (values in [65520, 65536) round up to it below).
        return sign | 0x7c00;
    }
    if abs < 0x3880_0000 {
        // |f| < 2^-14: subnormal or zero in f16. Round |f| / 2^-24 to an integer, ties to even.
        if abs < 0x3300_0000 {
            // Below 2^-25 rounds to zero; exactly 2^-25 is a tie that rounds to even (zero).
            return sign;
        }
        let e = (abs >> 23) as i32; // biased exponent, 102..=112
        let m = (abs & 0x7f_ffff) | 0x80_0000; // 24-bit significand
        let shift = (126 - e) as u32; // m · 2^(e-150) / 2^-24 = m >> (126 - e)
        let q = m >> shift;
        let rem = m & ((1 << shift) - 1);
        let half = 1 << (shift - 1);
        let q = if rem > half || (rem == half && q & 1 == 1) { q + 1 } else { q };
        return sign | q as u16;
    }
    // Normal: rebias the exponent, round the 13 dropped significand bits to nearest even.
    let rebased = abs - ((127 - 15) << 23);
    let q = rebased >> 13;
    let rem = rebased & 0x1fff;
    let q = if rem > 0x1000 || (rem == 0x1000 && q & 1 == 1) { q + 1 } else { q };
    sign | q as u16
}

/// bf16 bits → f32 (exact).
pub fn bf16_to_f32(h: u16) -> f32 {
    f32::from_bits(u32::from(h) << 16)
}

/// f32 → bf16 bits (`ggml_compute_fp32_to_bf16`).
pub fn f32_to_bf16(f: f32) -> u16 {
    let u = f.to_bits();
    if u & 0x7fff_ffff > 0x7f80_0000 {
        return ((u >> 16) | 64) as u16;
    }
    ((u + (0x7fff + ((u >> 16) & 1))) >> 16) as u16
}

/// Little-endian f16 bytes → f32.
pub fn f16_row_to_f32(src: &[u8], dst: &mut [f32]) {
    assert_eq!(src.len(), dst.len() * 2);
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("f16c") && std::is_x86_feature_detected!("avx") {
        // SAFETY: the features were detected above.
        unsafe { x86::f16_row_to_f32(src, dst) };
        return;
    }
    for (d, s) in dst.iter_mut().zip(src.chunks_exact(2)) {
        *d = f16_to_f32(u16::from_le_bytes([s[0], s[1]]));
    }
}

/// f32 → little-endian f16 bytes. NaN inputs must be rejected before (ggml rejects them too).
pub fn f32_row_to_f16(src: &[f32], dst: &mut [u8]) {
    assert_eq!(dst.len(), src.len() * 2);
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("f16c") && std::is_x86_feature_detected!("avx") {
        // SAFETY: the features were detected above.
        unsafe { x86::f32_row_to_f16(src, dst) };
        return;
    }
    for (s, d) in src.iter().zip(dst.chunks_exact_mut(2)) {
        d.copy_from_slice(&f32_to_f16(*s).to_le_bytes());
    }
}

pub fn bf16_row_to_f32(src: &[u8], dst: &mut [f32]) {
    assert_eq!(src.len(), dst.len() * 2);
    for (d, s) in dst.iter_mut().zip(src.chunks_exact(2)) {
        *d = bf16_to_f32(u16::from_le_bytes([s[0], s[1]]));
    }
}

pub fn f32_row_to_bf16(src: &[f32], dst: &mut [u8]) {
    assert_eq!(dst.len(), src.len() * 2);
    for (s, d) in src.iter().zip(dst.chunks_exact_mut(2)) {
        d.copy_from_slice(&f32_to_bf16(*s).to_le_bytes());
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx,f16c")]
    pub unsafe fn f16_row_to_f32(src: &[u8], dst: &mut [f32]) {
        let n = dst.len();
        let mut i = 0;
        while i + 8 <= n {
            let h = _mm_loadu_si128(src.as_ptr().add(2 * i) as *const __m128i);
            _mm256_storeu_ps(dst.as_mut_ptr().add(i), _mm256_cvtph_ps(h));
            i += 8;
        }
        for j in i..n {
            dst[j] = super::f16_to_f32(u16::from_le_bytes([src[2 * j], src[2 * j + 1]]));
        }
    }

    /// Hardware conversion is IEEE round-to-nearest-even, as ggml's; only NaN payloads could differ.
    #[target_feature(enable = "avx,f16c")]
    pub unsafe fn f32_row_to_f16(src: &[f32], dst: &mut [u8]) {
        let n = src.len();
        let mut i = 0;
        while i + 8 <= n {
            let v = _mm256_loadu_ps(src.as_ptr().add(i));
            let h = _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(v);
            _mm_storeu_si128(dst.as_mut_ptr().add(2 * i) as *mut __m128i, h);
            i += 8;
        }
        for j in i..n {
            dst[2 * j..2 * j + 2].copy_from_slice(&super::f32_to_f16(src[j]).to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_round_trips_every_half() {
        for h in 0..=u16::MAX {
            let f = f16_to_f32(h);
            if f.is_nan() {
                continue;
            }
            assert_eq!(f32_to_f16(f), h, "half {h:#06x} -> {f}");
        }
    }

    #[test]
    fn f16_subnormals_have_exact_values() {
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x8001), -(2f32.powi(-24)));
        assert_eq!(f16_to_f32(0x03ff), 1023.0 * 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
    }

    #[test]
    fn f32_to_f16_rounds_to_nearest_even() {
        // Halfway between 1.0 and the next half (1 + 2^-10): ties go to the even significand.
        assert_eq!(f32_to_f16(1.0 + 2f32.powi(-11)), 0x3c00);
        assert_eq!(f32_to_f16(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02);
        assert_eq!(f32_to_f16(65519.996), 0x7bff);
        assert_eq!(f32_to_f16(65520.0), 0x7c00);
        assert_eq!(f32_to_f16(2f32.powi(-25)), 0x0000);
        assert_eq!(f32_to_f16(2f32.powi(-25) * 1.0001), 0x0001);
        assert_eq!(f32_to_f16(3.0 * 2f32.powi(-25)), 0x0002);
        assert_eq!(f32_to_f16(f32::NAN), 0x7e00);
        assert_eq!(f32_to_f16(-f32::INFINITY), 0xfc00);
    }

    #[test]
    fn row_conversions_match_scalar_over_a_sweep_of_f32() {
        // Every 251st bit pattern: 17 million values across all exponents, NaN excluded.
        let src: Vec<f32> = (0..=u32::MAX).step_by(251).map(f32::from_bits).filter(|f| !f.is_nan()).collect();
        let mut fast = vec![0u8; src.len() * 2];
        f32_row_to_f16(&src, &mut fast);
        for (i, f) in src.iter().enumerate() {
            let got = u16::from_le_bytes([fast[2 * i], fast[2 * i + 1]]);
            assert_eq!(got, f32_to_f16(*f), "f32 {:#010x}", f.to_bits());
        }
        let halves: Vec<u8> = (0..=u16::MAX).flat_map(|h| h.to_le_bytes()).collect();
        let mut back = vec![0f32; 65536];
        f16_row_to_f32(&halves, &mut back);
        for (h, f) in back.iter().enumerate() {
            let want = f16_to_f32(h as u16);
            assert!(f.to_bits() == want.to_bits() || (f.is_nan() && want.is_nan()), "half {h:#06x}");
        }
    }

    #[test]
    fn bf16_rounds_to_nearest_even() {
        assert_eq!(f32_to_bf16(1.0), 0x3f80);
        assert_eq!(f32_to_bf16(f32::from_bits(0x3f80_8000)), 0x3f80); // tie, even stays
        assert_eq!(f32_to_bf16(f32::from_bits(0x3f81_8000)), 0x3f82); // tie, odd rounds up
        assert_eq!(f32_to_bf16(f32::from_bits(0x7f80_0001)), 0x7fc0);
        assert_eq!(bf16_to_f32(0x3f80), 1.0);
    }
}
