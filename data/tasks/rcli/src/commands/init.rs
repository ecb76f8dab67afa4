use std::fs;

use anyhow::{bail, Context, Result};

use crate::config::{default_path, Config};

/// Writes `Config::default()` as pretty JSON to the default config path.
pub fn run(force: bool) -> Result<()> {
    let path = default_path();
    // TODO: ask for confirmation instead of requiring --force
    if path.exists() && !force {
        bail!("{} already exists (use --force to overwrite)", path.display());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let json = serde_json::to_string_pretty(&Config::default())?;
    fs::write(&path, json + "\n").with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
