#!/usr/bin/env bash
# Real-world harness: runs etl-agent on local copies of the public corpora and prints a scoreboard.
# A benchmark run by hand (docs/realworld.md), not part of `npm test`.
#
#   bench/realworld/run.sh [--corpora DIR] [--budget SECONDS] [--only NAME,NAME] [--work DIR] [--markdown FILE]
#
# --corpora  folder of laid-out corpora, one sub-folder each with a .source-commit file (default /work/corpora)
# --budget   generation budget per corpus, passed to `etl-agent run --budget` (default 180)
# --only     comma-separated corpus names (default: every sub-folder)
# --work     where the copies and raw outputs go (default: a new temp dir; kept for inspection)
# --markdown also write the scoreboard as markdown tables to FILE
# --cli      the etl-agent.dll to measure (default: this checkout's Release build, built when missing)
#
# Sample mode (the acceptance's per-procedure figures in reasonable time):
#   bench/realworld/run.sh --sample N [--seed S] [--cap SECONDS] [--proc-timeout SECONDS] [--only …] [--work …] [--markdown FILE]
# --sample       per corpus, N writing procedures drawn with --seed (default 12; sample.py pick), each
#                generated alone with `generate --transformation X` (mutants on, under the cap), then one
#                `test` run; sample.py report prints sampled, non-trivial, cases passing, seconds per
#                procedure (mean/median/max), cap reached, mutants killed/all per corpus
# --cap          passed to generate as --cap (default: the CLI's own default; builds without it take none)
# --proc-timeout wall limit of one procedure's generation (default 600): a build without the cap may hang
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
corpora=/work/corpora budget=180 only="" work="" markdown="" cli="" sample="" seed=12 cap="" proc_timeout=600
while [[ $# -gt 0 ]]; do
  case "$1" in
    --corpora) corpora="$2"; shift 2 ;;
    --budget) budget="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --markdown) markdown="$2"; shift 2 ;;
    --cli) cli="$2"; shift 2 ;;
    --sample) sample="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --cap) cap="$2"; shift 2 ;;
    --proc-timeout) proc_timeout="$2"; shift 2 ;;
    -h|--help) sed -n 2,22p "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
[[ -d "$corpora" ]] || { echo "no corpora folder: $corpora (see docs/realworld.md)" >&2; exit 2; }
[[ -n "$work" ]] || work="$(mktemp -d -t etl-realworld.XXXXXX)"
mkdir -p "$work"

[[ -n "$cli" ]] || cli="$root/server/src/EtlAgent.Cli/bin/Release/net10.0/etl-agent.dll"
if [[ ! -f "$cli" ]]; then
  echo "building the CLI…" >&2
  dotnet build "$root/server/src/EtlAgent.Cli" -c Release -v q --nologo >&2
fi

names=()
if [[ -n "$only" ]]; then IFS=, read -r -a names <<< "$only"
else for d in "$corpora"/*/; do names+=("$(basename "$d")"); done
fi

if [[ -n "$sample" ]]; then
  for name in "${names[@]}"; do
    src="$corpora/$name"
    [[ -f "$src/.source-commit" ]] || { echo "skip $name: no .source-commit in $src" >&2; continue; }
    out="$work/$name.sample"; ws="$work/$name"
    rm -rf "$ws" "$out"; mkdir -p "$out/gen"
    cp -r "$src" "$ws"
    echo "[$name] discover" >&2
    timeout 900 dotnet "$cli" discover "$ws" --format json --output "$out/discover.json" 2> "$out/discover.err" || true
    python3 "$here/sample.py" pick --discover "$out/discover.json" --corpus "$name" --n "$sample" --seed "$seed" > "$out/sample.txt"
    while read -r proc; do
      [[ -n "$proc" ]] || continue
      stem="$out/gen/${proc//\//_}"
      echo "[$name] generate --transformation $proc" >&2
      set +e
      start=$(date +%s.%N)
      timeout "$proc_timeout" dotnet "$cli" generate "$ws" --transformation "$proc" ${cap:+--cap "$cap"} > "$stem.out" 2> "$stem.err"
      echo $? > "$stem.rc"
      set -e
      python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)" > "$stem.seconds"
    done < "$out/sample.txt"
    echo "[$name] test" >&2
    timeout 1800 dotnet "$cli" test "$ws" --format junit --output "$out/junit.xml" > /dev/null 2> "$out/test.err" || true
  done
  python3 "$here/sample.py" report --work "$work" ${markdown:+--markdown "$markdown"} "${names[@]}"
  echo "raw outputs: $work" >&2
  exit 0
fi

# Discovery and the static rules are bounded by the size of the code; generation by --budget;
# the test run by the cases written. A hung step must not hold the whole benchmark.
wall=$(( budget * 3 + 900 ))
for name in "${names[@]}"; do
  src="$corpora/$name"
  [[ -f "$src/.source-commit" ]] || { echo "skip $name: no .source-commit in $src" >&2; continue; }
  out="$work/$name.out"; ws="$work/$name"
  rm -rf "$ws" "$out"; mkdir -p "$out"
  cp -r "$src" "$ws"     # run writes tests/etl and .etl-agent/ into the workspace: never into the corpus
  echo "[$name] discover" >&2
  timeout "$wall" dotnet "$cli" discover "$ws" --format json --output "$out/discover.json" 2> "$out/discover.err" || echo $? > "$out/discover.rc"
  echo "[$name] run --budget $budget" >&2
  start=$(date +%s)
  set +e
  timeout "$wall" dotnet "$cli" run "$ws" --budget "$budget" --fail-on never > "$out/run.out" 2> "$out/run.err"
  echo $? > "$out/run.rc"
  set -e
  echo $(( $(date +%s) - start )) > "$out/run.seconds"
done

python3 "$here/scoreboard.py" --corpora "$corpora" --work "$work" ${markdown:+--markdown "$markdown"} "${names[@]}"
echo "raw outputs: $work" >&2
