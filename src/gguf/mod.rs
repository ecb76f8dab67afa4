//! GGUF: the container (reader, writer), the quant block types and llama.cpp's reference
//! quantizers, and the Q4_K_M mix. Everything follows `shared/reference/gguf-spec.md`.

pub mod consts;
pub mod inspect;
pub mod mix;
pub mod quant;
pub mod quantize;
pub mod reader;
pub mod value;
pub mod writer;

pub use consts::{FileType, GgmlType, ValueType};
pub use reader::{GgufFile, Header, Metadata, ParseError, TensorInfo};
pub use value::{Array, Value};
pub use writer::{GgufWriter, TensorSpec};
