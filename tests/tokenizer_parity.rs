//! fg's tokenizer against llama.cpp's (vocab-only load of the base with FunctionGemma's token
//! names): identical ids on every rendered example of the default dataset and on a mixed corpus.

mod common;

use common::*;
use fg::gguf::writer::write_file;
use fg::gguf::GgufFile;
use fg::llama::Vocab;
use fg::tokenizer::Tokenizer;
use std::sync::OnceLock;

/// The base's metadata with FunctionGemma's names, as a GGUF without tensors (vocab-only loads).
fn oracle() -> &'static (Tokenizer, Vocab) {
    static O: OnceLock<(tempfile::TempDir, (Tokenizer, Vocab))> = OnceLock::new();
    &O.get_or_init(|| {
        let base = GgufFile::open(base_model()).unwrap();
        let meta = fg::format::vocab::with_functiongemma_tokens(&base.header.metadata).unwrap();
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
    for (name, id) in fg::names::token::FUNCTIONGEMMA {
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

/// Checks every example: fg on the whole text against llama.cpp on the shared prefix and on the
/// rest (llama.cpp splits text at the newline that ends the prefix, a user-defined token, so its
/// ids for the whole are the two concatenated; whole texts are compared directly on a sample,
/// which confirms it, since llama.cpp takes about 40 ms per 4,000-token text).
fn assert_dataset_same(examples: &[fg::data::Example], prefix: &str) {
    let (ours, theirs) = oracle();
    let prefix_ids = theirs.tokenize(prefix);
    for (i, e) in examples.iter().enumerate() {
        let rest = e.text.strip_prefix(prefix).unwrap_or_else(|| panic!("{} lacks the shared prefix", e.id));
        let mut want = prefix_ids.clone();
        want.extend(theirs.tokenize(rest));
        let got = ours.encode(&e.text).unwrap();
        if got != want {
            let k = got.iter().zip(&want).position(|(x, y)| x != y).unwrap_or(got.len().min(want.len()));
            panic!("{}: token {k} differs: fg {:?}, llama.cpp {:?}", e.id, &got[k.saturating_sub(2)..(k + 3).min(got.len())], &want[k.saturating_sub(2)..(k + 3).min(want.len())]);
        }
        if i % 50 == 0 {
            assert_same(&e.text);
        }
    }
}

#[test]
fn every_rendered_example_of_the_default_dataset_tokenizes_as_in_llama_cpp() {
    use fg::format::Format;
    let tools = fg::tools::Tools::load(&fg::tools::default_tools_path()).unwrap();
    let ds = fg::data::build(&tools, &fg::data::BuildOptions { harvest: vec![], seed: 42, scale: 1.0, format: Format::FunctionGemma, corpus: None, natural_repeat: 1 }).unwrap();
    let all: Vec<fg::data::Example> = ds.train.into_iter().chain(ds.eval).collect();
    assert!(all.len() > 2500);
    assert_dataset_same(&all, &Format::FunctionGemma.prefix(&tools, None));
    // The JSON format's texts too, on a smaller build.
    let json = fg::data::build(&tools, &fg::data::BuildOptions { harvest: vec![], seed: 5, scale: 0.2, format: Format::Json, corpus: None, natural_repeat: 1 }).unwrap();
    let all: Vec<fg::data::Example> = json.train.into_iter().chain(json.eval).collect();
    assert_dataset_same(&all, &Format::Json.prefix(&tools, None));
}

#[test]
fn loss_mask_marks_exactly_the_completion_of_each_kind() {
    use fg::format::{Format, Message};
    let (ours, _) = oracle();
    let tools = fg::tools::Tools::load(&fg::tools::default_tools_path()).unwrap();
    let ds = fg::data::build(&tools, &fg::data::BuildOptions { harvest: vec![], seed: 9, scale: 0.2, format: Format::FunctionGemma, corpus: None, natural_repeat: 1 }).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for e in &ds.train {
        let r = Format::FunctionGemma.render(&tools, None, &e.messages, false).unwrap();
        let (ids, mask) = ours.encode_rendered(&r).unwrap();
        let masked: Vec<u32> = ids.iter().zip(&mask).filter(|(_, &m)| m == 1).map(|(&i, _)| i).collect();
        // What the model produces: each assistant message, rendered as the format renders it.
        let mut want = String::new();
        for m in &e.messages {
            if let Message::Assistant { content, tool_calls } = m {
                want += content.as_deref().unwrap_or("");
                for c in tool_calls {
                    want += &fg::format::functiongemma::render_call(c).unwrap();
                }
                want += if tool_calls.is_empty() { "<end_of_turn>" } else { "<start_function_response>" };
            }
        }
        assert_eq!(ours.decode(&masked).unwrap(), want, "{} ({})", e.id, e.kind);
        // The completion ends with the stop token, and nothing after the model turn is trained.
        let last = ids.iter().zip(&mask).rposition(|(_, &m)| m == 1).unwrap();
        assert!([50, 106].contains(&ids[last]), "{}: last trained token {}", e.id, ids[last]);
        assert!(mask[..ids.iter().position(|&i| i == 105).unwrap()].iter().all(|&m| m == 0), "prefix trained");
        kinds.insert(e.kind.name());
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["call", "grounded", "multi_turn", "near_miss", "no_call", "parallel"]);
}

#[test]
fn hf_tokenizer_json_loads_with_functiongemma_names_at_46_to_52() {
    let (ours, _) = oracle();
    let dir = tmp();
    let path = dir.path().join("tokenizer.json");
    ours.save(&path).unwrap();
    // As Gemma 3's own tokenizer.json: the seven slots still named <unused40>..<unused46>.
    let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for (i, (name, id)) in fg::names::token::FUNCTIONGEMMA.iter().enumerate() {
        let old = format!("<unused{}>", 40 + i);
        let vocab = json["model"]["vocab"].as_object_mut().unwrap();
        vocab.remove(*name);
        vocab.insert(old.clone(), (*id).into());
        for t in json["added_tokens"].as_array_mut().unwrap() {
            if t["id"] == *id {
                t["content"] = old.clone().into();
            }
        }
    }
    std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();
    let hf = Tokenizer::from_hf_file(&path).unwrap();
    let text = "<bos><start_of_turn>user\nread a.py<end_of_turn>\n<start_of_turn>model\n<start_function_call>call:read_file{path:<escape>a.py<escape>}<end_function_call>";
    assert_eq!(hf.encode(text).unwrap(), ours.encode(text).unwrap());
}
