use clap::ValueEnum;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Human-readable size: 1536 -> "1.5 KiB".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

/// Prints rows either as an aligned table or as a JSON array.
pub fn print_rows<T: Serialize>(rows: &[T], format: Format, to_line: impl Fn(&T) -> String) {
    match format {
        Format::Json => {
            println!("{}", serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into()));
        }
        Format::Text => {
            for row in rows {
                println!("{}", to_line(row));
            }
        }
    }
}
