/*
 * bench_cmark — the Markdown parser alone, for the import benchmark: reads every *.md file of a
 * directory (one at a time, into one reused buffer) and parses it with cmark-gfm exactly as the
 * importer does (tracker/parse.c: CMARK_OPT_SOURCEPOS, the table and strikethrough extensions), then
 * frees the tree without walking it.
 *
 *   bench_cmark DIR
 *
 * Prints "cmark-gfm: FILES files, BYTES bytes, read+parse S s, parse S s, cpu S s" (cpu: the
 * process's CPU time over read+parse).
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

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse(const char *data, size_t len)
{
	cmark_parser *p = cmark_parser_new(CMARK_OPT_SOURCEPOS);
	if (!p)
		return -1;
	cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension("table"));
	cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension("strikethrough"));
	cmark_parser_feed(p, data, len);
	cmark_node *root = cmark_parser_finish(p);
	cmark_parser_free(p);
	if (!root)
		return -1;
	cmark_node_free(root);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bench_cmark DIR\n");
		return 2;
	}
	DIR *d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "bench_cmark: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	cmark_gfm_core_extensions_ensure_registered();
	size_t cap = 1 << 16, files = 0, bytes = 0;
	char *data = malloc(cap);
	double t0 = now_s(), c0 = cpu_s(), parse_s = 0;
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
			fprintf(stderr, "bench_cmark: %s: %s\n", path, strerror(errno));
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
		if (parse(data, len) != 0) {
			fprintf(stderr, "bench_cmark: %s: parse failed\n", path);
			rc = 1;
			break;
		}
		parse_s += now_s() - p0;
		files++;
		bytes += len;
	}
	closedir(d);
	free(data);
	printf("cmark-gfm: %zu files, %zu bytes, read+parse %.3f s, parse %.3f s, cpu %.3f s\n", files, bytes,
	       now_s() - t0, parse_s, cpu_s() - c0);
	return rc;
}
