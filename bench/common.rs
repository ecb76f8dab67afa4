//! What the CPU benchmarks share: their command line (threads, timed runs, `cargo bench`'s own
//! flag) and the agent they time.

use fg::agent::run::AgentOptions;
use fg::format::Format;
use fg::llama::Sampling;

#[derive(clap::Args)]
pub struct Runs {
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    pub bench: bool,
}

/// The agent the benchmarks time: grammar on, one iteration, to the first validated call, the
/// prefix's state cached in `cache`.
pub fn first_call(cache: &std::path::Path) -> AgentOptions {
    AgentOptions {
        format: Format::FunctionGemma,
        grammar: true,
        max_iterations: 1,
        max_tokens: 96,
        max_answer_tokens: fg::agent::run::DEFAULT_MAX_ANSWER_TOKENS,
        sampling: Sampling::default(),
        system: None,
        cache_dir: Some(cache.to_path_buf()),
    }
}
