//! Minimal example: print the default config path and the cached snapshots.
//!
//! Run with `cargo run --example basic`.

use std::path::PathBuf;

fn main() {
    let config_dir = dirs::config_dir().unwrap_or_else(|| PathBuf::from("."));
    let cache_dir = dirs::cache_dir().unwrap_or_else(|| PathBuf::from(".")).join("rcli");

    println!("config file: {}", config_dir.join("rcli").join("config.json").display());
    println!("cache dir:   {}", cache_dir.display());

    match std::fs::read_dir(&cache_dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                println!("  {}", entry.file_name().to_string_lossy());
            }
        }
        Err(_) => println!("  (no cache yet)"),
    }
}
