//! Error type shared by every module in the crate.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// Convenience alias used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong when reading or writing the cache.
#[derive(Debug, Error)]
pub enum Error {
    /// An I/O error, with the path that caused it when known.
    #[error("i/o error on {path:?}: {source}")]
    Io {
        /// Path being accessed.
        path: Option<PathBuf>,
        /// Underlying error.
        #[source]
        source: io::Error,
    },

    /// The configuration file could not be parsed.
    #[error("invalid config: {0}")]
    Config(#[from] toml::de::Error),

    /// A tile key was outside the valid range for its zoom level.
    #[error("tile {z}/{x}/{y} is out of range")]
    OutOfRange {
        /// Zoom level.
        z: u8,
        /// Column.
        x: u32,
        /// Row.
        y: u32,
    },

    /// Decoding or re-encoding an image failed.
    #[error("codec error: {0}")]
    Codec(#[from] image::ImageError),

    /// An entry is larger than the configured per-entry limit.
    #[error("entry of {size} bytes exceeds limit of {limit} bytes")]
    TooLarge {
        /// Size of the rejected entry.
        size: usize,
        /// Configured limit.
        limit: usize,
    },
}

impl Error {
    /// Wraps an I/O error together with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: Some(path.into()),
            source,
        }
    }
}

impl From<io::Error> for Error {
    fn from(source: io::Error) -> Self {
        Error::Io { path: None, source }
    }
}
