//! Fuzzes the GGUF header parser: any input must give Ok or a ParseError, never a panic, a hang or
//! an allocation larger than the input justifies. Run: `cargo fuzz run gguf_header`.
#![no_main]

#[allow(dead_code)]
#[path = "../../src/gguf"]
mod gguf {
    pub mod consts;
    pub mod reader;
    pub mod value;
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(h) = gguf::reader::Header::parse(data) {
        // A header that parses must describe tensors inside the input.
        for t in &h.tensors {
            assert!(h.data_offset + t.offset + t.n_bytes <= data.len() as u64);
        }
    }
});
