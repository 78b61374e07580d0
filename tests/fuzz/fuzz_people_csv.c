/*
 * fuzz_people_csv — libFuzzer target for `tracker people import` (RFC 4180 CSV with a header row naming
 * any of handle, name, email, tz, manager, slack) against an in-memory database: any bytes must give
 * either an import or an error naming file:line, never a crash or a leak; a rejected file must leave
 * the people table as it was (the caller's transaction is rolled back, as the command does).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "people.h"
#include "store.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store st;
static int ready;

static int count_one(const struct person *p, void *ud)
{
	(void)p;
	(*(int *)ud)++;
	return 0;
}

static int count_people(void)
{
	struct error err;
	error_init(&err);
	int n = 0;
	return people_list(&st, count_one, &n, &err) < 0 ? -1 : n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err;
	error_init(&err);
	if (!ready) {
		if (store_open_memory(&st, &err) < 0)
			abort();
		ready = 1;
	}
	int before = count_people();
	struct people_import_summary sum;
	memset(&sum, 0, sizeof sum);
	if (store_begin(&st, &err) < 0)
		abort();
	int rc = people_import_csv(&st, "fuzz.csv", (const char *)data, size, 1770000000, NULL, &sum, &err);
	store_rollback(&st);
	if (rc < 0 && err.msg[0] == '\0')
		abort(); /* a rejection must say why */
	if (count_people() != before)
		abort();
	return 0;
}
