use std::fs;
use std::path::Path;

use anyhow::Result;
use log::{debug, info};

use crate::commands::list::list_snapshots;

/// Removes snapshots older than `retention_days` from `dir`.
///
/// Returns how many snapshots were removed (or would be, with `dry_run`).
pub fn clean_old(dir: &Path, retention_days: u32, dry_run: bool) -> Result<usize> {
    let mut removed = 0;
    for snap in list_snapshots(dir)? {
        if snap.age_days <= u64::from(retention_days) {
            debug!("keeping {} ({} days old)", snap.name, snap.age_days);
            continue;
        }
        if dry_run {
            info!("would remove {}", snap.name);
        } else {
            fs::remove_file(dir.join(&snap.name))?;
            info!("removed {}", snap.name);
        }
        removed += 1;
    }
    Ok(removed)
}
