#!/usr/bin/env python3
"""md_shapes.py — Markdown shapes that are slow in cmark-gfm 0.29.0.gfm.6, for
tests/bench/mdguard_bench.sh and tests/e2e/t0170-import-pathological.sh.

  md_shapes.py NAME BYTES      prints the shape NAME at about BYTES bytes
  md_shapes.py --list          prints the names

Each document starts with a valid incident header, so what decides its fate is the shape.
"""
import sys

HEAD = "# INC-2026-03-14-042: Checkout outage\n\n**Incident ID:** INC-2026-03-14-042\n\n"


def rep(unit, size, pre="", post=""):
    return pre + unit * max(1, (size - len(pre) - len(post)) // len(unit)) + post


def table(cols, size, row):
    h = "|a" * cols + "|\n" + "|-" * cols + "|\n"
    return h + row * max(1, (size - len(h)) // len(row))


SHAPES = {
    # a table of 500 columns, then lines without pipes: every line is a row of 500 empty cells
    "table_rows_no_pipes": lambda n: table(500, n, "a\n"),
    # one header row of thousands of columns
    "table_wide_header": lambda n: (lambda c: "|a" * c + "|\n" + "|-" * c + "|\n")(n // 4),
    "table_cols_full": lambda n: table(50, n, "|b" * 50 + "|\n"),
    "processing_instructions": lambda n: rep("a <?", n),       # CVE-2023-37463 family
    "cdata": lambda n: rep("a <![CDATA[", n),
    "image_brackets": lambda n: rep("![[]()", n),              # CVE-2023-22486
    "html_comments": lambda n: rep("<!--", n, "a"),            # CVE-2023-22484 (fixed in gfm.6)
    "nested_emphasis": lambda n: "*a **a " * (n // 14) + "b" + " a** a*" * (n // 14),
    "dense_emphasis": lambda n: rep("*a", n),
    "dense_strong": lambda n: rep("**a*", n),
    "underscores": lambda n: rep("_a_ ", n),
    "brackets": lambda n: rep("[", n),
    "nested_brackets": lambda n: "[" * (n // 2) + "a" + "]" * (n // 2),
    "unclosed_links": lambda n: rep("[a](<b", n),
    "link_emphasis": lambda n: rep("[ a_", n),
    "blockquotes": lambda n: rep("> ", n) + "a",
    "strikethrough": lambda n: rep("~a", n),
    "less_than": lambda n: rep("<", n),
}

if __name__ == "__main__":
    if sys.argv[1:] == ["--list"]:
        print("\n".join(SHAPES))
    elif len(sys.argv) == 3 and sys.argv[1] in SHAPES:
        n = int(sys.argv[2])
        sys.stdout.write(HEAD + SHAPES[sys.argv[1]](n - len(HEAD)))
    else:
        sys.exit(__doc__)
