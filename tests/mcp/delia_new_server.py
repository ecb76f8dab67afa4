"""A FastMCP server of the NEWEST Delia's shape (zbrdc/delia after the ADR-010 consolidation), for
fg's MCP tests: the shapes of its tools (names, parameters, result formats) copied from its source,
not its code.

What differs from the old Delia (tests/mcp/delia_server.py) and is exercised here:
- `models`, `queue_status`, `switch_model`, `get_model_info_tool`, `mcp_servers` are actions of
  `admin(action=...)`; the `session_*` tools are `session(action=...)`; `batch_vote`, `melons` and
  `switch_backend` are gone.
- strict mode (DELIA_STRICT_MODE, on unless "false") answers `delegate` before `auto_context` with a
  normal result whose text is `{"result": {"error": "WORKFLOW_REQUIRED", ...}}`, as Delia's
  check_context_gate does.
- `health` returns Markdown.
- a log line is printed on stdout before the first message, and `health` writes a JSON log line and
  a plain one on stdout between messages (what a stray print or a structlog logger on stdout does).
- `read_file`, `write_file` and `delete_file` are offered, with MCP annotations (the real Delia sets
  none): readOnlyHint on read_file, destructiveHint on write_file and delete_file. write_file and
  delete_file really write and delete under $DELIA_FIXTURE_ROOT, so tests can see whether they ran.

Run: python3 tests/mcp/delia_new_server.py   (stdio)
"""
import json
import os
import sys
from pathlib import Path
from typing import Literal, Optional

from fastmcp import FastMCP

mcp = FastMCP("delia-new-fixture")

# The process's original stdout, where the protocol's messages go.
_PROTOCOL_STDOUT = os.dup(1)
STRICT = os.environ.get("DELIA_STRICT_MODE", "true").lower() in ("true", "1", "yes")
_context_started = False


def _root() -> Path:
    root = os.environ.get("DELIA_FIXTURE_ROOT")
    if not root:
        raise ValueError("DELIA_FIXTURE_ROOT is not set")
    return Path(root).resolve()


def _beneath_root(path: str) -> Path:
    root = _root()
    p = (root / path).resolve()
    if p != root and root not in p.parents:
        raise ValueError(f"Path {path} is outside workspace {root}")
    return p


def _gate(tool_name: str) -> Optional[str]:
    """Delia's context gate: a JSON error payload returned as a normal (successful) result."""
    if not STRICT or _context_started:
        return None
    error = {
        "error": "WORKFLOW_REQUIRED",
        "message": "[FRAMEWORK REJECTION] Workflow Violation Detected. You MUST call `auto_context()` FIRST.",
        "action": f'auto_context(message="your task description", path="{os.getcwd()}")',
        "tool_blocked": tool_name,
    }
    return json.dumps({"result": error}, indent=2)


@mcp.tool()
async def auto_context(message: str, path: Optional[str] = None) -> str:
    """START HERE - Automatically detect task type and load relevant context."""
    global _context_started
    _context_started = True
    return json.dumps({"status": "context_loaded", "task_type": "coder", "path": path or os.getcwd()})


@mcp.tool()
async def delegate(task: str, content: str, file: Optional[str] = None, model: Optional[str] = None,
                   language: Optional[str] = None, context: Optional[str] = None, backend_type: Optional[str] = None,
                   max_tokens: Optional[int] = None, dry_run: bool = False, session_id: Optional[str] = None) -> str:
    """Execute a task with intelligent 3-tier model selection."""
    gate = _gate("delegate")
    if gate:
        return gate
    return f"[coder tier] {task}: {content[:80]}"


@mcp.tool()
async def think(problem: str, context: str = "", depth: str = "normal", session_id: Optional[str] = None) -> str:
    """Deep reasoning for complex problems with extended thinking."""
    return f"thought ({depth}) about: {problem}"


@mcp.tool()
async def batch(tasks: str, include_metadata: bool = True, max_tokens: Optional[int] = None, session_id: Optional[str] = None) -> str:
    """Execute multiple tasks in PARALLEL across all available backends."""
    return json.dumps({"results": [], "tasks": len(json.loads(tasks))})


@mcp.tool()
async def chain(steps: str, session_id: Optional[str] = None, continue_on_error: bool = False) -> str:
    """Execute a chain of tasks sequentially with output piping."""
    return json.dumps({"steps": len(json.loads(steps)), "results": []})


@mcp.tool()
async def workflow(definition: str, session_id: Optional[str] = None, max_retries: int = 1) -> str:
    """Execute a DAG workflow with conditional branching and retry logic."""
    return json.dumps({"nodes": len(json.loads(definition).get("nodes", [])), "results": {}})


@mcp.tool()
async def agent(prompt: str, system_prompt: Optional[str] = None, model: Optional[str] = None, max_iterations: int = 10,
                tools: Optional[str] = None, backend_type: Optional[str] = None, workspace: Optional[str] = None) -> str:
    """Run an autonomous agent that can use tools to complete tasks."""
    return f"agent finished: {prompt[:80]}"


@mcp.tool()
async def health() -> str:
    """Check health status of Delia and all configured GPU backends."""
    # A JSON log line, and a plain one, on stdout between two protocol messages. The MCP SDK diverts
    # fd 1 to stderr while it serves, so they go to the protocol's own descriptor, saved at start.
    os.write(_PROTOCOL_STDOUT, (json.dumps({"event": "health_checked", "level": "info"}) + "\nhealth: checked\n").encode())
    return "\n".join(["# Delia Framework Status\n", "**Status**: NOT INITIALIZED", f"**Directory**: `{os.getcwd()}`"])


@mcp.tool()
async def session(action: Literal["list", "stats", "compact", "delete", "snapshot"], session_id: Optional[str] = None,
                  force: bool = False) -> str:
    """Unified session management (ADR-010). Actions: list, stats, compact, delete, snapshot."""
    if action == "list":
        return json.dumps({"sessions": [], "total": 0})
    if session_id is None:
        return json.dumps({"error": "session_id is required", "hint": "call session(action='list') for the ids"})
    return json.dumps({"error": f"Session {session_id} not found"})


@mcp.tool()
async def admin(action: Literal["switch_model", "queue_status", "mcp_servers", "vector_store", "models", "dashboard",
                                "model_info", "tools", "describe", "framework_stats", "framework_cleanup"],
                tier: Optional[str] = None, model_name: Optional[str] = None, tool_name: Optional[str] = None) -> str:
    """Unified admin/system management (ADR-010). Actions: switch_model, queue_status, mcp_servers, vector_store, models, dashboard, model_info, tools, describe, framework_stats, framework_cleanup."""
    if action == "switch_model":
        if tier not in ("quick", "coder", "moe", "thinking"):
            raise ValueError(f"unknown tier {tier}")
        return f"{tier} tier now uses {model_name}"
    if action == "queue_status":
        return json.dumps({"queued": 0, "active": 0})
    return json.dumps({"action": action, "status": "ok"})


@mcp.tool(annotations={"readOnlyHint": True})
async def read_file(path: str, start_line: int = 1, end_line: Optional[int] = None) -> str:
    """Read file contents with optional line range."""
    lines = _beneath_root(path).read_text().splitlines()[start_line - 1:end_line]
    return "\n".join(f"{i:4d}│{line}" for i, line in enumerate(lines, start=start_line)) or "(empty file)"


@mcp.tool(annotations={"readOnlyHint": False, "destructiveHint": True})
async def write_file(path: str, content: str, create_dirs: bool = True) -> str:
    """Write content to a file."""
    p = _beneath_root(path)
    if create_dirs:
        p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(content)
    return f"Wrote {len(content)} bytes to {path}"


@mcp.tool(annotations={"destructiveHint": True})
async def delete_file(path: str) -> str:
    """Delete a file."""
    _beneath_root(path).unlink()
    return f"Deleted {path}"


@mcp.tool()
async def lsp_batch(action: Literal["execute", "history", "undo"] = "execute", operations: Optional[str] = None,
                    batch_id: Optional[str] = None, limit: int = 10) -> str:
    """Batch LSP operations with undo support."""
    if action == "execute" and operations is None:
        return json.dumps({"error": "execute requires operations JSON"})
    return json.dumps({"action": action, "batches": []})


@mcp.tool()
async def list_dir(path: str = ".", recursive: bool = False, pattern: Optional[str] = None) -> str:
    """List directory contents."""
    return "\n".join(sorted(p.name + ("/" if p.is_dir() else "") for p in _beneath_root(path).iterdir())) or "No files found."


if __name__ == "__main__":
    # A plain log line before the first protocol message.
    print("delia-new-fixture: starting on stdio", flush=True)
    mcp.run(show_banner=False)
