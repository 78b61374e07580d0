/*
 * lists.c — action items written as lists (issue 9, §2): reading a list of an action section into
 * raw items (the cmark-gfm side), and taking the fields people write inside an item's sentence out of
 * its text (the pure side, lists_fields()). The rules that make import items of them are in rules.c.
 *
 * A top-level list item is one action; its nested items and its further paragraphs are details. An
 * item whose text is only a label (it ends with ':' and has a nested list) is not an action: its
 * nested items are. The walk keeps its own stack of list cursors and reads details with cmark's
 * iterator, so nesting depth costs heap, never C stack. Details are capped (DETAILS_MAX entries of
 * DETAIL_BYTES each, LINKS_MAX links) so a hostile list cannot make one item huge.
 */
#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "import_raw.h"
#include "normalize.h"
#include "banned.h"

#define DETAILS_MAX 100
#define DETAIL_BYTES 2000
#define LINKS_MAX 50
#define FIELDS_MAX 8192 /* longer item texts: only status markers at either end are read */

struct lw {
	struct raw_doc *raw;
	int t_strike;
	struct buf b;
	bool oom;
	struct raw_litem *cur; /* links go here */
};

static bool is_strike(struct lw *w, cmark_node *n)
{
	int t = (int)cmark_node_get_type(n);
	if (w->t_strike != (int)CMARK_NODE_NONE)
		return t == w->t_strike;
	const char *name = cmark_node_get_type_string(n);
	if (name && !strcmp(name, "strikethrough")) {
		w->t_strike = t;
		return true;
	}
	return false;
}

static void add_link(struct lw *w, const char *url, size_t n)
{
	struct raw_litem *li = w->cur;
	if (!li || n == 0 || li->nlinks >= LINKS_MAX)
		return;
	for (size_t i = 0; i < li->nlinks; i++)
		if (strlen(li->links[i]) == n && !memcmp(li->links[i], url, n))
			return;
	char **nl = realloc(li->links, (li->nlinks + 1) * sizeof *nl);
	if (!nl) {
		w->oom = true;
		return;
	}
	li->links = nl;
	if (!(nl[li->nlinks] = strndup(url, n))) {
		w->oom = true;
		return;
	}
	li->nlinks++;
}

/* Length of a URL starting at s ("http://" or "https://"), up to white space or '<' '>'; trailing
 * punctuation that ends a sentence (".,;:!?)") is not part of it. 0 if s is not a URL. */
static size_t url_len(const char *s)
{
	if (strncasecmp(s, "http://", 7) && strncasecmp(s, "https://", 8))
		return 0;
	size_t n = 0;
	while (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '\n' && s[n] != '<' && s[n] != '>')
		n++;
	while (n > 0 && strchr(".,;:!?)'\"", s[n - 1]))
		n--;
	return n;
}

static void bare_links(struct lw *w, const char *s)
{
	for (const char *p = s; *p; p++) {
		if ((*p == 'h' || *p == 'H') &&
		    (p == s || !((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z')))) {
			size_t n = url_len(p);
			if (n) {
				add_link(w, p, n);
				p += n - 1;
			}
		}
	}
}

/* The cleaned inline text of one block (paragraph or heading); links are collected. */
static char *clean_block(struct lw *w, cmark_node *block, bool *struck)
{
	buf_reset(&w->b);
	int strike = 0;
	bool in = false, out = false;
	cmark_iter *it = cmark_iter_new(block);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (n == block)
			continue;
		if (is_strike(w, n)) {
			strike += ev == CMARK_EVENT_ENTER ? 1 : -1;
			continue;
		}
		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (cmark_node_get_type(n) == CMARK_NODE_IMAGE) {
			cmark_iter_reset(it, n, CMARK_EVENT_EXIT); /* a picture is not text */
			continue;
		}
		const char *lit = NULL;
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_LINK: {
			const char *url = cmark_node_get_url(n);
			if (url)
				add_link(w, url, strlen(url));
			break;
		}
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			lit = cmark_node_get_literal(n);
			if (lit && cmark_node_get_type(n) == CMARK_NODE_TEXT)
				bare_links(w, lit);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			lit = " ";
			break;
		default:
			break;
		}
		if (lit && *lit) {
			/* a leading task box "[ ] " is not text that could be struck through */
			bool box = w->b.len == 0 && lit[0] == '[' &&
				   (lit[1] == ' ' || lit[1] == 'x' || lit[1] == 'X') && lit[2] == ']' &&
				   strspn(lit + 3, " \t") == strlen(lit + 3);
			if (buf_adds(&w->b, lit) < 0)
				w->oom = true;
			bool visible = !box && strspn(lit, " \t") < strlen(lit);
			if (visible && strike > 0)
				in = true;
			else if (visible)
				out = true;
		}
	}
	cmark_iter_free(it);
	if (struck)
		*struck = in && !out;
	char *t = norm_text(buf_cstr(&w->b), w->b.len);
	if (!t)
		w->oom = true;
	return t;
}

static void add_detail(struct lw *w, struct raw_litem *li, char *text)
{
	/* a detail that is only a URL is a link, not a detail (it was collected already) */
	size_t ul = url_len(text);
	if (!*text || (ul && ul == strlen(text))) {
		free(text);
		return;
	}
	if (li->ndetails >= DETAILS_MAX) {
		free(text);
		return;
	}
	if (strlen(text) > DETAIL_BYTES) {
		size_t cut = DETAIL_BYTES;
		while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
			cut--; /* never split a UTF-8 sequence */
		memcpy(text + cut, "\xE2\x80\xA6", 4);
	}
	char **nd = realloc(li->details, (li->ndetails + 1) * sizeof *nd);
	if (!nd) {
		free(text);
		w->oom = true;
		return;
	}
	li->details = nd;
	nd[li->ndetails++] = text;
}

/* Details: every paragraph or heading below `from` and its following siblings, in order. */
static void read_details(struct lw *w, struct raw_litem *li, cmark_node *from)
{
	for (cmark_node *c = from; c && !w->oom; c = cmark_node_next(c)) {
		cmark_iter *it = cmark_iter_new(c);
		cmark_event_type ev;
		while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
			if (ev != CMARK_EVENT_ENTER)
				continue;
			cmark_node *n = cmark_iter_get_node(it);
			cmark_node_type t = cmark_node_get_type(n);
			if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING) {
				char *text = clean_block(w, n, NULL);
				if (text)
					add_detail(w, li, text);
				if (cmark_node_first_child(n))
					cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
			} else if (t == CMARK_NODE_CODE_BLOCK || t == CMARK_NODE_HTML_BLOCK) {
				/* never read */
			}
		}
		cmark_iter_free(it);
	}
}

/* A paragraph that is only emphasis ("**Short term**", "_Monitoring_"): a label when a list follows. */
static bool only_emphasis(cmark_node *para)
{
	int n = 0;
	bool emph = false;
	for (cmark_node *c = cmark_node_first_child(para); c; c = cmark_node_next(c)) {
		cmark_node_type t = cmark_node_get_type(c);
		if (t == CMARK_NODE_TEXT) {
			const char *lit = cmark_node_get_literal(c);
			if (lit && strspn(lit, " \t:") == strlen(lit))
				continue;
		}
		n++;
		emph = t == CMARK_NODE_STRONG || t == CMARK_NODE_EMPH;
	}
	return n == 1 && emph;
}

static bool has_sublist(cmark_node *item)
{
	for (cmark_node *c = cmark_node_first_child(item); c; c = cmark_node_next(c))
		if (cmark_node_get_type(c) == CMARK_NODE_LIST)
			return true;
	return false;
}

static int push_litem(struct raw_doc *raw, const struct raw_litem *li)
{
	if ((raw->nlitems & (raw->nlitems - 1)) == 0) {
		size_t ncap = raw->nlitems ? raw->nlitems * 2 : 8;
		struct raw_litem *nv = realloc(raw->litems, ncap * sizeof *nv);
		if (!nv)
			return -1;
		raw->litems = nv;
	}
	raw->litems[raw->nlitems++] = *li;
	return 0;
}

void raw_litem_release(struct raw_litem *li)
{
	free(li->text);
	for (size_t i = 0; i < li->ndetails; i++)
		free(li->details[i]);
	free(li->details);
	for (size_t i = 0; i < li->nlinks; i++)
		free(li->links[i]);
	free(li->links);
	memset(li, 0, sizeof *li);
}

int lists_read(cmark_node *list, int t_strike, struct raw_doc *raw)
{
	struct lw w = {.raw = raw, .t_strike = t_strike};
	buf_init(&w.b, (size_t)16 << 20);
	/* a stack of cursors: the next item to read in each list being read */
	size_t depth = 0, cap = 16;
	cmark_node **stack = malloc(cap * sizeof *stack);
	if (!stack)
		return -1;
	stack[depth++] = cmark_node_first_child(list);
	while (depth && !w.oom) {
		cmark_node *item = stack[depth - 1];
		if (!item) {
			depth--;
			continue;
		}
		stack[depth - 1] = cmark_node_next(item);
		if (cmark_node_get_type(item) != CMARK_NODE_ITEM)
			continue;
		cmark_node *first = cmark_node_first_child(item);
		bool para = first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH;
		struct raw_litem li;
		memset(&li, 0, sizeof li);
		w.cur = &li;
		bool struck = false;
		li.text = para ? clean_block(&w, first, &struck) : strdup("");
		if (!li.text) {
			w.oom = true;
			break;
		}
		size_t tl = strlen(li.text);
		bool label = has_sublist(item) && (tl == 0 || li.text[tl - 1] == ':' || only_emphasis(first));
		if (label) {
			/* its nested lists' items are the items, in order: push them last-first */
			raw_litem_release(&li);
			size_t nsub = 0;
			for (cmark_node *c = cmark_node_first_child(item); c; c = cmark_node_next(c))
				nsub += cmark_node_get_type(c) == CMARK_NODE_LIST;
			if (depth + nsub > cap) {
				size_t ncap = (depth + nsub) * 2;
				cmark_node **ns = realloc(stack, ncap * sizeof *ns);
				if (!ns) {
					w.oom = true;
					break;
				}
				stack = ns;
				cap = ncap;
			}
			size_t at = depth + nsub;
			for (cmark_node *c = cmark_node_first_child(item); c; c = cmark_node_next(c))
				if (cmark_node_get_type(c) == CMARK_NODE_LIST)
					stack[--at] = cmark_node_first_child(c);
			depth += nsub;
			continue;
		}
		if (!tl) {
			raw_litem_release(&li);
			continue;
		}
		li.struck = struck;
		li.line = (unsigned)cmark_node_get_start_line(first);
		li.box_col = (unsigned)cmark_node_get_start_column(first);
		read_details(&w, &li, cmark_node_next(first));
		w.cur = NULL;
		if (w.oom || push_litem(raw, &li) < 0) {
			raw_litem_release(&li);
			w.oom = true;
		}
	}
	free(stack);
	buf_release(&w.b);
	return w.oom ? -1 : 0;
}

/* --- fields inside an item's text ------------------------------------------------------------ */

static bool is_word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       ((unsigned char)c & 0x80);
}

/* Replaces [b, e) of s with one space. */
static void cut(char *s, size_t b, size_t e)
{
	size_t n = strlen(s);
	if (e > n)
		e = n;
	if (b >= e)
		return;
	s[b] = ' ';
	memmove(s + b + 1, s + e, n - e + 1);
}

/* Case-insensitive: does s start with the lowercase ASCII word w? */
static bool ci_starts(const char *s, const char *w)
{
	return strncasecmp(s, w, strlen(w)) == 0;
}

static bool boundary_before(const char *s, const char *p)
{
	return p == s || !is_word_byte(p[-1]);
}

/* The status emoji at p (✅ ☑ ✔ with an optional VS16), its length in *len; 0 when none. */
static size_t done_emoji(const char *p)
{
	static const char *const em[] = {"\xE2\x9C\x85", "\xE2\x98\x91", "\xE2\x9C\x94", "\xE2\x9C\x93",
					 NULL};
	for (size_t i = 0; em[i]; i++) {
		size_t n = strlen(em[i]);
		if (!strncmp(p, em[i], n))
			return n + (strncmp(p + n, "\xEF\xB8\x8F", 3) ? 0 : 3);
	}
	return 0;
}

/* Other status emoji at the start of an item: 🚧 🔄 in progress, ⛔ blocked, ❌ 🚫 won't do, ⏳ open. */
static size_t other_emoji(const char *p, enum status *st)
{
	static const struct {
		const char *e;
		enum status s;
	} em[] = {{"\xF0\x9F\x9A\xA7", STATUS_IN_PROGRESS}, {"\xF0\x9F\x94\x84", STATUS_IN_PROGRESS},
		  {"\xE2\x9B\x94", STATUS_BLOCKED},         {"\xE2\x9D\x8C", STATUS_WONT_DO},
		  {"\xF0\x9F\x9A\xAB", STATUS_WONT_DO},     {"\xE2\x8F\xB3", STATUS_OPEN}};
	for (size_t i = 0; i < sizeof em / sizeof em[0]; i++) {
		size_t n = strlen(em[i].e);
		if (!strncmp(p, em[i].e, n)) {
			*st = em[i].s;
			return n + (strncmp(p + n, "\xEF\xB8\x8F", 3) ? 0 : 3);
		}
	}
	return 0;
}

static void set_status(struct list_fields *f, enum status st, const char *word, size_t n)
{
	if (f->status_set)
		return;
	f->status_set = true;
	f->status = st;
	free(f->status_word);
	f->status_word = strndup(word, n);
}

/* Leading markers: task box, ✅, DONE, Done:, TODO:, [DONE]. */
static void leading_status(char *s, struct list_fields *f)
{
	for (int round = 0; round < 3; round++) {
		size_t sp = strspn(s, " ");
		char *p = s + sp;
		size_t n = 0;
		enum status emoji_status;
		if (p[0] == '[' && (p[1] == ' ' || p[1] == 'x' || p[1] == 'X') && p[2] == ']' &&
		    (p[3] == ' ' || !p[3]) && !f->has_box && round == 0) {
			f->has_box = true;
			set_status(f, p[1] == ' ' ? STATUS_OPEN : STATUS_DONE, p, 3);
			n = 3;
		} else if ((n = done_emoji(p)) > 0) {
			set_status(f, STATUS_DONE, p, n);
		} else if ((n = other_emoji(p, &emoji_status)) > 0) {
			set_status(f, emoji_status, p, n);
		} else if (!strncmp(p, "DONE", 4) && !is_word_byte(p[4])) {
			set_status(f, STATUS_DONE, p, 4);
			n = 4;
		} else if (!strncmp(p, "TODO", 4) && !is_word_byte(p[4])) {
			set_status(f, STATUS_OPEN, p, 4);
			n = 4;
		} else if (ci_starts(p, "done:") || ci_starts(p, "[done]") || ci_starts(p, "(done)")) {
			n = p[0] == 'd' || p[0] == 'D' ? 5 : 6;
			set_status(f, STATUS_DONE, p, n);
		} else if (ci_starts(p, "completed:")) {
			set_status(f, STATUS_DONE, p, 10);
			n = 10;
		} else {
			return;
		}
		/* the marker and a separator after it: "DONE - x", "DONE: x" */
		size_t e = sp + n;
		while (s[e] == ' ' || s[e] == ':' || s[e] == '-')
			e++;
		if (!strncmp(s + e, "\xE2\x80\x93 ", 4) || !strncmp(s + e, "\xE2\x80\x94 ", 4))
			e += 4;
		memmove(s, s + e, strlen(s + e) + 1);
	}
}

/* Trailing markers: "(done)", "(completed)", "[done]", "DONE", "- done", ✅, ". Done in grafana." */
static void trailing_status(char *s, struct list_fields *f)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '.'))
		n--;
	static const char *const paren[] = {"(done)", "(completed)", "[done]", "(complete)", "(fixed)", NULL};
	for (size_t i = 0; paren[i]; i++) {
		size_t k = strlen(paren[i]);
		if (n >= k && !strncasecmp(s + n - k, paren[i], k)) {
			set_status(f, STATUS_DONE, s + n - k, k);
			s[n - k] = '\0';
			return;
		}
	}
	if (n >= 4 && !strncmp(s + n - 4, "DONE", 4) && (n == 4 || !is_word_byte(s[n - 5]))) {
		set_status(f, STATUS_DONE, s + n - 4, 4);
		s[n - 4] = '\0';
		return;
	}
	if (n >= 6 && !strncasecmp(s + n - 6, " -done", 6)) {
		set_status(f, STATUS_DONE, s + n - 4, 4);
		s[n - 6] = '\0';
		return;
	}
	if (n >= 7 && !strncasecmp(s + n - 7, " - done", 7)) {
		set_status(f, STATUS_DONE, s + n - 4, 4);
		s[n - 7] = '\0';
		return;
	}
	/* a trailing ✅ */
	for (size_t back = 3; back <= 6 && back <= n; back++) {
		size_t k = done_emoji(s + n - back);
		if (k == back) {
			set_status(f, STATUS_DONE, s + n - back, back);
			s[n - back] = '\0';
			return;
		}
	}
	/* a short last sentence that says it is done: "… limit. Done in grafana." */
	for (size_t i = n; i > 1; i--) {
		if (s[i - 1] != ' ' || (s[i - 2] != '.' && s[i - 2] != ';'))
			continue;
		const char *last = s + i;
		if (!ci_starts(last, "done") || is_word_byte(last[4]))
			break;
		int words = 1;
		for (const char *q = last; q < s + n; q++)
			words += *q == ' ';
		if (words <= 6) {
			set_status(f, STATUS_DONE, last, (size_t)(s + n - last));
			s[i - 1] = '\0';
		}
		break;
	}
}

static void priority_field(char *s, struct list_fields *f)
{
	for (char *p = s; *p; p++) {
		if ((*p != 'P' && *p != 'p') || !boundary_before(s, p) || p[1] < '0' || p[1] > '3' ||
		    is_word_byte(p[2]))
			continue;
		/* "P1" as a word; "[P1]" or "(P1)" around it go too */
		size_t b = (size_t)(p - s), e = b + 2;
		if (b > 0 && (s[b - 1] == '[' || s[b - 1] == '(') && (s[e] == ']' || s[e] == ')'))
			b--, e++;
		f->priority = p[1] - '0';
		cut(s, b, e);
		return;
	}
}

/* The longest run of 1..6 words at p that norm_due reads as a date (or a date-shaped mistake). */
static size_t date_run(const char *p)
{
	size_t best = 0;
	const char *q = p;
	for (int words = 0; words < 6 && *q; words++) {
		while (*q == ' ')
			q++;
		while (*q && *q != ' ' && *q != ')' && *q != ';')
			q++;
		size_t n = (size_t)(q - p);
		while (n && strchr(".,:", p[n - 1]))
			n--;
		if (n == 0 || n > 64)
			break;
		char tmp[72];
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		int32_t d;
		enum due_result r = norm_due(tmp, 2000, DATE_ORDER_AUTO, &d);
		if (r == DUE_OK || r == DUE_AMBIGUOUS || r == DUE_INVALID)
			best = n;
		if (*q == ')' || *q == ';')
			break;
	}
	return best;
}

static int due_field(char *s, struct list_fields *f)
{
	static const char *const kw[] = {
	    "due by",    "due date:", "due date",     "due on",      "due:",    "due",  "by:", "by",
	    "deadline:", "deadline",  "target date:", "target date", "target:", "eta:", "eta", NULL};
	for (char *p = s; *p; p++) {
		if (!boundary_before(s, p))
			continue;
		for (size_t k = 0; kw[k]; k++) {
			size_t kl = strlen(kw[k]);
			if (strncasecmp(p, kw[k], kl) || (kw[k][kl - 1] != ':' && is_word_byte(p[kl])))
				continue;
			char *v = p + kl;
			while (*v == ' ' || *v == ':')
				v++;
			size_t n = date_run(v);
			if (!n)
				continue;
			if (!(f->due_text = strndup(v, n)))
				return -1;
			size_t b = (size_t)(p - s), e = (size_t)(v - s) + n;
			/* "(by Friday 2026-10-16)": the parentheses go with it */
			if (b > 0 && s[b - 1] == '(' && s[e] == ')')
				b--, e++;
			cut(s, b, e);
			return 0;
		}
	}
	return 0;
}

/* "Status: Done" / "(status: in progress)" inside the text: a known status word sets the status. */
static void status_field(char *s, struct list_fields *f)
{
	for (char *p = s; *p; p++) {
		if (!boundary_before(s, p) || strncasecmp(p, "status:", 7))
			continue;
		char *v = p + 7;
		while (*v == ' ')
			v++;
		char *e = v;
		while (*e && e - v < 40 && *e != ';' && *e != ')' && *e != ']' && *e != '|' && *e != ',' &&
		       !(e[0] == '.' && (e[1] == ' ' || !e[1])))
			e++;
		char save = *e;
		*e = '\0';
		bool known = false;
		enum status st = norm_status(v, &known);
		bool empty = !*v;
		*e = save;
		if (!known || empty)
			continue;
		f->status_set = false; /* written out in words: it wins over a marker */
		set_status(f, st, v, (size_t)(e - v));
		size_t b = (size_t)(p - s), en = (size_t)(e - s);
		if (b > 0 && (s[b - 1] == '(' || s[b - 1] == '[') && (s[en] == ')' || s[en] == ']'))
			b--, en++;
		cut(s, b, en);
		return;
	}
}

static int add_owner(struct list_fields *f, const char *p, size_t n)
{
	for (int i = 0; i < f->nowners; i++)
		if (strlen(f->owners[i]) == n && !memcmp(f->owners[i], p, n))
			return 0;
	char **no = realloc(f->owners, (size_t)(f->nowners + 1) * sizeof *no);
	if (!no)
		return -1;
	f->owners = no;
	if (!(no[f->nowners] = strndup(p, n)))
		return -1;
	f->nowners++;
	return 0;
}

static int add_owners_of(struct list_fields *f, const char *text)
{
	char **v = NULL;
	int n = norm_owners(text, &v);
	if (n < 0)
		return -1;
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = add_owner(f, v[i], strlen(v[i]));
	norm_owners_free(v, n);
	return rc;
}

/* The index of the person named [p, p+n) (handle or name, any case), -1 if none. */
static long person_at(const char *const *people, const char *p, size_t n)
{
	for (long i = 0; people && people[i]; i++)
		if (strlen(people[i]) == n && !strncasecmp(people[i], p, n))
			return i;
	return -1;
}

static int owner_fields(char *s, const char *const *people, const char *const *handles, struct list_fields *f)
{
	/* "Owner: X" / "Owners: X, Y" / "Owner - X": up to ';', ')', '|', ". " or the end */
	for (char *p = s; *p; p++) {
		if (!boundary_before(s, p) || !ci_starts(p, "owner"))
			continue;
		char *q = p + 5;
		bool plural = false;
		if (ci_starts(q, "s"))
			q++, plural = true;
		else if (ci_starts(q, "(s)"))
			q += 3, plural = true;
		char *v = q;
		bool colon = false;
		while (*v == ' ' || *v == ':' || *v == '-')
			colon |= *v++ != ' ';
		if (v == q)
			continue;
		/* "owner X" without a colon only as an annotation: "(owner @x)", ", owner Bob", "- owner x",
		 * or when X is a handle ("Product Owners about …" is prose) */
		bool annot =
		    p > s && (p[-1] == '(' || (p - s >= 2 && (p[-2] == ',' || p[-2] == '-' || p[-2] == ';')));
		if (!colon && (plural || (!annot && *v != '@')))
			continue;
		char *e = v;
		if (colon) {
			while (*e && *e != ';' && *e != ')' && *e != ']' && *e != '|' &&
			       !(e[0] == '.' && (e[1] == ' ' || !e[1])))
				e++;
		} else {
			/* "owner X": one handle or word */
			size_t hl = norm_handle_at(e, e + strlen(e));
			if (hl)
				e += hl;
			else
				while (*e && is_word_byte(*e))
					e++;
		}
		if (e == v)
			continue;
		char save = *e;
		*e = '\0';
		int rc = add_owners_of(f, v);
		*e = save;
		if (rc < 0)
			return -1;
		size_t b = (size_t)(p - s), en = (size_t)(e - s);
		if (b > 0 && s[b - 1] == '(' && s[en] == ')')
			b--, en++;
		cut(s, b, en);
		break;
	}
	/* @handles anywhere */
	for (char *p = s; *p; p++) {
		if (*p != '@' || (p > s && (is_word_byte(p[-1]) || p[-1] == '.' || p[-1] == '-')))
			continue;
		size_t hl = norm_handle_at(p, p + strlen(p));
		if (!hl)
			continue;
		if (add_owner(f, p + 1, hl - 1) < 0)
			return -1;
		cut(s, (size_t)(p - s), (size_t)(p - s) + hl);
	}
	/* "(X)" or "(X, Y)" when every name is a known person */
	for (char *p = s; people && *p; p++) {
		if (*p != '(')
			continue;
		char *e = strchr(p, ')');
		if (!e)
			break;
		bool all = e > p + 1;
		for (char *a = p + 1; a < e && all;) {
			char *b = a;
			while (b < e && *b != ',' && *b != '/' && *b != '&')
				b++;
			char *x = a, *y = b;
			while (x < y && *x == ' ')
				x++;
			while (y > x && y[-1] == ' ')
				y--;
			if (y - x > 4 && !strncasecmp(x, "and ", 4))
				x += 4;
			all = y > x && person_at(people, x, (size_t)(y - x)) >= 0;
			a = b < e ? b + 1 : e;
		}
		if (!all)
			continue;
		for (char *a = p + 1; a < e;) {
			char *b = a;
			while (b < e && *b != ',' && *b != '/' && *b != '&')
				b++;
			char *x = a, *y = b;
			while (x < y && *x == ' ')
				x++;
			while (y > x && y[-1] == ' ')
				y--;
			if (y - x > 4 && !strncasecmp(x, "and ", 4))
				x += 4;
			long k = person_at(people, x, (size_t)(y - x));
			const char *who = handles && k >= 0 ? handles[k] : x;
			if (add_owner(f, who, handles && k >= 0 ? strlen(who) : (size_t)(y - x)) < 0)
				return -1;
			a = b < e ? b + 1 : e;
		}
		cut(s, (size_t)(p - s), (size_t)(e - s) + 1);
	}
	return 0;
}

/* An issue or pull-request URL: GitHub/GitLab/Gitea issues and pulls, Jira /browse/KEY-1, … */
static bool is_issue_url(const char *u, size_t n)
{
	static const char *const parts[] = {"/issues/", "/pull/",     "/pulls/",  "/merge_requests/",
					    "/browse/", "/tickets/",  "/ticket/", "show_bug.cgi",
					    "/bugs/",   "/-/issues/", NULL};
	for (size_t i = 0; parts[i]; i++) {
		size_t k = strlen(parts[i]);
		for (size_t j = 0; j + k <= n; j++)
			if (!memcmp(u + j, parts[i], k))
				return true;
	}
	return false;
}

static void link_fields(char *s)
{
	for (char *p = s; *p; p++) {
		if (!boundary_before(s, p))
			continue;
		size_t n = url_len(p);
		if (!n)
			continue;
		if (is_issue_url(p, n)) {
			size_t b = (size_t)(p - s), e = b + n;
			if (b > 0 && s[b - 1] == '<' && s[e] == '>')
				b--, e++;
			cut(s, b, e);
		} else {
			p += n - 1;
		}
	}
}

/* Tidies what is left: "(see )" and "()" go, spaces collapse, separators at the ends go. */
static void tidy(char *s)
{
	/* empty brackets, or ones left with only "see"/"cf." and separators */
	for (int round = 0; round < 4; round++) {
		bool again = false;
		for (char *p = s; *p; p++) {
			if (*p != '(' && *p != '[')
				continue;
			char close = *p == '(' ? ')' : ']';
			char *e = p + 1;
			while (*e && *e != close && *e != '(' && *e != '[')
				e++;
			if (*e != close)
				continue;
			bool empty = true;
			const char *q = p + 1;
			while (q < e && (*q == ' ' || *q == ',' || *q == ';' || *q == '-' || *q == ':'))
				q++;
			if (q < e && (ci_starts(q, "see") || ci_starts(q, "cf.") || ci_starts(q, "ref"))) {
				while (q < e && is_word_byte(*q))
					q++;
				if (*q == '.')
					q++;
			}
			while (q < e && (*q == ' ' || *q == ',' || *q == ';' || *q == '-' || *q == ':'))
				q++;
			empty = q == e;
			if (empty) {
				cut(s, (size_t)(p - s), (size_t)(e - s) + 1);
				again = true;
			}
		}
		if (!again)
			break;
	}
	/* collapse spaces, no space before , ; : . ) */
	size_t o = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == ' ' && (o == 0 || s[o - 1] == ' ' || s[o - 1] == '('))
			continue;
		if (strchr(",;:.)", s[i]) && s[i] && o > 0 && s[o - 1] == ' ')
			o--;
		if (s[i] == ',' && o > 0 && s[o - 1] == ',')
			continue;
		s[o++] = s[i];
	}
	s[o] = '\0';
	/* separators at either end */
	for (;;) {
		size_t n = strlen(s);
		if (n && strchr(" ,;:-|", s[n - 1])) {
			s[n - 1] = '\0';
			continue;
		}
		if (n >= 3 && (!strcmp(s + n - 3, "\xE2\x80\x94") || !strcmp(s + n - 3, "\xE2\x80\x93"))) {
			s[n - 3] = '\0';
			continue;
		}
		break;
	}
	size_t lead = strspn(s, " ,;:-|");
	memmove(s, s + lead, strlen(s + lead) + 1);
	/* a trailing " ," before a final '.' : "foo ,." is gone above; "foo,." → "foo." */
	size_t n = strlen(s);
	if (n >= 2 && s[n - 1] == '.' && (s[n - 2] == ',' || s[n - 2] == ';')) {
		s[n - 2] = '.';
		s[n - 1] = '\0';
	}
}

int lists_fields(const char *text, const char *const *people, const char *const *handles,
		 struct list_fields *f)
{
	memset(f, 0, sizeof *f);
	f->priority = PRIORITY_NONE;
	f->status = STATUS_OPEN;
	char *s = strdup(text);
	if (!s)
		return -1;
	leading_status(s, f);
	trailing_status(s, f);
	if (strlen(s) > FIELDS_MAX) {
		/* no one writes an action this long: its fields are not looked for, which keeps every
		 * pass below (each cut is a memmove) from going quadratic on hostile text */
		f->action = s;
		return 0;
	}
	status_field(s, f);
	priority_field(s, f);
	link_fields(s);
	if (due_field(s, f) < 0 || owner_fields(s, people, handles, f) < 0) {
		free(s);
		return -1;
	}
	tidy(s);
	trailing_status(s, f); /* "Fix it (@bob) (done)" once the owner is out */
	tidy(s);
	f->action = s;
	return 0;
}

void list_fields_release(struct list_fields *f)
{
	free(f->action);
	free(f->status_word);
	free(f->due_text);
	norm_owners_free(f->owners, f->nowners);
	memset(f, 0, sizeof *f);
}
