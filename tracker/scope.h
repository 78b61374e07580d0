/*
 * scope — which items a calendar feed (or a webhook filter) covers, written as one word:
 *   all | overdue | owner:HANDLE | incident:ID | priority:P0,P1
 * scope_parse() checks the text and fills an item_filter; the filter borrows strings from the
 * struct scope, which must outlive it.
 */
#ifndef TRACKER_SCOPE_H
#define TRACKER_SCOPE_H

#include "error.h"
#include "items.h"

struct scope {
	char text[256];        /* the scope as given, e.g. "owner:alice" */
	char owners_json[300]; /* ["alice"] for owner: scopes */
	char incident[128];
};

/* Fills `s` and `f` (f is zeroed first). Returns 0, or -1 with a message naming the bad scope. */
int scope_parse(const char *text, struct scope *s, struct item_filter *f, struct error *err);

#endif
