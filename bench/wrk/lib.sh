# Shared by the wrk scripts (sourced): free loopback ports, a Release gateway of its own, warming texts.
# Expects $root (the repository root) and WRK_TEXTS (the texts file).

out="src/Gateway/bin/Release/net10.0"
gateways=()
scratch=()

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

stop_gateways() {
  for pid in "${gateways[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for dir in "${scratch[@]}"; do rm -rf "$dir"; done
}

# start_gateway [settings...]: starts the gateway as built, with its shipped appsettings.json (content root = its output
# folder), on a free 127.0.0.1 port, an Orleans silo port of its own (no client gateway: two gateways on one machine
# must not share Orleans ports, which Orleans would allow silently through SO_REUSEPORT) and its own SQLite file; waits
# for /health; sets $base and $gateway.
start_gateway() {
  local port silo_port dir
  port="$(free_port)"
  silo_port="$(free_port)"
  while [[ "$silo_port" == "$port" ]]; do silo_port="$(free_port)"; done
  base="http://127.0.0.1:$port"
  dir="$(mktemp -d)"
  scratch+=("$dir")
  dotnet "$out/PredictionCache.Gateway.dll" --urls "$base" --contentRoot "$root/$out" \
    --Orleans:Endpoints:SiloPort="$silo_port" --Orleans:Endpoints:GatewayPort=0 \
    --Storage:ConnectionString="Data Source=$dir/predictioncache.db" "$@" >"$dir/log" 2>&1 &
  gateway=$!
  gateways+=("$gateway")
  for _ in $(seq 1 150); do
    curl -fsS "$base/health" >/dev/null 2>&1 && return 0
    kill -0 "$gateway" 2>/dev/null || { echo "gateway exited:" >&2; cat "$dir/log" >&2; return 1; }
    sleep 0.2
  done
  echo "gateway not healthy on $base" >&2
  cat "$dir/log" >&2
  return 1
}

# warm BASE [KEY]: every text of WRK_TEXTS inferred and stored (Prefer: wait), then the first one answered as a HIT.
warm() {
  local auth=()
  [[ -n "${2:-}" ]] && auth=(-H "Authorization: Bearer $2")
  while IFS= read -r text; do
    [[ -n "$text" ]] || continue
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$1/predict" "${auth[@]}" \
      -H 'Content-Type: application/json' -H 'Prefer: wait=5' --data "{\"text\":\"$text\"}")
    [[ "$status" == 200 ]] || { echo "warming '$text' answered $status" >&2; return 1; }
  done <"$WRK_TEXTS"
  first="$(head -n1 "$WRK_TEXTS")"
  curl -s -D - -o /dev/null -X POST "$1/predict" "${auth[@]}" -H 'Content-Type: application/json' --data "{\"text\":\"$first\"}" \
    | grep -qi '^x-cache: HIT' || { echo "a warmed text is not a HIT" >&2; return 1; }
}
