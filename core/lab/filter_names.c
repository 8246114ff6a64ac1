/* core/lab/filter_names.c: instance names in tcpdump expressions, replaced by MAC or IP addresses. */
#include "core/lab/filter_names.h"

#include <ctype.h>
#include <stdlib.h>
#include <sys/socket.h>
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

/* The words of "[ip|ip6] [src|dst] [host]" just before a name, at least `host` or a
 * direction; NULL first when there is none. prev[2] is the nearest word. */
static const struct token *ip_phrase(const struct token prev[3], int *family)
{
	int i = 2;
	const struct token *first = NULL;
	bool host = false, dir = false;
	if (prev[i].start != NULL && token_is(&prev[i], "host")) {
		first = &prev[i--];
		host = true;
	}
	if (i >= 0 && prev[i].start != NULL && (token_is(&prev[i], "src") || token_is(&prev[i], "dst"))) {
		first = &prev[i--];
		dir = true;
	}
	if (!host && !dir)
		return NULL;
	*family = 0;
	if (i >= 0 && prev[i].start != NULL && (token_is(&prev[i], "ip") || token_is(&prev[i], "ip6"))) {
		*family = token_is(&prev[i], "ip") ? AF_INET : AF_INET6;
		first = &prev[i];
	} else if (i >= 0 && prev[i].start != NULL && token_is(&prev[i], "ether")) {
		return NULL;	/* ether src NAME: a MAC's */
	}
	return first;
}

char *filter_expand_names(const char *expr, filter_name_lookup lookup, filter_addr_lookup addrs,
    void *arg)
{
	struct strbuf out = { 0 };
	struct token prev[3] = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };	/* the words before */
	const char *copied = expr;	/* expr up to here is in out */
	const char *p = expr;
	char (*ips)[FILTER_ADDR_TEXT_MAX] = xcalloc(FILTER_NAME_ADDRS_MAX, sizeof(*ips));
	while (*p != '\0') {
		if (!is_word_char(*p)) {
			if (!isspace((unsigned char)*p))
				prev[0].start = prev[1].start = prev[2].start = NULL;	/* ( ) ! break a phrase */
			p++;
			continue;
		}
		struct token t = { p, 0 };
		while (is_word_char(p[t.len]))
			t.len++;
		p += t.len;
		char name[64] = "";
		if (t.len < sizeof(name)) {
			memcpy(name, t.start, t.len);
			name[t.len] = '\0';
		}
		/* "ether NAME" or "ether src|dst|host NAME" */
		const struct token *ether = NULL, *dir = NULL;
		if (prev[2].start != NULL && token_is(&prev[2], "ether"))
			ether = &prev[2];
		else if (prev[1].start != NULL && prev[2].start != NULL && token_is(&prev[1], "ether") &&
		    (token_is(&prev[2], "src") || token_is(&prev[2], "dst") || token_is(&prev[2], "host")))
			ether = &prev[1], dir = &prev[2];
		uint8_t macs[FILTER_NAME_MACS_MAX][6];
		size_t n = 0;
		if (ether != NULL && name[0] != '\0')
			n = lookup(arg, name, macs);
		if (n > 0) {
			strbuf_append(&out, copied, (size_t)(ether->start - copied));
			strbuf_printf(&out, "%s", n > 1 ? "(" : "");
			for (size_t i = 0; i < n; i++)
				strbuf_printf(&out, "%sether %.*s%s%02x:%02x:%02x:%02x:%02x:%02x",
				    i ? " or " : "", dir ? (int)dir->len : 0, dir ? dir->start : "",
				    dir ? " " : "", macs[i][0], macs[i][1], macs[i][2], macs[i][3],
				    macs[i][4], macs[i][5]);
			strbuf_printf(&out, "%s", n > 1 ? ")" : "");
			copied = p;
			prev[0].start = prev[1].start = prev[2].start = NULL;
			continue;
		}
		/* "[ip|ip6] [src|dst] [host] NAME": the phrase's words before each address */
		int family = 0;
		const struct token *phrase = ether == NULL && addrs != NULL && name[0] != '\0' ?
		    ip_phrase(prev, &family) : NULL;
		n = phrase != NULL ? addrs(arg, name, family, ips) : 0;
		if (n > 0) {
			strbuf_append(&out, copied, (size_t)(phrase->start - copied));
			strbuf_printf(&out, "%s", n > 1 ? "(" : "");
			for (size_t i = 0; i < n; i++)
				strbuf_printf(&out, "%s%.*s %s", i ? " or " : "",
				    (int)(t.start - phrase->start - 1), phrase->start, ips[i]);
			strbuf_printf(&out, "%s", n > 1 ? ")" : "");
			copied = p;
			prev[0].start = prev[1].start = prev[2].start = NULL;
			continue;
		}
		prev[0] = prev[1];
		prev[1] = prev[2];
		prev[2] = t;
	}
	free(ips);
	strbuf_append(&out, copied, strlen(copied));
	return strbuf_take(&out);
}
