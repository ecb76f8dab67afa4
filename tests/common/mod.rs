//! Shared test harness: the base model, temporary folders, small GGUF builders.
#![allow(dead_code)]

use fg::gguf::{GgmlType, Metadata, TensorSpec, Value};
use std::path::PathBuf;

pub const BASE_SHA256: &str = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818";

/// The base model installed by `scripts/setup.sh`. Tests that need it fail (never skip) without it.
pub fn base_model() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/gemma-3-270m-q4_k_m.gguf");
    assert!(p.exists(), "{} is missing: run scripts/setup.sh first", p.display());
    p
}

pub fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("fg-test-").tempdir().expect("temp dir")
}

/// libtorch and llama.cpp both spin threads; one is fastest on the 2-core CI machine.
pub fn threads() -> usize {
    std::env::var("FG_TEST_THREADS").ok().and_then(|s| s.parse().ok()).unwrap_or(2)
}

/// Metadata of a small file with every value type.
pub fn all_value_types() -> Metadata {
    use fg::gguf::Array;
    [
        ("general.architecture", Value::String("test".into())),
        ("t.u8", Value::U8(200)),
        ("t.i8", Value::I8(-100)),
        ("t.u16", Value::U16(60000)),
        ("t.i16", Value::I16(-30000)),
        ("t.u32", Value::U32(4_000_000_000)),
        ("t.i32", Value::I32(-2_000_000_000)),
        ("t.f32", Value::F32(1.5)),
        ("t.bool", Value::Bool(true)),
        ("t.string", Value::String("héllo {\"gguf\"}".into())),
        ("t.u64", Value::U64(u64::MAX)),
        ("t.i64", Value::I64(i64::MIN)),
        ("t.f64", Value::F64(-2.25)),
        ("t.arr.str", Value::Array(Array::String(vec!["a".into(), "".into(), "ü".into()]))),
        ("t.arr.f32", Value::Array(Array::F32(vec![0.5, -1.0]))),
        ("t.arr.bool", Value::Array(Array::Bool(vec![true, false]))),
        ("t.arr.nested", Value::Array(Array::Array(vec![Array::I32(vec![1, 2]), Array::U8(vec![])]))),
        ("t.arr.empty", Value::Array(Array::U64(vec![]))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub fn spec(name: &str, dims: &[u64], ty: GgmlType) -> TensorSpec {
    TensorSpec { name: name.into(), dims: dims.to_vec(), ty }
}

#[allow(unused_imports)]
pub use fg::gguf::quant::testdata::varied_rows;
