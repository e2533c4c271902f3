#!/usr/bin/env bash
# Issue 14: an LSTM (16 inputs, 32 hidden units, mse on every hidden state), batch 32, one
# thread, training steps (forward, backward, SGD): Deltac's generated float32 code
# (LstmReport) next to torch.nn.LSTM (lstm_torch.py), alternated twice in the same minutes.
#   benchmarks/lstm_vs_torch.sh [SECONDS_PER_POINT] [T ...]     (defaults: 5, T = 8 128)
# PyTorch 2 is $TORCH_PYTHON if set, else the first python3 on the PATH with torch >= 2.
# Each side prints wall-clock and thread-CPU medians; on a shared machine compare CPU times.
# JAVA_OPTS=-XX:UseAVX=2 ATEN_CPU_CAPABILITY=avx2 measures both sides at the AVX2 width on an AVX-512 machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECS="${1:-5}"
shift || true
TS=("$@")
if [ ${#TS[@]} -eq 0 ]; then TS=(8 128); fi
cd "$ROOT"
./mvnw -q -B -pl benchmarks -am package -DskipTests
PY=""
for p in ${TORCH_PYTHON:-} python3; do
  if command -v "$p" >/dev/null \
      && "$p" -c "import sys, torch; sys.exit(0 if int(torch.__version__.split('.')[0]) >= 2 else 1)" 2>/dev/null; then
    PY="$p"; break
  fi
done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in 1 2; do
  echo "== round $round: Deltac"
  java ${JAVA_OPTS:-} --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
    dev.deltac.benchmarks.models.LstmReport "$SECS" "${TS[@]}" 2> >(grep -v "WARNING: Using incubator modules" >&2)
  if [ -n "$PY" ]; then
    echo "== round $round: PyTorch $("$PY" -c 'import torch; print(torch.__version__)')"
    "$PY" benchmarks/lstm_torch.py "$SECS" "${TS[@]}"
  else
    echo "lstm_vs_torch.sh: no python with PyTorch 2 (set TORCH_PYTHON); PyTorch skipped" >&2
  fi
done
