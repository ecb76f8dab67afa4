//! The GGUF writer: header, key/values, tensor infos, padding, data, in that visible order.
//!
//! The whole layout (every offset) is computed from the tensor specs before a byte is written, so
//! tensors can be written in any order and from several threads (positional writes). The file is
//! built in an `fsx::TempFile` (random name, never through a link) in the target's folder and
//! renamed into place by `finish`: a killed run never leaves a partial file under the final name,
//! and dropping an unfinished writer, or an interrupt, removes its temporary file.

use super::consts::{self, GgmlType};
use super::reader::{align_up, Metadata};
use super::value::{encode_str, Value};
use crate::fsx::TempFile;
use crate::names::key;
use anyhow::{bail, ensure, Context, Result};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the writer needs to know of a tensor before its data exists.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorSpec {
    pub name: String,
    /// ggml order: `dims[0]` is the row length.
    pub dims: Vec<u64>,
    pub ty: GgmlType,
}

impl TensorSpec {
    pub fn n_elements(&self) -> u64 {
        self.dims.iter().product()
    }

    pub fn n_bytes(&self) -> u64 {
        self.checked_n_bytes().expect("checked by Layout::new")
    }

    /// The data's size in bytes; None when the row length is not a whole number of blocks or the
    /// size does not fit in a u64.
    pub fn checked_n_bytes(&self) -> Option<u64> {
        let row_len = *self.dims.first()?;
        if row_len % self.ty.block_size() != 0 {
            return None;
        }
        let rows = self.dims[1..].iter().try_fold(1u64, |n, &d| n.checked_mul(d))?;
        (row_len / self.ty.block_size()).checked_mul(self.ty.type_size())?.checked_mul(rows)
    }
}

/// Offsets of a file to be written: the encoded header and each tensor's place.
pub struct Layout {
    pub header: Vec<u8>,
    /// Absolute offset of the data section (the header padded to the alignment).
    pub data_offset: u64,
    /// Offsets relative to the data section, in tensor order.
    pub offsets: Vec<u64>,
    pub sizes: Vec<u64>,
    pub file_len: u64,
}

impl Layout {
    pub fn new(metadata: &Metadata, tensors: &[TensorSpec]) -> Result<Layout> {
        let alignment = match metadata.get(key::ALIGNMENT) {
            None => consts::DEFAULT_ALIGNMENT,
            Some(Value::U32(a)) if a.is_power_of_two() => u64::from(*a),
            Some(v) => bail!("{} must be a u32 power of two, not {v}", key::ALIGNMENT),
        };
        let mut seen = std::collections::HashSet::new();
        let mut offsets = Vec::with_capacity(tensors.len());
        let mut sizes = Vec::with_capacity(tensors.len());
        let mut next = 0u64;
        for t in tensors {
            ensure!(!t.name.is_empty() && t.name.len() <= consts::MAX_TENSOR_NAME, "tensor name {:?} must be 1 to {} bytes", t.name, consts::MAX_TENSOR_NAME);
            ensure!(seen.insert(t.name.as_str()), "tensor {:?} is listed twice", t.name);
            ensure!((1..=consts::MAX_DIMS).contains(&t.dims.len()), "tensor {:?} has {} dimensions (1 to 4 allowed)", t.name, t.dims.len());
            ensure!(t.ty.row_bytes(t.dims[0]).is_some(), "tensor {:?}: row length {} is not a multiple of {}'s block size {}", t.name, t.dims[0], t.ty, t.ty.block_size());
            let size = t.checked_n_bytes().with_context(|| format!("tensor {:?}: {:?} {} is larger than a file can be", t.name, t.dims, t.ty))?;
            offsets.push(next);
            sizes.push(size);
            next = next.checked_add(size).and_then(|end| end.checked_next_multiple_of(alignment)).with_context(|| format!("tensor {:?}: the file would be larger than 2^64 bytes", t.name))?;
        }

        let mut header = Vec::new();
        header.extend_from_slice(&consts::MAGIC);
        header.extend_from_slice(&consts::VERSION.to_le_bytes());
        header.extend_from_slice(&(tensors.len() as u64).to_le_bytes());
        header.extend_from_slice(&(metadata.len() as u64).to_le_bytes());
        for (key, value) in metadata.entries() {
            encode_str(key, &mut header);
            header.extend_from_slice(&(value.value_type() as i32).to_le_bytes());
            value.encode(&mut header);
        }
        for (t, &offset) in tensors.iter().zip(&offsets) {
            encode_str(&t.name, &mut header);
            // ggml writes n_dims without trailing extents of 1 (ggml_n_dims).
            let n_dims = t.dims.iter().rposition(|&d| d > 1).map_or(1, |i| i + 1);
            header.extend_from_slice(&(n_dims as u32).to_le_bytes());
            for &d in &t.dims[..n_dims] {
                header.extend_from_slice(&(d as i64).to_le_bytes());
            }
            header.extend_from_slice(&(t.ty as i32).to_le_bytes());
            header.extend_from_slice(&offset.to_le_bytes());
        }
        let data_offset = align_up(header.len() as u64, alignment);
        header.resize(data_offset as usize, 0);
        let file_len = data_offset.checked_add(next).context("the file would be larger than 2^64 bytes")?;
        Ok(Layout { header, data_offset, offsets, sizes, file_len })
    }
}

/// A GGUF file being written. Tensor data goes in through `write_tensor` or `write_tensor_part`
/// (any order, any thread); `finish` checks every byte was supplied, syncs and renames.
pub struct GgufWriter {
    tmp: TempFile,
    layout: Layout,
    written: Vec<AtomicU64>,
    names: Vec<String>,
}

impl GgufWriter {
    pub fn create(path: impl AsRef<Path>, metadata: &Metadata, tensors: &[TensorSpec]) -> Result<GgufWriter> {
        let layout = Layout::new(metadata, tensors)?;
        let writer =
            GgufWriter { tmp: TempFile::create(path.as_ref())?, written: tensors.iter().map(|_| AtomicU64::new(0)).collect(), names: tensors.iter().map(|t| t.name.clone()).collect(), layout };
        let (file, tmp_path) = (writer.tmp.file(), writer.tmp.path());
        // Padding between tensors is zero: the sparse file reads as zeros wherever nothing is written.
        file.set_len(writer.layout.file_len).with_context(|| format!("cannot size {}", tmp_path.display()))?;
        file.write_all_at(&writer.layout.header, 0).with_context(|| format!("cannot write {}", tmp_path.display()))?;
        Ok(writer)
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Writes all of tensor `i`'s bytes.
    pub fn write_tensor(&self, i: usize, bytes: &[u8]) -> Result<()> {
        ensure!(bytes.len() as u64 == self.layout.sizes[i], "tensor {:?}: {} bytes supplied, {} expected", self.names[i], bytes.len(), self.layout.sizes[i]);
        self.write_tensor_part(i, 0, bytes)
    }

    /// Writes `bytes` at `offset` inside tensor `i`. Parts must not overlap.
    pub fn write_tensor_part(&self, i: usize, offset: u64, bytes: &[u8]) -> Result<()> {
        let size = self.layout.sizes[i];
        ensure!(offset.checked_add(bytes.len() as u64).is_some_and(|end| end <= size), "tensor {:?}: write of {} bytes at {offset} exceeds its {size} bytes", self.names[i], bytes.len());
        let at = self.layout.data_offset + self.layout.offsets[i] + offset;
        self.tmp.file().write_all_at(bytes, at).with_context(|| format!("cannot write {}", self.tmp.path().display()))?;
        self.written[i].fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Checks that every tensor is complete, syncs the file and renames it into place (an
    /// incomplete writer's temporary file is removed when it drops).
    pub fn finish(self) -> Result<()> {
        for (i, w) in self.written.iter().enumerate() {
            let w = w.load(Ordering::Relaxed);
            ensure!(w == self.layout.sizes[i], "tensor {:?}: {w} of {} bytes were written", self.names[i], self.layout.sizes[i]);
        }
        self.tmp.persist()
    }
}

/// Writes a whole file whose tensor bytes are all in memory (small files, tests, adapters).
pub fn write_file(path: impl AsRef<Path>, metadata: &Metadata, tensors: &[(TensorSpec, Vec<u8>)]) -> Result<()> {
    let specs: Vec<TensorSpec> = tensors.iter().map(|(s, _)| s.clone()).collect();
    let w = GgufWriter::create(path, metadata, &specs)?;
    for (i, (_, bytes)) in tensors.iter().enumerate() {
        w.write_tensor(i, bytes)?;
    }
    w.finish()
}
