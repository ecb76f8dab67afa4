//! The GGUF container: writer → reader round trips, the real base model's header, and malformed
//! files rejected with an error that names the field and offset, never a panic.

mod common;

use common::*;
use fg::gguf::writer::{write_file, Layout};
use fg::gguf::{GgmlType, GgufFile, GgufWriter, Header, Metadata, ParseError, TensorSpec, Value};

fn small_file_bytes() -> Vec<u8> {
    let dir = tmp();
    let path = dir.path().join("small.gguf");
    let tensors = vec![
        (spec("a.weight", &[64, 2], GgmlType::F32), (0..128u32).flat_map(|i| (i as f32).to_le_bytes()).collect::<Vec<u8>>()),
        (spec("b.weight", &[32], GgmlType::Q8_0), vec![7u8; 34]),
        (spec("c.weight", &[256, 1], GgmlType::Q4K), vec![1u8; 144]),
    ];
    write_file(&path, &all_value_types(), &tensors).unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn writer_and_reader_round_trip_every_value_type() -> anyhow::Result<()> {
    let dir = tmp();
    let path = dir.path().join("rt.gguf");
    let meta = all_value_types();
    let data: Vec<u8> = (0..=255u8).cycle().take(22 * 4).collect();
    write_file(&path, &meta, &[(spec("blk.0.x.weight", &[64, 2], GgmlType::Q5_0), data.clone())])?;
    let f = GgufFile::open(&path)?;
    assert_eq!(f.header.version, 3);
    assert_eq!(f.header.metadata, meta);
    assert_eq!(f.header.tensors.len(), 1);
    let t = &f.header.tensors[0];
    assert_eq!((t.name.as_str(), t.dims.as_slice(), t.ty, t.n_bytes), ("blk.0.x.weight", &[64u64, 2][..], GgmlType::Q5_0, 88));
    assert_eq!(f.tensor_data(0), &data[..]);
    assert_eq!(f.header.data_offset % 32, 0);
    assert_eq!(f.file_len(), f.header.data_offset + 96, "last tensor padded to the alignment");
    Ok(())
}

#[test]
fn writer_drops_trailing_unit_dims_like_ggml() -> anyhow::Result<()> {
    let dir = tmp();
    let path = dir.path().join("dims.gguf");
    write_file(&path, &Metadata::default(), &[(spec("v", &[32, 1, 1], GgmlType::F16), vec![0; 64])])?;
    assert_eq!(GgufFile::open(&path)?.header.tensors[0].dims, vec![32]);
    Ok(())
}

#[test]
fn unfinished_writer_leaves_no_file_behind() -> anyhow::Result<()> {
    let dir = tmp();
    let path = dir.path().join("out.gguf");
    std::fs::write(&path, b"previous contents")?;
    {
        let w = GgufWriter::create(&path, &Metadata::default(), &[spec("x", &[32], GgmlType::F32)])?;
        w.write_tensor_part(0, 0, &[0u8; 64])?;
        // dropped before finish, as a failed run would
    }
    assert_eq!(std::fs::read(&path)?, b"previous contents", "the old file is untouched");
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "no temporary file is left");
    Ok(())
}

#[test]
fn writer_refuses_to_finish_with_missing_tensor_bytes() -> anyhow::Result<()> {
    let dir = tmp();
    let path = dir.path().join("out.gguf");
    let w = GgufWriter::create(&path, &Metadata::default(), &[spec("x", &[32], GgmlType::F32), spec("y", &[32], GgmlType::F32)])?;
    w.write_tensor(0, &[0u8; 128])?;
    let err = w.finish().unwrap_err().to_string();
    assert!(err.contains("\"y\"") && err.contains("0 of 128"), "{err}");
    assert!(!path.exists());
    assert!(GgufWriter::create(&path, &Metadata::default(), &[spec("x", &[30], GgmlType::Q8_0)]).is_err(), "30 is not a whole Q8_0 block");
    Ok(())
}

#[test]
fn real_base_header_is_rebuilt_byte_for_byte() -> anyhow::Result<()> {
    let base = base_model();
    let f = GgufFile::open(&base)?;
    let h = &f.header;
    assert_eq!((h.version, h.metadata.len(), h.tensors.len(), h.data_offset), (3, 33, 236, 6_525_120));
    assert_eq!(h.metadata.str("general.architecture"), Some("gemma3"));
    assert_eq!(h.metadata.u64("general.file_type"), Some(15));
    let specs: Vec<TensorSpec> = h.tensors.iter().map(|t| TensorSpec { name: t.name.clone(), dims: t.dims.clone(), ty: t.ty }).collect();
    let layout = Layout::new(&h.metadata, &specs)?;
    let bytes = std::fs::read(&base)?;
    assert_eq!(layout.header.len() as u64, h.data_offset);
    assert!(layout.header == bytes[..h.data_offset as usize], "rebuilt header differs from the file's");
    assert_eq!(layout.offsets, h.tensors.iter().map(|t| t.offset).collect::<Vec<_>>());
    assert_eq!(layout.file_len, bytes.len() as u64);
    Ok(())
}

fn parse_err(bytes: &[u8]) -> ParseError {
    Header::parse(bytes).expect_err("malformed input must be rejected")
}

#[test]
fn every_truncation_of_a_valid_file_is_an_error_not_a_panic() {
    let bytes = small_file_bytes();
    let header = Header::parse(&bytes).unwrap();
    for len in 0..bytes.len() {
        let r = Header::parse(&bytes[..len]);
        // Cutting only into the last tensor's padding keeps the file valid.
        let needed = header.data_offset + header.tensors.iter().map(|t| t.offset + t.n_bytes).max().unwrap();
        if (len as u64) < needed {
            let e = r.expect_err(&format!("truncated to {len} bytes"));
            assert!(e.offset <= len as u64, "offset {} past the cut at {len}", e.offset);
        }
    }
}

/// Patches `bytes` at `at` with `with`.
fn patched(bytes: &[u8], at: usize, with: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at..at + with.len()].copy_from_slice(with);
    b
}

fn find(bytes: &[u8], needle: &[u8]) -> usize {
    bytes.windows(needle.len()).position(|w| w == needle).expect("needle present")
}

#[test]
fn header_fields_are_checked_and_named() {
    let good = small_file_bytes();
    let e = parse_err(&patched(&good, 0, b"GGML"));
    assert_eq!((e.field.as_str(), e.offset), ("magic", 0));
    let e = parse_err(&patched(&good, 4, &1u32.to_le_bytes()));
    assert!(e.field == "version" && e.problem.contains("version 1"), "{e}");
    let e = parse_err(&patched(&good, 4, &0x0300_0000u32.to_le_bytes()));
    assert!(e.problem.contains("big-endian"), "{e}");
    let e = parse_err(&patched(&good, 8, &u64::MAX.to_le_bytes()));
    assert_eq!((e.field.as_str(), e.offset), ("tensor_count", 8));
    let e = parse_err(&patched(&good, 16, &(1u64 << 40).to_le_bytes()));
    assert_eq!((e.field.as_str(), e.offset), ("metadata_kv_count", 16));
    // The first key's length, made huge.
    let e = parse_err(&patched(&good, 24, &(1u64 << 50).to_le_bytes()));
    assert!(e.field == "metadata[0].key" && e.offset == 24 && e.problem.contains("exceeds"), "{e}");
}

#[test]
fn metadata_values_are_checked() {
    let good = small_file_bytes();
    // The value type of "t.u8" (after its key) set to an unknown id.
    let at = find(&good, b"t.u8") + 4;
    let e = parse_err(&patched(&good, at, &99u32.to_le_bytes()));
    assert!(e.field.contains("t.u8") && e.problem.contains("unknown value type 99") && e.offset == at as u64, "{e}");
    // A bool that is neither 0 nor 1.
    let at = find(&good, b"t.bool") + 6 + 4;
    let e = parse_err(&patched(&good, at, &[2]));
    assert!(e.problem.contains("bool"), "{e}");
    // An array whose count cannot fit in the file.
    let at = find(&good, b"t.arr.f32") + 9 + 4 + 4;
    let e = parse_err(&patched(&good, at, &(u64::MAX / 2).to_le_bytes()));
    assert!(e.field.contains("t.arr.f32") && e.problem.contains("cannot fit"), "{e}");
    // Duplicate keys: rename "t.i8" to "t.u8".
    let at = find(&good, b"t.i8");
    let e = parse_err(&patched(&good, at, b"t.u8"));
    assert!(e.problem.contains("duplicate key"), "{e}");
}

#[test]
fn alignment_must_be_a_power_of_two() {
    let dir = tmp();
    let path = dir.path().join("a.gguf");
    let mut m = Metadata::default();
    m.set("general.alignment", Value::U32(64));
    write_file(&path, &m, &[(spec("x", &[32], GgmlType::F32), vec![0; 128])]).unwrap();
    let good = std::fs::read(&path).unwrap();
    assert_eq!(Header::parse(&good).unwrap().data_offset % 64, 0);
    let at = find(&good, b"general.alignment") + 17 + 4;
    let e = parse_err(&patched(&good, at, &48u32.to_le_bytes()));
    assert!(e.field.contains("general.alignment") && e.problem.contains("power of two"), "{e}");
}

#[test]
fn tensor_infos_are_checked() {
    let good = small_file_bytes();
    let name_at = find(&good, b"a.weight");
    let dims_at = name_at + 8; // n_dims
    let e = parse_err(&patched(&good, dims_at, &5u32.to_le_bytes()));
    assert!(e.field.contains("n_dims") && e.offset == dims_at as u64, "{e}");
    let e = parse_err(&patched(&good, dims_at + 4, &(-64i64).to_le_bytes()));
    assert!(e.problem.contains("negative"), "{e}");
    let e = parse_err(&patched(&good, dims_at + 4, &(i64::MAX / 2).to_le_bytes()));
    assert!(e.problem.contains("overflows") || e.problem.contains("past the end"), "{e}");
    let type_at = dims_at + 4 + 16;
    let e = parse_err(&patched(&good, type_at, &10u32.to_le_bytes()));
    assert!(e.problem.contains("q2_K"), "names the unsupported type: {e}");
    let e = parse_err(&patched(&good, type_at, &(GgmlType::Q4K as u32).to_le_bytes()));
    assert!(e.problem.contains("not a multiple of q4_K's block size 256"), "{e}");
    let off_at = type_at + 4;
    let e = parse_err(&patched(&good, off_at, &8u64.to_le_bytes()));
    assert!(e.problem.contains("alignment"), "{e}");
    let e = parse_err(&patched(&good, off_at, &(1u64 << 40).to_le_bytes()));
    assert!(e.problem.contains("past the end"), "{e}");
    // b.weight placed on top of a.weight.
    let b_off_at = find(&good, b"b.weight") + 8 + 4 + 8 + 4;
    let e = parse_err(&patched(&good, b_off_at, &0u64.to_le_bytes()));
    assert!(e.problem.contains("overlaps"), "{e}");
    // Duplicate names.
    let e = parse_err(&patched(&good, find(&good, b"b.weight"), b"a"));
    assert!(e.problem.contains("duplicate tensor name"), "{e}");
}

#[test]
fn errors_from_open_name_the_file() {
    let dir = tmp();
    let path = dir.path().join("junk.gguf");
    std::fs::write(&path, b"GGUF\x03\x00\x00\x00").unwrap();
    let msg = format!("{:#}", GgufFile::open(&path).err().unwrap());
    assert!(msg.contains("junk.gguf") && msg.contains("tensor_count") && msg.contains("byte 8"), "{msg}");
}

#[test]
fn crash_inputs_from_fuzzing_are_rejected() {
    // Inputs the fuzz target (fuzz/fuzz_targets/gguf_header.rs) found or that stress allocation:
    // each must give an error without panicking or allocating its claimed size.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/data/fuzz") {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let _ = Header::parse(&bytes);
        n += 1;
    }
    assert!(n > 0);
}
