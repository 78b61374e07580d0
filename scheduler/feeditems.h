/*
 * feeditems — loading items from the store as notify_item structs for the channels (calendar feeds,
 * test messages). The strings are copied into one arena owned by struct feed_items.
 */
#ifndef TRACKER_FEEDITEMS_H
#define TRACKER_FEEDITEMS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "items.h"
#include "notify.h"
#include "store.h"

struct feed_items {
	struct notify_item *v;
	size_t n, cap;
	char **strings; /* every copied string, freed on release */
	size_t nstrings, capstrings;
};

/* Runs the filter and appends every item, with its incident's title, to `fi`. */
int feed_items_load(struct store *st, const struct item_filter *f, int32_t today, struct feed_items *fi,
		    struct error *err);
void feed_items_release(struct feed_items *fi);

#endif
