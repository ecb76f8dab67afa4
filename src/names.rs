//! Every name and id that more than one room of fg uses, each with this one owner: FunctionGemma's
//! control tokens and the Gemma 3 ids they occupy, Gemma 3's per-layer tensors in their GGUF, Hugging
//! Face and PEFT spellings, and every GGUF metadata key fg reads or writes.
//! Sources: `shared/reference/functiongemma-format.md` (tokens), `shared/reference/gguf-spec.md` §1 and
//! §5 (keys, tensor names).

/// Gemma 3's turn markers and FunctionGemma's seven control tokens, as text and as ids.
pub mod token {
    pub const BOS: &str = "<bos>";
    pub const START_OF_TURN: &str = "<start_of_turn>";
    pub const END_OF_TURN: &str = "<end_of_turn>";

    pub const EOS_ID: u32 = 1;
    pub const BOS_ID: u32 = 2;
    pub const END_OF_TURN_ID: u32 = 106;

    pub const START_FUNCTION_DECLARATION: &str = "<start_function_declaration>";
    pub const END_FUNCTION_DECLARATION: &str = "<end_function_declaration>";
    pub const START_FUNCTION_CALL: &str = "<start_function_call>";
    pub const END_FUNCTION_CALL: &str = "<end_function_call>";
    pub const START_FUNCTION_RESPONSE: &str = "<start_function_response>";
    pub const END_FUNCTION_RESPONSE: &str = "<end_function_response>";
    pub const ESCAPE: &str = "<escape>";

    /// The seven FunctionGemma tokens and the Gemma 3 ids they occupy (`<unused40>`..`<unused46>`),
    /// consecutive from `FIRST_FUNCTIONGEMMA_ID`.
    pub const FUNCTIONGEMMA: [(&str, u32); 7] = [
        (START_FUNCTION_DECLARATION, 46),
        (END_FUNCTION_DECLARATION, 47),
        (START_FUNCTION_CALL, 48),
        (END_FUNCTION_CALL, 49),
        (START_FUNCTION_RESPONSE, 50),
        (END_FUNCTION_RESPONSE, 51),
        (ESCAPE, 52),
    ];
    pub const FIRST_FUNCTIONGEMMA_ID: u32 = 46;
    pub const FUNCTIONGEMMA_COUNT: u32 = 7;
    pub const START_FUNCTION_CALL_ID: u32 = 48;
    pub const START_FUNCTION_RESPONSE_ID: u32 = 50;
    pub const ESCAPE_ID: u32 = 52;

    /// The id of a FunctionGemma token by its text.
    pub fn functiongemma_id(name: &str) -> Option<u32> {
        FUNCTIONGEMMA.iter().find(|(n, _)| *n == name).map(|(_, id)| *id)
    }
}

/// One of the seven projections LoRA adapts, in each of its spellings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proj {
    Q,
    K,
    V,
    Output,
    Gate,
    Up,
    Down,
}

impl Proj {
    pub const ALL: [Proj; 7] = [Proj::Q, Proj::K, Proj::V, Proj::Output, Proj::Gate, Proj::Up, Proj::Down];

    /// llama.cpp's short name inside `blk.N.{name}.weight`.
    pub fn gguf(self) -> &'static str {
        match self {
            Proj::Q => "attn_q",
            Proj::K => "attn_k",
            Proj::V => "attn_v",
            Proj::Output => "attn_output",
            Proj::Gate => "ffn_gate",
            Proj::Up => "ffn_up",
            Proj::Down => "ffn_down",
        }
    }

    /// The module path inside an HF Gemma 3 decoder layer (`model.layers.N.{module}`).
    pub fn hf_module(self) -> &'static str {
        match self {
            Proj::Q => "self_attn.q_proj",
            Proj::K => "self_attn.k_proj",
            Proj::V => "self_attn.v_proj",
            Proj::Output => "self_attn.o_proj",
            Proj::Gate => "mlp.gate_proj",
            Proj::Up => "mlp.up_proj",
            Proj::Down => "mlp.down_proj",
        }
    }

    /// PEFT's `target_modules` entry.
    pub fn peft_target(self) -> &'static str {
        self.hf_module().rsplit('.').next().expect("a module path")
    }

    pub fn from_gguf(name: &str) -> Option<Proj> {
        Proj::ALL.into_iter().find(|p| p.gguf() == name)
    }

    pub fn from_hf_module(module: &str) -> Option<Proj> {
        Proj::ALL.into_iter().find(|p| p.hf_module() == module)
    }
}

/// The per-layer tensors that are not projections: (GGUF short name, HF parameter path).
pub const LAYER_NORMS: [(&str, &str); 6] = [
    ("attn_norm", "input_layernorm"),
    ("attn_q_norm", "self_attn.q_norm"),
    ("attn_k_norm", "self_attn.k_norm"),
    ("post_attention_norm", "post_attention_layernorm"),
    ("ffn_norm", "pre_feedforward_layernorm"),
    ("post_ffw_norm", "post_feedforward_layernorm"),
];

/// Every GGUF metadata key fg reads or writes.
pub mod key {
    pub const ALIGNMENT: &str = "general.alignment";
    pub const ARCHITECTURE: &str = "general.architecture";
    pub const FILE_TYPE: &str = "general.file_type";
    pub const QUANTIZATION_VERSION: &str = "general.quantization_version";
    pub const NAME: &str = "general.name";
    pub const TYPE: &str = "general.type";
    pub const BASE_MODEL_REPO_URL: &str = "general.base_model.0.repo_url";
    /// Keys of split files, which llama.cpp's quantizer drops from its output.
    pub const SPLIT: [&str; 3] = ["split.no", "split.count", "split.tensors.count"];

    pub const TOKENIZER_MODEL: &str = "tokenizer.ggml.model";
    pub const TOKENS: &str = "tokenizer.ggml.tokens";
    pub const SCORES: &str = "tokenizer.ggml.scores";
    pub const TOKEN_TYPE: &str = "tokenizer.ggml.token_type";
    pub const ADD_SPACE_PREFIX: &str = "tokenizer.ggml.add_space_prefix";
    pub const EOT_TOKEN_ID: &str = "tokenizer.ggml.eot_token_id";
    pub const EOS_TOKEN_IDS: &str = "tokenizer.ggml.eos_token_ids";
    pub const CHAT_TEMPLATE: &str = "tokenizer.chat_template";

    /// Gemma 3's hyperparameters, under the architecture's prefix.
    pub const GEMMA3_EMBEDDING_LENGTH: &str = "gemma3.embedding_length";
    pub const GEMMA3_FEED_FORWARD_LENGTH: &str = "gemma3.feed_forward_length";
    pub const GEMMA3_BLOCK_COUNT: &str = "gemma3.block_count";
    pub const GEMMA3_HEAD_COUNT: &str = "gemma3.attention.head_count";
    pub const GEMMA3_HEAD_COUNT_KV: &str = "gemma3.attention.head_count_kv";
    pub const GEMMA3_KEY_LENGTH: &str = "gemma3.attention.key_length";
    pub const GEMMA3_RMS_EPSILON: &str = "gemma3.attention.layer_norm_rms_epsilon";
    pub const GEMMA3_ROPE_FREQ_BASE: &str = "gemma3.rope.freq_base";
    pub const GEMMA3_ROPE_FREQ_BASE_SWA: &str = "gemma3.rope.freq_base_swa";
    pub const GEMMA3_SLIDING_WINDOW: &str = "gemma3.attention.sliding_window";
    pub const GEMMA3_SLIDING_WINDOW_PATTERN: &str = "gemma3.attention.sliding_window_pattern";

    /// llama.cpp's LoRA adapter files.
    pub const ADAPTER_TYPE: &str = "adapter.type";
    pub const ADAPTER_LORA_ALPHA: &str = "adapter.lora.alpha";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functiongemma_ids_are_consecutive_and_named_once() {
        for (i, (name, id)) in token::FUNCTIONGEMMA.iter().enumerate() {
            assert_eq!(*id, token::FIRST_FUNCTIONGEMMA_ID + i as u32);
            assert_eq!(token::functiongemma_id(name), Some(*id));
        }
        assert_eq!(token::FUNCTIONGEMMA.len() as u32, token::FUNCTIONGEMMA_COUNT);
        assert_eq!(token::functiongemma_id(token::START_FUNCTION_CALL), Some(token::START_FUNCTION_CALL_ID));
        assert_eq!(token::functiongemma_id(token::START_FUNCTION_RESPONSE), Some(token::START_FUNCTION_RESPONSE_ID));
        assert_eq!(token::functiongemma_id(token::ESCAPE), Some(token::ESCAPE_ID));
    }

    #[test]
    fn projections_round_trip_through_every_spelling() {
        for p in Proj::ALL {
            assert_eq!(Proj::from_gguf(p.gguf()), Some(p));
            assert_eq!(Proj::from_hf_module(p.hf_module()), Some(p));
            assert!(p.hf_module().ends_with(p.peft_target()));
        }
        assert_eq!(Proj::Output.peft_target(), "o_proj");
    }
}
