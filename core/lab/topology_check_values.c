/* core/lab/topology_check_values.c: the value checks every section uses, and other loaders of the
 * same dialect (core/checks/checks_spec.c, through core/lab/topology_tree.h): known keys,
 * scalars, mappings, booleans, addresses, MACs, sizes, paths. */
#include "core/lab/topology_check.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/util.h"

/* Room for one more element in an array that doubles as it grows (files may hold thousands). */
void *topo_grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 8;
	return xreallocarray(v, *cap, size);
}

/* ---- keys and the shape of values ---- */

const char *topo_kind(const struct ynode *n)
{
	if (ynode_is_null(n))
		return "empty";
	switch (n->type) {
	case YNODE_SEQUENCE:
		return "a list";
	case YNODE_MAPPING:
		return "a mapping";
	default:
		return "a single value";
	}
}

/* Where to point for a value: the value itself, or its key when there is nothing to point at. */
const struct ynode *topo_at(const struct ynode *key, const struct ynode *val)
{
	return (val == NULL || ynode_is_null(val)) ? key : val;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[33];
	if (la > 32 || lb > 32)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* Fill the known fields of a mapping; report keys that are not names or not known. */
void topo_map_fields(struct topo_report *r, const struct ynode *map, struct field *f, size_t nf,
    const char *where)
{
	char allowed[128] = "";
	for (size_t i = 0; i < nf; i++) {
		f[i].key = f[i].val = NULL;
		snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s%s",
		    i ? ", " : "", f[i].name);
	}
	for (size_t k = 0; k + 1 < map->n_kids; k += 2) {
		const struct ynode *key = map->kids[k], *val = map->kids[k + 1];
		if (key->dup || key->type == YNODE_ALIAS)
			continue;
		if (key->type != YNODE_SCALAR) {
			topo_error(r, key->line, key->column, "a key %s is %s (expected one of: %s)",
			    where, topo_kind(key), allowed);
			continue;
		}
		size_t i;
		for (i = 0; i < nf; i++)
			if (strcmp(key->str, f[i].name) == 0 && strlen(f[i].name) == key->len)
				break;
		if (i < nf) {
			f[i].key = key;
			f[i].val = val;
			continue;
		}
		if (val->type == YNODE_ALIAS && strcmp(key->str, "<<") == 0)
			continue;	/* a merge key: its alias is already reported */
		const char *guess = NULL;
		for (i = 0; i < nf && guess == NULL; i++)
			if (strcasecmp(key->str, f[i].name) == 0 ||
			    edit_distance(key->str, f[i].name) <= 2)
				guess = f[i].name;
		if (guess)
			topo_error(r, key->line, key->column,
			    "unknown key `%s` %s (expected one of: %s; did you mean `%s`?)",
			    key->show, where, allowed, guess);
		else
			topo_error(r, key->line, key->column, "unknown key `%s` %s (expected one of: %s)",
			    key->show, where, allowed);
	}
}

/* Every message about a bad value has one shape: "KEY `VALUE` of OWNER is wrong (expected ...)". */
void topo_value_error(struct topo_report *r, const struct ynode *s, const char *key, const char *owner,
    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *rest = xvasprintf(fmt, ap);
	va_end(ap);
	topo_error(r, s->line, s->column, "%s `%s` of %s %s", key, s->show, owner, rest);
	free(rest);
}

/* The value of `key` as a scalar, or NULL after reporting what it is instead (nothing for an alias). */
const struct ynode *topo_want_scalar(struct topo_report *r, const struct ynode *key,
    const struct ynode *val, const char *owner, const char *expected)
{
	if (val->type == YNODE_ALIAS)
		return NULL;
	if (val->type != YNODE_SCALAR || ynode_is_null(val)) {
		const struct ynode *p = topo_at(key, val);
		topo_error(r, p->line, p->column, "`%s` of %s is %s (expected %s)", key->str, owner,
		    topo_kind(val), expected);
		return NULL;
	}
	return val;
}

/* True when val is a mapping; reports anything else but null (when null_ok) and aliases. */
bool topo_want_mapping(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    bool null_ok, const char *what, const char *expected)
{
	if (val->type == YNODE_MAPPING)
		return true;
	if (val->type == YNODE_ALIAS || (null_ok && ynode_is_null(val)))
		return false;
	const struct ynode *p = topo_at(key, val);
	if (val->type == YNODE_SCALAR && !ynode_is_null(val))
		topo_error(r, p->line, p->column, "%s is a single value `%s` (expected %s)", what,
		    val->show, expected);
	else
		topo_error(r, p->line, p->column, "%s is %s (expected %s)", what, topo_kind(val), expected);
	return false;
}

bool topo_want_bool(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, bool *out)
{
	const struct ynode *s = topo_want_scalar(r, key, val, owner, "true or false");
	if (s == NULL)
		return false;
	if (strcasecmp(s->str, "true") == 0 || strcasecmp(s->str, "yes") == 0) {
		*out = true;
		return true;
	}
	if (strcasecmp(s->str, "false") == 0 || strcasecmp(s->str, "no") == 0) {
		*out = false;
		return true;
	}
	topo_value_error(r, s, key->str, owner, "is not a boolean (expected true or false; yes and no work too)");
	return false;
}

/* ---- addresses ---- */

uint32_t topo_prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

void topo_ip4_format(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* Dotted quad, strictly: four decimal octets, no leading zeros (they would read as octal elsewhere). */
bool topo_ip4_parse(const char *s, size_t len, uint32_t *out)
{
	uint32_t a = 0;
	size_t i = 0;
	for (int o = 0; o < 4; o++) {
		if (o > 0) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		size_t start = i;
		unsigned v = 0;
		while (i < len && i - start < 3 && s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return false;
		a = a << 8 | v;
	}
	if (i != len)
		return false;
	*out = a;
	return true;
}

enum cidr_result topo_cidr_read(const struct ynode *n, uint32_t *addr, unsigned *prefix)
{
	const char *slash = memchr(n->str, '/', n->len);
	size_t alen = slash ? (size_t)(slash - n->str) : n->len;
	if (!topo_ip4_parse(n->str, alen, addr))
		return CIDR_BAD_ADDR;
	if (slash == NULL)
		return CIDR_NO_PREFIX;
	const char *p = slash + 1, *end = n->str + n->len;
	unsigned v = 0;
	if (p == end || end - p > 2 || (p[0] == '0' && end - p > 1))
		return CIDR_BAD_PREFIX;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return CIDR_BAD_PREFIX;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > 32)
		return CIDR_BAD_PREFIX;
	*prefix = v;
	return CIDR_OK;
}

/* Why a would not do as the address of a host, or NULL when it would. */
const char *topo_ip4_special(uint32_t a)
{
	if ((a >> 24) == 0)
		return "in 0.0.0.0/8, which means \"this host\"";
	if ((a >> 24) == 127)
		return "a loopback address";
	if ((a >> 28) == 0xe)
		return "a multicast address";
	if ((a >> 28) == 0xf)
		return "a reserved or broadcast address";
	return NULL;
}

/* IPv6 as inet_pton reads it: no zone (%eth0), no brackets, no white space. */
bool topo_ip6_parse(const char *s, size_t len, struct in6_addr *out)
{
	char buf[INET6_ADDRSTRLEN];
	if (len == 0 || len >= sizeof(buf) || memchr(s, '%', len) != NULL || memchr(s, ':', len) == NULL)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return strlen(buf) == len && inet_pton(AF_INET6, buf, out) == 1;
}

enum cidr_result topo_cidr6_read(const struct ynode *n, struct in6_addr *addr, unsigned *prefix)
{
	const char *slash = memchr(n->str, '/', n->len);
	size_t alen = slash ? (size_t)(slash - n->str) : n->len;
	if (!topo_ip6_parse(n->str, alen, addr))
		return CIDR_BAD_ADDR;
	if (slash == NULL)
		return CIDR_NO_PREFIX;
	const char *p = slash + 1, *end = n->str + n->len;
	unsigned v = 0;
	if (p == end || end - p > 3 || (p[0] == '0' && end - p > 1))
		return CIDR_BAD_PREFIX;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return CIDR_BAD_PREFIX;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > 128)
		return CIDR_BAD_PREFIX;
	*prefix = v;
	return CIDR_OK;
}

const char *topo_ip6_special(const struct in6_addr *a)
{
	static const unsigned char zero[16];
	if (memcmp(a->s6_addr, zero, 16) == 0)
		return "the unspecified address ::";
	if (memcmp(a->s6_addr, zero, 15) == 0 && a->s6_addr[15] == 1)
		return "the loopback address ::1";
	if (a->s6_addr[0] == 0xff)
		return "a multicast address";
	if (IN6_IS_ADDR_V4MAPPED(a))
		return "an IPv4-mapped address";
	return NULL;
}

/* ---- MACs ---- */

int topo_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

bool topo_mac_parse(const struct ynode *n, uint8_t mac[6])
{
	if (n->len != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		const char *p = n->str + 3 * i;
		int hi = topo_hexval(p[0]), lo = topo_hexval(p[1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

uint64_t topo_mac_key(const uint8_t mac[6])
{
	uint64_t k = 0;
	for (int i = 0; i < 6; i++)
		k = k << 8 | mac[i];
	return k;
}

void topo_mac_format(uint64_t k, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(k >> 40) & 0xff,
	    (unsigned)(k >> 32) & 0xff, (unsigned)(k >> 24) & 0xff, (unsigned)(k >> 16) & 0xff,
	    (unsigned)(k >> 8) & 0xff, (unsigned)k & 0xff);
}

/* ---- sizes ---- */

/* Bytes with an optional K, M or G suffix; -1 when not a size, -2 when it overflows. */
int topo_size_parse(const struct ynode *n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < n->len && n->str[i] >= '0' && n->str[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -2;
		v = v * 10 + (uint64_t)(n->str[i] - '0');
	}
	if (i == 0)
		return -1;
	unsigned shift = 0;
	if (i + 1 == n->len) {
		switch (n->str[i]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return -1;
		}
	} else if (i != n->len) {
		return -1;
	}
	if (v > (UINT64_MAX >> shift))
		return -2;
	*out = v << shift;
	return 0;
}

/* ---- paths and text ---- */

/* An absolute path for a path in the file (relative ones start at the file's directory),
 * canonical when it exists so that symbolic links and ".." are resolved once, here. */
char *topo_path_resolve(const char *base_dir, const struct ynode *s, struct stat *st, bool *exists)
{
	char *joined = s->str[0] == '/' ? xstrdup(s->str) : xasprintf("%s/%s", base_dir, s->str);
	char *real = realpath(joined, NULL);
	*exists = real != NULL && stat(real, st) == 0;
	if (real == NULL)
		return joined;
	free(joined);
	return real;
}

bool topo_text_tame(const struct ynode *s)
{
	if (strlen(s->str) != s->len)
		return false;
	for (size_t i = 0; i < s->len; i++)
		if ((unsigned char)s->str[i] <= ' ' || s->str[i] == 0x7f)
			return false;
	return true;
}

bool topo_cidr_parse(const struct ynode *n, uint32_t *addr, unsigned *prefix)
{
	return topo_cidr_read(n, addr, prefix) == CIDR_OK;
}
