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

struct store;
/* Checks that an owner: or incident: scope names something in the store: a person or the owner of
 * some item; an incident, whose unique id prefix is expanded to the whole id (in s->text and
 * s->incident, so a stored feed keeps matching). Returns 0 when it does (and for the other scopes),
 * 1 when it names nothing — err says what, and the caller makes it an error (feed create) or a
 * warning (ical) — and -1 for an ambiguous prefix or a database error. */
int scope_resolve(struct store *st, struct scope *s, struct error *err);

#endif
