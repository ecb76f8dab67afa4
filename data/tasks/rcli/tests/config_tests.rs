use std::fs;

use tempfile::tempdir;

#[test]
fn example_config_is_valid_json() {
    let text = fs::read_to_string("config.example.json").unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["timeout_secs"], 45);
    assert_eq!(value["max_parallel"], 8);
}

#[test]
fn bad_config_exits_with_2() {
    let dir = tempdir().unwrap();
    let cfg = dir.path().join("config.json");
    fs::write(&cfg, "{ not json").unwrap();
    assert_cmd::Command::cargo_bin("rcli")
        .unwrap()
        .args(["--config", cfg.to_str().unwrap(), "list"])
        .assert()
        .code(2);
}

#[test]
fn zero_parallel_is_rejected() {
    let dir = tempdir().unwrap();
    let cfg = dir.path().join("config.json");
    fs::write(&cfg, r#"{"max_parallel": 0}"#).unwrap();
    assert_cmd::Command::cargo_bin("rcli")
        .unwrap()
        .args(["--config", cfg.to_str().unwrap(), "list"])
        .assert()
        .code(2);
}
