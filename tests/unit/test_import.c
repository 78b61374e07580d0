/*
 * test_import.c — the importer's rules on inline documents: input checks, incident fields, which
 * tables count, columns, rows, item fields, errors with their lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "import.h"
#include "import_raw.h"
#include "itemkeys.h"
#include "tdate.h"

static int parse(const char *md, struct import_doc *d)
{
	struct import_opts o = {0};
	import_doc_init(d);
	return import_parse_buffer("t.md", md, strlen(md), &o, d);
}

static int parse_n(const char *md, size_t n, struct import_doc *d)
{
	struct import_opts o = {0};
	import_doc_init(d);
	return import_parse_buffer("t.md", md, n, &o, d);
}

static bool has_diag(const struct import_doc *d, enum diag_level lvl, unsigned line, const char *needle)
{
	for (size_t i = 0; i < d->ndiags; i++)
		if (d->diags[i].level == lvl && (line == 0 || d->diags[i].line == line) &&
		    strstr(d->diags[i].msg, needle))
			return true;
	return false;
}

static const char *due_str(const struct import_item *it, char buf[11])
{
	if (it->due == DATE_NONE)
		return "none";
	date_format(it->due, buf);
	return buf;
}

#define HEAD                                                                                                 \
	"# Post-Mortem: Payment API outage\n\n**Incident ID:** INC-2026-03-14-042  \n**Date:** 2026-03-14  " \
	"\n"
#define TABLE_HEAD                                                                                           \
	"## Action Items\n\n| ID | Action | Owner | Due Date | Priority | Status "                           \
	"|\n|----|--------|-------|----------|----------|--------|\n"

static void test_template_doc(void **state)
{
	(void)state;
	struct import_doc d;
	const char *md = HEAD
	    "**Duration:** 47 minutes  \n**Severity:** SEV-2  \n**Reporter:** @alice  \n\n"
	    "## Timeline\n\n| Time (UTC) | Event | Owner |\n|---|---|---|\n| 10:00 | Detected | @bob "
	    "|\n\n" TABLE_HEAD "| 1 | Add alerting on queue depth | @bob | 2026-04-01 | P0 | Not started |\n"
	    "| 2 | Write runbook | @carol | 2026-04-15 | P1 | Done |\n\n"
	    "## Review\n\n**Post-Mortem Review Date:** 2026-03-20  \n**Approved by:** @dave  \n";
	assert_int_equal(parse(md, &d), 0);
	assert_string_equal(d.inc.id, "INC-2026-03-14-042");
	assert_string_equal(d.inc.title, "Payment API outage");
	assert_string_equal(d.inc.duration, "47 minutes");
	assert_int_equal(d.inc.severity, 2);
	assert_string_equal(d.inc.reporter, "alice");
	assert_string_equal(d.inc.approved_by, "dave");
	char b[11];
	date_format(d.inc.review_date, b);
	assert_string_equal(b, "2026-03-20");
	assert_int_equal(d.nitems, 2); /* the Timeline table is never imported */
	assert_string_equal(d.items[0].key, "1");
	assert_string_equal(d.items[0].action, "Add alerting on queue depth");
	assert_int_equal(d.items[0].nowners, 1);
	assert_string_equal(d.items[0].owners[0], "bob");
	assert_string_equal(due_str(&d.items[0], b), "2026-04-01");
	assert_int_equal(d.items[0].priority, 0);
	assert_int_equal(d.items[0].status, STATUS_OPEN);
	assert_int_equal(d.items[1].status, STATUS_DONE);
	assert_int_equal(d.items[0].line, 19);
	assert_int_equal(d.items[1].line, 20);
	import_doc_release(&d);
}

static void test_label_forms(void **state)
{
	(void)state;
	struct import_doc d;
	const char *a = "# T\n\n**Incident ID**: INC-2026-01-02-7\n\nSeverity: Sev 3 (Minor)\n" TABLE_HEAD
			"| 1 | x | @a | 2026-02-01 | P1 | open |\n";
	assert_int_equal(parse(a, &d), 0);
	assert_string_equal(d.inc.id, "INC-2026-01-02-7");
	assert_int_equal(d.inc.severity, 3);
	import_doc_release(&d);

	const char *b = "# T\n\n| Field | Value |\n|---|---|\n| **Incident ID** | INC-2026-01-02-8 |\n"
			"| **Reporter** | @zed |\n\n" TABLE_HEAD "| 1 | x | @a | 2026-02-01 | P1 | open |\n";
	assert_int_equal(parse(b, &d), 0);
	assert_string_equal(d.inc.id, "INC-2026-01-02-8");
	assert_string_equal(d.inc.reporter, "zed");
	import_doc_release(&d);

	/* the first occurrence wins */
	const char *c = "# T\n\n**Incident ID:** INC-2026-01-02-9\n\n**Incident ID:** INC-2026-01-02-10\n";
	assert_int_equal(parse(c, &d), 0);
	assert_string_equal(d.inc.id, "INC-2026-01-02-9");
	import_doc_release(&d);
}

static void test_id_rules(void **state)
{
	(void)state;
	struct import_doc d;
	/* issue 9 changed this rule on purpose: a template placeholder no longer rejects the file; the
	 * id is derived from the file name and a warning names the placeholder */
	assert_int_equal(parse("# Post-Mortem: X\n\n**Incident ID:** INC-YYYY-MM-DD-XXX\n", &d), 0);
	assert_string_equal(d.inc.id, "t");
	assert_true(d.inc.id_derived);
	assert_true(has_diag(&d, DIAG_WARNING, 3, "INC-YYYY-MM-DD-XXX"));
	assert_true(has_diag(&d, DIAG_WARNING, 3, "derived from the file name"));
	import_doc_release(&d);
	/* TBD is no id either */
	assert_int_equal(parse("# X\n\n**Incident ID:** TBD\n", &d), 0);
	assert_true(d.inc.id_derived);
	assert_true(has_diag(&d, DIAG_WARNING, 3, "\"TBD\""));
	import_doc_release(&d);
	/* the id from the H1 is the fallback, and is removed from the title */
	assert_int_equal(
	    parse("# Post-Mortem: [INC-2026-05-01-3] Login failures\n\n**Incident ID:** TBD\n", &d), 0);
	assert_string_equal(d.inc.id, "INC-2026-05-01-3");
	assert_string_equal(d.inc.title, "Login failures");
	import_doc_release(&d);
	/* never an id found elsewhere in the text */
	assert_int_equal(parse("# Outage\n\nSee also INC-2026-01-01-1 for context.\n", &d), 0);
	assert_true(d.inc.id_derived);
	assert_string_equal(d.inc.id, "t");
	import_doc_release(&d);
}

static int parse_o(const char *path, const char *md, const struct import_opts *o, struct import_doc *d)
{
	import_doc_init(d);
	return import_parse_buffer(path, md, strlen(md), o, d);
}

static const char *date_s(int32_t v, char b[11])
{
	if (v == DATE_NONE)
		return "none";
	date_format(v, b);
	return b;
}

#define ACTIONS "\n## Action Items\n\n| ID | Action | Owner |\n|---|---|---|\n| 1 | Fix it | @a |\n"

/* Issue 9 §1: ids the team writes, where they write them; the derived id otherwise. */
static void test_written_ids(void **state)
{
	(void)state;
	struct import_doc d;
	char b[11];
	/* labels: ID, Incident, Incident #, a metadata row */
	assert_int_equal(parse("# Outage\n\nID: PM-77\n" ACTIONS, &d), 0);
	assert_string_equal(d.inc.id, "PM-77");
	assert_false(d.inc.id_derived);
	import_doc_release(&d);
	assert_int_equal(parse("# Outage\n\n**Incident:** 2024-017\n" ACTIONS, &d), 0);
	assert_string_equal(d.inc.id, "2024-017");
	import_doc_release(&d);
	assert_int_equal(parse("# Outage\n\nIncident #465\n" ACTIONS, &d), 0);
	assert_string_equal(d.inc.id, "465");
	import_doc_release(&d);
	assert_int_equal(parse("# Outage\n\n| Key | Value |\n|---|---|\n| ID | SEC-4 |\n" ACTIONS, &d), 0);
	assert_string_equal(d.inc.id, "SEC-4");
	import_doc_release(&d);
	/* a two-column table's header names columns: "| ID | Description |" gives no id */
	assert_int_equal(parse("# Outage\n\n| ID | Description |\n|---|---|\n| 1 | x |\n\n"
			       "| Status | Owner |\n|---|---|\n| done | @a |\n" ACTIONS,
			       &d),
			 0);
	assert_true(d.inc.id_derived);
	assert_null(d.inc.status);
	import_doc_release(&d);
	/* a timeline "| Date | Event |" names columns too: no warning, the real date label still wins */
	assert_int_equal(parse("# Outage\n\n| Date | Event |\n|---|---|\n| 2026-01-01 | x |\n\n"
			       "Date: 2026-01-02\n" ACTIONS,
			       &d),
			 0);
	assert_int_equal(d.ndiags, 1); /* only the derived id */
	char db[11];
	date_format(d.inc.date, db);
	assert_string_equal(db, "2026-01-02");
	import_doc_release(&d);
	/* "Incident:" followed by prose is a description, not an id */
	assert_int_equal(parse("# Outage\n\nIncident: the database fell over\n" ACTIONS, &d), 0);
	assert_true(d.inc.id_derived);
	import_doc_release(&d);
	/* a word is an id under "ID:", not under "Incident:" */
	assert_int_equal(parse("# Outage\n\nIncident: outage\n" ACTIONS, &d), 0);
	assert_true(d.inc.id_derived);
	import_doc_release(&d);
	/* the id leading the H1; the title loses it */
	assert_int_equal(parse("# PM2021-011 - Log4Shell investigations\n" ACTIONS, &d), 0);
	assert_string_equal(d.inc.id, "PM2021-011");
	assert_string_equal(d.inc.title, "Log4Shell investigations");
	import_doc_release(&d);
	assert_int_equal(parse("# Shakespeare Sonnet++ Postmortem (incident #465)\n" ACTIONS, &d), 0);
	assert_string_equal(d.inc.id, "465");
	assert_string_equal(d.inc.title, "Shakespeare Sonnet++ Postmortem");
	import_doc_release(&d);
	/* an id mentioned in the body is never taken, even one shaped like ours */
	assert_int_equal(
	    parse("# Outage\n\nThis repeats PM2021-011 and incident #465; see ID PM-3.\n" ACTIONS, &d), 0);
	assert_true(d.inc.id_derived);
	import_doc_release(&d);
	/* "<id>" is a placeholder: it is named in the warning (not dropped as HTML) */
	assert_int_equal(parse_o("pm/2025-09-29-flags-is-down.md",
				 "# Flags down\n\nIncident ID: <id>\n" ACTIONS, NULL, &d),
			 0);
	assert_string_equal(d.inc.id, "2025-09-29-flags-is-down");
	assert_true(has_diag(&d, DIAG_WARNING, 3, "\"<id>\" on line 3 is a template placeholder"));
	assert_string_equal(date_s(d.inc.date, b), "2025-09-29"); /* the file name's date, last resort */
	import_doc_release(&d);
	/* an id label that is not an id says so */
	assert_int_equal(parse("# Outage\n\nIncident ID: the big one\n" ACTIONS, &d), 0);
	assert_true(has_diag(&d, DIAG_WARNING, 3, "is not an id"));
	import_doc_release(&d);
}

static void test_id_options(void **state)
{
	(void)state;
	struct import_doc d;
	regex_t re;
	char msg[128];
	assert_int_equal(ident_compile("OPS-[0-9]+", &re, msg, sizeof msg), 0);
	struct import_opts o = {.id_re = &re};
	/* the pattern decides: a labelled value that does not match is not the id */
	assert_int_equal(parse_o("t.md", "# Outage\n\nIncident ID: PM-4\n" ACTIONS, &o, &d), 0);
	assert_true(d.inc.id_derived);
	assert_true(has_diag(&d, DIAG_WARNING, 3, "does not match [import] id_pattern"));
	import_doc_release(&d);
	/* and it is looked for anywhere in the title */
	assert_int_equal(parse_o("t.md", "# Queue stuck again, OPS-1234 follow-up\n" ACTIONS, &o, &d), 0);
	assert_string_equal(d.inc.id, "OPS-1234");
	import_doc_release(&d);
	/* require_id with a pattern: a document without a matching id is rejected */
	o.require_id = true;
	assert_int_equal(parse_o("t.md", "# Outage\n\nIncident ID: TBD\n" ACTIONS, &o, &d), -1);
	assert_true(has_diag(&d, DIAG_ERROR, 3, "require_id"));
	import_doc_release(&d);
	assert_int_equal(parse_o("t.md", "# Outage\n\nIncident ID: OPS-5\n" ACTIONS, &o, &d), 0);
	import_doc_release(&d);
	regfree(&re);
	/* require_id without a pattern: the template's own form */
	struct import_opts strict = {.require_id = true};
	assert_int_equal(parse_o("t.md", "# Outage\n\nIncident ID: PM-4\n" ACTIONS, &strict, &d), -1);
	assert_true(has_diag(&d, DIAG_ERROR, 3, "INC-YYYY-MM-DD-N"));
	import_doc_release(&d);
	assert_int_equal(parse_o("t.md", "# Outage\n" ACTIONS, &strict, &d), -1);
	assert_true(has_diag(&d, DIAG_ERROR, 0, "no incident id"));
	import_doc_release(&d);
	assert_int_equal(parse_o("t.md", "# Outage\n\nIncident ID: INC-2026-01-02-3\n" ACTIONS, &strict, &d),
			 0);
	import_doc_release(&d);
}

/* Issue 9 §5: YAML front matter. */
static void test_front_matter(void **state)
{
	(void)state;
	struct import_doc d;
	char b[11];
	const char *md = "---\n"
			 "title: \"Consumers behind: the broker upgrade\"\n"
			 "date: 2026-02-11\n"
			 "incident_id: OPS-311\n"
			 "severity: SEV-1\n"
			 "authors: [\"@hana\", lior]\n"
			 "status: In review\n"
			 "tags: {a: 1}\n"
			 "notes: |\n"
			 "  ## Action Items\n"
			 "  | ID | Action |\n"
			 "  |---|---|\n"
			 "  | 9 | never an item |\n"
			 "---\n"
			 "# Another title\n\n**Date:** 2020-01-01\n" ACTIONS;
	assert_int_equal(parse(md, &d), 0);
	assert_string_equal(d.inc.id, "OPS-311");
	assert_string_equal(d.inc.title, "Consumers behind: the broker upgrade");
	assert_string_equal(date_s(d.inc.date, b), "2026-02-11");
	assert_int_equal(d.inc.severity, 1);
	assert_string_equal(d.inc.reporter, "hana");
	assert_string_equal(d.inc.status, "In review");
	assert_int_equal(d.nitems, 1); /* the table inside the YAML is not Markdown */
	assert_string_equal(d.items[0].key, "1");
	assert_int_equal(d.items[0].line, 23); /* lines stay the file's */
	assert_int_equal(d.ndiags, 0);
	import_doc_release(&d);

	/* an empty front matter value says nothing: the text's label counts */
	assert_int_equal(
	    parse("---\nid:\ndate: \"\"\n---\n# T\n\nIncident ID: OPS-8\nDate: 2026-01-09\n" ACTIONS, &d), 0);
	assert_string_equal(d.inc.id, "OPS-8");
	assert_string_equal(date_s(d.inc.date, b), "2026-01-09");
	import_doc_release(&d);
	/* a bare severity number in front matter */
	assert_int_equal(parse("---\nseverity: 2\n---\n# T\n" ACTIONS, &d), 0);
	assert_int_equal(d.inc.severity, 2);
	import_doc_release(&d);
	/* CRLF front matter, "..." closing */
	assert_int_equal(parse("---\r\nid: OPS-1\r\n...\r\n# T\r\n" ACTIONS, &d), 0);
	assert_string_equal(d.inc.id, "OPS-1");
	import_doc_release(&d);

	/* not YAML: a warning with the line, the document still imports */
	assert_int_equal(parse("---\nid: OPS-2\ntitle: [oops\nx: 1\n---\n# T\n" ACTIONS, &d), 0);
	assert_true(has_diag(&d, DIAG_WARNING, 4, "not valid YAML"));
	assert_true(d.inc.id_derived);
	assert_int_equal(d.nitems, 1);
	import_doc_release(&d);
	/* a tab where YAML forbids one */
	assert_int_equal(parse("---\nid: OPS-2\n\tx: 1\n---\n# T\n" ACTIONS, &d), 0);
	assert_true(has_diag(&d, DIAG_WARNING, 0, "not valid YAML"));
	import_doc_release(&d);
	/* not a mapping */
	assert_int_equal(parse("---\n- a\n- b\n---\n# T\n" ACTIONS, &d), 0);
	assert_true(has_diag(&d, DIAG_WARNING, 2, "not a list of \"key: value\""));
	assert_int_equal(d.nitems, 1);
	import_doc_release(&d);
	/* never closed: read as Markdown, with a warning */
	assert_int_equal(parse("---\nid: OPS-3\n# T\n" ACTIONS, &d), 0);
	assert_true(has_diag(&d, DIAG_WARNING, 1, "never closed"));
	assert_int_equal(d.nitems, 1);
	import_doc_release(&d);
	/* an alias bomb costs nothing: aliases are shared, never expanded */
	const char *bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "authors: *d\nid: OPS-9\n---\n# T\n" ACTIONS;
	assert_int_equal(parse(bomb, &d), 0);
	assert_string_equal(d.inc.id, "OPS-9");
	import_doc_release(&d);

	/* 1 MiB of front matter: over the limit, not read, the document still imports */
	size_t big = (size_t)1 << 20;
	char *huge = malloc(big + 256);
	assert_non_null(huge);
	size_t o = (size_t)sprintf(huge, "---\nid: OPS-7\n");
	while (o < big)
		o += (size_t)sprintf(huge + o, "k%zu: some value\n", o);
	o += (size_t)sprintf(huge + o, "---\n# T\n" ACTIONS);
	struct import_opts opts = {.max_size = 4u << 20};
	import_doc_init(&d);
	assert_int_equal(import_parse_buffer("t.md", huge, o, &opts, &d), 0);
	assert_true(has_diag(&d, DIAG_WARNING, 1, "over the 65536-byte limit"));
	assert_true(d.inc.id_derived);
	assert_int_equal(d.nitems, 1);
	import_doc_release(&d);
	free(huge);
}

/* Issue 9 §5: incident dates as written, and where they come from. */
static void test_incident_dates(void **state)
{
	(void)state;
	struct import_doc d;
	char b[11];
	static const struct {
		const char *md, *want;
	} cases[] = {
	    {"# T\n\n## Date\n\n2015-10-21\n\n## Summary\n\nx\n", "2015-10-21"},
	    {"# T\n\n### Incident date(s)\n\n2021-01-20 - 2021-05-11\n", "2021-01-20"},
	    {"# T\n\n**Date of incident**: 7th September, 2022.\n", "2022-09-07"},
	    {"# T\n\nDate: Mar 3, 2026\n", "2026-03-03"},
	    {"# T\n\n**Date:** January 14-19, 2026\n", "2026-01-14"},
	    {"# T\n\nDate: 2026-03-03 14:20 UTC\n", "2026-03-03"},
	    {"# 2020-07-09, Simultaneous launches\n", "2020-07-09"},
	    {"# Incident report August 12 2025 - hub outage\n", "2025-08-12"},
	    /* the label wins over the title */
	    {"# 2020-07-09, Launches\n\nDate: 2020-07-10\n", "2020-07-10"},
	    /* a "## Date" section with no paragraph gives nothing */
	    {"# T\n\n## Date\n\n## Summary\n\nDate unknown\n", "none"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(parse(cases[i].md, &d), 0);
		assert_string_equal(date_s(d.inc.date, b), cases[i].want);
		import_doc_release(&d);
	}
	/* status and authors from sections; the first author reports */
	assert_int_equal(parse("# T\n\n## Authors\n\n* jennifer\n* martym\n\n## Status\n\nComplete, action "
			       "items in progress\n",
			       &d),
			 0);
	assert_string_equal(d.inc.reporter, "jennifer");
	assert_string_equal(d.inc.status, "Complete, action items in progress");
	import_doc_release(&d);
	assert_int_equal(parse("# T\n\n**Authors**: Anmol, Puneet.\n", &d), 0);
	assert_string_equal(d.inc.reporter, "Anmol");
	import_doc_release(&d);
	assert_int_equal(parse("# T\n\nAuthors: @hana and @lior\n", &d), 0);
	assert_string_equal(d.inc.reporter, "hana");
	import_doc_release(&d);
	/* a "Status:" inside an action section belongs to an item, not to the document */
	assert_int_equal(
	    parse("# T\n\n## Action Items\n\nStatus: done\n\n| ID | Action |\n|---|---|\n| 1 | a |\n", &d),
	    0);
	assert_null(d.inc.status);
	import_doc_release(&d);
}

static void test_sections(void **state)
{
	(void)state;
	struct import_doc d;
	const char *md =
	    HEAD "## 7.3 Follow-up Actions (tracked in Jira)\n\n"
		 "| ID | Action |\n|---|---|\n| A1 | one |\n\n### Details\n\n| ID | Action |\n|---|---|\n| "
		 "A2 | two |\n\n"
		 "## Prevention\n\n| ID | Action |\n|---|---|\n| A3 | not an item |\n\n"
		 "## Corrective and Preventive Actions\n\n| Key | Task |\n|---|---|\n| B1 | three |\n";
	assert_int_equal(parse(md, &d), 0);
	assert_int_equal(d.nitems, 3);
	assert_string_equal(d.items[0].key, "A1");
	assert_string_equal(d.items[1].key, "A2"); /* a lower-level heading does not end the section */
	assert_string_equal(d.items[2].key, "B1");
	import_doc_release(&d);

	/* issue 9: a list is items (it used to be a warning and no items) */
	assert_int_equal(parse(HEAD "## Action Items\n\n- fix it\n- test it\n", &d), 0);
	assert_int_equal(d.nitems, 2);
	assert_string_equal(d.items[0].action, "fix it");
	assert_string_equal(d.items[1].action, "test it");
	import_doc_release(&d);

	/* fenced code is ignored */
	assert_int_equal(
	    parse(HEAD "## Action Items\n\n```\n| ID | Action |\n|---|---|\n| 9 | fake |\n```\n", &d), 0);
	assert_int_equal(d.nitems, 0);
	import_doc_release(&d);
}

static void test_columns(void **state)
{
	(void)state;
	struct import_doc d;
	/* no action column: skipped with a warning */
	assert_int_equal(parse(HEAD "## Action Items\n\n| ID | Foo |\n|---|---|\n| 1 | x |\n", &d), 0);
	assert_int_equal(d.nitems, 0);
	assert_true(has_diag(&d, DIAG_WARNING, 7, "no Action column"));
	import_doc_release(&d);
	/* no key column: 1..n with a warning; other columns kept as extra */
	assert_int_equal(
	    parse(
		HEAD
		"## Action Items\n\n| Task | Assignee | Notes |\n|--|--|--|\n| a | @x | n1 |\n| b | @y | |\n",
		&d),
	    0);
	assert_int_equal(d.nitems, 2);
	assert_string_equal(d.items[0].key, "1");
	assert_string_equal(d.items[1].key, "2");
	assert_true(d.items[0].key_auto);
	assert_string_equal(d.items[0].extra, "{\"Notes\":\"n1\"}");
	assert_string_equal(d.items[1].extra, "{}");
	assert_true(has_diag(&d, DIAG_WARNING, 7, "no ID column"));
	import_doc_release(&d);
}

static void test_rows(void **state)
{
	(void)state;
	struct import_doc d;
	const char *md = HEAD TABLE_HEAD
	    "| 1 | [Specific, actionable item] | @username | YYYY-MM-DD | P0/P1/P2 | Not started |\n"
	    "| - | - | - | - | - | - |\n"
	    "| | | | | | |\n"
	    "| 2 | Real | @username | YYYY-MM-DD | P0/P1/P2 | |\n"
	    "| ~~3~~ | ~~Dropped idea~~ | | | | |\n"
	    "| 4 | a \\| b `c` [link](http://x) **bold**<br>next &amp; more | @p, @q and @r | | p1 – high | "
	    "✅ |\n"
	    "| 5 | ragged |\n";
	assert_int_equal(parse(md, &d), 0);
	assert_int_equal(d.placeholders, 3);
	assert_int_equal(d.nitems, 4);
	assert_string_equal(d.items[0].key, "2");
	assert_int_equal(d.items[0].nowners, 0);
	assert_int_equal(d.items[0].due, DATE_NONE);
	assert_int_equal(d.items[0].priority, PRIORITY_NONE);
	assert_int_equal(d.items[1].status, STATUS_WONT_DO); /* struck whole, empty status */
	assert_string_equal(d.items[2].action, "a | b c link bold next & more");
	assert_int_equal(d.items[2].nowners, 3);
	assert_string_equal(d.items[2].owners[2], "r");
	assert_int_equal(d.items[2].priority, 1);
	assert_int_equal(d.items[2].status, STATUS_DONE);
	assert_string_equal(d.items[3].action, "ragged");
	import_doc_release(&d);

	/* duplicate keys reject the file, naming the line */
	assert_int_equal(parse(HEAD TABLE_HEAD "| 1 | a | | | | |\n| 1 | b | | | | |\n", &d), -1);
	assert_true(has_diag(&d, DIAG_ERROR, 10, "duplicate"));
	import_doc_release(&d);
	/* …but placeholders are dropped before duplicate detection */
	assert_int_equal(
	    parse(HEAD TABLE_HEAD "| 1 | [Specific, actionable item] | | | | |\n| 1 | b | | | | |\n", &d), 0);
	import_doc_release(&d);
}

static void test_dates(void **state)
{
	(void)state;
	struct import_doc d;
	char b[11];
	assert_int_equal(parse(HEAD TABLE_HEAD
			       "| 1 | a | @x | April 7 | P2 | |\n| 2 | b | @x | TBD | P0 | |\n"
			       "| 3 | c | @x | 05/06/2026 | P2 | |\n| 4 | d | @x | 07.04.2026 | P2 | |\n",
			       &d),
			 0);
	assert_string_equal(due_str(&d.items[0], b), "2026-04-07"); /* the incident's year */
	assert_int_equal(d.items[1].due, DATE_NONE);
	assert_true(has_diag(&d, DIAG_WARNING, 10, "is P0"));
	assert_int_equal(d.items[2].due, DATE_NONE);
	assert_true(has_diag(&d, DIAG_WARNING, 11, "ambiguous"));
	assert_string_equal(due_str(&d.items[3], b), "2026-04-07");
	import_doc_release(&d);

	struct import_opts o = {.date_order = DATE_ORDER_DMY};
	const char *md = HEAD TABLE_HEAD "| 3 | c | @x | 05/06/2026 | P2 | |\n";
	import_doc_init(&d);
	assert_int_equal(import_parse_buffer("t.md", md, strlen(md), &o, &d), 0);
	assert_string_equal(due_str(&d.items[0], b), "2026-06-05");
	import_doc_release(&d);

	/* a date-shaped value that is not a real date rejects the file */
	assert_int_equal(parse(HEAD TABLE_HEAD "| 1 | a | @x | 2026-02-30 | P0 | |\n", &d), -1);
	assert_true(has_diag(&d, DIAG_ERROR, 9, "2026-02-30"));
	import_doc_release(&d);
}

static void test_statuses(void **state)
{
	(void)state;
	struct import_doc d;
	assert_int_equal(parse(HEAD TABLE_HEAD
			       "| 1 | a | | | | Won't fix |\n| 2 | b | | | | On hold |\n"
			       "| 3 | c | | | | 🚧 |\n| 4 | d | | | | [x] |\n| 5 | e | | | | frobnicated |\n",
			       &d),
			 0);
	assert_int_equal(d.items[0].status, STATUS_WONT_DO);
	assert_int_equal(d.items[1].status, STATUS_BLOCKED);
	assert_int_equal(d.items[2].status, STATUS_IN_PROGRESS);
	assert_int_equal(d.items[3].status, STATUS_DONE);
	assert_int_equal(d.items[4].status, STATUS_OPEN);
	assert_string_equal(d.items[4].status_raw, "frobnicated");
	assert_true(has_diag(&d, DIAG_WARNING, 13, "frobnicated"));
	import_doc_release(&d);
}

static void test_input_checks(void **state)
{
	(void)state;
	struct import_doc d;
	/* BOM skipped; CRLF and CR are line ends */
	const char *bom =
	    "\xEF\xBB\xBF# T\r\n\r\n**Incident ID:** INC-2026-01-01-1\r\n\r\n## Action Items\r\n\r\n"
	    "| ID | Action |\r\n|---|---|\r\n| 1 | a |\r\n";
	assert_int_equal(parse(bom, &d), 0);
	assert_string_equal(d.inc.id, "INC-2026-01-01-1");
	assert_int_equal(d.items[0].line, 9);
	import_doc_release(&d);
	const char *cr = "# T\r\r**Incident ID:** INC-2026-01-01-1\r\r## Action Items\r\r| ID | Action "
			 "|\r|---|---|\r| 1 | a |\r";
	assert_int_equal(parse(cr, &d), 0);
	assert_int_equal(d.nitems, 1);
	assert_int_equal(d.items[0].line, 9);
	import_doc_release(&d);
	/* NUL and invalid UTF-8 reject, naming the line */
	assert_int_equal(parse_n("# T\n\nab\0c\n", 10, &d), -1);
	assert_true(has_diag(&d, DIAG_ERROR, 3, "NUL"));
	import_doc_release(&d);
	assert_int_equal(parse("# T\n\n\n\xC3\x28\n", &d), -1);
	assert_true(has_diag(&d, DIAG_ERROR, 4, "UTF-8"));
	import_doc_release(&d);
	/* over the size limit */
	struct import_opts o = {.max_size = 10};
	import_doc_init(&d);
	assert_int_equal(import_parse_buffer("t.md", "0123456789AB", 12, &o, &d), -1);
	assert_true(has_diag(&d, DIAG_ERROR, 0, "limit"));
	import_doc_release(&d);
}

/* --- issue 9: lists, fields in the sentence, keys that follow the text ---------------------- */

static void check_fields(const char *text, const char *action, int status, int nowners, const char *owner0,
			 const char *due, int prio)
{
	static const char *const people[] = {"Priya Raman", "kai", NULL};
	struct list_fields f;
	static const char *const handles[] = {"priya", "kai", NULL};
	assert_int_equal(lists_fields(text, people, handles, &f), 0);
	if (strcmp(f.action, action))
		print_error("lists_fields(\"%s\").action = \"%s\", want \"%s\"\n", text, f.action, action);
	assert_string_equal(f.action, action);
	assert_int_equal(f.status_set ? (int)f.status : -1, status);
	assert_int_equal(f.nowners, nowners);
	if (owner0)
		assert_string_equal(f.owners[0], owner0);
	if (due)
		assert_string_equal(f.due_text, due);
	else
		assert_null(f.due_text);
	assert_int_equal(f.priority, prio);
	list_fields_release(&f);
}

static void test_list_fields(void **state)
{
	(void)state;
	check_fields("[x] Warm the cache @ann", "Warm the cache", STATUS_DONE, 1, "ann", NULL, -1);
	check_fields("[ ] Add jitter (owner: @björn) due 2026-04-15", "Add jitter", STATUS_OPEN, 1, "björn",
		     "2026-04-15", -1);
	check_fields("Write a runbook [P1] (by Friday 2026-04-10)", "Write a runbook", -1, 0, NULL,
		     "Friday 2026-04-10", 1);
	check_fields("DONE: rotate keys, Owner: Ann and Bob", "rotate keys", STATUS_DONE, 2, "Ann", NULL, -1);
	check_fields("\u2705 Page on failures", "Page on failures", STATUS_DONE, 0, NULL, NULL, -1);
	check_fields("Keep jobs in the catalogue (done)", "Keep jobs in the catalogue", STATUS_DONE, 0, NULL,
		     NULL, -1);
	check_fields("Due: 14 Oct 2026 review the alerts P2", "review the alerts", -1, 0, NULL, "14 Oct 2026",
		     2);
	check_fields("Fix the gateway (Priya Raman)", "Fix the gateway", -1, 1, "priya", NULL, -1);
	check_fields("Fix the gateway (someone else)", "Fix the gateway (someone else)", -1, 0, NULL, NULL,
		     -1);
	check_fields("Teach the Product Owners about CVEs", "Teach the Product Owners about CVEs", -1, 0,
		     NULL, NULL, -1);
	check_fields("Ask @org/team and @山田 to review", "Ask and to review", -1, 2, "org/team", NULL, -1);
	check_fields("Upgrade nfs (see https://github.com/o/r/pull/34).", "Upgrade nfs.", -1, 0, NULL, NULL,
		     -1);
	check_fields("Not due to anything by design", "Not due to anything by design", -1, 0, NULL, NULL, -1);
	check_fields("\U0001F6A7 Migrate the queue [Owner: @li]", "Migrate the queue", STATUS_IN_PROGRESS, 1,
		     "li", NULL, -1);
	check_fields("\u274C Buy a bigger box", "Buy a bigger box", STATUS_WONT_DO, 0, NULL, NULL, -1);
	check_fields("Fix the retry loop (Status: in progress) ETA 2026-08-01", "Fix the retry loop",
		     STATUS_IN_PROGRESS, 0, NULL, "2026-08-01", -1);
	check_fields("Freeze deploys until 2015-11-20", "Freeze deploys until 2015-11-20", -1, 0, NULL, NULL,
		     -1);
}

static void test_list_items(void **state)
{
	(void)state;
	struct import_doc d;
	const char *md =
	    HEAD "## Remediation\n\n"
		 "- Label:\n  - first child\n  - second child\n"
		 "- Top item\n  - a detail https://example.com/x\n  - https://github.com/o/r/issues/1\n"
		 "- ~~Dropped idea~~\n\n"
		 "> - [x] quoted, not an item\n\n"
		 "## Lessons learned\n\n- not an item\n";
	assert_int_equal(parse(md, &d), 0);
	assert_int_equal(d.nitems, 4);
	assert_string_equal(d.items[0].action, "first child");
	assert_string_equal(d.items[1].action, "second child");
	assert_string_equal(d.items[2].action, "Top item");
	assert_non_null(strstr(d.items[2].extra, "\"details\":[\"a detail https://example.com/x\"]"));
	assert_non_null(strstr(d.items[2].extra, "https://github.com/o/r/issues/1"));
	assert_int_equal(d.items[3].status, STATUS_WONT_DO);
	assert_non_null(strstr(d.items[3].extra, "struck out in the document"));
	import_doc_release(&d);

	/* a bold-only item with a nested list is a label; template and empty items are placeholders */
	assert_int_equal(parse(HEAD "## Next steps\n\n- **Short term**\n  - Add the alert\n  - Fix the job\n"
				    "- [ ] [Action item] @owner\n- [ ] TBD\n- @bob\n",
			       &d),
			 0);
	assert_int_equal(d.nitems, 2);
	assert_string_equal(d.items[0].action, "Add the alert");
	assert_string_equal(d.items[1].action, "Fix the job");
	assert_int_equal(d.placeholders, 3);
	import_doc_release(&d);
}

static void test_done_question_column(void **state)
{
	(void)state;
	struct import_doc d;
	assert_int_equal(parse(HEAD
			       "## Action Items\n\n| Task | Who | Done? |\n|---|---|---|\n| a | @x | Yes |\n"
			       "| b | @y | no |\n",
			       &d),
			 0);
	assert_int_equal(d.nitems, 2);
	assert_int_equal(d.items[0].status, STATUS_DONE);
	assert_int_equal(d.items[1].status, STATUS_OPEN);
	assert_int_equal(d.ndiags, 1); /* only the "no ID column" warning, no "not understood" */
	import_doc_release(&d);
}

/* A list beside a table in the same action section is notes (a summary of what was done), not
 * items; a list in another action section still is items. */
static void test_list_beside_table_is_notes(void **state)
{
	(void)state;
	struct import_doc d;
	assert_int_equal(
	    parse(HEAD "## Action Items\n\n- the cache was flushed by hand\n- users were told\n\n"
		       "| Action | Owner | State |\n|---|---|---|\n| Add a cache alert | @x | TODO |\n"
		       "\n## Follow-ups\n\n- Write the runbook\n",
		  &d),
	    0);
	assert_int_equal(d.nitems, 2);
	assert_string_equal(d.items[0].action, "Add a cache alert");
	assert_string_equal(d.items[1].action, "Write the runbook");
	bool noted = false;
	for (size_t i = 0; i < d.ndiags; i++)
		if (strstr(d.diags[i].msg, "read as notes, not as action items")) {
			noted = true;
			assert_int_equal(d.diags[i].line, 7);
		}
	assert_true(noted);
	import_doc_release(&d);
}

static void test_keys_match(void **state)
{
	(void)state;
	struct import_doc d;
	/* stored: 1 alert, 2 runbook, 3 restart; document: new at top, restart edited, runbook gone */
	assert_int_equal(parse(HEAD "## Follow-ups\n\n- Page earlier\n- Add an alert on queue depth\n"
				    "- Remove the manual restart script\n",
			       &d),
			 0);
	const struct key_cand c[] = {
	    {"1", "Add an alert on queue depth", "Add an alert on queue depth", 0, false},
	    {"2", "Write the failover runbook", "Write the failover runbook", 1, false},
	    {"3", "Remove the manual restart step", "Remove the manual restart step", 2, false},
	};
	char **keys = NULL;
	assert_int_equal(keys_match(&d, c, 3, &keys), 0);
	assert_string_equal(keys[0], "4"); /* new: above every stored key */
	assert_string_equal(keys[1], "1"); /* the same text */
	assert_string_equal(keys[2], "3"); /* one word edited */
	keys_free(keys, d.nitems);
	import_doc_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_template_doc),
	    cmocka_unit_test(test_label_forms),
	    cmocka_unit_test(test_id_rules),
	    cmocka_unit_test(test_sections),
	    cmocka_unit_test(test_columns),
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_statuses),
	    cmocka_unit_test(test_input_checks),
	    cmocka_unit_test(test_list_fields),
	    cmocka_unit_test(test_list_items),
	    cmocka_unit_test(test_keys_match),
	    cmocka_unit_test(test_done_question_column),
	    cmocka_unit_test(test_list_beside_table_is_notes),
	    cmocka_unit_test(test_written_ids),
	    cmocka_unit_test(test_id_options),
	    cmocka_unit_test(test_front_matter),
	    cmocka_unit_test(test_incident_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
