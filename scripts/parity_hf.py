# HF transformers + PEFT on the work `bench-train --parity DIR` did: the same input ids and labels
# (DIR/inputs.safetensors), the same initial LoRA (DIR/init, PEFT's layout), the same AdamW steps
# (constant learning rate, no weight decay). Runs it in bf16 (as fg trains) and in f32 (the
# reference that tells how far bf16 alone moves the numbers), then compares fg's losses
# (DIR/fg.json) and step-1 gradient (DIR/fg_grads.safetensors) with both, and fg's f32 run
# (DIR/fg_f32.*, from `bench-train --parity DIR --f32`) with HF's f32 run. Writes DIR/parity.json;
# exits 1 when fg's bf16 run is further from HF's f32 run than HF's own bf16 run is (twice that, with
# a floor of 0.02), or fg's f32 run differs from HF's by more than 1e-2 (loss, or gradient norm).
#
#   python3 scripts/parity_hf.py DIR      (env FG_BASE_DIR, FG_BASE_FILE: the base GGUF)
import copy, json, os, sys

import torch
from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

out = sys.argv[1]
fg = json.load(open(os.path.join(out, "fg.json")))
steps, lr = fg["steps"], fg["lr"]
inputs = load_file(os.path.join(out, "inputs.safetensors"))
ids, labels = inputs["input_ids"].cuda(), inputs["labels"].cuda()
init = load_file(os.path.join(out, "init/adapter_model.safetensors"))
cfg = json.load(open(os.path.join(out, "init/adapter_config.json")))
base_dir, base_file = os.environ.get("FG_BASE_DIR", "."), os.environ.get("FG_BASE_FILE", "base.gguf")
base = AutoModelForCausalLM.from_pretrained(base_dir, gguf_file=base_file, dtype=torch.float32)


def run(dtype, attn):
    torch.manual_seed(0)
    model = copy.deepcopy(base).to(dtype)
    if hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation(attn)
    else:
        model.config._attn_implementation = attn
    model = model.cuda()
    lcfg = LoraConfig(r=cfg["r"], lora_alpha=cfg["lora_alpha"], lora_dropout=0.0, target_modules=cfg["target_modules"], task_type="CAUSAL_LM")
    model = get_peft_model(model, lcfg)
    # PEFT keeps LoRA weights in f32 on a bf16 base; the state dict has no adapter name in its keys.
    missing = set_peft_model_state_dict(model, {k: v.cuda() for k, v in init.items()})
    assert not getattr(missing, "unexpected_keys", []), missing.unexpected_keys
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    opt = torch.optim.AdamW(params.values(), lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    losses, grads = [], None
    for step in range(steps):
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        if step == 0:
            grads = {n.replace(".default", ""): p.grad.detach().float().cpu().clone() for n, p in params.items()}
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss))
    del model, opt
    torch.cuda.empty_cache()
    return losses, grads


def grad_gap(a, b):
    """Relative norm of the difference over all tensors, and cosine, of two gradient dicts."""
    keys = sorted(b)
    missing = [k for k in keys if k not in a]
    assert not missing, f"gradients lack {missing[:3]}"
    x = torch.cat([a[k].flatten() for k in keys])
    y = torch.cat([b[k].flatten() for k in keys])
    return float((x - y).norm() / y.norm()), float(torch.nn.functional.cosine_similarity(x, y, dim=0))


fg_grads = load_file(os.path.join(out, "fg_grads.safetensors"))
hf16, g16 = run(torch.bfloat16, "sdpa")
hf32, g32 = run(torch.float32, "eager")
fg_losses = fg["losses"]
gap = lambda a, b: max(abs(x - y) for x, y in zip(a, b))
loss_fg, loss_fg32, loss_bf16 = gap(fg_losses, hf16), gap(fg_losses, hf32), gap(hf16, hf32)
rel_fg, cos_fg = grad_gap(fg_grads, g16)
rel_fg32, cos_fg32 = grad_gap(fg_grads, g32)
rel_bf16, cos_bf16 = grad_gap(g16, g32)
by_kind = {}
for kind in ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]:
    for m in ["lora_A", "lora_B"]:
        keys = [k for k in g32 if f".{kind}.{m}" in k]
        by_kind[f"{kind}.{m}"] = round(grad_gap({k: fg_grads[k] for k in keys}, {k: g32[k] for k in keys})[0], 4)
# fg in f32 (bench-train --parity --f32) against HF in f32: the same arithmetic, so only summation
# order may differ.
f32 = None
if os.path.exists(os.path.join(out, "fg_f32.json")):
    fg32 = json.load(open(os.path.join(out, "fg_f32.json")))["losses"]
    rel, cos = grad_gap(load_file(os.path.join(out, "fg_f32_grads.safetensors")), g32)
    f32 = dict(losses=fg32, loss_max_diff=gap(fg32, hf32), grad_rel_diff=rel, grad_cosine=cos)
print("step   fg bf16   HF bf16   fg f32    HF f32")
for i in range(steps):
    print(f"{i + 1:>4}   {fg_losses[i]:.4f}   {hf16[i]:.4f}   {f32['losses'][i] if f32 else float('nan'):.4f}   {hf32[i]:.4f}")
print(f"losses, max difference: fg bf16 vs HF bf16 {loss_fg:.4f}, fg bf16 vs HF f32 {loss_fg32:.4f}; HF bf16 vs HF f32 {loss_bf16:.4f}")
print(f"step-1 gradient, relative norm of the difference (cosine): fg bf16 vs HF bf16 {rel_fg:.4f} ({cos_fg:.5f}), fg bf16 vs HF f32 {rel_fg32:.4f} ({cos_fg32:.5f}); HF bf16 vs HF f32 {rel_bf16:.4f} ({cos_bf16:.5f})")
print("fg bf16 vs HF f32 per projection:", by_kind)
if f32:
    print(f"f32: fg vs HF losses max difference {f32['loss_max_diff']:.2e}, step-1 gradient {f32['grad_rel_diff']:.2e} of its norm (cosine {f32['grad_cosine']:.6f})")
ok_bf16 = loss_fg32 <= 2 * loss_bf16 + 0.02 and rel_fg32 <= 2 * rel_bf16 + 0.02
ok_f32 = f32 is None or (f32["loss_max_diff"] <= 1e-2 and f32["grad_rel_diff"] <= 1e-2)
res = dict(fg=fg_losses, hf_bf16=hf16, hf_f32=hf32, loss_max_diff=dict(fg_hf_bf16=loss_fg, fg_hf_f32=loss_fg32, hf_bf16_hf_f32=loss_bf16),
           grad_rel_diff=dict(fg_hf_bf16=rel_fg, fg_hf_f32=rel_fg32, hf_bf16_hf_f32=rel_bf16, fg_hf_f32_by_projection=by_kind),
           grad_cosine=dict(fg_hf_bf16=cos_fg, fg_hf_f32=cos_fg32, hf_bf16_hf_f32=cos_bf16), f32=f32, lr=lr, equal_work=ok_bf16 and ok_f32)
json.dump(res, open(os.path.join(out, "parity.json"), "w"), indent=1)
print("equal work:", "yes" if ok_bf16 and ok_f32 else "NO: " + ("fg bf16 is further from HF f32 than bf16 alone explains; " if not ok_bf16 else "") + ("fg f32 and HF f32 differ beyond summation order" if not ok_f32 else ""))
sys.exit(0 if ok_bf16 and ok_f32 else 1)
