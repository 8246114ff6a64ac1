/* core/grade/grade_policy.c: what a graded submission may do: the limits and
 * what the teacher allows (the spec's `grade:` section, --limit, --allow),
 * the check of a `url:`, and text from students made safe to print. Pure but
 * for reading the spec file. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/grade/grade.h"
#include "core/lab/topology_tree.h"
#include "core/base/util.h"
#include "switch/vxlan.h"

enum limit_unit { UNIT_COUNT, UNIT_BYTES, UNIT_SECONDS };

static const struct limit_def {
	const char *name;
	size_t off;
	enum limit_unit unit;
	uint64_t def;
	uint64_t min;
} limit_defs[] = {
	{ "instances", offsetof(struct grade_limits, instances), UNIT_COUNT, 16, 1 },
	{ "mem", offsetof(struct grade_limits, mem), UNIT_BYTES, 256ULL << 20, 16ULL << 20 },
	{ "mem_total", offsetof(struct grade_limits, mem_total), UNIT_BYTES, 1ULL << 30, 16ULL << 20 },
	{ "disk", offsetof(struct grade_limits, disk), UNIT_BYTES, 1ULL << 30, 0 },
	{ "written", offsetof(struct grade_limits, written), UNIT_BYTES, 2ULL << 30, 1ULL << 20 },
	{ "time", offsetof(struct grade_limits, time), UNIT_SECONDS, 300, 1 },
	{ "size", offsetof(struct grade_limits, size), UNIT_BYTES, 256ULL << 20, 4096 },
	{ "mem_all", offsetof(struct grade_limits, mem_all), UNIT_BYTES, 0, 16ULL << 20 },
};
#define N_LIMITS (sizeof(limit_defs) / sizeof(limit_defs[0]))

static uint64_t *limit_field(struct grade_limits *l, const struct limit_def *d)
{
	return (uint64_t *)(void *)((char *)l + d->off);
}

void grade_policy_init(struct grade_policy *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < N_LIMITS; i++)
		*limit_field(&p->lim, &limit_defs[i]) = limit_defs[i].def;
}

static void list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void grade_policy_free(struct grade_policy *p)
{
	list_free(p->urls, p->n_urls);
	list_free(p->mirrors, p->n_mirrors);
	list_free(p->trunks, p->n_trunks);
	memset(p, 0, sizeof(*p));
}

char *grade_limit_hint(const char *name)
{
	return xasprintf("limit %s; the teacher raises it with `grade: {limits: {%s: ...}}` in the "
	    "spec or --limit %s=...", name, name, name);
}

char *grade_size_text(uint64_t b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	if (b < 1024)
		return xasprintf("%llu bytes", (unsigned long long)b);
	double v = (double)b / 1024.0;
	size_t u = 0;
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	if (v == (double)(uint64_t)v)
		return xasprintf("%llu %s", (unsigned long long)v, units[u]);
	return xasprintf("%.1f %s", v, units[u]);
}

/* "256M", "1G", "1.5G" is not taken: whole numbers with K, M, G or T
 * (powers of 1024, an optional "iB" or "B" after); seconds with s, m or h. */
static int value_parse(const struct limit_def *d, const char *s, uint64_t *out)
{
	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	unsigned shift = 0, mult = 1;
	char c = (char)tolower((unsigned char)*end);
	if (d->unit == UNIT_BYTES && c != '\0') {
		const char *k = strchr("kmgt", c);
		if (k == NULL)
			return -1;
		shift = 10 * (unsigned)(k - "kmgt" + 1);
		end++;
		if (strcasecmp(end, "ib") == 0 || strcasecmp(end, "b") == 0)
			end += strlen(end);
	} else if (d->unit == UNIT_SECONDS && c != '\0') {
		mult = c == 's' ? 1 : c == 'm' ? 60 : c == 'h' ? 3600 : 0;
		if (mult == 0)
			return -1;
		end++;
	}
	if (*end != '\0')
		return -1;
	if (shift > 0 && v > (UINT64_MAX >> shift))
		return -1;
	v <<= shift;
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static const char *unit_example(const struct limit_def *d)
{
	return d->unit == UNIT_BYTES ? "a size such as 512M or 2G" :
	    d->unit == UNIT_SECONDS ? "seconds, such as 600 or 10m" : "a whole number";
}

/* Set limit `name` from text; -1 with *cause. */
static int limit_set(struct grade_policy *p, const char *name, const char *value, char **cause)
{
	const struct limit_def *d = NULL;
	for (size_t i = 0; i < N_LIMITS; i++)
		if (strcmp(limit_defs[i].name, name) == 0)
			d = &limit_defs[i];
	if (d == NULL) {
		struct strbuf b = { 0 };
		for (size_t i = 0; i < N_LIMITS; i++)
			strbuf_printf(&b, "%s%s", i > 0 ? ", " : "", limit_defs[i].name);
		set_cause(cause, "there is no limit `%s` (expected one of: %s)", name, b.s);
		free(strbuf_take(&b));
		return -1;
	}
	uint64_t v;
	if (value_parse(d, value, &v) < 0)
		return set_cause(cause, "limit %s `%s` is not %s", name, value, unit_example(d));
	if (v < d->min) {
		char *m = d->unit == UNIT_BYTES ? grade_size_text(d->min) : xasprintf("%llu",
		    (unsigned long long)d->min);
		set_cause(cause, "limit %s `%s` is too small (expected at least %s)", name, value, m);
		free(m);
		return -1;
	}
	*limit_field(&p->lim, d) = v;
	return 0;
}

int grade_policy_limit_arg(struct grade_policy *p, const char *arg, char **cause)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg || eq[1] == '\0')
		return set_cause(cause, "--limit %s: expected NAME=VALUE, such as mem=512M", arg);
	char *name = xstrndup(arg, (size_t)(eq - arg));
	int rc = limit_set(p, name, eq + 1, cause);
	free(name);
	return rc;
}

static void list_add(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static bool http_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* Allow one thing of a kind; -1 with *cause. */
static int allow_add(struct grade_policy *p, const char *kind, const char *value, char **cause)
{
	for (const char *c = value; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return set_cause(cause, "allow %s holds a space or a control character", kind);
	if (strcmp(kind, "url") == 0) {
		const char *host = strstr(value, "://");
		if (!http_url(value) || host == NULL || host[3] == '\0' || host[3] == '/')
			return set_cause(cause, "allow url `%s` is not an http:// or https:// URL with a "
			    "host (expected a prefix such as https://example.org/images/)", value);
		list_add(&p->urls, &p->n_urls, value);
		return 0;
	}
	if (strcmp(kind, "mirror") == 0) {
		if (value[0] == '\0')
			return set_cause(cause, "allow mirror is empty (expected `default` for Debian's "
			    "own archive, or a mirror URL as the lab files write it)");
		list_add(&p->mirrors, &p->n_mirrors, value);
		return 0;
	}
	if (strcmp(kind, "trunk") == 0) {
		struct vxlan_addr a;
		const char *why = vxlan_addr_parse(value, &a);
		if (why != NULL)
			return set_cause(cause, "allow trunk `%s` %s (expected the remote IP:PORT a trunk's "
			    "vxlan: names, such as 192.0.2.7:4789)", value, why);
		char text[VXLAN_ADDR_TEXT_MAX];
		vxlan_addr_format(&a, text);
		list_add(&p->trunks, &p->n_trunks, text);
		return 0;
	}
	return set_cause(cause, "there is nothing called `%s` to allow (expected url, mirror or trunk)",
	    kind);
}

int grade_policy_allow_arg(struct grade_policy *p, const char *arg, char **cause)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg || eq[1] == '\0')
		return set_cause(cause, "--allow %s: expected KIND=VALUE, such as "
		    "url=https://example.org/images/ (KIND: url, mirror, trunk)", arg);
	char *kind = xstrndup(arg, (size_t)(eq - arg));
	int rc = allow_add(p, kind, eq + 1, cause);
	free(kind);
	return rc;
}

/* ---- the spec's `grade:` section ---- */

static void spec_limits(struct topo_report *r, const struct ynode *map, struct grade_policy *p)
{
	if (map->type != YNODE_MAPPING) {
		topo_error(r, map->line, map->column, "`limits` of grade is %s (expected a mapping "
		    "such as {mem: 512M, time: 600})", topo_kind(map));
		return;
	}
	for (size_t k = 0; k + 1 < map->n_kids; k += 2) {
		const struct ynode *key = map->kids[k], *val = map->kids[k + 1];
		if (key->type != YNODE_SCALAR || key->dup)
			continue;
		if (val->type != YNODE_SCALAR) {
			topo_error(r, val->line, val->column, "limit %s is %s (expected a value such as "
			    "512M or 600)", key->show, topo_kind(val));
			continue;
		}
		char *why = NULL;
		if (limit_set(p, key->str, val->str, &why) < 0) {
			const struct ynode *at = strncmp(why, "there is no", 11) == 0 ? key : val;
			topo_error(r, at->line, at->column, "%s", why);
		}
		free(why);
	}
}

static void spec_allow_one(struct topo_report *r, const char *kind, const struct ynode *v,
    struct grade_policy *p)
{
	if (v->type != YNODE_SCALAR) {
		topo_error(r, v->line, v->column, "allow %s holds %s (expected text such as "
		    "https://example.org/images/)", kind, topo_kind(v));
		return;
	}
	char *why = NULL;
	if (allow_add(p, kind, v->str, &why) < 0)
		topo_error(r, v->line, v->column, "%s", why);
	free(why);
}

static void spec_allow(struct topo_report *r, const struct ynode *map, struct grade_policy *p)
{
	if (map->type != YNODE_MAPPING) {
		topo_error(r, map->line, map->column, "`allow` of grade is %s (expected a mapping "
		    "such as {url: [https://example.org/images/]})", topo_kind(map));
		return;
	}
	for (size_t k = 0; k + 1 < map->n_kids; k += 2) {
		const struct ynode *key = map->kids[k], *val = map->kids[k + 1];
		if (key->type != YNODE_SCALAR || key->dup)
			continue;
		if (strcmp(key->str, "url") != 0 && strcmp(key->str, "mirror") != 0 &&
		    strcmp(key->str, "trunk") != 0) {
			topo_error(r, key->line, key->column, "unknown key `%s` in allow (expected url, "
			    "mirror or trunk)", key->show);
			continue;
		}
		if (ynode_is_null(val))
			continue;
		if (val->type == YNODE_SEQUENCE) {
			for (size_t i = 0; i < val->n_kids; i++)
				spec_allow_one(r, key->str, val->kids[i], p);
		} else {
			spec_allow_one(r, key->str, val, p);
		}
	}
}

int grade_policy_load_spec(const char *path, struct grade_policy *p, char **cause)
{
	struct lab_diag diag = { 0 };
	size_t len;
	char *text = topo_file_read(path, &len, &diag);
	struct topo_report r = { .file = path };
	struct ynode *root = text != NULL ? topo_tree_parse(&r, text, len) : NULL;
	free(text);
	if (root != NULL && root->type == YNODE_MAPPING) {
		for (size_t k = 0; k + 1 < root->n_kids; k += 2) {
			const struct ynode *key = root->kids[k], *val = root->kids[k + 1];
			if (key->type != YNODE_SCALAR || key->dup || strcmp(key->str, "grade") != 0 ||
			    ynode_is_null(val))
				continue;
			if (val->type != YNODE_MAPPING) {
				topo_error(&r, val->line, val->column, "`grade` is %s (expected a mapping "
				    "with limits: and allow:)", topo_kind(val));
				continue;
			}
			for (size_t g = 0; g + 1 < val->n_kids; g += 2) {
				const struct ynode *gk = val->kids[g], *gv = val->kids[g + 1];
				if (gk->type != YNODE_SCALAR || gk->dup || ynode_is_null(gv))
					continue;
				if (strcmp(gk->str, "limits") == 0)
					spec_limits(&r, gv, p);
				else if (strcmp(gk->str, "allow") == 0)
					spec_allow(&r, gv, p);
				else
					topo_error(&r, gk->line, gk->column, "unknown key `%s` in grade "
					    "(expected limits or allow)", gk->show);
			}
		}
	}
	topo_tree_free(root);
	topo_report_flush(&r, &diag);
	if (diag.n == 0)
		return 0;
	struct strbuf b = { 0 };
	for (size_t i = 0; i < diag.n; i++)
		strbuf_printf(&b, "%s%s", i > 0 ? "\n" : "", diag.msgs[i]);
	lab_diag_free(&diag);
	set_cause(cause, "%s", b.s);
	free(strbuf_take(&b));
	return -1;
}

/* ---- url: ---- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* s with %XX decoded (as curl decodes a file:// path), made printable. */
static char *url_decoded(const char *s)
{
	struct strbuf raw = { 0 };
	for (const char *c = s; *c != '\0'; c++) {
		int hi, lo;
		if (c[0] == '%' && (hi = hexval(c[1])) >= 0 && (lo = hexval(c[2])) >= 0) {
			char ch = (char)(hi * 16 + lo);
			strbuf_append(&raw, &ch, 1);
			c += 2;
		} else {
			strbuf_append(&raw, c, 1);
		}
	}
	char *r = raw.s != NULL ? strbuf_take(&raw) : xstrdup("");
	struct strbuf b = { 0 };
	grade_text_clean(&b, r, false);
	free(r);
	return b.s != NULL ? strbuf_take(&b) : xstrdup("");
}

static bool dot_segment(const char *rest)
{
	for (const char *c = rest; (c = strstr(c, "..")) != NULL; c += 2)
		if ((c == rest || c[-1] == '/') && (c[2] == '\0' || c[2] == '/' || c[2] == '?' || c[2] == '#'))
			return true;
	return false;
}

int grade_url_vet(const struct grade_policy *p, const char *url, char **cause)
{
	const char *sep = strstr(url, "://");
	size_t slen = sep != NULL ? (size_t)(sep - url) : 0;
	if (sep != NULL && slen == 4 && strncasecmp(url, "file", 4) == 0) {
		char *dec = url_decoded(sep + 3);
		set_cause(cause, "url `%s` is a file of the grading host (%s): a graded lab may name "
		    "files only inside its own directory; use `file:` with the image in the submission",
		    url, dec);
		free(dec);
		return -1;
	}
	if (!http_url(url))
		return set_cause(cause, "url `%s` is not http:// or https://: a graded lab may download "
		    "only from places the teacher allows", url);
	for (const char *c = url; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return set_cause(cause, "url has a space or a control character");
	for (size_t i = 0; i < p->n_urls; i++) {
		const char *pre = p->urls[i];
		size_t n = strlen(pre);
		if (strncmp(url, pre, n) != 0)
			continue;
		/* The prefix ends a host or a path segment: https://example.org
		 * must not let https://example.org.evil.net in. */
		if (n > 0 && pre[n - 1] != '/' && url[n] != '\0' && url[n] != '/')
			continue;
		const char *rest = url + n;
		if (strpbrk(rest, "%\\@") != NULL || dot_segment(sep + 3))
			return set_cause(cause, "url `%s` is under the allowed %s but has %%, \\, @ or a .. "
			    "segment, which could lead elsewhere once decoded; write it plainly", url, pre);
		return 0;
	}
	return set_cause(cause, "url `%s` is not allowed: a graded lab downloads nothing unless the "
	    "teacher allows it (`grade: {allow: {url: [PREFIX]}}` in the spec, or --allow url=PREFIX)",
	    url);
}

/* ---- text from students ---- */

/* The length of the UTF-8 sequence at s (2 to 4) and its code point, or 0
 * when it is not one. */
static size_t utf8_seq(const unsigned char *s, uint32_t *out)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	*out = cp;
	return n;
}

void grade_text_clean(struct strbuf *b, const char *s, bool newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p != '\0') {
		unsigned char c = *p;
		if (c == '\n' && newlines) {
			strbuf_append(b, "\n", 1);
			p++;
		} else if (c == '\t') {
			strbuf_append(b, newlines ? "\t" : " ", 1);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			char caret[2] = { '^', c == 0x7f ? '?' : (char)(c + 0x40) };
			strbuf_append(b, caret, 2);
			p++;
		} else if (c < 0x80) {
			strbuf_append(b, p, 1);
			p++;
		} else {
			uint32_t cp = 0;
			size_t n = utf8_seq(p, &cp);
			if (n == 0) {
				strbuf_append(b, "?", 1);
				p++;
			} else if (cp < 0xa0) {	/* a C1 control: CSI is U+009B */
				strbuf_append(b, "?", 1);
				p += n;
			} else {
				strbuf_append(b, p, n);
				p += n;
			}
		}
	}
}
