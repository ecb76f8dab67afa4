//! Choosing which disk entries to delete when over budget.

use std::path::PathBuf;
use std::time::SystemTime;

use serde::Deserialize;

/// How the disk tier picks files to delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EvictionPolicy {
    /// Least recently accessed first (needs atime; falls back to mtime).
    #[default]
    Lru,
    /// Oldest written first.
    Fifo,
    /// Largest files first, to free space with the fewest deletions.
    Largest,
}

/// A file that may be evicted.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Full path of the file.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Last access time.
    pub accessed: SystemTime,
    /// Last modification time.
    pub modified: SystemTime,
}

/// Returns the files to delete so that at least `bytes_to_free` are freed.
pub fn select_victims(
    mut files: Vec<Candidate>,
    bytes_to_free: u64,
    policy: EvictionPolicy,
) -> Vec<Candidate> {
    match policy {
        EvictionPolicy::Lru => files.sort_by_key(|c| c.accessed.max(c.modified)),
        EvictionPolicy::Fifo => files.sort_by_key(|c| c.modified),
        EvictionPolicy::Largest => files.sort_by(|a, b| b.size.cmp(&a.size)),
    }
    let mut freed = 0u64;
    let mut victims = Vec::new();
    for c in files {
        if freed >= bytes_to_free {
            break;
        }
        freed += c.size;
        victims.push(c);
    }
    victims
}
