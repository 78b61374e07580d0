/*
 * bench_parse — the Markdown parser alone, for the import benchmark: reads every *.md file of a
 * directory (one at a time, into one reused buffer) and parses it with cmark-gfm (tables and
 * strikethrough attached, source positions on: exactly what tracker's importer asks of it), then frees
 * the tree. Nothing is walked: this is the parser's own cost.
 *
 *   bench_parse DIR
 *
 * Prints "parse: FILES files, BYTES bytes, read+parse S s, parse S s".
 */
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bench_parse DIR\n");
		return 2;
	}
	DIR *d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "bench_parse: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	cmark_gfm_core_extensions_ensure_registered();
	cmark_syntax_extension *table = cmark_find_syntax_extension("table");
	cmark_syntax_extension *strike = cmark_find_syntax_extension("strikethrough");
	size_t cap = 1 << 16, files = 0, bytes = 0;
	char *data = malloc(cap);
	double t0 = now_s(), parse = 0;
	struct dirent *e;
	char path[4096];
	int rc = 0;
	while (data && (e = readdir(d))) {
		size_t nl = strlen(e->d_name);
		if (nl < 4 || strcmp(e->d_name + nl - 3, ".md") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f) {
			fprintf(stderr, "bench_parse: %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		size_t len = 0, n;
		while ((n = fread(data + len, 1, cap - len, f)) > 0) {
			len += n;
			if (len == cap) {
				char *bigger = realloc(data, cap * 2);
				if (!bigger)
					break;
				data = bigger;
				cap *= 2;
			}
		}
		fclose(f);
		double p0 = now_s();
		cmark_parser *p = cmark_parser_new(CMARK_OPT_SOURCEPOS);
		cmark_parser_attach_syntax_extension(p, table);
		cmark_parser_attach_syntax_extension(p, strike);
		cmark_parser_feed(p, data, len);
		cmark_node *doc = cmark_parser_finish(p);
		if (!doc) {
			fprintf(stderr, "bench_parse: %s: parse failed\n", path);
			cmark_parser_free(p);
			rc = 1;
			break;
		}
		cmark_node_free(doc);
		cmark_parser_free(p);
		parse += now_s() - p0;
		files++;
		bytes += len;
	}
	closedir(d);
	free(data);
	printf("parse: %zu files, %zu bytes, read+parse %.3f s, parse %.3f s\n", files, bytes, now_s() - t0,
	       parse);
	return rc;
}
