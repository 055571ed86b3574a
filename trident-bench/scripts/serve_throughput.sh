#!/usr/bin/env bash
# Continuous batching: aggregate tokens/s of `trident serve` with C concurrent streaming requests against one request
# alone, measured in the same run (rounds alternate). Starts the server on MODEL, runs ServeThroughput, stops it.
#   trident-bench/scripts/serve_throughput.sh MODEL [ROUNDS] [TOKENS] [CONCURRENT] [PORT]
# SERVE_ARGS adds options to `trident serve` (e.g. SERVE_ARGS="--threads 1"); TEMPERATURE sets the requests' (default 0.8;
# 0 = greedy, what `serve --speculative` drafts for).
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:?usage: serve_throughput.sh MODEL [ROUNDS] [TOKENS] [CONCURRENT] [PORT]}
rounds=${2:-5}
tokens=${3:-64}
concurrent=${4:-8}
port=${5:-18480}
./trident --version >/dev/null 2>&1   # builds the jar if sources changed
./mvnw -q -o -DskipTests package -pl trident-bench -am >/dev/null
./trident serve "$model" --port "$port" ${SERVE_ARGS:-} 2> "${TMPDIR:-/tmp}/serve_throughput.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    kill -0 $server 2>/dev/null || { cat "${TMPDIR:-/tmp}/serve_throughput.err" >&2; exit 1; }
    sleep 1
done
head -2 "${TMPDIR:-/tmp}/serve_throughput.err" | grep -v WARNING >&2 || true
JAVA=$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -1)
"${JAVA:-java}" -cp trident-bench/target/classes dev.trident.bench.ServeThroughput "http://127.0.0.1:$port" "$rounds" "$tokens" "$concurrent" "${TEMPERATURE:-0.8}"
curl -s "http://127.0.0.1:$port/health"; echo
