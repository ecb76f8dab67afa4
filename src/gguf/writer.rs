//! The GGUF writer: header, key/values, tensor infos, padding, data, in that visible order.
//!
//! The whole layout (every offset) is computed from the tensor specs before a byte is written, so
//! tensors can be written in any order and from several threads (positional writes). The file is
//! built under a temporary name in the target's folder and renamed into place by `finish`: a killed
//! run never leaves a partial file under the final name, and dropping an unfinished writer removes
//! its temporary file.

use super::consts::{self, GgmlType};
use super::reader::{align_up, Metadata};
use super::value::{encode_str, Value};
use anyhow::{bail, ensure, Context, Result};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
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
        self.ty.row_bytes(self.dims[0]).expect("checked by Layout::new") * (self.n_elements() / self.dims[0].max(1))
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
        let alignment = match metadata.get(consts::KEY_ALIGNMENT) {
            None => consts::DEFAULT_ALIGNMENT,
            Some(Value::U32(a)) if a.is_power_of_two() => u64::from(*a),
            Some(v) => bail!("{} must be a u32 power of two, not {v}", consts::KEY_ALIGNMENT),
        };
        let mut seen = std::collections::HashSet::new();
        let mut offsets = Vec::with_capacity(tensors.len());
        let mut sizes = Vec::with_capacity(tensors.len());
        let mut next = 0u64;
        for t in tensors {
            ensure!(!t.name.is_empty() && t.name.len() <= consts::MAX_TENSOR_NAME, "tensor name {:?} must be 1 to {} bytes", t.name, consts::MAX_TENSOR_NAME);
            ensure!(seen.insert(t.name.as_str()), "tensor {:?} is listed twice", t.name);
            ensure!((1..=consts::MAX_DIMS).contains(&t.dims.len()), "tensor {:?} has {} dimensions (1 to 4 allowed)", t.name, t.dims.len());
            ensure!(
                t.ty.row_bytes(t.dims[0]).is_some(),
                "tensor {:?}: row length {} is not a multiple of {}'s block size {}",
                t.name,
                t.dims[0],
                t.ty,
                t.ty.block_size()
            );
            offsets.push(next);
            sizes.push(t.n_bytes());
            next = align_up(next + t.n_bytes(), alignment);
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
        Ok(Layout { header, data_offset, offsets, sizes, file_len: data_offset + next })
    }
}

/// A GGUF file being written. Tensor data goes in through `write_tensor` or `write_tensor_part`
/// (any order, any thread); `finish` checks every byte was supplied, syncs and renames.
pub struct GgufWriter {
    final_path: PathBuf,
    tmp_path: PathBuf,
    file: File,
    layout: Layout,
    written: Vec<AtomicU64>,
    names: Vec<String>,
    finished: bool,
}

impl GgufWriter {
    pub fn create(path: impl AsRef<Path>, metadata: &Metadata, tensors: &[TensorSpec]) -> Result<GgufWriter> {
        let final_path = path.as_ref().to_path_buf();
        let layout = Layout::new(metadata, tensors)?;
        let dir = match final_path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file_name = final_path
            .file_name()
            .with_context(|| format!("{} is not a file path", final_path.display()))?
            .to_string_lossy()
            .into_owned();
        let tmp_path = dir.join(format!(".{file_name}.fg-partial-{}", std::process::id()));
        let file = File::create(&tmp_path).with_context(|| format!("cannot create {} (is {} writable?)", tmp_path.display(), dir.display()))?;
        let writer = GgufWriter {
            final_path,
            tmp_path,
            file,
            written: tensors.iter().map(|_| AtomicU64::new(0)).collect(),
            names: tensors.iter().map(|t| t.name.clone()).collect(),
            layout,
            finished: false,
        };
        // Padding between tensors is zero: the sparse file reads as zeros wherever nothing is written.
        writer.file.set_len(writer.layout.file_len).with_context(|| format!("cannot size {}", writer.tmp_path.display()))?;
        writer.file.write_all_at(&writer.layout.header, 0).with_context(|| format!("cannot write {}", writer.tmp_path.display()))?;
        Ok(writer)
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Writes all of tensor `i`'s bytes.
    pub fn write_tensor(&self, i: usize, bytes: &[u8]) -> Result<()> {
        ensure!(
            bytes.len() as u64 == self.layout.sizes[i],
            "tensor {:?}: {} bytes supplied, {} expected",
            self.names[i],
            bytes.len(),
            self.layout.sizes[i]
        );
        self.write_tensor_part(i, 0, bytes)
    }

    /// Writes `bytes` at `offset` inside tensor `i`. Parts must not overlap.
    pub fn write_tensor_part(&self, i: usize, offset: u64, bytes: &[u8]) -> Result<()> {
        let size = self.layout.sizes[i];
        ensure!(
            offset.checked_add(bytes.len() as u64).is_some_and(|end| end <= size),
            "tensor {:?}: write of {} bytes at {offset} exceeds its {size} bytes",
            self.names[i],
            bytes.len()
        );
        let at = self.layout.data_offset + self.layout.offsets[i] + offset;
        self.file.write_all_at(bytes, at).with_context(|| format!("cannot write {}", self.tmp_path.display()))?;
        self.written[i].fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Checks that every tensor is complete, syncs the file and renames it into place.
    pub fn finish(mut self) -> Result<()> {
        for (i, w) in self.written.iter().enumerate() {
            let w = w.load(Ordering::Relaxed);
            ensure!(w == self.layout.sizes[i], "tensor {:?}: {w} of {} bytes were written", self.names[i], self.layout.sizes[i]);
        }
        self.file.sync_all().with_context(|| format!("cannot sync {}", self.tmp_path.display()))?;
        std::fs::rename(&self.tmp_path, &self.final_path)
            .with_context(|| format!("cannot rename {} to {}", self.tmp_path.display(), self.final_path.display()))?;
        if let Some(dir) = self.final_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Makes the rename itself durable; failure here does not undo a completed write.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        self.finished = true;
        Ok(())
    }
}

impl Drop for GgufWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.tmp_path);
        }
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
