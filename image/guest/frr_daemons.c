/* image/guest/frr_daemons.c: FRR's /etc/frr/daemons read as the shell reads it (see
 * frr_daemons.h): FRR's scripts source that file, so its values are shell words. Only
 * what daemons files hold is understood (assignments, quotes, simple expansions); the
 * rest is refused, never guessed, and the caller falls back to FRR's own script. */
#include "image/guest/frr_daemons.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct val {
	char s[FRR_VALUE_MAX];
	size_t len;
};

struct parse {
	struct frr_vars *v;
	const char *p;
	unsigned line;
	char *why;
	size_t why_len;
	bool failed;
};

static void fail(struct parse *ps, const char *what)
{
	if (!ps->failed && ps->why_len > 0)
		snprintf(ps->why, ps->why_len, "line %u: %s", ps->line, what);
	ps->failed = true;
}

static void put(struct parse *ps, struct val *out, const char *s, size_t n)
{
	if (out->len + n >= sizeof(out->s)) {
		fail(ps, "a value longer than 4096 bytes");
		return;
	}
	memcpy(out->s + out->len, s, n);
	out->len += n;
	out->s[out->len] = '\0';
}

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A name at *p (advanced past it) into name; false if there is none or it is too long. */
static bool read_name(const char **p, char *name)
{
	size_t n = 0;
	if (!name_start(**p))
		return false;
	while (name_char((*p)[n]))
		n++;
	if (n >= FRR_NAME_MAX)
		return false;
	memcpy(name, *p, n);
	name[n] = '\0';
	*p += n;
	return true;
}

const char *frr_vars_get(const struct frr_vars *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->name[i], name) == 0)
			return v->value[i];
	return NULL;
}

static const char *lookup(const struct frr_vars *v, const char *name)
{
	const char *s = frr_vars_get(v, name);
	return s != NULL ? s : getenv(name);
}

static void set(struct parse *ps, const char *name, const char *value)
{
	struct frr_vars *v = ps->v;
	for (size_t i = 0; i < v->n; i++) {
		if (strcmp(v->name[i], name) == 0) {
			char *copy = strdup(value);
			if (copy == NULL) {
				fail(ps, "out of memory");
				return;
			}
			free(v->value[i]);
			v->value[i] = copy;
			return;
		}
	}
	if (v->n == FRR_VARS_MAX) {
		fail(ps, "more than 256 variables");
		return;
	}
	if ((v->value[v->n] = strdup(value)) == NULL) {
		fail(ps, "out of memory");
		return;
	}
	snprintf(v->name[v->n], FRR_NAME_MAX, "%s", name);
	v->n++;
}

/* The WORD of ${NAME:+WORD} (its text from word to end), expanded into out. */
static void expand_word(struct parse *ps, const char *word, const char *end, struct val *out)
{
	while (word < end && !ps->failed) {
		if (*word == '$') {
			const char *q = word + 1;
			char name[FRR_NAME_MAX];
			bool brace = *q == '{';
			if (brace)
				q++;
			if (!read_name(&q, name) || (brace && *q != '}')) {
				fail(ps, "an expansion inside ${...} that is not $NAME or ${NAME}");
				return;
			}
			const char *s = lookup(ps->v, name);
			if (s != NULL)
				put(ps, out, s, strlen(s));
			word = q + (brace ? 1 : 0);
		} else if (strchr("\"'`\\", *word) != NULL) {
			fail(ps, "a quote or backslash inside ${...}");
			return;
		} else {
			put(ps, out, word, 1);
			word++;
		}
	}
}

/* An expansion at ps->p (on the `$`), appended to out. */
static void expand(struct parse *ps, struct val *out)
{
	const char *p = ps->p + 1;
	char name[FRR_NAME_MAX];
	if (*p != '{') {
		if (!read_name(&p, name)) {
			if (*p == '(' || *p == '$' || *p == '@' || *p == '*' || *p == '#' || *p == '?' ||
			    *p == '!' || *p == '-' || isdigit((unsigned char)*p)) {
				fail(ps, "an expansion other than $NAME or ${NAME...}");
				return;
			}
			put(ps, out, "$", 1);	/* a lone $ stays itself */
			ps->p = p;
			return;
		}
		const char *s = lookup(ps->v, name);
		if (s != NULL)
			put(ps, out, s, strlen(s));
		ps->p = p;
		return;
	}
	p++;
	if (!read_name(&p, name)) {
		fail(ps, "an expansion other than $NAME or ${NAME...}");
		return;
	}
	const char *s = lookup(ps->v, name);
	if (*p == '}') {
		if (s != NULL)
			put(ps, out, s, strlen(s));
		ps->p = p + 1;
		return;
	}
	bool colon = *p == ':';
	if (colon)
		p++;
	char op = *p;
	if (op != '+' && op != '-') {
		fail(ps, "an expansion other than ${NAME}, ${NAME:+WORD} or ${NAME:-WORD}");
		return;
	}
	const char *word = ++p;
	int depth = 1;
	for (; *p != '\0' && *p != '\n'; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			break;
	}
	if (*p != '}') {
		fail(ps, "${ without its }");
		return;
	}
	bool set_ = s != NULL && (!colon || s[0] != '\0');
	if (op == '+' && set_)
		expand_word(ps, word, p, out);
	else if (op == '-' && set_)
		put(ps, out, s, strlen(s));
	else if (op == '-')
		expand_word(ps, word, p, out);
	ps->p = p + 1;
}

/* One value at ps->p, up to an unquoted blank or the end of the line. */
static void value(struct parse *ps, struct val *out)
{
	out->len = 0;
	out->s[0] = '\0';
	while (!ps->failed) {
		char c = *ps->p;
		if (c == '\0' || c == '\n' || c == ' ' || c == '\t') {
			return;
		} else if (c == '\'') {
			const char *end = strchr(ps->p + 1, '\'');
			const char *nl = strchr(ps->p + 1, '\n');
			if (end == NULL || (nl != NULL && nl < end)) {
				fail(ps, "a ' not closed on its line");
				return;
			}
			put(ps, out, ps->p + 1, (size_t)(end - ps->p - 1));
			ps->p = end + 1;
		} else if (c == '"') {
			ps->p++;
			while (!ps->failed && *ps->p != '"') {
				char d = *ps->p;
				if (d == '\0' || d == '\n') {
					fail(ps, "a \" not closed on its line");
					return;
				} else if (d == '`') {
					fail(ps, "a command substitution (`...`)");
					return;
				} else if (d == '$') {
					expand(ps, out);
				} else if (d == '\\' && strchr("$`\"\\", ps->p[1]) != NULL && ps->p[1] != '\0') {
					put(ps, out, ps->p + 1, 1);
					ps->p += 2;
				} else if (d == '\\' && ps->p[1] == '\n') {
					fail(ps, "a line continued with \\");
					return;
				} else {
					put(ps, out, ps->p, 1);
					ps->p++;
				}
			}
			ps->p++;
		} else if (c == '$') {
			expand(ps, out);
		} else if (c == '\\') {
			if (ps->p[1] == '\0' || ps->p[1] == '\n') {
				fail(ps, "a line continued with \\");
				return;
			}
			put(ps, out, ps->p + 1, 1);
			ps->p += 2;
		} else if (strchr("`;&|<>()", c) != NULL) {
			fail(ps, "shell syntax other than NAME=VALUE (a command, a pipe, a redirection)");
			return;
		} else {
			put(ps, out, ps->p, 1);
			ps->p++;
		}
	}
}

static void skip_blanks(struct parse *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

int frr_vars_parse(struct frr_vars *v, const char *text, char *why, size_t why_len)
{
	static struct val val;	/* 4 KB: off the guest's small stacks */
	struct parse ps = { .v = v, .p = text, .line = 1, .why = why, .why_len = why_len };
	if (why_len > 0)
		why[0] = '\0';
	while (*ps.p != '\0' && !ps.failed) {
		skip_blanks(&ps);
		bool first = true;
		while (*ps.p != '\0' && *ps.p != '\n' && *ps.p != '#' && !ps.failed) {
			if (first && strncmp(ps.p, "export", 6) == 0 && (ps.p[6] == ' ' || ps.p[6] == '\t')) {
				ps.p += 6;
				skip_blanks(&ps);
			}
			first = false;
			char name[FRR_NAME_MAX];
			if (!read_name(&ps.p, name) || *ps.p != '=') {
				fail(&ps, "not a NAME=VALUE assignment");
				break;
			}
			ps.p++;
			value(&ps, &val);
			if (!ps.failed)
				set(&ps, name, val.s);
			skip_blanks(&ps);
		}
		while (*ps.p != '\0' && *ps.p != '\n')	/* a comment */
			ps.p++;
		if (*ps.p == '\n') {
			ps.p++;
			ps.line++;
		}
	}
	return ps.failed ? -1 : 0;
}

void frr_vars_free(struct frr_vars *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->value[i]);
	v->n = 0;
}

int frr_words(char *s, char **words, size_t max)
{
	size_t n = 0;
	if (strpbrk(s, "'\"\\$`;&|<>(){}[]*?~#!") != NULL)
		return -1;
	for (char *save = NULL, *w = strtok_r(s, " \t\n", &save); w != NULL;
	    w = strtok_r(NULL, " \t\n", &save)) {
		if (n == max)
			return -1;
		words[n++] = w;
	}
	return (int)n;
}
