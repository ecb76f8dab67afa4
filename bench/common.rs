//! What the CPU benchmarks share on their command line: threads, timed runs, and `cargo bench`'s own flag.

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
