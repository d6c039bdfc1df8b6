#!/usr/bin/env python3
"""Lines of procedure code in a corpus, for "findings per 1,000 lines" (docs/realworld.md, Precision).

A procedure's lines run from its CREATE/ALTER PROCEDURE (the line `etl-agent discover --format json`
reports for it) to the end of its batch: the line before the next `GO`, or the end of the file.
Blank lines and lines that hold only a `--` comment are not counted. Standard library only.

    proc_lines.py CORPUS_DIR DISCOVER_JSON      # prints: procedures N lines M
"""
import json, os, re, sys

GO = re.compile(r"^\s*GO\s*(\d+\s*)?(--.*)?$", re.I)
COMMENT_ONLY = re.compile(r"^\s*--")


def read_lines(path):
    raw = open(path, "rb").read()
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8-sig")):
        if raw.startswith(bom):
            return raw.decode(enc, errors="replace").splitlines()
    return raw.decode("utf-8", errors="replace").splitlines()


def procedure_lines(corpus, discover):
    procs = [t for t in discover["transformations"] if t.get("kind") == "procedure"]
    total, cache = 0, {}
    for p in procs:
        path = os.path.join(corpus, p["file"])
        if path not in cache:
            cache[path] = read_lines(path)
        lines = cache[path]
        start = p["range"]["startLine"] - 1
        end = start
        while end < len(lines) and (end == start or not GO.match(lines[end])):
            end += 1
        total += sum(1 for l in lines[start:end] if l.strip() and not COMMENT_ONLY.match(l))
    return len(procs), total


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, lines = procedure_lines(sys.argv[1], json.load(open(sys.argv[2], encoding="utf-8")))
    print(f"procedures {n} lines {lines}")
