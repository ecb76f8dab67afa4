//! The quantizers' own tests: the fast K-quants against their reference form, round trips, rounding rules (the byte-exact checks against ggml are in tests/quant_oracle.rs).

use super::*;
use crate::rng::Rng;

#[test]
fn fast_k_quants_match_reference_block_for_block() {
    for ty in [GgmlType::Q4K, GgmlType::Q5K, GgmlType::Q6K] {
        for seed in 0..3 {
            for (r, row) in testdata::varied_rows(seed, 64 * 256) {
                let bytes = ty.row_bytes(row.len() as u64).unwrap() as usize;
                let (mut fast, mut slow) = (vec![0u8; bytes], vec![0u8; bytes]);
                quantize_row(ty, &row, &mut fast);
                quantize_row_ref(ty, &row, &mut slow);
                let bs = ty.type_size() as usize;
                for (b, (f, s)) in fast.chunks(bs).zip(slow.chunks(bs)).enumerate() {
                    assert_eq!(f, s, "{ty}: seed {seed}, row kind {r}, block {b} differs");
                }
            }
        }
    }
}

#[test]
fn quantize_then_dequantize_stays_close() {
    // Relative RMS error bounds well above each type's typical error on normal data.
    let bounds =
        [(GgmlType::F16, 1e-3), (GgmlType::BF16, 5e-3), (GgmlType::Q8_0, 1e-2), (GgmlType::Q6K, 3e-2), (GgmlType::Q5_0, 6e-2), (GgmlType::Q5K, 6e-2), (GgmlType::Q4_0, 0.15), (GgmlType::Q4K, 0.12)];
    let mut rng = Rng::new(7);
    let x: Vec<f32> = (0..256 * 32).map(|_| rng.normal()).collect();
    for (ty, bound) in bounds {
        let mut q = vec![0u8; ty.row_bytes(x.len() as u64).unwrap() as usize];
        quantize_row(ty, &x, &mut q);
        let mut back = vec![0f32; x.len()];
        dequantize_row(ty, &q, &mut back);
        let err: f32 = x.iter().zip(&back).map(|(a, b)| (a - b) * (a - b)).sum::<f32>() / x.len() as f32;
        let rel = err.sqrt();
        assert!(rel < bound, "{ty}: relative rms error {rel} above {bound}");
        assert!(rel > 0.0 || ty == GgmlType::F32);
    }
}

#[test]
fn q8_0_rounds_half_away_from_zero_with_unrounded_scale() {
    // amax 127 gives d = 1 exactly: codes are the values rounded half away from zero.
    let mut x = vec![0f32; 32];
    x[0] = 127.0;
    x[1] = 2.5;
    x[2] = -2.5;
    x[3] = 0.49;
    let mut y = vec![0u8; 34];
    q8_0::quantize_row_q8_0_ref(&x, &mut y);
    assert_eq!(&y[0..2], &0x3c00u16.to_le_bytes());
    assert_eq!(y[2] as i8, 127);
    assert_eq!(y[3] as i8, 3);
    assert_eq!(y[4] as i8, -3);
    assert_eq!(y[5] as i8, 0);
}

#[test]
fn q6_k_all_zero_superblock_is_all_zero_bytes() {
    let x = vec![0f32; 256];
    let mut y = vec![0xffu8; 210];
    quantize_row(GgmlType::Q6K, &x, &mut y);
    assert!(y.iter().all(|&b| b == 0));
}

#[test]
fn nearest_int_rounds_ties_to_even_and_wraps_like_c() {
    use k_common::nearest_int;
    assert_eq!(nearest_int(0.5), 0);
    assert_eq!(nearest_int(1.5), 2);
    assert_eq!(nearest_int(-2.5), -2);
    assert_eq!(nearest_int(4194303.0), 4194303);
    // Beyond the C assert's range the bit trick wraps; keep its exact result.
    let v = 5_000_000.0f32;
    let want = ((v + 12_582_912.0).to_bits() as i32 & 0x007f_ffff) - 0x0040_0000;
    assert_eq!(nearest_int(v), want);
}
