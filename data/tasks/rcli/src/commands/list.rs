use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use serde::Serialize;

use crate::config::Config;
use crate::output::{human_size, print_rows, Format};

const SECS_PER_DAY: u64 = 86_400;

#[derive(Debug, Serialize)]
pub struct Snapshot {
    pub name: String,
    pub size: u64,
    pub age_days: u64,
}

/// Returns the cached snapshots in `dir`, newest first.
pub fn list_snapshots(dir: &Path) -> Result<Vec<Snapshot>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let now = SystemTime::now();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if !meta.is_file() {
            continue;
        }
        let age = now.duration_since(meta.modified()?).unwrap_or(Duration::ZERO);
        out.push(Snapshot {
            name: entry.file_name().to_string_lossy().into_owned(),
            size: meta.len(),
            age_days: age.as_secs() / SECS_PER_DAY,
        });
    }
    out.sort_by_key(|s| s.age_days);
    Ok(out)
}

pub fn run(cfg: &Config, since: Option<u32>, format: Format) -> Result<()> {
    let mut snaps = list_snapshots(&cfg.cache_dir)?;
    if let Some(days) = since {
        snaps.retain(|s| s.age_days <= u64::from(days));
    }
    print_rows(&snaps, format, |s| {
        format!("{:<40} {:>10} {:>4}d", s.name, human_size(s.size), s.age_days)
    });
    Ok(())
}
