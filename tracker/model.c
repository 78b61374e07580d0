/*
 * model.c — names of statuses.
 */
#include "model.h"

#include <string.h>

#include "banned.h"

static const char *const names[STATUS_COUNT] = {"open", "in_progress", "blocked", "done", "wont_do"};

const char *status_name(enum status s)
{
	return (unsigned)s < STATUS_COUNT ? names[s] : "open";
}

int status_from_name(const char *s)
{
	for (int i = 0; i < STATUS_COUNT; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

bool status_is_closed(enum status s)
{
	return s == STATUS_DONE || s == STATUS_WONT_DO;
}
