use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use log::info;
use reqwest::blocking::Client;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::RcliError;

const USER_AGENT: &str = concat!("rcli/", env!("CARGO_PKG_VERSION"));

fn client(cfg: &Config) -> Result<Client> {
    Ok(Client::builder()
        .timeout(Duration::from_secs(cfg.timeout_secs))
        .user_agent(USER_AGENT)
        .build()?)
}

/// Downloads one snapshot into `dest_dir` and returns the number of bytes written.
pub fn fetch_snapshot(client: &Client, cfg: &Config, name: &str, dest_dir: &Path) -> Result<u64> {
    // FIXME: partial downloads are restarted from zero; support Range requests
    let url = format!("{}/snapshots/{name}", cfg.remote_url);
    let mut resp = client.get(&url).send().map_err(RcliError::Network)?;
    if resp.status() == reqwest::StatusCode::NOT_FOUND {
        return Err(RcliError::NotFound(name.to_string()).into());
    }
    let expected = resp.headers().get("x-checksum-sha256").and_then(|v| v.to_str().ok()).map(String::from);
    let path = dest_dir.join(name);
    let mut file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let written = io::copy(&mut resp, &mut file)?;
    if cfg.verify_checksums {
        if let Some(expected) = expected {
            let actual = sha256_file(&path)?;
            if actual != expected {
                std::fs::remove_file(&path)?;
                return Err(RcliError::ChecksumMismatch { name: name.into(), expected, actual }.into());
            }
        }
    }
    info!("fetched {name} ({written} bytes)");
    Ok(written)
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = Vec::new();
    File::open(path)?.read_to_end(&mut buf)?;
    hasher.update(&buf);
    Ok(format!("{:x}", hasher.finalize()))
}

pub fn run(cfg: &Config, names: &[String]) -> Result<()> {
    std::fs::create_dir_all(&cfg.cache_dir)?;
    let client = client(cfg)?;
    // TODO: honour max_parallel; downloads are sequential for now
    for name in names {
        fetch_snapshot(&client, cfg, name, &cfg.cache_dir)?;
    }
    Ok(())
}
