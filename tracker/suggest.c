/*
 * suggest.c — the nearest known word by edit distance (see suggest.h).
 */
#include "suggest.h"

#include <stdint.h>
#include <string.h>

#include "banned.h"

enum { MAX_WORD = 64 };

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

size_t suggest_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > MAX_WORD || m > MAX_WORD)
		return SIZE_MAX;
	/* three rows of the dynamic-programming table: i-2, i-1, i */
	size_t rows[3][MAX_WORD + 1];
	for (size_t j = 0; j <= m; j++)
		rows[1][j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t *cur = rows[(i + 1) % 3], *prev = rows[i % 3], *prev2 = rows[(i + 2) % 3];
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
	}
	return rows[(n + 1) % 3][m];
}

const char *suggest_nearest(const char *word, const char *const *known, size_t n)
{
	size_t len = strlen(word);
	size_t limit = len <= 4 ? 1 : 2;
	if (limit >= len)
		limit = len ? len - 1 : 0;
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t d = suggest_distance(word, known[i]);
		if (d < best_d) {
			best_d = d;
			best = known[i];
		}
	}
	return best && best_d <= limit && best_d > 0 ? best : NULL;
}
