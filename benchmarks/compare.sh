#!/usr/bin/env bash
# Before/after comparison of two benchmark jars (e.g. the benchmarks.jar of an older commit and of
# this one), as in docs/PERFORMANCE.md ("Second round"): per workload, ROUNDS rounds of
# [before generated, after generated, after hand-written], each a JMH fork with 4 warm-up and 8
# measured iterations of 300 ms; prints the median (and fastest) iteration of each cell.
#   benchmarks/compare.sh BEFORE.jar AFTER.jar [workloads] [rounds]
set -euo pipefail
BEFORE="$1"; AFTER="$2"
WORKLOADS="${3:-xor_b4,mlp_b1,mlp_b32,mlp_b256,deep_b64,rnn_b32}"; ROUNDS="${4:-3}"
OUT="$(mktemp)"
for w in ${WORKLOADS//,/ }; do
  for _ in $(seq "$ROUNDS"); do
    for spec in "before:$BEFORE:generated" "after:$AFTER:generated" "after:$AFTER:hand"; do
      IFS=: read -r label jar impl <<<"$spec"
      vals=$(java --add-modules jdk.incubator.vector -jar "$jar" ModelBenchmark -p workload="$w" \
        -p impl="$impl" -f 1 -wi 4 -i 8 -w 300ms -r 300ms 2>/dev/null </dev/null \
        | awk '/^Iteration/ {print $3}' | tr '\n' ' ')
      echo "$w $label $impl $(cut -d' ' -f1 /proc/loadavg) $vals" | tee -a "$OUT" >&2
    done
  done
done
python3 - "$OUT" <<'PY'
import collections, statistics, sys
d = collections.defaultdict(list); loads = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) < 5: continue
    d[(p[0], p[1], p[2])] += [float(x) for x in p[4:]]
    loads[p[0]].append(float(p[3]))
print("| workload | before µs/step | after µs/step | after vs before | hand µs/step | after vs hand | load |")
print("|---|---:|---:|---:|---:|---:|---|")
for w in dict.fromkeys(k[0] for k in d):
    b, a, h = d[(w, 'before', 'generated')], d[(w, 'after', 'generated')], d[(w, 'after', 'hand')]
    if not (b and a and h): continue
    mb, ma, mh = (statistics.median(x) for x in (b, a, h))
    print(f"| {w} | {mb:.4g} ({min(b):.4g}) | {ma:.4g} ({min(a):.4g}) | {mb/ma:.2f}× | "
          f"{mh:.4g} ({min(h):.4g}) | {mh/ma:.2f}× | {min(loads[w]):.1f}–{max(loads[w]):.1f} |")
PY
