/*
 * sections — which headings open an action section (issue 9, §3).
 *
 * A heading's cleaned text is reduced to words: ASCII lowercased; '&' is "and"; apostrophes are
 * dropped ("what's" → "whats"); hyphens, slashes, dots, colons and other ASCII punctuation separate
 * words ("Follow-ups" → "follow ups"; "followups"/"followup" are spelt "follow ups"/"follow up",
 * "todo" "to do"); letters of any script are kept; any other non-ASCII character (an emoji) is a word
 * of its own that matches nothing. Leading section numbers ("7.", "7.3", "VII.") and emoji, trailing
 * emoji, a trailing colon and a trailing "(...)" are removed first.
 *
 * The words then match when they are one of the vocabulary's phrases (section_vocabulary()),
 * optionally after qualifier words ("Open", "Key", "Long-term", "Proposed", "Follow-up" …, at most
 * three), or when they are two parts joined by "and" / "&" / "/" / "," of which one part matches
 * ("Lessons Learned and Action Items"). "…improvements" takes any one or two words before it ("Process
 * improvements"). A few phrases take any words after them ("What we are doing about it…"). Headings of
 * more than 16 words never match. The vocabulary is listed in docs/import.md; `[import]
 * action_headings` adds phrases, which match the same way.
 */
#ifndef TRACKER_SECTIONS_H
#define TRACKER_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* True if the heading opens an action section. `extra` is a NULL-terminated list of phrases from the
 * configuration (any spelling: they are reduced to words the same way), or NULL. */
bool section_is_action_heading(const char *text, const char *const *extra);

/* The built-in phrases, NULL-terminated, as words ("action items"); for docs and tests. */
const char *const *section_vocabulary(void);

/* Reduces `text` to its words joined by single spaces (see above) into out; false if it does not fit
 * or has more than 16 words. Exposed for tests and for the configuration check. */
bool section_words(const char *text, char *out, size_t outsz);

#endif
