//! Confined commands, with real processes and the kernel's real Landlock: reads and writes outside the
//! workspace fail, background children never outlive the call, output is capped while it streams.

use fg::agent::confine::{landlock_abi, run_confined, startup_notice, Confinement, MAX_TIMEOUT_S};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A workspace `outer/ws` whose parent holds `secret.txt` (under the build's target folder; a
/// workspace under /tmp is tested in tests/safety.rs).
struct Fixture {
    outer: tempfile::TempDir,
    ws: PathBuf,
}

fn fixture() -> Fixture {
    let outer = tempfile::Builder::new().prefix("fg-confine-").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    std::fs::write(outer.path().join("secret.txt"), "the-secret-4711\n").unwrap();
    let ws = outer.path().join("ws");
    std::fs::create_dir(&ws).unwrap();
    Fixture { outer, ws }
}

/// Whether the kernel says Landlock is built and enabled at boot (so landlock_abi() must find it).
fn kernel_enables_landlock() -> bool {
    if let Ok(lsm) = std::fs::read_to_string("/sys/kernel/security/lsm") {
        return lsm.split(',').any(|m| m.trim() == "landlock");
    }
    let Ok(out) = std::process::Command::new("zcat").arg("/proc/config.gz").output() else { return false };
    let config = String::from_utf8_lossy(&out.stdout);
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    let boot_lsm = cmdline.split_whitespace().find_map(|w| w.strip_prefix("lsm="));
    config.lines().any(|l| l == "CONFIG_SECURITY_LANDLOCK=y")
        && match boot_lsm {
            Some(list) => list.split(',').any(|m| m == "landlock"),
            None => config.lines().any(|l| l.starts_with("CONFIG_LSM=") && l.contains("landlock")),
        }
}

/// The confinement for `ws`, or None on a kernel without Landlock, after checking that the kernel
/// really lacks it and that fg says so at start-up. Where the kernel enables Landlock, a missing ABI
/// fails the test instead of skipping it.
fn confined(ws: &Path) -> Option<Confinement> {
    let c = Confinement::new(ws);
    match landlock_abi() {
        Some(abi) => {
            assert!(abi >= 1 && c.landlock, "ABI {abi}, landlock {}", c.landlock);
            assert_eq!(startup_notice(), None);
            Some(c)
        }
        None => {
            assert!(!kernel_enables_landlock(), "the kernel enables Landlock but landlock_abi() found none");
            assert!(startup_notice().unwrap().contains("not confined"));
            assert!(!c.landlock);
            None
        }
    }
}

async fn sh(script: &str, ws: &Path, timeout: Duration, c: &Confinement) -> Value {
    run_confined("sh", &["-c", script], ws, timeout, c).await.unwrap()
}

fn field<'a>(r: &'a Value, key: &str) -> &'a str {
    r[key].as_str().unwrap_or_else(|| panic!("no {key} in {r}"))
}

/// Whether `pid` is gone (or a zombie waiting for init), allowing a few seconds for the kill to land.
fn gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().and_then(|s| s.rsplit(')').next().and_then(|t| t.split_whitespace().next()).map(str::to_string));
        if state.as_deref().is_none_or(|s| s == "Z") {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn reading_a_file_outside_the_workspace_is_refused() {
    let f = fixture();
    let Some(c) = confined(&f.ws) else { return };
    let r = sh("cat ../secret.txt", &f.ws, Duration::from_secs(10), &c).await;
    assert_ne!(r["exit_code"], 0, "{r}");
    assert!(!field(&r, "stdout").contains("the-secret"), "{r}");
    assert!(field(&r, "stderr").contains("Permission denied"), "{r}");
    // The same file is readable once it is inside the workspace.
    std::fs::copy(f.outer.path().join("secret.txt"), f.ws.join("copy.txt")).unwrap();
    let r = sh("cat copy.txt", &f.ws, Duration::from_secs(10), &c).await;
    assert_eq!(field(&r, "stdout"), "the-secret-4711\n", "{r}");
}

#[tokio::test]
async fn writing_outside_the_workspace_is_refused() {
    let f = fixture();
    let Some(c) = confined(&f.ws) else { return };
    let r = sh("echo x > ../out.txt", &f.ws, Duration::from_secs(10), &c).await;
    assert_ne!(r["exit_code"], 0, "{r}");
    assert!(field(&r, "stderr").contains("Permission denied"), "{r}");
    assert!(!f.outer.path().join("out.txt").exists());
    // An absolute path outside every allowed folder fails the same way.
    let sibling = f.outer.path().join("sibling");
    let r = sh(&format!("mkdir {0} || echo x > {0}", sibling.display()), &f.ws, Duration::from_secs(10), &c).await;
    assert_ne!(r["exit_code"], 0, "{r}");
    assert!(!sibling.exists());
}

#[tokio::test]
async fn writing_in_the_workspace_and_the_private_tmpdir_works_but_not_in_shared_tmp() {
    let f = fixture();
    let Some(c) = confined(&f.ws) else { return };
    let shared = format!("/tmp/fg-confine-{}.txt", std::process::id());
    let script =
        format!("mkdir -p sub && echo in > sub/a.txt && mv sub/a.txt b.txt && echo tmp > \"$TMPDIR/t.txt\" && cat b.txt \"$TMPDIR/t.txt\" && echo $TMPDIR && (echo x > {shared} || echo refused)");
    let r = sh(&script, &f.ws, Duration::from_secs(10), &c).await;
    assert_eq!(r["exit_code"], 0, "{r}");
    let out = field(&r, "stdout");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!((lines[0], lines[1], lines[3]), ("in", "tmp", "refused"), "{r}");
    assert!(lines[2].contains("fg-cmd-"), "TMPDIR is the command's own folder: {r}");
    assert!(!Path::new(lines[2]).exists(), "the private folder is removed afterwards");
    assert!(!Path::new(&shared).exists());
    assert_eq!(std::fs::read_to_string(f.ws.join("b.txt")).unwrap(), "in\n");
}

#[tokio::test]
async fn system_programs_still_run_confined() {
    let f = fixture();
    let Some(c) = confined(&f.ws) else { return };
    std::fs::write(f.ws.join("marker.txt"), "").unwrap();
    let r = run_confined("python3", &["-c", "print(1)"], &f.ws, Duration::from_secs(30), &c).await.unwrap();
    assert_eq!((r["exit_code"].as_i64(), field(&r, "stdout")), (Some(0), "1\n"), "{r}");
    let r = run_confined("ls", &[], &f.ws, Duration::from_secs(10), &c).await.unwrap();
    assert_eq!((r["exit_code"].as_i64(), field(&r, "stdout")), (Some(0), "marker.txt\n"), "{r}");
}

#[tokio::test]
async fn a_background_child_is_killed_at_the_timeout() {
    let f = fixture();
    let c = Confinement::new(&f.ws);
    let started = Instant::now();
    let r = sh("sleep 100 & echo $!; sleep 100", &f.ws, Duration::from_secs(1), &c).await;
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!(r["timed_out"], true, "{r}");
    assert!(field(&r, "note").contains("killed"), "{r}");
    let pid: u32 = field(&r, "stdout").trim().parse().unwrap();
    assert!(gone(pid), "background sleep {pid} survived the timeout");
}

#[tokio::test]
async fn a_background_child_is_killed_when_the_command_exits() {
    let f = fixture();
    let c = Confinement::new(&f.ws);
    let started = Instant::now();
    let r = sh("sleep 100 & echo $!", &f.ws, Duration::from_secs(60), &c).await;
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!(r["exit_code"], 0, "{r}");
    assert!(r.get("timed_out").is_none(), "{r}");
    let pid: u32 = field(&r, "stdout").trim().parse().unwrap();
    assert!(gone(pid), "background sleep {pid} survived its shell");
}

#[tokio::test]
async fn dropping_the_call_kills_the_whole_group() {
    let f = fixture();
    let c = Confinement::new(&f.ws);
    let call = sh("sleep 100 & echo $! > pid; wait", &f.ws, Duration::from_secs(60), &c);
    assert!(tokio::time::timeout(Duration::from_secs(1), call).await.is_err());
    let pid: u32 = std::fs::read_to_string(f.ws.join("pid")).unwrap().trim().parse().unwrap();
    assert!(gone(pid), "background sleep {pid} survived the dropped call");
}

#[tokio::test]
async fn huge_output_is_capped_while_it_streams() {
    let f = fixture();
    let c = Confinement::new(&f.ws);
    let before = peak_rss_kb();
    let r = sh("head -c 200000000 /dev/zero | tr '\\0' a", &f.ws, Duration::from_secs(120), &c).await;
    let grown_mb = (peak_rss_kb() - before) / 1024;
    assert_eq!(r["exit_code"], 0, "{}", field(&r, "stderr"));
    let out = field(&r, "stdout");
    assert_eq!(&out[..16_000], "a".repeat(16_000));
    assert!(out[16_000..].starts_with("\n… [cut 199984000 bytes: 200000000 bytes in all]"), "{}", &out[16_000..]);
    assert!(grown_mb < 50, "peak RSS grew by {grown_mb} MB");
}

#[tokio::test]
async fn timeouts_above_the_maximum_are_clamped() {
    let f = fixture();
    let c = Confinement::new(&f.ws);
    let r = sh("echo ok", &f.ws, Duration::from_secs(MAX_TIMEOUT_S + 1), &c).await;
    assert_eq!(field(&r, "stdout"), "ok\n");
    assert!(field(&r, "note").contains(&format!("lowered to {MAX_TIMEOUT_S} s")), "{r}");
    let r = sh("echo ok", &f.ws, Duration::from_secs(MAX_TIMEOUT_S), &c).await;
    assert!(r.get("note").is_none(), "{r}");
}

#[tokio::test]
async fn a_missing_program_is_an_error_for_the_model() {
    let f = fixture();
    let c = Confinement::new(&f.ws);
    let e = run_confined("fg-no-such-program", &[], &f.ws, Duration::from_secs(5), &c).await.unwrap_err();
    assert!(e.contains("cannot run fg-no-such-program"), "{e}");
}
