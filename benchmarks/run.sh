#!/usr/bin/env bash
# Model benchmarks of issue 7: generated vs hand-written Java (and PyTorch with --torch), one table.
#   benchmarks/run.sh [--torch] [--millis N] [--workloads xor_b4,mlp_b32,...]
#   JAVA_OPTS=-XX:UseAVX=2 ATEN_CPU_CAPABILITY=avx2 benchmarks/run.sh --torch ...   both sides at the
#   AVX2 width on an AVX-512 machine
# Single-threaded JMH, 1 fork, 4 warm-up + 5 measured iterations of N ms (default 400): ~3 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TORCH=false; MILLIS=400; WORKLOADS=xor_b4,mlp_b1,mlp_b32,mlp_b256,deep_b64,rnn_b32
while [ $# -gt 0 ]; do
  case "$1" in
    --torch) TORCH=true ;;
    --millis) MILLIS="$2"; shift ;;
    --workloads) WORKLOADS="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
cd "$ROOT"
./mvnw -q -B -pl benchmarks -am package -DskipTests
TORCH_FILE=""
if $TORCH; then
  # PyTorch 2 is the reference: $TORCH_PYTHON if set, else the first python3 on the PATH whose
  # torch is version 2 or later (Debian's python3-torch is 1.x and much slower: refused).
  PY=""
  for p in ${TORCH_PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null \
        && "$p" -c "import sys, torch; sys.exit(0 if int(torch.__version__.split('.')[0]) >= 2 else 1)" 2>/dev/null; then
      PY="$p"; break
    fi
  done
  if [ -n "$PY" ]; then
    TORCH_FILE="$(mktemp)"
    echo "PyTorch $("$PY" -c 'import torch; print(torch.__version__)'), 1 thread..." >&2
    "$PY" benchmarks/torch_bench.py "$WORKLOADS" | tee "$TORCH_FILE" >&2
  else
    echo "run.sh: no python with PyTorch 2 found (set TORCH_PYTHON to one); skipping PyTorch" >&2
  fi
fi
java ${JAVA_OPTS:-} --add-modules jdk.incubator.vector ${TORCH_FILE:+-Dtorch=$TORCH_FILE} \
  -cp benchmarks/target/benchmarks.jar dev.deltac.benchmarks.models.ModelReport "$MILLIS" "$WORKLOADS" \
  2> >(grep -v "WARNING: Using incubator modules" >&2)
