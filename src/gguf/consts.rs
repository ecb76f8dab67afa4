//! Every GGUF format fact in one place: magic, versions, value and tensor type ids, block sizes,
//! llama.cpp file types. The metadata keys fg reads or writes are `crate::names::key`'s.
//! Source: `shared/reference/gguf-spec.md` §1 (container), §1.6 (types), §1.7 (file types).

use std::fmt;

pub const MAGIC: [u8; 4] = *b"GGUF";
/// The version `fg` writes. Versions 2 and 3 share a layout on little-endian hosts and are both read.
pub const VERSION: u32 = 3;
pub const MIN_READ_VERSION: u32 = 2;
/// Data alignment when the file has no `general.alignment` key (GGUF_DEFAULT_ALIGNMENT).
pub const DEFAULT_ALIGNMENT: u64 = 32;
/// ggml's GGML_MAX_NAME counts the terminating NUL: names are at most 63 bytes.
pub const MAX_TENSOR_NAME: usize = 63;
/// ggml's GGML_MAX_DIMS.
pub const MAX_DIMS: usize = 4;
/// ggml's GGML_QNT_VERSION, written as `general.quantization_version`.
pub const QUANTIZATION_VERSION: u32 = 2;

/// A metadata value's type id (`enum gguf_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
}

impl ValueType {
    pub fn from_id(id: u32) -> Option<Self> {
        use ValueType::*;
        Some(match id {
            0 => U8,
            1 => I8,
            2 => U16,
            3 => I16,
            4 => U32,
            5 => I32,
            6 => F32,
            7 => Bool,
            8 => String,
            9 => Array,
            10 => U64,
            11 => I64,
            12 => F64,
            _ => return None,
        })
    }

    /// Bytes of a fixed-width value; strings and arrays have none.
    pub fn fixed_size(self) -> Option<usize> {
        use ValueType::*;
        match self {
            U8 | I8 | Bool => Some(1),
            U16 | I16 => Some(2),
            U32 | I32 | F32 => Some(4),
            U64 | I64 | F64 => Some(8),
            String | Array => None,
        }
    }

    /// The fewest bytes one value of this type takes in a file (bounds array allocations).
    pub fn min_encoded_size(self) -> usize {
        match self {
            ValueType::String => 8,
            ValueType::Array => 12,
            other => other.fixed_size().unwrap_or(1),
        }
    }
}

/// A tensor's ggml type (`enum ggml_type`), limited to the types `fg` can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GgmlType {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q4K = 12,
    Q5K = 13,
    Q6K = 14,
    BF16 = 30,
}

impl GgmlType {
    pub const ALL: [GgmlType; 11] =
        [GgmlType::F32, GgmlType::F16, GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q4K, GgmlType::Q5K, GgmlType::Q6K, GgmlType::BF16];

    pub fn from_id(id: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|t| *t as u32 == id)
    }

    /// Elements per block.
    pub fn block_size(self) -> u64 {
        use GgmlType::*;
        match self {
            F32 | F16 | BF16 => 1,
            Q4_0 | Q4_1 | Q5_0 | Q5_1 | Q8_0 => 32,
            Q4K | Q5K | Q6K => 256,
        }
    }

    /// Bytes per block.
    pub fn type_size(self) -> u64 {
        use GgmlType::*;
        match self {
            F32 => 4,
            F16 | BF16 => 2,
            Q4_0 => 18,
            Q4_1 => 20,
            Q5_0 => 22,
            Q5_1 => 24,
            Q8_0 => 34,
            Q4K => 144,
            Q5K => 176,
            Q6K => 210,
        }
    }

    /// Bytes of a row of `n` elements; `None` when `n` is not a whole number of blocks.
    pub fn row_bytes(self, n: u64) -> Option<u64> {
        (n % self.block_size() == 0).then(|| n / self.block_size() * self.type_size())
    }

    /// ggml's lower-case type name (`q4_K`, `bf16`).
    pub fn name(self) -> &'static str {
        use GgmlType::*;
        match self {
            F32 => "f32",
            F16 => "f16",
            Q4_0 => "q4_0",
            Q4_1 => "q4_1",
            Q5_0 => "q5_0",
            Q5_1 => "q5_1",
            Q8_0 => "q8_0",
            Q4K => "q4_K",
            Q5K => "q5_K",
            Q6K => "q6_K",
            BF16 => "bf16",
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, GgmlType::F32 | GgmlType::F16 | GgmlType::BF16)
    }
}

impl fmt::Display for GgmlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Names the ggml types `fg` cannot read, so that errors can say what a file holds.
pub fn ggml_type_name(id: u32) -> String {
    match GgmlType::from_id(id) {
        Some(t) => t.name().to_string(),
        None => match id {
            9 => "q8_1".into(),
            10 => "q2_K".into(),
            11 => "q3_K".into(),
            15 => "q8_K".into(),
            16..=23 | 29 => format!("iq type {id}"),
            _ => format!("type {id}"),
        },
    }
}

/// A llama.cpp file type (`enum llama_ftype`), written as `general.file_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    AllF32 = 0,
    MostlyF16 = 1,
    MostlyQ8_0 = 7,
    MostlyQ4KM = 15,
    MostlyBF16 = 32,
}

impl FileType {
    /// The type a quantizable tensor gets before per-tensor rules (`llama_ftype_get_default_type`).
    pub fn default_type(self) -> GgmlType {
        match self {
            FileType::AllF32 => GgmlType::F32,
            FileType::MostlyF16 => GgmlType::F16,
            FileType::MostlyQ8_0 => GgmlType::Q8_0,
            FileType::MostlyQ4KM => GgmlType::Q4K,
            FileType::MostlyBF16 => GgmlType::BF16,
        }
    }

    /// The name used on fg's command line.
    pub fn cli_name(self) -> &'static str {
        match self {
            FileType::AllF32 => "f32",
            FileType::MostlyF16 => "f16",
            FileType::MostlyQ8_0 => "q8_0",
            FileType::MostlyQ4KM => "q4_k_m",
            FileType::MostlyBF16 => "bf16",
        }
    }

    pub fn from_cli_name(name: &str) -> Option<Self> {
        [Self::AllF32, Self::MostlyF16, Self::MostlyQ8_0, Self::MostlyQ4KM, Self::MostlyBF16].into_iter().find(|t| t.cli_name().eq_ignore_ascii_case(name))
    }
}

/// Names `general.file_type` values for `fg inspect`.
pub fn file_type_name(id: u32) -> &'static str {
    match id {
        0 => "all F32",
        1 => "mostly F16",
        2 => "mostly Q4_0",
        3 => "mostly Q4_1",
        7 => "mostly Q8_0",
        8 => "mostly Q5_0",
        9 => "mostly Q5_1",
        10 => "mostly Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "mostly Q6_K",
        32 => "mostly BF16",
        _ => "unknown",
    }
}
