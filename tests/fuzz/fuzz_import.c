/*
 * fuzz_import — libFuzzer target for the post-mortem reader (input checks, cmark-gfm walk, import rules):
 * any bytes (YAML front matter included) must give either an accepted document or a rejection with errors,
 * never a crash, a leak or a read out of bounds, and what is returned must hold the invariants import.h
 * promises.
 *
 * Build: CC=clang cmake -DTRACKER_FUZZ=ON …; run: build/tests/fuzz_import tests/fuzz/corpus/import
 * -dict=tests/fuzz/import.dict (contrib/test.sh does this for a bounded time).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "import.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* A cell position is all zero (no such cell) or on a line of the input with ordered columns. */
static void check_pos(struct cellpos p, unsigned nlines)
{
	if (p.line == 0) {
		check(p.col_start == 0 && p.col_end == 0);
		return;
	}
	check(p.line <= nlines);
}

/* Lines as import.h counts them: CRLF, CR and LF each end one. */
static unsigned count_lines(const uint8_t *data, size_t size)
{
	unsigned n = 1;
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n')))
			n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_opts opts = {.max_size = 1 << 20, .date_order = DATE_ORDER_AUTO};
	struct import_doc doc;
	import_doc_init(&doc);
	int rc = import_parse_buffer("fuzz.md", (const char *)data, size, &opts, &doc);
	unsigned nlines = count_lines(data, size);
	if (rc == 0) {
		check(doc.nerrors == 0);
		/* an id as issue 9 defines it: written (a token of 1..64 letters, digits, ._#-, never a
		 * placeholder) or derived from the file name */
		check(doc.inc.id != NULL && ident_classify(doc.inc.id, true, NULL) == ID_OK);
		check(!doc.inc.id_derived || !strcmp(doc.inc.id, "fuzz"));
		check(doc.inc.title != NULL);
		for (size_t i = 0; i < doc.nitems; i++) {
			const struct import_item *it = &doc.items[i];
			check(it->key != NULL && it->action != NULL);
			check(it->nowners >= 0 && (it->nowners == 0 || it->owners != NULL));
			check(it->priority == PRIORITY_NONE || (it->priority >= 0 && it->priority <= 3));
			check(it->line >= 1 && it->line <= nlines);
			check_pos(it->pos_status, nlines);
			check_pos(it->pos_due, nlines);
			check_pos(it->pos_owner, nlines);
			for (size_t j = 0; j < i; j++)
				check(strcmp(doc.items[j].key, it->key) != 0);
		}
	} else {
		check(rc == -1 && doc.nerrors > 0);
	}
	for (size_t i = 0; i < doc.ndiags; i++)
		check(doc.diags[i].msg != NULL && doc.diags[i].line <= nlines);
	import_doc_release(&doc);
	return 0;
}
