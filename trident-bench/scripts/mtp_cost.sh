#!/usr/bin/env bash
# What MTP training costs in quality, and what it buys at decode time: PRESET trained for STEPS steps with and
# without D = 1 multi-token prediction (same seed and data, side by side, one thread each); then greedy
# self-speculative decoding of the MTP model against plain decoding on validation prompts.
#   trident-bench/scripts/mtp_cost.sh [PRESET] [STEPS] [DEPTH] [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
preset=${1:-small}
steps=${2:-400}
depth=${3:-1}
out=${4:-runs/mtp-cost-$preset}
mkdir -p "$out"
./trident --version >/dev/null 2>&1 || true
./trident train --data data/tinyshakespeare.txt --preset "$preset" --out "$out/plain" --steps "$steps" --threads 1 >"$out/plain.out" 2>"$out/plain.err" & p1=$!
./trident train --data data/tinyshakespeare.txt --preset "$preset" --out "$out/mtp$depth" --steps "$steps" --threads 1 --mtp "$depth" >"$out/mtp.out" 2>"$out/mtp.err" & p2=$!
wait $p1 $p2
./trident compare "$out/plain" "$out/mtp$depth" --out "$out/mtp-vs-plain.png" --title "$preset: with and without MTP (D = $depth)" | tee "$out/compare.txt"
awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[NR, kv[1]] = kv[2] } }
     END { printf "val BPB with MTP vs without: %+.3f%%\n", 100 * (v[2, "val_bpb"] / v[1, "val_bpb"] - 1) }' "$out/compare.txt"
jar=trident-bench/target/benchmarks.jar
[[ -f $jar ]] || ./mvnw -q -o package -pl trident-bench -am -DskipTests
${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java} --add-modules=jdk.incubator.vector -cp "$jar" \
  dev.trident.bench.SpeculativeCompare "$out/mtp$depth" data/tinyshakespeare.txt 20 100 "${THREADS:-2}" 2>/dev/null
