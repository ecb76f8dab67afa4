//! Where the project's own files are: the installed base model and the shipped artifacts live
//! next to Cargo.toml, so `fg` finds them from any working directory.

use std::path::PathBuf;

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The base model `scripts/setup.sh` installs.
pub fn default_base_model() -> PathBuf {
    project_dir().join("models/gemma-3-270m-q4_k_m.gguf")
}
