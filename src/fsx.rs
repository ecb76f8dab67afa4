//! Output files that appear whole or not at all, and cannot be redirected: each is written to a
//! temporary file in the target's folder, synced, then renamed into place.
//!
//! The temporary file (`.NAME.fg-partial-PID-RANDOM`) is created with O_CREAT|O_EXCL|O_NOFOLLOW
//! under a random name, so a link planted at a guessable name is never followed (the old
//! `.NAME.fg-partial-PID` could be guessed: PIDs are few). Files in progress are listed
//! process-wide and removed on SIGINT, SIGTERM or SIGHUP; those of killed runs (SIGKILL cannot be
//! caught) are removed by the next write of the same file, once their process is gone.

use anyhow::{bail, Context, Result};
use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

/// Between the target's name and the PID in a temporary name.
const MARK: &str = ".fg-partial-";

/// Temporary files of this process not yet renamed into place (absolute paths). The lock is held
/// while one is created, renamed or removed, and by the signal thread until the process exits, so
/// an interrupt never misses a file that exists, nor removes one already renamed into place.
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_progress() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic elsewhere while holding the lock leaves the list intact: keep using it.
    IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temporary file being written for `target`; removed when dropped unless `persist`ed.
pub struct TempFile {
    path: PathBuf,
    target: PathBuf,
    file: File,
    persisted: bool,
}

impl TempFile {
    /// Creates the temporary file for `target` in `target`'s folder (which must exist), after
    /// removing the temporary files of `target` that dead processes left there.
    pub fn create(target: &Path) -> Result<TempFile> {
        let name = target.file_name().with_context(|| format!("{} is not a file path", target.display()))?;
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // Absolute, so that the signal thread removes the right file whatever the working folder.
        let dir = std::path::absolute(dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
        remove_stale(&dir, name);
        install_signal_cleanup();
        let mut list = in_progress();
        for _ in 0..4 {
            let path = dir.join(temp_name(name));
            let opened = OpenOptions::new().write(true).create_new(true).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(&path);
            match opened {
                Ok(file) => {
                    list.push(path.clone());
                    return Ok(TempFile { path, target: dir.join(name), file, persisted: false });
                }
                // Something is already there (planted, or a 1-in-2^64 collision): take another name.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).with_context(|| format!("cannot create {} (is {} writable?)", path.display(), dir.display())),
            }
        }
        bail!("cannot create a temporary file for {} in {}: every random name was taken", target.display(), dir.display())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&self) -> &File {
        &self.file
    }

    /// Syncs the file and renames it over the target (a link at the target is replaced, never
    /// followed), then syncs the folder so that the rename itself is durable.
    pub fn persist(mut self) -> Result<()> {
        self.file.sync_all().with_context(|| format!("cannot sync {}", self.path.display()))?;
        {
            let mut list = in_progress();
            std::fs::rename(&self.path, &self.target).with_context(|| format!("cannot rename {} to {}", self.path.display(), self.target.display()))?;
            list.retain(|p| *p != self.path);
            self.persisted = true;
        }
        if let Some(dir) = self.target.parent() {
            // Failure here does not undo a completed write.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let mut list = in_progress();
            let _ = std::fs::remove_file(&self.path);
            list.retain(|p| *p != self.path);
        }
    }
}

/// `.NAME.fg-partial-PID-RANDOM`, with 64 random bits.
fn temp_name(name: &OsStr) -> std::ffi::OsString {
    let mut s = std::ffi::OsString::from(".");
    s.push(name);
    s.push(format!("{MARK}{}-{:016x}", std::process::id(), random_u64()));
    s
}

/// 64 bits from the kernel's random source (getrandom(2), or /dev/urandom where it is missing).
pub fn random_u64() -> u64 {
    let mut buf = [0u8; 8];
    // SAFETY: the buffer is valid for 8 bytes; getrandom writes at most that many.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n != buf.len() as isize {
        use std::io::Read;
        let read = File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf));
        if read.is_err() {
            // No kernel randomness at all: std's per-process hash keys and the time still defeat
            // a name planted in advance.
            use std::hash::BuildHasher;
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
            buf = std::collections::hash_map::RandomState::new().hash_one(t).to_le_bytes();
        }
    }
    u64::from_le_bytes(buf)
}

/// A fresh temporary name for `path` (random, not created) for writers that can only be given a
/// path (llama.cpp's state files). Prefer `TempFile`, which creates the file without following
/// links and removes it on interrupt.
pub fn partial_path(path: &Path) -> PathBuf {
    path.with_file_name(temp_name(path.file_name().unwrap_or_default()))
}

/// Removes what killed runs left while writing `dir/name`: regular files named
/// `.NAME.fg-partial-PID` (the old form) or `.NAME.fg-partial-PID-HEX` whose process no longer
/// exists. Links and every other name are left alone; nothing is followed.
pub fn remove_stale(dir: &Path, name: &OsStr) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let prefix = [b".", name.as_bytes(), MARK.as_bytes()].concat();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.as_bytes().strip_prefix(prefix.as_slice()).and_then(stale_pid) else { continue };
        // DirEntry::file_type does not follow links.
        if entry.file_type().is_ok_and(|t| t.is_file()) && !process_exists(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The PID in `PID` or `PID-HEX` (the part of a temporary name after the mark).
fn stale_pid(rest: &[u8]) -> Option<i32> {
    let (pid, random) = match rest.iter().position(|&b| b == b'-') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    if let Some(r) = random {
        if r.is_empty() || !r.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
            return None;
        }
    }
    if pid.is_empty() || !pid.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // PID 0 and negative PIDs name process groups in kill(2): never treat them as a process.
    std::str::from_utf8(pid).ok()?.parse::<i32>().ok().filter(|&p| p > 0)
}

/// Whether a process with this PID exists (EPERM: it does, it belongs to someone else).
fn process_exists(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Installs, once, the SIGINT/SIGTERM/SIGHUP handling that removes the files in progress and
/// exits with 128 + the signal's number (130, 143, 129).
fn install_signal_cleanup() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        // The handler itself only writes to a pipe (async-signal-safe); this thread does the rest.
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
        let spawned = std::thread::Builder::new().name("fg-signals".into()).spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until the process ends: no temporary file is created or renamed after this.
                let list = in_progress();
                for p in list.iter() {
                    let _ = std::fs::remove_file(p);
                }
                if !list.is_empty() {
                    eprintln!("\ninterrupted: removed {} unfinished file(s)", list.len());
                }
                // _exit: other threads are still running, and exit handlers (libtorch's,
                // llama.cpp's) must not run under them.
                // SAFETY: ends the process; nothing after this runs.
                unsafe { libc::_exit(128 + signal) };
            }
        });
        if spawned.is_err() {
            eprintln!("warning: cannot watch for interrupts; an interrupted write may leave a .fg-partial file");
        }
    });
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes).map_err(Into::into))
}

/// Writes through `fill` into a temporary file, then renames it to `path` (creating its folder).
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&mut std::io::BufWriter<File>) -> Result<()>) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = TempFile::create(path)?;
    let mut w = std::io::BufWriter::new(tmp.file().try_clone().with_context(|| format!("cannot write {}", tmp.path().display()))?);
    fill(&mut w)?;
    w.into_inner().map_err(|e| e.into_error()).with_context(|| format!("cannot write {}", tmp.path().display()))?;
    tmp.persist()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_names_are_parsed_strictly() {
        assert_eq!(stale_pid(b"1234"), Some(1234));
        assert_eq!(stale_pid(b"1234-00ff00ff00ff00ff"), Some(1234));
        for bad in [&b""[..], b"0", b"-1", b"12a", b"1234-", b"1234-XYZ", b"1234-00ff.bak", b"99999999999"] {
            assert_eq!(stale_pid(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn temp_names_differ_and_carry_the_pid() {
        let a = temp_name(OsStr::new("out.gguf"));
        let b = temp_name(OsStr::new("out.gguf"));
        assert_ne!(a, b);
        let a = a.to_string_lossy();
        assert!(a.starts_with(&format!(".out.gguf.fg-partial-{}-", std::process::id())), "{a}");
        assert_eq!(stale_pid(a.as_bytes().strip_prefix(b".out.gguf.fg-partial-").unwrap()), Some(std::process::id() as i32));
    }
}
