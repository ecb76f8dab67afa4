//! The GGUF reader: parses and validates the header (key/values, tensor infos) before trusting any
//! of it, then serves tensor bytes from a memory map.
//!
//! Every count, length, dimension, type and offset is checked against the bytes that are really
//! there, so a malformed file gets a `ParseError` naming the field and its byte offset, never a
//! panic and never an allocation larger than the file.

use super::consts::{self, GgmlType, ValueType};
use super::value::{Array, Value};
use crate::names::key;
use anyhow::Context;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Deepest array nesting accepted (ggml itself accepts none).
const MAX_ARRAY_DEPTH: usize = 8;

/// What is wrong with a file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the file where the offending field starts.
    pub offset: u64,
    /// The field, e.g. `tensor_infos[3].dims[1]` or `metadata["general.alignment"]`.
    pub field: String,
    pub problem: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed GGUF: {} at byte {}: {}", self.field, self.offset, self.problem)
    }
}

impl std::error::Error for ParseError {}

pub type ParseResult<T> = Result<T, ParseError>;

/// One tensor's record from the header, checked against the file.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    /// Extents in ggml order: `dims[0]` is the contiguous row length.
    pub dims: Vec<u64>,
    pub ty: GgmlType,
    /// Offset of the tensor's bytes from the start of the data section.
    pub offset: u64,
    pub n_bytes: u64,
}

impl TensorInfo {
    pub fn n_elements(&self) -> u64 {
        self.dims.iter().product()
    }

    /// Row length (`ne[0]`).
    pub fn row_len(&self) -> u64 {
        self.dims[0]
    }

    pub fn n_rows(&self) -> u64 {
        self.dims[1..].iter().product()
    }

    /// ggml's n_dims: the highest index with an extent above 1, plus one (at least 1).
    pub fn n_dims(&self) -> usize {
        self.dims.iter().rposition(|&d| d > 1).map_or(1, |i| i + 1)
    }
}

/// Metadata in file order, with lookup by key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    entries: Vec<(String, Value)>,
    index: HashMap<String, usize>,
}

impl Metadata {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.index.get(key).map(|&i| &self.entries[i].1)
    }

    pub fn entries(&self) -> &[(String, Value)] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets `key`, replacing any earlier value, and moves it to the end (gguf_set_val_* semantics:
    /// remove, then append).
    pub fn set_last(&mut self, key: &str, value: Value) {
        self.remove(key);
        self.push(key.to_string(), value);
    }

    /// Sets `key` in place when present, else appends it.
    pub fn set(&mut self, key: &str, value: Value) {
        match self.index.get(key) {
            Some(&i) => self.entries[i].1 = value,
            None => self.push(key.to_string(), value),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.index.remove(key)?;
        let (_, v) = self.entries.remove(i);
        for slot in self.index.values_mut() {
            if *slot > i {
                *slot -= 1;
            }
        }
        Some(v)
    }

    fn push(&mut self, key: String, value: Value) {
        self.index.insert(key.clone(), self.entries.len());
        self.entries.push((key, value));
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    pub fn u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(Value::as_u64)
    }

    pub fn f32(&self, key: &str) -> Option<f32> {
        self.get(key).and_then(Value::as_f32)
    }
}

impl FromIterator<(String, Value)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut m = Metadata::default();
        for (k, v) in iter {
            m.set(&k, v);
        }
        m
    }
}

/// Everything before the tensor data, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub version: u32,
    pub metadata: Metadata,
    pub tensors: Vec<TensorInfo>,
    pub alignment: u64,
    /// Absolute offset of the data section.
    pub data_offset: u64,
}

impl Header {
    /// Parses and validates the header of a GGUF file whose whole content is `bytes`.
    pub fn parse(bytes: &[u8]) -> ParseResult<Header> {
        let mut c = Cursor { buf: bytes, pos: 0 };
        let magic = c.take(4, || "magic".into())?;
        if magic != consts::MAGIC {
            return Err(c.err_at(0, "magic", format!("expected \"GGUF\", found {magic:02x?}")));
        }
        let version = c.u32(|| "version".into())?;
        if version & 0xffff == 0 && version != 0 {
            return Err(c.err_at(4, "version", "the file is big-endian; only little-endian GGUF is supported".into()));
        }
        if !(consts::MIN_READ_VERSION..=consts::VERSION).contains(&version) {
            return Err(c.err_at(4, "version", format!("version {version} is not supported (2 and 3 are)")));
        }
        let n_tensors = c.count(24, || "tensor_count".into())?;
        let n_kv = c.count(13, || "metadata_kv_count".into())?;

        let mut metadata = Metadata::default();
        for i in 0..n_kv {
            let at = c.pos as u64;
            let key = c.string(|| format!("metadata[{i}].key"))?;
            if key.is_empty() {
                return Err(c.err_at(at, &format!("metadata[{i}].key"), "empty key".into()));
            }
            if metadata.get(&key).is_some() {
                return Err(c.err_at(at, &format!("metadata[{i}].key"), format!("duplicate key {key:?}")));
            }
            let field = format!("metadata[{key:?}]");
            let ty = c.value_type(|| format!("{field}.type"))?;
            let value = c.value(ty, &field, 0)?;
            metadata.push(key, value);
        }

        let alignment = match metadata.get(key::ALIGNMENT) {
            None => consts::DEFAULT_ALIGNMENT,
            Some(Value::U32(a)) if a.is_power_of_two() => u64::from(*a),
            Some(v) => return Err(c.err_at(8, &format!("metadata[{:?}]", key::ALIGNMENT), format!("must be a u32 power of two, found {v}"))),
        };

        let mut tensors = Vec::with_capacity(n_tensors);
        let mut names = HashMap::with_capacity(n_tensors);
        let mut info_offsets = Vec::with_capacity(n_tensors);
        for i in 0..n_tensors {
            let at = c.pos as u64;
            info_offsets.push(at);
            let name = c.string(|| format!("tensor_infos[{i}].name"))?;
            let field = format!("tensor_infos[{i}] ({name:?})");
            if name.len() > consts::MAX_TENSOR_NAME {
                return Err(c.err_at(at, &field, format!("name is {} bytes, at most {} allowed", name.len(), consts::MAX_TENSOR_NAME)));
            }
            if names.insert(name.clone(), i).is_some() {
                return Err(c.err_at(at, &field, "duplicate tensor name".into()));
            }
            let dims_at = c.pos as u64;
            let n_dims = c.u32(|| format!("{field}.n_dims"))? as usize;
            if n_dims == 0 || n_dims > consts::MAX_DIMS {
                return Err(c.err_at(dims_at, &format!("{field}.n_dims"), format!("{n_dims} dimensions, 1 to {} allowed", consts::MAX_DIMS)));
            }
            let mut dims = Vec::with_capacity(n_dims);
            let mut n_elements: u64 = 1;
            for d in 0..n_dims {
                let d_at = c.pos as u64;
                let ne = c.i64(|| format!("{field}.dims[{d}]"))?;
                let ne = u64::try_from(ne).map_err(|_| c.err_at(d_at, &format!("{field}.dims[{d}]"), format!("negative extent {ne}")))?;
                n_elements = n_elements.checked_mul(ne).filter(|&n| n <= i64::MAX as u64).ok_or_else(|| c.err_at(d_at, &format!("{field}.dims"), "element count overflows".into()))?;
                dims.push(ne);
            }
            // An empty tensor is still walked row by row (quantize, copy): with an extent of 0
            // beside one of 2^62 the element count is 0 but the rows are not.
            if n_elements == 0 && dims.iter().any(|&d| d > u32::MAX as u64) {
                return Err(c.err_at(dims_at, &format!("{field}.dims"), format!("an empty tensor with extents {dims:?}")));
            }
            let ty_at = c.pos as u64;
            let ty_id = c.u32(|| format!("{field}.type"))?;
            let ty = GgmlType::from_id(ty_id).ok_or_else(|| c.err_at(ty_at, &format!("{field}.type"), format!("unsupported tensor type {}", consts::ggml_type_name(ty_id))))?;
            if dims[0] % ty.block_size() != 0 {
                return Err(c.err_at(dims_at, &format!("{field}.dims[0]"), format!("row length {} is not a multiple of {}'s block size {}", dims[0], ty, ty.block_size())));
            }
            // Checked: an extent such as 2^62 must not wrap the size to something that fits.
            let n_bytes = (dims[0] / ty.block_size())
                .checked_mul(ty.type_size())
                .and_then(|row| dims[1..].iter().try_fold(row, |n, &d| n.checked_mul(d)))
                .filter(|&n| n <= i64::MAX as u64)
                .ok_or_else(|| c.err_at(dims_at, &format!("{field}.dims"), format!("byte size of {dims:?} {ty} overflows")))?;
            let off_at = c.pos as u64;
            let offset = c.u64(|| format!("{field}.offset"))?;
            if offset % alignment != 0 {
                return Err(c.err_at(off_at, &format!("{field}.offset"), format!("offset {offset} is not a multiple of the alignment {alignment}")));
            }
            tensors.push(TensorInfo { name, dims, ty, offset, n_bytes });
        }

        let data_offset = align_up(c.pos as u64, alignment);
        let file_len = bytes.len() as u64;
        if !tensors.is_empty() && data_offset > file_len {
            return Err(c.err_at(c.pos as u64, "data section", format!("starts at {data_offset}, past the end of the file ({file_len} bytes)")));
        }
        // Every tensor must lie inside the file, and no two may overlap.
        let mut order: Vec<usize> = (0..tensors.len()).collect();
        order.sort_by_key(|&i| tensors[i].offset);
        let mut prev_end = 0u64;
        let mut prev: Option<usize> = None;
        for &i in &order {
            let t = &tensors[i];
            let field = format!("tensor_infos[{i}] ({:?}).offset", t.name);
            let end = data_offset
                .checked_add(t.offset)
                .and_then(|s| s.checked_add(t.n_bytes))
                .filter(|&e| e <= file_len)
                .ok_or_else(|| c.err_at(info_offsets[i], &field, format!("data [{} + {}, {} bytes) runs past the end of the file ({file_len} bytes)", data_offset, t.offset, t.n_bytes)))?;
            if let Some(p) = prev {
                if data_offset + t.offset < prev_end {
                    return Err(c.err_at(info_offsets[i], &field, format!("data overlaps tensor {:?}", tensors[p].name)));
                }
            }
            prev_end = end;
            prev = Some(i);
        }

        Ok(Header { version, metadata, tensors, alignment, data_offset })
    }

    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }

    pub fn architecture(&self) -> Option<&str> {
        self.metadata.str(key::ARCHITECTURE)
    }
}

pub fn align_up(x: u64, alignment: u64) -> u64 {
    x.div_ceil(alignment) * alignment
}

/// A parsed GGUF file with its bytes memory-mapped.
pub struct GgufFile {
    pub path: PathBuf,
    pub header: Header,
    map: memmap2::Mmap,
}

impl GgufFile {
    pub fn open(path: impl AsRef<Path>) -> anyhow::Result<GgufFile> {
        let path = path.as_ref();
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            // Only the base model comes from `scripts/setup.sh`: other files get the plain I/O hint.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::path::absolute(path).ok() == Some(crate::paths::default_base_model()) => {
                let hint = crate::error::Hint::new(format!("cannot open {}", path.display()), crate::paths::MISSING_BASE_HINT);
                return Err(anyhow::Error::new(e).context(hint));
            }
            Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot open {}", path.display()))),
        };
        // SAFETY: the map is read-only; a file truncated by another process while mapped is the one
        // case memmap cannot guard against, as with every mmap-based GGUF reader.
        let map = unsafe { memmap2::Mmap::map(&file) }.with_context(|| format!("cannot map {}", path.display()))?;
        let header = Header::parse(&map).with_context(|| format!("{} is not a valid GGUF file", path.display()))?;
        Ok(GgufFile { path: path.to_path_buf(), header, map })
    }

    /// The bytes of tensor `i` (bounds were checked at parse time).
    pub fn tensor_data(&self, i: usize) -> &[u8] {
        let t = &self.header.tensors[i];
        let start = (self.header.data_offset + t.offset) as usize;
        &self.map[start..start + t.n_bytes as usize]
    }

    pub fn tensor_index(&self, name: &str) -> Option<usize> {
        self.header.tensors.iter().position(|t| t.name == name)
    }

    /// Tells the kernel that bytes `[offset, offset + len)` of tensor `i` will not be read again, so
    /// their pages leave this process's resident set (keeps peak memory flat when streaming a file).
    pub fn release_range(&self, i: usize, offset: u64, len: u64) {
        let t = &self.header.tensors[i];
        let start = (self.header.data_offset + t.offset + offset) as usize;
        let page = 4096;
        let first = start.div_ceil(page) * page;
        let end = (start + len as usize) / page * page;
        if end > first {
            // Advisory only: a failure leaves pages resident, which costs memory, not correctness.
            // SAFETY: the map is read-only and file-backed; dropped pages are re-read on access.
            let _ = unsafe { self.map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, first, end - first) };
        }
    }

    pub fn file_len(&self) -> u64 {
        self.map.len() as u64
    }
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn err_at(&self, offset: u64, field: &str, problem: String) -> ParseError {
        ParseError { offset, field: field.to_string(), problem }
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize, field: impl Fn() -> String) -> ParseResult<&'a [u8]> {
        if n > self.remaining() {
            return Err(ParseError { offset: self.pos as u64, field: field(), problem: format!("needs {n} bytes, only {} left in the file", self.remaining()) });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, field: impl Fn() -> String) -> ParseResult<[u8; N]> {
        Ok(self.take(N, field)?.try_into().expect("take returns N bytes"))
    }

    fn u32(&mut self, field: impl Fn() -> String) -> ParseResult<u32> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    fn u64(&mut self, field: impl Fn() -> String) -> ParseResult<u64> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }

    fn i64(&mut self, field: impl Fn() -> String) -> ParseResult<i64> {
        Ok(i64::from_le_bytes(self.array(field)?))
    }

    /// A count of items that take at least `min_item` bytes each: bounded by the bytes left.
    fn count(&mut self, min_item: usize, field: impl Fn() -> String) -> ParseResult<usize> {
        let at = self.pos as u64;
        let n = self.i64(&field)?;
        let max = self.remaining() / min_item;
        match usize::try_from(n) {
            Ok(n) if n <= max => Ok(n),
            _ => Err(ParseError { offset: at, field: field(), problem: format!("count {n} cannot fit in the {} bytes left (at most {max})", self.remaining()) }),
        }
    }

    fn string(&mut self, field: impl Fn() -> String) -> ParseResult<String> {
        let at = self.pos as u64;
        let len = self.u64(&field)?;
        if len > self.remaining() as u64 {
            return Err(ParseError { offset: at, field: field(), problem: format!("string length {len} exceeds the {} bytes left", self.remaining()) });
        }
        let bytes = self.take(len as usize, &field)?;
        String::from_utf8(bytes.to_vec()).map_err(|e| ParseError { offset: at, field: field(), problem: format!("string is not UTF-8: {e}") })
    }

    fn value_type(&mut self, field: impl Fn() -> String) -> ParseResult<ValueType> {
        let at = self.pos as u64;
        let id = self.u32(&field)?;
        ValueType::from_id(id).ok_or_else(|| ParseError { offset: at, field: field(), problem: format!("unknown value type {id}") })
    }

    fn value(&mut self, ty: ValueType, field: &str, depth: usize) -> ParseResult<Value> {
        let f = || field.to_string();
        Ok(match ty {
            ValueType::U8 => Value::U8(self.array::<1>(f)?[0]),
            ValueType::I8 => Value::I8(i8::from_le_bytes(self.array(f)?)),
            ValueType::U16 => Value::U16(u16::from_le_bytes(self.array(f)?)),
            ValueType::I16 => Value::I16(i16::from_le_bytes(self.array(f)?)),
            ValueType::U32 => Value::U32(u32::from_le_bytes(self.array(f)?)),
            ValueType::I32 => Value::I32(i32::from_le_bytes(self.array(f)?)),
            ValueType::F32 => Value::F32(f32::from_le_bytes(self.array(f)?)),
            ValueType::Bool => Value::Bool(self.bool(field)?),
            ValueType::String => Value::String(self.string(f)?),
            ValueType::U64 => Value::U64(u64::from_le_bytes(self.array(f)?)),
            ValueType::I64 => Value::I64(i64::from_le_bytes(self.array(f)?)),
            ValueType::F64 => Value::F64(f64::from_le_bytes(self.array(f)?)),
            ValueType::Array => Value::Array(self.array_value(field, depth)?),
        })
    }

    fn bool(&mut self, field: &str) -> ParseResult<bool> {
        let at = self.pos as u64;
        match self.array::<1>(|| field.to_string())?[0] {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(ParseError { offset: at, field: field.to_string(), problem: format!("bool byte is {b}, not 0 or 1") }),
        }
    }

    fn array_value(&mut self, field: &str, depth: usize) -> ParseResult<Array> {
        let at = self.pos as u64;
        if depth >= MAX_ARRAY_DEPTH {
            return Err(ParseError { offset: at, field: field.to_string(), problem: format!("arrays nested deeper than {MAX_ARRAY_DEPTH}") });
        }
        let elem = self.value_type(|| format!("{field}.elem_type"))?;
        let n_at = self.pos as u64;
        let n = self.u64(|| format!("{field}.len"))?;
        let max = (self.remaining() / elem.min_encoded_size()) as u64;
        if n > max {
            return Err(ParseError { offset: n_at, field: format!("{field}.len"), problem: format!("{n} {} elements cannot fit in the {} bytes left", elem.name(), self.remaining()) });
        }
        let n = n as usize;
        macro_rules! fixed {
            ($variant:ident, $t:ty) => {{
                let size = std::mem::size_of::<$t>();
                let raw = self.take(n * size, || field.to_string())?;
                Array::$variant(raw.chunks_exact(size).map(|b| <$t>::from_le_bytes(b.try_into().unwrap())).collect())
            }};
        }
        Ok(match elem {
            ValueType::U8 => Array::U8(self.take(n, || field.to_string())?.to_vec()),
            ValueType::I8 => fixed!(I8, i8),
            ValueType::U16 => fixed!(U16, u16),
            ValueType::I16 => fixed!(I16, i16),
            ValueType::U32 => fixed!(U32, u32),
            ValueType::I32 => fixed!(I32, i32),
            ValueType::F32 => fixed!(F32, f32),
            ValueType::U64 => fixed!(U64, u64),
            ValueType::I64 => fixed!(I64, i64),
            ValueType::F64 => fixed!(F64, f64),
            ValueType::Bool => {
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.bool(field)?);
                }
                Array::Bool(v)
            }
            ValueType::String => {
                let mut v = Vec::with_capacity(n);
                for i in 0..n {
                    v.push(self.string(|| format!("{field}[{i}]"))?);
                }
                Array::String(v)
            }
            ValueType::Array => {
                let mut v = Vec::with_capacity(n);
                for i in 0..n {
                    v.push(self.array_value(&format!("{field}[{i}]"), depth + 1)?);
                }
                Array::Array(v)
            }
        })
    }
}
