#!/usr/bin/env bash
# Decode tokens/s at a long context, MLA vs GQA of the same width/heads/layers (random weights), in one JVM run,
# plus the KV-cache bytes per token of MLA, GQA and full multi-head attention.
#   trident-bench/scripts/mla_decode.sh [GQA_PRESET MLA_PRESET [CONTEXT [STEPS [ROUNDS]]]]   (default: small small-mla 2048 32 7)
# Set THREADS=N to pin the kernel threads (default: one per core).
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -q -o package -pl trident-core,trident-bench -DskipTests
java=""
for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*25*/bin/java; do
  [[ -x "$j" ]] && "$j" -version 2>&1 | grep -q 'version "25' && java=$j && break
done
[[ -n "$java" ]] || { echo "mla_decode.sh: needs a JDK 25 (set JAVA_HOME)" >&2; exit 2; }
"$java" --add-modules=jdk.incubator.vector ${THREADS:+-Dtrident.threads=$THREADS} \
    -cp trident-bench/target/benchmarks.jar dev.trident.bench.MlaDecodeBenchmark "$@"
