#!/usr/bin/env bash
# FP8 training against fp32: the same preset, seed and data for STEPS steps, trained side by side (one thread each).
# Prints each run's final training loss (mean of the last 5% of steps) and validation BPB, the relative gaps, and
# writes both curves on one PNG.
#   trident-bench/scripts/fp8_vs_fp32.sh [PRESET] [STEPS] [BATCH] [OUT]     (SEED=S sets both runs' seed; default 1337)
set -euo pipefail
cd "$(dirname "$0")/../.."
preset=${1:-tiny}
steps=${2:-2000}
batch=${3:-16}
out=${4:-runs/fp8-vs-fp32-$preset}
mkdir -p "$out"
./trident --version >/dev/null 2>&1 || true
run() { ./trident train --data data/tinyshakespeare.txt --preset "$preset" --out "$out/$1" --steps "$steps" \
          --batch-size "$batch" --threads 1 --seed "${SEED:-1337}" --precision "$1" >"$out/$1.out" 2>"$out/$1.err"; }
run fp32 & p1=$!
run fp8 & p2=$!
wait $p1 $p2
grep -h "^fp8:" "$out/fp8.err" | tr '\r' '\n' | grep "^fp8:" | head -1 || true
./trident compare "$out/fp32" "$out/fp8" --out "$out/fp8-vs-fp32.png" --title "$preset: fp32 vs FP8 (E4M3) training" | tee "$out/compare.txt"
awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[NR, kv[1]] = kv[2] } }
     END { printf "relative gap fp8 vs fp32: final train loss %+.3f%%, val BPB %+.3f%%\n",
           100 * (v[2, "final_train_loss"] / v[1, "final_train_loss"] - 1), 100 * (v[2, "val_bpb"] / v[1, "val_bpb"] - 1) }' "$out/compare.txt"
