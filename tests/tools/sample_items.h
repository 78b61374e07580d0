/*
 * sample_items.h — deterministic action items for the notification tests, the driver and the benchmark:
 * plain ASCII, accented and CJK text, ; , \ & < > (escaping), a control character and invalid UTF-8
 * (sanitising), long actions (folding) and every status and priority.
 */
#ifndef TESTS_SAMPLE_ITEMS_H
#define TESTS_SAMPLE_ITEMS_H

#include <string.h>

#include <stdio.h>

#include "notify.h"
#include "tdate.h"

static const char *const sample_actions[] = {
    "Add alert on replica lag",
    "Document the fail-over runbook; include DNS, TLS & <load balancer> steps",
    "Réviser la procédure de bascule — équipe données",
    "監視ダッシュボードを更新する",
    "Rotate the on-call\tpager\x01 key \xff\xfe (bad bytes)",
    "Write a post-incident load test that replays the peak traffic of the incident day against staging, "
    "with the cache cold, and compare p50/p99 latencies with the SLO, then file tickets for every "
    "regression found",
};
static const char *const sample_owners[] = {"alice", "bob", "Zoë Ångström", "carol"};
static const char *const sample_titles[] = {"Database failover outage", "Panne du stockage à Paris",
					    "Cache stampede & <script>alert(1)</script>"};
static const char *const sample_statuses[] = {"open", "in_progress", "blocked", "open", "done", "wont_do"};

/* Fills item i; inc and key are caller storage (32 and 16 bytes) kept alive as long as the item. */
static inline void sample_item(struct notify_item *it, size_t i, char inc[32], char key[16])
{
	int32_t base;
	memset(it, 0, sizeof *it); /* fields this helper does not set (links, …) stay NULL/0 */
	date_from_ymd(2026, 3, 1, &base);
	/* The modulos bound the numbers so the compiler can see the id fits (-Wformat-truncation). */
	snprintf(inc, 32, "INC-2026-03-%02u-%03u", (unsigned)(1 + i / 7 % 28),
		 (unsigned)((40 + i / 7) % 1000));
	snprintf(key, 16, "%zu", 1 + i % 7);
	it->incident_id = inc;
	it->key = key;
	it->action = sample_actions[i % (sizeof sample_actions / sizeof sample_actions[0])];
	it->owner = sample_owners[i % 4];
	it->incident_title = sample_titles[i / 7 % 3];
	it->status = sample_statuses[i % 6];
	it->due = i % 11 == 10 ? DATE_NONE : base + (int32_t)(i % 60);
	it->priority = (int)(i % 5) - 1;
	it->days_late = 30 - (int)(i % 60);
	it->sequence = (int)(i % 4);
	it->updated_at = 1774000000 + (int64_t)i * 3600;
	it->closed_at = (i % 6 == 4) ? it->updated_at : 0;
}

#endif
