use thiserror::Error;

/// Errors that map to a specific exit code (see `exit_code_for` in main.rs).
#[derive(Debug, Error)]
pub enum RcliError {
    #[error("invalid config: {0}")]
    Config(String),

    #[error("checksum mismatch for {name}: expected {expected}, got {actual}")]
    ChecksumMismatch {
        name: String,
        expected: String,
        actual: String,
    },

    #[error("network error: {0}")]
    Network(#[from] reqwest::Error),

    #[error("snapshot not found: {0}")]
    NotFound(String),
}
