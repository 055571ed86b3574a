#!/usr/bin/env bash
# Dense vs DeepSeekMoE at the same wall-clock budget, trained side by side (one thread each, same seed, same data),
# so both see the same machine load. Prints validation BPB, parameters and training tokens/s of each.
#   trident-bench/scripts/moe_vs_dense.sh DATA MINUTES [DENSE_PRESET] [MOE_PRESET] [OUT]
# CLOCK=cpu counts the minutes in CPU time of each process instead (fair when other work shares the machine);
# MOE_ARGS adds options to the MoE run only (e.g. MOE_ARGS="--expert-dropout 0.4").
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:?data file}
minutes=${2:?minutes}
dense=${3:-small}
moe=${4:-small-moe}
out=${5:-runs/moe-vs-dense-$(basename "$data" .txt)-${minutes}m}
mkdir -p "$out"
./trident --version >/dev/null 2>&1 || true   # build once before the two runs start
./trident train --data "$data" --preset "$dense" --out "$out/$dense" --minutes "$minutes" --clock "${CLOCK:-wall}" --threads 1 >"$out/$dense.out" 2>"$out/$dense.err" &
p1=$!
./trident train --data "$data" --preset "$moe" --out "$out/$moe" --minutes "$minutes" --clock "${CLOCK:-wall}" --threads 1 ${MOE_ARGS:-} >"$out/$moe.out" 2>"$out/$moe.err" &
p2=$!
wait $p1 $p2
printf "| preset | parameters | active/token | train MFLOP/token | tokens/s | steps | val BPB |\n|---|---|---|---|---|---|---|\n"
for p in "$dense" "$moe"; do
  plan=$(grep -m1 "^preset $p:" "$out/$p.err" || true)
  params=$(sed -n 's/^preset [^:]*: \([^ ]*\) parameters.*/\1/p' <<<"$plan")
  active=$(sed -n 's/.*parameters, \([^ ]*\) active per token.*/\1/p' <<<"$plan")
  flops=$(sed -n 's/.* \([0-9.]*\) MFLOP\/token.*/\1/p' <<<"$plan")
  tps=$(sed -n 's/^steps .*(\(.*\) tokens\/s)/\1/p' "$out/$p.out")
  steps=$(sed -n 's/^steps *\([0-9,]*\) in.*/\1/p' "$out/$p.out")
  bpb=$(sed -n 's/^val_bpb=//p' "$out/$p.out")
  printf "| %s | %s | %s | %s | %s | %s | %s |\n" "$p" "$params" "${active:-$params}" "$flops" "$tps" "$steps" "$bpb"
done
