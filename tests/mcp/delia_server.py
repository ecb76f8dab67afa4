"""A FastMCP server with fixture tools that have Delia's signatures (for fg's MCP tests).

Run: python3 tests/mcp/delia_server.py            (stdio)
     python3 tests/mcp/delia_server.py --http PORT (streamable HTTP at /mcp)
"""
import os
import sys
import time
from typing import Optional

from fastmcp import FastMCP

mcp = FastMCP("delia-fixture")


@mcp.tool()
def delegate(task: str, content: str, file: Optional[str] = None, model: Optional[str] = None,
             language: Optional[str] = None, max_tokens: Optional[int] = None, dry_run: bool = False) -> str:
    """Execute a task with intelligent 3-tier model selection."""
    tier = {"quick": "quick", "summarize": "quick", "plan": "moe", "critique": "moe"}.get(task, "coder")
    if dry_run:
        return f"dry run: {task} would go to the {tier} tier"
    return f"[{tier} tier] {task}: {content[:80]}"


@mcp.tool()
def think(problem: str, context: str = "", depth: str = "normal", session_id: Optional[str] = None) -> str:
    """Deep reasoning for complex problems."""
    return f"thought ({depth}) about: {problem}"


@mcp.tool()
def health() -> dict:
    """Check health status of Delia and all configured GPU backends."""
    return {"status": "healthy", "backends": [{"id": "ollama-local", "healthy": True}]}


@mcp.tool()
def session_list(client_id: Optional[str] = None) -> dict:
    """List active conversation sessions."""
    return {"sessions": ["sess_0001", "sess_0002"], "client_id": client_id}


@mcp.tool()
def switch_model(tier: str, model_name: str) -> str:
    """Switch the model for a specific tier at runtime."""
    if tier not in ("quick", "coder", "moe", "thinking"):
        raise ValueError(f"unknown tier {tier}")
    return f"{tier} tier now uses {model_name}"


@mcp.tool()
def queue_status() -> dict:
    """Get current status of the model queue system (slow on purpose when FIXTURE_SLOW is set)."""
    time.sleep(float(os.environ.get("FIXTURE_SLOW", "0")))
    return {"queued": 0}


@mcp.tool()
def models() -> dict:
    """List all configured models (the fixture dies here, to test a crashing server)."""
    os._exit(3)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--http":
        mcp.run(transport="http", host="127.0.0.1", port=int(sys.argv[2]), path="/mcp", show_banner=False)
    else:
        mcp.run(show_banner=False)
