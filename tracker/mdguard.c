/*
 * mdguard.c — the bound on cmark-gfm's parse (see mdguard.h): a linear pre-scan for the shapes that
 * are slow in cmark-gfm 0.29.0.gfm.6, and a trial parse in a child process with CPU, wall-time and
 * memory limits for the documents the pre-scan cannot clear.
 */
#include "mdguard.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "banned.h"

/* Refused at once: measured at about 1 s or more on their own (docs/import.md). */
#define HARD_CELLS ((size_t)500000)
#define HARD_COLS ((size_t)1000)
#define HARD_HTML_COST ((size_t)200000000)
/* Parsed in the child first. Ordinary post-mortems are far below: 10 columns × 100 rows. */
#define SOFT_LEN ((size_t)64 << 10)
#define SOFT_CELLS ((size_t)20000)
#define SOFT_COLS ((size_t)64)
#define SOFT_HTML_COST ((size_t)10000000)

#if defined(__SANITIZE_ADDRESS__)
#define MDGUARD_NO_AS_LIMIT 1 /* ASan reserves terabytes of address space */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define MDGUARD_NO_AS_LIMIT 1
#endif
#endif

static size_t sat_mul(size_t a, size_t b)
{
	return b && a > (size_t)-1 / b ? (size_t)-1 : a * b;
}

static size_t sat_add(size_t a, size_t b)
{
	return a > (size_t)-1 - b ? (size_t)-1 : a + b;
}

/* The counts for one table or paragraph are closed at a blank line (only spaces, tabs and `>`) or a
 * code fence; lines in a fenced code block count for nothing (pasted logs of `<?xml …` are common). */
void mdguard_scan(const char *data, size_t len, struct mdguard_scan *out)
{
	memset(out, 0, sizeof *out);
	unsigned lineno = 0;
	size_t cols = 0, rows = 0; /* the open table, cols 0 when none */
	unsigned tline = 0;
	size_t para_bytes = 0, openers = 0;
	unsigned pline = 0;
	size_t best = 0; /* cells of the largest table so far */
	char fence = 0;  /* the open code fence's character, 0 when none */
	size_t fence_len = 0;
	size_t i = 0;
	while (i <= len) {
		size_t start = i;
		while (i < len && data[i] != '\n' && data[i] != '\r')
			i++;
		size_t end = i;
		if (i < len && data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			i++;
		i++;
		lineno++;
		bool last = i > len;
		size_t s = start;
		while (s < end && (data[s] == ' ' || data[s] == '\t' || data[s] == '>'))
			s++;
		bool blank = s == end;
		if (!blank && (data[s] == '`' || data[s] == '~')) {
			size_t run = 0;
			while (s + run < end && data[s + run] == data[s])
				run++;
			if (run >= 3 && (!fence || (data[s] == fence && run >= fence_len))) {
				fence_len = fence ? 0 : run;
				fence = fence ? 0 : data[s];
				blank = true; /* a fence line ends a paragraph or a table */
			}
		}
		if (fence)
			blank = true; /* a fenced code block: nothing in it is parsed as inlines */
		if (!blank) {
			if (!para_bytes)
				pline = lineno;
			para_bytes += end - start + 1;
			for (size_t k = s; k + 1 < end; k++) {
				if (data[k] == '<' && data[k + 1] == '?')
					openers++;
				else if (data[k] == '<' && data[k + 1] == '!' && k + 2 < end &&
					 data[k + 2] == '[')
					openers++, k++; /* not the `![` inside */
				else if (data[k] == '!' && data[k + 1] == '[')
					openers++;
			}
			if (cols) {
				rows++;
			} else {
				/* A delimiter row: only | - : and blanks, with at least one | and one -. */
				size_t pipes = 0, dashes = 0;
				bool only = true;
				for (size_t k = s; k < end && only; k++) {
					char c = data[k];
					if (c == '|')
						pipes++;
					else if (c == '-')
						dashes++;
					else if (c != ':' && c != ' ' && c != '\t')
						only = false;
				}
				if (only && pipes && dashes) {
					cols = pipes + 1;
					rows = 0;
					tline = lineno;
				}
			}
		}
		if (!blank && !last)
			continue;
		size_t cost = sat_mul(openers, para_bytes);
		if (cost > out->html_cost) {
			out->html_cost = cost;
			out->html_line = pline;
		}
		para_bytes = openers = 0;
		if (cols) {
			size_t cells = sat_mul(cols, rows + 2);
			out->table_cells = sat_add(out->table_cells, cells);
			if (cols > out->table_cols)
				out->table_cols = cols;
			if (cells > best) {
				best = cells;
				out->table_line = tline;
			}
		}
		cols = rows = 0;
	}
}

/* The child's allocator for cmark: counts the bytes it holds and ends the child (exit 4) past
 * MDGUARD_MEM_MB. It works under ASan too, where RLIMIT_AS cannot be used. The counter is the only
 * mutable static of the module and lives only in the single-threaded child. */
static size_t child_used;

static void *child_grew(void *p, size_t before)
{
	if (!p)
		_exit(4);
	child_used += malloc_usable_size(p) - before;
	if (child_used > ((size_t)MDGUARD_MEM_MB << 20))
		_exit(4);
	return p;
}

static void *child_calloc(size_t n, size_t size)
{
	return child_grew(calloc(n, size), 0);
}

static void *child_realloc(void *p, size_t size)
{
	size_t before = p ? malloc_usable_size(p) : 0;
	void *q = realloc(p, size);
	if (q)
		child_used -= before;
	return child_grew(q, 0);
}

static void child_free(void *p)
{
	if (p)
		child_used -= malloc_usable_size(p);
	free(p);
}

/* The trial parse, in the child: exactly the importer's parser and options (parse.c). */
static void child_parse(const char *data, size_t len)
{
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0)
		dup2(devnull, STDERR_FILENO); /* cmark says "calloc returned null pointer" there */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL); /* `tracker serve` blocks signals for sigwait */
	signal(SIGXCPU, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	signal(SIGPROF, SIG_DFL);
	struct rlimit r = {0, 0};
	setrlimit(RLIMIT_CORE, &r);
	r.rlim_cur = 1; /* a second line of defence: SIGXCPU, then SIGKILL */
	r.rlim_max = 2;
	setrlimit(RLIMIT_CPU, &r);
#ifndef MDGUARD_NO_AS_LIMIT
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	if (pages) {
		r.rlim_cur = r.rlim_max =
		    (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)MDGUARD_MEM_MB << 20);
		setrlimit(RLIMIT_AS, &r);
	}
#endif
	struct itimerval cpu = {.it_value = {0, MDGUARD_CPU_MS * 1000}};
	setitimer(ITIMER_PROF, &cpu, NULL); /* SIGPROF ends the child after that much CPU */
	alarm(MDGUARD_WALL_S);
	cmark_gfm_core_extensions_ensure_registered();
	cmark_mem mem = {child_calloc, child_realloc, child_free};
	cmark_parser *p = cmark_parser_new_with_mem(CMARK_OPT_SOURCEPOS, &mem);
	if (!p)
		_exit(3);
	cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension("table"));
	cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension("strikethrough"));
	cmark_parser_feed(p, data, len);
	cmark_node *root = cmark_parser_finish(p);
	_exit(root ? 0 : 3); /* no need to free: the process ends */
}

static int trial_parse(const char *data, size_t len, char *why, size_t whylen)
{
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "cannot check the document's Markdown in a child process: %s",
			 strerror(errno));
		return -1;
	}
	if (pid == 0)
		child_parse(data, len);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(why, whylen, "cannot check the document's Markdown: waitpid: %s",
				 strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (sig == SIGPROF || sig == SIGXCPU || sig == SIGKILL || sig == SIGALRM)
		snprintf(why, whylen,
			 "the Markdown parser needed over %.2f s for this document (a shape that is slow in "
			 "cmark-gfm 0.29, see docs/import.md): not imported",
			 sig == SIGALRM ? (double)MDGUARD_WALL_S : MDGUARD_CPU_MS / 1000.0);
	else
		snprintf(why, whylen,
			 "the Markdown parser needed over %d MB for this document (see docs/import.md): not "
			 "imported",
			 MDGUARD_MEM_MB);
	return -1;
}

int mdguard_check(const char *data, size_t len, char *why, size_t whylen, unsigned *line)
{
	struct mdguard_scan sc;
	mdguard_scan(data, len, &sc);
	*line = 0;
	if (sc.table_cols > HARD_COLS) {
		*line = sc.table_line;
		snprintf(why, whylen, "a table with %zu columns: over the %zu this importer parses",
			 sc.table_cols, HARD_COLS);
		return -1;
	}
	if (sc.table_cells > HARD_CELLS) {
		*line = sc.table_line;
		snprintf(why, whylen,
			 "tables of about %zu cells (columns × rows; a line after a table without a blank "
			 "line is a row): over the %zu this importer parses",
			 sc.table_cells, HARD_CELLS);
		return -1;
	}
	if (sc.html_cost > HARD_HTML_COST) {
		*line = sc.html_line;
		snprintf(why, whylen,
			 "a paragraph with too many unclosed `<?`, `<![` or `![` for the Markdown parser "
			 "(quadratic in cmark-gfm 0.29): not imported");
		return -1;
	}
	if (len > SOFT_LEN || sc.table_cells > SOFT_CELLS || sc.table_cols > SOFT_COLS ||
	    sc.html_cost > SOFT_HTML_COST)
		return trial_parse(data, len, why, whylen);
	return 0;
}
