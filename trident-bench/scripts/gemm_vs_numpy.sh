#!/usr/bin/env bash
# Trident Gemm.sgemm vs numpy/OpenBLAS matmul, same shape, same thread count, in one run.
#
#   trident-bench/scripts/gemm_vs_numpy.sh [m n k] [threads] [rounds]     (defaults: 1024 1024 1024, 2, 3)
#
# Each side warms up for ~2 s and reports the median (and best) of 15 timed calls; the two sides alternate for
# `rounds` rounds so that noise from other processes on the machine hits both, and the final figure per side is
# the median over rounds. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for numpy so OpenBLAS picks its own
# kernel for this CPU; OPENBLAS_NUM_THREADS sets numpy's threads; the Java side sizes its WorkerPool with the same number.
# Builds trident-bench/target/benchmarks.jar first if it is missing (BUILD=1 forces a rebuild).
set -euo pipefail

M=${1:-1024}; N=${2:-1024}; K=${3:-1024}
THREADS=${4:-2}
ROUNDS=${5:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
PYTHON=${PYTHON:-python3}
JAR="$ROOT/trident-bench/target/benchmarks.jar"

if [[ ! -f "$JAR" || "${BUILD:-0}" == 1 ]]; then
  (cd "$ROOT" && ./mvnw -q -o package -pl trident-bench -am -DskipTests)
fi

echo "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); shape ${M}x${N}x${K}; threads $THREADS"
tri=(); np=()
for ((r = 1; r <= ROUNDS; r++)); do
  t=$("$JAVA" --add-modules=jdk.incubator.vector -cp "$JAR" dev.trident.bench.GemmCompare "$M" "$N" "$K" "$THREADS" 2>/dev/null)
  p=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" "$PYTHON" "$HERE/gemm_numpy.py" "$M" "$N" "$K")
  echo "round $r: $t | $p"
  tri+=("$(awk '{print $6}' <<<"$t")"); np+=("$(awk '{print $6}' <<<"$p")")
done

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
T=$(median "${tri[@]}"); P=$(median "${np[@]}")
printf 'Trident GEMM  : %6.1f GFLOP/s\n' "$T"
printf 'numpy matmul  : %6.1f GFLOP/s\n' "$P"
awk -v t="$T" -v p="$P" 'BEGIN { printf "ratio Trident/numpy: %.2f\n", t / p }'
