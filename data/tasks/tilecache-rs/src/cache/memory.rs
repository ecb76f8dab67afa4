//! In-memory LRU tier.

use std::num::NonZeroUsize;

use bytes::Bytes;
use lru::LruCache;
use parking_lot::Mutex;

use crate::key::TileKey;

/// Capacity used when the configured value is zero.
const FALLBACK_CAPACITY: usize = 1;

/// Thread-safe LRU of encoded tiles.
pub struct MemoryStore {
    inner: Mutex<LruCache<TileKey, Bytes>>,
}

impl MemoryStore {
    /// Creates a store holding at most `capacity` tiles.
    pub fn new(capacity: usize) -> MemoryStore {
        let cap = NonZeroUsize::new(capacity)
            .unwrap_or_else(|| NonZeroUsize::new(FALLBACK_CAPACITY).unwrap());
        MemoryStore {
            inner: Mutex::new(LruCache::new(cap)),
        }
    }

    /// Returns a cheap clone of the tile and marks it as recently used.
    pub fn get(&self, key: &TileKey) -> Option<Bytes> {
        self.inner.lock().get(key).cloned()
    }

    /// Inserts or replaces a tile; may evict the least recently used one.
    pub fn put(&self, key: TileKey, value: Bytes) {
        self.inner.lock().put(key, value);
    }

    /// Removes a tile, returning whether it was present.
    pub fn remove(&self, key: &TileKey) -> bool {
        self.inner.lock().pop(key).is_some()
    }

    /// Number of tiles currently held.
    pub fn len(&self) -> usize {
        self.inner.lock().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes everything, returning how many tiles were dropped.
    pub fn clear(&self) -> usize {
        let mut guard = self.inner.lock();
        let n = guard.len();
        guard.clear();
        n
    }

    // TODO: track total bytes as well as entry count
}
