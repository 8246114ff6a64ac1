/* image/guest/frr_daemons.h: FRR's /etc/frr/daemons read as the shell reads it, for
 * the guest's C start of FRR (frr.c); pure, so that test_frr_daemons links it alone. */
#ifndef UMLLAB_GUEST_FRR_DAEMONS_H
#define UMLLAB_GUEST_FRR_DAEMONS_H

#include <stddef.h>

#define FRR_VARS_MAX 256
#define FRR_NAME_MAX 64
#define FRR_VALUE_MAX 4096

/* The variables the file sets, in the order it first sets them. */
struct frr_vars {
	size_t n;
	char name[FRR_VARS_MAX][FRR_NAME_MAX];
	char *value[FRR_VARS_MAX];
};

/* Reads text (a NUL-terminated daemons file) into v, which must be zeroed. Understood:
 * comment and empty lines, and lines of NAME=VALUE assignments (`export` allowed), the
 * value bare, "double-quoted" or 'single-quoted', with $NAME, ${NAME}, ${NAME:+WORD},
 * ${NAME:-WORD}, ${NAME+WORD} and ${NAME-WORD} expanded (from earlier lines, else the
 * environment). Anything else the shell would run (a command, $(...), `...`, a pipe)
 * returns -1 with why saying where: the caller then leaves the file to FRR's own
 * script. Free v with frr_vars_free either way. */
int frr_vars_parse(struct frr_vars *v, const char *text, char *why, size_t why_len);

/* The value of name, or NULL if the file does not set it. */
const char *frr_vars_get(const struct frr_vars *v, const char *name);

void frr_vars_free(struct frr_vars *v);

/* Splits s in place into at most max words at blanks, as `eval` would a string with
 * no quote, expansion or other shell character in it. Returns the count, or -1 if s
 * holds such a character or more than max words. */
int frr_words(char *s, char **words, size_t max);

#endif
