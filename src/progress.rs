//! Progress bars that appear only on a terminal, so logs and tests stay clean.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar over `total` units, hidden when `show` is false or stderr is not a terminal.
pub fn bar(show: bool, total: u64, what: &str) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(ProgressStyle::with_template("{msg:>12} [{bar:40}] {percent:>3}% {elapsed_precise} eta {eta}").expect("static template").progress_chars("=> "));
    bar.set_message(what.to_string());
    bar
}
