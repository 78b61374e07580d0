/*
 * feeds (store) — what a calendar feed or a test message reads besides the items themselves. The items
 * come from items_query() (items.h, the one item filter); a feed shows each item with its incident's
 * title, which this module looks up.
 *
 * The titles are read AFTER the item query has finished, never from inside its callback: a statement is
 * never stepped while another one on the same connection is still returning rows, which one engine
 * connection (PostgreSQL's) cannot do.
 */
#ifndef TRACKER_STORE_FEEDS_H
#define TRACKER_STORE_FEEDS_H

#include <stddef.h>

#include "error.h"
#include "store.h"

/* For each of the `n` incident ids, titles[i] receives a malloc'd copy of that incident's title, or
 * NULL when the incident is not there or has no title. On failure every titles[i] is NULL. The caller
 * frees the strings. One prepared statement serves all n lookups (pass each id once). */
int feeds_incident_titles(struct store *st, const char *const *ids, size_t n, char **titles,
			  struct error *err);

#endif
