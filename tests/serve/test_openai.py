"""`fg serve` through the real `openai` Python client (run by tests/serve.rs, which starts two servers:
FG_URL with an API key and a queue of 64, FG_URL_SMALL with one slot and a queue of one).

Greedy decoding everywhere, so a request gives the same turn streamed or not.
"""

import json
import os
import statistics
import threading
import time
import urllib.request

import httpx2 as httpx  # the HTTP client the openai package itself uses
import openai
import pytest

URL = os.environ["FG_URL"]
SMALL = os.environ["FG_URL_SMALL"]
KEY = os.environ["FG_KEY"]
TOOLS = json.load(open(os.environ["FG_TOOLS"], encoding="utf-8"))
WEATHER = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"}}, "required": ["city"]},
    },
}]


def client(url=URL, key=KEY, **kw):
    return openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=120, **kw)


def ask(content, **kw):
    return client().chat.completions.create(model="delia", messages=[{"role": "user", "content": content}], **kw)


def schema_ok(tools, call):
    """The call names a declared tool, its arguments parse, hold every required key and only declared keys."""
    fn = next(t["function"] for t in tools if t["function"]["name"] == call.function.name)
    args = json.loads(call.function.arguments)
    params = fn["parameters"]
    assert set(params.get("required", [])) <= set(args), (call.function.name, args)
    assert set(args) <= set(params.get("properties", {})), (call.function.name, args)
    for k, v in args.items():
        want = params["properties"][k].get("type")
        kinds = {"string": str, "integer": int, "boolean": bool, "number": (int, float)}
        if want in kinds:
            assert isinstance(v, kinds[want]), (k, v)
        if "enum" in params["properties"][k]:
            assert v in params["properties"][k]["enum"], (k, v)
    return args


def test_models_and_health():
    models = client().models.list()
    assert [m.id for m in models.data] == ["delia"]
    health = json.load(urllib.request.urlopen(URL + "/health"))
    assert health["status"] == "ok"


def test_a_plain_answer_without_tools():
    r = ask("Reply with one short sentence: what is a unit test?", max_tokens=60)
    c = r.choices[0]
    assert c.message.tool_calls is None
    assert isinstance(c.message.content, str) and c.message.content.strip()
    assert c.finish_reason in ("stop", "length")
    assert r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_auto_calls_a_tool_with_schema_valid_arguments():
    r = ask("List the files in src", tools=TOOLS)
    c = r.choices[0]
    assert c.finish_reason == "tool_calls"
    assert len(c.message.tool_calls) == 1
    call = c.message.tool_calls[0]
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "list_directory"
    assert schema_ok(TOOLS, call) == {"path": "src"}


def test_tool_choice_none_answers_in_text():
    r = ask("List the files in src", tools=TOOLS, tool_choice="none", max_tokens=40)
    c = r.choices[0]
    assert c.message.tool_calls is None
    assert c.finish_reason in ("stop", "length")
    assert c.message.content


def test_tool_choice_required_calls_even_for_a_question():
    r = ask("What is the capital of France?", tools=TOOLS, tool_choice="required")
    c = r.choices[0]
    assert c.finish_reason == "tool_calls" and c.message.tool_calls
    for call in c.message.tool_calls:
        schema_ok(TOOLS, call)


def test_a_named_function_is_the_one_called():
    r = ask("What is the capital of France?", tools=TOOLS, tool_choice={"type": "function", "function": {"name": "web_search"}})
    calls = r.choices[0].message.tool_calls
    assert calls and all(c.function.name == "web_search" for c in calls)
    assert schema_ok(TOOLS, calls[0])["query"]


def test_any_tools_not_only_delias():
    r = ask("What's the weather in Paris right now?", tools=WEATHER, tool_choice="required")
    call = r.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    args = schema_ok(WEATHER, call)
    assert "city" in args


def test_a_tool_result_round_trip():
    messages = [{"role": "user", "content": "List the files in src"}]
    first = client().chat.completions.create(model="delia", messages=messages, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "main.rs\nlib.rs\ncli.rs"})
    second = client().chat.completions.create(model="delia", messages=messages, tools=TOOLS, max_tokens=80)
    c = second.choices[0]
    assert c.message.tool_calls is None, c.message.tool_calls
    assert c.finish_reason == "stop"
    assert c.message.content and c.message.content.strip()
    # The result was seen: the prompt grew by the call and the result.
    assert second.usage.prompt_tokens > first.usage.prompt_tokens + first.usage.completion_tokens


def test_parallel_calls_and_parallel_tool_calls_false():
    q = "What's in Dockerfile and in scripts/deploy.sh?"
    r = ask(q, tools=TOOLS)
    calls = r.choices[0].message.tool_calls
    assert [c.function.name for c in calls] == ["read_file", "read_file"]
    assert [json.loads(c.function.arguments)["path"] for c in calls] == ["Dockerfile", "scripts/deploy.sh"]
    assert len({c.id for c in calls}) == 2
    one = ask(q, tools=TOOLS, parallel_tool_calls=False).choices[0].message.tool_calls
    assert len(one) == 1 and one[0].function.name == "read_file"


def test_streaming_text_arrives_in_pieces_and_equals_the_whole():
    kw = dict(max_tokens=60)
    whole = ask("Reply with one short sentence: what is a unit test?", **kw).choices[0].message.content
    pieces = []
    finish = None
    usage = None
    stream = client().chat.completions.create(model="delia", messages=[{"role": "user", "content": "Reply with one short sentence: what is a unit test?"}], stream=True, stream_options={"include_usage": True}, **kw)
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for ch in chunk.choices:
            if ch.delta.content:
                pieces.append(ch.delta.content)
            if ch.finish_reason:
                finish = ch.finish_reason
    assert len(pieces) > 3, pieces
    assert "".join(pieces).strip() == whole.strip()
    assert finish in ("stop", "length")
    assert usage and usage.completion_tokens > 0


def test_streaming_tool_calls_as_deltas():
    stream = client().chat.completions.create(model="delia", messages=[{"role": "user", "content": "What's in Dockerfile and in scripts/deploy.sh?"}], tools=TOOLS, stream=True)
    calls = {}
    finish = None
    for chunk in stream:
        for ch in chunk.choices:
            for d in ch.delta.tool_calls or []:
                c = calls.setdefault(d.index, {"id": None, "name": "", "arguments": ""})
                if d.id:
                    c["id"] = d.id
                if d.function and d.function.name:
                    c["name"] += d.function.name
                if d.function and d.function.arguments:
                    c["arguments"] += d.function.arguments
            if ch.finish_reason:
                finish = ch.finish_reason
    assert finish == "tool_calls"
    assert [calls[i]["name"] for i in sorted(calls)] == ["read_file", "read_file"]
    assert [json.loads(calls[i]["arguments"]) for i in sorted(calls)] == [{"path": "Dockerfile"}, {"path": "scripts/deploy.sh"}]
    assert all(c["id"] for c in calls.values())


def test_a_wrong_api_key_is_refused():
    with pytest.raises(openai.AuthenticationError):
        client(key="wrong").chat.completions.create(model="delia", messages=[{"role": "user", "content": "hi"}])


def raw_post(body, url=URL, content_type="application/json"):
    return httpx.post(url + "/v1/chat/completions", content=body, headers={"Authorization": f"Bearer {KEY}", "Content-Type": content_type}, timeout=60)


def error_of(r):
    assert r.status_code == 400, (r.status_code, r.text)
    e = r.json()["error"]
    assert e["type"] == "invalid_request_error" and e["message"]
    return e


def test_bad_requests_get_400_in_openais_shape_and_the_server_keeps_serving():
    assert "not valid JSON" in error_of(raw_post(b'{"messages": [{"role": "user", "content": "hi"'))["message"]
    assert "unknown field" in error_of(raw_post(json.dumps({"messages": [{"role": "user", "content": "hi"}], "temprature": 0.2}).encode()))["message"]
    big = json.dumps({"messages": [{"role": "user", "content": "x" * (5 << 20)}]}).encode()
    error_of(raw_post(big))
    bad_tool = [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {"a": {"type": "strng"}}}}}]
    assert "tools" in error_of(raw_post(json.dumps({"messages": [{"role": "user", "content": "hi"}], "tools": bad_tool}).encode()))["message"]
    assert "not among" in error_of(raw_post(json.dumps({"messages": [{"role": "user", "content": "hi"}], "tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}}).encode()))["message"]
    with pytest.raises(openai.BadRequestError) as e:
        client().chat.completions.create(model="delia", messages=[{"role": "user", "content": "hi"}], extra_body={"best_of": 3})
    assert "best_of" in str(e.value)
    # A conversation the context cannot hold is the request's fault, not the server's.
    with pytest.raises(openai.BadRequestError) as e:
        client().chat.completions.create(model="delia", messages=[{"role": "user", "content": "word " * 20000}], tools=TOOLS)
    assert "context holds" in str(e.value)
    # Still serving.
    assert ask("List the files in src", tools=TOOLS).choices[0].message.tool_calls[0].function.name == "list_directory"


def health(url):
    return json.load(urllib.request.urlopen(url + "/health"))


def test_a_full_queue_gets_429_and_a_client_that_leaves_frees_its_slot():
    long = [{"role": "user", "content": "Write a very long story about a dragon who learns to program, with many chapters."}]
    before = health(SMALL)
    # One streamed request takes the only slot; wait until it is generating.
    c = client(SMALL)
    stream = c.chat.completions.create(model="delia", messages=long, stream=True, max_tokens=2000, tool_choice="none", tools=WEATHER)
    it = iter(stream)
    next(it)
    got_text = False
    for chunk in it:
        if chunk.choices and chunk.choices[0].delta.content:
            got_text = True
            break
    assert got_text
    # The queue (one place) fills, and the next request is refused.
    results = {}

    def queued():
        try:
            results["queued"] = client(SMALL).chat.completions.create(model="delia", messages=[{"role": "user", "content": "List the files in src"}], tools=TOOLS)
        except Exception as e:  # noqa: BLE001 - reported below
            results["queued"] = e

    t = threading.Thread(target=queued)
    t.start()
    deadline = time.time() + 30
    while health(SMALL)["accepted"] < before["accepted"] + 2 and time.time() < deadline:
        time.sleep(0.05)
    with pytest.raises(openai.RateLimitError):
        client(SMALL).chat.completions.create(model="delia", messages=[{"role": "user", "content": "hi"}])
    # Leaving mid-stream ends that generation: the queued request then runs.
    stream.close()
    t.join(timeout=120)
    assert not t.is_alive()
    r = results["queued"]
    assert not isinstance(r, Exception), r
    assert r.choices[0].message.tool_calls[0].function.name == "list_directory"
    after = health(SMALL)
    assert after["cancelled"] == before["cancelled"] + 1, (before, after)
    assert after["rejected"] == before["rejected"] + 1


def test_load_8_clients_20_requests_each_lose_nothing():
    prompts = ["List the files in src", "Read README.md", "What is 2 + 2?", "Search the code for TODO", "Show me Cargo.toml"]
    latencies = []
    errors = []
    lock = threading.Lock()

    def run(k):
        c = client()
        for i in range(20):
            t0 = time.perf_counter()
            try:
                r = c.chat.completions.create(model="delia", messages=[{"role": "user", "content": prompts[(k + i) % len(prompts)]}], tools=TOOLS, max_tokens=64)
                assert r.choices[0].finish_reason in ("tool_calls", "stop", "length")
                with lock:
                    latencies.append(time.perf_counter() - t0)
            except Exception as e:  # noqa: BLE001 - counted below
                with lock:
                    errors.append(repr(e))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"\nload: 8 clients x 20 requests: {len(latencies)} answered, {len(errors)} failed in {wall:.1f} s: {len(latencies) / wall:.2f} requests/s, p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    assert not errors, errors[:3]
    assert len(latencies) == 160
