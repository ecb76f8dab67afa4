//! A summary of a GGUF file for people (`fg inspect`) and programs (`fg inspect --json`).

use super::consts::{self, GgmlType};
use super::reader::GgufFile;
use super::value::{Array, Value};
use crate::names::key;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Long arrays are shown by their first few elements.
const ARRAY_HEAD: usize = 8;

pub fn to_json(file: &GgufFile) -> Json {
    let h = &file.header;
    let metadata: serde_json::Map<String, Json> = h.metadata.entries().iter().map(|(k, v)| (k.clone(), value_json(v))).collect();
    let tensors: Vec<Json> =
        h.tensors.iter().map(|t| json!({"name": t.name, "type": t.ty.name(), "dims": t.dims, "elements": t.n_elements(), "bytes": t.n_bytes, "offset": h.data_offset + t.offset})).collect();
    let mut by_type: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
    for t in &h.tensors {
        let e = by_type.entry(t.ty.name()).or_default();
        e.0 += 1;
        e.1 += t.n_elements();
        e.2 += t.n_bytes;
    }
    let totals = json!({
        "tensors": h.tensors.len(),
        "parameters": h.tensors.iter().map(|t| t.n_elements()).sum::<u64>(),
        "tensor_bytes": h.tensors.iter().map(|t| t.n_bytes).sum::<u64>(),
        "file_bytes": file.file_len(),
        "by_type": by_type.iter().map(|(k, (n, e, b))| (k.to_string(), json!({"tensors": n, "elements": e, "bytes": b}))).collect::<serde_json::Map<_, _>>(),
    });
    json!({
        "path": file.path.display().to_string(),
        "version": h.version,
        "alignment": h.alignment,
        "data_offset": h.data_offset,
        "metadata": metadata,
        "tensors": tensors,
        "totals": totals,
    })
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::U8(x) => json!(x),
        Value::I8(x) => json!(x),
        Value::U16(x) => json!(x),
        Value::I16(x) => json!(x),
        Value::U32(x) => json!(x),
        Value::I32(x) => json!(x),
        Value::F32(x) => json!(x),
        Value::Bool(x) => json!(x),
        Value::String(x) => json!(x),
        Value::U64(x) => json!(x),
        Value::I64(x) => json!(x),
        Value::F64(x) => json!(x),
        Value::Array(a) => json!({"array": a.elem_type().name(), "len": a.len(), "head": array_head(a)}),
    }
}

fn array_head(a: &Array) -> Json {
    macro_rules! head {
        ($v:expr) => {
            json!($v.iter().take(ARRAY_HEAD).collect::<Vec<_>>())
        };
    }
    match a {
        Array::U8(v) => head!(v),
        Array::I8(v) => head!(v),
        Array::U16(v) => head!(v),
        Array::I16(v) => head!(v),
        Array::U32(v) => head!(v),
        Array::I32(v) => head!(v),
        Array::F32(v) => head!(v),
        Array::Bool(v) => head!(v),
        Array::String(v) => head!(v),
        Array::U64(v) => head!(v),
        Array::I64(v) => head!(v),
        Array::F64(v) => head!(v),
        Array::Array(v) => json!(v.iter().take(ARRAY_HEAD).map(|a| json!({"array": a.elem_type().name(), "len": a.len()})).collect::<Vec<_>>()),
    }
}

pub fn to_text(file: &GgufFile) -> String {
    let h = &file.header;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: GGUF v{}, {} bytes, {} metadata keys, {} tensors, data at {} (alignment {})",
        file.path.display(),
        h.version,
        file.file_len(),
        h.metadata.len(),
        h.tensors.len(),
        h.data_offset,
        h.alignment
    );
    let _ = writeln!(s, "\nmetadata");
    for (k, v) in h.metadata.entries() {
        let mut shown = v.to_string();
        if k == key::FILE_TYPE {
            if let Some(id) = v.as_u64() {
                shown = format!("{id} ({})", consts::file_type_name(id as u32));
            }
        }
        if shown.chars().count() > 100 {
            shown = shown.chars().take(97).collect::<String>() + "...";
        }
        let _ = writeln!(s, "  {k:<44} {:<7} {shown}", v.value_type().name());
    }
    let _ = writeln!(s, "\ntensors");
    let _ = writeln!(s, "  {:<34} {:<6} {:>18} {:>12}", "name", "type", "shape", "bytes");
    for t in &h.tensors {
        let shape = t.dims.iter().map(u64::to_string).collect::<Vec<_>>().join(" x ");
        let _ = writeln!(s, "  {:<34} {:<6} {:>18} {:>12}", t.name, t.ty.name(), shape, t.n_bytes);
    }
    let mut by_type: BTreeMap<GgmlType, (u64, u64, u64)> = BTreeMap::new();
    for t in &h.tensors {
        let e = by_type.entry(t.ty).or_default();
        e.0 += 1;
        e.1 += t.n_elements();
        e.2 += t.n_bytes;
    }
    let _ = writeln!(s, "\ntotals");
    for (ty, (n, e, b)) in &by_type {
        let _ = writeln!(s, "  {:<6} {n:>4} tensors {e:>12} elements {b:>12} bytes ({:.2} bits/weight)", ty.name(), *b as f64 * 8.0 / *e as f64);
    }
    let params: u64 = h.tensors.iter().map(|t| t.n_elements()).sum();
    let bytes: u64 = h.tensors.iter().map(|t| t.n_bytes).sum();
    let _ = writeln!(s, "  all    {:>4} tensors {params:>12} elements {bytes:>12} bytes ({:.2} bits/weight)", h.tensors.len(), bytes as f64 * 8.0 / params.max(1) as f64);
    s
}
