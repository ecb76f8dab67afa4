//! Integration tests for the cache with the disk tier disabled.

use tilecache::config::{Config, DiskConfig};
use tilecache::{TileCache, TileKey};

const TILE: &[u8] = b"not really a png, codec is set to keep";

fn memory_only(max_entries: usize) -> TileCache {
    let mut cfg = Config::default();
    cfg.memory.max_entries = max_entries;
    cfg.disk = DiskConfig {
        enabled: false,
        ..DiskConfig::default()
    };
    TileCache::open(cfg).expect("open memory-only cache")
}

#[test]
fn miss_on_empty_cache() {
    let cache = memory_only(8);
    assert!(cache.get(&TileKey::new("osm", 1, 0, 0)).unwrap().is_none());
    assert_eq!(cache.stats().misses, 1);
}

#[test]
fn put_then_get_hits_memory() {
    let cache = memory_only(8);
    let key = TileKey::new("osm", 3, 4, 2);
    cache.put(key.clone(), TILE).unwrap();
    assert_eq!(cache.get(&key).unwrap().as_deref(), Some(TILE));
    assert_eq!(cache.stats().memory_hits, 1);
}

#[test]
fn lru_evicts_oldest_entry() {
    let cache = memory_only(2);
    for x in 0..3 {
        cache.put(TileKey::new("osm", 2, x, 0), TILE).unwrap();
    }
    assert!(cache.get(&TileKey::new("osm", 2, 0, 0)).unwrap().is_none());
    assert!(cache.get(&TileKey::new("osm", 2, 2, 0)).unwrap().is_some());
}

#[test]
fn rejects_out_of_range_key() {
    let cache = memory_only(8);
    let err = cache.put(TileKey::new("osm", 1, 2, 0), TILE).unwrap_err();
    assert!(err.to_string().contains("out of range"));
}

#[test]
fn rejects_oversized_tile() {
    let mut cfg = Config::default();
    cfg.disk.enabled = false;
    cfg.memory.max_entry_bytes = 4;
    let cache = TileCache::open(cfg).unwrap();
    assert!(cache.put(TileKey::new("osm", 0, 0, 0), TILE).is_err());
}

#[test]
fn invalidate_removes_entry() {
    let cache = memory_only(8);
    let key = TileKey::new("sat", 5, 10, 11);
    cache.put(key.clone(), TILE).unwrap();
    assert!(cache.invalidate(&key).unwrap());
    assert!(!cache.invalidate(&key).unwrap());
}

#[test]
fn hit_ratio_counts_both_tiers() {
    let cache = memory_only(8);
    let key = TileKey::new("osm", 0, 0, 0);
    cache.put(key.clone(), TILE).unwrap();
    cache.get(&key).unwrap();
    cache.get(&TileKey::new("osm", 1, 1, 1)).unwrap();
    assert!((cache.stats().hit_ratio() - 0.5).abs() < f64::EPSILON);
}
