//! Plausible tool results and the short answers a model gives after reading them, for multi-turn
//! examples (call, tool response, final answer).

use super::gen::Gen;
use super::values::*;
use crate::format::Call;
use serde_json::{json, Value};

/// Tools whose results multi-turn examples show.
pub const TOOLS: &[&str] = &[
    "read_file",
    "list_directory",
    "search_code",
    "web_search",
    "web_news",
    "web_fetch",
    "health",
    "models",
    "queue_status",
    "shell_exec",
    "run_tests",
    "get_model_info_tool",
    "session_list",
    "melons",
];

fn arg<'a>(call: &'a Call, k: &str) -> Option<&'a str> {
    call.arguments.get(k).and_then(Value::as_str)
}

/// A result for `call` and the answer that reports it.
pub fn result_and_answer(call: &Call, g: &mut Gen) -> (Value, String) {
    match call.name.as_str() {
        "read_file" => {
            let path = arg(call, "path").unwrap_or("the file");
            let text = g.pick(SNIPPETS);
            let lines = text.lines().count();
            let first = text.lines().next().unwrap_or("");
            (json!(text), format!("{path} has {lines} line{}; it starts with `{first}`.", if lines == 1 { "" } else { "s" }))
        }
        "list_directory" => {
            let (a, b) = g.pick_two(PATHS);
            let names: Vec<&str> = [a, b, "utils/"].iter().map(|p| p.rsplit('/').next().unwrap_or(p)).collect();
            let where_ = arg(call, "path").map_or("The current directory".to_string(), |p| p.to_string());
            (json!(names.join("\n")), format!("{where_} contains {} entries: {}, {} and {}.", names.len(), names[0], names[1], names[2]))
        }
        "search_code" => {
            let pattern = arg(call, "pattern").unwrap_or("");
            let (a, b) = g.pick_two(PATHS);
            let (la, lb) = (g.int(1, 300), g.int(1, 300));
            let content = format!("{a}:{la}: ...{pattern}...\n{b}:{lb}: ...{pattern}...");
            (json!(content), format!("Found 2 matches for `{pattern}`: {a} line {la} and {b} line {lb}."))
        }
        "web_search" | "web_news" => {
            let query = arg(call, "query").unwrap_or("");
            let url = g.pick(URLS);
            let title = format!("{} — an overview", super::gen::capitalize(query));
            let results = json!([{"title": title, "url": url, "snippet": format!("Everything you need to know about {query}.")}]);
            (json!({"results": results}), format!("The top result is \"{title}\" ({url})."))
        }
        "web_fetch" => {
            let url = arg(call, "url").unwrap_or("");
            (json!("Welcome. This page documents the API: authentication, endpoints and rate limits."), format!("{url} documents the API: authentication, endpoints and rate limits."))
        }
        "health" => {
            let (a, b) = g.pick_two(BACKEND_IDS);
            let down = g.chance(0.4);
            let content = json!({"status": if down { "degraded" } else { "healthy" }, "backends": [{"id": a, "healthy": true}, {"id": b, "healthy": !down}]});
            let answer = if down { format!("Delia is degraded: {a} is up but {b} is down.") } else { format!("Delia is healthy: both backends ({a} and {b}) are up.") };
            (content, answer)
        }
        "models" => {
            let (a, b) = g.pick_two(MODEL_NAMES);
            (
                json!({"models": [{"name": a, "tier": "quick", "loaded": true}, {"name": b, "tier": "coder", "loaded": false}]}),
                format!("Two models are configured: {a} (quick tier, loaded) and {b} (coder tier, not loaded)."),
            )
        }
        "queue_status" => {
            let n = g.int(0, 9);
            let m = g.pick(MODEL_NAMES);
            (json!({"queued": n, "loaded_models": [m], "gpu_memory_used_gb": 11.5}), format!("{n} request{} queued; {m} is loaded, using 11.5 GB of GPU memory.", if n == 1 { " is" } else { "s are" }))
        }
        "shell_exec" => {
            let cmd = arg(call, "command").unwrap_or("");
            (json!({"exit_code": 0, "stdout": "done\n", "stderr": ""}), format!("`{cmd}` finished successfully (exit code 0) and printed \"done\"."))
        }
        "run_tests" => {
            let passed = g.int(3, 120);
            let failed = g.int(0, 2);
            let failures: Vec<String> = (0..failed).map(|i| format!("test_case_{}", i + 1)).collect();
            let answer = if failed == 0 { format!("All {passed} tests passed.") } else { format!("{passed} tests passed and {failed} failed: {}.", failures.join(", ")) };
            (json!({"passed": passed, "failed": failed, "failures": failures}), answer)
        }
        "get_model_info_tool" => {
            let name = arg(call, "model_name").unwrap_or("");
            let vram = g.int(4, 48);
            (
                json!({"name": name, "vram_gb": vram, "context_window": 32768, "tier": "coder"}),
                format!("{name} needs about {vram} GB of VRAM, has a 32768-token context window and sits in the coder tier."),
            )
        }
        "session_list" => {
            let n = g.int(0, 4);
            let ids: Vec<String> = (0..n).map(|i| format!("sess_{:04x}", 0x1a2b + i * 17)).collect();
            let answer = if n == 0 {
                "There are no active sessions.".to_string()
            } else {
                format!("There {} {n} active session{}: {}.", if n == 1 { "is" } else { "are" }, if n == 1 { "" } else { "s" }, ids.join(", "))
            };
            (json!({"sessions": ids}), answer)
        }
        "melons" => {
            let (a, b) = g.pick_two(MODEL_NAMES);
            (json!({"leaderboard": [{"model": a, "melons": 42}, {"model": b, "melons": 17}]}), format!("{a} leads with 42 melons, ahead of {b} with 17."))
        }
        other => (json!("ok"), format!("{other} finished.")),
    }
}
