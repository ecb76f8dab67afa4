"""Renders every example of fg's dataset with the chat template of a GGUF fg wrote, in Python's jinja2
set up the way transformers sets it up, and checks three renderings against fg's own text.

    python3 render_check.py TEMPLATE TOOLS JSONL...

For each example: the first-turn prompt (the user's request, add_generation_prompt=True) equals the
text through its first `<start_of_turn>model\n`; the prompt after each tool result (messages through
that tool message, add_generation_prompt=True) equals the text through the matching
`<end_function_response>`; the whole conversation (add_generation_prompt=False) equals the text.
Messages go in as OpenAI clients send them, varied by example: calls as {"id", "type": "function",
"function": {"name", "arguments"}} with arguments as an object or as a JSON string, tool results named
by `name` or only by `tool_call_id`. Prints one line of counts and exits 1 on any difference.
"""

import json
import sys

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def environment():
    # transformers' chat-template environment (utils/chat_template_utils.py): an immutable sandbox,
    # trim_blocks, lstrip_blocks, loopcontrols, its own tojson, raise_exception.
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def openai_messages(messages, variant):
    """fg's messages as an OpenAI client sends them; `variant` picks how calls and results are named."""
    out = []
    ids = []
    n = 0
    for m in messages:
        if m["role"] == "assistant" and m.get("tool_calls"):
            calls = []
            ids = []
            for c in m["tool_calls"]:
                n += 1
                ids.append((f"call_{n}", c["name"]))
                args = c["arguments"]
                if variant % 2 == 1:
                    # A JSON string, as OpenAI's API returns it, keys in the example's own order
                    # (often not sorted), reversed for every other such example.
                    if variant % 4 == 3:
                        args = dict(reversed(list(args.items())))
                    args = json.dumps(args, ensure_ascii=False)
                calls.append({"id": f"call_{n}", "type": "function", "function": {"name": c["name"], "arguments": args}})
            msg = {"role": "assistant", "content": m.get("content"), "tool_calls": calls}
            out.append(msg)
        elif m["role"] == "tool":
            call_id, name = ids.pop(0)
            if variant % 3 == 2:
                out.append({"role": "tool", "tool_call_id": call_id, "content": m["content"]})
            else:
                out.append({"role": "tool", "tool_call_id": call_id, "name": name, "content": m["content"]})
        else:
            out.append(dict(m))
    return out


def main():
    template_path, tools_path, *files = sys.argv[1:]
    env = environment()
    template = env.from_string(open(template_path, encoding="utf-8").read())
    tools = json.load(open(tools_path, encoding="utf-8"))
    tools = tools["tools"] if isinstance(tools, dict) else tools

    def render(messages, generation):
        return template.render(messages=messages, tools=tools, add_generation_prompt=generation, bos_token="<bos>", eos_token="<eos>")

    examples = renders = 0
    failures = []
    for path in files:
        for line in open(path, encoding="utf-8"):
            ex = json.loads(line)
            text = ex["text"]
            messages = openai_messages(ex["messages"], examples)
            examples += 1
            checks = []
            head = text.index("<start_of_turn>model\n") + len("<start_of_turn>model\n")
            first_user = next(i for i, m in enumerate(messages) if m["role"] == "user")
            checks.append(("first turn", messages[: first_user + 1], True, text[:head]))
            at = 0
            for i, m in enumerate(messages):
                if m["role"] == "tool":
                    at = text.index("<end_function_response>", at) + len("<end_function_response>")
                    checks.append((f"after tool message {i}", messages[: i + 1], True, text[:at]))
            checks.append(("whole", messages, False, text))
            for what, msgs, generation, want in checks:
                renders += 1
                try:
                    got = render(msgs, generation)
                except jinja2.exceptions.TemplateError as e:
                    got = f"<error: {e}>"
                if got != want:
                    failures.append((ex["id"], what, want, got))
    for id_, what, want, got in failures[:5]:
        i = next((k for k in range(min(len(want), len(got))) if want[k] != got[k]), min(len(want), len(got)))
        print(f"{id_} ({what}): differs at char {i}: want {want[max(0, i - 60):i + 60]!r}, got {got[max(0, i - 60):i + 60]!r}")
    print(f"jinja2 {jinja2.__version__}: {examples} examples, {renders} renderings, {len(failures)} differ")
    sys.exit(1 if failures or examples == 0 else 0)


if __name__ == "__main__":
    main()
