//! Grounded multi-turn examples (train only): a question, the call (or the two calls) that answer
//! it, the tools' real results, and an answer that states only what those results show.
//!
//! File questions run on workspaces generated on disk (projects in Python, TypeScript, Rust or
//! Go: folders of every size, empty ones, config files in five formats, source files with
//! definitions, TODOs and imports, tests, a package manifest, Dockerfiles and Makefiles) through
//! the agent's own sandbox, so the model learns from the exact text `fg agent` will show it: the
//! counts on a listing's first line, `path:line:` matches, the errors of missing files and the
//! entries they name ("did you mean …?"), which a second call then reads. Delia questions get results of the shapes the real server
//! returns (its health JSON, Markdown answers with a metadata footer, plain-text and JSON errors).
//! Every answer is checked by `eval::answers::unsupported` before it is kept: no number or name
//! in it may be absent from the result and the request.

use super::gen::Gen;
use crate::agent::builtin::Sandbox;
use crate::agent::consent::Confirm;
use crate::format::{Call, Message};
use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The file tools whose results grounded examples show (the synthesised multi-turn examples of
/// train leave them out).
pub const FILE_TOOLS: &[&str] = &["read_file", "list_directory", "search_code"];

/// One grounded example: its question kind (for the source tag) and the conversation.
pub struct Grounded {
    pub kind: &'static str,
    pub messages: Vec<Message>,
}

fn one<T: Copy>(g: &mut Gen, pool: &[T]) -> T {
    pool[g.rng.below(pool.len())]
}

fn call(name: &str, arguments: Value) -> Call {
    Call { name: name.into(), arguments: arguments.as_object().cloned().unwrap_or_default() }
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A place at the start of a sentence: "This folder", but a folder's name as it is.
fn sentence_start(place: &str) -> String {
    if place == "this folder" {
        "This folder".into()
    } else {
        place.into()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Python,
    TypeScript,
    Rust,
    Go,
}

impl Lang {
    fn ext(self) -> &'static str {
        match self {
            Lang::Python => "py",
            Lang::TypeScript => "ts",
            Lang::Rust => "rs",
            Lang::Go => "go",
        }
    }
}

/// A function written into a source file: where, and what it returns.
struct Func {
    name: String,
    file: String,
    line: usize,
    returns: String,
    /// The return type its signature declares (None for a Python function without annotation).
    declared: Option<String>,
}

/// A setting written into a config file.
struct Setting {
    file: String,
    key: &'static str,
    value: String,
    /// How people name it in a question.
    said: &'static str,
}

/// A generated project on disk, with what was put into it.
struct Workspace {
    root: PathBuf,
    /// Folders (relative, "." for the root) and their direct entries as a listing shows them.
    folders: Vec<(String, Vec<String>)>,
    funcs: Vec<Func>,
    settings: Vec<Setting>,
    /// (file, line, text) of each TODO/FIXME comment.
    todos: Vec<(String, usize, String)>,
    /// Constants: (name, file, line, value).
    consts: Vec<(String, String, usize, String)>,
    /// (module, files importing it).
    imports: Vec<(String, Vec<String>)>,
    /// Files and their line counts.
    files: Vec<(String, usize)>,
    lang: Lang,
    /// The package manifest (pyproject.toml, package.json, Cargo.toml or go.mod).
    manifest: Manifest,
    /// Test files and how many tests each holds.
    tests: Vec<(String, usize)>,
    /// The Dockerfile's base image, when there is a Dockerfile.
    base_image: Option<String>,
    /// The Makefile's targets and their commands, when there is a Makefile.
    make_targets: Vec<(&'static str, &'static str)>,
}

/// What a package manifest declares.
struct Manifest {
    path: &'static str,
    version: String,
    /// (dependency, version as written): the runtime ones, then the development ones.
    deps: Vec<(&'static str, String)>,
    /// How many of `deps` are runtime dependencies.
    n_runtime: usize,
    /// npm scripts: (name, command).
    scripts: Vec<(&'static str, &'static str)>,
    /// The toolchain it asks for, as the manifest writes it: Python's `>=3.11`, the Rust edition,
    /// the go directive, node's engine.
    toolchain: Option<String>,
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

const MODULES: &[&str] = &[
    "auth",
    "db",
    "models",
    "routes",
    "utils",
    "cache",
    "config",
    "api",
    "billing",
    "users",
    "orders",
    "search",
    "tasks",
    "metrics",
    "mailer",
    "storage",
    "session",
    "queue",
    "payments",
    "reports",
    "invoices",
    "scheduler",
    "webhooks",
    "parser",
    "client",
    "server",
    "handlers",
    "middleware",
    "limits",
    "exports",
    "inventory",
    "notify",
];
const FUNC_VERBS: &[&str] = &["load", "parse", "get", "build", "compute", "format", "validate", "normalize", "count", "find", "create", "resolve", "fetch", "render", "check"];
const FUNC_NOUNS: &[&str] = &["config", "header", "user", "total", "price", "token", "url", "email", "items", "order", "session", "invoice", "retry_delay", "page", "limit", "score", "path", "report"];
const IMPORTS: &[(Lang, &[&str])] = &[
    (Lang::Python, &["requests", "json", "os", "logging", "sqlalchemy", "redis", "yaml", "datetime", "pathlib", "httpx", "pydantic", "click"]),
    (Lang::TypeScript, &["express", "zod", "axios", "lodash", "dayjs", "uuid", "pino", "react"]),
    (Lang::Rust, &["serde", "anyhow", "tokio", "clap", "regex", "reqwest", "tracing", "thiserror"]),
    (Lang::Go, &["fmt", "net/http", "encoding/json", "os", "time", "strings", "context", "errors"]),
];
/// Return expressions and the type a signature declares for them, per language.
const RETURNS: &[(Lang, &[(&str, &str)])] = &[
    (
        Lang::Python,
        &[
            ("total * 1.2", "float"),
            ("None", "None"),
            ("len(items)", "int"),
            ("user.role == \"admin\"", "bool"),
            ("{\"status\": \"ok\"}", "dict[str, str]"),
            ("min(2 ** attempt, 30)", "int"),
            ("f\"{base}/{path}\"", "str"),
            ("sorted(names)", "list[str]"),
            ("value.strip().lower()", "str"),
            ("True", "bool"),
            ("count + 1", "int"),
            ("[]", "list[str]"),
            ("self.cache[key]", "Any"),
            ("round(amount, 2)", "float"),
            ("\"unknown\"", "str"),
            ("Path(base) / name", "Path"),
            ("np.array(rows)", "np.ndarray"),
            ("(r for r in rows)", "Generator[dict, None, None]"),
            ("(x, y)", "tuple[int, int]"),
            ("User(**row)", "Optional[User]"),
        ],
    ),
    (
        Lang::TypeScript,
        &[
            ("total * 1.2", "number"),
            ("null", "string | null"),
            ("items.length", "number"),
            ("user.role === \"admin\"", "boolean"),
            ("{ status: \"ok\" }", "Record<string, string>"),
            ("Math.min(2 ** attempt, 30)", "number"),
            ("`${base}/${path}`", "string"),
            ("names.sort()", "string[]"),
            ("value.trim().toLowerCase()", "string"),
            ("true", "boolean"),
            ("count + 1", "number"),
            ("[]", "Note[]"),
            ("cache.get(key)", "Session | undefined"),
            ("Number(amount.toFixed(2))", "number"),
            ("\"unknown\"", "string"),
            ("db.query(sql, params)", "Promise<Row[]>"),
            ("fetch(url).then((r) => r.json())", "Promise<unknown>"),
            ("new Map(entries)", "Map<string, number>"),
        ],
    ),
    (
        Lang::Rust,
        &[
            ("total * 1.2", "f64"),
            ("None", "Option<String>"),
            ("items.len()", "usize"),
            ("user.role == Role::Admin", "bool"),
            ("Ok(())", "Result<()>"),
            ("(2u64.pow(attempt)).min(30)", "u64"),
            ("format!(\"{base}/{path}\")", "String"),
            ("names", "Vec<String>"),
            ("value.trim().to_lowercase()", "String"),
            ("true", "bool"),
            ("count + 1", "u32"),
            ("Vec::new()", "Vec<PathBuf>"),
            ("self.cache.get(key).cloned()", "Option<Entry>"),
            ("(amount * 100.0).round() / 100.0", "f64"),
            ("String::from(\"unknown\")", "String"),
            ("Ok(Config::default())", "anyhow::Result<Config>"),
            ("Duration::from_secs(secs)", "Duration"),
        ],
    ),
    (
        Lang::Go,
        &[
            ("total * 1.2", "float64"),
            ("nil", "error"),
            ("len(items)", "int"),
            ("user.Role == \"admin\"", "bool"),
            ("nil, nil", "(*Client, error)"),
            ("min(1<<attempt, 30)", "int"),
            ("base + \"/\" + path", "string"),
            ("names", "[]string"),
            ("strings.ToLower(strings.TrimSpace(value))", "string"),
            ("true", "bool"),
            ("count + 1", "int"),
            ("[]string{}", "[]string"),
            ("c.cache[key]", "*Entry"),
            ("math.Round(amount*100) / 100", "float64"),
            ("\"unknown\"", "string"),
            ("ErrClosed", "error"),
            ("total, nil", "(int64, error)"),
            ("time.Duration(ms) * time.Millisecond", "time.Duration"),
        ],
    ),
];
const TODO_TEXTS: &[&str] = &[
    "handle the timeout case",
    "remove this once the v2 API ships",
    "cache this lookup",
    "validate the input",
    "add retries",
    "log the failure",
    "support pagination",
    "this breaks on empty input",
    "use the config value instead",
    "write a test for this",
    "check permissions first",
    "close the connection on error",
];
const EXTRA_FOLDERS: &[&str] = &["docs", "scripts", "examples", "assets", "migrations", "fixtures", "deploy", "tools", "bench", "static", "templates", "ci"];
const EMPTY_FOLDERS: &[&str] = &["logs", "tmp", "data", "build", "uploads", "cache", "out", "vendor"];
const ROOT_EXTRAS: &[&str] = &["LICENSE", ".gitignore", "Dockerfile", "Makefile", "CHANGELOG.md", ".editorconfig", "docker-compose.yml", "CONTRIBUTING.md"];
const DOCS: &[&str] = &["setup.md", "architecture.md", "api.md", "deploy.md", "faq.md", "testing.md", "roadmap.md", "style.md"];

/// README prose, a line at a time.
const README_HEADINGS: &[&str] = &["Getting started", "Configuration", "Development", "Testing", "Deployment", "Troubleshooting", "License", "Architecture"];
const README_LINES: &[&str] = &[
    "Install the dependencies first, then copy the example environment file.",
    "Run the test suite before opening a pull request.",
    "The service reads its settings from the config folder at startup.",
    "Logs go to standard output in JSON; pipe them through jq when reading locally.",
    "Every endpoint returns JSON and uses the usual HTTP status codes.",
    "The worker retries failed jobs with exponential backoff.",
    "Migrations run automatically when the container starts.",
    "Use the Makefile targets rather than calling the tools directly.",
    "See docs/ for the architecture notes and the deployment checklist.",
    "Secrets never belong in the repository; use the environment instead.",
    "The cache can be disabled for debugging by setting its TTL to zero.",
    "Pull requests need one approval and a green CI run.",
    "Releases are tagged from main and published by the CI pipeline.",
    "Questions go to the team channel, bugs to the issue tracker.",
    "```sh",
    "```",
    "make test",
    "- fast startup, small memory footprint",
    "- structured logging and metrics out of the box",
    "- graceful shutdown on SIGTERM",
];

/// Settings a config file can hold: key, how a question names it, values.
const SETTINGS: &[(&str, &str, &[&str])] = &[
    ("port", "port", &["8080", "3000", "5000", "8000", "9090", "4000", "8443", "7070"]),
    ("host", "host", &["0.0.0.0", "127.0.0.1", "localhost", "api.internal", "db.local"]),
    ("log_level", "log level", &["debug", "info", "warning", "error"]),
    ("timeout", "timeout", &["30", "10", "60", "5", "120", "15"]),
    ("max_connections", "maximum number of connections", &["10", "25", "50", "100", "200"]),
    ("workers", "number of workers", &["2", "4", "8", "16"]),
    ("retries", "retry count", &["3", "5", "0", "2"]),
    ("cache_ttl", "cache TTL", &["300", "600", "3600", "60"]),
    ("region", "region", &["eu-west-1", "us-east-2", "ap-south-1", "eu-central-1"]),
    ("database_url", "database URL", &["postgres://app@db:5432/shop", "sqlite:///data/app.db", "postgres://localhost/notes", "mysql://root@127.0.0.1/orders"]),
    ("pool_size", "connection pool size", &["5", "10", "20", "32"]),
    ("max_body_size", "maximum body size", &["1mb", "10mb", "512kb", "2mb"]),
    ("rate_limit", "rate limit", &["100", "60", "1000", "250"]),
    ("debug", "debug flag", &["true", "false"]),
    ("environment", "environment", &["production", "staging", "development"]),
    ("smtp_port", "SMTP port", &["25", "465", "587", "1025"]),
    ("queue_name", "queue name", &["jobs", "default", "emails", "reports-high"]),
    ("batch_size", "batch size", &["50", "100", "500", "64"]),
    ("read_timeout", "read timeout", &["5s", "30s", "2m", "500ms"]),
    ("metrics_port", "metrics port", &["9100", "9464", "2112", "8081"]),
    ("session_ttl", "session lifetime", &["3600", "86400", "1800"]),
    ("bucket", "storage bucket", &["acme-uploads", "reports-prod", "media-staging"]),
];
/// Section names a config file groups its settings under.
const SECTIONS: &[&str] = &["server", "app", "database", "cache", "logging", "mail", "worker", "metrics", "storage", "auth"];

/// Development-only dependencies (Go's go.mod has none apart).
const DEV_DEPS: &[(Lang, &[&str])] = &[
    (Lang::Python, &["pytest", "ruff", "mypy", "black", "pytest-cov", "coverage"]),
    (Lang::TypeScript, &["typescript", "jest", "vitest", "eslint", "@types/node", "prettier", "ts-node", "mocha", "supertest"]),
    (Lang::Rust, &["tempfile", "criterion", "proptest", "assert_cmd", "insta"]),
    (Lang::Go, &[]),
];

/// Dependencies a manifest can list, per language.
const DEPS: &[(Lang, &[&str])] = &[
    (Lang::Python, &["requests", "sqlalchemy", "pydantic", "fastapi", "httpx", "click", "redis", "alembic", "celery", "jinja2", "pytest", "uvicorn"]),
    (Lang::TypeScript, &["express", "zod", "axios", "lodash", "dayjs", "react", "vite", "typescript", "jest", "vitest", "pino", "prisma"]),
    (Lang::Rust, &["serde", "anyhow", "tokio", "clap", "regex", "reqwest", "tracing", "thiserror", "rayon", "chrono"]),
    (Lang::Go, &["github.com/go-chi/chi/v5", "github.com/spf13/cobra", "github.com/stretchr/testify", "go.uber.org/zap", "github.com/jackc/pgx/v5", "github.com/google/uuid", "gopkg.in/yaml.v3"]),
];
const IMAGES: &[(Lang, &[&str])] = &[
    (Lang::Python, &["python:3.12-slim", "python:3.11-alpine", "python:3.10-bookworm", "python:3.13-slim"]),
    (Lang::TypeScript, &["node:20-alpine", "node:18-bullseye", "node:22-slim"]),
    (Lang::Rust, &["rust:1.77-slim", "rust:1.80", "debian:bookworm-slim"]),
    (Lang::Go, &["golang:1.22-alpine", "golang:1.21", "gcr.io/distroless/static"]),
];
const MAKE_TARGETS: &[(Lang, &[(&str, &str)])] = &[
    (Lang::Python, &[("test", "pytest -q"), ("lint", "ruff check ."), ("fmt", "black ."), ("run", "python -m app"), ("build", "python -m build")]),
    (Lang::TypeScript, &[("test", "npx vitest run"), ("lint", "npx eslint src"), ("build", "npx tsc -p ."), ("run", "node dist/index.js"), ("fmt", "npx prettier --write .")]),
    (Lang::Rust, &[("test", "cargo test --all"), ("lint", "cargo clippy -- -D warnings"), ("build", "cargo build --release"), ("fmt", "cargo fmt"), ("run", "cargo run")]),
    (Lang::Go, &[("test", "go test ./..."), ("lint", "golangci-lint run"), ("build", "go build -o bin/app ./cmd/app"), ("fmt", "gofmt -w ."), ("run", "go run ./cmd/app")]),
];
const NPM_SCRIPTS: &[(&str, &[&str])] = &[
    ("test", &["vitest run", "jest --coverage", "jest --runInBand", "node --test"]),
    ("build", &["tsc -p tsconfig.json", "vite build", "esbuild src/index.ts --bundle --outdir=dist"]),
    ("dev", &["vite", "tsx watch src/index.ts", "nodemon src/index.ts"]),
    ("lint", &["eslint . --ext .ts", "biome check ."]),
];

fn pool<T: Copy + PartialEq>(table: &[(Lang, T)], lang: Lang) -> T {
    table.iter().find(|(l, _)| *l == lang).unwrap().1
}

fn semver(g: &mut Gen) -> String {
    format!("{}.{}.{}", g.int(0, 5), g.int(0, 30), g.int(0, 12))
}

/// The manifest's text and what it declares.
fn manifest(g: &mut Gen, lang: Lang, name: &str) -> (String, Manifest) {
    let mut deps: Vec<(&'static str, String)> = Vec::new();
    for _ in 0..g.int(2, 6) {
        let d = one(g, pool(DEPS, lang));
        if deps.iter().all(|(x, _)| *x != d) {
            let v = semver(g);
            let written = match lang {
                Lang::Python => format!("=={v}"),
                Lang::TypeScript => format!("{}{v}", one(g, &["^", "~", ""])),
                Lang::Rust => v,
                Lang::Go => format!("v{v}"),
            };
            deps.push((d, written));
        }
    }
    let mut dev: Vec<(&'static str, String)> = Vec::new();
    for _ in 0..g.int(0, 4) {
        let pool_dev = pool(DEV_DEPS, lang);
        if pool_dev.is_empty() {
            break;
        }
        let d = one(g, pool_dev);
        if dev.iter().chain(&deps).all(|(x, _)| *x != d) {
            let v = semver(g);
            dev.push((
                d,
                match lang {
                    Lang::Python => format!(">={v}"),
                    Lang::TypeScript => format!("^{v}"),
                    _ => v,
                },
            ));
        }
    }
    let version = semver(g);
    let mut scripts = Vec::new();
    let toolchain = match lang {
        Lang::Python => Some(one(g, &[">=3.9", ">=3.10", ">=3.11", ">=3.12"]).to_string()),
        Lang::TypeScript => g.chance(0.6).then(|| one(g, &[">=18", ">=20", "^20.11", ">=22"]).to_string()),
        Lang::Rust => Some(one(g, &["2018", "2021", "2021", "2024"]).to_string()),
        Lang::Go => Some(one(g, &["1.20", "1.21", "1.22", "1.23"]).to_string()),
    };
    let tc = toolchain.clone().unwrap_or_default();
    let text = match lang {
        Lang::Python => {
            let mut t = format!("[project]\nname = \"{name}\"\nversion = \"{version}\"\nrequires-python = \"{tc}\"\ndependencies = [\n");
            for (d, v) in &deps {
                t += &format!("    \"{d}{v}\",\n");
            }
            t += "]\n";
            if !dev.is_empty() {
                t += "\n[project.optional-dependencies]\ndev = [\n";
                for (d, v) in &dev {
                    t += &format!("    \"{d}{v}\",\n");
                }
                t += "]\n";
            }
            t + "\n[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n"
        }
        Lang::TypeScript => {
            for (k, cmds) in NPM_SCRIPTS {
                if g.chance(0.7) {
                    scripts.push((*k, one(g, cmds)));
                }
            }
            let s: Vec<String> = scripts.iter().map(|(k, c)| format!("    \"{k}\": \"{c}\"")).collect();
            let d: Vec<String> = deps.iter().map(|(k, v)| format!("    \"{k}\": \"{v}\"")).collect();
            let engines = if toolchain.is_some() { format!(",\n  \"engines\": {{\n    \"node\": \"{tc}\"\n  }}") } else { String::new() };
            let dv: Vec<String> = dev.iter().map(|(k, v)| format!("    \"{k}\": \"{v}\"")).collect();
            let dev_block = if dev.is_empty() { String::new() } else { format!(",\n  \"devDependencies\": {{\n{}\n  }}", dv.join(",\n")) };
            format!(
                "{{\n  \"name\": \"{name}\",\n  \"version\": \"{version}\",\n  \"private\": true,\n  \"scripts\": {{\n{}\n  }},\n  \"dependencies\": {{\n{}\n  }}{dev_block}{engines}\n}}\n",
                s.join(",\n"),
                d.join(",\n")
            )
        }
        Lang::Rust => {
            let mut t = format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"{tc}\"\n\n[dependencies]\n");
            for (d, v) in &deps {
                t += &if g.chance(0.3) { format!("{d} = {{ version = \"{v}\", features = [\"full\"] }}\n") } else { format!("{d} = \"{v}\"\n") };
            }
            if !dev.is_empty() {
                t += "\n[dev-dependencies]\n";
                for (d, v) in &dev {
                    t += &format!("{d} = \"{v}\"\n");
                }
            }
            if g.chance(0.5) {
                t += &format!("\n[profile.release]\nlto = {}\ncodegen-units = 1\n", one(g, &["true", "\"thin\"", "false"]));
            }
            t
        }
        Lang::Go => {
            let mut t = format!("module github.com/acme/{name}\n\ngo {tc}\n\nrequire (\n");
            for (d, v) in &deps {
                t += &format!("\t{d} {v}\n");
            }
            t + ")\n"
        }
    };
    let path = match lang {
        Lang::Python => "pyproject.toml",
        Lang::TypeScript => "package.json",
        Lang::Rust => "Cargo.toml",
        Lang::Go => "go.mod",
    };
    let n_runtime = deps.len();
    deps.extend(dev);
    (text, Manifest { path, version, deps, n_runtime, scripts, toolchain })
}

/// A test file with `k` tests, in the language's usual shape: imports, fixtures or a describe
/// block, and test bodies of a few lines.
fn test_file(g: &mut Gen, lang: Lang, module: &str, src: &str, k: usize) -> String {
    let mut t = match lang {
        Lang::Python => format!("import pytest\n\nfrom {src} import {module}\n\n\n@pytest.fixture\ndef sample():\n    return {{\"id\": 1, \"name\": \"demo\"}}\n\n\n"),
        Lang::TypeScript => {
            format!("import {{ describe, it, expect }} from \"{}\";\nimport * as {module} from \"../src/{module}\";\n\ndescribe(\"{module}\", () => {{\n", one(g, &["vitest", "@jest/globals"]))
        }
        Lang::Rust => format!("use {}::{module};\n\n", src.replace('-', "_")),
        Lang::Go => "package tests\n\nimport \"testing\"\n\n".to_string(),
    };
    let verbs = ["handles empty input", "rejects bad values", "keeps the order", "rounds totals", "reads the config", "retries once", "returns defaults", "skips disabled items"];
    for i in 1..=k {
        let what = verbs[(i + module.len()) % verbs.len()];
        t += &match lang {
            Lang::Python => format!("def test_{module}_{}(sample):\n    result = {module}.run(sample)\n    assert result is not None\n    assert {i} + 1 == {}\n\n\n", what.replace(' ', "_"), i + 1),
            Lang::TypeScript => format!("  it(\"{what}\", () => {{\n    const result = {i} + 1;\n    expect(result).toBe({});\n  }});\n\n", i + 1),
            Lang::Rust => format!("#[test]\nfn {module}_{}() {{\n    let result = {i} + 1;\n    assert_eq!(result, {});\n}}\n\n", what.replace(' ', "_"), i + 1),
            Lang::Go => format!(
                "func Test{}{}(t *testing.T) {{\n\tif {i}+1 != {} {{\n\t\tt.Fatal(\"sum\")\n\t}}\n}}\n\n",
                super::gen::capitalize(module),
                what.split(' ').map(super::gen::capitalize).collect::<String>(),
                i + 1
            ),
        };
    }
    let mut t = t.trim_end().to_string() + "\n";
    if lang == Lang::TypeScript {
        t += "});\n";
    }
    t
}

/// The regular expression that finds one test per match.
fn test_pattern(lang: Lang) -> &'static str {
    match lang {
        Lang::Python => "def test_",
        Lang::TypeScript => "it\\(",
        Lang::Rust => "#\\[test\\]",
        Lang::Go => "func Test",
    }
}

fn func_name(g: &mut Gen, lang: Lang) -> String {
    let (v, n) = (one(g, FUNC_VERBS), one(g, FUNC_NOUNS));
    match lang {
        Lang::Python | Lang::Rust => format!("{v}_{n}"),
        _ => {
            let camel: String = n.split('_').map(super::gen::capitalize).collect();
            if lang == Lang::Go {
                format!("{}{camel}", super::gen::capitalize(v))
            } else {
                format!("{v}{camel}")
            }
        }
    }
}

/// A source file's text and what it defines: functions, TODOs, imports.
/// Lines a function body may hold before its return, per language.
const BODY: &[(Lang, &[&str])] = &[
    (
        Lang::Python,
        &[
            "    log.debug(\"%s called with %r\", __name__, value)",
            "    items = items or []",
            "    if not value:\n        raise ValueError(\"value is required\")",
            "    started = time.monotonic()",
            "    key = value.strip()",
            "    # The caller owns the connection.",
            "    attempt = len(items)",
        ],
    ),
    (
        Lang::TypeScript,
        &[
            "  const started = Date.now();",
            "  if (!value) {\n    throw new Error(\"value is required\");\n  }",
            "  const key = value.trim();",
            "  // The caller owns the connection.",
            "  logger.debug({ value }, \"called\");",
            "  const attempt = items.length;",
        ],
    ),
    (
        Lang::Rust,
        &[
            "    let key = value.trim();",
            "    // The caller owns the connection.",
            "    tracing::debug!(value, \"called\");",
            "    if value.is_empty() {\n        anyhow::bail!(\"value is required\");\n    }",
            "    let started = std::time::Instant::now();",
        ],
    ),
    (
        Lang::Go,
        &[
            "\tkey := strings.TrimSpace(value)",
            "\t// The caller owns the connection.",
            "\tif value == \"\" {\n\t\treturn nil, errors.New(\"value is required\")\n\t}",
            "\tstarted := time.Now()",
            "\tlog.Printf(\"called with %q\", value)",
        ],
    ),
];

/// A source file: a header comment, imports, maybe a constant, and one to four functions whose
/// signatures declare what they return (Python's sometimes do not), with bodies of a few lines.
/// How many lines `lines` makes once joined (an entry may hold several).
fn physical(lines: &[String]) -> usize {
    lines.iter().map(|l| l.matches('\n').count() + 1).sum()
}

fn source(g: &mut Gen, lang: Lang, path: &str, ws: &mut Workspace) -> String {
    let mut lines: Vec<String> = Vec::new();
    let libs = pool(IMPORTS, lang);
    let returns = pool(RETURNS, lang);
    let body = pool(BODY, lang);
    let module = Path::new(path).file_stem().map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let about = format!("{} helpers used by the {} service", super::gen::capitalize(&module.replace('_', " ")), one(g, &["order", "api", "worker", "billing", "sync"]));
    match lang {
        Lang::Go => {
            lines.push(format!("// Package {} holds the {}.", Path::new(path).parent().and_then(|p| p.file_name()).map_or("main".into(), |n| n.to_string_lossy().into_owned()), about.to_lowercase()));
            lines.push(format!("package {}", Path::new(path).parent().and_then(|p| p.file_name()).map_or("main".into(), |n| n.to_string_lossy().into_owned())));
            lines.push(String::new());
        }
        Lang::Python if g.chance(0.7) => lines.push(format!("\"\"\"{about}.\"\"\"\n")),
        Lang::TypeScript if g.chance(0.5) => lines.push(format!("/**\n * {about}.\n */")),
        Lang::Rust if g.chance(0.6) => lines.push(format!("//! {about}.\n")),
        _ => {}
    }
    let mut used = Vec::new();
    for _ in 0..g.int(0, 3) {
        let m = one(g, libs);
        if used.contains(&m) {
            continue;
        }
        used.push(m);
        lines.push(match lang {
            Lang::Python => format!("import {m}"),
            Lang::TypeScript => format!("import {} from \"{m}\";", m.replace('-', "_")),
            Lang::Rust => format!("use {m}::*;"),
            Lang::Go => format!("import \"{m}\""),
        });
        match ws.imports.iter_mut().find(|(x, _)| x == m) {
            Some((_, files)) => files.push(path.into()),
            None => ws.imports.push((m.into(), vec![path.into()])),
        }
    }
    lines.push(String::new());
    if g.chance(0.4) {
        let n = one(g, &["MAX_ITEMS", "DEFAULT_TIMEOUT", "PAGE_SIZE", "RETRY_LIMIT", "BATCH_SIZE"]);
        let v = g.int(2, 500);
        ws.consts.push((n.to_string(), path.into(), physical(&lines) + 1, v.to_string()));
        lines.push(match lang {
            Lang::Python => format!("{n} = {v}"),
            Lang::TypeScript => format!("export const {n} = {v};"),
            Lang::Rust => format!("pub const {n}: usize = {v};"),
            Lang::Go => format!("const {n} = {v}"),
        });
        lines.push(String::new());
    }
    for _ in 0..g.int(1, 4) {
        let name = func_name(g, lang);
        if ws.funcs.iter().any(|f| f.name == name) {
            continue;
        }
        let (ret, ty) = one(g, returns);
        let declared = (lang != Lang::Python || g.chance(0.7)).then(|| ty.to_string());
        if g.chance(0.3) {
            let todo = one(g, TODO_TEXTS);
            let tag = if g.chance(0.75) { "TODO" } else { "FIXME" };
            let comment = if lang == Lang::Python { "#" } else { "//" };
            lines.push(format!("{comment} {tag}: {todo}"));
            ws.todos.push((path.into(), physical(&lines), format!("{tag}: {todo}")));
        }
        if lang == Lang::Rust && g.chance(0.5) {
            lines.push(format!("/// {}.", super::gen::capitalize(&name.replace('_', " "))));
        }
        let line = physical(&lines) + 1;
        let mut inner: Vec<String> = Vec::new();
        for _ in 0..g.int(0, 3) {
            let l = one(g, body).to_string();
            if !inner.contains(&l) {
                inner.push(l);
            }
        }
        match lang {
            Lang::Python => {
                let sig = match &declared {
                    Some(t) => format!("def {name}(value: str, items: list | None = None) -> {t}:"),
                    None => format!("def {name}(value, items=None):"),
                };
                lines.push(sig);
                lines.push(format!("    \"\"\"{}.\"\"\"", super::gen::capitalize(&name.replace('_', " "))));
                lines.extend(inner);
                lines.push(format!("    return {ret}"));
            }
            Lang::TypeScript => {
                lines.push(format!("export {}function {name}(value: string, items: string[] = []): {ty} {{", if ty.starts_with("Promise") { "async " } else { "" }));
                lines.extend(inner);
                lines.push(format!("  return {ret};"));
                lines.push("}".into());
            }
            Lang::Rust => {
                lines.push(format!("pub fn {name}(value: &str) -> {ty} {{"));
                lines.extend(inner);
                lines.push(format!("    {ret}"));
                lines.push("}".into());
            }
            Lang::Go => {
                lines.push(format!("func {name}(value string) {ty} {{"));
                lines.extend(inner);
                lines.push(format!("\treturn {ret}"));
                lines.push("}".into());
            }
        }
        lines.push(String::new());
        ws.funcs.push(Func { name, file: path.into(), line, returns: ret.to_string(), declared });
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n") + "\n"
}

/// A config file in one of five formats with 2-12 settings, grouped into sections (except in
/// .env), with comments here and there.
fn config(g: &mut Gen, path: &str, ws: &mut Workspace) -> String {
    let ext = path.rsplit('.').next().unwrap_or("");
    let n = if g.chance(0.5) { g.int(2, 5) } else { g.int(6, 12) } as usize;
    let mut chosen: Vec<(&'static str, &'static str, String)> = Vec::new();
    while chosen.len() < n {
        let (k, said, values) = one(g, SETTINGS);
        if chosen.iter().any(|(x, _, _)| *x == k) {
            continue;
        }
        chosen.push((k, said, one(g, values).to_string()));
    }
    // Consecutive runs of settings under one to three sections.
    let n_sections = (g.int(1, 3) as usize).min(n);
    let mut names: Vec<&str> = Vec::new();
    while names.len() < n_sections {
        let s = one(g, SECTIONS);
        if !names.contains(&s) {
            names.push(s);
        }
    }
    let section_of = |i: usize| names[i * n_sections / n];
    let numeric = |v: &str| v.parse::<f64>().is_ok() || v == "true" || v == "false";
    let comment = |g: &mut Gen, mark: &str| {
        g.chance(0.25).then(|| {
            format!(
                "{mark} {}",
                one(
                    g,
                    &[
                        "Overridden by the environment in production.",
                        "Keep in sync with the deploy manifests.",
                        "Seconds unless a unit is given.",
                        "Changed after the March incident.",
                        "Defaults are fine for local development."
                    ]
                )
            )
        })
    };
    let mut lines = Vec::new();
    match ext {
        "toml" | "ini" | "cfg" => {
            let mark = if ext == "toml" { "#" } else { ";" };
            for (i, (k, _, v)) in chosen.iter().enumerate() {
                if i == 0 || section_of(i) != section_of(i - 1) {
                    if i > 0 {
                        lines.push(String::new());
                    }
                    lines.push(format!("[{}]", section_of(i)));
                }
                if let Some(c) = comment(g, mark) {
                    lines.push(c);
                }
                lines.push(if ext != "toml" || numeric(v) { format!("{k} = {v}") } else { format!("{k} = \"{v}\"") });
            }
        }
        "yaml" | "yml" => {
            for (i, (k, _, v)) in chosen.iter().enumerate() {
                if i == 0 || section_of(i) != section_of(i - 1) {
                    lines.push(format!("{}:", section_of(i)));
                }
                if let Some(c) = comment(g, "  #") {
                    lines.push(c);
                }
                lines.push(format!("  {k}: {v}"));
            }
        }
        "json" => {
            lines.push("{".into());
            let mut i = 0;
            while i < n {
                let sec = section_of(i);
                let mut body = Vec::new();
                while i < n && section_of(i) == sec {
                    let (k, _, v) = &chosen[i];
                    body.push(if numeric(v) { format!("    \"{k}\": {v}") } else { format!("    \"{k}\": \"{v}\"") });
                    i += 1;
                }
                let last = i == n;
                lines.push(format!("  \"{sec}\": {{\n{}\n  }}{}", body.join(",\n"), if last { "" } else { "," }));
            }
            lines.push("}".into());
        }
        _ => {
            for (k, _, v) in &chosen {
                if let Some(c) = comment(g, "#") {
                    lines.push(c);
                }
                lines.push(format!("{}={v}", k.to_uppercase()));
            }
        }
    }
    for (k, said, v) in chosen {
        ws.settings.push(Setting { file: path.into(), key: k, value: v, said });
    }
    lines.join("\n") + "\n"
}

/// Writes a generated project to a fresh folder under the system's temporary folder.
fn workspace(g: &mut Gen) -> Result<Workspace> {
    let root = std::env::temp_dir().join(format!("fg-grounded-{}-{:016x}", std::process::id(), crate::fsx::random_u64()));
    std::fs::create_dir_all(&root)?;
    let lang = one(g, &[Lang::Python, Lang::Python, Lang::TypeScript, Lang::TypeScript, Lang::Rust, Lang::Go]);
    let name = format!("{}-{}", one(g, &["shop", "notes", "ledger", "relay", "pantry", "atlas", "courier", "beacon", "harbor", "quill"]), one(g, &["api", "web", "cli", "service", "core", "tool"]));
    let (manifest_text, manifest) = manifest(g, lang, &name);
    let mut ws = Workspace {
        root,
        folders: Vec::new(),
        funcs: Vec::new(),
        settings: Vec::new(),
        todos: Vec::new(),
        consts: Vec::new(),
        imports: Vec::new(),
        files: Vec::new(),
        lang,
        manifest,
        tests: Vec::new(),
        base_image: None,
        make_targets: Vec::new(),
    };
    let mut files: Vec<(String, String)> = Vec::new();
    let src = match lang {
        Lang::Python => one(g, &["app", "src", "shop", "core", "service", "api"]).to_string(),
        Lang::Go => one(g, &["internal", "pkg", "cmd"]).to_string(),
        _ => "src".to_string(),
    };
    // Source modules: from one to thirty, a third in a nested folder once there are more than five.
    let n_src = if g.chance(0.2) { one(g, &[18usize, 22, 26, 30]) } else { one(g, &[1usize, 2, 3, 4, 5, 6, 8, 10, 12, 14]) };
    let sub = one(g, &["handlers", "services", "models", "lib", "core", "utils"]);
    let mut used = Vec::new();
    while used.len() < n_src {
        let m = one(g, MODULES);
        if !used.contains(&m) {
            used.push(m);
        }
    }
    for (i, m) in used.iter().enumerate() {
        let dir = if n_src > 5 && i % 3 == 2 { format!("{src}/{sub}") } else { src.clone() };
        let path = format!("{dir}/{m}.{}", lang.ext());
        let text = source(g, lang, &path, &mut ws);
        files.push((path, text));
    }
    // Some functions are imported by another module (a first line; the lines below move down).
    let n_funcs = ws.funcs.len();
    for i in 0..n_funcs {
        if !g.chance(0.35) || files.len() < 2 {
            continue;
        }
        let (fname, ffile) = (ws.funcs[i].name.clone(), ws.funcs[i].file.clone());
        let user = files[g.rng.below(files.len())].0.clone();
        if user == ffile || lang == Lang::Go {
            continue;
        }
        let module = Path::new(&ffile).file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let line = match lang {
            Lang::Python => format!("from {src}.{module} import {fname}"),
            Lang::TypeScript => format!("import {{ {fname} }} from \"./{module}\";"),
            _ => format!("use crate::{module}::{fname};"),
        };
        let text = &mut files.iter_mut().find(|(p, _)| *p == user).unwrap().1;
        *text = format!("{line}\n{text}");
        for f in ws.funcs.iter_mut().filter(|f| f.file == user) {
            f.line += 1;
        }
        for t in ws.todos.iter_mut().filter(|t| t.0 == user) {
            t.1 += 1;
        }
        for c in ws.consts.iter_mut().filter(|c| c.1 == user) {
            c.2 += 1;
        }
    }
    files.push((ws.manifest.path.to_string(), manifest_text));
    // Tests.
    if g.chance(0.7) {
        for m in used.iter().take(g.int(1, 6) as usize) {
            let path = match lang {
                Lang::Python => format!("tests/test_{m}.py"),
                Lang::TypeScript => format!("tests/{m}.test.ts"),
                Lang::Rust => format!("tests/{m}.rs"),
                Lang::Go => format!("tests/{m}_test.go"),
            };
            let k = g.int(1, 8) as usize;
            let crate_or_package = if lang == Lang::Rust { name.clone() } else { src.clone() };
            let text = test_file(g, lang, m, &crate_or_package, k);
            ws.tests.push((path.clone(), k));
            files.push((path, text));
        }
    }
    // Configs in several formats.
    let config_dir = one(g, &["config", ".", "conf", "settings"]);
    for _ in 0..g.int(1, 3) {
        let name = one(g, &["settings.toml", "config.yaml", "app.json", "setup.cfg", ".env", "server.ini", "config.toml", "logging.yaml", "db.json", "app.yml"]);
        let path = if config_dir == "." { name.to_string() } else { format!("{config_dir}/{name}") };
        if files.iter().any(|(p, _)| *p == path) {
            continue;
        }
        let text = config(g, &path, &mut ws);
        files.push((path, text));
    }
    // Root files, docs and other folders.
    let readme_lines = if g.chance(0.3) { g.int(40, 160) } else { g.int(3, 40) } as usize;
    let mut readme = vec![format!("# {name}"), String::new()];
    while readme.len() < readme_lines {
        readme.push(if g.chance(0.15) {
            format!("## {}", one(g, README_HEADINGS))
        } else if g.chance(0.2) {
            String::new()
        } else {
            one(g, README_LINES).to_string()
        });
    }
    readme.truncate(readme_lines.max(1));
    files.push(("README.md".into(), readme.join("\n") + "\n"));
    for _ in 0..g.int(0, 4) {
        let f = one(g, ROOT_EXTRAS);
        if files.iter().any(|(p, _)| p == f) {
            continue;
        }
        let text = match f {
            "Dockerfile" => {
                let image = one(g, pool(IMAGES, lang));
                ws.base_image = Some(image.to_string());
                format!("FROM {image}\n\nWORKDIR /srv/app\nCOPY . .\nEXPOSE {}\nCMD [\"make\", \"run\"]\n", one(g, &["8080", "3000", "8000"]))
            }
            "Makefile" => {
                let mut t = String::from(".PHONY: all\n\n");
                for (target, cmd) in pool(MAKE_TARGETS, lang) {
                    if g.chance(0.7) {
                        ws.make_targets.push((target, cmd));
                        t += &format!("{target}:\n\t{cmd}\n\n");
                    }
                }
                t
            }
            // What the language's tools leave behind; a recursive walk honours it.
            ".gitignore" => match lang {
                Lang::Python => "__pycache__/\n*.pyc\n.venv/\ndist/\n.pytest_cache/\n",
                Lang::TypeScript => "node_modules/\ndist/\ncoverage/\n*.log\n",
                Lang::Rust => "/target\n**/*.rs.bk\n",
                Lang::Go => "/bin/\n*.test\ncoverage.out\n",
            }
            .to_string(),
            _ => format!("{f}\n"),
        };
        files.push((f.into(), text));
    }
    for _ in 0..g.int(0, 2) {
        let d = one(g, EXTRA_FOLDERS);
        for _ in 0..g.int(1, 5) {
            let f = if d == "docs" { one(g, DOCS).to_string() } else { format!("{}.{}", one(g, FUNC_NOUNS).replace('_', "-"), one(g, &["md", "sh", "txt", "sql", "json", "yaml", "toml"])) };
            let path = format!("{d}/{f}");
            if !files.iter().any(|(p, _)| *p == path) {
                // Docs name some functions, so that searching a name also finds prose.
                let text = if d == "docs" && !ws.funcs.is_empty() {
                    let a = &ws.funcs[g.rng.below(ws.funcs.len())].name;
                    let b = &ws.funcs[g.rng.below(ws.funcs.len())].name;
                    format!("# {}\n\nCall `{a}` first; `{b}` is used by the handlers.\nSee the source for details.\n", super::gen::capitalize(f.trim_end_matches(".md")))
                } else {
                    format!("{f}\n")
                };
                files.push((path, text));
            }
        }
    }
    let mut empty = Vec::new();
    if g.chance(0.5) {
        empty.push(one(g, EMPTY_FOLDERS).to_string());
    }
    for (path, text) in &files {
        let p = ws.root.join(path);
        std::fs::create_dir_all(p.parent().unwrap())?;
        std::fs::write(&p, text)?;
        ws.files.push((path.clone(), text.lines().count()));
    }
    for d in &empty {
        if !ws.root.join(d).exists() {
            std::fs::create_dir_all(ws.root.join(d))?;
        }
    }
    // Each folder's direct entries, as list_directory shows them.
    let mut stack = vec![String::from(".")];
    while let Some(rel) = stack.pop() {
        let mut entries = Vec::new();
        for e in std::fs::read_dir(ws.root.join(&rel))? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type()?.is_dir() {
                entries.push(format!("{name}/"));
                stack.push(if rel == "." { name } else { format!("{rel}/{name}") });
            } else {
                entries.push(name);
            }
        }
        entries.sort();
        ws.folders.push((rel, entries));
    }
    Ok(ws)
}

/// The questions of one kind a workspace can answer: (request, call, answer from the result).
type Question = (String, Call, Box<dyn Fn(&str) -> Option<String>>);

fn questions(g: &mut Gen, ws: &Workspace) -> Vec<(&'static str, Question)> {
    let mut out: Vec<(&'static str, Question)> = Vec::new();
    // Listings: counts, contents, presence, emptiness.
    let folders: Vec<&(String, Vec<String>)> = ws.folders.iter().collect();
    let (folder, entries) = folders[g.rng.below(folders.len())];
    let here = folder == ".";
    let args = if here { json!({}) } else { json!({"path": folder}) };
    let place = if here { "this folder".to_string() } else { folder.clone() };
    let n = entries.len();
    let dirs = entries.iter().filter(|e| e.ends_with('/')).count();
    let files = n - dirs;
    {
        let t = one(
            g,
            &["how many files are in {d}?", "how many entries does {d} have", "count the files in {d}", "How many things are in {d}?", "number of files in {d}?", "how big is {d}, how many files?"],
        );
        let req = t.replace("{d}", if here { "this folder" } else { folder });
        let place = place.clone();
        let named = entries.clone();
        out.push((
            "count",
            (
                req,
                call("list_directory", args.clone()),
                Box::new(move |_| {
                    Some(match n {
                        0 => format!("{} is empty.", sentence_start(&place)),
                        1..=6 => format!(
                            "{} has {} ({} and {}): {}.",
                            sentence_start(&place),
                            plural(n, "entry", "entries"),
                            plural(files, "file", "files"),
                            plural(dirs, "folder", "folders"),
                            and_list(&named)
                        ),
                        _ => format!("{} has {}: {} and {}.", sentence_start(&place), plural(n, "entry", "entries"), plural(files, "file", "files"), plural(dirs, "folder", "folders")),
                    })
                }),
            ),
        ));
    }
    {
        let t = one(g, &["list the files in {d}", "what's in {d}?", "show me {d}", "ls {d}", "What does {d} contain?", "can you list {d} for me", "which files are in {d}"]);
        let req = t.replace("{d}", if here { "this folder" } else { folder });
        let shown: Vec<String> = entries.iter().take(8).cloned().collect();
        let place = place.clone();
        out.push((
            "list",
            (
                req,
                call("list_directory", args.clone()),
                Box::new(move |_| {
                    let p = sentence_start(&place);
                    Some(match n {
                        0 => format!("{p} is empty."),
                        1..=8 => format!("{p} has {}: {}.", plural(n, "entry", "entries"), and_list(&shown)),
                        _ => format!("{p} has {} ({} and {}), among them {}.", plural(n, "entry", "entries"), plural(files, "file", "files"), plural(dirs, "folder", "folders"), and_list(&shown[..3])),
                    })
                }),
            ),
        ));
    }
    {
        let candidates =
            ["Dockerfile", "Makefile", "LICENSE", ".gitignore", "CHANGELOG.md", "docker-compose.yml", "README.md", "Cargo.lock", "go.sum", "package-lock.json", "poetry.lock", "yarn.lock", ".env"];
        let name = one(g, &candidates);
        let present = entries.iter().any(|e| e == name);
        let t = if here && g.chance(0.4) {
            one(g, &["is there a {f} checked in?", "is {f} committed in this repo?", "do we commit a {f}?", "{f} in the repo or not?"])
        } else {
            one(g, &["is there a {f} in {d}?", "does {d} have a {f}", "do we have a {f} in {d}?", "check if {d} contains a {f}"])
        };
        let req = t.replace("{f}", name).replace("{d}", if here { "this folder" } else { folder });
        let place = place.clone();
        out.push((
            "presence",
            (req, call("list_directory", args.clone()), Box::new(move |_| Some(if present { format!("Yes, {place} has a {name}.") } else { format!("No, there is no {name} in {place}.") }))),
        ));
    }
    // A folder that is not there.
    {
        let missing = one(g, &["frontend", "infra", "legacy", "proto", "helm", "k8s", "benchmarks"]);
        if !ws.folders.iter().any(|(f, _)| f == missing) {
            let t = one(g, &["what's in {d}?", "list {d}", "how many files are in {d}?"]);
            out.push((
                "missing_folder",
                (
                    t.replace("{d}", missing),
                    call("list_directory", json!({"path": missing})),
                    Box::new(move |r: &str| {
                        (r.contains("No such file") && !r.contains("did you mean")).then(|| format!("There is no {missing} folder here: listing it failed with \"No such file or directory\"."))
                    }),
                ),
            ));
        }
    }
    // Files of one type.
    {
        let ext = ws.lang.ext();
        let (folder, entries) = folders[g.rng.below(folders.len())];
        let matching: Vec<String> = entries.iter().filter(|e| e.ends_with(&format!(".{ext}"))).cloned().collect();
        let word = match ws.lang {
            Lang::Python => "Python",
            Lang::TypeScript => "TypeScript",
            Lang::Rust => "Rust",
            Lang::Go => "Go",
        };
        let here = folder == ".";
        let t = one(g, &["which {w} files are in {d}?", "list the .{e} files in {d}", "show only the {w} files in {d}", "any .{e} files in {d}?"]);
        let req = t.replace("{w}", word).replace("{e}", ext).replace("{d}", if here { "this folder" } else { folder });
        let mut a = Map::new();
        if !here {
            a.insert("path".into(), json!(folder));
        }
        a.insert("pattern".into(), json!(format!("*.{ext}")));
        let place = if here { "this folder".to_string() } else { folder.clone() };
        out.push((
            "by_type",
            (
                req,
                Call { name: "list_directory".into(), arguments: a },
                Box::new(move |_| {
                    Some(match matching.len() {
                        0 => format!("There are no .{ext} files in {place}."),
                        1..=5 => format!("{} has {}: {}.", sentence_start(&place), plural(matching.len(), &format!(".{ext} file"), &format!(".{ext} files")), and_list(&matching)),
                        k => format!("{} has {k} .{ext} files, among them {}.", sentence_start(&place), and_list(&matching[..3])),
                    })
                }),
            ),
        ));
    }
    // Config values.
    if !ws.settings.is_empty() {
        let s = &ws.settings[g.rng.below(ws.settings.len())];
        let t = one(g, &["what {k} does {f} set?", "what's the {k} in {f}", "which {k} is configured in {f}?", "check {f} for the {k}", "what is {k} set to in {f}?"]);
        let req = t.replace("{k}", s.said).replace("{f}", &s.file);
        let (file, key, value) = (s.file.clone(), s.key, s.value.clone());
        out.push((
            "config_value",
            (
                req,
                call("read_file", json!({"path": s.file})),
                Box::new(move |_| {
                    let shown_key = if file.ends_with(".env") { key.to_uppercase() } else { key.to_string() };
                    Some(format!("{file} sets {shown_key} to {value}."))
                }),
            ),
        ));
    }
    // What a function returns.
    if !ws.funcs.is_empty() {
        let f = &ws.funcs[g.rng.below(ws.funcs.len())];
        let t = one(g, &["what does {n} in {f} return?", "what does the {n} function return? it's in {f}", "in {f}, what is the return value of {n}?", "check what {n} returns ({f})"]);
        let req = t.replace("{n}", &f.name).replace("{f}", &f.file);
        let (name, ret, declared) = (f.name.clone(), f.returns.clone(), f.declared.clone());
        out.push(("returns", (req, call("read_file", json!({"path": f.file})), Box::new(move |_| Some(returns_answer(&name, None, &ret, declared.as_deref()))))));
    }
    // Where something is defined.
    if !ws.funcs.is_empty() {
        let f = &ws.funcs[g.rng.below(ws.funcs.len())];
        let t = one(g, &["where is {n} defined?", "which file defines {n}", "find the definition of {n}", "where do we define {n}?", "where's {n}?"]);
        let (name, file, line) = (f.name.clone(), f.file.clone(), f.line);
        out.push((
            "defined",
            (
                t.replace("{n}", &f.name),
                call("search_code", json!({"pattern": f.name})),
                Box::new(move |r: &str| r.contains(&format!("{file}:{line}:")).then(|| format!("{name} is defined in {file}, line {line}."))),
            ),
        ));
    }
    // TODOs.
    {
        let t = one(g, &["are there any TODOs?", "find the TODO comments", "any TODOs left in the code?", "list the TODOs", "do we have TODO notes anywhere?"]);
        let todos: Vec<(String, usize, String)> = ws.todos.iter().filter(|t| t.2.starts_with("TODO")).cloned().collect();
        out.push((
            "todos",
            (
                t.to_string(),
                call("search_code", json!({"pattern": "TODO"})),
                Box::new(move |_| {
                    Some(match todos.len() {
                        0 => "There are no TODO comments.".to_string(),
                        1 => format!("There is one TODO, in {} at line {}: \"{}\".", todos[0].0, todos[0].1, todos[0].2),
                        k => {
                            let mut files: Vec<&str> = todos.iter().map(|t| t.0.as_str()).collect();
                            files.dedup();
                            format!(
                                "There are {k} TODOs, in {}; the first is in {} at line {}: \"{}\".",
                                and_list(&files.iter().map(|f| f.to_string()).collect::<Vec<_>>()),
                                todos[0].0,
                                todos[0].1,
                                todos[0].2
                            )
                        }
                    })
                }),
            ),
        ));
    }
    // Imports.
    if !ws.imports.is_empty() {
        let (m, importers) = &ws.imports[g.rng.below(ws.imports.len())];
        // A distinctive name is searched bare, which finds its imports in any syntax; a short or
        // common one (os, fmt, time) with the language's import syntax.
        let bare = m.len() >= 5 && !m.contains('/') && !["errors", "strings", "context", "logging", "pathlib", "datetime"].contains(&m.as_str());
        let pattern = if bare {
            m.clone()
        } else {
            match ws.lang {
                Lang::Python => format!("import {m}"),
                Lang::TypeScript => format!("from \"{m}\""),
                Lang::Rust => format!("use {m}::"),
                Lang::Go => format!("\"{m}\""),
            }
        };
        let t = one(g, &["which files import {m}?", "where do we use {m}?", "is {m} imported anywhere?", "what uses {m}", "which modules in {d} import {m}", "what in {d} uses {m}?"]);
        // Importers are sources, all under one top folder.
        let top = importers[0].split('/').next().unwrap_or(".").to_string();
        let args = if t.contains("{d}") { json!({"pattern": pattern, "path": top}) } else { json!({"pattern": pattern}) };
        let importers = importers.clone();
        let shown_m = m.clone();
        out.push((
            "imports",
            (
                t.replace("{m}", m).replace("{d}", &top),
                call("search_code", args),
                Box::new(move |_| {
                    // A bare name also matches other mentions (the manifest, docs): the count of matches
                    // is not the count of importers, so the answer names them without counting.
                    Some(match importers.len() {
                        1 => format!("Only {} imports {shown_m}.", importers[0]),
                        k if bare && k <= 6 => format!("{shown_m} is imported by {}.", and_list(&importers)),
                        _ if bare => format!("{shown_m} is imported in several files, among them {}.", and_list(&importers[..3])),
                        k if k <= 4 => format!("{k} files import {shown_m}: {}.", and_list(&importers)),
                        k => format!("{k} files import {shown_m}, among them {}.", and_list(&importers[..3])),
                    })
                }),
            ),
        ));
    }
    // Line counts and missing files.
    {
        // Long files half of the time, where people ask most and guessing is easiest.
        let long: Vec<&(String, usize)> = ws.files.iter().filter(|(_, n)| *n >= 30).collect();
        let (file, lines) = if !long.is_empty() && g.chance(0.5) { long[g.rng.below(long.len())].clone() } else { ws.files[g.rng.below(ws.files.len())].clone() };
        let t = one(
            g,
            &[
                "how many lines is {f}?",
                "how long is {f}",
                "count the lines in {f}",
                "how many lines does {f} have?",
                "line count for {f}?",
                "how many lines of code are in {f}",
                "{f} - how many lines",
            ],
        );
        out.push(("lines", (t.replace("{f}", &file), call("read_file", json!({"path": file})), Box::new(move |_| Some(format!("{file} has {}.", plural(lines, "line", "lines")))))));
        let missing = one(g, &["config/prod.toml", "docs/install.md", "src/legacy.py", "Procfile", "setup.py", "deploy/values.yaml", ".env.local", "notes.txt"]);
        if !ws.files.iter().any(|(f, _)| f == missing) {
            let t = one(g, &["show me {f}", "what's in {f}?", "read {f}", "open {f} please"]);
            out.push((
                "missing_file",
                (
                    t.replace("{f}", missing),
                    call("read_file", json!({"path": missing})),
                    Box::new(move |r: &str| {
                        (r.contains("No such file") && !r.contains("did you mean")).then(|| format!("{missing} does not exist: reading it failed with \"No such file or directory\"."))
                    }),
                ),
            ));
        }
    }
    out
}

/// What a function returns: the type its signature declares, else its return expression.
fn returns_answer(name: &str, file: Option<&str>, ret: &str, declared: Option<&str>) -> String {
    let name = match file {
        Some(f) => format!("{name} (in {f})"),
        None => name.to_string(),
    };
    match declared {
        Some(t) => format!("{name} returns `{t}`."),
        None => format!("{name} returns `{ret}`."),
    }
}

/// The match lines of a search result: (file, line, text); context lines are left out.
fn match_lines(result: &str) -> Vec<(String, usize, String)> {
    result
        .lines()
        .filter_map(|l| {
            let (file, rest) = l.split_once(':')?;
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            let text = rest[digits..].strip_prefix(": ")?;
            Some((file.to_string(), rest[..digits].parse().ok()?, text.to_string()))
        })
        .collect()
}

/// The distinct files of a search result's matches, in order.
fn matched_files(result: &str) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for (f, _, _) in match_lines(result) {
        if !files.contains(&f) {
            files.push(f);
        }
    }
    files
}

/// How people name a dependency: a Go module by its last word that is not a major version.
fn short_dep(dep: &str) -> String {
    let last = dep.split('/').rfind(|p| !(p.starts_with('v') && p[1..].chars().all(|c| c.is_ascii_digit()) && p.len() > 1)).unwrap_or(dep);
    last.split(".v").next().unwrap_or(last).to_string()
}

/// A question answered by one or more calls in turn: (request, calls, answer from the results).
type Steps = (String, Vec<Call>, Box<dyn Fn(&[String]) -> Option<String>>);

/// Questions whose answer needs the right file found first, a manifest, a search that counts or
/// locates, or a recursive listing.
fn step_questions(g: &mut Gen, ws: &Workspace) -> Vec<(&'static str, Steps)> {
    let mut out: Vec<(&'static str, Steps)> = Vec::new();
    let m = &ws.manifest;
    // A dependency's version, from the manifest (sometimes named in the request).
    {
        let listed = g.chance(0.75) && !m.deps.is_empty();
        let mut dev = false;
        let (dep, version) = if listed {
            let i = g.rng.below(m.deps.len());
            dev = i >= m.n_runtime;
            let (d, v) = &m.deps[i];
            (*d, Some(v.clone()))
        } else {
            let d = one(g, pool(DEPS, ws.lang));
            (d, m.deps.iter().find(|(x, _)| *x == d).map(|(_, v)| v.clone()))
        };
        let shown = short_dep(dep);
        let t = if dev && g.chance(0.5) {
            let section = match ws.lang {
                Lang::TypeScript => "devDependencies",
                Lang::Rust => "dev-dependencies",
                _ => "dev extras",
            };
            one(g, &["{d} version in {m} {s}?", "which {d} do the {s} in {m} ask for", "{d} in the {s} of {m} - version?"]).replace("{s}", section)
        } else {
            one(
                g,
                &[
                    "which version of {d} do we use?",
                    "what {d} version are we on",
                    "{d} version?",
                    "which {d} version does {m} pin?",
                    "what version of {d} is in {m}",
                    "do we depend on {d}? which version",
                    "what's our {d} version",
                    "{d} - which version is pinned?",
                    "which {d} are we pulling in",
                ],
            )
            .to_string()
        };
        let req = t.replace("{d}", &shown).replace("{m}", m.path);
        let path = m.path;
        if t.contains("{m}") {
            // The manifest is named: read it.
            out.push((
                "dep_version",
                (
                    req,
                    vec![call("read_file", json!({"path": path}))],
                    Box::new(move |_| {
                        Some(match &version {
                            Some(v) => format!("{shown} is at `{}`.", v.trim_start_matches("==")),
                            None => format!("{shown} is not among the dependencies."),
                        })
                    }),
                ),
            ));
        } else {
            // Not named: searching the name finds the manifest's line, whatever the language.
            let pattern = shown.clone();
            out.push((
                "dep_search",
                (
                    req,
                    vec![call("search_code", json!({"pattern": pattern}))],
                    Box::new(move |r: &[String]| {
                        let in_manifest = match_lines(&r[0]).into_iter().any(|(f, _, text)| f == path && text.contains(dep));
                        let files = matched_files(&r[0]);
                        Some(match (&version, in_manifest) {
                            (Some(v), true) => format!("{shown} is at `{}` ({path}).", v.trim_start_matches("==")),
                            (Some(_), false) => return None,
                            (None, _) if files.is_empty() => format!("Nothing mentions {shown}: it is not a dependency."),
                            (None, _) => format!("{shown} is not a declared dependency: the search found it only in {}.", and_list(&files)),
                        })
                    }),
                ),
            ));
        }
    }
    // The project's own version: from the manifest when it is named, else after a look at the
    // top folder shows which manifest there is.
    {
        let t = one(
            g,
            &[
                "what version is the project at?",
                "what's the current version of this package",
                "which version does {m} declare?",
                "current release version?",
                "what version are we on according to {m}",
                "whats the version of this thing",
                "which version is the service at",
            ],
        );
        let (path, v) = (m.path, m.version.clone());
        // go.mod has no version of its own.
        if ws.lang != Lang::Go {
            let calls = if t.contains("{m}") { vec![call("read_file", json!({"path": path}))] } else { vec![call("list_directory", json!({})), call("read_file", json!({"path": path}))] };
            out.push(("project_version", (t.replace("{m}", path), calls, Box::new(move |_| Some(format!("The project is at version {v} ({path})."))))));
        }
    }
    // The toolchain the manifest asks for.
    if let Some(tc) = m.toolchain.clone() {
        let path = m.path;
        let (templates, answer): (&[&str], String) = match ws.lang {
            Lang::Python => (
                &["which python version does the project need?", "requires-python in pyproject?", "min python version for this package?", "what python does pyproject.toml require"],
                format!("The project requires Python {tc}."),
            ),
            Lang::TypeScript => (&["which node version does package.json require?", "node engine version?", "what node version do we need (engines)?"], format!("The project asks for node {tc}.")),
            Lang::Rust => (&["which rust edition do we use?", "edition in Cargo.toml?", "what edition is the crate on"], format!("The crate uses the {tc} edition.")),
            Lang::Go => (&["go version in go.mod?", "which go version does the module need?", "what go directive is in go.mod"], format!("The module declares go {tc}.")),
        };
        let t = one(g, templates);
        out.push(("toolchain", (t.to_string(), vec![call("read_file", json!({"path": path}))], Box::new(move |_| Some(answer.clone())))));
    }
    // Which kinds of files a folder holds.
    let mixed: Vec<&(String, Vec<String>)> = ws.folders.iter().filter(|(_, e)| e.iter().filter(|x| !x.ends_with('/')).count() >= 2 && e.iter().all(|x| x.ends_with('/') || x.contains('.'))).collect();
    if !mixed.is_empty() {
        let (folder, entries) = mixed[g.rng.below(mixed.len())];
        let mut exts: Vec<String> = entries.iter().filter(|x| !x.ends_with('/') && !x.starts_with('.')).filter_map(|x| x.rsplit_once('.').map(|(_, e)| format!(".{e}"))).collect();
        exts.sort();
        exts.dedup();
        let here = folder == ".";
        let t = one(g, &["which file types are in {d}?", "what kinds of files live in {d}", "which extensions does {d} have?", "{d}: what file types?", "what sort of files are in {d}"]);
        let req = t.replace("{d}", if here { "this folder" } else { folder });
        let args = if here { json!({}) } else { json!({"path": folder}) };
        let place = if here { "this folder".to_string() } else { folder.clone() };
        if !exts.is_empty() {
            out.push(("extensions", (req, vec![call("list_directory", args)], Box::new(move |_| Some(format!("{} holds {} files.", sentence_start(&place), and_list(&exts)))))));
        }
    }
    // The same for a folder and its subfolders: a recursive listing.
    let nested: Vec<&(String, Vec<String>)> = ws.folders.iter().filter(|(f, e)| f != "." && e.iter().any(|x| x.ends_with('/'))).collect();
    if !nested.is_empty() {
        let (folder, _) = nested[g.rng.below(nested.len())];
        let prefix = format!("{folder}/");
        let mut exts: Vec<String> = ws
            .files
            .iter()
            .filter_map(|(f, _)| f.strip_prefix(&prefix))
            .filter_map(|f| f.rsplit('/').next())
            .filter(|n| !n.starts_with('.'))
            .filter_map(|n| n.rsplit_once('.').map(|(_, e)| format!(".{e}")))
            .collect();
        exts.sort();
        exts.dedup();
        let t = one(
            g,
            &["which file types are under {d}, subfolders included?", "what kinds of files does {d} hold, recursively", "extensions of all files under {d}?", "{d} and below: which file types?"],
        );
        if !exts.is_empty() {
            let place = folder.clone();
            out.push((
                "extensions",
                (
                    t.replace("{d}", folder),
                    vec![call("list_directory", json!({"path": folder, "recursive": true}))],
                    Box::new(move |_| Some(format!("{} and its subfolders hold {} files.", sentence_start(&place), and_list(&exts)))),
                ),
            ));
        }
    }
    // A constant: where it is defined and its value.
    let unique: Vec<&(String, String, usize, String)> = ws.consts.iter().filter(|c| ws.consts.iter().filter(|o| o.0 == c.0).count() == 1).collect();
    if !unique.is_empty() {
        let (name, file, line, value) = unique[g.rng.below(unique.len())].clone();
        let t = one(g, &["where is {n} defined and what is it?", "what's {n} set to?", "{n} - value?", "where do we declare {n}", "what value does {n} have"]);
        out.push((
            "constant",
            (
                t.replace("{n}", &name),
                vec![call("search_code", json!({"pattern": name}))],
                Box::new(move |r: &[String]| r[0].contains(&format!("{file}:{line}:")).then(|| format!("{name} is {value}, defined in {file} (line {line})."))),
            ),
        ));
    }
    // TODO and FIXME notes together, in the whole tree or one folder.
    {
        let src = ws.funcs.first().map(|f| f.file.split('/').next().unwrap_or(".").to_string()).unwrap_or_else(|| ".".into());
        let in_src = g.chance(0.5) && src != ".";
        let t = one(g, &["any TODOs or FIXMEs left{in}? where", "find TODO and FIXME comments{in}", "which files{in} still have TODO/FIXME notes", "todo/fixme{in}?"]);
        let req = t.replace("{in}", &if in_src { format!(" in {src}") } else { String::new() });
        let args = if in_src { json!({"pattern": "TODO|FIXME", "path": src}) } else { json!({"pattern": "TODO|FIXME"}) };
        let mut files: Vec<String> = Vec::new();
        for (f, _, _) in ws.todos.iter().filter(|t| !in_src || t.0.starts_with(&format!("{src}/"))) {
            if !files.contains(f) {
                files.push(f.clone());
            }
        }
        let k = files.len();
        out.push((
            "todo_fixme",
            (
                req,
                vec![call("search_code", args)],
                Box::new(move |r: &[String]| {
                    (matched_files(&r[0]).len() == k).then(|| match k {
                        0 => "There are no TODO or FIXME notes.".to_string(),
                        1 => format!("Only {} has them.", files[0]),
                        _ => format!("{k} files have them: {}.", and_list(&files)),
                    })
                }),
            ),
        ));
    }
    // npm scripts and make targets.
    if !m.scripts.is_empty() {
        let (k, cmd) = m.scripts[g.rng.below(m.scripts.len())];
        let t = one(g, &["what does `npm run {k}` run?", "what's the {k} script?", "what does npm {k} do", "which command is the {k} script in package.json"]);
        out.push(("script", (t.replace("{k}", k), vec![call("read_file", json!({"path": "package.json"}))], Box::new(move |_| Some(format!("The {k} script runs `{cmd}`."))))));
    }
    if !ws.make_targets.is_empty() {
        let (k, cmd) = ws.make_targets[g.rng.below(ws.make_targets.len())];
        let t = one(g, &["what does `make {k}` do?", "what does the {k} target in the Makefile run", "make {k} - what command is that?"]);
        out.push(("make_target", (t.replace("{k}", k), vec![call("read_file", json!({"path": "Makefile"}))], Box::new(move |_| Some(format!("`make {k}` runs `{cmd}`."))))));
    }
    if let Some(image) = ws.base_image.clone() {
        let t = one(g, &["which base image does the Dockerfile use?", "what image is our Dockerfile FROM?", "what does the Dockerfile build from", "docker base image?"]);
        out.push(("base_image", (t.to_string(), vec![call("read_file", json!({"path": "Dockerfile"}))], Box::new(move |_| Some(format!("The Dockerfile builds FROM {image}."))))));
    }
    // Tests counted by a search in one file or one folder.
    if !ws.tests.is_empty() {
        let (file, k) = ws.tests[g.rng.below(ws.tests.len())].clone();
        let pattern = test_pattern(ws.lang);
        let t = one(g, &["how many tests are in {f}?", "how many test functions does {f} have", "count the tests in {f}", "number of tests in {f}?"]);
        out.push((
            "count_tests",
            (
                t.replace("{f}", &file),
                vec![call("search_code", json!({"pattern": pattern, "path": file}))],
                Box::new(move |r: &[String]| r[0].starts_with(&format!("[{} in 1 file]", plural(k, "match", "matches"))).then(|| format!("{file} has {}.", plural(k, "test", "tests")))),
            ),
        ));
        let total: usize = ws.tests.iter().map(|(_, k)| k).sum();
        let n_files = ws.tests.len();
        let t = one(g, &["how many tests do we have under tests/?", "count all the tests in tests", "how many test cases are there in the tests folder"]);
        out.push((
            "count_tests",
            (
                t.to_string(),
                vec![call("search_code", json!({"pattern": pattern, "path": "tests"}))],
                Box::new(move |r: &[String]| {
                    r[0].starts_with(&format!("[{} in {}]", plural(total, "match", "matches"), plural(n_files, "file", "files")))
                        .then(|| format!("There are {} in {} under tests.", plural(total, "test", "tests"), plural(n_files, "file", "files")))
                }),
            ),
        ));
    }
    // A setting found by its key alone.
    let unique: Vec<&Setting> = ws.settings.iter().filter(|s| !s.file.ends_with(".env") && ws.settings.iter().filter(|o| o.key == s.key).count() == 1).collect();
    if !unique.is_empty() {
        let st = unique[g.rng.below(unique.len())];
        let t = one(g, &["what is {k} set to?", "where do we configure {k}, and to what?", "what's the {k} value in the config?", "which {k} do we use", "{k}?"]);
        let (key, file, value) = (st.key, st.file.clone(), st.value.clone());
        out.push((
            "setting_search",
            (
                t.replace("{k}", key),
                vec![call("search_code", json!({"pattern": key}))],
                Box::new(move |r: &[String]| {
                    let hit = match_lines(&r[0]).into_iter().find(|(f, _, text)| *f == file && text.contains(key) && text.contains(&value))?;
                    Some(format!("{key} is set to {value} in {file} (line {}).", hit.1))
                }),
            ),
        ));
    }
    // What a function returns, found by searching for its name.
    if !ws.funcs.is_empty() {
        let f = &ws.funcs[g.rng.below(ws.funcs.len())];
        let t = one(g, &["what does {n} return?", "what's the return value of {n}", "{n} returns what?", "check what {n} gives back"]);
        let (name, file, line, ret, declared) = (f.name.clone(), f.file.clone(), f.line, f.returns.clone(), f.declared.clone());
        out.push((
            "returns_search",
            (
                t.replace("{n}", &name),
                vec![call("search_code", json!({"pattern": name}))],
                Box::new(move |r: &[String]| {
                    // A declared type is on the signature's match line; an expression must be in the context shown.
                    let shown = match &declared {
                        Some(_) => r[0].contains(&format!("{file}:{line}:")),
                        None => r[0].contains(&format!("return {ret}")),
                    };
                    shown.then(|| returns_answer(&name, Some(&file), &ret, declared.as_deref()))
                }),
            ),
        ));
    }
    // Who uses a function or a library: the files of the matches.
    {
        let word = if !ws.funcs.is_empty() && g.chance(0.5) { ws.funcs[g.rng.below(ws.funcs.len())].name.clone() } else { one(g, pool(IMPORTS, ws.lang)).to_string() };
        let t = one(g, &["which files use {w}?", "where is {w} used?", "is {w} used anywhere?", "who references {w}", "find everything that mentions {w}"]);
        let w = word.clone();
        out.push((
            "uses",
            (
                t.replace("{w}", &word),
                vec![call("search_code", json!({"pattern": word}))],
                Box::new(move |r: &[String]| {
                    let files = matched_files(&r[0]);
                    Some(match files.len() {
                        0 => format!("Nothing mentions {w}: the search found no matches."),
                        1 => format!("Only {} mentions {w}.", files[0]),
                        k if k <= 5 => format!("{w} appears in {k} files: {}.", and_list(&files)),
                        k => format!("{w} appears in {k} files, among them {}.", and_list(&files[..3])),
                    })
                }),
            ),
        ));
    }
    // Files of one type in the whole tree: the language's, or another type the tree has.
    {
        const OTHER: &[&str] = &["yaml", "yml", "json", "md", "toml", "sh", "txt", "sql", "cfg", "ini"];
        let others: Vec<&'static str> = OTHER.iter().copied().filter(|e| ws.files.iter().any(|(f, _)| f.ends_with(&format!(".{e}")))).collect();
        let ext: &'static str = if !others.is_empty() && g.chance(0.4) { others[g.rng.below(others.len())] } else { ws.lang.ext() };
        let all: Vec<&String> = ws.files.iter().map(|(f, _)| f).filter(|f| f.ends_with(&format!(".{ext}"))).collect();
        let k = all.len();
        let t = one(
            g,
            &[
                "how many .{e} files are there in the whole project?",
                "count all the .{e} files, every folder",
                "list every .{e} file in the repo",
                "how many .{e} files do we have in total, subfolders included",
            ],
        );
        out.push((
            "recursive_type",
            (
                t.replace("{e}", ext),
                vec![call("list_directory", json!({"recursive": true, "pattern": format!("*.{ext}")}))],
                Box::new(move |r: &[String]| {
                    let names: Vec<String> = r[0].lines().skip(1).map(String::from).collect();
                    (names.len() == k).then(|| match k {
                        0 => format!("There are no .{ext} files in the project."),
                        1..=5 => format!("There {} in the project: {}.", if k == 1 { format!("is 1 .{ext} file") } else { format!("are {k} .{ext} files") }, and_list(&names)),
                        _ => format!("There are {k} .{ext} files in the project, among them {}.", and_list(&names[..3])),
                    })
                }),
            ),
        ));
    }
    // A file named without its folder (or its extension): the error names it, then it is read.
    let nested: Vec<&Setting> = ws.settings.iter().filter(|s| s.file.contains('/')).collect();
    if !nested.is_empty() {
        let st = nested[g.rng.below(nested.len())];
        let base = st.file.rsplit('/').next().unwrap_or(&st.file).to_string();
        let t = one(g, &["what {k} does {f} set?", "what's the {k} in {f}", "what is {k} set to in {f}?", "check {f} for the {k}"]);
        let (file, key, value) = (st.file.clone(), st.key, st.value.clone());
        let shown_key = if file.ends_with(".env") { key.to_uppercase() } else { key.to_string() };
        out.push((
            "found_after_miss",
            (
                t.replace("{k}", st.said).replace("{f}", &base),
                vec![call("read_file", json!({"path": base})), call("read_file", json!({"path": file}))],
                Box::new(move |r: &[String]| r[0].ends_with(&format!("did you mean {file}?\"}}")).then(|| format!("{file} sets {shown_key} to {value}."))),
            ),
        ));
    }
    if ws.lang == Lang::Python && g.chance(0.5) {
        let v = m.version.clone();
        let t = one(g, &["what version is the project at according to pyproject?", "check pyproject for the version", "pyproject says which version?"]);
        out.push((
            "found_after_miss",
            (
                t.to_string(),
                vec![call("read_file", json!({"path": "pyproject"})), call("read_file", json!({"path": "pyproject.toml"}))],
                Box::new(move |r: &[String]| r[0].ends_with("did you mean pyproject.toml?\"}").then(|| format!("The project is at version {v} (pyproject.toml)."))),
            ),
        ));
    }
    let subfolders: Vec<&(String, Vec<String>)> = ws.folders.iter().filter(|(f, e)| f.contains('/') && !e.is_empty() && e.len() <= 8).collect();
    if !subfolders.is_empty() {
        let (folder, entries) = subfolders[g.rng.below(subfolders.len())];
        let base = folder.rsplit('/').next().unwrap_or(folder).to_string();
        let t = one(g, &["what's in {d}?", "list {d}", "which files are in the {d} folder"]);
        let (folder, entries) = (folder.clone(), entries.clone());
        out.push((
            "found_after_miss",
            (
                t.replace("{d}", &base),
                vec![call("list_directory", json!({"path": base})), call("list_directory", json!({"path": folder}))],
                Box::new(move |r: &[String]| {
                    r[0].ends_with(&format!("did you mean {folder}?\"}}")).then(|| format!("{folder} has {}: {}.", plural(entries.len(), "entry", "entries"), and_list(&entries)))
                }),
            ),
        ));
    }
    out
}

/// `n` grounded file-tool examples from generated workspaces, seeded by `seed`.
pub fn file_examples(n: usize, seed: u64) -> Result<Vec<Grounded>> {
    let mut g = Gen::new(seed, super::gen::Split::Train);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut out = Vec::new();
    let mut rounds = 0;
    while out.len() < n {
        rounds += 1;
        anyhow::ensure!(rounds < n * 4 + 100, "grounded examples: too few questions could be answered");
        let ws = workspace(&mut g).context("cannot write a generated workspace")?;
        let sb = Sandbox::new(&ws.root, Confirm::Never)?;
        let mut qs: Vec<(&'static str, Steps)> = questions(&mut g, &ws)
            .into_iter()
            .map(|(kind, (request, c, answer))| (kind, (request, vec![c], Box::new(move |r: &[String]| answer(&r[0])) as Box<dyn Fn(&[String]) -> Option<String>>)))
            .collect();
        qs.extend(step_questions(&mut g, &ws));
        // A few questions per workspace, so that trees vary more than questions.
        for (kind, (request, calls, answer)) in qs.into_iter().filter(|_| g.chance(0.3)) {
            let mut messages = vec![Message::User { content: request.clone() }];
            let mut texts = Vec::new();
            for c in &calls {
                let result = match rt.block_on(sb.run(&c.name, &c.arguments)) {
                    Ok(v) => v,
                    Err(e) => json!({"error": e}),
                };
                texts.push(match &result {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                });
                messages.push(Message::Assistant { content: None, tool_calls: vec![c.clone()] });
                messages.push(Message::Tool { name: c.name.clone(), content: result });
            }
            let Some(answer) = answer(&texts) else { continue };
            let mut shown: Vec<&str> = texts.iter().map(String::as_str).collect();
            shown.push(&request);
            let unsupported = crate::eval::answers::unsupported(&answer, &shown);
            anyhow::ensure!(unsupported.is_empty(), "grounded answer {answer:?} says {unsupported:?}, which the results do not show:\n{}", texts.join("\n"));
            messages.push(Message::Assistant { content: Some(answer), tool_calls: vec![] });
            out.push(Grounded { kind, messages });
            if out.len() == n {
                break;
            }
        }
    }
    Ok(out)
}

const REPLIES: &[(&str, &[&str])] = &[
    (
        "review",
        &[
            "The loop reads one element past the end: `range(len(a) + 1)` should be `range(len(a))`.",
            "Two problems: the exception is swallowed silently, and the connection is never closed on error.",
            "Looks correct; the only issue is that the retry count is hard-coded to 3.",
        ],
    ),
    (
        "generate",
        &[
            "Here is the function:\n\n```python\ndef parse_date(s):\n    return datetime.fromisoformat(s)\n```",
            "```bash\n#!/bin/sh\nfind /var/log/app -name '*.log' -mtime +7 -delete\n```",
            "```rust\nfn merge(a: &[i32], b: &[i32]) -> Vec<i32> {\n    let mut v = [a, b].concat();\n    v.sort();\n    v\n}\n```",
        ],
    ),
    (
        "summarize",
        &[
            "The release adds streaming responses, fixes the session leak and drops Python 3.8.",
            "The team agreed to ship on Friday and to freeze the API until then.",
            "Connections were reset 42 times between 02:00 and 02:15, all on worker 3.",
        ],
    ),
    (
        "analyze",
        &[
            "The KeyError comes from a settings file without a backend_id entry; the loader should fall back to the default backend.",
            "The regex backtracks exponentially on long runs of a; use `a+$` instead.",
            "Most of the time goes to the full-table scan on orders; an index on status would remove it.",
        ],
    ),
    (
        "plan",
        &[
            "1. Add a Postgres queue table. 2. Write to both queues. 3. Move readers over. 4. Remove Redis.",
            "Start with the auth service, then billing, and keep the monolith as a gateway until both are out.",
            "Phase one adds the OAuth provider behind a flag; phase two migrates existing users.",
        ],
    ),
    (
        "critique",
        &[
            "Caching everything in memory will not survive restarts and grows without bound.",
            "Returning 200 on failure hides errors from every client; use 4xx and 5xx codes.",
            "The schema duplicates the customer address in three tables.",
        ],
    ),
    (
        "quick",
        &[
            "HTTP 429 means Too Many Requests: the client is being rate limited.",
            "Postgres listens on port 5432 by default.",
            "git stash pop applies the latest stash and removes it from the stash list.",
        ],
    ),
];

const TIERS: &[&str] = &["quick", "coder", "moe", "thinking"];

fn footer(model: &str, tier: &str, tokens: i64, secs: f64) -> String {
    format!("\n\n---\n_Model: {model} • Tier: {tier} • {tokens} tokens • {secs:.1}s_")
}

fn first_sentence(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    match line.find(". ") {
        Some(i) => line[..=i].to_string(),
        None => line.to_string(),
    }
}

/// A Delia-shaped result for `call` and the answer that reports it, or None for tools it has no
/// results for.
fn delia_result(g: &mut Gen, c: &Call) -> Option<(Value, String)> {
    let models: Vec<&str> = super::values::MODEL_NAMES.iter().chain(super::values::MODEL_NAMES_TRAIN).copied().collect();
    let backends: Vec<&str> = super::values::BACKEND_IDS.iter().chain(super::values::BACKEND_IDS_TRAIN).copied().collect();
    let arg = |k: &str| c.arguments.get(k).and_then(Value::as_str).map(str::to_string);
    let no_backend = g.chance(0.2);
    Some(match c.name.as_str() {
        "delegate" | "think" | "batch" | "batch_vote" | "chain" if no_backend => {
            let msg = one(g, &["No backend configured", "No backend configured. Add one to settings.json or run `delia init`.", "All backends are unavailable"]);
            (json!({"error": msg}), format!("Delia could not run it: \"{msg}\"."))
        }
        "delegate" => {
            let task = arg("task").unwrap_or_else(|| "analyze".into());
            let tier = match task.as_str() {
                "quick" | "summarize" => "quick",
                "plan" | "critique" => "moe",
                _ => "coder",
            };
            let tier = arg("model").filter(|m| TIERS.contains(&m.as_str())).map_or(tier.to_string(), |m| m);
            let reply = one(g, REPLIES.iter().find(|(t, _)| *t == task).map_or(REPLIES[0].1, |r| r.1));
            let model = one(g, &models);
            let tokens = g.int(40, 2400);
            let with_footer = c.arguments.get("include_metadata") != Some(&json!(false));
            let text = if with_footer { format!("{reply}{}", footer(model, &tier, tokens, g.int(5, 300) as f64 / 10.0)) } else { reply.to_string() };
            let answer = if reply.contains("```") {
                if with_footer {
                    format!("Delia's {tier} tier ({model}) wrote it; the code is in the result above.")
                } else {
                    "Delia wrote it; the code is in the result above.".to_string()
                }
            } else if with_footer {
                format!("Delia's {tier} tier ({model}) answered: {}", first_sentence(reply))
            } else {
                format!("Delia answered: {}", first_sentence(reply))
            };
            (json!(text), answer)
        }
        "think" => {
            let conclusion = one(
                g,
                &[
                    "Use a write-through cache keyed by the request hash; invalidate on writes.",
                    "Keep sessions in Postgres: restarts lose nothing and the queue can read them.",
                    "The deadlock comes from taking the two locks in opposite orders; always take the queue lock first.",
                    "Roll out behind a flag to 5% of traffic first.",
                ],
            );
            let model = one(g, &["deepseek-r1:14b", "qwen3:30b-a3b", "deepseek-r1:32b"]);
            let depth = arg("depth").unwrap_or_else(|| "normal".into());
            (
                json!(format!(
                    "**Conclusion:** {conclusion}\n\nReasoning ({depth}): weighed the options against the constraints given.{}",
                    footer(model, "thinking", g.int(300, 4000), g.int(50, 900) as f64 / 10.0)
                )),
                format!("The thinking model ({model}) concluded: {conclusion}"),
            )
        }
        "health" => {
            let n = g.int(0, 3) as usize;
            let mut ids: Vec<&str> = Vec::new();
            while ids.len() < n {
                let b = one(g, &backends);
                if !ids.contains(&b) {
                    ids.push(b);
                }
            }
            let up: Vec<bool> = ids.iter().map(|_| g.chance(0.7)).collect();
            let ups: Vec<String> = ids.iter().zip(&up).filter(|(_, u)| **u).map(|(i, _)| i.to_string()).collect();
            let downs: Vec<String> = ids.iter().zip(&up).filter(|(_, u)| !**u).map(|(i, _)| i.to_string()).collect();
            let status = if n == 0 || ups.is_empty() {
                "unhealthy"
            } else if downs.is_empty() {
                "healthy"
            } else {
                "degraded"
            };
            let list: Vec<Value> = ids
                .iter()
                .zip(&up)
                .map(|(id, u)| json!({"id": id, "provider": id.split('-').next().unwrap_or(id), "healthy": u, "models_loaded": if *u { json!([one(g, &models)]) } else { json!([]) }}))
                .collect();
            let active = ups.first().cloned();
            let calls = g.int(0, 900);
            let v = json!({"status": status, "active_backend": active, "backends": list, "routing": {"prefer_local": true, "fallback_enabled": g.chance(0.5)}, "usage": {"total_calls": calls.to_string(), "estimated_savings": format!("${}.{:02}", g.int(0, 40), g.int(0, 99))}});
            let answer = match (n, ups.len(), downs.len()) {
                (0, _, _) => "Delia is unhealthy: no backends are configured.".to_string(),
                (_, 0, _) => format!("Delia is unhealthy: {} down.", if n == 1 { format!("its only backend, {}, is", downs[0]) } else { format!("all backends ({}) are", and_list(&downs)) }),
                (_, _, 0) => format!("Delia is healthy: {} up, and {} is active.", if n == 1 { format!("{} is", ups[0]) } else { format!("{} are", and_list(&ups)) }, ups[0]),
                _ => format!("Delia is degraded: {} up but {} down.", and_list(&ups), and_list(&downs)),
            };
            (v, answer)
        }
        "models" => {
            let k = g.int(1, 5) as usize;
            let mut list = Vec::new();
            let mut names: Vec<String> = Vec::new();
            while names.len() < k {
                let m = one(g, &models);
                if names.iter().any(|x| x == m) {
                    continue;
                }
                let (tier, loaded) = (one(g, TIERS), g.chance(0.5));
                list.push(json!({"name": m, "tier": tier, "backend": one(g, &backends), "loaded": loaded}));
                names.push(format!("{m} ({tier}{})", if loaded { ", loaded" } else { "" }));
            }
            let answer = if k == 1 { format!("One model is configured: {}.", names[0]) } else { format!("The configured models are {}.", and_list(&names)) };
            (json!({"models": list}), answer)
        }
        "queue_status" => {
            let (queued, active) = (g.int(0, 12), g.int(0, 4));
            let m = one(g, &models);
            let (used, total) = (g.int(1, 23) * 1024, 24 * 1024);
            (
                json!({"queued": queued, "active": active, "loaded_models": [m], "gpu_memory_used_mb": used, "gpu_memory_total_mb": total}),
                format!("{} waiting and {active} running; {m} is loaded, using {used} of {total} MB of GPU memory.", plural(queued as usize, "request is", "requests are")),
            )
        }
        "session_list" => {
            let k = g.int(0, 4) as usize;
            let ids: Vec<String> = (0..k).map(|_| format!("{}{:08x}", one(g, &["sess-", "sess_", "s-", ""]), g.rng.below(1 << 30) as u32)).collect();
            let list: Vec<Value> = ids.iter().map(|id| json!({"session_id": id, "messages": g.int(1, 40)})).collect();
            let answer = if k == 0 { "No sessions are open.".to_string() } else { format!("{} open: {}.", plural(k, "session is", "sessions are"), and_list(&ids)) };
            (json!({"sessions": list, "total": k}), answer)
        }
        "switch_model" => {
            let (tier, model) = (arg("tier").unwrap_or_default(), arg("model_name").unwrap_or_default());
            if g.chance(0.3) {
                let backend = one(g, &backends);
                let msg = format!("Error: Model '{model}' is not available on the active backend {backend}");
                (json!(msg), format!("The switch failed: {}", msg.trim_start_matches("Error: ")))
            } else {
                (json!(format!("Switched the {tier} tier to {model} (saved to settings.json).")), format!("Done: the {tier} tier now uses {model}."))
            }
        }
        "switch_backend" => {
            let id = arg("backend_id").unwrap_or_default();
            if g.chance(0.3) {
                let msg = format!("Error: Unknown backend '{id}'. Available: {}", and_list(&[one(g, &backends).to_string(), one(g, &backends).to_string()]));
                (json!(msg), format!("Delia refused: {}", msg.trim_start_matches("Error: ")))
            } else {
                (json!(format!("Active backend is now {id}.")), format!("Done: {id} is now the active backend."))
            }
        }
        "get_model_info_tool" => {
            let name = arg("model_name").unwrap_or_default();
            let (vram, ctx, tier) = (g.int(2, 80), one(g, &[8192, 32768, 131072, 4096]), one(g, TIERS));
            (
                json!({"model": name, "vram_gb": vram, "context_window": ctx, "tier": tier}),
                format!("{name} needs about {vram} GB of VRAM, has a {ctx}-token context window and sits in the {tier} tier."),
            )
        }
        "melons" => {
            let (a, b) = (one(g, &models), one(g, &models));
            if a == b {
                return None;
            }
            let (x, y) = (g.int(20, 90), g.int(1, 19));
            (json!({"leaderboard": [{"model": a, "melons": x}, {"model": b, "melons": y}]}), format!("{a} leads with {x} melons, ahead of {b} with {y}."))
        }
        _ => return None,
    })
}

/// `n` Delia examples: synthesised requests, Delia-shaped results, answers that quote them.
pub fn delia_examples(n: usize, seed: u64) -> Result<Vec<Grounded>> {
    const TOOLS: &[&str] =
        &["delegate", "delegate", "think", "health", "health", "models", "queue_status", "session_list", "switch_model", "switch_backend", "get_model_info_tool", "melons", "batch", "chain"];
    let mut g = Gen::new(seed, super::gen::Split::Train);
    let mut out = Vec::new();
    for _ in 0..n * 20 {
        if out.len() == n {
            break;
        }
        let tool = one(&mut g, TOOLS);
        let core = super::synth::generate(tool, &mut g);
        let style = one(&mut g, &[super::gen::Style::Imperative, super::gen::Style::Question, super::gen::Style::Polite]);
        let request = super::gen::styled(&mut g, &core.text, style);
        let c = Call { name: tool.into(), arguments: core.arguments };
        // batch and chain have results only when no backend answers.
        let Some((result, answer)) = delia_result(&mut g, &c).filter(|(r, _)| !matches!(tool, "batch" | "chain") || r.get("error").is_some()) else { continue };
        let text = match &result {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        let unsupported = crate::eval::answers::unsupported(&answer, &[&text, &request]);
        anyhow::ensure!(unsupported.is_empty(), "Delia answer {answer:?} says {unsupported:?}, which the result does not show:\n{text}");
        out.push(Grounded {
            kind: "delia",
            messages: vec![
                Message::User { content: request },
                Message::Assistant { content: None, tool_calls: vec![c.clone()] },
                Message::Tool { name: c.name.clone(), content: result },
                Message::Assistant { content: Some(answer), tool_calls: vec![] },
            ],
        });
    }
    Ok(out)
}
