//! Rows of test values for the quantizer tests (unit, oracle and benchmark): shapes that reach
//! every branch of the reference quantizers.

/// Rows of `n` values in many shapes: normal, heavy-tailed, all positive, all negative, few
/// distinct values (ties), f16-representable, tiny, flat and zero sub-blocks, one outlier.
pub fn varied_rows(seed: u64, n: usize) -> Vec<(&'static str, Vec<f32>)> {
    use crate::rng::Rng;
    let mut r = Rng::new(seed);
    let mut rows: Vec<(&'static str, Vec<f32>)> = vec![
        ("normal", (0..n).map(|_| r.normal() * 0.05).collect()),
        ("heavy-tailed", (0..n).map(|_| r.normal().powi(3) * 0.1).collect()),
        ("positive", (0..n).map(|_| r.f32() * 2.0 + 0.01).collect()),
        ("negative", (0..n).map(|_| -(r.f32() * 3.0)).collect()),
        ("ties", (0..n).map(|_| (r.below(5) as f32 - 2.0) * 0.25).collect()),
        ("f16-exact", (0..n).map(|_| super::float::f16_to_f32(super::float::f32_to_f16(r.normal()))).collect()),
        ("tiny", (0..n).map(|_| r.normal() * 1e-7).collect()),
        ("scales-underflow-f16", (0..n).map(|_| r.normal() * 1e-20).collect()),
    ];
    let mut mixed: Vec<f32> = (0..n).map(|_| r.normal()).collect();
    for (i, c) in mixed.chunks_mut(16).enumerate() {
        match i % 7 {
            0 => c.fill(0.0),
            1 => c.fill(-0.75),
            2 => c.fill(0.5),
            3 => c[5] = 60.0,
            4 => c[0] = -1e-3,
            _ => {}
        }
    }
    rows.push(("flat-zero-outlier", mixed));
    rows
}
