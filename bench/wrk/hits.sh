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
out="src/Gateway/bin/Release/net10.0"
export WRK_TEXTS="$root/bench/wrk/texts.txt"

if ! command -v wrk >/dev/null; then
  apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
fi

if [[ -z "${NO_BUILD:-}" ]]; then
  dotnet build -c Release src/Gateway -nologo -v quiet
fi

# A loopback port nothing listens on (prints it; fails when 50 tries found none).
free_port() {
  for candidate in $(shuf -i 20000-45000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "no free loopback port found" >&2
  return 1
}
port="$(free_port)"
silo_port="$(free_port)"
while [[ "$silo_port" == "$port" ]]; do silo_port="$(free_port)"; done
base="http://127.0.0.1:$port"

log="$(mktemp)"
db="$(mktemp -d)"
dotnet "$out/PredictionCache.Gateway.dll" --urls "$base" --contentRoot "$root/$out" \
  --Orleans:Endpoints:SiloPort="$silo_port" --Orleans:Endpoints:GatewayPort=0 \
  --Storage:ConnectionString="Data Source=$db/predictioncache.db" >"$log" 2>&1 &
gateway=$!
cleanup() {
  kill "$gateway" 2>/dev/null || true
  wait "$gateway" 2>/dev/null || true
  rm -f "$log"
  rm -rf "$db"
}
trap cleanup EXIT

for _ in $(seq 1 150); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 "$gateway" 2>/dev/null || { echo "gateway exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$base/health" >/dev/null || { echo "gateway not healthy on $base" >&2; cat "$log" >&2; exit 1; }

while IFS= read -r text; do
  [[ -n "$text" ]] || continue
  status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/predict" \
    -H 'Content-Type: application/json' -H 'Prefer: wait=5' --data "{\"text\":\"$text\"}")
  [[ "$status" == 200 ]] || { echo "warming '$text' answered $status" >&2; exit 1; }
done <"$WRK_TEXTS"
first="$(head -n1 "$WRK_TEXTS")"
curl -s -D - -o /dev/null -X POST "$base/predict" -H 'Content-Type: application/json' --data "{\"text\":\"$first\"}" \
  | grep -qi '^x-cache: HIT' || { echo "a warmed text is not a HIT" >&2; exit 1; }

echo "gateway $base (pid $gateway, silo port $silo_port), $(wc -l <"$WRK_TEXTS") warmed texts; $(nproc) cpus shared by wrk and the gateway"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$root/bench/wrk/post.lua" "$base/predict"
echo "cache stats: $(curl -fsS "$base/cache/stats")"
