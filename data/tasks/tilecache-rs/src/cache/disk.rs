//! On-disk tier: one file per tile under `<root>/<layer>/<ab>/<cd>/<digest>`.

use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bytes::Bytes;
use log::trace;

use super::eviction::{select_victims, Candidate, EvictionPolicy};
use crate::config::DiskConfig;
use crate::error::{Error, Result};
use crate::key::TileKey;

/// Suffix for files that are still being written.
const TMP_SUFFIX: &str = ".part";

/// Disk-backed tile store.
pub struct DiskStore {
    root: PathBuf,
    max_bytes: u64,
    ttl: std::time::Duration,
    policy: EvictionPolicy,
    fsync: bool,
}

impl DiskStore {
    /// Opens (and creates, if missing) the store at `cfg.root`.
    pub fn open(cfg: &DiskConfig) -> Result<DiskStore> {
        fs::create_dir_all(&cfg.root).map_err(|e| Error::io(&cfg.root, e))?;
        Ok(DiskStore {
            root: cfg.root.clone(),
            max_bytes: cfg.max_bytes,
            ttl: cfg.ttl,
            policy: cfg.eviction,
            fsync: cfg.fsync,
        })
    }

    fn path_for(&self, key: &TileKey) -> PathBuf {
        self.root.join(&key.layer).join(key.shard_path()).join(key.digest())
    }

    /// Reads a tile, treating entries older than the TTL as missing.
    pub fn read(&self, key: &TileKey) -> Result<Option<Bytes>> {
        let path = self.path_for(key);
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path, e)),
        };
        let age = meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .unwrap_or_default();
        if age > self.ttl {
            trace!("{key} expired ({}s old)", age.as_secs());
            return Ok(None);
        }
        let data = fs::read(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Some(Bytes::from(data)))
    }

    /// Writes a tile atomically via a temporary file and rename.
    pub fn write(&self, key: &TileKey, data: &[u8]) -> Result<()> {
        let path = self.path_for(key);
        let dir = path.parent().expect("tile path always has a parent");
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let tmp = path.with_extension(TMP_SUFFIX.trim_start_matches('.'));
        let mut f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        f.write_all(data)?;
        if self.fsync {
            f.sync_all()?;
        }
        fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        Ok(())
    }

    /// Deletes a tile file, returning whether it existed.
    pub fn remove(&self, key: &TileKey) -> Result<bool> {
        match fs::remove_file(self.path_for(key)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes files until the store is within `max_bytes`; returns how many went.
    pub fn enforce_budget(&self) -> Result<u64> {
        // FIXME: walking the whole tree on every put is O(n); keep a running total
        let mut files = Vec::new();
        collect_files(&self.root, &mut files)?;
        let total: u64 = files.iter().map(|c| c.size).sum();
        if total <= self.max_bytes {
            return Ok(0);
        }
        let victims = select_victims(files, total - self.max_bytes, self.policy);
        for v in &victims {
            let _ = fs::remove_file(&v.path);
        }
        Ok(victims.len() as u64)
    }
}

fn collect_files(dir: &Path, out: &mut Vec<Candidate>) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            collect_files(&entry.path(), out)?;
        } else {
            out.push(Candidate {
                path: entry.path(),
                size: meta.len(),
                accessed: meta.accessed().unwrap_or(SystemTime::UNIX_EPOCH),
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            });
        }
    }
    Ok(())
}
