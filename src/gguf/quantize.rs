//! Whole-file conversion between types, producing what llama.cpp's `llama_model_quantize` writes
//! for the same input: same metadata (input keys in order, then `general.quantization_version`
//! and `general.file_type` last, split keys dropped), same tensor order, same types, same bytes.
//!
//! Work is split into chunks of whole rows that run in parallel; each chunk is dequantized to f32,
//! checked, quantized and written at its final offset, then its input pages are released. Peak
//! memory is therefore a few chunks per thread, never a whole tensor.

use super::consts::{self, FileType, GgmlType};
use super::mix::{self, Planned};
use super::quant;
use super::reader::{GgufFile, Metadata};
use super::value::Value;
use super::writer::{GgufWriter, TensorSpec};
use crate::names::key;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

/// Elements per work chunk (rounded to whole rows): small enough to keep memory flat, large enough
/// to amortise scheduling.
const CHUNK_ELEMENTS: u64 = 1 << 17;

pub struct QuantizeOptions {
    pub ftype: FileType,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    pub progress: bool,
}

/// What was written, for the command's summary.
pub struct QuantizeReport {
    pub tensors: Vec<(String, GgmlType, GgmlType)>,
    pub input_bytes: u64,
    pub output_bytes: u64,
    pub seconds: f64,
}

/// The output metadata: the input's, with llama.cpp's two keys set last and split keys removed.
pub fn output_metadata(input: &Metadata, ftype: FileType) -> Metadata {
    let mut m = input.clone();
    for k in key::SPLIT {
        m.remove(k);
    }
    m.set_last(key::QUANTIZATION_VERSION, Value::U32(consts::QUANTIZATION_VERSION));
    m.set_last(key::FILE_TYPE, Value::U32(ftype as u32));
    m
}

struct Chunk {
    /// Index into the plan.
    out: usize,
    first_row: u64,
    rows: u64,
}

pub fn quantize_file(input: &Path, output: &Path, opts: &QuantizeOptions) -> Result<QuantizeReport> {
    let start = Instant::now();
    let src = GgufFile::open(input)?;
    let plan = mix::plan(&src.header, opts.ftype)?;
    let specs: Vec<TensorSpec> = plan
        .iter()
        .map(|p| {
            let t = &src.header.tensors[p.src];
            TensorSpec { name: t.name.clone(), dims: t.dims.clone(), ty: p.ty }
        })
        .collect();
    let metadata = output_metadata(&src.header.metadata, opts.ftype);
    let writer = GgufWriter::create(output, &metadata, &specs)?;

    let mut chunks = Vec::new();
    for (out, p) in plan.iter().enumerate() {
        let t = &src.header.tensors[p.src];
        let rows_per_chunk = (CHUNK_ELEMENTS / t.row_len().max(1)).max(1);
        let mut first_row = 0;
        while first_row < t.n_rows() {
            let rows = rows_per_chunk.min(t.n_rows() - first_row);
            chunks.push(Chunk { out, first_row, rows });
            first_row += rows;
        }
    }
    let total: u64 = plan.iter().map(|p| src.header.tensors[p.src].n_elements()).sum();
    let bar = crate::progress::bar(opts.progress, total, "quantizing");

    let pool = rayon::ThreadPoolBuilder::new().num_threads(opts.threads).build().context("cannot start worker threads")?;
    pool.install(|| {
        chunks.par_iter().try_for_each(|c| -> Result<()> {
            let p = &plan[c.out];
            let t = &src.header.tensors[p.src];
            let in_row = t.ty.row_bytes(t.row_len()).expect("validated by the reader");
            let in_bytes = &src.tensor_data(p.src)[(c.first_row * in_row) as usize..((c.first_row + c.rows) * in_row) as usize];
            let out_row = p.ty.row_bytes(t.row_len()).expect("planned types divide the row");
            if p.convert {
                let converted = convert_rows(t.name.as_str(), t.ty, p.ty, t.row_len() as usize, c.first_row, in_bytes)?;
                writer.write_tensor_part(c.out, c.first_row * out_row, &converted)?;
            } else {
                writer.write_tensor_part(c.out, c.first_row * out_row, in_bytes)?;
            }
            src.release_range(p.src, c.first_row * in_row, c.rows * in_row);
            bar.inc(c.rows * t.row_len());
            Ok(())
        })
    })?;
    bar.finish_and_clear();
    let output_bytes = writer.layout().file_len;
    writer.finish()?;
    Ok(QuantizeReport {
        tensors: plan.iter().map(|p: &Planned| (src.header.tensors[p.src].name.clone(), src.header.tensors[p.src].ty, p.ty)).collect(),
        input_bytes: src.file_len(),
        output_bytes,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Dequantizes rows of `from` to f32, checks them, and quantizes them to `to`.
fn convert_rows(name: &str, from: GgmlType, to: GgmlType, row_len: usize, first_row: u64, bytes: &[u8]) -> Result<Vec<u8>> {
    let n = bytes.len() / from.row_bytes(row_len as u64).unwrap() as usize * row_len;
    let mut values = vec![0f32; n];
    quant::dequantize_row(from, bytes, &mut values);
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        bail!("tensor {name:?} holds {} at row {}, column {}: NaN and Inf cannot be quantized (llama.cpp refuses them too)", values[i], first_row + (i / row_len) as u64, i % row_len);
    }
    let mut out = vec![0u8; to.row_bytes(n as u64).unwrap() as usize];
    quant::quantize_row(to, &values, &mut out);
    if let Some(block) = quant::first_invalid_block(to, &out) {
        bail!("tensor {name:?}: quantizing row {} to {to} gives a non-finite scale in block {block} (values too large for f16)", first_row + (block as u64 * to.block_size()) / row_len as u64);
    }
    Ok(out)
}
