/* core/base/json.c: a small recursive-descent JSON reader and a string escaper. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/json.h"

#define JSON_MAX_DEPTH 64

struct reader {
	const char *s;
	size_t len, pos;
	char **cause;
};

static struct json *parse_value(struct reader *r, int depth);

static int fail_at(struct reader *r, const char *what)
{
	return set_cause(r->cause, "offset %zu: %s", r->pos, what);
}

static void skip_space(struct reader *r)
{
	while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
	    r->s[r->pos] == '\n' || r->s[r->pos] == '\r'))
		r->pos++;
}

static bool take(struct reader *r, char c)
{
	skip_space(r);
	if (r->pos < r->len && r->s[r->pos] == c) {
		r->pos++;
		return true;
	}
	return false;
}

static bool take_word(struct reader *r, const char *w)
{
	size_t n = strlen(w);
	if (r->len - r->pos >= n && memcmp(r->s + r->pos, w, n) == 0) {
		r->pos += n;
		return true;
	}
	return false;
}

static int hex4(struct reader *r, unsigned *out)
{
	if (r->len - r->pos < 4)
		return fail_at(r, "expected 4 hex digits after \\u");
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = r->s[r->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail_at(r, "expected 4 hex digits after \\u");
	}
	*out = v;
	return 0;
}

static void put_utf8(struct strbuf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_append(b, u, n);
}

/* A string literal; r->pos is at the opening quote. */
static char *parse_string(struct reader *r)
{
	struct strbuf b = { 0 };
	r->pos++;
	for (;;) {
		if (r->pos >= r->len) {
			fail_at(r, "unterminated string");
			goto fail;
		}
		unsigned char c = (unsigned char)r->s[r->pos++];
		if (c == '"')
			break;
		if (c < 0x20) {
			r->pos--;
			fail_at(r, "control character in a string");
			goto fail;
		}
		if (c != '\\') {
			strbuf_append(&b, &c, 1);
			continue;
		}
		if (r->pos >= r->len) {
			fail_at(r, "unterminated string");
			goto fail;
		}
		char e = r->s[r->pos++];
		const char *simple = strchr("\"\\/bfnrt", e);
		if (simple != NULL && e != '\0') {
			static const char out[] = "\"\\/\b\f\n\r\t";
			strbuf_append(&b, &out[simple - "\"\\/bfnrt"], 1);
			continue;
		}
		if (e != 'u') {
			r->pos--;
			fail_at(r, "unknown escape in a string");
			goto fail;
		}
		unsigned cp;
		if (hex4(r, &cp) < 0)
			goto fail;
		if (cp >= 0xd800 && cp < 0xdc00 && take_word(r, "\\u")) {
			unsigned lo;
			if (hex4(r, &lo) < 0)
				goto fail;
			if (lo >= 0xdc00 && lo < 0xe000)
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			else
				cp = 0xfffd;
		} else if (cp >= 0xd800 && cp < 0xe000) {
			cp = 0xfffd;	/* a lone surrogate */
		}
		put_utf8(&b, cp);
	}
	if (b.s == NULL)
		return xstrdup("");
	return strbuf_take(&b);
fail:
	free(strbuf_take(&b));
	return NULL;
}

static int parse_number(struct reader *r, double *out)
{
	size_t start = r->pos;
	if (r->pos < r->len && r->s[r->pos] == '-')
		r->pos++;
	size_t digits = r->pos;
	while (r->pos < r->len && strchr("0123456789+-.eE", r->s[r->pos]) != NULL && r->s[r->pos] != '\0')
		r->pos++;
	if (r->pos == digits || r->s[digits] < '0' || r->s[digits] > '9') {
		r->pos = start;
		return fail_at(r, "expected a value");
	}
	char *text = xstrndup(r->s + start, r->pos - start);
	char *end;
	errno = 0;
	*out = strtod(text, &end);
	int bad = *end != '\0';
	free(text);
	if (bad) {
		r->pos = start;
		return fail_at(r, "malformed number");
	}
	return 0;
}

static struct json *node(enum json_type t)
{
	struct json *j = xcalloc(1, sizeof(*j));
	j->type = t;
	return j;
}

static void add_kid(struct json *j, char *key, struct json *kid)
{
	j->kids = xreallocarray(j->kids, j->n_kids + 1, sizeof(*j->kids));
	if (j->type == JSON_OBJECT) {
		j->keys = xreallocarray(j->keys, j->n_kids + 1, sizeof(*j->keys));
		j->keys[j->n_kids] = key;
	}
	j->kids[j->n_kids++] = kid;
}

static struct json *parse_container(struct reader *r, int depth, bool object)
{
	char close = object ? '}' : ']';
	struct json *j = node(object ? JSON_OBJECT : JSON_ARRAY);
	r->pos++;
	if (take(r, close))
		return j;
	for (;;) {
		char *key = NULL;
		if (object) {
			skip_space(r);
			if (r->pos >= r->len || r->s[r->pos] != '"') {
				fail_at(r, "expected a key (a string)");
				goto fail;
			}
			if ((key = parse_string(r)) == NULL)
				goto fail;
			if (!take(r, ':')) {
				free(key);
				fail_at(r, "expected ':' after a key");
				goto fail;
			}
		}
		struct json *kid = parse_value(r, depth + 1);
		if (kid == NULL) {
			free(key);
			goto fail;
		}
		add_kid(j, key, kid);
		if (take(r, close))
			return j;
		if (!take(r, ',')) {
			fail_at(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
			goto fail;
		}
	}
fail:
	json_free(j);
	return NULL;
}

static struct json *parse_value(struct reader *r, int depth)
{
	if (depth > JSON_MAX_DEPTH) {
		fail_at(r, "nested too deeply");
		return NULL;
	}
	skip_space(r);
	if (r->pos >= r->len) {
		fail_at(r, "expected a value, found the end");
		return NULL;
	}
	char c = r->s[r->pos];
	if (c == '{' || c == '[')
		return parse_container(r, depth, c == '{');
	if (c == '"') {
		char *s = parse_string(r);
		if (s == NULL)
			return NULL;
		struct json *j = node(JSON_STRING);
		j->str = s;
		return j;
	}
	if (take_word(r, "true") || take_word(r, "false")) {
		struct json *j = node(JSON_BOOL);
		j->boolean = c == 't';
		return j;
	}
	if (take_word(r, "null"))
		return node(JSON_NULL);
	double v = 0;
	if (parse_number(r, &v) < 0)
		return NULL;
	struct json *j = node(JSON_NUMBER);
	j->number = v;
	return j;
}

struct json *json_parse(const char *text, size_t len, char **cause)
{
	struct reader r = { .s = text, .len = len, .cause = cause };
	struct json *j = parse_value(&r, 0);
	if (j == NULL)
		return NULL;
	skip_space(&r);
	if (r.pos != r.len) {
		fail_at(&r, "unexpected text after the value");
		json_free(j);
		return NULL;
	}
	return j;
}

void json_free(struct json *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->n_kids; i++) {
		json_free(j->kids[i]);
		if (j->keys != NULL)
			free(j->keys[i]);
	}
	free(j->kids);
	free(j->keys);
	free(j->str);
	free(j);
}

const struct json *json_get(const struct json *j, const char *key)
{
	if (j == NULL || j->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->n_kids; i++)
		if (strcmp(j->keys[i], key) == 0)
			return j->kids[i];
	return NULL;
}

const char *json_get_str(const struct json *j, const char *key, const char *dflt)
{
	const struct json *v = json_get(j, key);
	return v != NULL && v->type == JSON_STRING ? v->str : dflt;
}

double json_get_num(const struct json *j, const char *key, double dflt)
{
	const struct json *v = json_get(j, key);
	return v != NULL && v->type == JSON_NUMBER ? v->number : dflt;
}

bool json_get_bool(const struct json *j, const char *key, bool dflt)
{
	const struct json *v = json_get(j, key);
	return v != NULL && v->type == JSON_BOOL ? v->boolean : dflt;
}

void json_write_string(struct strbuf *b, const char *s)
{
	strbuf_append(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"': strbuf_append(b, "\\\"", 2); break;
		case '\\': strbuf_append(b, "\\\\", 2); break;
		case '\n': strbuf_append(b, "\\n", 2); break;
		case '\r': strbuf_append(b, "\\r", 2); break;
		case '\t': strbuf_append(b, "\\t", 2); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				strbuf_printf(b, "\\u%04x", *p);
			else
				strbuf_append(b, p, 1);
		}
	}
	strbuf_append(b, "\"", 1);
}
