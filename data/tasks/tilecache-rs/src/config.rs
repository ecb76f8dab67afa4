//! Configuration, loaded from a TOML file (see `tilecache.example.toml`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::cache::eviction::EvictionPolicy;
use crate::error::{Error, Result};

/// Default in-memory capacity, in number of tiles.
pub const DEFAULT_MEMORY_ENTRIES: usize = 4096;
/// Default disk budget: 2 GiB.
pub const DEFAULT_DISK_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Default largest single tile accepted: 1 MiB.
pub const DEFAULT_MAX_ENTRY_BYTES: usize = 1024 * 1024;

/// Top-level configuration.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Config {
    /// In-memory tier.
    pub memory: MemoryConfig,
    /// On-disk tier.
    pub disk: DiskConfig,
    /// Image handling.
    pub codec: CodecConfig,
    /// Logging for the CLI.
    pub logging: LoggingConfig,
}

/// Settings for the in-memory LRU.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MemoryConfig {
    /// Maximum number of tiles kept in memory.
    pub max_entries: usize,
    /// Largest tile that may be kept in memory.
    pub max_entry_bytes: usize,
}

/// Settings for the on-disk tier.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DiskConfig {
    /// Whether the disk tier is used at all.
    pub enabled: bool,
    /// Root directory for tile files.
    pub root: PathBuf,
    /// Total size budget for the disk tier.
    pub max_bytes: u64,
    /// Entries older than this are treated as missing.
    #[serde(with = "humantime_secs")]
    pub ttl: Duration,
    /// Policy used when the budget is exceeded.
    pub eviction: EvictionPolicy,
    /// Call `fsync` after each write.
    pub fsync: bool,
}

/// Settings for re-encoding tiles.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CodecConfig {
    /// Re-encode incoming tiles to this format (`"png"`, `"jpeg"` or `"keep"`).
    pub target_format: String,
    /// JPEG quality, 1-100.
    pub jpeg_quality: u8,
}

/// Logging settings, only read by the `tilecache` binary.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    /// `env_logger` filter, e.g. `"info"` or `"tilecache=debug"`.
    pub level: String,
    /// Colour output: `"auto"`, `"always"` or `"never"`.
    pub color: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            level: "info".to_string(),
            color: "auto".to_string(),
        }
    }
}

impl Default for MemoryConfig {
    fn default() -> Self {
        MemoryConfig {
            max_entries: DEFAULT_MEMORY_ENTRIES,
            max_entry_bytes: DEFAULT_MAX_ENTRY_BYTES,
        }
    }
}

impl Default for DiskConfig {
    fn default() -> Self {
        DiskConfig {
            enabled: true,
            root: PathBuf::from("./data/tiles"),
            max_bytes: DEFAULT_DISK_MAX_BYTES,
            ttl: Duration::from_secs(7 * 24 * 3600),
            eviction: EvictionPolicy::Lru,
            fsync: false,
        }
    }
}

impl Default for CodecConfig {
    fn default() -> Self {
        CodecConfig {
            target_format: "keep".to_string(),
            jpeg_quality: 85,
        }
    }
}

impl Config {
    /// Reads and parses a TOML configuration file.
    pub fn from_file(path: &Path) -> Result<Config> {
        let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Config::from_toml(&text)
    }

    /// Parses configuration from a TOML string.
    pub fn from_toml(text: &str) -> Result<Config> {
        Ok(toml::from_str(text)?)
    }
}

mod humantime_secs {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    // TODO: accept "7d" / "12h" style strings, not just seconds
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}
