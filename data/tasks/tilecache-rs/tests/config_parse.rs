//! Parsing the example configuration and partial configs.

use std::path::Path;
use std::time::Duration;

use tilecache::cache::eviction::EvictionPolicy;
use tilecache::Config;

#[test]
fn example_file_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tilecache.example.toml");
    let cfg = Config::from_file(&path).expect("example config must parse");
    assert_eq!(cfg.memory.max_entries, 4096);
    assert_eq!(cfg.disk.eviction, EvictionPolicy::Lru);
    assert_eq!(cfg.logging.level, "warn");
}

#[test]
fn empty_string_gives_defaults() {
    let cfg = Config::from_toml("").unwrap();
    assert!(cfg.disk.enabled);
    assert_eq!(cfg.disk.ttl, Duration::from_secs(604_800));
    assert_eq!(cfg.codec.jpeg_quality, 85);
}

#[test]
fn unknown_policy_is_an_error() {
    let err = Config::from_toml("[disk]\neviction = \"random\"\n").unwrap_err();
    assert!(err.to_string().contains("invalid config"));
}
