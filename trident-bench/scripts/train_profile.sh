#!/usr/bin/env bash
# Where does training time go? Trains a preset for a while under Java Flight Recorder and reports the share of
# CPU samples inside the fp32 GEMM (dev.trident.kernels.Gemm and its packed kernels) versus everything else.
#   trident-bench/scripts/train_profile.sh [PRESET] [STEPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
preset=${1:-small}
steps=${2:-60}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
./trident train --data data/tinyshakespeare.txt --preset "$preset" --out "$out/run" --steps "$steps" \
  --eval-every 100000 >"$out/train.log" 2>&1 &
pid=$!
# Let the JIT warm up and the tokenizer finish, then record the steady state.
sleep 25
jcmd_pid=$(pgrep -f "trident.jar train --data data/tinyshakespeare.txt --preset $preset --out $out/run" | head -1)
java_home=$(dirname "$(dirname "$(readlink -f /proc/$jcmd_pid/exe)")")
"$java_home/bin/jcmd" "$jcmd_pid" JFR.start name=p settings=profile dumponexit=true filename="$out/p.jfr" >/dev/null
wait $pid || true
"$java_home/bin/jfr" print --events jdk.ExecutionSample --stack-depth 64 "$out/p.jfr" >"$out/samples.txt"
awk '
  /jdk.ExecutionSample/ { if (n++) { total++; if (g) gemm++ } g = 0 }
  /dev\.trident\.kernels\.(Gemm|gemm\.)/ { g = 1 }
  END { if (n) { total++; if (g) gemm++ }
        printf "samples=%d gemm=%d gemm_share=%.1f%% outside_gemm=%.1f%%\n", total, gemm, 100*gemm/total, 100-100*gemm/total }
' "$out/samples.txt"
grep -E "tokens/s" "$out/train.log" | tail -1
