//! # tilecache
//!
//! A two-tier cache for map tiles and other small rendered images.
//! Hot tiles live in an in-memory LRU; everything else is written to a
//! sharded directory tree on disk and promoted back to memory on read.
//!
//! ```no_run
//! use tilecache::{Config, TileCache, TileKey};
//!
//! let cache = TileCache::open(Config::default())?;
//! let key = TileKey::new("osm", 12, 2143, 1362);
//! if let Some(bytes) = cache.get(&key)? {
//!     println!("{} bytes", bytes.len());
//! }
//! # Ok::<(), tilecache::Error>(())
//! ```

#![cfg_attr(not(feature = "mmap"), forbid(unsafe_code))]
#![warn(missing_docs)]

pub mod cache;
pub mod codec;
pub mod config;
pub mod error;
pub mod key;
pub mod stats;

pub use cache::TileCache;
pub use config::Config;
pub use error::{Error, Result};
pub use key::TileKey;
pub use stats::CacheStats;

/// Crate version, as set in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Largest zoom level accepted by [`TileKey::new`].
pub const MAX_ZOOM: u8 = 24;
