//! fg's tokenizer against llama.cpp's (vocab-only load of the base with FunctionGemma's token
//! names): identical ids on every rendered example of the default dataset and on a mixed corpus.

mod common;

use common::*;
use fg::engine::Vocab;
use fg::gguf::writer::write_file;
use fg::gguf::{vocab, GgufFile};
use fg::tokenizer::Tokenizer;
use std::sync::OnceLock;

/// The base's metadata with FunctionGemma's names, as a GGUF without tensors (vocab-only loads).
fn oracle() -> &'static (Tokenizer, Vocab) {
    static O: OnceLock<(tempfile::TempDir, (Tokenizer, Vocab))> = OnceLock::new();
    &O.get_or_init(|| {
        let base = GgufFile::open(base_model()).unwrap();
        let meta = vocab::with_functiongemma_tokens(&base.header.metadata).unwrap();
        let dir = tmp();
        let path = dir.path().join("vocab.gguf");
        write_file(&path, &meta, &[]).unwrap();
        let ours = Tokenizer::from_gguf(&GgufFile::open(&path).unwrap().header).unwrap();
        let theirs = Vocab::load(&path).unwrap();
        (dir, (ours, theirs))
    })
    .1
}

fn assert_same(text: &str) {
    let (ours, theirs) = oracle();
    let a = ours.encode(text).unwrap();
    let b = theirs.tokenize(text);
    if a != b {
        let i = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        let ctx = |v: &[u32]| v[i.saturating_sub(3)..(i + 4).min(v.len())].to_vec();
        panic!("token {i} differs for {:?}:\n  fg:        {:?}\n  llama.cpp: {:?}", text.chars().take(200).collect::<String>(), ctx(&a), ctx(&b));
    }
}

#[test]
fn mixed_corpus_tokenizes_as_in_llama_cpp() {
    let corpus = [
        "Hello world",
        "  leading spaces and trailing   ",
        "fn main() {\n    println!(\"hi\");\n}\n",
        "def f(x):\n\treturn x ** 2  # tab-indented\n",
        "/home/user/projects/fg/src/gguf/quant/q4_k.rs:120:5",
        r#"{"name": "read_file", "arguments": {"path": "src/main.rs", "end_line": 42}}"#,
        "SELECT * FROM users WHERE id = 7;",
        "日本語のテキストと中文混合",
        "Привет, мир! Ελληνικά, עברית, العربية, हिन्दी",
        "emoji 🎉🚀 and flags 🇫🇷 and ZWJ 👩‍💻",
        "\n\n\n\n\n\n\n\n",
        "word                                                  word",
        "tabs\t\t\tand\r\nwindows lines",
        "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n",
        "<start_function_call>call:read_file{path:<escape>src/main.rs<escape>}<end_function_call><start_function_response>",
        "ababababa aaaaaaaa xxxxxxxxxxxxxxx ----------- ===========",
        "<0x41> <unused99> literal <b>html</b> &amp;",
        "https://example.com/path?q=1&r=2#frag",
        "ÀÉÎõü ß ﬁ ligature ½ ² ∑∫√",
        "",
    ];
    for text in corpus {
        assert_same(text);
    }
}

#[test]
fn functiongemma_tokens_are_single_control_ids() {
    let (ours, _) = oracle();
    for (name, id) in fg::format::functiongemma::SPECIAL_TOKENS {
        assert_eq!(ours.encode(name).unwrap(), [id]);
    }
    assert_eq!(ours.encode("<start_of_turn><end_of_turn>").unwrap(), [105, 106]);
    assert_eq!(ours.encode("<bos>").unwrap(), [2]);
}

#[test]
fn decode_inverts_encode() {
    let (ours, _) = oracle();
    for text in ["Hello  world\n\ttab", "日本語 🎉", "call:x{a:<escape>b<escape>}"] {
        assert_eq!(ours.decode(&ours.encode(text).unwrap()).unwrap(), text);
    }
}
