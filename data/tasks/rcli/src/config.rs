use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::error::RcliError;

pub const DEFAULT_TIMEOUT_SECS: u64 = 20;
pub const DEFAULT_MAX_PARALLEL: usize = 4;
pub const DEFAULT_RETENTION_DAYS: u32 = 14;
pub const DEFAULT_REMOTE_URL: &str = "https://snapshots.example.net/api/v2";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub remote_url: String,
    pub api_token: Option<String>,
    pub cache_dir: PathBuf,
    pub timeout_secs: u64,
    pub max_parallel: usize,
    pub retention_days: u32,
    pub verify_checksums: bool,
    pub exclude: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            remote_url: DEFAULT_REMOTE_URL.to_string(),
            api_token: None,
            cache_dir: dirs::cache_dir().unwrap_or_else(|| PathBuf::from(".")).join("rcli"),
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            max_parallel: DEFAULT_MAX_PARALLEL,
            retention_days: DEFAULT_RETENTION_DAYS,
            verify_checksums: true,
            exclude: Vec::new(),
        }
    }
}

/// Returns `~/.config/rcli/config.json` (platform equivalent elsewhere).
pub fn default_path() -> PathBuf {
    dirs::config_dir().unwrap_or_else(|| PathBuf::from(".")).join("rcli").join("config.json")
}

/// Loads the config from `path`, or from `default_path()` when `None`.
/// A missing file yields `Config::default()`.
pub fn load(path: Option<&Path>) -> Result<Config> {
    let path = path.map(Path::to_path_buf).unwrap_or_else(default_path);
    if !path.exists() {
        return Ok(Config::default());
    }
    let text = fs::read_to_string(&path)
        .with_context(|| format!("reading {}", path.display()))?;
    let cfg: Config = serde_json::from_str(&text)
        .map_err(|e| RcliError::Config(format!("{}: {e}", path.display())))?;
    if cfg.max_parallel == 0 {
        return Err(RcliError::Config("max_parallel must be at least 1".into()).into());
    }
    Ok(cfg)
}
