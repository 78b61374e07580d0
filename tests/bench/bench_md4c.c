/*
 * bench_md4c — the Markdown parser alone, for the import benchmark: reads every *.md file of a
 * directory (one at a time, into one reused buffer) and runs md4c's md_parse() over it with the
 * GitHub dialect (tables, strikethrough) and callbacks that do nothing.
 *
 *   bench_md4c DIR
 *
 * Prints "md4c: FILES files, BYTES bytes, read+parse S s, parse S s".
 */
#include <dirent.h>
#include <errno.h>
#include <md4c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"

static int on_block(MD_BLOCKTYPE type, void *detail, void *user)
{
	(void)type;
	(void)detail;
	(void)user;
	return 0;
}

static int on_span(MD_SPANTYPE type, void *detail, void *user)
{
	(void)type;
	(void)detail;
	(void)user;
	return 0;
}

static int on_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *user)
{
	(void)type;
	(void)text;
	(void)size;
	(void)user;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bench_md4c DIR\n");
		return 2;
	}
	DIR *d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "bench_md4c: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	const MD_PARSER parser = {
	    .abi_version = 0,
	    .flags = MD_DIALECT_GITHUB,
	    .enter_block = on_block,
	    .leave_block = on_block,
	    .enter_span = on_span,
	    .leave_span = on_span,
	    .text = on_text,
	};
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
			fprintf(stderr, "bench_md4c: %s: %s\n", path, strerror(errno));
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
		if (md_parse(data, (MD_SIZE)len, &parser, NULL) != 0) {
			fprintf(stderr, "bench_md4c: %s: md_parse failed\n", path);
			rc = 1;
			break;
		}
		parse += now_s() - p0;
		files++;
		bytes += len;
	}
	closedir(d);
	free(data);
	printf("md4c: %zu files, %zu bytes, read+parse %.3f s, parse %.3f s\n", files, bytes, now_s() - t0,
	       parse);
	return rc;
}
