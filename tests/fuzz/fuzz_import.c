/*
 * fuzz_import — libFuzzer target for the post-mortem reader (input checks, cmark-gfm walk, import rules):
 * any bytes must give either an accepted document or a rejection with errors, never a crash, a leak
 * or a read out of bounds, and what is returned must hold the invariants import.h promises.
 *
 * Build: CC=clang cmake -DTRACKER_FUZZ=ON …; run: build/tests/fuzz_import tests/fuzz/corpus/import
 * -dict=tests/fuzz/import.dict (contrib/test.sh does this for a bounded time).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_span(struct span s, size_t size)
{
	check(s.start <= s.end && s.end <= size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_opts opts = {.max_size = 1 << 20, .date_order = DATE_ORDER_AUTO};
	struct import_doc doc;
	import_doc_init(&doc);
	int rc = import_parse_buffer("fuzz.md", (const char *)data, size, &opts, &doc);
	if (rc == 0) {
		check(doc.nerrors == 0);
		check(doc.inc.id != NULL && norm_is_incident_id(doc.inc.id));
		for (size_t i = 0; i < doc.nitems; i++) {
			const struct import_item *it = &doc.items[i];
			check(it->key != NULL && it->action != NULL);
			check(it->nowners >= 0 && (it->nowners == 0 || it->owners != NULL));
			check(it->priority == PRIORITY_NONE || (it->priority >= 0 && it->priority <= 3));
			check_span(it->span_status, size);
			check_span(it->span_due, size);
			check_span(it->span_owner, size);
			for (size_t j = 0; j < i; j++)
				check(strcmp(doc.items[j].key, it->key) != 0);
		}
	} else {
		check(rc == -1 && doc.nerrors > 0);
	}
	for (size_t i = 0; i < doc.ndiags; i++)
		check(doc.diags[i].msg != NULL);
	import_doc_release(&doc);
	return 0;
}
