//! ggml's quant blocks as `#[repr(C)]` structs (gguf-spec §2), with their sizes checked at compile
//! time. Halves are kept as `[u8; 2]` so every block has alignment 1 and can be viewed in place over
//! any byte buffer, a memory-mapped file included.

use super::float::{f16_to_f32, f32_to_f16};

pub const QK: usize = 32;
pub const QK_K: usize = 256;

/// A little-endian IEEE half as stored in a block.
#[repr(transparent)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Half(pub [u8; 2]);

impl Half {
    pub fn get(self) -> f32 {
        f16_to_f32(u16::from_le_bytes(self.0))
    }
    pub fn from_f32(f: f32) -> Half {
        Half(f32_to_f16(f).to_le_bytes())
    }
}

/// `block_q4_0`: half d, 16 bytes of nibbles (value = d · (q − 8)).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ4_0 {
    pub d: Half,
    pub qs: [u8; QK / 2],
}

/// `block_q4_1`: half d, half m, nibbles (value = d · q + m).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ4_1 {
    pub d: Half,
    pub m: Half,
    pub qs: [u8; QK / 2],
}

/// `block_q5_0`: half d, 32 high bits, nibbles (value = d · (q − 16)).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ5_0 {
    pub d: Half,
    pub qh: [u8; 4],
    pub qs: [u8; QK / 2],
}

/// `block_q5_1`: half d, half m, 32 high bits, nibbles (value = d · q + m).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ5_1 {
    pub d: Half,
    pub m: Half,
    pub qh: [u8; 4],
    pub qs: [u8; QK / 2],
}

/// `block_q8_0`: half d, 32 signed bytes (value = d · q).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ8_0 {
    pub d: Half,
    pub qs: [i8; QK],
}

/// `block_q4_K`: super-scales d and dmin, 12 bytes of packed 6-bit scales and mins, 128 bytes of nibbles.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ4K {
    pub d: Half,
    pub dmin: Half,
    pub scales: [u8; 12],
    pub qs: [u8; QK_K / 2],
}

/// `block_q5_K`: as Q4_K plus 32 bytes of fifth bits.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ5K {
    pub d: Half,
    pub dmin: Half,
    pub scales: [u8; 12],
    pub qh: [u8; QK_K / 8],
    pub qs: [u8; QK_K / 2],
}

/// `block_q6_K`: low nibbles, high 2-bit pairs, 16 signed 8-bit scales, then d (last).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ6K {
    pub ql: [u8; QK_K / 2],
    pub qh: [u8; QK_K / 4],
    pub scales: [i8; QK_K / 16],
    pub d: Half,
}

const _: () = {
    assert!(std::mem::size_of::<BlockQ4_0>() == 18);
    assert!(std::mem::size_of::<BlockQ4_1>() == 20);
    assert!(std::mem::size_of::<BlockQ5_0>() == 22);
    assert!(std::mem::size_of::<BlockQ5_1>() == 24);
    assert!(std::mem::size_of::<BlockQ8_0>() == 34);
    assert!(std::mem::size_of::<BlockQ4K>() == 144);
    assert!(std::mem::size_of::<BlockQ5K>() == 176);
    assert!(std::mem::size_of::<BlockQ6K>() == 210);
};

/// Marks the block structs: plain bytes, alignment 1, every bit pattern valid.
///
/// # Safety
/// Implementors must be `#[repr(C)]`, contain only `u8`/`i8` arrays and `Half`, and have no padding.
pub unsafe trait Block: Copy {}
unsafe impl Block for BlockQ4_0 {}
unsafe impl Block for BlockQ4_1 {}
unsafe impl Block for BlockQ5_0 {}
unsafe impl Block for BlockQ5_1 {}
unsafe impl Block for BlockQ8_0 {}
unsafe impl Block for BlockQ4K {}
unsafe impl Block for BlockQ5K {}
unsafe impl Block for BlockQ6K {}

/// Views bytes as blocks. Panics if the length is not a whole number of blocks.
pub fn as_blocks<T: Block>(bytes: &[u8]) -> &[T] {
    let size = std::mem::size_of::<T>();
    assert_eq!(bytes.len() % size, 0, "byte length is not a whole number of blocks");
    // SAFETY: T is Block (alignment 1, any bit pattern valid) and the length is a multiple of its size.
    unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast(), bytes.len() / size) }
}

pub fn as_blocks_mut<T: Block>(bytes: &mut [u8]) -> &mut [T] {
    let size = std::mem::size_of::<T>();
    assert_eq!(bytes.len() % size, 0, "byte length is not a whole number of blocks");
    // SAFETY: as in `as_blocks`, and the borrow is unique.
    unsafe { std::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast(), bytes.len() / size) }
}

/// ggml's `get_scale_min_k4`: the 6-bit scale and min of sub-block `j` from Q4_K/Q5_K packing.
pub fn get_scale_min_k4(j: usize, q: &[u8; 12]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        ((q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
    }
}

/// Packs eight 6-bit scales and mins as `quantize_row_q4_K_ref` does.
pub fn pack_scales_k4(ls: &[u8; 8], lm: &[u8; 8]) -> [u8; 12] {
    let mut s = [0u8; 12];
    for j in 0..8 {
        if j < 4 {
            s[j] = ls[j];
            s[j + 4] = lm[j];
        } else {
            s[j + 4] = (ls[j] & 0xf) | ((lm[j] & 0xf) << 4);
            s[j - 4] |= (ls[j] >> 4) << 6;
            s[j] |= (lm[j] >> 4) << 6;
        }
    }
    s
}
