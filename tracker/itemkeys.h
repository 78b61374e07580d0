/*
 * itemkeys — keys for items that have no written key (issue 9, §6).
 *
 * Items from lists and from tables without an ID column are keyed by the importer 1..n in document
 * order (import_item.key_auto). On re-import that order means nothing: a bullet inserted at the
 * top would shift every key. keys_match() gives each such item the key of the stored item it is,
 * by content first and position last:
 *   1. the same action text as the stored item's document text (base) or current text — nearest
 *      position first when several are equal;
 *   2. then the most similar remaining pair, by the words they share (Jaccard over lowercased words),
 *      best pairs first, when they share at least half their words (an edited word or two);
 *   3. then, at the same position, a pair that shares at least a fifth of its words;
 *   4. anything left is new and gets the next free number (above every stored and written key).
 * Passes 2 and 3 run only when at most 250,000 pairs are left (else the leftovers are new).
 * Candidates are the stored items whose key is not written in the document. Removed stored items are
 * candidates too (a bullet that comes back is the same item, restored). Pure: no database.
 */
#ifndef TRACKER_ITEMKEYS_H
#define TRACKER_ITEMKEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "import.h"

struct key_cand {
	const char *key;
	const char *base_action; /* as last imported */
	const char *action;      /* current (may have been edited in the tracker) */
	int position;
	bool removed;
};

/* Fills out[i] (malloc'd) with the key doc->items[i] is to have: its own key when written, the
 * matched or a new key when key_auto. Returns 0, or -1 if out of memory (nothing allocated). */
int keys_match(const struct import_doc *doc, const struct key_cand *cands, size_t ncands, char ***out);
void keys_free(char **keys, size_t n);

#endif
