//! Confined commands for shell_exec and run_tests: each runs in its own process group that is killed
//! as a whole, its output is capped while it streams, and Landlock keeps it inside the workspace.
//!
//! Landlock is applied in the child between fork and exec. Only async-signal-safe work may happen
//! there (another thread of fg may hold the allocator's lock at the fork), so the whole ruleset,
//! every path opened, is built in the parent; the child only calls prctl(NO_NEW_PRIVS) and
//! landlock_restrict_self (`RulesetCreated::restrict_self`, which allocates nothing).

use landlock::{path_beneath_rules, Access, AccessFs, PathBeneath, PathFd, Ruleset, RulesetAttr, RulesetCreated, RulesetCreatedAttr, RulesetStatus, ABI};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::watch;

/// The longest any command may run, whatever timeout the model asked for; longer ones are lowered to
/// this and the result says so.
pub const MAX_TIMEOUT_S: u64 = 600;

/// Bytes kept of each of stdout and stderr (the cap builtin.rs puts on every tool result).
const OUTPUT_CAP: usize = 16_000;

/// How long the output is still read after the group was killed: a process that left the group
/// (`setsid`) may hold the pipes open forever, and the result must not wait for it.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// The newest Landlock ABI whose rights we ask for; on older kernels the crate drops what the kernel
/// lacks (best effort), so every ABI from 1 up confines as much as it can.
const LANDLOCK_ABI: ABI = ABI::V10;

/// Read-only system folders a shell and common toolchains need (PATH and PYTHONPATH are added).
const SYSTEM_READ: &[&str] = &["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc", "/opt"];

/// Device files a shell writes to or reads from (`> /dev/null`, `head -c N /dev/zero`).
const DEVICES: &[&str] = &["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"];

/// Where a confined command may read and write.
#[derive(Debug, Clone)]
pub struct Confinement {
    /// Read, write and execute.
    pub workspace: PathBuf,
    /// Read and execute only: the system folders and toolchains (`Confinement::new` fills it).
    pub extra_read: Vec<PathBuf>,
    /// false: no filesystem confinement (the kernel lacks Landlock, or the user opted out).
    pub landlock: bool,
}

/// Whether this kernel enforces Landlock, and its ABI version (for the start-up notice).
pub fn landlock_abi() -> Option<i32> {
    // LANDLOCK_CREATE_RULESET_VERSION (1) with no attributes asks for the ABI version; the call fails
    // (ENOSYS, EOPNOTSUPP) where Landlock is not built or not enabled at boot.
    let version = unsafe { libc::syscall(libc::SYS_landlock_create_ruleset, std::ptr::null::<libc::c_void>(), 0usize, 1u32) };
    (version > 0).then_some(version as i32)
}

/// The line to print at start-up when commands cannot be confined; None when they are.
pub fn startup_notice() -> Option<String> {
    match landlock_abi() {
        Some(_) => None,
        None => Some("this kernel offers no Landlock: shell_exec and run_tests are not confined to the workspace (they still get timeouts, capped output and their process group killed)".into()),
    }
}

impl Confinement {
    /// The default read-only system folders: /usr /bin /sbin /lib /lib32 /lib64 /etc /opt (those that
    /// exist), plus the Rust and Python toolchains in the home folder when present, so `cargo test`
    /// and pytest run; Landlock on when the kernel offers it.
    pub fn new(workspace: &Path) -> Confinement {
        let mut extra_read: Vec<PathBuf> = SYSTEM_READ.iter().map(PathBuf::from).filter(|p| p.exists()).collect();
        extra_read.extend(toolchains().into_iter().filter(|p| p.exists()));
        Confinement { workspace: workspace.to_path_buf(), extra_read, landlock: landlock_abi().is_some() }
    }

    /// The whole ruleset, every path already opened: built before the fork. `tmp` is the
    /// command's private temporary folder.
    fn ruleset(&self, tmp: &Path) -> Result<RulesetCreated, String> {
        let fail = |e: landlock::RulesetError| format!("cannot set up Landlock: {e}");
        let all = AccessFs::from_all(LANDLOCK_ABI);
        let read = AccessFs::from_read(LANDLOCK_ABI);
        // Missing optional folders are skipped by path_beneath_rules; a missing workspace is an error.
        let workspace = PathFd::new(&self.workspace).map_err(|e| format!("workspace {}: {e}", self.workspace.display()))?;
        Ruleset::default()
            .handle_access(all)
            .map_err(fail)?
            .create()
            .map_err(fail)?
            .add_rule(PathBeneath::new(workspace, all))
            .map_err(fail)?
            .add_rules(path_beneath_rules(temp_folders(tmp), all))
            .map_err(fail)?
            .add_rules(path_beneath_rules(&self.extra_read, read))
            .map_err(fail)?
            // Read when the command starts: the environment it inherits then.
            .add_rules(path_beneath_rules(environment_folders(), read))
            .map_err(fail)?
            // Files get only the rights that apply to files (path_beneath_rules masks them).
            .add_rules(path_beneath_rules(DEVICES, all))
            .map_err(fail)?
            .add_rules(path_beneath_rules(["/proc"], AccessFs::ReadFile | AccessFs::ReadDir))
            .map_err(fail)
    }
}

/// Toolchains installed in the home folder. For cargo only what it reads (binaries, registry, git
/// checkouts, config): `credentials.toml` next to them holds the crates.io token.
fn toolchains() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let env_or_home = |var: &str, dir: &str| std::env::var_os(var).map(PathBuf::from).or_else(|| home.as_ref().map(|h| h.join(dir)));
    let mut out = Vec::new();
    if let Some(cargo) = env_or_home("CARGO_HOME", ".cargo") {
        out.extend(["bin", "registry", "git", "config.toml", "config"].map(|p| cargo.join(p)));
    }
    out.extend(env_or_home("RUSTUP_HOME", ".rustup"));
    // pyenv's `python3` is a shim that runs the interpreter from its root.
    out.extend(env_or_home("PYENV_ROOT", ".pyenv"));
    out
}

/// Folders a confined command may write besides the workspace: its own temporary folder (TMPDIR
/// points there) and /dev/shm. Not the shared /tmp: a workspace inside /tmp would otherwise reach
/// its neighbours there, and other programs' files in /tmp are none of the command's business.
fn temp_folders(tmp: &Path) -> Vec<PathBuf> {
    vec![tmp.to_path_buf(), PathBuf::from("/dev/shm")]
}

/// Folders the user's environment names for programs and libraries (PATH, PYTHONPATH): readable,
/// so the programs a user runs by hand run confined too. Never `/` or the home folder itself,
/// which would open everything beneath them.
fn environment_folders() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    ["PATH", "PYTHONPATH"]
        .iter()
        .filter_map(std::env::var_os)
        .flat_map(|v| std::env::split_paths(&v).collect::<Vec<_>>())
        .filter(|p| p.is_absolute() && p.parent().is_some() && Some(p) != home.as_ref() && p.is_dir())
        .collect()
}

/// A command's private temporary folder, removed (without following links) when dropped.
struct PrivateTmp(PathBuf);

impl PrivateTmp {
    fn new() -> Result<PrivateTmp, String> {
        use std::os::unix::fs::DirBuilderExt;
        let path = std::env::temp_dir().join(format!("fg-cmd-{}-{:016x}", std::process::id(), crate::fsx::random_u64()));
        std::fs::DirBuilder::new().mode(0o700).create(&path).map_err(|e| format!("cannot create a temporary folder {}: {e}", path.display()))?;
        Ok(PrivateTmp(path))
    }
}

impl Drop for PrivateTmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs in the forked child before exec: system calls only (see the module comment).
fn enter_landlock(ruleset: Option<RulesetCreated>) -> std::io::Result<()> {
    let Some(ruleset) = ruleset else { return Err(std::io::Error::from_raw_os_error(libc::EINVAL)) };
    match ruleset.restrict_self() {
        Ok(status) if status.ruleset != RulesetStatus::NotEnforced => Ok(()),
        // Running unconfined when confinement was asked for would be silent: fail the spawn instead.
        Ok(_) => Err(std::io::Error::from_raw_os_error(libc::ENOSYS)),
        Err(_) => Err(std::io::Error::last_os_error()),
    }
}

/// The command's process group, led by `child`. It is killed as a whole before the leader is reaped
/// (while the leader's pid cannot be reused, so the kill cannot reach anyone else), and when dropped.
struct Group {
    child: tokio::process::Child,
    pgid: libc::pid_t,
    reaped: bool,
}

impl Group {
    fn kill(&self) {
        if !self.reaped {
            unsafe { libc::killpg(self.pgid, libc::SIGKILL) };
        }
    }

    /// Waits until the leader exits without reaping it (waitid with WNOWAIT), so the group can still be
    /// killed safely afterwards.
    async fn leader_exited(&self) {
        let pid = self.pgid as libc::id_t;
        let _ = tokio::task::spawn_blocking(move || loop {
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            let r = unsafe { libc::waitid(libc::P_PID, pid, &mut info, libc::WEXITED | libc::WNOWAIT) };
            if r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return;
            }
        })
        .await;
    }

    async fn reap(&mut self) -> std::io::Result<ExitStatus> {
        let status = self.child.wait().await;
        self.reaped = status.is_ok();
        status
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The first OUTPUT_CAP bytes of a stream and how many bytes it had in all.
struct Captured {
    kept: Vec<u8>,
    total: u64,
    /// Still open when reading stopped (a process that escaped the group holds it).
    unfinished: bool,
}

/// Reads `pipe` to its end, keeping the first OUTPUT_CAP bytes and counting the rest, so a command
/// that prints gigabytes costs one buffer; stops early when `stop` turns true.
async fn read_capped(mut pipe: impl AsyncRead + Unpin, mut stop: watch::Receiver<bool>) -> Captured {
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Captured { kept: Vec::with_capacity(OUTPUT_CAP), total: 0, unfinished: false };
    loop {
        tokio::select! {
            n = pipe.read(&mut buf) => match n {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = OUTPUT_CAP - out.kept.len();
                    out.kept.extend_from_slice(&buf[..n.min(room)]);
                    out.total += n as u64;
                }
            },
            _ = stop.wait_for(|s| *s) => {
                out.unfinished = true;
                break;
            }
        }
    }
    out
}

/// The kept bytes as text, with a note saying how much was cut.
fn text(c: &Captured) -> String {
    let cut = c.total - c.kept.len() as u64;
    let kept = if cut > 0 { &c.kept[..complete_prefix(&c.kept)] } else { &c.kept[..] };
    let mut s = String::from_utf8_lossy(kept).into_owned();
    if cut > 0 {
        s.push_str(&format!("\n… [cut {cut} bytes: {} bytes in all]", c.total));
    }
    s
}

/// The length of `b` without a UTF-8 character the cap split (rather than a replacement character).
fn complete_prefix(b: &[u8]) -> usize {
    for back in 1..=b.len().min(4) {
        let i = b.len() - back;
        if b[i] & 0xC0 != 0x80 {
            let len = match b[i] {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            return if len > back { i } else { b.len() };
        }
    }
    b.len()
}

/// Runs `program args` in `cwd` (already checked to be in the workspace by the caller), confined.
/// Result: {"exit_code", "stdout", "stderr"} (plus "signal" when a signal ended it, "timed_out": true
/// when it was killed at the timeout, and "note" saying what happened), or Err(message for the model).
/// The timeout is lowered to MAX_TIMEOUT_S. At the timeout, after the main process exits and when this
/// future is dropped, the whole process group is killed, so no background child survives the call.
pub async fn run_confined(program: &str, args: &[&str], cwd: &Path, timeout: Duration, c: &Confinement) -> Result<Value, String> {
    let mut notes = Vec::new();
    let limit = timeout.min(Duration::from_secs(MAX_TIMEOUT_S));
    if limit < timeout {
        notes.push(format!("the timeout was lowered to {MAX_TIMEOUT_S} s, the most a command may run"));
    }
    let shown = std::iter::once(program).chain(args.iter().copied()).collect::<Vec<_>>().join(" ");

    let tmp = PrivateTmp::new()?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.env("TMPDIR", &tmp.0).env("TMP", &tmp.0).env("TEMP", &tmp.0);
    cmd.args(args).current_dir(cwd).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0).kill_on_drop(true);
    if c.landlock {
        if landlock_abi().is_none() {
            return Err(format!("cannot run `{shown}` confined: this kernel offers no Landlock"));
        }
        let mut ruleset = Some(c.ruleset(&tmp.0)?);
        // SAFETY: the closure only moves the prepared ruleset out and makes system calls.
        unsafe { cmd.pre_exec(move || enter_landlock(ruleset.take())) };
    }
    let spawned = cmd.spawn();
    // The parent's copies of the ruleset and path descriptors close here.
    drop(cmd);
    let mut child = spawned.map_err(|e| spawn_error(program, &e, c))?;
    let (stdout, stderr) = (child.stdout.take().expect("piped stdout"), child.stderr.take().expect("piped stderr"));
    let pgid = child.id().expect("a child just spawned has a pid") as libc::pid_t;
    let mut group = Group { child, pgid, reaped: false };

    let (stop_tx, stop_rx) = watch::channel(false);
    let control = async {
        let timed_out = tokio::time::timeout(limit, group.leader_exited()).await.is_err();
        // On the timeout everything; after a normal exit the children it left in the background.
        group.kill();
        let status = group.reap().await;
        // The pipes close once the group is gone; only an escaped process can keep them open.
        tokio::select! {
            _ = tokio::time::sleep(DRAIN_GRACE) => { let _ = stop_tx.send(true); }
            _ = stop_tx.closed() => {}
        }
        (timed_out, status)
    };
    let ((timed_out, status), out, err) = tokio::join!(control, read_capped(stdout, stop_rx.clone()), read_capped(stderr, stop_rx));
    let status = status.map_err(|e| format!("waiting for `{shown}`: {e}"))?;

    use std::os::unix::process::ExitStatusExt;
    let mut result = json!({"exit_code": status.code(), "stdout": text(&out), "stderr": text(&err)});
    if timed_out {
        result["timed_out"] = json!(true);
        notes.push(format!("`{shown}` did not finish within {} s: it and every process it started were killed", limit.as_secs_f64()));
    } else if let Some(sig) = status.signal() {
        result["signal"] = json!(sig);
    }
    if out.unfinished || err.unfinished {
        notes.push("a process that left the command's process group still held its output open; output after that was not read".into());
    }
    if !notes.is_empty() {
        result["note"] = json!(notes.join("; "));
    }
    Ok(result)
}

fn spawn_error(program: &str, e: &std::io::Error, c: &Confinement) -> String {
    match e.raw_os_error() {
        Some(libc::EACCES) if c.landlock => format!("cannot run {program}: {e} (a confined command runs only programs in the workspace and the system's folders)"),
        Some(libc::ENOSYS) if c.landlock => format!("cannot run {program}: Landlock could not be enforced on this kernel"),
        _ => format!("cannot run {program}: {e}"),
    }
}
