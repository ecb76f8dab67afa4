//! The two-tier cache front end.

pub mod disk;
pub mod eviction;
pub mod memory;

use bytes::Bytes;
use log::{debug, warn};

use crate::codec;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::key::TileKey;
use crate::stats::{CacheStats, StatsCounter};

use self::disk::DiskStore;
use self::memory::MemoryStore;

/// Memory tier in front of an optional disk tier.
pub struct TileCache {
    config: Config,
    memory: MemoryStore,
    disk: Option<DiskStore>,
    stats: StatsCounter,
}

impl TileCache {
    /// Opens the cache, creating the disk root if needed.
    pub fn open(config: Config) -> Result<TileCache> {
        let disk = if config.disk.enabled {
            Some(DiskStore::open(&config.disk)?)
        } else {
            None
        };
        Ok(TileCache {
            memory: MemoryStore::new(config.memory.max_entries),
            disk,
            config,
            stats: StatsCounter::default(),
        })
    }

    /// Looks a tile up in memory, then on disk. Disk hits are promoted.
    pub fn get(&self, key: &TileKey) -> Result<Option<Bytes>> {
        if let Some(b) = self.memory.get(key) {
            self.stats.memory_hit();
            return Ok(Some(b));
        }
        if let Some(disk) = &self.disk {
            if let Some(b) = disk.read(key)? {
                self.stats.disk_hit();
                self.memory.put(key.clone(), b.clone());
                return Ok(Some(b));
            }
        }
        self.stats.miss();
        Ok(None)
    }

    /// Stores a tile in both tiers, transcoding it first if configured.
    pub fn put(&self, key: TileKey, data: &[u8]) -> Result<()> {
        key.validate()?;
        let limit = self.config.memory.max_entry_bytes;
        if data.len() > limit {
            return Err(Error::TooLarge {
                size: data.len(),
                limit,
            });
        }
        let encoded = Bytes::from(codec::transcode(data, &self.config.codec)?);
        if let Some(disk) = &self.disk {
            disk.write(&key, &encoded)?;
            self.stats.wrote(encoded.len() as u64);
            let removed = disk.enforce_budget()?;
            if removed > 0 {
                debug!("evicted {removed} tiles from disk");
                self.stats.evicted(removed);
            }
        }
        self.memory.put(key, encoded);
        Ok(())
    }

    /// Removes a tile from both tiers. Returns whether anything was removed.
    pub fn invalidate(&self, key: &TileKey) -> Result<bool> {
        let in_mem = self.memory.remove(key);
        let on_disk = match &self.disk {
            Some(d) => d.remove(key)?,
            None => false,
        };
        Ok(in_mem || on_disk)
    }

    /// Drops the memory tier. The disk tier is left untouched.
    pub fn clear_memory(&self) {
        let n = self.memory.clear();
        if n > 0 {
            warn!("cleared {n} tiles from memory");
        }
    }

    /// Current hit/miss counters.
    pub fn stats(&self) -> CacheStats {
        self.stats.snapshot()
    }
}
