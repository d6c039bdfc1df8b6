#!/usr/bin/env python3
"""Sample mode of the real-world harness (run.sh --sample N): `pick` draws N writing procedures of a
corpus with a seed; `report` reads what `generate --transformation X` printed for each and the
JUnit report of the test run, and prints one row per corpus: sampled, with tests, non-trivial (the
scoreboard's definition), cases passing, wall seconds per procedure (mean, median, max: the whole
`generate` process, workspace analysis included), the generation's own seconds as it prints them,
cap reached, mutants killed / all. Standard library plus PyYAML."""
import argparse, glob, json, os, random, re, statistics, sys, xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scoreboard import case_nontrivial, yaml  # noqa: E402  (one definition of non-trivial)


def writing_procedures(discover):
    d = json.load(open(discover, encoding="utf-8"))
    # the scoreboard's "writing": procedures that write tables, tSQLt's framework and tests excluded
    return sorted({t["name"] for t in d.get("transformations", [])
                   if t.get("kind") == "procedure" and t.get("writes") and not t.get("tsqlt")}, key=str.lower)


def pick(a):
    names = writing_procedures(a.discover)
    rng = random.Random(f"{a.seed}:{a.corpus}")
    for n in sorted(rng.sample(names, min(a.n, len(names))), key=str.lower):
        print(n)


def report_row(corpus, out, ws):
    sampled = [l.strip() for l in open(os.path.join(out, "sample.txt"), encoding="utf-8") if l.strip()]
    seconds, generation, with_tests, nontrivial, capped, killed, mutants, timeouts = [], [], 0, 0, 0, 0, 0, 0
    for name in sampled:
        stem = os.path.join(out, "gen", name.replace("/", "_"))
        text = open(stem + ".out", encoding="utf-8", errors="replace").read() if os.path.exists(stem + ".out") else ""
        if os.path.exists(stem + ".seconds"):
            seconds.append(float(open(stem + ".seconds").read().split()[0]))
        if os.path.exists(stem + ".rc") and open(stem + ".rc").read().strip() == "124":
            timeouts += 1
        capped += "cap reached" in text
        # the generation's own seconds, as WROTE/SKIP print them (builds before the cap print them on WROTE only)
        if g := re.search(r"^(?:WROTE|SKIP) .*\(([\d.]+) s\)(?: cap reached)?$", text, re.M):
            generation.append(float(g.group(1)))
        m = re.search(r"^WROTE (.+?\.etltest\.yaml): ", text, re.M)
        if not m:
            continue
        with_tests += 1
        if k := re.search(r"(\d+) of (\d+) mutants killed", text):
            killed += int(k.group(1)); mutants += int(k.group(2))
        path = m.group(1) if os.path.isabs(m.group(1)) else os.path.join(ws, m.group(1))
        try:
            doc = yaml.safe_load(open(path, encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(doc, dict) and any(isinstance(c, dict) and case_nontrivial(c) for c in doc.get("cases") or []):
            nontrivial += 1
    passed = total = 0
    lowered = {n.lower() for n in sampled}
    try:
        for tc in ET.parse(os.path.join(out, "junit.xml")).iter("testcase"):
            if tc.get("classname", "").lower() not in lowered:
                continue
            total += 1
            passed += not any(ch.tag in ("failure", "error") for ch in tc)
    except (OSError, ET.ParseError):
        pass
    fmt = lambda v: f"{v:.1f}" if seconds else "-"
    gen = f"{statistics.mean(generation):.1f} / {max(generation):.1f} ({len(generation)})" if generation else "-"
    return {
        "corpus": corpus, "sampled": len(sampled), "with tests": with_tests,
        "non-trivial": f"{nontrivial}/{len(sampled)}" + (f" ({100 * nontrivial / len(sampled):.0f} %)" if sampled else ""),
        "cases passing": f"{passed}/{total}",
        "wall s/proc mean": fmt(statistics.mean(seconds) if seconds else 0),
        "median": fmt(statistics.median(seconds) if seconds else 0),
        "max": fmt(max(seconds) if seconds else 0),
        "generation s mean / max (procs)": gen,
        "cap reached": capped, "wall timeouts": timeouts,
        "mutants killed/all": f"{killed}/{mutants}" + (f" ({100 * killed / mutants:.0f} %)" if mutants else ""),
    }


COLUMNS = ["corpus", "sampled", "with tests", "non-trivial", "cases passing", "wall s/proc mean", "median", "max",
           "generation s mean / max (procs)", "cap reached", "wall timeouts", "mutants killed/all"]


def report(a):
    rows = [report_row(n, os.path.join(a.work, n + ".sample"), os.path.join(a.work, n)) for n in a.names]
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    for n in a.names:
        sample = os.path.join(a.work, n + ".sample", "sample.txt")
        lines.append(f"\n{n}: " + ", ".join(l.strip() for l in open(sample, encoding="utf-8") if l.strip()))
    text = "\n".join(lines)
    print(text)
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as f:
            f.write(text + "\n")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    pk = sub.add_parser("pick")
    pk.add_argument("--discover", required=True); pk.add_argument("--corpus", required=True)
    pk.add_argument("--n", type=int, required=True); pk.add_argument("--seed", default="12")
    rp = sub.add_parser("report")
    rp.add_argument("--work", required=True); rp.add_argument("--markdown"); rp.add_argument("names", nargs="+")
    a = p.parse_args()
    pick(a) if a.cmd == "pick" else report(a)


if __name__ == "__main__":
    main()
