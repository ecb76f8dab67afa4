"""A FastMCP server whose tools use the JSON Schema forms `fg tools pull` must normalise, as FastMCP
and pydantic write them: Optional arguments (anyOf with null, default null), a pydantic model ($ref
into $defs), Literal (enum), tuple[int, str] (prefixItems), Field bounds, and a tool with fg's
builtin name `read_file`. With --recursive it also lists a tool whose model refers to itself.

Run: python3 tests/mcp/schema_server.py [--recursive]   (stdio)
"""
import sys
from typing import Literal, Optional

from fastmcp import FastMCP
from pydantic import BaseModel, Field

mcp = FastMCP("schema-fixture")


class Point(BaseModel):
    x: int
    y: int
    label: Optional[str] = None


@mcp.tool()
def place(point: Point, mode: Literal["fast", "exact"] = "fast", span: Optional[tuple[int, str]] = None,
          count: int = Field(default=3, ge=1, le=10), note: Optional[str] = None) -> str:
    """Place a marker at a point on the board."""
    return f"placed at {point.x},{point.y} ({mode})"


@mcp.tool()
def read_file(name: str) -> str:
    """A server tool that has the name of one of fg's builtins."""
    return name


if "--recursive" in sys.argv:
    class Node(BaseModel):
        name: str
        children: list["Node"] = []

    @mcp.tool()
    def tree(root: Node) -> str:
        """Walk a tree of nodes."""
        return root.name


if __name__ == "__main__":
    mcp.run(show_banner=False)
