#!/usr/bin/env bash
# Auxiliary-loss-free balancing on vs off: the same MoE preset, seed and data for STEPS steps, once with the bias
# update (gamma) and no balance loss, once with neither. Prints the mean MaxVio over the last 10% of steps.
#   trident-bench/scripts/moe_balance.sh [PRESET] [STEPS] [BATCH] [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
preset=${1:-tiny-moe}
steps=${2:-2000}
batch=${3:-16}
out=${4:-runs/moe-balance-$preset}
mkdir -p "$out"
./trident --version >/dev/null 2>&1 || true
run() { ./trident train --data data/tinyshakespeare.txt --preset "$preset" --out "$out/$1" --steps "$steps" \
          --batch-size "$batch" --threads 1 --moe-gamma "$2" --moe-alpha 0 >"$out/$1.out" 2>"$out/$1.err"; }
run bias-on 0.001 & p1=$!
run off 0 & p2=$!
wait $p1 $p2
for r in bias-on off; do
  awk -F, -v name="$r" 'NR > 1 && $2 != "" { v[++n] = $9 } END {
      k = int(n / 10); s = 0; for (i = n - k + 1; i <= n; i++) s += v[i];
      printf "%-8s mean MaxVio over the last %d of %d steps: %.3f\n", name, k, n, s / k }' "$out/$r/metrics.csv"
done
