#!/usr/bin/env bash
# The one test command (README, `npm test`, .ci/run): builds everything, runs every suite,
# prints one summary line "N passed, M failed" and exits non-zero when anything failed.
# It installs what the suites need itself (npm packages, Debian packages) so a clean machine works.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RESULTS="$ROOT/artifacts/test-results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

passed=0
failed=0
broken=()

note() { printf '\n==> %s\n' "$*"; }

# dotnet test prints "Passed!  - Failed: F, Passed: P, Skipped: S, ..." (or "Failed!  - ...") per assembly.
count_dotnet() {
  local log=$1 p f
  while read -r line; do
    p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$line")
    f=$(sed -E 's/.*Failed: *([0-9]+),.*/\1/' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f))
  done < <(grep -E '^(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log")
}

# node --test prints TAP-like "# pass N" / "# fail N".
count_node() {
  local log=$1 p f
  p=$(grep -E '^# pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  f=$(grep -E '^# fail [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  passed=$((passed + p)); failed=$((failed + f))
}

# Suites that are not dotnet or node print the plain line "[name: ]N passed, M failed".
count_plain() {
  local log=$1 p f
  while read -r line; do
    p=$(sed -E 's/^([A-Za-z0-9-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
    f=$(sed -E 's/^([A-Za-z0-9-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f))
  done < <(grep -E '^([A-Za-z0-9-]+: )?[0-9]+ passed, [0-9]+ failed' "$log")
}

# Chromium checks the HTML run report in the .NET tests (and drives VS Code later): install it
# first on a fresh machine, so that test runs instead of skipping.
if ! command -v chromium >/dev/null 2>&1 && ! dpkg -s chromium >/dev/null 2>&1; then
  note "Debian package chromium"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } \
    || echo "apt-get install chromium failed: the HTML report test will say it skipped"
fi

note "dotnet build"
if ! dotnet build EtlAgentIde.sln -c Release 2>&1 | tee "$RESULTS/build.log" | grep -E "error|Warn|Error|Elapsed" ; then :; fi
if ! grep -q "Build succeeded" "$RESULTS/build.log"; then
  echo "BUILD FAILED (see $RESULTS/build.log)"
  echo "0 passed, 1 failed"
  exit 1
fi

for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  note "dotnet test $name"
  dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS" 2>&1 | tee "$RESULTS/$name.log"
  status=${PIPESTATUS[0]}
  count_dotnet "$RESULTS/$name.log"
  if [ "$status" -ne 0 ] && ! grep -qE '^Failed! ' "$RESULTS/$name.log"; then broken+=("$name (exit $status)"); fi
done

# Further suites (language server end-to-end, extension, editors) register here as scripts/suites/*.sh;
# each prints node --test or dotnet test output that the counters above understand.
for suite in scripts/suites/*.sh; do
  [ -e "$suite" ] || continue
  name=$(basename "$suite" .sh)
  note "suite $name"
  bash "$suite" 2>&1 | tee "$RESULTS/$name.log"
  status=${PIPESTATUS[0]}
  count_node "$RESULTS/$name.log"
  count_dotnet "$RESULTS/$name.log"
  count_plain "$RESULTS/$name.log"
  if [ "$status" -ne 0 ] && ! grep -qE '^# fail [1-9]|^Failed! |^([A-Za-z0-9-]+: )?[0-9]+ passed, [1-9][0-9]* failed' "$RESULTS/$name.log"; then broken+=("$name (exit $status)"); fi
done

echo
for b in "${broken[@]}"; do echo "SUITE BROKEN: $b"; failed=$((failed + 1)); done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
