//! Integration tests that exercise the on-disk tier in a temp directory.

use std::time::Duration;

use tempfile::TempDir;
use tilecache::cache::eviction::EvictionPolicy;
use tilecache::{Config, TileCache, TileKey};

fn disk_cache(dir: &TempDir, max_bytes: u64) -> TileCache {
    let mut cfg = Config::default();
    cfg.memory.max_entries = 1;
    cfg.disk.root = dir.path().to_path_buf();
    cfg.disk.max_bytes = max_bytes;
    cfg.disk.eviction = EvictionPolicy::Fifo;
    TileCache::open(cfg).unwrap()
}

#[test]
fn survives_memory_clear() {
    let dir = TempDir::new().unwrap();
    let cache = disk_cache(&dir, 1 << 20);
    let key = TileKey::new("osm", 4, 3, 3);
    cache.put(key.clone(), b"tile-bytes").unwrap();
    cache.clear_memory();
    assert_eq!(cache.get(&key).unwrap().as_deref(), Some(&b"tile-bytes"[..]));
    assert_eq!(cache.stats().disk_hits, 1);
}

#[test]
fn reopen_sees_previous_writes() {
    let dir = TempDir::new().unwrap();
    let key = TileKey::new("osm", 6, 10, 20);
    disk_cache(&dir, 1 << 20).put(key.clone(), b"persisted").unwrap();
    let reopened = disk_cache(&dir, 1 << 20);
    assert!(reopened.get(&key).unwrap().is_some());
}

#[test]
fn budget_triggers_eviction() {
    let dir = TempDir::new().unwrap();
    let cache = disk_cache(&dir, 64);
    for x in 0..8 {
        cache.put(TileKey::new("osm", 3, x, 0), &[0u8; 16]).unwrap();
    }
    assert!(cache.stats().evictions > 0);
}

#[test]
fn expired_tiles_are_misses() {
    let dir = TempDir::new().unwrap();
    let mut cfg = Config::default();
    cfg.disk.root = dir.path().to_path_buf();
    cfg.disk.ttl = Duration::ZERO;
    let cache = TileCache::open(cfg).unwrap();
    let key = TileKey::new("osm", 2, 1, 1);
    cache.put(key.clone(), b"old").unwrap();
    cache.clear_memory();
    std::thread::sleep(Duration::from_millis(20));
    assert!(cache.get(&key).unwrap().is_none());
}
