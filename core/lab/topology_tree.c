/* core/lab/topology_tree.c: read YAML text with libyaml into a node tree, and collect, sort
 * and format every mistake found in it (for the topology and the other loaders of its
 * dialect, core/checks/checks_spec.c). Knows nothing of what the keys mean. */
#include "core/lab/topology_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "core/base/util.h"

#define TOPO_FILE_MAX (1024 * 1024)	/* a topology is a page or two; more is a wrong file */
#define TOPO_DEPTH_MAX 32		/* the format nests 6 deep; the cap keeps recursion bounded */
#define TOPO_ERRORS_MAX 50		/* past this the rest is noise from the first mistakes */
#define TOPO_SHOW_MAX 40		/* bytes of a value quoted in a message */

/* ---- messages ---- */

void topo_error(struct topo_report *r, int line, int column, const char *fmt, ...)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->msgs = xreallocarray(r->msgs, r->cap, sizeof(*r->msgs));
	}
	va_list ap;
	va_start(ap, fmt);
	struct topo_msg *m = &r->msgs[r->n];
	m->line = line;
	m->column = column;
	m->seq = r->n;
	m->text = xvasprintf(fmt, ap);
	va_end(ap);
	r->n++;
}

static int topo_msg_cmp(const void *a, const void *b)
{
	const struct topo_msg *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort into file order, cap, format as FILE:LINE:COLUMN: TEXT into diag; frees r's messages. */
void topo_report_flush(struct topo_report *r, struct lab_diag *diag)
{
	if (r->n > 1)
		qsort(r->msgs, r->n, sizeof(*r->msgs), topo_msg_cmp);
	for (size_t i = 0; i < r->n; i++) {
		struct topo_msg *m = &r->msgs[i];
		if (i < TOPO_ERRORS_MAX) {
			if (m->line > 0)
				lab_diag_add(diag, xasprintf("%s:%d:%d: %s", r->file, m->line, m->column, m->text));
			else
				lab_diag_add(diag, xasprintf("%s: %s", r->file, m->text));
		}
		free(m->text);
	}
	if (r->n > TOPO_ERRORS_MAX)
		lab_diag_add(diag, xasprintf("%s: ... and %zu more mistakes (fix the ones above first)",
		    r->file, r->n - TOPO_ERRORS_MAX));
	free(r->msgs);
	r->msgs = NULL;
	r->n = r->cap = 0;
}

/* ---- the node tree ---- */

bool ynode_is_null(const struct ynode *n)
{
	return n->type == YNODE_SCALAR && n->plain &&
	    (n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	    strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

/* A short copy of s without control bytes, so a message stays one readable line. */
static char *show_text(const unsigned char *s, size_t len)
{
	size_t n = len > TOPO_SHOW_MAX ? TOPO_SHOW_MAX : len;
	char *out = xmalloc(n + 4);
	for (size_t i = 0; i < n; i++)
		out[i] = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : (char)s[i];
	if (n < len) {
		/* do not cut a UTF-8 sequence in half */
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0)
			n--;
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

static struct ynode *ynode_new(enum ynode_type type, yaml_mark_t mark)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->line = (int)(mark.line > INT_MAX - 1 ? INT_MAX - 1 : mark.line) + 1;
	n->column = (int)(mark.column > INT_MAX - 1 ? INT_MAX - 1 : mark.column) + 1;
	return n;
}

static void ynode_free(struct ynode *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n_kids; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n->show);
	free(n);
}

static void ynode_add(struct ynode *parent, struct ynode *kid)
{
	if (parent->n_kids == parent->cap_kids) {
		parent->cap_kids = parent->cap_kids ? parent->cap_kids * 2 : 4;
		parent->kids = xreallocarray(parent->kids, parent->cap_kids, sizeof(*parent->kids));
	}
	parent->kids[parent->n_kids++] = kid;
}

/* ---- YAML events -> tree ---- */

struct builder {
	struct topo_report *r;
	const char *text;
	size_t len;
	struct ynode *root;
	struct ynode *stack[TOPO_DEPTH_MAX + 1];
	size_t depth;
};

/* Line and column of a byte offset (libyaml gives only the offset for encoding errors). */
static void offset_position(const char *text, size_t len, size_t off, int *line, int *column)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xc0) != 0x80 && l < INT_MAX && c < INT_MAX) {
			c++;
		}
	}
	*line = l;
	*column = c;
}

/* True when line `line` (0-based) of text has a tab in its leading blanks. */
static bool line_has_leading_tab(const char *text, size_t len, size_t line)
{
	size_t i = 0;
	for (size_t l = 0; l < line && i < len; i++)
		if (text[i] == '\n')
			l++;
	for (; i < len && (text[i] == ' ' || text[i] == '\t'); i++)
		if (text[i] == '\t')
			return true;
	return false;
}

static void report_yaml_error(struct builder *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "unknown problem";
	int line, column;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		topo_error(b->r, 0, 0, "out of memory while parsing YAML");
		return;
	case YAML_READER_ERROR:
		offset_position(b->text, b->len, p->problem_offset, &line, &column);
		if (p->problem_value != -1)
			topo_error(b->r, line, column,
			    "this file is not valid text: %s (byte 0x%02x) (expected UTF-8 text)",
			    problem, (unsigned)p->problem_value & 0xffu);
		else
			topo_error(b->r, line, column,
			    "this file is not valid text: %s (expected UTF-8 text)", problem);
		return;
	default:
		break;
	}
	line = (int)p->problem_mark.line + 1;
	column = (int)p->problem_mark.column + 1;
	const char *hint = "";
	if (strstr(problem, "cannot start any token") &&
	    line_has_leading_tab(b->text, b->len, p->problem_mark.line))
		hint = "; indent with spaces, YAML does not allow tabs";
	else if (strstr(problem, "mapping values are not allowed"))
		hint = "; check the indentation, and quote values that contain \": \"";
	else if (strstr(problem, "did not find expected"))
		hint = "; check the indentation and the brackets";
	if (p->context != NULL)
		topo_error(b->r, line, column, "YAML syntax error: %s (%s at line %zu, column %zu%s)",
		    problem, p->context, p->context_mark.line + 1, p->context_mark.column + 1, hint);
	else
		topo_error(b->r, line, column, "YAML syntax error: %s (expected valid YAML%s)",
		    problem, hint);
}

/* Attach a finished node to the open container, or make it the root. */
static void builder_attach(struct builder *b, struct ynode *n)
{
	if (b->depth > 0)
		ynode_add(b->stack[b->depth - 1], n);
	else if (b->root == NULL)
		b->root = n;
	else
		ynode_free(n);	/* cannot happen with one document; never leak */
}

static void check_anchor_tag(struct builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
    const yaml_char_t *tag)
{
	int line = (int)ev->start_mark.line + 1, column = (int)ev->start_mark.column + 1;
	if (anchor != NULL) {
		char *s = show_text(anchor, strlen((const char *)anchor));
		topo_error(b->r, line, column,
		    "anchors (&%s) are not supported (expected every value written out in full)", s);
		free(s);
	}
	if (tag != NULL) {
		/* libyaml hands over the resolved tag; show it as it was written */
		static const char std[] = "tag:yaml.org,2002:";
		const char *t = (const char *)tag;
		bool is_std = strncmp(t, std, sizeof(std) - 1) == 0;
		if (is_std)
			t += sizeof(std) - 1;
		char *s = show_text((const unsigned char *)t, strlen(t));
		topo_error(b->r, line, column,
		    "YAML tags (%s%s) are not supported (expected plain values; quote a value to make it a string)",
		    is_std ? "!!" : "", s);
		free(s);
	}
}

/* Returns 0 on success, -1 when the text could not be read as one YAML document
 * (the reason is in b->r). */
static int builder_run(struct builder *b)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int docs = 0, rc = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser)) {
		topo_error(b->r, 0, 0, "cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)b->text, b->len);

	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			report_yaml_error(b, &parser);
			rc = -1;
			break;
		}
		struct ynode *n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				topo_error(b->r, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				    "a second YAML document starts here (expected one lab per file; remove this `---` and what follows, or put it in its own file)");
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT: {
			char *s = show_text(ev.data.alias.anchor, strlen((const char *)ev.data.alias.anchor));
			n = ynode_new(YNODE_ALIAS, ev.start_mark);
			topo_error(b->r, n->line, n->column,
			    "aliases (*%s) are not supported (expected every value written out in full)", s);
			free(s);
			builder_attach(b, n);
			break;
		}
		case YAML_SCALAR_EVENT:
			check_anchor_tag(b, &ev, ev.data.scalar.anchor, ev.data.scalar.tag);
			n = ynode_new(YNODE_SCALAR, ev.start_mark);
			n->len = ev.data.scalar.length;
			n->str = xmalloc(n->len + 1);
			memcpy(n->str, ev.data.scalar.value, n->len);
			n->str[n->len] = '\0';
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			n->show = show_text(ev.data.scalar.value, n->len);
			builder_attach(b, n);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT) {
				check_anchor_tag(b, &ev, ev.data.sequence_start.anchor, ev.data.sequence_start.tag);
				n = ynode_new(YNODE_SEQUENCE, ev.start_mark);
			} else {
				check_anchor_tag(b, &ev, ev.data.mapping_start.anchor, ev.data.mapping_start.tag);
				n = ynode_new(YNODE_MAPPING, ev.start_mark);
			}
			builder_attach(b, n);
			if (b->depth == TOPO_DEPTH_MAX) {
				topo_error(b->r, n->line, n->column,
				    "nesting is deeper than %d levels (expected a topology file)", TOPO_DEPTH_MAX);
				rc = -1;
				done = true;
				break;
			}
			b->stack[b->depth++] = n;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (b->depth > 0)
				b->depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

/* Order key indices of one mapping by key text, then by position (qsort_r argument: the mapping). */
static int dup_key_cmp(const void *a, const void *b, void *arg)
{
	const struct ynode *map = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct ynode *x = map->kids[i], *y = map->kids[j];
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	int c = memcmp(x->str, y->str, x->len);
	if (c != 0)
		return c;
	return i < j ? -1 : i > j;
}

/* Mark and report keys that repeat an earlier key of the same mapping, at every level.
 * Sorting key indices keeps a mapping of thousands of keys cheap. */
static void find_duplicate_keys(struct topo_report *r, struct ynode *n)
{
	if (n->type == YNODE_MAPPING && n->n_kids >= 4) {
		size_t nk = 0, *idx = xreallocarray(NULL, n->n_kids / 2, sizeof(*idx));
		for (size_t i = 0; i + 1 < n->n_kids; i += 2)
			if (n->kids[i]->type == YNODE_SCALAR)
				idx[nk++] = i;
		qsort_r(idx, nk, sizeof(*idx), dup_key_cmp, n);
		for (size_t a = 0; a < nk;) {
			size_t z = a + 1;
			const struct ynode *first = n->kids[idx[a]];
			while (z < nk && n->kids[idx[z]]->len == first->len &&
			    memcmp(n->kids[idx[z]]->str, first->str, first->len) == 0) {
				struct ynode *k = n->kids[idx[z]];
				k->dup = true;
				topo_error(r, k->line, k->column,
				    "duplicate key `%s`, first given at line %d, column %d (expected each key once in a mapping; YAML would silently keep only one)",
				    k->show, first->line, first->column);
				z++;
			}
			a = z;
		}
		free(idx);
	}
	for (size_t i = 0; i < n->n_kids; i++)
		find_duplicate_keys(r, n->kids[i]);
}

struct ynode *topo_tree_parse(struct topo_report *r, const char *text, size_t len)
{
	struct builder b = { .r = r, .text = text, .len = len };
	if (builder_run(&b) != 0) {
		ynode_free(b.root);
		return NULL;
	}
	if (b.root != NULL)
		find_duplicate_keys(r, b.root);
	return b.root;
}

void topo_tree_free(struct ynode *root)
{
	ynode_free(root);
}

char *topo_file_read(const char *path, size_t *lenp, struct lab_diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1) {
		lab_diag_add(diag, xasprintf("%s: cannot open: %s", path, strerror(errno)));
		return NULL;
	}
	buf = xmalloc(TOPO_FILE_MAX + 1);
	for (;;) {
		ssize_t n = read(fd, buf + len, TOPO_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lab_diag_add(diag, xasprintf("%s: cannot read: %s", path, strerror(errno)));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > TOPO_FILE_MAX) {
			lab_diag_add(diag, xasprintf("%s: file is larger than %d bytes (expected a topology file, a few kilobytes at most)",
			    path, TOPO_FILE_MAX));
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}
