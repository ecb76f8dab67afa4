//! Pools of realistic argument values. Each pool is split by index: every fourth value belongs to
//! the eval split only, so eval requests use values training never saw.

pub const PATHS: &[&str] = &[
    "src/main.rs",
    "README.md",
    "tests/test_api.py",
    "src/utils/helpers.ts",
    "config/settings.yaml",
    "delia/orchestrator.py",
    "Cargo.toml",
    "package.json",
    "src/lib.rs",
    "app/models/user.py",
    "docs/architecture.md",
    "scripts/deploy.sh",
    "src/components/Button.tsx",
    "pyproject.toml",
    "Makefile",
    "internal/server/handler.go",
    "src/parser/lexer.c",
    "include/vector.hpp",
    "db/migrations/001_init.sql",
    ".github/workflows/ci.yml",
    "src/backend/routing.py",
    "tests/integration/test_sessions.py",
    "web/index.html",
    "styles/main.css",
    "src/api/client.js",
    "lib/cache.rb",
    "src/Main.java",
    "src/Program.cs",
    "settings.json",
    "delia/backends/ollama.py",
    "src/net/http.rs",
    "benchmarks/run.py",
    "tools/gen_docs.py",
    "CHANGELOG.md",
    "src/db/pool.go",
    "frontend/src/App.vue",
    "server/routes/auth.ts",
    "data/sample.csv",
    "notebooks/analysis.ipynb",
    "Dockerfile",
    "src/queue/worker.py",
    "tests/unit/test_queue.py",
    "src/config.rs",
    "docs/api/endpoints.md",
    "kernel/sched.c",
    "src/models/tier.py",
    "mobile/App.kt",
    "src/templates/base.html",
    "src/errors.rs",
    "requirements.txt",
];

pub const DIRS: &[&str] = &[
    "src",
    "tests",
    "docs",
    "src/components",
    "delia/backends",
    "scripts",
    "config",
    "app/models",
    "lib",
    "internal",
    "frontend/src",
    "server/routes",
    "tests/integration",
    "benchmarks",
    "migrations",
    "examples",
    "crates/core/src",
    "packages/ui",
    "tools",
    "notebooks",
];

pub const GLOBS: &[&str] = &["*.py", "*.rs", "*.ts", "*.md", "test_*.py", "*.json", "*.go", "*.tsx", "*.yaml", "*.c", "*.toml", "*.sh", "*.java", "*.vue", "*_test.go", "*.spec.ts"];

pub const REGEXES: &[&str] = &[
    "TODO",
    "def \\w+\\(",
    "class [A-Z]\\w*",
    "fn main",
    "import requests",
    "async def",
    "FIXME|XXX",
    "pub struct \\w+",
    "console\\.log",
    "SELECT .* FROM",
    "raise ValueError",
    "unwrap\\(\\)",
    "@app\\.route",
    "useState",
    "panic!",
    "session_id",
    "func \\(s \\*Server\\)",
    "#include <",
    "api_key",
    "deprecated",
];

pub const URLS: &[&str] = &[
    "https://docs.python.org/3/library/asyncio.html",
    "https://doc.rust-lang.org/book/ch16-00-concurrency.html",
    "https://developer.mozilla.org/en-US/docs/Web/API/Fetch_API",
    "https://api.github.com/repos/rust-lang/rust",
    "https://pypi.org/project/fastmcp/",
    "http://localhost:8000/health",
    "https://example.com/changelog",
    "https://modelcontextprotocol.io/specification",
    "https://go.dev/doc/effective_go",
    "https://www.postgresql.org/docs/current/indexes.html",
    "https://huggingface.co/google/functiongemma-270m-it",
    "https://kubernetes.io/docs/concepts/overview/",
    "https://news.ycombinator.com",
    "http://127.0.0.1:11434/api/tags",
    "https://docs.docker.com/compose/",
    "https://react.dev/reference/react/useEffect",
];

pub const QUERIES: &[&str] = &[
    "rust async trait objects",
    "python asyncio gather timeout",
    "how to rebase a git branch",
    "postgres index on jsonb column",
    "fastapi dependency injection example",
    "typescript discriminated unions",
    "docker compose healthcheck syntax",
    "llama.cpp grammar sampling",
    "kubernetes readiness probe vs liveness probe",
    "sqlite WAL mode",
    "go context cancellation patterns",
    "best practices for REST pagination",
    "react useEffect cleanup",
    "numpy broadcasting rules",
    "bash trap EXIT",
    "mcp protocol specification",
    "ollama api list models",
    "cmake find_package example",
    "pytest fixtures scope",
    "redis sorted set leaderboard",
];

pub const NEWS_QUERIES: &[&str] = &[
    "AI regulation in the EU",
    "Nvidia earnings",
    "open source LLM releases",
    "Python 3.14 release",
    "Rust foundation",
    "GPU shortage",
    "OpenAI",
    "cybersecurity breach",
    "semiconductor export controls",
    "Linux kernel",
    "quantum computing",
    "GitHub outage",
    "climate tech funding",
    "Apple WWDC",
    "local AI models",
    "data center energy use",
];

pub const COMMANDS: &[&str] = &[
    "ls -la",
    "git status",
    "cargo build --release",
    "npm install",
    "df -h",
    "python -m pip list",
    "make test",
    "git log --oneline -5",
    "docker ps",
    "pytest -x",
    "go vet ./...",
    "du -sh node_modules",
    "uname -a",
    "git diff --stat",
    "npm run lint",
    "free -m",
    "ps aux | grep python",
    "cat /etc/os-release",
    "wc -l src/*.py",
    "ruff check .",
];

pub const TEST_PATTERNS: &[&str] = &["test_auth*", "test_login", "test_session*", "*routing*", "test_parse", "integration", "test_cache_*", "TestServer"];

pub const CLIENT_IDS: &[&str] = &["vscode", "cli", "webapp", "claude-desktop", "cursor", "jetbrains", "ci-bot", "slack"];

pub const MODEL_NAMES: &[&str] = &[
    "qwen2.5:14b",
    "llama3.1:70b",
    "deepseek-coder-v2:16b",
    "qwen2.5-coder:7b",
    "mistral:7b",
    "llama3.2:3b",
    "phi3:mini",
    "gemma2:27b",
    "codestral:22b",
    "qwen3:30b-a3b",
    "deepseek-r1:14b",
    "granite3.1-dense:8b",
];

pub const BACKEND_IDS: &[&str] = &["ollama-local", "llamacpp-gpu1", "vllm-remote", "lmstudio", "ollama-gpu2", "openrouter", "tgi-cluster", "llamacpp-cpu"];

pub const SERVER_IDS: &[&str] = &["serena", "github", "filesystem", "postgres", "playwright", "memory", "sentry", "linear"];

pub const TASK_CONTENTS: &[&str] = &[
    "def add(a, b):\n    return a - b",
    "the retry logic in the HTTP client",
    "the release notes for version 2.3",
    "a function that parses ISO 8601 dates",
    "the database schema for the sessions table",
    "this error: KeyError: 'backend_id' in routing.py line 88",
    "a plan to migrate the queue from Redis to Postgres",
    "the pull request that adds streaming responses",
    "a bash script that rotates log files",
    "SELECT * FROM orders WHERE status = 'open'",
    "the design of the model tier selection",
    "the following log output: connection reset by peer (x42)",
    "a Rust function that merges two sorted vectors",
    "unit tests for the session manager",
    "the README introduction",
    "class Cache:\n    def get(self, k): return self.d[k]",
];

pub const PROBLEMS: &[&str] = &[
    "why our cache invalidation causes stale reads under load",
    "how to shard the job queue without losing ordering guarantees",
    "whether we should move from REST to gRPC for the backend API",
    "the trade-offs of optimistic versus pessimistic locking for sessions",
    "how to design rate limiting across several GPU backends",
    "why the memory usage grows steadily during long agent runs",
    "the best way to version our tool schemas",
    "how to make model routing fair when one backend is much faster",
    "a strategy to test concurrency bugs in the orchestrator",
    "whether to cache embeddings on disk or in Redis",
    "how to roll back a failed database migration safely",
    "the root cause of intermittent timeouts in CI",
];

pub const QUESTIONS: &[&str] = &[
    "Which Python version should the project target?",
    "Should I overwrite the existing config file?",
    "Do you want the tests run against staging or production?",
    "What should the new module be called?",
    "Is it okay to delete the old migration files?",
    "Which branch should I base the fix on?",
    "Do you prefer tabs or spaces for this repository?",
    "Should the API return 404 or 410 for deleted sessions?",
];

pub const CONTEXTS: &[&str] = &[
    "I'm refactoring the auth module.",
    "We have a release tomorrow.",
    "I'm new to this codebase.",
    "The CI has been red since this morning.",
    "I'm working on the backend routing.",
    "A user reported a bug in production.",
    "I'm preparing a code review.",
    "We are migrating to Python 3.12.",
    "I just cloned the repo.",
    "I'm on call this week.",
    "The team asked me to look into performance.",
    "I'm writing the docs for the next version.",
];

/// Train-only context sentences; some name a folder or a tool (docs, tests, CI, the terminal) that the
/// request after them does not ask for, so that training shows context staying out of the arguments.
pub const CONTEXTS_TRAIN: &[&str] = &[
    "I'm updating the docs this week.",
    "The tests have been flaky all day.",
    "The CI pipeline keeps timing out.",
    "I'm cleaning up the scripts folder later.",
    "My terminal session keeps dying.",
    "We just upgraded a lib in the backend.",
    "The src tree got reorganised last month.",
    "I'm reviewing a PR from a colleague.",
    "Our staging server is down.",
    "I'm pairing with a new teammate today.",
    "The build broke after the merge.",
    "I have a demo in an hour.",
];

pub const SNIPPETS: &[&str] = &[
    "print('hello world')\n",
    "fn main() {\n    println!(\"hello\");\n}\n",
    "# Project\n\nA short description.\n",
    "export const API_URL = 'http://localhost:8000';\n",
    "{\n  \"debug\": true,\n  \"port\": 8080\n}\n",
    "import logging\nlogger = logging.getLogger(__name__)\n",
    "SELECT id, name FROM users;\n",
    "#!/bin/sh\necho done\n",
    "package main\n\nfunc main() {}\n",
    "timeout: 30\nretries: 3\n",
    "def test_ok():\n    assert True\n",
    "node_modules/\n.env\n",
];

pub const SEARCH_REPLACE: &[(&str, &str)] = &[
    ("localhost", "127.0.0.1"),
    ("DEBUG = True", "DEBUG = False"),
    ("timeout=30", "timeout=60"),
    ("v1/api", "v2/api"),
    ("print(", "logger.info("),
    ("TODO: fix", "FIXED:"),
    ("max_retries: 3", "max_retries: 5"),
    ("http://", "https://"),
    ("foo", "bar"),
    ("old_name", "new_name"),
    ("2023", "2024"),
    ("assert x == 1", "assert x == 2"),
];

pub const SYMBOLS: &[&str] = &["Router,select_backend", "SessionManager", "Cache/get", "parse_request", "Orchestrator.run", "QueueWorker,Job"];

pub const MEMORIES: &[&str] = &["architecture,decisions", "conventions", "api_design", "testing_strategy", "roadmap", "deployment"];

pub const SYSTEM_PROMPTS: &[&str] = &[
    "You are a careful senior engineer.",
    "Answer briefly.",
    "Only read files, never modify them.",
    "Focus on security issues.",
    "Explain your reasoning step by step.",
    "Prefer standard library solutions.",
];

pub const METADATA_JSON: &[&str] = &[r#"{"project": "delia"}"#, r#"{"user": "alice", "purpose": "review"}"#, r#"{"ticket": "BUG-142"}"#, r#"{"team": "infra"}"#];

// Train-only values, drawn with `Gen::pick_plus` beside the train part of the pool above them.
// The eval split holds out every fourth value of each pool; where a held-out value has a shape that
// no training value had (a dotfile, an id with a word prefix, a command ending in " .", quoted text
// ending in punctuation, a line starting with a dot, a workflow name that is one word in a
// sentence), the model saw that shape first in eval and copied it wrong. These add training values
// of such shapes, written for realism, none of them an eval value. For closed sets (a schema's
// enum), the extra values are the held-out members themselves: the declarations list them, and a
// model must have produced every member of an enum to be trusted with it.

pub const PATHS_TRAIN: &[&str] = &[
    ".gitignore",
    ".env.example",
    ".vscode/settings.json",
    ".cargo/config.toml",
    ".gitlab-ci.yml",
    ".eslintrc.json",
    ".pre-commit-config.yaml",
    ".devcontainer/devcontainer.json",
    ".github/dependabot.yml",
    "config/.secrets.toml",
    "lib/my_module/__init__.py",
    "tests/fixtures/data-2024.json",
    "src/app/(auth)/page.tsx",
    "docs/README.ko.md",
];

pub const DIRS_TRAIN: &[&str] = &[".github/workflows", ".vscode", ".config", "src/.generated", "packages/api-client", "services/auth-service"];

pub const SESSION_PREFIXES_TRAIN: &[&str] = &["sess-", "conv-", "chat-", "session_", "thread-", "ctx_", "delia-", "run-"];

pub const COMMANDS_TRAIN: &[&str] = &[
    "ruff format .",
    "black --check .",
    "eslint .",
    "mypy .",
    "git add .",
    "prettier --write .",
    "grep -rn TODO .",
    "find . -name '*.rs'",
    "pip install -e .",
    "docker build -t app .",
    "cargo clippy -- -D warnings",
    "go test ./...",
];

pub const SNIPPETS_TRAIN: &[&str] = &[
    ".DS_Store\n*.log\n",
    "target/\n.idea/\n",
    "__pycache__/\n.venv/\n*.pyc\n",
    "dist/\n.cache/\n",
    "FROM python:3.12-slim\nCOPY . /app\n",
    "const ids = rows\n  .map(r => r.id)\n  .filter(Boolean);\n",
    "[tool.ruff]\nline-length = 100\n",
    "from . import views\n",
    "coverage/\n.pytest_cache/\n",
    "build/\n.vscode/\n.coverage\n",
    "vendor/\n.terraform/\n",
    "logs/\n.mypy_cache/\n",
    "*.swp\n.envrc\n",
    "tmp/\n.next/\n",
    "out/\n.gradle/\n",
    ".tox/\n.nox/\n",
];

pub const SEARCH_REPLACE_TRAIN: &[(&str, &str)] = &[
    ("ftp://", "sftp://"),
    ("ws://", "wss://"),
    ("print(x)", "log(x)"),
    ("foo()", "bar()"),
    ("v1/", "v2/"),
    ("x[0]", "x[1]"),
    ("TODO:", "NOTE:"),
    ("==", "!="),
    ("->", "=>"),
    ("return None", "return []"),
    ("0.0.0.0:", "127.0.0.1:"),
    ("/api/", "/v2/api/"),
];

/// Workflow names, most of them words that are one token after a space (" rollout") but split
/// without it ("roll", "out"), as they are inside JSON: what the held-out "triage" is.
pub const WORKFLOW_NAMES_TRAIN: &[&str] = &[
    "rollout",
    "canary",
    "rebuild",
    "hygiene",
    "upkeep",
    "vetting",
    "intake",
    "escalation",
    "prune",
    "quarantine",
    "remediation",
    "hotfix",
    "deploy",
    "security-scan",
    "weekly",
    "bootstrap",
    "cleanup",
    "audit",
    "backfill",
    "onboarding",
    "migration",
    "rollback",
    "smoke",
    "preflight",
    "postmortem",
    "benchmark",
    "refactor",
    "sweep",
    "signoff",
    "staging",
    "handover",
    "teardown",
    "dependency-bump",
    "incident",
    "retro",
    "bisect",
    "verify",
    "harden",
    "archive",
    "sanity",
    "changelog",
];

pub const TEST_PATTERNS_TRAIN: &[&str] = &["*cache*", "*auth*", "Test*", "TestRouter", "TestClient", "*_integration", "test_*_slow", "*parse*"];

pub const QUERIES_TRAIN: &[&str] = &[
    "retry with exponential backoff in go",
    "index on expression in postgres",
    "tokio select on multiple channels",
    "css grid vs flexbox for layouts",
    "jwt refresh tokens for mobile apps",
    "rate limiting with redis",
    "python type hints for decorators",
    "git bisect on a merge commit",
    "unique index on two columns in mysql",
    "logging in rust with tracing",
    "docker volume permissions on linux",
    "kafka consumer groups in python",
];

pub const PROBLEMS_TRAIN: &[&str] = &[
    "how to cache model responses for repeated prompts",
    "why the test suite is slow on CI runners",
    "the pros and cons of a monorepo for our services",
    "how to migrate sessions to the new schema in production",
    "whether to batch requests to the GPU backends",
    "a fair retry budget for flaky backends",
    "how to split traffic when one region is much slower",
    "whether retries help when a backend returns 503",
    "what goes wrong when two workers share one session",
    "how to size the queue when bursts are ten times the average",
];

pub const REGEXES_TRAIN: &[&str] = &["expect\\(\\)", "clone\\(\\)", "print\\(\\)", "\\.await\\?", "len\\(\\w+\\)", "TODO\\(\\w+\\)", "^import ", "self\\.\\w+\\(\\)"];

pub const QUESTIONS_TRAIN: &[&str] = &[
    "Should I squash the commits before merging?",
    "Which database should the tests use?",
    "Can I restart the staging server now?",
    "What timeout do you want for the new endpoint?",
    "Is the v1 API still used by any client?",
    "Should the cache be cleared on deploy?",
];

pub const METADATA_JSON_TRAIN: &[&str] = &[r#"{"env": "staging"}"#, r#"{"repo": "delia", "branch": "main"}"#, r#"{"priority": "high"}"#, r#"{"owner": "bob"}"#];

pub const MODEL_NAMES_TRAIN: &[&str] = &["llama3.3:70b", "mixtral:8x7b", "starcoder2:15b", "command-r:35b", "phi4:14b", "yi-coder:9b"];

pub const CLIENT_IDS_TRAIN: &[&str] = &["neovim", "zed", "emacs", "raycast", "discord-bot", "teams"];

pub const BACKEND_IDS_TRAIN: &[&str] = &["ollama-remote", "vllm-gpu0", "llamacpp-laptop", "koboldcpp", "groq-api"];

pub const SERVER_IDS_TRAIN: &[&str] = &["slack", "notion", "jira", "brave-search", "puppeteer", "fetch"];

pub const SYMBOLS_TRAIN: &[&str] = &["UserService.create", "auth::verify_token", "Config,load_config", "handle_request"];

/// The held-out members of `LANGUAGES` (delegate's `language` enum).
pub const LANGUAGES_HELD_OUT: &[&str] = &["java", "go", "bash"];

/// The tiers of switch_model's `tier` enum, and the one the eval split holds out.
pub const TIERS: &[&str] = &["quick", "coder", "moe", "thinking"];
pub const TIERS_HELD_OUT: &[&str] = &["thinking"];
