#!/usr/bin/env python3
"""A reproducible random sample of a corpus's findings, to judge precision by hand (docs/realworld.md,
Precision). Standard library only.

    sample_findings.py CHECK_JSON [--n 30] [--seed 13]            # the sample, one row per finding
    sample_findings.py CHECK_JSON --corpus DIR --context 6        # ... with the code around each (to read, never to commit)
    sample_findings.py CHECK_JSON --after AFTER_JSON              # ... and whether each is still reported by a later check
    sample_findings.py CHECK_JSON --counts [--lines N]            # findings per rule and severity (and per 1,000 lines)

CHECK_JSON is `etl-agent check CORPUS --format json`. The findings are put in a fixed order (file,
line, column, rule) before drawing, so the same check output and seed give the same sample.
"""
import argparse, collections, json, os, random


def load(path):
    return json.load(open(path, encoding="utf-8"))["findings"]


def key(f):
    r = f["range"]
    return (f["file"], r["startLine"], r["startColumn"], f["ruleId"])


def sample(findings, n, seed):
    ordered = sorted(findings, key=key)
    return sorted(random.Random(seed).sample(ordered, min(n, len(ordered))), key=key)


def read_lines(path):
    raw = open(path, "rb").read()
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8-sig")):
        if raw.startswith(bom):
            return raw.decode(enc, errors="replace").splitlines()
    return raw.decode("utf-8", errors="replace").splitlines()


def counts(findings, lines):
    by = collections.Counter((f["ruleId"], f["severity"]) for f in findings)
    for (rule, sev), n in sorted(by.items()):
        print(f"{rule}\t{sev}\t{n}")
    sev = collections.Counter(f["severity"] for f in findings)
    print("total\t" + ", ".join(f"{s} {sev.get(s, 0)}" for s in ("error", "warning", "information")))
    if lines:
        print(f"warnings per 1,000 lines\t{1000 * sev.get('warning', 0) / lines:.1f}")
        print(f"errors+warnings per 1,000 lines\t{1000 * (sev.get('warning', 0) + sev.get('error', 0)) / lines:.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("check_json")
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--corpus")
    ap.add_argument("--context", type=int, default=0)
    ap.add_argument("--after")
    ap.add_argument("--counts", action="store_true")
    ap.add_argument("--lines", type=int, default=0)
    a = ap.parse_args()
    findings = load(a.check_json)
    if a.counts:
        counts(findings, a.lines)
        return
    later = {key(f) for f in load(a.after)} if a.after else None
    for i, f in enumerate(sample(findings, a.n, a.seed), 1):
        r = f["range"]
        still = "" if later is None else ("\tstill reported" if key(f) in later else "\tgone")
        print(f"{i}\t{f['ruleId']}\t{f['severity']}\t{f['file']}:{r['startLine']}:{r['startColumn']}{still}")
        if a.corpus and a.context:
            print("    " + f["message"][:400])
            lines = read_lines(os.path.join(a.corpus, f["file"]))
            lo, hi = max(0, r["startLine"] - 1 - a.context), min(len(lines), r["endLine"] + a.context)
            for n in range(lo, hi):
                mark = ">" if r["startLine"] - 1 <= n < r["endLine"] else " "
                print(f"  {mark}{n + 1:5} {lines[n][:200]}")


if __name__ == "__main__":
    main()
