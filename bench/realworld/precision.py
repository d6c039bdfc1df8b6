#!/usr/bin/env python3
"""Precision of the judged sample (docs/realworld.md, Precision). Standard library only.

    precision.py JUDGEMENTS_TSV [--after CHECK_JSON] [--markdown]

JUDGEMENTS_TSV: one row per sampled finding (rule, file:line:column, true|false, why), written by hand
from `sample_findings.py`. With --after, a sampled finding a later check no longer reports counts as
gone: a false one gone is a false positive fixed, a true one gone is a true positive lost. A value a later
finding lists with others of its statement (a related location in the same file) still counts as reported. Precision
after = true still reported / all still reported.
"""
import argparse, collections, json


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("judgements")
    ap.add_argument("--after")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    rows = [l.rstrip("\n").split("\t") for l in open(a.judgements, encoding="utf-8") if l.strip() and not l.startswith("#")]
    later = None
    if a.after:
        later = set()
        for f in json.load(open(a.after, encoding="utf-8"))["findings"]:
            # a finding that now lists several values of one statement still reports each at a related location
            for at in [f] + [r for r in f.get("related", []) if r.get("file") == f["file"]]:
                r = at["range"]
                later.add((f["ruleId"], f"{at['file']}:{r['startLine']}:{r['startColumn']}"))
    if a.markdown:
        print("| # | rule | finding | verdict | why |" + (" after |" if later is not None else ""))
        print("|---|---|---|---|---|" + ("---|" if later is not None else ""))
    per = collections.defaultdict(lambda: [0, 0, 0, 0])  # true, all, true kept, all kept
    for i, (rule, loc, verdict, why) in enumerate(rows, 1):
        kept = later is None or (rule, loc) in later
        t = verdict == "true"
        p = per[rule]
        p[0] += t; p[1] += 1; p[2] += t and kept; p[3] += kept
        if a.markdown:
            file_line = loc.rsplit(":", 1)[0]
            after = "" if later is None else (" reported |" if kept else " gone |")
            print(f"| {i} | {rule} | {file_line} | {verdict} | {why} |{after}")
    tot = [sum(p[k] for p in per.values()) for k in range(4)]
    def pct(n, d): return f"{100 * n / d:.0f}% ({n}/{d})" if d else "-"
    print()
    for rule in sorted(per):
        p = per[rule]
        print(f"{rule}\tbefore {pct(p[0], p[1])}" + (f"\tafter {pct(p[2], p[3])}" if later is not None else ""))
    print(f"all\tbefore {pct(tot[0], tot[1])}" + (f"\tafter {pct(tot[2], tot[3])}" if later is not None else ""))


if __name__ == "__main__":
    main()
