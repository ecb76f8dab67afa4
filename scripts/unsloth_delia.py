# Unsloth on the real Delia training data, for `scripts/gpu-train.sh delia`: LoRA r16, alpha 32 on the
# seven projections, bf16, loss on the model's turns only, on the very token ids and labels fg trains
# on (`bench-train --encode DATA --limit N --out FILE`: the examples `fg train --limit N` picks, whole,
# with HF-style labels). Not the rendered text through the HF tokenizer: transformers' tokenizer
# converted from the base GGUF split these examples into ~21,000 tokens where the base's own
# tokenizer (which fg and llama.cpp share) makes ~4,100, so Unsloth did five times the work.
# Batches are made of examples of similar length (sorted, as fg buckets them) and padded to a multiple
# of 1024, and one untimed epoch runs first, so that Unsloth has compiled every shape before the timed
# epoch (padded to each batch's own length it recompiled at every new length). The batch is the
# largest of FG_BS, FG_BS/2, ... that fits.
# Env: FG_ENCODED (the JSON lines), FG_BS (default 8), FG_BENCH_OUT, FG_BASE_DIR and FG_BASE_FILE (the
# base GGUF, written once as an HF folder for Unsloth to load).
import json, os, time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("UNSLOTH_DISABLE_STATISTICS", "1")
import unsloth  # before transformers
from unsloth import FastLanguageModel
import torch

hf_dir = "/root/gemma3-270m-hf"
if not os.path.exists(os.path.join(hf_dir, "config.json")):
    # The base as an HF folder, written by plain transformers in a child process (Unsloth's patches
    # break saving; transformers refuses save_pretrained on a GGUF-loaded model, so the weights are
    # written directly, and the GGUF loader's quantization note is left out of config.json).
    import subprocess, sys
    subprocess.run([sys.executable, "-c", f"""
import json, os, safetensors.torch, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
d, f, out = os.environ["FG_BASE_DIR"], os.environ["FG_BASE_FILE"], {hf_dir!r}
m = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.bfloat16)
AutoTokenizer.from_pretrained(d, gguf_file=f).save_pretrained(out)
safetensors.torch.save_model(m, os.path.join(out, "model.safetensors"), metadata={{"format": "pt"}})
m.config.save_pretrained(out)
c = json.load(open(os.path.join(out, "config.json")))
c.pop("quantization_config", None)
json.dump(c, open(os.path.join(out, "config.json"), "w"), indent=1)
"""], check=True)
model, tok = FastLanguageModel.from_pretrained(hf_dir, max_seq_length=8192, dtype=torch.bfloat16, load_in_4bit=False, load_in_8bit=False)
gc = os.environ.get("UNSLOTH_GC", "unsloth")
model = FastLanguageModel.get_peft_model(model, r=16, lora_alpha=32, lora_dropout=0.0, bias="none",
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    use_gradient_checkpointing=False if gc == "false" else gc, random_state=0)
FastLanguageModel.for_training(model)
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4)

encoded = sorted(((r["input_ids"], r["labels"]) for r in map(json.loads, open(os.environ["FG_ENCODED"]))), key=lambda e: len(e[0]))


def batches(bs):
    out = []
    for s in range(0, len(encoded), bs):
        chunk = encoded[s:s + bs]
        T = -(-max(len(i) for i, _ in chunk) // 1024) * 1024
        ids = torch.full((len(chunk), T), tok.pad_token_id or 0, dtype=torch.long)
        lab = torch.full((len(chunk), T), -100, dtype=torch.long)
        att = torch.zeros((len(chunk), T), dtype=torch.long)
        for r, (i, l) in enumerate(chunk):
            ids[r, :len(i)] = torch.tensor(i)
            lab[r, :len(l)] = torch.tensor(l)
            att[r, :len(i)] = 1
        out.append((ids.cuda(), lab.cuda(), att.cuda()))
    return out


def step(b):
    out = model(input_ids=b[0], labels=b[1], attention_mask=b[2])
    out.loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return out.loss


bs = int(os.environ.get("FG_BS", "8"))
while True:
    try:
        data = batches(bs)
        for b in data:  # the untimed epoch: every shape compiled
            step(b)
        torch.cuda.synchronize()
        break
    except torch.OutOfMemoryError:
        opt.zero_grad(set_to_none=True)
        torch.cuda.empty_cache()
        print(f"batch {bs} does not fit", flush=True)
        bs //= 2
        if bs == 0:
            raise
torch.cuda.reset_peak_memory_stats()
t0 = time.time()
tokens = 0
for b in data:
    loss = step(b)
    tokens += int(b[2].sum())
torch.cuda.synchronize()
dt = time.time() - t0
res = dict(examples_per_s=round(len(encoded) / dt, 2), example_tokens_per_s=round(tokens / dt), step_ms=round(1000 * dt / len(data), 1),
           peak_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2), loss=float(loss), examples=len(encoded), steps=len(data), batch=bs,
           shapes=sorted({b[0].shape[1] for b in data}), gradient_checkpointing=gc, unsloth=unsloth.__version__)
print("unsloth on Delia data:", res, flush=True)
json.dump(res, open(os.path.join(os.environ.get("FG_BENCH_OUT", "."), "unsloth_delia.json"), "w"), indent=1)
