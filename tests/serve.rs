//! `fg serve` against the real `openai` Python client (tests/serve/test_openai.py, pytest from
//! .pydeps): two real servers on loopback, the shipped Delia model, every tool_choice, a tool result
//! round trip, parallel calls, streaming, errors, 429 and a client leaving mid-stream, and a load
//! test of 8 clients x 20 requests that reports throughput and p50/p95 latency.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `fg serve` and its URL; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str], cache: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fg")).args(["serve", "--port", "0", "--threads", "1"]).args(args).env("HOME", cache).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines.next().expect("fg serve ended before listening").unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let server = Server { child, url };
    let t = Instant::now();
    loop {
        let ok = Command::new("python3")
            .args(["-c", &format!("import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('{}/health').status == 200 else 1)", server.url)])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        if ok {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "{} never became healthy", server.url);
        std::thread::sleep(Duration::from_millis(200));
    }
    server
}

#[test]
fn the_openai_client_gets_calls_answers_streams_and_errors_from_fg_serve() {
    common::base_model();
    let pydeps = root().join(".pydeps");
    assert!(pydeps.join("openai").exists(), ".pydeps/openai is missing: run scripts/setup.sh");
    let home = common::tmp();
    let key = "fg-test-key";
    let main = start(&["--api-key", key], home.path());
    let small = start(&["--slots", "1", "--queue", "1", "--max-answer-tokens", "2000"], home.path());
    let out = Command::new("python3")
        .env("PYTHONPATH", &pydeps)
        .env("FG_URL", &main.url)
        .env("FG_URL_SMALL", &small.url)
        .env("FG_KEY", key)
        .env("FG_TOOLS", root().join("tools.openai.json"))
        .args(["-m", "pytest", "-q", "-s", "-p", "no:cacheprovider"])
        .arg(root().join("tests/serve/test_openai.py"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "pytest failed");
    assert!(stdout.contains("15 passed"), "not every test ran: {stdout}");
    assert!(stdout.contains("160 answered, 0 failed"), "the load test did not report: {stdout}");
}
