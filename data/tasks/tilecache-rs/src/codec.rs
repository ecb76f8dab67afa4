//! Optional re-encoding of tiles before they are stored.

use std::io::Cursor;

use image::{ImageFormat, ImageOutputFormat};

use crate::config::CodecConfig;
use crate::error::Result;

/// Magic bytes at the start of a PNG file.
const PNG_MAGIC: &[u8] = &[0x89, b'P', b'N', b'G'];
/// Magic bytes at the start of a JPEG file.
const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];

/// Guesses the format of an encoded tile from its first bytes.
pub fn sniff_format(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(PNG_MAGIC) {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(JPEG_MAGIC) {
        Some(ImageFormat::Jpeg)
    } else {
        None
    }
}

/// Re-encodes `bytes` according to `cfg.target_format`.
///
/// Returns the input unchanged when the target is `"keep"` or when the
/// tile is already in the target format.
pub fn transcode(bytes: &[u8], cfg: &CodecConfig) -> Result<Vec<u8>> {
    let target = match cfg.target_format.as_str() {
        "png" => ImageFormat::Png,
        "jpeg" | "jpg" => ImageFormat::Jpeg,
        _ => return Ok(bytes.to_vec()),
    };
    if sniff_format(bytes) == Some(target) {
        return Ok(bytes.to_vec());
    }

    let img = image::load_from_memory(bytes)?;
    let mut out = Cursor::new(Vec::with_capacity(bytes.len()));
    // FIXME: ImageOutputFormat is deprecated in image 0.25, switch to JpegEncoder
    let fmt = match target {
        ImageFormat::Jpeg => ImageOutputFormat::Jpeg(cfg.jpeg_quality),
        _ => ImageOutputFormat::Png,
    };
    img.write_to(&mut out, fmt)?;
    Ok(out.into_inner())
}
