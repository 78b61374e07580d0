#!/usr/bin/python3
"""history_gen.py — a git fast-import stream of a post-mortem repository with a long history, for
tests/bench/history_bench.sh (issue 13: `tracker sync --history` of 2,000 post-mortems and 20,000 commits).

    history_gen.py DOCS COMMITS [SEED] | git -C REPO fast-import --quiet

Commit k (one a day-ish, committer time increasing by 37 minutes) touches one document: the first DOCS
commits add the documents (postmortems/YYYY/inc-NNNNN.md, five items each, due dates after the
incident); each later commit makes the next change of a random document: slip a due date, mark an item
done, reopen one, edit an action; every 97th commit renames a document (into another year folder) and
every 499th deletes one (a later commit may add it back). Deterministic for a seed.
"""
import random
import sys


def doc(n, state):
    inc = f"INC-2024-{1 + n % 12:02d}-{1 + n % 28:02d}-{n:05d}"
    rows = []
    for i, (action, due, status) in enumerate(state["items"], 1):
        rows.append(f"| {i} | {action} | @owner{(n + i) % 40} | {due} | P{i % 4} | {status} |")
    return (
        f"# Post-mortem {n}: service outage\n\n"
        f"**Incident ID:** {inc}\n**Date:** 2024-{1 + n % 12:02d}-{1 + n % 28:02d}\n"
        f"**Severity:** SEV-{1 + n % 3}\n\n## Summary\n\nGenerated for the history benchmark.\n\n"
        "## Action Items\n\n| ID | Action | Owner | Due Date | Priority | Status |\n"
        "|----|--------|-------|----------|----------|--------|\n" + "\n".join(rows) + "\n"
    )


def date_add(d, days):
    import datetime

    return (datetime.date.fromisoformat(d) + datetime.timedelta(days=days)).isoformat()


def main():
    ndocs, ncommits = int(sys.argv[1]), int(sys.argv[2])
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    out = sys.stdout.buffer
    t = 1704067200  # 2024-01-01T00:00:00Z
    docs = {}  # n -> {"path", "items", "alive"}
    mark = 0
    for k in range(ncommits):
        t += 37 * 60
        ops = []  # ("M", path, text) | ("D", path) | ("R", old, new)
        if k < ndocs:
            n = k
            base = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}"
            docs[n] = {
                "path": f"postmortems/2024/inc-{n:05d}.md",
                "items": [(f"Follow-up {i} of incident {n}", date_add(base, 7 * i), "Open") for i in range(1, 6)],
                "alive": True,
            }
            ops.append(("M", docs[n]["path"], doc(n, docs[n])))
            msg = f"Add post-mortem {n}"
        else:
            n = rnd.randrange(ndocs)
            d = docs[n]
            if not d["alive"]:
                d["alive"] = True
                ops.append(("M", d["path"], doc(n, d)))
                msg = f"Restore post-mortem {n}"
            elif k % 499 == 0:
                d["alive"] = False
                ops.append(("D", d["path"]))
                msg = f"Remove post-mortem {n}"
            elif k % 97 == 0:
                new = f"postmortems/{2024 + k % 3}/inc-{n:05d}-{k}.md"
                ops.append(("R", d["path"], new))
                d["path"] = new
                msg = f"Move post-mortem {n}"
            else:
                i = rnd.randrange(5)
                action, due, status = d["items"][i]
                r = rnd.random()
                if r < 0.3:
                    due = date_add(due, rnd.randrange(1, 30))
                elif r < 0.7:
                    status = "Done" if status != "Done" else "Open"
                else:
                    action = action.split(" (")[0] + f" (rev {k})"
                d["items"][i] = (action, due, status)
                ops.append(("M", d["path"], doc(n, d)))
                msg = f"Update post-mortem {n}"
        who = f"Dev{k % 17}"
        lines = [f"commit refs/heads/main\nmark :{mark + 1}\n".encode()]
        mark += 1
        ident = f"{who} <{who.lower()}@example.com> {t} +0000\n".encode()
        lines.append(b"author " + ident + b"committer " + ident)
        m = msg.encode()
        lines.append(b"data %d\n%s\n" % (len(m), m))
        for op in ops:
            if op[0] == "M":
                body = op[2].encode()
                lines.append(b"M 100644 inline %s\ndata %d\n%s\n" % (op[1].encode(), len(body), body))
            elif op[0] == "D":
                lines.append(b"D %s\n" % op[1].encode())
            else:
                lines.append(b"R %s %s\n" % (op[1].encode(), op[2].encode()))
        lines.append(b"\n")
        out.write(b"".join(lines))


main()
