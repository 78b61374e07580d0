/*
 * bench_policy.c — one reminder planning pass, policy_plan() alone, over 100,000 open items and 2,000
 * people in six time zones, with a sent history (every third item reminded yesterday) and a webhook.
 * Prints the best and the median of 7 rounds. Usage: bench_policy [ITEMS] [PEOPLE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "tdate.h"
#include "banned.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static long arg(int argc, char **argv, int i, long def)
{
	if (argc <= i)
		return def;
	char *end;
	long v = strtol(argv[i], &end, 10);
	return *end || v <= 0 ? def : v;
}

int main(int argc, char **argv)
{
	size_t nitems = (size_t)arg(argc, argv, 1, 100000), npeople = (size_t)arg(argc, argv, 2, 2000);
	static const char *const zones[] = {NULL,         "Europe/Berlin",       "America/New_York",
					    "Asia/Tokyo", "America/Los_Angeles", "Australia/Sydney"};
	static const char *const statuses[] = {"open", "in_progress", "blocked"};
	struct policy_person *people = calloc(npeople, sizeof *people);
	struct policy_item *items = calloc(nitems, sizeof *items);
	struct policy_sent *sent = calloc(nitems, sizeof *sent);
	char(*handles)[32] = calloc(npeople, sizeof *handles);
	char(*emails)[48] = calloc(npeople, sizeof *emails);
	if (!people || !items || !sent || !handles || !emails)
		return 1;
	int32_t today;
	date_from_ymd(2026, 4, 20, &today);
	int64_t now = (int64_t)today * 86400 + 12 * 3600; /* Monday 12:00 UTC */
	srand(42);
	for (size_t i = 0; i < npeople; i++) {
		snprintf(handles[i], sizeof handles[i], "user%04zu", i);
		snprintf(emails[i], sizeof emails[i], "user%04zu@example.org", i);
		people[i] = (struct policy_person){handles[i],
						   handles[i],
						   i % 10 == 9 ? NULL : emails[i],
						   zones[i % 6],
						   i % 4 ? handles[(i / 50) * 50] : NULL,
						   NULL};
	}
	size_t nsent = 0;
	for (size_t i = 0; i < nitems; i++) {
		size_t owner = (size_t)rand() % npeople;
		items[i] = (struct policy_item){.id = (int64_t)i + 1,
						.incident = "INC-2026-04-01-001",
						.key = "A1",
						.owner = i % 50 == 7 ? NULL : handles[owner],
						.status = statuses[i % 3],
						.due = i % 20 == 3 ? DATE_NONE : today - 30 + rand() % 45,
						.priority = rand() % 4,
						.snoozed_until = i % 17 == 0 ? today + 3 : DATE_NONE,
						.reporter = handles[(owner + 1) % npeople],
						.approved_by = handles[(owner + 2) % npeople]};
		if (i % 3 == 0 && people[owner].email)
			sent[nsent++] = (struct policy_sent){(int64_t)i + 1, REMIND_OVERDUE, "email",
							     people[owner].email, today - 1};
	}
	/* the store hands them over in id order; the policy must not rely on it */
	for (size_t i = nsent; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		struct policy_sent t = sent[i - 1];
		sent[i - 1] = sent[j];
		sent[j] = t;
	}
	struct policy_webhook hook = {.name = "ops", .priorities = 0x1};
	struct policy_config pc;
	struct error err;
	if (policy_config_parse(NULL, &pc, &err) < 0)
		return 1;
	struct policy_input in = {items, nitems, people, npeople, sent, nsent, &hook, 1, now};

	double t[7];
	size_t nrem = 0, nexp = 0;
	for (int r = 0; r < 7; r++) {
		struct policy_output out;
		double t0 = now_ms();
		if (policy_plan(&pc, &in, &out, &err) < 0) {
			fprintf(stderr, "bench_policy: %s\n", err.msg);
			return 1;
		}
		t[r] = now_ms() - t0;
		nrem = out.nreminders;
		nexp = out.nexplanations;
		policy_output_release(&out);
	}
	qsort(t, 7, sizeof t[0], cmp_double);
	printf("policy_plan: %zu items, %zu people, %zu sent records, 6 zones: best %.1f ms, median %.1f ms "
	       "(%zu reminders, %zu explanations)\n",
	       nitems, npeople, nsent, t[0], t[3], nrem, nexp);
	free(people);
	free(items);
	free(sent);
	free(handles);
	free(emails);
	return 0;
}
