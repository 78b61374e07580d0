/*
 * frontmatter.c — YAML front matter with libyaml's document loader (see frontmatter.h).
 *
 * Only the top-level mapping is visited, and only scalar values or sequences of scalars under it,
 * without recursion: aliases are nodes libyaml shares, never copies, so an alias bomb costs nothing.
 */
#include "frontmatter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "buf.h"
#include "normalize.h"
#include "banned.h"

/* Length of the line starting at p (without its end) and the bytes of its end (0 at the end). */
static size_t line_len(const char *p, const char *e, size_t *eol)
{
	const char *q = p;
	while (q < e && *q != '\n' && *q != '\r')
		q++;
	*eol = q < e ? (*q == '\r' && q + 1 < e && q[1] == '\n' ? 2 : 1) : 0;
	return (size_t)(q - p);
}

static bool is_fence(const char *p, size_t n, const char *fence)
{
	if (n < 3 || memcmp(p, fence, 3))
		return false;
	for (size_t i = 3; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return false;
	return true;
}

/* The field a front-matter key names. */
static enum incident_field key_field(const char *key)
{
	char k[40];
	size_t o = 0;
	for (const char *p = key; *p && o + 1 < sizeof k; p++)
		if (*p != '_' && *p != '-' && *p != ' ')
			k[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	k[o] = '\0';
	if (!strcmp(k, "title"))
		return IF_TITLE;
	if (!strcmp(k, "id") || !strcmp(k, "incidentid"))
		return IF_ID;
	if (!strcmp(k, "authors") || !strcmp(k, "author") || !strcmp(k, "owner") || !strcmp(k, "owners"))
		return IF_AUTHORS;
	return norm_label(key);
}

static int set(struct raw_field *f, const char *v, size_t n, unsigned line)
{
	char *t = norm_text(v, n);
	if (!t)
		return -1;
	free(f->value);
	f->value = t;
	f->line = line;
	return 0;
}

static int read_mapping(yaml_document_t *ydoc, unsigned first_line, struct raw_field *out, size_t nfields,
			struct import_doc *doc)
{
	yaml_node_t *root = yaml_document_get_root_node(ydoc);
	if (!root)
		return 0; /* empty front matter */
	if (root->type != YAML_MAPPING_NODE) {
		import_diag(doc, DIAG_WARNING, first_line + (unsigned)root->start_mark.line,
			    "front matter is not a list of \"key: value\" lines: ignored");
		return 0;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(ydoc, p->key);
		yaml_node_t *v = yaml_document_get_node(ydoc, p->value);
		if (!k || !v || k->type != YAML_SCALAR_NODE)
			continue;
		enum incident_field f = key_field((const char *)k->data.scalar.value);
		if (f == IF_NONE || (size_t)f >= nfields || out[f].value)
			continue; /* unknown key, or the first of two spellings wins */
		unsigned line = first_line + (unsigned)v->start_mark.line;
		if (v->type == YAML_SCALAR_NODE) {
			if (set(&out[f], (const char *)v->data.scalar.value, v->data.scalar.length, line) < 0)
				return -1;
		} else if (v->type == YAML_SEQUENCE_NODE && f == IF_AUTHORS) {
			struct buf b;
			buf_init(&b, FRONTMATTER_MAX);
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++) {
				yaml_node_t *e = yaml_document_get_node(ydoc, *it);
				if (!e || e->type != YAML_SCALAR_NODE)
					continue;
				if ((b.len && buf_adds(&b, ", ") < 0) ||
				    buf_add(&b, e->data.scalar.value, e->data.scalar.length) < 0)
					break;
			}
			int rc = set(&out[f], buf_cstr(&b), b.len, line);
			buf_release(&b);
			if (rc < 0)
				return -1;
		} else {
			import_diag(doc, DIAG_WARNING, line,
				    "front matter \"%s\" is not a single value: ignored",
				    (const char *)k->data.scalar.value);
		}
	}
	return 0;
}

int frontmatter_read(const char *data, size_t len, struct frontmatter *fm, struct raw_field *out,
		     size_t nfields, struct import_doc *doc)
{
	memset(fm, 0, sizeof *fm);
	const char *p = data, *e = data + len;
	size_t eol, n = line_len(p, e, &eol);
	if (!is_fence(p, n, "---") || !eol)
		return 0;
	const char *yaml_start = p + n + eol;
	unsigned line = 2;
	for (const char *q = yaml_start; q < e; line++) {
		size_t ql = line_len(q, e, &eol);
		if (is_fence(q, ql, "---") || is_fence(q, ql, "...")) {
			size_t ylen = (size_t)(q - yaml_start);
			fm->skip = (size_t)(q + ql + eol - data);
			fm->skip_lines = line;
			if (ylen > FRONTMATTER_MAX) {
				import_diag(
				    doc, DIAG_WARNING, 1,
				    "front matter (lines 1-%u) is %zu bytes, over the %zu-byte limit: "
				    "not read (its fields are ignored)",
				    line, ylen, FRONTMATTER_MAX);
				return 0;
			}
			yaml_parser_t parser;
			yaml_document_t ydoc;
			if (!yaml_parser_initialize(&parser))
				return -1;
			yaml_parser_set_input_string(&parser, (const unsigned char *)yaml_start, ylen);
			yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
			int rc = 0;
			if (!yaml_parser_load(&parser, &ydoc)) {
				if (parser.error == YAML_MEMORY_ERROR) {
					rc = -1;
				} else {
					unsigned at = 2 + (unsigned)(parser.problem_mark.line);
					if (parser.error == YAML_READER_ERROR || at > line)
						at = 2;
					unsigned ctx = 2 + (unsigned)parser.context_mark.line;
					char where[64] = "";
					if (parser.context && ctx < at)
						snprintf(where, sizeof where, ", opened on line %u", ctx);
					import_diag(
					    doc, DIAG_WARNING, at,
					    "front matter is not valid YAML (%s%s%s%s): its fields are "
					    "ignored; the document is still imported",
					    parser.problem ? parser.problem : "syntax error",
					    parser.context ? " " : "", parser.context ? parser.context : "",
					    where);
				}
			} else {
				rc = read_mapping(&ydoc, 2, out, nfields, doc);
				yaml_document_delete(&ydoc);
			}
			yaml_parser_delete(&parser);
			return rc;
		}
		if (!eol)
			break;
		q += ql + eol;
	}
	import_diag(doc, DIAG_WARNING, 1,
		    "the first line \"---\" opens YAML front matter that is never closed (no \"---\" line "
		    "after it): the whole file is read as Markdown");
	return 0;
}
