/* core/base/json.h: a small JSON reader (text -> tree) and string writer, for
 * reading what another umllab printed with --json (grade reads check's).
 * A leaf module: it needs only core/util. */
#ifndef UMLLAB_JSON_H
#define UMLLAB_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/util.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;
	double number;
	char *str;		/* JSON_STRING: UTF-8, NUL-terminated (a \u0000 ends it early) */
	char **keys;		/* JSON_OBJECT: keys[i] names kids[i] */
	struct json **kids;	/* JSON_ARRAY items, JSON_OBJECT values */
	size_t n_kids;
};

/* Parse one JSON value (surrounding white space allowed, nothing else after
 * it). NULL with *cause ("offset N: what was expected") on a mistake. Nesting
 * deeper than 64 levels is refused. */
struct json *json_parse(const char *text, size_t len, char **cause);
void json_free(struct json *j);

/* The value of key in an object (the first one), or NULL (also when j is not an object). */
const struct json *json_get(const struct json *j, const char *key);

/* Typed look-ups in an object: the default when the key is missing or of another type. */
const char *json_get_str(const struct json *j, const char *key, const char *dflt);
double json_get_num(const struct json *j, const char *key, double dflt);
bool json_get_bool(const struct json *j, const char *key, bool dflt);

/* Append s as a JSON string literal (quotes, escapes) to b. */
void json_write_string(struct strbuf *b, const char *s);

#endif
