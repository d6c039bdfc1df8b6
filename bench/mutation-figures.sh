#!/usr/bin/env bash
# Generate + mutate figures per transformation on a copy of the fixture warehouse without its
# hand-written tests: prints one table row per transformation (wall and CPU seconds of each step,
# mutants, killed, killed of all, not covered, survived, probably equivalent, score). Usage:
#   bash bench/mutation-figures.sh [NAME ...]      (default: every transformation that writes tables)
#   BUDGET=45 bash bench/mutation-figures.sh Dim.LoadCustomer
#   CAP=0 bash bench/mutation-figures.sh          (generation without the per-transformation cap, as before it existed)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dotnet build "$root/server/src/EtlAgent.Cli" -c Release -v q -nologo >/dev/null
cli=("$root/server/src/EtlAgent.Cli/bin/Release/net10.0/etl-agent")
[ -x "${cli[0]}" ] || cli=(dotnet "$root/server/src/EtlAgent.Cli/bin/Release/net10.0/etl-agent.dll")
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  mapfile -t names < <("${cli[@]}" discover "$root/tests/fixtures/warehouse" --format json |
    python3 -c '
import json, sys
d = json.load(sys.stdin); ts = {t["name"]: t for t in d["transformations"]}
# orchestrators (3+ called procedures that write tables) are left out, as `generate` leaves them out
orch = lambda t: sum(1 for c in t.get("calls", []) if ts.get(c, {}).get("writes")) >= 3
[print(t["name"]) for t in d["transformations"] if t.get("writes") and not orch(t)]')
fi
budget_arg=(); [ -n "${BUDGET:-}" ] && budget_arg=(--budget "$BUDGET")
[ -n "${CAP:-}" ] && budget_arg+=(--cap "$CAP")
printf '| Transformation | Cases | Generate wall / CPU s | Mutants | Killed | Killed of all | Not covered | Survived | Prob. equivalent | Score | Mutate wall / CPU s | Mutants/s |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for name in "${names[@]}"; do
  ws="$work/${name//\//_}"; cp -r "$root/tests/fixtures/warehouse" "$ws"; rm -rf "$ws/tests" "$ws/.etl-agent"
  t0=$(date +%s.%N); c0=$(awk '{print $14+$15+$16+$17}' /proc/self/stat)
  /usr/bin/time -f '%e %U %S' -o "$work/g.time" "${cli[@]}" generate "$ws" --transformation "$name" "${budget_arg[@]}" >"$work/g.out" 2>&1 || true
  # the file generate says it wrote (a script's file is named after the script, not its path)
  written=$(sed -n 's/^WROTE \([^:]*\): .*/\1/p' "$work/g.out" | head -1)
  cases=$(grep -cE "^ *- name:" "$ws/${written:-tests/etl/$name.etltest.yaml}" 2>/dev/null || true)
  rm -f "$work/m.json"
  /usr/bin/time -f '%e %U %S' -o "$work/m.time" "${cli[@]}" mutate "$ws" --transformation "$name" --format json --output "$work/m.json" >/dev/null 2>&1 || true
  read -r gw gu gs < <(tail -1 "$work/g.time"); read -r mw mu ms < <(tail -1 "$work/m.time")
  python3 - "$name" "$cases" "$gw" "$gu" "$gs" "$mw" "$mu" "$ms" "$work/m.json" <<'PY'
import json, sys
name, cases, gw, gu, gs, mw, mu, ms, path = sys.argv[1:]
try: m = json.load(open(path))
except Exception: m = None
g = f"{float(gw):.0f} / {float(gu)+float(gs):.0f}"; mt = f"{float(mw):.0f} / {float(mu)+float(ms):.0f}"
if not m or not m.get("mutants"):
    print(f"| {name} | {cases} | {g} | — | — | — | — | — | — | — | {mt} | — |"); sys.exit()
n, k, s, e, nc = m["mutants"], m["killed"], m["survived"], m["equivalent"], m["notCovered"]
score = f'{100*m["score"]:.1f} %' if m.get("score") is not None else "—"
print(f"| {name} | {cases} | {g} | {n} | {k} | {100*m['killedOfAll']:.1f} % | {nc} | {s} | {e} | {score} | {mt} | {n/float(mw):.1f} |")
PY
done
