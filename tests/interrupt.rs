//! Output files and their temporaries, through the real binary: links planted at temporary names
//! are never followed, an interrupted `fg quantize` leaves nothing behind, and the temporaries of
//! killed runs are removed by the next run while those of live processes are kept.

mod common;

use common::*;
use fg::gguf::writer::write_file;
use fg::gguf::{GgmlType, Metadata};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fg"))
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// The PID the kernel handed out last (the fifth field of /proc/loadavg).
fn last_pid() -> u32 {
    let s = std::fs::read_to_string("/proc/loadavg").unwrap();
    s.split_whitespace().nth(4).unwrap().parse().unwrap()
}

/// A PID that belonged to a process that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// A small valid GGUF (one f32 tensor) to quantize in a fraction of a second.
fn small_gguf(dir: &Path) -> PathBuf {
    let p = dir.join("small.gguf");
    let mut m = Metadata::default();
    m.set("general.architecture", fg::gguf::Value::String("test".into()));
    let data: Vec<u8> = (0..64u32).flat_map(|i| (i as f32).to_le_bytes()).collect();
    write_file(&p, &m, &[(spec("x.weight", &[32, 2], GgmlType::F32), data)]).unwrap();
    p
}

#[test]
fn links_planted_at_temporary_names_are_never_followed() -> anyhow::Result<()> {
    let work = tmp();
    let outside = tmp();
    let (victim_old, victim_new) = (outside.path().join("victim-old"), outside.path().join("victim-new"));
    std::fs::write(&victim_old, b"keep me")?;
    std::fs::write(&victim_new, b"keep me too")?;
    // The next 200 PIDs, at the old name and at a guess of the new one.
    let next = last_pid() + 1;
    for pid in next..next + 200 {
        symlink(&victim_old, work.path().join(format!(".out.gguf.fg-partial-{pid}")))?;
        symlink(&victim_new, work.path().join(format!(".out.gguf.fg-partial-{pid}-0000000000000000")))?;
    }
    let out = work.path().join("out.gguf");
    let o = fg().args(["quantize", "q8_0", base_model().to_str().unwrap(), out.to_str().unwrap(), "-t", "2", "-q"]).output()?;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&victim_old)?, b"keep me");
    assert_eq!(std::fs::read(&victim_new)?, b"keep me too");
    assert_eq!(names(outside.path()), ["victim-new", "victim-old"], "nothing created outside");
    assert_eq!(&std::fs::read(&out)?[..4], b"GGUF");
    // Only the output was added; the planted links are still links (never followed, never removed).
    assert_eq!(names(work.path()).len(), 401);
    for e in std::fs::read_dir(work.path())? {
        let e = e?;
        if e.path() != out {
            assert!(e.file_type()?.is_symlink(), "{} is not a planted link", e.path().display());
        }
    }
    Ok(())
}

/// Starts `fg quantize f16 BASE OUT`, waits for its temporary file, sends `signal`, and checks
/// that it exits with 128 + signal leaving nothing in the folder.
fn interrupt_quantize(signal: i32) {
    let dir = tmp();
    let out = dir.path().join("OUT");
    let mut child = fg().args(["quantize", "f16", base_model().to_str().unwrap(), out.to_str().unwrap(), "-t", "1", "-q"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    loop {
        if names(dir.path()).iter().any(|n| n.contains("fg-partial")) {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("fg finished ({status}) before its partial file was seen");
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no partial file after 60 s: {:?}", names(dir.path()));
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: signals our own child, which has not been waited for yet.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert_eq!(o.status.code(), Some(128 + signal), "{}: {err}", o.status);
    assert!(err.contains("interrupted: removed 1 unfinished file"), "{err}");
    assert_eq!(names(dir.path()), Vec::<String>::new(), "no partial file and no OUT");
}

#[test]
fn sigint_during_quantize_leaves_no_partial_file_and_no_output() {
    interrupt_quantize(libc::SIGINT);
}

#[test]
fn sigterm_during_quantize_leaves_no_partial_file_and_no_output() {
    interrupt_quantize(libc::SIGTERM);
}

#[test]
fn the_next_run_removes_temporaries_of_dead_processes_only() -> anyhow::Result<()> {
    let dir = tmp();
    let outside = tmp();
    let input = small_gguf(outside.path());
    let victim = outside.path().join("victim");
    std::fs::write(&victim, b"untouched")?;
    let (dead, live) = (dead_pid(), std::process::id());
    let removed = [format!(".out.gguf.fg-partial-{dead}"), format!(".out.gguf.fg-partial-{dead}-0123456789abcdef")];
    let kept = [
        format!(".out.gguf.fg-partial-{live}"),
        format!(".out.gguf.fg-partial-{live}-0123456789abcdef"),
        format!(".other.gguf.fg-partial-{dead}"),
        format!(".out.gguf.fg-partial-{dead}.bak"),
        format!(".out.gguf.fg-partial-{dead}-notes.txt"),
        format!("out.gguf.fg-partial-{dead}"),
    ];
    for n in removed.iter().chain(&kept) {
        std::fs::write(dir.path().join(n), b"partial")?;
    }
    // A link at a dead PID's name: left alone, and its target with it.
    let link = format!(".out.gguf.fg-partial-{dead}-00000000000000aa");
    symlink(&victim, dir.path().join(&link))?;

    let out = dir.path().join("out.gguf");
    let o = fg().args(["quantize", "f32", input.to_str().unwrap(), out.to_str().unwrap(), "-q"]).output()?;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let left = names(dir.path());
    for n in &removed {
        assert!(!left.contains(n), "{n} was left: {left:?}");
    }
    for n in kept.iter().chain([&link, &"out.gguf".to_string()]) {
        assert!(left.contains(n), "{n} was removed: {left:?}");
    }
    assert_eq!(left.len(), kept.len() + 2);
    assert_eq!(std::fs::read(&victim)?, b"untouched");
    Ok(())
}

#[test]
fn write_atomic_replaces_a_link_at_the_target_and_leaves_no_temporary() -> anyhow::Result<()> {
    let dir = tmp();
    let outside = tmp();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, b"untouched")?;
    let target = dir.path().join("report.md");
    symlink(&victim, &target)?;
    fg::fsx::write_atomic(&target, b"new report")?;
    assert!(!std::fs::symlink_metadata(&target)?.file_type().is_symlink(), "the link itself was replaced");
    assert_eq!(std::fs::read(&target)?, b"new report");
    assert_eq!(std::fs::read(&victim)?, b"untouched");
    assert_eq!(names(dir.path()), ["report.md"]);
    // A fill that fails leaves neither the target changed nor a temporary behind.
    let err = fg::fsx::write_atomic_with(&target, |_| anyhow::bail!("disk on fire")).unwrap_err();
    assert!(err.to_string().contains("disk on fire"));
    assert_eq!(std::fs::read(&target)?, b"new report");
    assert_eq!(names(dir.path()), ["report.md"]);
    Ok(())
}
