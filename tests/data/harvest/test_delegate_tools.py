"""Fixture in the shapes Delia's own tests use (for fg's harvest tests)."""
import pytest


@pytest.mark.asyncio
async def test_delegate_review(mcp_server):
    result = await mcp_server.delegate.fn(task="review", content="def add(a, b):\n    return a - b", language="python")
    assert "bug" in result


@pytest.mark.asyncio
async def test_think_deep(mcp_server):
    await mcp_server.think.fn(problem="Why is the cache stale?", depth="deep")


@pytest.mark.asyncio
async def test_invalid_enum(mcp_server):
    # task is not one of the enum values: dropped by harvest
    await mcp_server.delegate.fn(task="translate", content="hola")


@pytest.mark.asyncio
async def test_missing_required(mcp_server):
    await mcp_server.read_file.fn(start_line=3)


def test_parser_accepts_xml():
    text = '<tool_call>{"name": "read_file", "arguments": {"path": "src/main.py", "start_line": 10}}</tool_call>'
    calls = parse_tool_calls(text)
    assert calls[0]["name"] == "read_file"


def test_bare_json_call():
    call = {"name": "web_search", "arguments": {"query": "fastmcp streaming", "max_results": 3}}
    assert call["name"] == "web_search"


def test_python_dict_call():
    call = {'name': 'list_directory', 'arguments': {'path': 'src', 'recursive': True}}
    assert call


def test_wrong_type():
    call = {"name": "web_search", "arguments": {"query": "x", "max_results": "five"}}


def test_unknown_tool():
    call = {"name": "launch_rocket", "arguments": {"target": "moon"}}


async def test_call_tool(client):
    await client.call_tool("session_get", {"session_id": "sess_abc123"})


def test_duplicate():
    call = {"name": "web_search", "arguments": {"query": "fastmcp streaming", "max_results": 3}}
