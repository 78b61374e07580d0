/*
 * itemkeys.c — matching items without a written key to the stored items they are (see itemkeys.h).
 *
 * Exact matches use a sorted index (n log n). The similarity pass is quadratic in the items left
 * over after it, so it runs only when that product is at most PAIRS_MAX; beyond that, leftovers are
 * new items (a hostile document cannot make a re-import slow).
 */
#include "itemkeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define PAIRS_MAX 250000
#define WORDS_MAX 64

void keys_free(char **keys, size_t n)
{
	if (!keys)
		return;
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

struct ent {
	const char *text;
	size_t idx;
};

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->text, y->text);
	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Lowercased words of s as 64-bit hashes (FNV-1a), sorted and unique; returns the count. */
static int word_hashes(const char *s, unsigned long long *h)
{
	int n = 0;
	while (*s && n < WORDS_MAX) {
		while (*s && !(((unsigned char)*s >= 0x80) || (*s >= '0' && *s <= '9') ||
			       (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			s++;
		if (!*s)
			break;
		unsigned long long v = 1469598103934665603ULL;
		while (*s && (((unsigned char)*s >= 0x80) || (*s >= '0' && *s <= '9') ||
			      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) {
			char c = *s >= 'A' && *s <= 'Z' ? (char)(*s + 32) : *s;
			v = (v ^ (unsigned char)c) * 1099511628211ULL;
			s++;
		}
		h[n++] = v;
	}
	/* sort, unique */
	for (int i = 1; i < n; i++) {
		unsigned long long x = h[i];
		int j = i - 1;
		while (j >= 0 && h[j] > x) {
			h[j + 1] = h[j];
			j--;
		}
		h[j + 1] = x;
	}
	int u = 0;
	for (int i = 0; i < n; i++)
		if (!u || h[u - 1] != h[i])
			h[u++] = h[i];
	return u;
}

static double jaccard(const unsigned long long *a, int na, const unsigned long long *b, int nb)
{
	if (!na && !nb)
		return 1.0;
	int i = 0, j = 0, both = 0;
	while (i < na && j < nb) {
		if (a[i] == b[j])
			both++, i++, j++;
		else if (a[i] < b[j])
			i++;
		else
			j++;
	}
	return (double)both / (double)(na + nb - both);
}

struct pair {
	double score;
	size_t d, c;
	int dist;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	if (x->dist != y->dist)
		return x->dist - y->dist;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return (x->c > y->c) - (x->c < y->c);
}

static bool written_key(const struct import_doc *doc, const char *key)
{
	for (size_t i = 0; i < doc->nitems; i++)
		if (!doc->items[i].key_auto && !strcmp(doc->items[i].key, key))
			return true;
	return false;
}

int keys_match(const struct import_doc *doc, const struct key_cand *cands, size_t ncands, char ***out)
{
	size_t n = doc->nitems;
	int rc = -1;
	char **keys = calloc(n ? n : 1, sizeof *keys);
	long *match = malloc((n ? n : 1) * sizeof *match);        /* doc item → cand, -1 */
	bool *taken = calloc(ncands ? ncands : 1, sizeof *taken); /* cand used */
	struct ent *idx = malloc((ncands ? ncands : 1) * 2 * sizeof *idx);
	struct pair *pairs = NULL;
	unsigned long long(*dw)[WORDS_MAX] = NULL, (*cw)[WORDS_MAX] = NULL;
	int *dn = NULL, *cn = NULL;
	if (!keys || !match || !taken || !idx)
		goto out;
	bool any_auto = false;
	for (size_t i = 0; i < n; i++) {
		match[i] = -1;
		any_auto |= doc->items[i].key_auto;
	}
	/* candidates: stored items whose key is not written in the document */
	size_t ni = 0;
	for (size_t c = 0; any_auto && c < ncands; c++) {
		if (written_key(doc, cands[c].key)) {
			taken[c] = true;
			continue;
		}
		if (cands[c].base_action)
			idx[ni++] = (struct ent){cands[c].base_action, c};
		if (cands[c].action &&
		    (!cands[c].base_action || strcmp(cands[c].action, cands[c].base_action)))
			idx[ni++] = (struct ent){cands[c].action, c};
	}
	if (ni > 1)
		qsort(idx, ni, sizeof *idx, cmp_ent);
	/* 1. the same text, nearest position first */
	for (size_t i = 0; i < n && ni; i++) {
		if (!doc->items[i].key_auto)
			continue;
		const char *a = doc->items[i].action;
		size_t lo = 0, hi = ni;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(idx[mid].text, a) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		long best = -1;
		int bestd = 0;
		for (size_t k = lo; k < ni && !strcmp(idx[k].text, a); k++) {
			size_t c = idx[k].idx;
			if (taken[c])
				continue;
			int d = abs(cands[c].position - (int)i) + (cands[c].removed ? 1000000 : 0);
			if (best < 0 || d < bestd)
				best = (long)c, bestd = d;
		}
		if (best >= 0) {
			match[i] = best;
			taken[best] = true;
		}
	}
	/* 2. and 3. similar words, then the same position */
	size_t nd = 0, nc = 0;
	for (size_t i = 0; i < n; i++)
		nd += doc->items[i].key_auto && match[i] < 0;
	for (size_t c = 0; c < ncands; c++)
		nc += !taken[c];
	if (nd && nc && nd * nc <= PAIRS_MAX) {
		dw = malloc(n * sizeof *dw);
		dn = calloc(n, sizeof *dn);
		cw = malloc(ncands * sizeof *cw);
		cn = calloc(ncands, sizeof *cn);
		pairs = malloc(nd * nc * sizeof *pairs);
		if (!dw || !dn || !cw || !cn || !pairs)
			goto out;
		for (size_t i = 0; i < n; i++)
			if (doc->items[i].key_auto && match[i] < 0)
				dn[i] = word_hashes(doc->items[i].action, dw[i]);
		for (size_t c = 0; c < ncands; c++)
			if (!taken[c])
				cn[c] = word_hashes(cands[c].base_action ? cands[c].base_action : "", cw[c]);
		size_t np = 0;
		for (size_t i = 0; i < n; i++) {
			if (!doc->items[i].key_auto || match[i] >= 0)
				continue;
			for (size_t c = 0; c < ncands; c++) {
				if (taken[c])
					continue;
				double s = jaccard(dw[i], dn[i], cw[c], cn[c]);
				/* an action edited in the tracker counts too */
				if (cands[c].action && cands[c].base_action &&
				    strcmp(cands[c].action, cands[c].base_action)) {
					unsigned long long tmp[WORDS_MAX];
					int tn = word_hashes(cands[c].action, tmp);
					double s2 = jaccard(dw[i], dn[i], tmp, tn);
					if (s2 > s)
						s = s2;
				}
				int dist = abs(cands[c].position - (int)i);
				if (s >= 0.5 || (dist == 0 && s >= 0.2))
					pairs[np++] = (struct pair){s, i, c, dist};
			}
		}
		if (np > 1)
			qsort(pairs, np, sizeof *pairs, cmp_pair);
		for (size_t p = 0; p < np; p++) {
			if (match[pairs[p].d] >= 0 || taken[pairs[p].c])
				continue;
			match[pairs[p].d] = (long)pairs[p].c;
			taken[pairs[p].c] = true;
		}
	}
	/* 4. new keys above every stored and written key */
	unsigned long next = 0;
	for (size_t c = 0; c < ncands; c++) {
		char *end;
		unsigned long v = strtoul(cands[c].key, &end, 10);
		if (!*end && v > next)
			next = v;
	}
	for (size_t i = 0; i < n; i++) {
		char *end;
		unsigned long v = strtoul(doc->items[i].key, &end, 10);
		if (!doc->items[i].key_auto && !*end && v > next)
			next = v;
	}
	bool fresh = ncands == 0; /* a first import keeps the importer's 1..n */
	for (size_t i = 0; i < n; i++) {
		const struct import_item *it = &doc->items[i];
		if (!it->key_auto || fresh)
			keys[i] = strdup(it->key);
		else if (match[i] >= 0)
			keys[i] = strdup(cands[match[i]].key);
		else {
			char num[24];
			snprintf(num, sizeof num, "%lu", ++next);
			keys[i] = strdup(num);
		}
		if (!keys[i])
			goto out;
	}
	*out = keys;
	keys = NULL;
	rc = 0;
out:
	keys_free(keys, n);
	free(match);
	free(taken);
	free(idx);
	free(pairs);
	free(dw);
	free(dn);
	free(cw);
	free(cn);
	return rc;
}
