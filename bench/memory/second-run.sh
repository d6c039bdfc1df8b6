#!/usr/bin/env bash
# Issue 15's acceptance "the second `run` of an unchanged workspace is ≥ 3× faster than the first":
# a scratch copy of tests/fixtures/memory with COPIES loading procedures (the fixture's
# Etl.LoadNewCustomers under other names: generation has something to do) and its procedure
# generation cannot test; `etl-agent run` twice; prints both wall times and the ratio. The second
# run generates nothing (test files exist, the untestable one is remembered) and runs the tests.
#   bench/memory/second-run.sh [COPIES=4] [BUDGET=600]   (build the CLI first: dotnet build server/src/EtlAgent.Cli -c Release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLI=${CLI:-$ROOT/server/src/EtlAgent.Cli/bin/Release/net10.0/etl-agent.dll}
COPIES=${1:-4}
BUDGET=${2:-600}
WS=$(mktemp -d)/workspace
trap 'rm -rf "$(dirname "$WS")"' EXIT
cp -r "$ROOT/tests/fixtures/memory" "$WS"
rm -rf "$WS/.etl-agent" "$WS/tests"
for i in $(seq 2 "$COPIES"); do
  sed "s/Etl\.LoadNewCustomers/Etl.LoadNewCustomers$i/" "$WS/procs/LoadNewCustomers.sql" > "$WS/procs/LoadNewCustomers$i.sql"
done
run() { local s e; s=$(date +%s.%N); dotnet "$CLI" run "$WS" --budget "$BUDGET" > "$WS.$1.out" 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
first=$(run 1)
second=$(run 2)
generated=$(grep -c "generating tests for" "$WS.1.out" || true)
again=$(grep -c "generating tests for" "$WS.2.out" || true)
printf 'first run:  %.1f s (%s procedures generated)\n' "$first" "$generated"
printf 'second run: %.1f s (%s generated again): %.1fx faster\n' "$second" "$again" "$(echo "scale=3; $first / $second" | bc)"
tail -1 "$WS.2.out"
