#!/usr/bin/env bash
# Prints the path of a python with PyTorch 2 (CPU build), ONNX, ONNX Runtime and safetensors: the
# reference that benchmarks/run.sh --torch, the samples' *_torch.py twins, the fixture scripts and
# tools/torch-diff compare against. The first call makes a venv (DELTAC_TORCH_VENV, default
# ~/.cache/deltac/torch-venv) and installs from the wheels found on this machine's disk (our
# build machines carry them; pip runs with --no-index), or, with TORCH_FROM_PYPI=1, from PyPI and
# PyTorch's CPU index. Later calls print the path at once.
#   PY=$(tools/torch-venv.sh) && "$PY" -c "import torch; print(torch.__version__)"
# Never compare against Debian's python3-torch: it is far older and slower.
set -eu
V="${DELTAC_TORCH_VENV:-$HOME/.cache/deltac/torch-venv}"
if "$V/bin/python" -c "import torch, onnx, onnxruntime, safetensors" 2>/dev/null; then
  echo "$V/bin/python"
  exit 0
fi
mkdir -p "$(dirname "$V")"
python3 -m venv "$V" >&2
if [ "${TORCH_FROM_PYPI:-0}" = 1 ]; then
  "$V/bin/pip" install -q --extra-index-url https://download.pytorch.org/whl/cpu \
    'torch>=2,<3' numpy onnx onnxruntime safetensors >&2
else
  dirs=$(find / -xdev -maxdepth 4 \( -name 'torch-2*cpu*.whl' -o -name 'onnxruntime-*.whl' \) \
    2>/dev/null | xargs -r -n1 dirname | sort -u)
  if [ -z "$dirs" ]; then
    echo "torch-venv.sh: no PyTorch 2 CPU wheel on this machine; TORCH_FROM_PYPI=1 installs from the network" >&2
    exit 1
  fi
  links=""
  for d in $dirs; do links="$links --find-links $d"; done
  # shellcheck disable=SC2086
  "$V/bin/pip" install -q --no-index $links 'torch>=2,<3' numpy onnx onnxruntime safetensors >&2
fi
echo "$V/bin/python"
