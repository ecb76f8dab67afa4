//! Tile addressing: layer name plus z/x/y in the XYZ (slippy map) scheme.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::MAX_ZOOM;

/// Number of hex characters used for each shard directory level.
const SHARD_WIDTH: usize = 2;

/// Identifies one tile of one layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileKey {
    /// Layer or tileset name, e.g. `"osm"`.
    pub layer: String,
    /// Zoom level, 0..=MAX_ZOOM.
    pub z: u8,
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
}

impl TileKey {
    /// Creates a key without validating it; see [`TileKey::validate`].
    pub fn new(layer: impl Into<String>, z: u8, x: u32, y: u32) -> Self {
        TileKey {
            layer: layer.into(),
            z,
            x,
            y,
        }
    }

    /// Checks that `x` and `y` fit into the grid at zoom `z`.
    pub fn validate(&self) -> Result<()> {
        let max = 1u64 << self.z.min(MAX_ZOOM);
        if self.z > MAX_ZOOM || u64::from(self.x) >= max || u64::from(self.y) >= max {
            return Err(Error::OutOfRange {
                z: self.z,
                x: self.x,
                y: self.y,
            });
        }
        Ok(())
    }

    /// Stable SHA-256 digest of the key, hex encoded.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.to_string().as_bytes());
        hex::encode(hasher.finalize())
    }

    /// Two-level shard prefix (`ab/cd`) used to spread files over directories.
    pub fn shard_path(&self) -> String {
        let d = self.digest();
        format!("{}/{}", &d[..SHARD_WIDTH], &d[SHARD_WIDTH..SHARD_WIDTH * 2])
    }

    /// Returns the parent tile one zoom level up, or `None` at zoom 0.
    pub fn parent(&self) -> Option<TileKey> {
        if self.z == 0 {
            return None;
        }
        Some(TileKey::new(self.layer.clone(), self.z - 1, self.x / 2, self.y / 2))
    }
}

impl fmt::Display for TileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}/{}", self.layer, self.z, self.x, self.y)
    }
}
