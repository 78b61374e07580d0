/*
 * suggest — "did you mean …?" for a mistyped word: the nearest of a list of known words by edit
 * distance (optimal string alignment: insertions, deletions, substitutions and swaps of two adjacent
 * letters each cost 1, so "form" is one step from "from"). Used for unknown configuration keys and
 * sections, commands and verbs.
 */
#ifndef TRACKER_SUGGEST_H
#define TRACKER_SUGGEST_H

#include <stddef.h>

/* The edit distance between a and b (ASCII case-sensitive); SIZE_MAX for words over 64 bytes. */
size_t suggest_distance(const char *a, const char *b);
/* The known word nearest to `word`, or NULL when none is close enough to be a typo: at most 1 edit
 * for words of up to 4 letters, 2 for longer ones, and never the whole word. Ties go to the first in
 * the list. */
const char *suggest_nearest(const char *word, const char *const *known, size_t n);

#endif
