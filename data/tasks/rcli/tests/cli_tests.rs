use assert_cmd::Command;
use predicates::prelude::*;

fn rcli() -> Command {
    Command::cargo_bin("rcli").expect("binary builds")
}

#[test]
fn shows_help() {
    rcli()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Fetch, list and prune remote snapshots"));
}

#[test]
fn shows_version() {
    rcli().arg("--version").assert().success().stdout(predicate::str::contains("0.3.1"));
}

#[test]
fn fetch_requires_a_name() {
    rcli().arg("fetch").assert().failure().code(2);
}

#[test]
fn clean_dry_run_on_empty_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.json");
    std::fs::write(&cfg, format!(r#"{{"cache_dir": "{}"}}"#, dir.path().display())).unwrap();
    rcli()
        .args(["--config", cfg.to_str().unwrap(), "clean", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("would remove 0 snapshot(s)"));
}
