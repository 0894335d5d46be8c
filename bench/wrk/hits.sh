#!/usr/bin/env bash
# Target (e): HTTP cache-hit throughput and p99 latency on loopback.
# Builds the gateway in Release, starts it on a free 127.0.0.1 port with its shipped appsettings.json (content
# root = its output folder), an Orleans silo port of its own (a free one; no client gateway: two gateways on one
# machine must not share Orleans ports, which Orleans would allow silently through SO_REUSEPORT) and its own SQLite
# file, warms every text in texts.txt (POST with Prefer: wait=5), checks a repeat is a HIT, runs wrk against
# POST /predict, prints the cache stats, and stops the gateway.
# Environment: DURATION (default 20s), THREADS (2), CONNECTIONS (64); NO_BUILD=1 runs the gateway as built already
# (the bench's Release build builds it too).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
duration="${DURATION:-20s}"
threads="${THREADS:-2}"
connections="${CONNECTIONS:-64}"
export WRK_TEXTS="$root/bench/wrk/texts.txt"

if ! command -v wrk >/dev/null; then
  apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
fi

if [[ -z "${NO_BUILD:-}" ]]; then
  dotnet build -c Release src/Gateway -nologo -v quiet
fi

source "$root/bench/wrk/lib.sh"
trap stop_gateways EXIT
start_gateway
warm "$base"

echo "gateway $base (pid $gateway), $(wc -l <"$WRK_TEXTS") warmed texts; $(nproc) cpus shared by wrk and the gateway"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$root/bench/wrk/post.lua" "$base/predict"
echo "cache stats: $(curl -fsS "$base/cache/stats")"
