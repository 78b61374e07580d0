#!/usr/bin/env python3
"""git_fastrepo.py — a git fast-import stream of a repository of post-mortems, for the sync tests and
benchmark (issue 13): one commit holding DOCS post-mortems (pm/YYYY/pm-N.md, ITEMS action items each)
and OTHER plain files (src/dN/fN.txt), written to standard output.

    python3 tests/tools/git_fastrepo.py DOCS OTHER [ITEMS] | git -C REPO fast-import --quiet

Then `git -C REPO reset --hard` (non-bare) fills the work tree. The content is fixed (no randomness):
two runs give the same commit."""
import sys


def doc(n, items):
    inc = "INC-2025-%02d-%02d-%d" % (n % 12 + 1, n % 28 + 1, n)
    rows = "".join(
        "| %d | Action %d of incident %d: fix the thing | @owner%d | 2026-%02d-%02d | %s |\n"
        % (k + 1, k + 1, n, (n + k) % 50, (n + k) % 12 + 1, k % 28 + 1, "open" if (n + k) % 3 else "done")
        for k in range(items))
    return ("# Post-mortem %d\n\n**Incident ID:** %s\n**Date:** 2025-%02d-%02d\n**Severity:** SEV-2\n\n"
            "## Summary\n\nGenerated for the sync benchmark.\n\n## Action Items\n\n"
            "| ID | Action | Owner | Due | Status |\n|----|--------|-------|-----|--------|\n%s"
            % (n, inc, n % 12 + 1, n % 28 + 1, rows))


def main():
    docs, other = int(sys.argv[1]), int(sys.argv[2])
    items = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    out = sys.stdout.buffer
    w = out.write
    w(b"commit refs/heads/main\nmark :1\n")
    w(b"author Gen <gen@example.com> 1767225600 +0000\ncommitter Gen <gen@example.com> 1767225600 +0000\n")
    msg = b"Generated repository\n"
    w(b"data %d\n%s\n" % (len(msg), msg))
    for n in range(docs):
        body = doc(n, items).encode()
        w(b"M 100644 inline pm/%d/pm-%d.md\ndata %d\n%s\n" % (2020 + n % 6, n, len(body), body))
    for n in range(other):
        body = b"file %d\n" % n
        w(b"M 100644 inline src/d%d/f%d.txt\ndata %d\n%s\n" % (n % 100, n, len(body), body))
    w(b"\n")


main()
