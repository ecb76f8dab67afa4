"""HF transformers + PEFT with fg's adapter against fg's model with the adapter (GPU machine: torch,
transformers and peft are installed there; bring the `gguf` wheel).

    python3 scripts/peft_check.py --base BASE.gguf --peft models/delia/peft \
        --base-ref base-ref.jsonl --ref peft-ref.jsonl [--out result.json]

The references come from `cargo run --release --example peft_reference` on this machine's CPU:
llama.cpp on f32 GGUFs (the base, and the base merged with the adapter by `fg export --format f32`),
for the same prompts: fg's token ids, the 40 largest logits at the prompt's last position and the
greedy continuation. This script loads the base GGUF into HF (f32), compares its logits with the
base reference first (so that a difference in HF's own model is not blamed on the adapter), then
applies the PEFT adapter and compares again, and generates greedily on the same prompts.
"""

import argparse
import json
import os
import sys

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

STOP = [50, 106, 1]  # <start_function_response>, <end_of_turn>, <eos>


def load_refs(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


@torch.no_grad()
def compare(model, refs, device, generate):
    rows = []
    for r in refs:
        ids = torch.tensor([r["tokens"]], device=device)
        logits = model(input_ids=ids).logits[0, -1].float()
        top_ids = [i for i, _ in r["top"]]
        want = torch.tensor([v for _, v in r["top"]], device=device)
        got = logits[top_ids]
        row = {
            "id": r["id"],
            "max_abs_diff_top40": float((got - want).abs().max()),
            "top1_ref": top_ids[0],
            "top1_hf": int(logits.argmax()),
        }
        if generate:
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=32, do_sample=False, eos_token_id=STOP, pad_token_id=0)
            gen = out[0, ids.shape[1]:].tolist()
            row["greedy_equal"] = gen == r["greedy"]
            row["greedy_hf"] = gen
            row["greedy_ref"] = r["greedy"]
        rows.append(row)
    return rows


def summary(rows):
    s = {
        "cases": len(rows),
        "top1_agree": sum(r["top1_ref"] == r["top1_hf"] for r in rows),
        "max_abs_diff_top40": max(r["max_abs_diff_top40"] for r in rows),
        "median_abs_diff_top40": sorted(r["max_abs_diff_top40"] for r in rows)[len(rows) // 2],
    }
    if rows and "greedy_equal" in rows[0]:
        s["greedy_equal"] = sum(r["greedy_equal"] for r in rows)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--peft", required=True)
    ap.add_argument("--base-ref", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--out")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    ap.add_argument("--attn", choices=["eager", "sdpa"], default="eager", help="HF's attention implementation")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    base_dir, base_file = os.path.split(os.path.abspath(a.base))
    model = AutoModelForCausalLM.from_pretrained(base_dir, gguf_file=base_file, dtype=getattr(torch, a.dtype), attn_implementation=a.attn).to(a.device).eval()
    cfg = model.config
    print("HF config:", {k: getattr(cfg, k, None) for k in ["sliding_window", "rope_theta", "rope_local_base_freq", "rope_parameters", "query_pre_attn_scalar", "layer_types", "tie_word_embeddings", "final_logit_softcapping", "attn_logit_softcapping", "max_position_embeddings"]}, flush=True)
    result = {"base": summary(base_rows := compare(model, load_refs(a.base_ref), a.device, generate=False))}
    print("base HF vs llama.cpp (f32):", result["base"], flush=True)
    model = PeftModel.from_pretrained(model, a.peft).to(a.device).eval()
    rows = compare(model, load_refs(a.ref), a.device, generate=True)
    result["adapter"] = summary(rows)
    result["rows"] = rows
    result["base_rows"] = base_rows
    print("base + PEFT adapter HF vs fg (llama.cpp f32 on the merged GGUF):", result["adapter"], flush=True)
    for r in rows:
        if not r["greedy_equal"]:
            print("  differs:", r["id"], r["greedy_hf"][:12], r["greedy_ref"][:12])
    result["settings"] = {"dtype": a.dtype, "attn": a.attn, "device": a.device, "torch": torch.__version__, "transformers": __import__("transformers").__version__, "peft": __import__("peft").__version__}
    print("settings:", result["settings"])
    if a.out:
        json.dump(result, open(a.out, "w"), indent=1)
    ok = result["adapter"]["top1_agree"] == len(rows) and result["adapter"]["greedy_equal"] == len(rows)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
