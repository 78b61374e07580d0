/*
 * fuzz_due — libFuzzer target for the cell-value parsers of the importer (normalize.h): due dates in
 * every date order, owners, priorities, statuses, severities and incident ids. Any string must give a
 * defined answer; a date said to be OK must be a real calendar date.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "tdate.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	/* The parsers take cleaned text: valid UTF-8 without NUL, as norm_text() makes it. */
	char *text = norm_text((const char *)data, size);
	if (!text)
		return 0;
	for (int order = DATE_ORDER_AUTO; order <= DATE_ORDER_MDY; order++) {
		int32_t d = DATE_NONE;
		enum due_result r = norm_due(text, 2026, (enum date_order)order, &d);
		if (r == DUE_OK) {
			char s[11];
			int32_t back;
			date_format(d, s);
			if (date_parse(s, &back) < 0 || back != d)
				abort();
		}
	}
	char **owners = NULL;
	int n = norm_owners(text, &owners);
	for (int i = 0; i < n; i++)
		if (!owners[i] || !owners[i][0])
			abort();
	norm_owners_free(owners, n);
	int p = norm_priority(text);
	if (p < -2 || p > 3)
		abort();
	bool known;
	enum status st = norm_status(text, &known);
	if ((unsigned)st >= STATUS_COUNT)
		abort();
	int sev = norm_severity(text);
	if (sev < -1 || sev > 9)
		abort();
	size_t len;
	long at = norm_find_incident_id(text, &len);
	if (at >= 0 && (size_t)at + len > strlen(text))
		abort();
	(void)norm_is_incident_id(text);
	(void)norm_is_action_heading(text);
	(void)norm_column(text);
	free(text);
	return 0;
}
