#!/usr/bin/env bash
# What checking an API key costs on the hit path: two Release gateways side by side, one open (no Auth:Keys) and one
# with a key (its rate limit far above the load, so the limiter runs but never refuses), every text of texts.txt
# warmed on both, then ROUNDS rounds of wrk against each in turn (the first of each round alternating) so both see the
# same machine. Prints each round's rates and the keyed/open ratio of the medians.
# Environment: ROUNDS (default 6), DURATION (10s), THREADS (2), CONNECTIONS (64); NO_BUILD=1 runs the gateway as built.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
rounds="${ROUNDS:-6}"
duration="${DURATION:-10s}"
threads="${THREADS:-2}"
connections="${CONNECTIONS:-64}"
export WRK_TEXTS="$root/bench/wrk/texts.txt"

if [[ -z "${NO_BUILD:-}" ]]; then
  dotnet build -c Release src/Gateway -nologo -v quiet
fi

source "$root/bench/wrk/lib.sh"
trap stop_gateways EXIT

key="pck_bench-$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
hash="$(printf %s "$key" | sha256sum | cut -d' ' -f1)"
start_gateway
open="$base"
start_gateway --Auth:Keys:0:Name=bench --Auth:Keys:0:Roles:0=predict --Auth:Keys:0:Sha256="$hash" \
  --Auth:Keys:0:RequestsPerSecond=1000000 --Auth:Keys:0:Burst=10000000
keyed="$base"
warm "$open"
warm "$keyed" "$key"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$keyed/predict" -H 'Content-Type: application/json' --data '{"text":"x"}')
[[ "$status" == 401 ]] || { echo "the keyed gateway answered $status without a key" >&2; exit 1; }

rate() { grep -o '= [0-9.]* req/s' | grep -o '[0-9.]*'; }
echo "open $open, keyed $keyed; $(wc -l <"$WRK_TEXTS") warmed texts; $(nproc) cpus shared by wrk and both gateways"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
open_rates=()
keyed_rates=()
run_open() { BENCH_API_KEY= wrk -t"$threads" -c"$connections" -d"$duration" -s "$root/bench/wrk/post.lua" "$open/predict" | rate; }
run_keyed() { BENCH_API_KEY="$key" wrk -t"$threads" -c"$connections" -d"$duration" -s "$root/bench/wrk/post.lua" "$keyed/predict" | rate; }
for round in $(seq 1 "$rounds"); do
  # Which goes first alternates: the second run of a round meets a machine the first has warmed (or tired).
  if (( round % 2 )); then o=$(run_open); k=$(run_keyed); else k=$(run_keyed); o=$(run_open); fi
  open_rates+=("$o")
  keyed_rates+=("$k")
  echo "round $round: open $o req/s, keyed $k req/s"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mo=$(median "${open_rates[@]}")
mk=$(median "${keyed_rates[@]}")
echo "median: open $mo req/s, keyed $mk req/s, keyed/open $(awk -v k="$mk" -v o="$mo" 'BEGIN { printf "%.3f", k / o }')"
echo "keyed stats: $(curl -fsS -H "Authorization: Bearer $key" "$keyed/cache/stats" | head -c 200)"
