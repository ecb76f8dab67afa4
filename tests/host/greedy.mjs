#!/usr/bin/env node
/**
 * greedy.mjs — an independent llama.cpp host for fg's GGUF files.
 *
 *     node greedy.mjs MODEL.gguf CASES.jsonl OUT.jsonl [--threads N] [--max-tokens N] [--ctx N]
 *
 * Why: fg writes GGUFs (weights, vocab and a `tokenizer.chat_template`) and has its own Rust
 * renderer and inference. This host checks them with code fg shares nothing with: llama.cpp
 * (node-llama-cpp's prebuilt CPU binaries) loads the file, and the prompt is rendered from the
 * template text stored IN the GGUF by a JavaScript Jinja engine (@huggingface/jinja, the one
 * node-llama-cpp itself uses).
 *
 * Each line of CASES.jsonl is {"id", "messages": [OpenAI messages], "tools": [OpenAI tools]}.
 * For each case it:
 *   1. renders the GGUF's chat template with {messages, tools, add_generation_prompt: true,
 *      bos_token, eos_token}; messages and tools are passed exactly as given (OpenAI shape).
 *      node-llama-cpp's JinjaTemplateChatWrapper is NOT used: it rewrites messages into its own
 *      chat history (placeholder contents, its own tool-call shape), so it cannot pass them through;
 *   2. tokenizes the text with special tokens parsed (`<bos>`, `<start_of_turn>`, ... become single
 *      tokens) and without adding BOS (the template already emits it);
 *   3. decodes greedily (temperature 0, top-k 1, no repeat penalty, no grammar) from a cleared
 *      context, up to --max-tokens tokens, stopping at `<end_of_turn>`, `<start_function_response>`
 *      or EOS, the stop token included;
 *   4. writes {"id", "prompt", "output", "tokens"} to OUT.jsonl, where `output` is the generated
 *      tokens detokenized with special tokens shown, e.g.
 *      `<start_function_call>call:list_directory{path:<escape>src<escape>}<end_function_call>...`.
 *
 * CPU only (gpu: false); never builds llama.cpp from source and never downloads anything
 * (build: "never", skipDownload: true). Exits non-zero with a message on any error.
 *
 * Install: `npm install` in this folder (.npmrc skips install scripts and the optional GPU and
 * other-platform binary packages). Not `npm ci`: the registry has no 3.22.1 of node-llama-cpp's
 * mac/win/riscv64 binary packages, so the lock file lacks them and `npm ci` calls it out of sync.
 */

import fs from "node:fs";
import readline from "node:readline";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { Template } from "@huggingface/jinja";

// The stop tokens, by their text in the vocab (EOS is added from the model's own metadata).
const STOP_TEXTS = ["<end_of_turn>", "<start_function_response>"];

function usage(message) {
    console.error(`error: ${message}`);
    console.error("usage: node greedy.mjs MODEL.gguf CASES.jsonl OUT.jsonl [--threads N] [--max-tokens N] [--ctx N]");
    process.exit(2);
}

function parseArgs(argv) {
    const positional = [];
    const opts = { threads: 2, maxTokens: 64, ctx: 8192 };
    const numeric = { "--threads": "threads", "--max-tokens": "maxTokens", "--ctx": "ctx" };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg in numeric) {
            const value = Number(argv[++i]);
            if (!Number.isInteger(value) || value < 1)
                usage(`${arg} needs a positive integer`);
            opts[numeric[arg]] = value;
        } else if (arg.startsWith("--")) {
            usage(`unknown option ${arg}`);
        } else {
            positional.push(arg);
        }
    }
    if (positional.length !== 3)
        usage("expected MODEL.gguf CASES.jsonl OUT.jsonl");
    [opts.model, opts.cases, opts.out] = positional;
    return opts;
}

/** Reads CASES.jsonl, checking each line's shape. */
async function readCases(path) {
    const cases = [];
    const lines = readline.createInterface({ input: fs.createReadStream(path), crlfDelay: Infinity });
    let lineNo = 0;
    for await (const line of lines) {
        lineNo++;
        if (line.trim() === "")
            continue;
        let c;
        try {
            c = JSON.parse(line);
        } catch (err) {
            throw new Error(`${path}:${lineNo}: invalid JSON: ${err.message}`);
        }
        if (typeof c?.id !== "string" && typeof c?.id !== "number")
            throw new Error(`${path}:${lineNo}: missing "id"`);
        if (!Array.isArray(c.messages) || c.messages.length === 0)
            throw new Error(`${path}:${lineNo}: "messages" must be a non-empty array`);
        if (c.tools != null && !Array.isArray(c.tools))
            throw new Error(`${path}:${lineNo}: "tools" must be an array`);
        cases.push(c);
    }
    if (cases.length === 0)
        throw new Error(`${path}: no cases`);
    return cases;
}

/** Resolves a control token's text to its single id in the vocab, or throws. */
function singleToken(model, text) {
    const ids = model.tokenize(text, true);
    if (ids.length !== 1)
        throw new Error(`"${text}" is not a single token in this vocab (got ${JSON.stringify(ids)})`);
    return ids[0];
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const cases = await readCases(opts.cases);

    const llama = await getLlama({
        gpu: false, // CPU only
        build: "never", // use the prebuilt binaries; never compile llama.cpp
        skipDownload: true, // never fetch llama.cpp sources
        usePrebuiltBinaries: true,
        progressLogs: false,
        maxThreads: opts.threads,
        logLevel: LlamaLogLevel.error
    });
    const model = await llama.loadModel({ modelPath: opts.model, gpuLayers: 0 });

    // The template text comes from the GGUF's own metadata, nowhere else.
    const templateText = model.fileInfo.metadata?.tokenizer?.chat_template;
    if (typeof templateText !== "string" || templateText === "")
        throw new Error(`${opts.model}: no tokenizer.chat_template in the GGUF metadata`);
    const template = new Template(templateText);

    const bos = model.tokens.bos;
    const eos = model.tokens.eos;
    if (bos == null || eos == null)
        throw new Error(`${opts.model}: the vocab has no BOS or EOS token`);
    const bosText = model.detokenize([bos], true);
    const eosText = model.detokenize([eos], true);
    const stopIds = new Set([...STOP_TEXTS.map((text) => singleToken(model, text)), eos]);

    const context = await model.createContext({
        contextSize: opts.ctx,
        threads: opts.threads,
        sequences: 1
    });
    const sequence = context.getSequence();

    const out = fs.openSync(opts.out, "w");
    let promptTokens = 0;
    let generatedTokens = 0;
    let stopped = 0;
    for (const c of cases) {
        // 1. Render: messages and tools exactly as given (tools left undefined when absent).
        let prompt;
        try {
            prompt = template.render({
                messages: c.messages,
                ...(c.tools == null ? {} : { tools: c.tools }),
                add_generation_prompt: true,
                bos_token: bosText,
                eos_token: eosText
            });
        } catch (err) {
            throw new Error(`case ${c.id}: the GGUF's chat template failed to render: ${err.message}`, { cause: err });
        }

        // 2. Tokenize with special tokens parsed; llama.cpp adds no BOS here (add_special=false),
        // so the template's own `<bos>` is the only one.
        const tokens = model.tokenize(prompt, true);
        if (tokens[0] !== bos)
            throw new Error(`case ${c.id}: the rendered prompt does not start with ${bosText}`);
        if (tokens[1] === bos)
            throw new Error(`case ${c.id}: the rendered prompt starts with a doubled ${bosText}`);
        if (tokens.length + opts.maxTokens > context.contextSize)
            throw new Error(`case ${c.id}: ${tokens.length} prompt tokens + ${opts.maxTokens} do not fit a ` +
                `context of ${context.contextSize} (use --ctx)`);

        // 3. Greedy decoding from an empty context: the prompt is evaluated once, from scratch.
        await sequence.clearHistory();
        const generated = [];
        let hitStop = false;
        for await (const token of sequence.evaluate(tokens, {
            temperature: 0, // greedy sampler (argmax)
            topK: 1,
            // no repeatPenalty, dryRepeatPenalty, tokenBias or grammar: none is applied by default
            yieldEogToken: true // hand EOG tokens to us, so the stop token lands in the output
        })) {
            generated.push(token);
            if (stopIds.has(token)) {
                hitStop = true;
                break;
            }
            if (generated.length >= opts.maxTokens)
                break;
        }

        // 4. Detokenize with special tokens shown.
        const output = model.detokenize(generated, true);
        fs.writeSync(out, JSON.stringify({ id: c.id, prompt, output, tokens: generated }) + "\n");
        promptTokens += tokens.length;
        generatedTokens += generated.length;
        if (hitStop)
            stopped++;
    }
    fs.closeSync(out);

    await context.dispose();
    await model.dispose();
    await llama.dispose();

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`greedy: ${cases.length} cases, ${promptTokens} prompt tokens, ${generatedTokens} generated ` +
        `(${stopped} stopped on ${[...stopIds].join("/")}), ${opts.threads} threads, ${seconds}s -> ${opts.out}`);
}

main().catch((err) => {
    console.error(`greedy: error: ${err?.stack ?? err}`);
    process.exit(1);
});
