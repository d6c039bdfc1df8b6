#!/usr/bin/env python3
"""Scoreboard of the real-world harness (run.sh): reads each corpus's raw outputs and generated
test files and prints one row per corpus, then per corpus the refusals grouped by construct and
the internal errors. Standard library plus PyYAML."""
import argparse, collections, glob, json, os, re, sys, xml.etree.ElementTree as ET

try:
    import yaml
except ImportError:
    sys.exit("scoreboard.py needs PyYAML (pip install pyyaml or apt-get install python3-yaml)")

UNSUPPORTED = re.compile(r"^(?:(?P<loc>.+?\.sql:\d+(?::\d+)?):\s*)?(?P<construct>.*?) is not supported by the sandbox")
# text a user must never see: bare .NET exceptions and DuckDB's own errors
INTERNAL = re.compile(r"Object reference not set|NullReference|InvalidOperation|KeyNotFound|IndexOutOfRange|ArgumentOutOfRange|"
                      r"Sequence contains|Unhandled exception|internal error|defect of the tool|generation failed", re.I)
ENGINE = re.compile(r"(Binder|Catalog|Parser|Conversion|Constraint|Invalid Input|Not implemented|Out of Range|Dependency|Transaction|Internal) Error:|DuckDB\w*Exception|duckdb_\w+\(", re.I)


def canon(v):
    return json.dumps(v, sort_keys=True, default=str)


def multiset(rows, columns):
    out = []
    for r in rows or []:
        if not isinstance(r, dict):
            continue
        keys = columns if columns else sorted(r)
        out.append(canon({k: r.get(k) for k in keys}))
    return sorted(out)


def case_nontrivial(case):
    """Expects no error, and a table ends different from its given rows, or rows are returned."""
    expect = case.get("expect") or {}
    if not isinstance(expect, dict) or "error" in expect:
        return False
    given = case.get("given") or {}
    given = {k.lower(): v for k, v in given.items()} if isinstance(given, dict) else {}
    result = expect.get("result")
    if isinstance(result, dict) and result.get("rows"):
        return True
    for table, n in (expect.get("row_counts") or {}).items():
        if n != len(given.get(table.lower()) or []):
            return True
    for table, spec in expect.items():
        if table in ("error", "row_counts", "messages", "result") or not isinstance(spec, dict):
            continue
        columns = spec.get("columns")
        if multiset(spec.get("rows"), columns) != multiset(given.get(table.lower()), columns):
            return True
    return False


def corpus_row(name, corpora, work):
    src, ws, out = os.path.join(corpora, name), os.path.join(work, name), os.path.join(work, name + ".out")
    row = {"corpus": name, "commit": open(os.path.join(src, ".source-commit")).read().strip()[:12]}
    text = lambda f: open(os.path.join(out, f), encoding="utf-8", errors="replace").read() if os.path.exists(os.path.join(out, f)) else ""
    run, err = text("run.out"), text("run.err")
    row["run rc"] = text("run.rc").strip()
    m = re.search(r"Discovered (\d+) transformations? in (\d+) files?", run)
    row["files"] = int(m.group(2)) if m else "?"
    procs, writing, tsqlt_writing = [], set(), set()
    try:
        d = json.load(open(os.path.join(out, "discover.json"), encoding="utf-8"))
        for t in d.get("transformations", []):
            # a restatement (a deployment script's copy, an older migration) is the same procedure again
            if t.get("kind") == "procedure" and not t.get("supersededBy"):
                procs.append(t["name"])
                # tSQLt's framework and the project's own tSQLt tests ("tsqlt" in discover) are not
                # transformations: the same notion as the agent's targets, counted apart
                if t.get("writes"):
                    (tsqlt_writing if t.get("tsqlt") else writing).add(t["name"].lower())
    except (OSError, ValueError):
        pass
    row["procedures"], row["writing"] = len(procs), len(writing)
    row["tSQLt writing (excluded)"] = len(tsqlt_writing)

    # generation lines of `run`: WROTE / SKIP / ERROR, notes under SKIP and ERROR, budget spent
    seconds, killed, mutants, refusals, internal, engine = [], 0, 0, collections.defaultdict(list), [], []
    not_covered, reached_known = 0, True
    read_only = set()   # files of procedures that write no table but return rows (WROTE … read-only)
    skipped = budget_spent = 0
    gen_mean = None
    current = None
    for line in run.splitlines():
        s = line.strip()
        if m := re.match(r"WROTE (.+?\.etltest\.yaml): .*?\(([\d.]+) s\)", s):
            current = None
            seconds.append(float(m.group(2)))
            if "read-only: expects the rows it returns" in s:
                read_only.add(os.path.normpath(m.group(1)))
            # "N of M mutants killed, K not covered, …" (older builds: "N/M mutants told apart")
            if k := re.search(r"(\d+) of (\d+) mutants killed, (\d+) not covered", s):
                killed += int(k.group(1)); mutants += int(k.group(2)); not_covered += int(k.group(3))
            elif k := re.search(r"(\d+)/(\d+) mutants told apart", s):
                killed += int(k.group(1)); mutants += int(k.group(2)); reached_known = False
        elif m := re.match(r"(SKIP|ERROR)\s+(.+?): (.*)", s):
            current = m.group(2)
            if m.group(1) == "SKIP":
                skipped += 1
            else:
                internal.append(f"{current}: {m.group(3)}")
            if ENGINE.search(m.group(3)):
                engine.append(f"{current}: {m.group(3)}")
        elif m := re.match(r"generation: (\d+) procedures? in [\d.]+ s, ([\d.]+) s per procedure", s):
            # every procedure generated for (files written or not), as `run` sums it
            gen_mean = (int(m.group(1)), float(m.group(2)))
            current = None
        elif s.startswith("not generated, budget spent:"):
            budget_spent += len(s.split(":", 1)[1].split(","))
            current = None
        elif current and line.startswith("        "):
            if u := UNSUPPORTED.search(s.split(" cannot run: ", 1)[-1]):
                refusals[u.group("construct").strip()].append((current, u.group("loc") or "no location"))
            if INTERNAL.search(s):
                internal.append(f"{current}: {s}")
            if ENGINE.search(s):
                engine.append(f"{current}: {s}")
        elif s == "Tests:":
            current = None
    for line in (run + "\n" + err).splitlines():
        if "Unhandled exception" in line or re.search(r"^\s+at [\w.]+\(", line):
            internal.append(line.strip())
    # failing cases whose message is engine text or a bare exception
    for line in run.split("Tests:", 1)[-1].split("Findings:", 1)[0].splitlines():
        if ENGINE.search(line):
            engine.append(line.strip())
        elif INTERNAL.search(line):
            internal.append(line.strip())

    # generated test files
    nontrivial, cases = set(), 0
    read_only_tests, read_only_nontrivial = set(), set()
    for f in glob.glob(os.path.join(ws, "tests", "etl", "*.etltest.yaml")):
        is_read_only = os.path.normpath(os.path.relpath(f, ws)) in read_only
        try:
            doc = yaml.safe_load(open(f, encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if not isinstance(doc, dict):
            continue
        for c in doc.get("cases") or []:
            cases += 1
            name = str(doc.get("transformation", "")).lower()
            if is_read_only:
                read_only_tests.add(name)
            # a writing procedure's table changes, or the rows a read-only procedure returns
            if isinstance(c, dict) and case_nontrivial(c) and (name in writing or is_read_only):
                nontrivial.add(name)
                if is_read_only:
                    read_only_nontrivial.add(name)
    row["with tests"] = len(seconds)
    row["non-trivial"] = len(nontrivial)
    row["read-only: tests/non-trivial"] = f"{len(read_only_tests)}/{len(read_only_nontrivial)}"
    passed = total = 0
    try:
        for tc in ET.parse(os.path.join(ws, ".etl-agent", "reports", "junit.xml")).iter("testcase"):
            total += 1
            passed += not any(ch.tag in ("failure", "error") for ch in tc)
    except (OSError, ET.ParseError):
        pass
    row["cases passing"] = f"{passed}/{total}"
    row["refusals"] = sum(len(v) for v in refusals.values())
    row["internal errors"] = len(internal)
    row["engine text"] = len(engine)
    row["budget spent"] = budget_spent
    row["no tests (skip)"] = skipped
    row["gen s/proc"] = f"{gen_mean[1]:.1f}" if gen_mean else f"{sum(seconds) / len(seconds):.1f}" if seconds else "-"
    row["run s"] = text("run.seconds").strip()
    row["mutants killed/all"] = f"{killed}/{mutants}" if mutants else "-"
    row["killed/reached"] = f"{killed}/{mutants - not_covered}" if mutants and reached_known else "n/a"
    findings = collections.Counter()
    try:
        sarif = json.load(open(os.path.join(ws, ".etl-agent", "reports", "etl-agent.sarif"), encoding="utf-8"))
        for r in sarif["runs"][0].get("results", []):
            findings[r.get("ruleId", "?")] += 1
    except (OSError, ValueError, KeyError, IndexError):
        pass
    return row, refusals, internal, engine, findings


COLUMNS = ["corpus", "commit", "files", "procedures", "writing", "tSQLt writing (excluded)", "with tests", "non-trivial", "read-only: tests/non-trivial", "cases passing",
           "refusals", "internal errors", "engine text", "no tests (skip)", "budget spent", "gen s/proc", "run s",
           "mutants killed/all", "killed/reached"]


def markdown_table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--corpora", default="/work/corpora")
    p.add_argument("--work", required=True)
    p.add_argument("--markdown")
    p.add_argument("names", nargs="+")
    a = p.parse_args()
    rows, details = [], []
    for name in a.names:
        row, refusals, internal, engine, findings = corpus_row(name, a.corpora, a.work)
        rows.append(row)
        d = [f"\n### {name}"]
        d.append("findings per rule: " + (", ".join(f"{k} {v}" for k, v in sorted(findings.items())) or "none"))
        if refusals:
            d.append("refusals by construct (procedure refused: where):")
            for construct, sites in sorted(refusals.items(), key=lambda kv: -len(kv[1])):
                where = collections.Counter(loc for _, loc in sites)
                d.append(f"- {construct}: {len(sites)} ({', '.join(f'{l}' + (f' ×{n}' if n > 1 else '') for l, n in where.most_common(5))})")
        for title, items in (("internal errors", internal), ("engine text reaching the user", engine)):
            if items:
                d.append(f"{title}:")
                for text, n in collections.Counter(i[:240] for i in items).most_common(8):
                    d.append(f"- {text}" + (f" (×{n})" if n > 1 else ""))
        details.append("\n".join(d))
    table = markdown_table(rows)
    print(table)
    print("\n".join(details))
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as f:
            f.write(table + "\n" + "\n".join(details) + "\n")


if __name__ == "__main__":
    main()
