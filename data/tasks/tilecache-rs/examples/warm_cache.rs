//! Pre-fills the disk tier with every tile of a directory laid out as z/x/y.png.
//!
//! Usage: cargo run --example warm_cache -- <layer> <tiles-dir>

use std::env;
use std::fs;
use std::path::Path;

use tilecache::{Config, TileCache, TileKey};

fn parse_u32(s: &str) -> Option<u32> {
    s.trim_end_matches(".png").parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = env::args().skip(1);
    let layer = args.next().ok_or("missing <layer>")?;
    let dir = args.next().ok_or("missing <tiles-dir>")?;
    let cache = TileCache::open(Config::default())?;
    let mut count = 0u64;

    for z_entry in fs::read_dir(&dir)? {
        let z_path = z_entry?.path();
        let Some(z) = z_path.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse::<u8>().ok()) else {
            continue;
        };
        for x_entry in fs::read_dir(&z_path)? {
            let x_path = x_entry?.path();
            let Some(x) = name_u32(&x_path) else { continue };
            for y_entry in fs::read_dir(&x_path)? {
                let y_path = y_entry?.path();
                let Some(y) = name_u32(&y_path) else { continue };
                cache.put(TileKey::new(layer.clone(), z, x, y), &fs::read(&y_path)?)?;
                count += 1;
            }
        }
    }
    println!("warmed {count} tiles");
    Ok(())
}

fn name_u32(p: &Path) -> Option<u32> {
    p.file_name().and_then(|n| n.to_str()).and_then(parse_u32)
}
