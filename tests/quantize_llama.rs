//! `fg quantize` against llama.cpp's own `llama_model_quantize`: from an f16 GGUF built from the
//! real base, both must write the same file, byte for byte; and every file fg writes must load in
//! llama.cpp and predict the same next token as the original base.

mod common;

use common::*;
use fg::gguf::quantize::{quantize_file, QuantizeOptions};
use fg::gguf::{FileType, GgufFile};
use fg::llama::oracle::llama_quantize;
use fg::llama::Model;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The f16 GGUF built by fg from the base (shared by the tests of this file).
fn f16_base() -> &'static Path {
    static F16: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, p) = F16.get_or_init(|| {
        let dir = tmp();
        let p = dir.path().join("base-f16.gguf");
        quantize_file(&base_model(), &p, &opts(FileType::MostlyF16)).expect("fg writes the f16 base");
        (dir, p)
    });
    p
}

fn opts(ftype: FileType) -> QuantizeOptions {
    QuantizeOptions { ftype, threads: threads(), progress: false }
}

/// Quantizes `input` with fg and with llama.cpp and compares the two files tensor by tensor,
/// then as wholes.
fn assert_same_as_llama(input: &Path, ftype: FileType) -> anyhow::Result<()> {
    let dir = tmp();
    let ours = dir.path().join("fg.gguf");
    let theirs = dir.path().join("llama.gguf");
    quantize_file(input, &ours, &opts(ftype))?;
    llama_quantize(input, &theirs, ftype, threads())?;
    let (a, b) = (GgufFile::open(&ours)?, GgufFile::open(&theirs)?);
    assert_eq!(a.header.metadata, b.header.metadata, "{}: metadata differs", ftype.cli_name());
    assert_eq!(a.header.tensors.len(), b.header.tensors.len());
    for (i, (ta, tb)) in a.header.tensors.iter().zip(&b.header.tensors).enumerate() {
        assert_eq!((&ta.name, ta.ty, &ta.dims), (&tb.name, tb.ty, &tb.dims), "{}: tensor {i} header", ftype.cli_name());
        if a.tensor_data(i) != b.tensor_data(i) {
            let bs = ta.ty.type_size() as usize;
            let block = a.tensor_data(i).chunks(bs).zip(b.tensor_data(i).chunks(bs)).position(|(x, y)| x != y).unwrap();
            panic!("{}: tensor {} ({}) differs from llama.cpp's first at block {block}", ftype.cli_name(), ta.name, ta.ty);
        }
    }
    assert!(std::fs::read(&ours)? == std::fs::read(&theirs)?, "{}: files differ outside the tensors", ftype.cli_name());
    Ok(())
}

#[test]
fn q4_k_m_from_f16_is_byte_identical_to_llama_cpp() -> anyhow::Result<()> {
    assert_same_as_llama(f16_base(), FileType::MostlyQ4KM)
}

#[test]
fn q8_0_from_f16_is_byte_identical_to_llama_cpp() -> anyhow::Result<()> {
    assert_same_as_llama(f16_base(), FileType::MostlyQ8_0)
}

#[test]
fn bf16_and_f16_from_the_q4_k_m_base_are_byte_identical_to_llama_cpp() -> anyhow::Result<()> {
    assert_same_as_llama(&base_model(), FileType::MostlyBF16)?;
    assert_same_as_llama(&base_model(), FileType::MostlyF16)
}

#[test]
fn q4_k_m_mix_matches_the_published_base_types() -> anyhow::Result<()> {
    // The types llama.cpp chose for the real file are the oracle for the Q4_K_M rules.
    let dir = tmp();
    let out = dir.path().join("q4km.gguf");
    quantize_file(f16_base(), &out, &opts(FileType::MostlyQ4KM))?;
    let (ours, base) = (GgufFile::open(&out)?, GgufFile::open(base_model())?);
    let types = |f: &GgufFile| f.header.tensors.iter().map(|t| (t.name.clone(), t.ty)).collect::<Vec<_>>();
    assert_eq!(types(&ours), types(&base));
    assert_eq!(ours.header.metadata, base.header.metadata);
    Ok(())
}

#[test]
fn every_fg_output_loads_in_llama_cpp_and_predicts_like_the_base() -> anyhow::Result<()> {
    let prompt = "<start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n<start_of_turn>model\n";
    let base = Model::load(&base_model())?;
    let tokens = base.tokenize(prompt);
    let want = base.next_token(&tokens, threads())?;
    let dir = tmp();
    for ftype in [FileType::MostlyF16, FileType::MostlyBF16, FileType::MostlyQ8_0, FileType::MostlyQ4KM, FileType::AllF32] {
        let out = dir.path().join(format!("{}.gguf", ftype.cli_name()));
        quantize_file(f16_base(), &out, &opts(ftype))?;
        let got = Model::load(&out)?.next_token(&tokens, threads())?;
        assert_eq!(got, want, "{} predicts token {got}, the base {want}", ftype.cli_name());
        std::fs::remove_file(&out)?;
    }
    Ok(())
}

#[test]
fn corrupt_input_fails_cleanly_and_keeps_the_output_untouched() -> anyhow::Result<()> {
    let dir = tmp();
    let bad = dir.path().join("bad.gguf");
    let bytes = std::fs::read(base_model())?;
    std::fs::write(&bad, &bytes[..bytes.len() / 2])?;
    let out = dir.path().join("out.gguf");
    std::fs::write(&out, b"keep me")?;
    let err = quantize_file(&bad, &out, &opts(FileType::MostlyQ8_0)).err().expect("truncated input is rejected");
    let msg = format!("{err:#}");
    assert!(msg.contains("bad.gguf") && msg.contains("past the end of the file"), "{msg}");
    assert_eq!(std::fs::read(&out)?, b"keep me");
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 2, "no temporary file left");
    Ok(())
}
