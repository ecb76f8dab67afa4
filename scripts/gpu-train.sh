#!/usr/bin/env bash
# Runs on the GPU machine (H100, torch 2.11 at /opt/torch/.venv, no Rust, no network), with fg built
# on the CPU machine and carried in .carry/ (see the README's GPU section). Steps:
#   join   — assemble the base from the pieces in /root/fgstage and check its sha256
#   data   — fg data build into $DATA (default /root/data) with the carried corpus; extra words go to it
#   smoke  — check CUDA and run a few training steps
#   wheels — install the carried Python wheels (pieces /root/fgstage/w*, a tar) into /root/site
#   bench  — the training benchmark beside HF + PEFT and Unsloth (shared/bench/*_baseline.py, carried
#            in .carry/), all three in this call, with the ratios against both
#   parity — equal work: fg's losses and step-1 gradient against HF + PEFT's on the same inputs and
#            initial LoRA (bench-train --parity, then scripts/parity_hf.py)
#   delia  — the real Delia data: examples/s of fg train against Unsloth (scripts/unsloth_delia.py) on
#            the same examples ($LIMIT of them, the same token ids and labels) at the batch Unsloth fits
#   fused  — the fused kernels against libtorch's ops in real training: the same short fg train on the
#            Delia data (its shared prefix included) with FG_FUSED=0 and with them, loss curves and speed
#   sweep  — train Delia adapters with the configurations given as "NAME:ARGS" words
#   evals  — fg eval of trained adapters (by NAME), with and without --grammar, in parallel
#   tasks  — fg eval --execute of trained adapters on the held-out tasks ($TASKS: tasks.jsonl, fresh.jsonl, blind.jsonl and blind2.jsonl)
#   merged — an adapter folder merged into f16 and q4_k_m GGUFs (or the formats given), each evaluated with and without --grammar
#   fetch  — an adapter's files (adapter.json, adapter.gguf, PEFT's two files, metrics, loss.png)
# Results go to $OUT.
set -uo pipefail
FG=${FG:-.carry/fg}
[ -x "$FG" ] || { [ -f "$FG.xz" ] && xz -dc "$FG.xz" > "$FG" && chmod +x "$FG"; }
BASE=/root/fgstage/base.gguf
DATA=${DATA:-/root/data}
SHA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
export OMP_NUM_THREADS=8
step=$1; shift

case "$step" in
join)
  cat $(ls /root/fgstage/p* | sort -V) > "$BASE"
  echo "$SHA  $BASE" | sha256sum -c - ;;
data)
  "$FG" data build --tools tools.openai.json --corpus data/corpus --out "$DATA" "$@" 2>&1 | tail -1 ;;
smoke)
  # CUDA, then the same short run with steps replayed as CUDA graphs and eagerly: the two loss
  # curves must agree (to bf16 noise), and the graphs must be faster.
  nvidia-smi --query-gpu=name,memory.total,memory.used --format=csv
  "$FG" devices --device cuda --json
  [ -d "$DATA" ] || "$FG" data build --tools tools.openai.json --corpus data/corpus --out "$DATA" > /dev/null
  for mode in graphs eager; do
    flag=""; [ "$mode" = eager ] && flag=--eager
    start=$(date +%s.%N)
    "$FG" train --base "$BASE" --data "$DATA" --out "/root/smoke-$mode" --limit 640 --max-steps 40 --eval-every 10 --batch-size 16 --quiet $flag 2>&1 | tail -2
    python3 - "$mode" "$start" <<'PY'
import json, sys, time
mode, start = sys.argv[1], float(sys.argv[2])
m = [json.loads(l) for l in open(f"/root/smoke-{mode}/metrics.jsonl")]
print(mode, f"{time.time() - start:.1f} s;", "loss", [round(x["loss"], 4) for x in m[::8]], "eval", [(x["step"], round(x["eval_loss"], 4)) for x in m if x.get("eval_loss") is not None])
print(mode, "median step tokens/s", sorted(x["tokens_per_s"] for x in m)[len(m) // 2])
PY
  done ;;
wheels)
  cat $(ls /root/fgstage/w* | sort -V) | tar -x -C /root
  python3 -m pip install -q --no-index --no-deps --no-compile --target /root/site /root/wheels/*.whl 2>&1 | tail -2
  # Only what imports on its own: unsloth_zoo refuses to be imported before unsloth, which needs the GPU.
  PYTHONPATH=/root/site python3 -c "import gguf, trl, datasets; print('wheels installed: trl', trl.__version__, 'datasets', datasets.__version__)" 2>&1 | tail -1 ;;
bench)
  export PYTHONPATH=/root/site FG_BASE_DIR=/root/fgstage FG_BASE_FILE=base.gguf FG_BENCH_OUT="$OUT"
  timeout 300 python3 .carry/hf_peft_baseline.py 2>&1 | grep -v Warning | grep "bs=\|error\|Error" | tail -8
  timeout 400 python3 .carry/unsloth_baseline.py 2>&1 | grep "unsloth bs=\|rror" | tail -8
  [ -x .carry/bench-train ] || xz -dc .carry/bench-train.xz > .carry/bench-train && chmod +x .carry/bench-train
  .carry/bench-train --base "$BASE" --baseline "$OUT/hf_peft_bench.json" --unsloth "$OUT/unsloth_bench.json" --out "$OUT/fg_train_bench.json" "$@" ;;
parity)
  export PYTHONPATH=/root/site FG_BASE_DIR=/root/fgstage FG_BASE_FILE=base.gguf
  [ -x .carry/bench-train ] || xz -dc .carry/bench-train.xz > .carry/bench-train && chmod +x .carry/bench-train
  rm -rf /root/parity && .carry/bench-train --base "$BASE" --parity /root/parity "$@" 2>&1 | tail -2
  .carry/bench-train --base "$BASE" --parity /root/parity --f32 "$@" 2>&1 | tail -2
  python3 scripts/parity_hf.py /root/parity 2>&1 | grep -v "Warning\|warn" | tail -20
  cp /root/parity/parity.json "$OUT/" ;;
delia)
  export PYTHONPATH=/root/site
  [ -d "$DATA" ] || "$FG" data build --tools tools.openai.json --corpus data/corpus --out "$DATA" > /dev/null
  limit=${LIMIT:-320}
  [ -x .carry/bench-train ] || xz -dc .carry/bench-train.xz > .carry/bench-train && chmod +x .carry/bench-train
  .carry/bench-train --base "$BASE" --encode "$DATA" --limit "$limit" --out /root/delia-encoded.jsonl
  FG_BASE_DIR=/root/fgstage FG_BASE_FILE=base.gguf FG_ENCODED=/root/delia-encoded.jsonl FG_BENCH_OUT="$OUT" timeout 500 python3 scripts/unsloth_delia.py 2>&1 | grep "unsloth on Delia\\|does not fit\\|rror" | tail -4
  bs=$(python3 -c "import json; print(json.load(open('$OUT/unsloth_delia.json'))['batch'])")
  # Two epochs of the same examples at the same batch; the second is timed, as Unsloth's is.
  "$FG" train --tools tools.openai.json --base "$BASE" --data "$DATA" --out /root/delia-fg --limit "$limit" --batch-size "$bs" --epochs 2 --eval-every 0 --quiet 2>&1 | tail -1
  python3 - "$bs" "$limit" "$OUT" <<'PY'
import json, sys
bs, limit, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
m = [json.loads(l) for l in open("/root/delia-fg/metrics.jsonl")]
first = next(x for x in m if x["epoch"] >= 1 - 1e-9)
last = m[-1]
fg = limit * (last["epoch"] - first["epoch"]) / (last["elapsed_s"] - first["elapsed_s"])
un = json.load(open(f"{out}/unsloth_delia.json"))
res = dict(batch=bs, examples=limit, fg_examples_per_s=round(fg, 2), unsloth_examples_per_s=un["examples_per_s"], speed=round(fg / un["examples_per_s"], 2), unsloth=un)
print("Delia data, second epoch:", res)
json.dump(res, open(f"{out}/delia_bench.json", "w"), indent=1)
PY
  ;;
fused)
  [ -d "$DATA" ] || "$FG" data build --tools tools.openai.json --corpus data/corpus --out "$DATA" > /dev/null
  for mode in 0 1; do
    FG_FUSED=$mode "$FG" train --tools tools.openai.json --base "$BASE" --data "$DATA" --out "/root/fused-$mode" --limit 1280 --max-steps 80 --eval-every 20 --batch-size 16 --seed 7 --quiet "$@" 2>&1 | tail -1
    python3 - "$mode" <<'PY'
import json, sys
mode = sys.argv[1]
m = [json.loads(l) for l in open(f"/root/fused-{mode}/metrics.jsonl")]
print("FG_FUSED=" + mode, "loss", [round(x["loss"], 4) for x in m[::10]], "eval", [(x["step"], round(x["eval_loss"], 4), round(x["eval_token_accuracy"], 4)) for x in m if x.get("eval_loss") is not None])
print("FG_FUSED=" + mode, "median step tokens/s", round(sorted(x["tokens_per_s"] for x in m)[len(m) // 2]))
PY
    cp "/root/fused-$mode/metrics.jsonl" "$OUT/fused-$mode.metrics.jsonl"
  done ;;
sweep)
  mkdir -p /root/evals
  [ -d "$DATA" ] || "$FG" data build --tools tools.openai.json --corpus data/corpus --out "$DATA" > /dev/null
  for spec in "$@"; do
    name=${spec%%:*}; args=${spec#*:}
    # shellcheck disable=SC2086
    "$FG" train --tools tools.openai.json --base "$BASE" --data "$DATA" --out "/root/runs/$name" --quiet $args 2>&1 | tail -2
    python3 - "$name" <<'PY'
import json, sys
name = sys.argv[1]
m = [json.loads(l) for l in open(f"/root/runs/{name}/metrics.jsonl")]
ev = [x for x in m if x.get("eval_loss") is not None]
print(name, "eval:", [(x["step"], round(x["eval_loss"], 4), round(x["eval_token_accuracy"], 4)) for x in ev])
PY
    cp "/root/runs/$name/metrics.jsonl" "$OUT/$name.metrics.jsonl"
  done ;;
evals)
  mkdir -p /root/evals
  # fg eval of trained adapters, in parallel on the CPU cores (llama.cpp), without and with the
  # grammar (EVAL_MODES="plain grammar", or one of them), on the generated eval split and the
  # natural one (EVAL_SETS="eval natural-eval", or one): "NAME" words (runs in /root/runs); each
  # result goes to $OUT.
  for name in "$@"; do
    for mode in ${EVAL_MODES:-plain grammar}; do
      for set in ${EVAL_SETS:-eval natural-eval}; do
        g=""; [ "$mode" = grammar ] && g=--grammar
        tag="$name-$set${g:+-grammar}"
        "$FG" eval --tools tools.openai.json --model "$BASE" --lora "/root/runs/$name" --data "$DATA/$set.jsonl" $g -t "${EVAL_THREADS:-4}" --json > "/root/evals/$tag.json" 2> "/root/evals/$tag.err" && cp "/root/evals/$tag.json" "$OUT/" &
      done
    done
  done
  wait
  python3 - "$@" <<'PY'
import glob, json, os, sys
for name in sys.argv[1:]:
    for f in sorted(glob.glob(f"/root/evals/{name}-*.err")):
        tag = os.path.basename(f)[:-4]
        try:
            r = json.load(open(f"/root/evals/{tag}.json"))
        except Exception as e:
            print(tag, "failed:", open(f).read()[-300:]); continue
        print(tag, {k: round(r[k], 4) for k in ("tool_name_accuracy", "exact_call_accuracy", "required_arg_accuracy", "schema_valid_rate", "parse_rate", "no_call_accuracy", "mean_latency_ms")})
PY
  ;;
tasks)
  # fg eval --execute of trained adapters (by NAME) on the carried data/tasks, in parallel; with
  # the grammar when EVAL_MODES says so.
  mkdir -p /root/evals
  for name in "$@"; do
    for mode in ${EVAL_MODES:-plain grammar}; do
      for tasks in ${TASKS:-data/tasks/tasks.jsonl data/tasks/fresh.jsonl data/tasks/blind.jsonl data/tasks/blind2.jsonl}; do
        g=""; [ "$mode" = grammar ] && g=--grammar
        tag="$name-$(basename "$tasks" .jsonl)${g:+-grammar}"
        "$FG" eval --tools tools.openai.json --model "$BASE" --lora "/root/runs/$name" --execute "$tasks" $g -t "${EVAL_THREADS:-4}" --json > "/root/evals/$tag.json" 2> "/root/evals/$tag.err" && cp "/root/evals/$tag.json" "$OUT/" &
      done
    done
  done
  wait
  for f in /root/evals/*-tasks*.json /root/evals/*-fresh*.json /root/evals/*-blind*.json; do [ -f "$f" ] || continue; python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[1], {k: r[k] for k in ('n','answer_accuracy','answered','with_tool_call','loops','changing_calls_on_read_only')})" "$f"; done ;;
merged)
  # Merged GGUFs of an adapter folder (f16 and q4_k_m, or the formats given after DIR), each
  # evaluated with and without the grammar, on the CPU cores; each result goes to $OUT as it ends
  # (both formats at once can outlast a call: one format a call is safe). "DIR [FORMAT…]".
  dir=$1; shift; name=$(basename "$dir")
  formats=${*:-f16 q4_k_m}
  mkdir -p /root/evals
  [ -d "$DATA" ] || "$FG" data build --tools tools.openai.json --corpus data/corpus --out "$DATA" > /dev/null
  for f in $formats; do "$FG" export --adapter "$dir" --base "$BASE" --format $f --out "/root/$name-$f.gguf" 2>&1 | tail -1; done
  n=$(( $(echo $formats | wc -w) * 2 ))
  for f in $formats; do
    for g in "" "--grammar"; do
      tag="$name-$f${g:+-grammar}"
      ( "$FG" eval --tools tools.openai.json --model "/root/$name-$f.gguf" --no-lora --data "$DATA/${EVAL_SET:-eval}.jsonl" $g -t $(( 16 / n )) --json > "/root/evals/$tag.json" 2> "/root/evals/$tag.err" && cp "/root/evals/$tag.json" "$OUT/" ) &
    done
  done
  wait
  for f in /root/evals/$name-*.json; do python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[1], {k: round(r[k], 4) for k in ('tool_name_accuracy','exact_call_accuracy','required_arg_accuracy','schema_valid_rate','parse_rate','no_call_accuracy','mean_latency_ms')})" "$f"; done ;;
fetch)
  name=$1
  cp "/root/runs/$name/adapter.json" "/root/runs/$name/adapter.gguf" "/root/runs/$name/loss.png" "/root/runs/$name/metrics.jsonl" "$OUT/"
  cp "/root/runs/$name/peft/adapter_model.safetensors" "/root/runs/$name/peft/adapter_config.json" "$OUT/" ;;
esac
