#!/usr/bin/env bash
# GEMV per weight format beside the STREAM-style read bandwidth, same process, medians over interleaved rounds.
# Usage: trident-bench/scripts/gemv_bandwidth.sh [rows=4096] [cols=11008] [threads=2] [rounds=15] [streamMB=1024]
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
[ -f trident-bench/target/benchmarks.jar ] || ./mvnw -q -o package -pl trident-bench -am -DskipTests
exec "$JAVA" --add-modules=jdk.incubator.vector -Xmx3g -cp trident-bench/target/benchmarks.jar \
    dev.trident.bench.BandwidthReport "$@"
