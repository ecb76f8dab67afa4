//! The command line: one `Args` struct per subcommand. Arguments are turned into checked values
//! here (file types, thread counts) before any work starts.

use crate::device::DeviceChoice;
use crate::format::Format;
use crate::gguf::FileType;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "fg",
    version,
    about = "Fine-tune FunctionGemma (Gemma 3 270M) to call Delia's tools, and ship it as a GGUF",
    after_help = "Exit codes: 0 success, 1 failure, 2 bad command line, 3 bad input file or data.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show a GGUF file's metadata, tensors and totals
    Inspect(InspectArgs),
    /// Convert a GGUF to f32, f16, bf16, q8_0 or q4_k_m, byte-identical to llama.cpp's quantizer
    Quantize(QuantizeArgs),
    /// Show the GPUs and CPU fg can train on, and check one with a small computation
    Devices(DevicesArgs),
    /// Fine-tune with LoRA (and FunctionGemma's token rows) on libtorch, CUDA or CPU
    Train(TrainArgs),
    /// Merge an adapter into the base and write a GGUF (f16, bf16, q8_0, q4_k_m)
    Export(ExportArgs),
    /// Run a request with the model calling Delia's tools until it can answer
    Agent(AgentArgs),
    /// Tool-call accuracy of a model (and adapter) on an eval set, as a table, markdown and a chart
    Eval(EvalArgs),
    /// Print the GBNF grammar for a tools file or a JSON Schema, or check outputs against it
    Grammar(GrammarArgs),
    /// Build the Delia dataset (train/eval/stats) or report its statistics
    #[command(subcommand)]
    Data(DataCommand),
    /// Tools: pull a tools file from a live MCP server, or run one call by hand
    #[command(subcommand)]
    Tools(ToolsCommand),
    /// Serve the model as an OpenAI-compatible endpoint (chat completions with enforced tool calls)
    Serve(ServeArgs),
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default; anything else should have --api-key)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    #[command(flatten)]
    pub files: ModelArgs,
    /// Require `Authorization: Bearer KEY` on every API call
    #[arg(long, env = "FG_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Name the model goes by in /v1/models and in responses
    #[arg(long, default_value = "delia")]
    pub name: String,
    /// CPU threads for llama.cpp
    #[arg(long, short = 't', default_value_t = 2)]
    pub threads: usize,
    /// Context length in tokens, per slot
    #[arg(long, default_value_t = 8192)]
    pub ctx: u32,
    /// Requests generated at once (each slot holds its own llama.cpp contexts)
    #[arg(long, default_value_t = 1)]
    pub slots: usize,
    /// Requests that may wait for a slot; more get 429
    #[arg(long, default_value_t = 64)]
    pub queue: usize,
    /// Most tokens per turn when the request gives no max_tokens
    #[arg(long, default_value_t = 512)]
    pub max_tokens: usize,
    /// Most tokens of a text answer; an answer that starts repeating itself ends earlier
    #[arg(long, default_value_t = crate::agent::run::DEFAULT_MAX_ANSWER_TOKENS)]
    pub max_answer_tokens: usize,
    /// Largest request body in bytes
    #[arg(long, default_value_t = 4 << 20)]
    pub max_body: usize,
    /// Tool sets whose prefix state each slot keeps in memory
    #[arg(long, default_value_t = 4)]
    pub cached_sets: usize,
    /// Tool sets whose prefix state is kept on disk
    #[arg(long, default_value_t = 16)]
    pub disk_sets: usize,
    /// Do not read or write the prefix cache on disk
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Base model: a GGUF, or an HF folder (config.json, *.safetensors, tokenizer.json)
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// Folder with train.jsonl and eval.jsonl (from `fg data build`)
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// More JSONL training files (fg examples or {"text", "source", "tool_calls"} lines)
    #[arg(long)]
    pub extra: Vec<PathBuf>,
    /// Tools file the data was built from; default: the project's tools.openai.json
    #[arg(long)]
    pub tools: Option<PathBuf>,
    /// Output folder (adapter, metrics, checkpoints)
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 3.0, value_parser = positive)]
    pub epochs: f64,
    /// Examples per micro-batch; default: what the device's free memory fits
    #[arg(long, value_parser = at_least_one)]
    pub batch_size: Option<usize>,
    /// Micro-batches per optimizer step
    #[arg(long, default_value_t = 1, value_parser = at_least_one)]
    pub grad_accum: usize,
    #[arg(long, default_value_t = 2e-4, value_parser = positive)]
    pub lr: f64,
    /// Fraction of the steps the learning rate warms up over
    #[arg(long, default_value_t = 0.05, value_parser = fraction)]
    pub warmup_ratio: f64,
    #[arg(long, default_value_t = 0.0, value_parser = not_negative)]
    pub weight_decay: f64,
    /// Largest gradient norm (0: no clipping)
    #[arg(long, default_value_t = 1.0, value_parser = not_negative)]
    pub clip: f64,
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(i64).range(1..=4096))]
    pub lora_rank: i64,
    #[arg(long, default_value_t = 32.0, value_parser = positive)]
    pub lora_alpha: f64,
    #[arg(long, default_value_t = 0.05, value_parser = below_one)]
    pub lora_dropout: f64,
    /// Do not train FunctionGemma's seven embedding rows
    #[arg(long)]
    pub no_train_tokens: bool,
    /// On CUDA, run every step eagerly instead of capturing steps as CUDA graphs and replaying them
    #[arg(long)]
    pub eager: bool,
    #[arg(long, default_value_t = 4608, value_parser = at_least_one)]
    pub max_seq_length: usize,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Stop after this many optimizer steps
    #[arg(long)]
    pub max_steps: Option<usize>,
    /// Use only this many training examples (an evenly spread slice)
    #[arg(long)]
    pub limit: Option<usize>,
    /// Evaluate every N steps (0: only at the end)
    #[arg(long, default_value_t = 50)]
    pub eval_every: usize,
    /// Save a checkpoint every N steps (0: never)
    #[arg(long, default_value_t = 100)]
    pub save_every: usize,
    /// Continue from the checkpoint in --out
    #[arg(long)]
    pub resume: bool,
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The adapter folder written by `fg train`
    #[arg(long)]
    pub adapter: PathBuf,
    /// f16, bf16, q8_0 or q4_k_m
    #[arg(long, value_parser = parse_file_type, default_value = "q4_k_m")]
    pub format: FileType,
    /// Base GGUF the adapter was trained on; default: the installed base model
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// Output GGUF; default: ADAPTER/model-FORMAT.gguf
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write only the adapter's other forms (ADAPTER/adapter.gguf for llama.cpp, ADAPTER/peft/)
    #[arg(long)]
    pub adapter_only: bool,
}

#[derive(clap::Args, Debug)]
pub struct AgentArgs {
    /// The request; without one, an interactive session reads requests from stdin
    pub request: Option<String>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Most model turns per request
    #[arg(long, default_value_t = 6)]
    pub max_iterations: usize,
    /// Most tokens per model turn
    #[arg(long, default_value_t = 512)]
    pub max_tokens: usize,
    /// Most tokens of a text answer; an answer that starts repeating itself ends earlier
    #[arg(long, default_value_t = crate::agent::run::DEFAULT_MAX_ANSWER_TOKENS)]
    pub max_answer_tokens: usize,
    /// Sampling temperature (0: greedy)
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    #[arg(long, default_value_t = 40)]
    pub top_k: usize,
    #[arg(long, default_value_t = 0.95)]
    pub top_p: f32,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Context length in tokens
    #[arg(long, default_value_t = 8192)]
    pub ctx: u32,
    /// Do not read or write the prefix cache
    #[arg(long)]
    pub no_cache: bool,
    /// Print the whole transcript as JSON
    #[arg(long)]
    pub json: bool,
}

/// Where tool calls run and who allows them: what `fg agent` and `fg tools call` share.
#[derive(clap::Args, Debug)]
pub struct ExecArgs {
    /// Folder the builtin tools work in: file tools cannot reach outside it, and commands can
    /// write only there and in a private temporary folder (where the kernel offers Landlock)
    #[arg(long, default_value = ".")]
    pub workspace: PathBuf,
    /// Allow every tool that changes files, runs commands or acts on a server, without asking
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Allow this tool without asking (repeatable), e.g. --allow delegate
    #[arg(long, value_name = "TOOL")]
    pub allow: Vec<String>,
    /// Hand this builtin tool to the MCP server instead of running it in the sandbox (repeatable)
    #[arg(long, value_name = "TOOL")]
    pub server_tool: Vec<String>,
    /// Let web_fetch and web_search reach loopback, private and link-local addresses
    #[arg(long)]
    pub allow_private_net: bool,
    /// Delia's MCP server as a command speaking stdio, e.g. "delia serve"
    #[arg(long, conflicts_with = "mcp_url")]
    pub mcp: Option<String>,
    /// Delia's MCP server over streamable HTTP
    #[arg(long)]
    pub mcp_url: Option<String>,
    /// Seconds an MCP call may take
    #[arg(long, default_value_t = 120)]
    pub mcp_timeout: u64,
}

/// The model llama.cpp runs and its adapter: what `fg agent`, `fg eval` and `fg serve` share.
#[derive(clap::Args, Debug)]
pub struct ModelArgs {
    /// Model (GGUF); default: the installed base model
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// LoRA adapter applied at run time: a llama.cpp LoRA GGUF or an fg adapter folder; default:
    /// the shipped Delia adapter (models/delia in the data home) when present
    #[arg(long)]
    pub lora: Option<PathBuf>,
    /// Run the model without an adapter even when the shipped one is present
    #[arg(long, conflicts_with = "lora")]
    pub no_lora: bool,
}

impl ModelArgs {
    /// The model and LoRA files to load (the base prepared for the adapter where it needs one).
    pub fn resolve(&self) -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
        crate::resolve::model_files(self.model.as_deref(), self.lora.as_deref(), self.no_lora)
    }
}

/// What `fg agent` and `fg eval` share: the model, adapter, tools, format, grammar and threads.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub files: ModelArgs,
    /// Constrain output with the tools' grammar: every call is well-formed and schema-valid
    #[arg(long)]
    pub grammar: bool,
    /// Chat format the model was trained on
    #[arg(long, value_enum, default_value_t = Format::FunctionGemma)]
    pub format: Format,
    /// Tools file; default: the project's tools.openai.json
    #[arg(long)]
    pub tools: Option<PathBuf>,
    /// CPU threads for llama.cpp
    #[arg(long, short = 't', default_value_t = 2)]
    pub threads: usize,
    /// Text put before the trigger sentence in the developer turn
    #[arg(long)]
    pub system: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Eval set: dataset examples, or {"query": …, "expect": {"name", "arguments"} | null} lines
    /// (repeatable); default: data/eval.jsonl and, when it exists, data/natural-eval.jsonl
    #[arg(long, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Executed tasks instead: the tools really run on a copy of each task's workspace and the
    /// answers are judged (default file: data/tasks/tasks.jsonl)
    #[arg(long, num_args = 0..=1, default_missing_value = "data/tasks/tasks.jsonl", conflicts_with = "data")]
    pub execute: Option<PathBuf>,
    /// Most model turns per executed task
    #[arg(long, default_value_t = 3)]
    pub max_iterations: usize,
    /// Evaluate only the first N cases
    #[arg(long)]
    pub limit: Option<usize>,
    /// Most tokens per model turn
    #[arg(long, default_value_t = 256)]
    pub max_tokens: usize,
    /// Write the markdown report here
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Write a PNG chart of per-tool accuracy here
    #[arg(long)]
    pub chart: Option<PathBuf>,
    /// Print one JSON object (the figures and every example) instead of the table
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct GrammarArgs {
    /// Tools file (OpenAI format); default: the project's tools.openai.json
    #[arg(long, conflicts_with = "schema")]
    pub tools: Option<PathBuf>,
    /// Chat format of the tool-call grammar
    #[arg(long, value_enum, default_value_t = Format::FunctionGemma)]
    pub format: Format,
    /// A bare JSON Schema: print the grammar of JSON values it allows (llama.cpp's conventions)
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Candidate outputs, one JSON string per line: print accept or reject for each
    #[arg(long)]
    pub check: Option<PathBuf>,
    /// Model whose vocabulary the check uses; default: the installed base model
    #[arg(long)]
    pub model: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum DataCommand {
    /// Synthesise (and harvest) train.jsonl, eval.jsonl, stats.json and summary.md
    Build(DataBuildArgs),
    /// Counts per tool and kind, token lengths and a histogram of a built dataset
    Stats(DataStatsArgs),
}

#[derive(clap::Args, Debug)]
pub struct DataBuildArgs {
    /// Tools file (OpenAI format); default: the project's tools.openai.json
    #[arg(long)]
    pub tools: Option<PathBuf>,
    /// Folders of test files to harvest tool calls from (repeatable)
    #[arg(long, num_args = 1..)]
    pub harvest: Vec<PathBuf>,
    /// Output folder
    #[arg(long, default_value = "data")]
    pub out: PathBuf,
    /// Seed: the same seed gives the same files
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Multiplies the number of examples (1: at least 60 train and 10 eval examples per tool)
    #[arg(long, default_value_t = 1.0)]
    pub scale: f32,
    /// Chat format of the rendered text
    #[arg(long, value_enum, default_value_t = Format::FunctionGemma)]
    pub format: Format,
    /// Folder of the natural corpus (requests written by people); default: the project's
    /// data/corpus. Its held-out quarter is written to natural-eval.jsonl
    #[arg(long, conflicts_with = "no_corpus")]
    pub corpus: Option<PathBuf>,
    /// Build from the generator alone
    #[arg(long)]
    pub no_corpus: bool,
    /// How many times each natural train request appears in train.jsonl
    #[arg(long, default_value_t = 2)]
    pub natural_repeat: usize,
}

#[derive(clap::Args, Debug)]
pub struct DataStatsArgs {
    /// Folder with train.jsonl and eval.jsonl
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Tools file the data was built from; default: the project's tools.openai.json
    #[arg(long)]
    pub tools: Option<PathBuf>,
    /// Model whose tokenizer counts tokens (GGUF); default: the installed base model
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct DevicesArgs {
    /// The device to check
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// The GGUF file
    pub file: PathBuf,
    /// Print one JSON object instead of tables
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct QuantizeArgs {
    /// Target type: f32, f16, bf16, q8_0 or q4_k_m
    #[arg(value_parser = parse_file_type)]
    pub ty: FileType,
    /// Input GGUF (any type fg reads)
    pub input: PathBuf,
    /// Output GGUF (written to a temporary file, then renamed)
    pub output: PathBuf,
    /// Worker threads (default: one per core)
    #[arg(long, short = 't', default_value_t = 0)]
    pub threads: usize,
    /// No progress bar
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

fn parse_file_type(s: &str) -> Result<FileType, String> {
    FileType::from_cli_name(s).ok_or_else(|| format!("unknown type {s:?}: choose f32, f16, bf16, q8_0 or q4_k_m"))
}

/// `fg tools call`: one tool call run exactly as `fg agent` would run the model's.
#[derive(clap::Args, Debug)]
pub struct ToolsCallArgs {
    /// The tool's name
    pub name: String,
    /// Its arguments as a JSON object
    #[arg(default_value = "{}")]
    pub arguments: String,
    /// Tools file the call is checked against; default: the project's tools.openai.json
    #[arg(long)]
    pub tools: Option<PathBuf>,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Print the result (or error) as one JSON object: {"ok", "content", "server"}
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum ToolsCommand {
    /// Write an OpenAI-format tools file from a live MCP server's tools (schemas normalised for fg,
    /// fg's builtin tools kept)
    Pull(ToolsPullArgs),
    /// Run one tool call exactly as `fg agent` runs the model's: validated, sandboxed, consent
    /// asked, MCP tools routed to the server
    Call(ToolsCallArgs),
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("server").required(true).args(["mcp", "mcp_url"])))]
pub struct ToolsPullArgs {
    /// The MCP server as a command speaking stdio, e.g. "delia serve"
    #[arg(long)]
    pub mcp: Option<String>,
    /// The MCP server over streamable HTTP, e.g. http://127.0.0.1:8000/mcp
    #[arg(long)]
    pub mcp_url: Option<String>,
    /// Where to write the tools file (atomically); default: standard output
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Tools file whose builtin tools (read_file, shell_exec, …) are kept; default: the project's tools.openai.json
    #[arg(long)]
    pub builtins: Option<PathBuf>,
    /// Seconds the server may take to start and list its tools
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
}

/// A count of at least one.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("must be at least 1".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn number(s: &str) -> Result<f64, String> {
    s.parse::<f64>().map_err(|e| e.to_string()).and_then(|x| if x.is_finite() { Ok(x) } else { Err("must be a finite number".into()) })
}

fn positive(s: &str) -> Result<f64, String> {
    number(s).and_then(|x| if x > 0.0 { Ok(x) } else { Err("must be above 0".into()) })
}

fn not_negative(s: &str) -> Result<f64, String> {
    number(s).and_then(|x| if x >= 0.0 { Ok(x) } else { Err("must be 0 or more".into()) })
}

/// A fraction from 0 to 1.
fn fraction(s: &str) -> Result<f64, String> {
    number(s).and_then(|x| if (0.0..=1.0).contains(&x) { Ok(x) } else { Err("must be from 0 to 1".into()) })
}

/// A probability below 1 (a dropout rate).
fn below_one(s: &str) -> Result<f64, String> {
    number(s).and_then(|x| if (0.0..1.0).contains(&x) { Ok(x) } else { Err("must be at least 0 and below 1".into()) })
}
