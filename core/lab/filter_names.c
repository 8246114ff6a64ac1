/* core/lab/filter_names.c: instance names in tcpdump expressions, replaced by MAC addresses. */
#include "core/lab/filter_names.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "core/base/util.h"

struct token {
	const char *start;
	size_t len;
};

static bool is_word_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '-' || ch == '.' || ch == ':';
}

static bool token_is(const struct token *t, const char *word)
{
	return t->len == strlen(word) && strncmp(t->start, word, t->len) == 0;
}

char *filter_expand_names(const char *expr, filter_name_lookup lookup, void *arg)
{
	struct strbuf out = { 0 };
	struct token prev[2] = { { NULL, 0 }, { NULL, 0 } };	/* the two words before */
	const char *copied = expr;	/* expr up to here is in out */
	const char *p = expr;
	while (*p != '\0') {
		if (!is_word_char(*p)) {
			if (!isspace((unsigned char)*p))
				prev[0].start = prev[1].start = NULL;	/* ( ) ! and such break a phrase */
			p++;
			continue;
		}
		struct token t = { p, 0 };
		while (is_word_char(p[t.len]))
			t.len++;
		p += t.len;
		/* "ether NAME" or "ether src|dst|host NAME" */
		const struct token *ether = NULL, *dir = NULL;
		if (prev[1].start != NULL && token_is(&prev[1], "ether"))
			ether = &prev[1];
		else if (prev[0].start != NULL && prev[1].start != NULL && token_is(&prev[0], "ether") &&
		    (token_is(&prev[1], "src") || token_is(&prev[1], "dst") || token_is(&prev[1], "host")))
			ether = &prev[0], dir = &prev[1];
		uint8_t macs[FILTER_NAME_MACS_MAX][6];
		size_t n = 0;
		if (ether != NULL && t.len < 64) {
			char name[64];
			memcpy(name, t.start, t.len);
			name[t.len] = '\0';
			n = lookup(arg, name, macs);
		}
		if (n == 0) {
			prev[0] = prev[1];
			prev[1] = t;
			continue;
		}
		strbuf_append(&out, copied, (size_t)(ether->start - copied));
		strbuf_printf(&out, "%s", n > 1 ? "(" : "");
		for (size_t i = 0; i < n; i++)
			strbuf_printf(&out, "%sether %.*s%s%02x:%02x:%02x:%02x:%02x:%02x",
			    i ? " or " : "", dir ? (int)dir->len : 0, dir ? dir->start : "",
			    dir ? " " : "", macs[i][0], macs[i][1], macs[i][2], macs[i][3], macs[i][4],
			    macs[i][5]);
		strbuf_printf(&out, "%s", n > 1 ? ")" : "");
		copied = p;
		prev[0].start = prev[1].start = NULL;
	}
	strbuf_append(&out, copied, strlen(copied));
	return strbuf_take(&out);
}
