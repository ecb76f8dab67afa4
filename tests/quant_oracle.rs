//! fg's quantizers and dequantizers against ggml's own C code (linked through llama-cpp-sys-2),
//! block for block and bit for bit, on varied random data and on every tensor of the base model.

mod common;

use common::*;
use fg::gguf::quant::{dequantize_row, quantize_row};
use fg::gguf::{GgmlType, GgufFile};
use fg::llama::oracle::{ggml_dequantize, ggml_quantize_rows};

const WRITABLE: [GgmlType; 9] = [GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::Q4K, GgmlType::Q5K, GgmlType::Q6K, GgmlType::F32];

#[test]
fn quantizers_match_ggml_block_for_block() {
    let n = 256 * 2048; // 2048 superblocks, 16384 small blocks per row kind
    let mut blocks = 0usize;
    for seed in 0..3 {
        for (kind, row) in varied_rows(seed, n) {
            for ty in WRITABLE {
                let want = ggml_quantize_rows(ty, &row, 2048);
                let mut got = vec![0u8; want.len()];
                quantize_row(ty, &row, &mut got);
                let bs = (ty.type_size() * if ty.is_float() { 32 } else { 1 }) as usize;
                for (i, (g, w)) in got.chunks(bs).zip(want.chunks(bs)).enumerate() {
                    assert_eq!(g, w, "{ty}, seed {seed}, {kind}: block {i} differs from ggml");
                }
                blocks += want.len() / bs;
            }
        }
    }
    assert!(blocks > 1_000_000);
}

fn bits_equal(a: &[f32], b: &[f32]) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x.to_bits() != y.to_bits() && !(x.is_nan() && y.is_nan()))
}

#[test]
fn dequantizers_match_ggml_on_arbitrary_bytes() {
    let mut r = fg::rng::Rng::new(11);
    for ty in fg::gguf::GgmlType::ALL {
        let n = 256 * 512;
        let bytes: Vec<u8> = (0..ty.row_bytes(n).unwrap()).map(|_| r.next_u64() as u8).collect();
        let want = ggml_dequantize(ty, &bytes, n as usize);
        let mut got = vec![0f32; n as usize];
        dequantize_row(ty, &bytes, &mut got);
        assert_eq!(bits_equal(&got, &want), None, "{ty}: dequantized value differs from ggml's");
    }
}

#[test]
fn every_base_tensor_dequantizes_as_ggml_does() -> anyhow::Result<()> {
    let f = GgufFile::open(base_model())?;
    let mut seen = std::collections::BTreeSet::new();
    for (i, t) in f.header.tensors.iter().enumerate() {
        let n = t.n_elements() as usize;
        let want = ggml_dequantize(t.ty, f.tensor_data(i), n);
        let mut got = vec![0f32; n];
        dequantize_row(t.ty, f.tensor_data(i), &mut got);
        assert_eq!(bits_equal(&got, &want), None, "{}: {} dequantization differs", t.name, t.ty);
        seen.insert(t.ty);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [GgmlType::F32, GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::Q4K, GgmlType::Q6K]);
    Ok(())
}
