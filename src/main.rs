//! `fg`: main() → run() → exit code. Errors print as a chain, with a hint where one helps.

use clap::Parser;
use fg::cli::{Cli, Command};
use std::process::ExitCode;

/// Documented in `fg --help` and the README.
const EXIT_FAILURE: u8 = 1;
const EXIT_BAD_INPUT: u8 = 3;

fn run(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Inspect(a) => fg::commands::inspect::run(a),
        Command::Quantize(a) => fg::commands::quantize::run(a),
        Command::Devices(a) => fg::commands::devices::run(a),
        Command::Data(c) => fg::commands::data::run(c),
        Command::Tools(c) => fg::commands::tools::run(c),
        Command::Grammar(a) => fg::commands::grammar::run(a),
        Command::Agent(a) => fg::commands::agent::run(a),
        Command::Eval(a) => fg::commands::eval::run(a),
        Command::Train(a) => fg::commands::train::run(a),
        Command::Export(a) => fg::commands::export::run(a),
        Command::Serve(a) => fg::commands::serve::run(a),
    }
}

fn main() -> ExitCode {
    // clap exits with 2 on a bad command line.
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            if let Some(hint) = hint(&err) {
                eprintln!("hint: {hint}");
            }
            if fg::error::is_bad_input(&err) {
                ExitCode::from(EXIT_BAD_INPUT)
            } else {
                ExitCode::from(EXIT_FAILURE)
            }
        }
    }
}

/// A suggested fix for errors users can act on: the one attached where the error arose
/// (`fg::error::{BadInput, Hint}`), else one that fits the failure's kind.
fn hint(err: &anyhow::Error) -> Option<&'static str> {
    if let Some(hint) = fg::error::attached_hint(err) {
        return Some(hint);
    }
    if err.chain().any(|c| c.is::<fg::gguf::ParseError>()) {
        return Some("the file is truncated or not a GGUF model; download or export it again");
    }
    let io = err.chain().find_map(|c| c.downcast_ref::<std::io::Error>())?;
    match io.kind() {
        std::io::ErrorKind::NotFound => Some("check the path"),
        std::io::ErrorKind::PermissionDenied => Some("check the file's permissions, or write somewhere you own"),
        std::io::ErrorKind::StorageFull => Some("free some disk space and run it again; the original files are untouched"),
        _ => None,
    }
}
