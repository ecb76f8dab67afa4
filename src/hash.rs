//! The crate's two hashes: FNV-1a for stable names of cached artifacts and for seeding generators
//! (fast, no dependency, not for security), and sha256 for identifying a model file.

/// FNV-1a, 64 bits: a stable hash with no dependency, for cache keys and seeds (not for security).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// sha256 of a file, as hex.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut h)?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
