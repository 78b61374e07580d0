/*
 * bench_gen — writes N realistic, deterministic post-mortems for the import benchmark and the crash
 * test.
 *
 *   bench_gen DIR N [SEED]
 *
 * Writes DIR/pm-00001.md … DIR/pm-NNNNN.md and DIR/manifest.tsv ("file<TAB>incident id<TAB>items",
 * one line per file). The same N and SEED always give the same bytes. Each document follows the
 * template (metadata, summary, timeline, root cause, impact, lessons, action items, prevention,
 * review) with the variations teams write (metadata as **Label:**, **Label**: or a two-column table;
 * numbered and decorated action headings; emoji statuses; several owners; long-form dates), is 3-12 KB
 * and has 3-12 action items. Every item is importable: no placeholders, no ambiguous or impossible
 * dates, no duplicate keys, so an import must store exactly the manifest's count.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "tdate.h"
#include "banned.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int between(int lo, int hi)
{
	return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

#define PICK(arr) (arr[rnd() % (sizeof arr / sizeof arr[0])])

static const char *const people[] = {
    "alice", "bob",    "carol",     "dpatel", "erin",  "frank", "gina",  "hal",       "ivan",    "jo",
    "kenji", "lchen",  "mkowalski", "nora",   "omar",  "priya", "quinn", "rnakamura", "sofia",   "tobias",
    "uma",   "victor", "wei",       "xavier", "yusuf", "zoe",   "amara", "deshawn",   "hwright", "jsantos"};
static const char *const services[] = {
    "checkout-api",    "search-indexer", "billing-db",    "auth-gateway", "notification-worker",
    "image-resizer",   "ledger",         "feature-flags", "edge-proxy",   "session-store",
    "payments-router", "catalog-sync",   "email-relay",   "ml-scoring",   "report-builder"};
static const char *const causes[] = {"connection pool exhaustion",
				     "an expired TLS certificate",
				     "a bad config push",
				     "a runaway cron job",
				     "disk full on the primary",
				     "a DNS change",
				     "a memory leak in a new release",
				     "a thundering herd after a cache flush",
				     "an unindexed query",
				     "a Kafka rebalance storm",
				     "a certificate chain change",
				     "clock skew between nodes"};
static const char *const verbs[] = {"Add",       "Write", "Automate",   "Remove",  "Document", "Alert on",
				    "Load-test", "Split", "Rate-limit", "Migrate", "Review",   "Replace"};
static const char *const objects[] = {"the connection pool saturation metric",
				      "the failover runbook",
				      "a canary stage for config pushes",
				      "the manual restart step",
				      "consumer lag per partition",
				      "the retry budget",
				      "the disk usage forecast",
				      "the on-call handover checklist",
				      "the TLS expiry check",
				      "backup freshness",
				      "the deploy freeze calendar",
				      "the dependency timeout",
				      "the queue depth dashboard",
				      "the shard rebalancing script",
				      "synthetic checks for login"};
static const char *const statuses[] = {
    "Not started", "Not started",   "Open",          "In progress", "In progress", "Done", "Done", "Blocked",
    "✅ Done",      "🚧 In progress", "⬜ Not started", "❌ Won't do",  "Won't do",    "TODO", "WIP"};
static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
				     "July",    "August",   "September", "October", "November", "December"};
static const char *const words[] = {
    "the",     "service", "request",   "latency", "increased", "after",   "deploy",   "because",
    "retries", "queue",   "database",  "timeout", "alert",     "on-call", "engineer", "noticed",
    "traffic", "region",  "failover",  "replica", "lag",       "cache",   "errors",   "spike",
    "we",      "found",   "that",      "config",  "was",       "not",     "rolled",   "back",
    "quickly", "and",     "customers", "saw",     "slow",      "pages",   "during",   "peak",
    "hours",   "metrics", "showed",    "memory",  "pressure",  "on",      "nodes",    "so"};

static void sentence(struct buf *b)
{
	int n = between(8, 22);
	for (int i = 0; i < n; i++) {
		const char *w = PICK(words);
		if (i == 0)
			buf_printf(b, "%c%s", w[0] >= 'a' && w[0] <= 'z' ? w[0] - 'a' + 'A' : w[0], w + 1);
		else
			buf_printf(b, " %s", w);
	}
	buf_adds(b, ". ");
}

static void paragraph(struct buf *b)
{
	int n = between(2, 6);
	for (int i = 0; i < n; i++)
		sentence(b);
	buf_adds(b, "\n\n");
}

static void fmt_date(struct buf *b, int32_t day, int style)
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	if (style == 1)
		buf_printf(b, "%s %d, %d", months[m - 1], d, y);
	else
		buf_printf(b, "%04d-%02d-%02d", y, m, d);
}

static void owners(struct buf *b)
{
	int r = between(0, 9);
	if (r < 7)
		buf_printf(b, "@%s", PICK(people));
	else if (r < 9)
		buf_printf(b, "@%s, @%s", PICK(people), PICK(people));
	else
		buf_printf(b, "@%s, @%s and @%s", PICK(people), PICK(people), PICK(people));
}

/* One document into b; returns its number of action items. */
static int document(struct buf *b, unsigned idx, char *id, size_t idlen)
{
	int32_t day0;
	date_from_ymd(2025, 1, 1, &day0);
	int32_t day = day0 + between(0, 690);
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	snprintf(id, idlen, "INC-%04d-%02d-%02d-%04u", y, m, d, idx);
	const char *svc = PICK(services);
	const char *cause = PICK(causes);
	int style = between(0, 2);
	int datestyle = between(0, 3) == 0 ? 1 : 0;
	int sev = between(1, 3);
	const char *rep = PICK(people), *appr = PICK(people);
	size_t target = (size_t)between(3 * 1024, 11 * 1024);

	buf_printf(b, "# Post-Mortem: %s degraded by %s\n\n", svc, cause);
	if (style == 0) {
		buf_printf(b, "**Incident ID:** %s  \n**Date:** ", id);
		fmt_date(b, day, datestyle);
		buf_printf(b,
			   "  \n**Duration:** %d minutes  \n**Severity:** SEV-%d  \n**Reporter:** @%s  \n\n",
			   between(5, 400), sev, rep);
	} else if (style == 1) {
		buf_printf(b, "**Incident ID**: %s\n**Date**: ", id);
		fmt_date(b, day, datestyle);
		buf_printf(b, "\n**Duration**: %dh %dm\n**Severity**: SEV-%d\n**Reported by**: @%s\n\n",
			   between(0, 9), between(0, 59), sev, rep);
	} else {
		buf_printf(b, "| Field | Value |\n|-------|-------|\n| **Incident ID** | %s |\n| **Date** | ",
			   id);
		fmt_date(b, day, datestyle);
		buf_printf(b,
			   " |\n| **Duration** | %d minutes |\n| **Severity** | SEV-%d |\n| **Reporter** | "
			   "@%s |\n\n",
			   between(5, 400), sev, rep);
	}
	buf_adds(b, "## Summary\n\n");
	paragraph(b);

	buf_adds(b, "## Timeline\n\n| Time (UTC) | Event | Owner |\n|------------|-------|-------|\n");
	int nt = between(4, 14);
	for (int i = 0; i < nt; i++) {
		buf_printf(b, "| %02d:%02d | ", between(0, 23), between(0, 59));
		sentence(b);
		buf_printf(b, "| @%s |\n", PICK(people));
	}
	buf_adds(b, "\n## Root Cause Analysis\n\n### What happened?\n\n");
	paragraph(b);
	buf_adds(b, "### Why did it happen?\n\n");
	paragraph(b);

	/* The tail is written separately so filler can be put before it to reach the target size. */
	struct buf tail;
	buf_init(&tail, BUF_MAX_DEFAULT);
	buf_printf(&tail,
		   "## Impact Assessment\n\n- **Users affected:** %d%%\n- **Features impacted:** %s\n"
		   "- **Data affected:** None\n\n",
		   between(1, 100), svc);
	buf_adds(&tail, "## Lessons Learned\n\n### What went well\n1. ");
	sentence(&tail);
	buf_adds(&tail, "\n2. ");
	sentence(&tail);
	buf_adds(&tail, "\n\n### What went wrong\n1. ");
	sentence(&tail);
	buf_adds(&tail, "\n\n");

	static const char *const headings[] = {"## Action Items", "## 7. Action Items",
					       "### 7. Action Items & Follow-ups (owner: SRE)",
					       "## Follow-up Actions (tracked in Jira)", "## Action items"};
	buf_printf(&tail, "%s\n\n", PICK(headings));
	buf_adds(&tail, "| ID | Action | Owner | Due Date | Priority | Status |\n"
			"|----|--------|-------|----------|----------|--------|\n");
	int n = between(3, 12);
	for (int i = 1; i <= n; i++) {
		buf_printf(&tail, "| %d | %s %s for %s | ", i, PICK(verbs), PICK(objects), svc);
		owners(&tail);
		buf_adds(&tail, " | ");
		fmt_date(&tail, day + between(3, 120), datestyle);
		buf_printf(&tail, " | P%d | %s |\n", between(0, 3), PICK(statuses));
	}
	buf_adds(&tail, "\n## Prevention\n\n");
	paragraph(&tail);
	buf_printf(&tail,
		   "## Attachments\n\n- [Incident channel: #inc-%s](https://chat.example.com/inc/%u)\n\n",
		   svc, idx);
	buf_adds(&tail, "---\n\n## Review\n\n**Post-Mortem Review Date:** ");
	fmt_date(&tail, day + between(1, 10), 0);
	buf_printf(&tail, "  \n**Attendees:** @%s, @%s  \n**Approved by:** @%s  \n", rep, PICK(people), appr);

	buf_adds(b, "### How did we detect it?\n\n");
	paragraph(b);
	while (b->len + tail.len < target)
		paragraph(b);
	buf_add(b, tail.data, tail.len);
	buf_release(&tail);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: bench_gen DIR N [SEED]\n");
		return 2;
	}
	const char *dir = argv[1];
	char *end;
	unsigned long n = strtoul(argv[2], &end, 10);
	if (*end || n == 0 || n > 1000000) {
		fprintf(stderr, "bench_gen: N must be 1..1000000\n");
		return 2;
	}
	rng_state = 42;
	if (argc == 4) {
		rng_state = strtoull(argv[3], &end, 10);
		if (*end) {
			fprintf(stderr, "bench_gen: SEED must be a number\n");
			return 2;
		}
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "bench_gen: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/manifest.tsv", dir);
	FILE *man = fopen(path, "w");
	if (!man) {
		fprintf(stderr, "bench_gen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	struct buf b;
	buf_init(&b, BUF_MAX_DEFAULT);
	int rc = 0;
	for (unsigned long i = 1; i <= n && rc == 0; i++) {
		char id[64], name[32];
		buf_reset(&b);
		int items = document(&b, (unsigned)i, id, sizeof id);
		snprintf(name, sizeof name, "pm-%05lu.md", i);
		snprintf(path, sizeof path, "%s/%s", dir, name);
		FILE *f = fopen(path, "w");
		if (!f || fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0) {
			fprintf(stderr, "bench_gen: %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		fprintf(man, "%s\t%s\t%d\n", name, id, items);
	}
	buf_release(&b);
	if (fclose(man) != 0)
		rc = 1;
	return rc;
}
