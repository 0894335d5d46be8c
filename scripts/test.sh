#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine: restores, builds (warnings are errors) and tests.
# Installs what the tests need only when it is missing. Fails when any test fails or is skipped:
# a test that never runs counts as missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK (dotnet) is required and is not on PATH" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Storage tests start a throwaway PostgreSQL server with initdb/pg_ctl (tests/TestKit/Postgres/PostgresServer.cs).
as_root=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
fi
if [ ! -x "${PG_BIN:-/nonexistent}/initdb" ] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  if [ "$(id -u)" -ne 0 ] && [ ${#as_root[@]} -eq 0 ]; then
    echo "test.sh: PostgreSQL is missing and installing it needs root or sudo" >&2
    exit 1
  fi
  "${as_root[@]}" apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
fi
# As root the tests run the server as the postgres user (initdb and postgres refuse root); the package creates it.
if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
  useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home --shell /usr/sbin/nologin postgres
fi

# The dashboard's browser test drives Debian's headless Chromium through Playwright (no browser download).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ] && [ ${#as_root[@]} -eq 0 ]; then
    echo "test.sh: chromium is missing and installing it needs root or sudo" >&2
    exit 1
  fi
  "${as_root[@]}" apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

# Cluster tests start a throwaway redis-server (tests/TestKit/Redis/RedisServer.cs; REDIS_SERVER overrides the path).
if [ ! -x "${REDIS_SERVER:-/usr/bin/redis-server}" ]; then
  if [ "$(id -u)" -ne 0 ] && [ ${#as_root[@]} -eq 0 ]; then
    echo "test.sh: redis-server is missing and installing it needs root or sudo" >&2
    exit 1
  fi
  "${as_root[@]}" apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server
fi

dotnet build PredictionCache.sln -c Release

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# --blame-hang-timeout: a hung test fails the run with a dump instead of eating CI's time.
dotnet test PredictionCache.sln -c Release --no-build --blame-hang-timeout 5m 2>&1 | tee "$log" || status=$?

# Each test assembly ends with: "Passed!  - Failed: 0, Passed: 42, Skipped: 0, Total: 42, ..."
read -r failed passed skipped < <(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" \
  | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' \
  | awk '{f+=$1; p+=$2; s+=$3} END {print f+0, p+0, s+0}')
assemblies=$(grep -cE '(Passed|Failed)! +- Failed:' "$log" || true)
expected=$(ls -d tests/*.Tests | wc -l)

echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
if [ "$skipped" -ne 0 ]; then
  echo "test.sh: $skipped tests were skipped; every test must run" >&2
  exit 1
fi
if [ "$assemblies" -ne "$expected" ] || [ "$passed" -eq 0 ]; then
  echo "test.sh: $assemblies of $expected test projects reported results" >&2
  exit 1
fi
