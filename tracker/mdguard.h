/*
 * mdguard — keeps cmark-gfm 0.29's slow shapes out of the importer (issue 10 §4).
 *
 * cmark-gfm 0.29.0.gfm.6 (Debian 12) takes time or memory that grows faster than the input on some
 * shapes: a table with many columns followed by many lines (each line becomes a row padded to the
 * header's width: 69 KB took 20 s and 3.9 GB), a table header of thousands of columns, many `<?`,
 * `<![CDATA[` or `![[]()` in one paragraph, and megabytes of dense emphasis (700 MB for 3.6 MB of
 * `*a`). docs/import.md has the measurements.
 *
 * mdguard_check() runs before the parse, on the text the parser will see:
 *   1. a linear pre-scan estimates the table cells and the cost of unclosed inline HTML openers; a
 *      document over the hard limits is refused at once;
 *   2. a document that is large (over 64 KiB) or over the soft limits is parsed once in a child
 *      process first, with at most MDGUARD_CPU_MS of CPU, MDGUARD_WALL_S of wall time and
 *      MDGUARD_MEM_MB of memory held by the parser (a counting allocator; RLIMIT_AS of the process
 *      + that much as a second line, not under ASan); one the child could not parse within them is
 *      refused;
 *   3. everything else — every ordinary post-mortem — is parsed directly, with no fork.
 * So every document within [import] max_size is parsed or refused in about 2 s at most, within the
 * memory cap. Core code: it never prints; `why` says what was refused and *line where (0: the file).
 */
#ifndef TRACKER_MDGUARD_H
#define TRACKER_MDGUARD_H

#include <stddef.h>

#define MDGUARD_CPU_MS 750
#define MDGUARD_WALL_S 2
#define MDGUARD_MEM_MB 256

/* What the pre-scan found (for tests and docs/import.md). */
struct mdguard_scan {
	size_t table_cells;  /* estimated cells of all tables: columns × (rows + 2) */
	size_t table_cols;   /* most columns of one table (an upper bound: pipes + 1) */
	unsigned table_line; /* the delimiter row of the table with the most cells */
	size_t html_cost;    /* most (inline HTML / image openers × bytes) of one paragraph */
	unsigned html_line;  /* first line of that paragraph */
};

void mdguard_scan(const char *data, size_t len, struct mdguard_scan *out);

/* 0: parse it. -1: refuse it; `why` (≥ 256 bytes) gets the reason and *line its line or 0. */
int mdguard_check(const char *data, size_t len, char *why, size_t whylen, unsigned *line);

#endif
