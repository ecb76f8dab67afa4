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

/// A random value that satisfies `schema` (strings full of the format's punctuation).
pub fn random_value(schema: &serde_json::Value, r: &mut fg::rng::Rng) -> serde_json::Value {
    if let Some(serde_json::Value::Array(e)) = schema.get("enum") {
        return e[r.below(e.len())].clone();
    }
    match schema.get("type").and_then(serde_json::Value::as_str).unwrap_or("string") {
        "integer" => {
            let lo = schema.get("minimum").and_then(serde_json::Value::as_i64).unwrap_or(-1000);
            let hi = schema.get("maximum").and_then(serde_json::Value::as_i64).unwrap_or(lo + 5000);
            serde_json::json!(lo + r.below((hi - lo + 1) as usize) as i64)
        }
        "number" => serde_json::json!((r.f32() as f64 * 100.0 * 64.0).round() / 64.0),
        "boolean" => serde_json::json!(r.chance(0.5)),
        _ => {
            if schema.get("pattern").is_some() {
                return serde_json::json!(format!("https://example.com/{}", r.below(1000)));
            }
            const PIECES: &[&str] = &["a", "{", "}", ",", ":", "\"", "[", "]", " ", "\n", "é", "日本", "🎉", "<", ">", "x=1", "\\", "call:", "'", "\t"];
            let n = r.below(12);
            serde_json::json!((0..n).map(|_| PIECES[r.below(PIECES.len())]).collect::<String>())
        }
    }
}

pub fn random_call(tool: &fg::tools::Tool, r: &mut fg::rng::Rng) -> fg::format::Call {
    let required: std::collections::HashSet<&str> = tool.required().into_iter().collect();
    let mut arguments = serde_json::Map::new();
    for (k, schema) in tool.properties() {
        if required.contains(k.as_str()) || r.chance(0.5) {
            arguments.insert(k.clone(), random_value(schema, r));
        }
    }
    fg::format::Call { name: tool.name.clone(), arguments }
}
