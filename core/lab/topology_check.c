/* core/lab/topology_check.c: check a topology's node tree against the format (docs/topology.md) and build struct lab. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/lab/topology_tree.h"
#include "core/base/util.h"

#define STARTUP_CMD_MAX 4096
#define MEM_MIN (16ULL << 20)
#define MEM_MAX (4ULL << 30)
#define NAME_RULE "1-32 characters from A-Z a-z 0-9 _ -"
#define IP_EXAMPLE "ADDRESS/PREFIX such as 10.0.0.1/24"
#define ROUTE_EXAMPLE "{to: 10.0.2.0/24, via: 10.0.1.254}"
#define PACKAGES_MAX 256
#define URL_MAX 4096
#define SHARE_EXAMPLE "a directory such as ./shared, or {dir: ./shared, readonly: true}"
#define IMAGE_EXAMPLE "a mapping such as {debian: bookworm, packages: [iproute2]}, " \
	"{url: https://..., sha256: ...} or {file: ./router.img}"

/* One use of an address or MAC in the lab, to find the ones given twice. */
struct use {
	uint64_t key;
	int line, column;
	bool given;		/* MAC: from `mac:` rather than the default */
	char who[64];		/* "eth0 of umlA" */
};

struct checker {
	struct topo_report *r;
	struct lab *lab;
	const char *lab_name;		/* for default MACs, even when not a valid name */
	const struct ynode *switches;	/* the raw `switches:` mapping, or NULL */
	bool switches_bad;		/* `switches:` is not a mapping: undefined switches are noise */
	struct use *addrs, *macs;
	size_t n_addrs, n_macs;
	size_t cap_switches, cap_instances, cap_images;
	const char *base_dir;		/* relative paths start here */
	const struct ynode *images;	/* the raw `images:` mapping, or NULL */
	bool images_bad;		/* `images:` is not a mapping: undefined images are noise */
	size_t default_image;		/* top-level `image:` */
	bool default_image_bad;		/* ... was wrong: instances without `image:` say nothing */
	unsigned *switch_ports;		/* interfaces on each switch so far */
};

/* Room for one more element in an array that doubles as it grows (files may hold thousands). */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 8;
	return xreallocarray(v, *cap, size);
}

/* ---- small helpers ---- */

static const char *kind(const struct ynode *n)
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
static const struct ynode *at(const struct ynode *key, const struct ynode *val)
{
	return (val == NULL || ynode_is_null(val)) ? key : val;
}

static void use_add(struct use **v, size_t *n, uint64_t key, int line, int column, bool given,
    const char *iface, const char *inst)
{
	if ((*n & (*n - 1)) == 0)	/* at 0, 1, 2, 4, ...: double */
		*v = xreallocarray(*v, *n ? *n * 2 : 1, sizeof(**v));
	struct use *u = &(*v)[(*n)++];
	u->key = key;
	u->line = line;
	u->column = column;
	u->given = given;
	snprintf(u->who, sizeof(u->who), "%s of %s", iface, inst);
}

static int use_cmp(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->column > y->column) - (x->column < y->column);
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
static void map_fields(struct checker *c, const struct ynode *map, struct field *f, size_t nf,
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
			topo_error(c->r, key->line, key->column, "a key %s is %s (expected one of: %s)",
			    where, kind(key), allowed);
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
			topo_error(c->r, key->line, key->column,
			    "unknown key `%s` %s (expected one of: %s; did you mean `%s`?)",
			    key->show, where, allowed, guess);
		else
			topo_error(c->r, key->line, key->column, "unknown key `%s` %s (expected one of: %s)",
			    key->show, where, allowed);
	}
}

/* Every message about a bad value has one shape: "KEY `VALUE` of OWNER is wrong (expected ...)". */
static void value_error(struct checker *c, const struct ynode *s, const char *key, const char *owner,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void value_error(struct checker *c, const struct ynode *s, const char *key, const char *owner,
    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *rest = xvasprintf(fmt, ap);
	va_end(ap);
	topo_error(c->r, s->line, s->column, "%s `%s` of %s %s", key, s->show, owner, rest);
	free(rest);
}

/* The value of `key` as a scalar, or NULL after reporting what it is instead (nothing for an alias). */
static const struct ynode *want_scalar(struct checker *c, const struct ynode *key,
    const struct ynode *val, const char *owner, const char *expected)
{
	if (val->type == YNODE_ALIAS)
		return NULL;
	if (val->type != YNODE_SCALAR || ynode_is_null(val)) {
		const struct ynode *p = at(key, val);
		topo_error(c->r, p->line, p->column, "`%s` of %s is %s (expected %s)", key->str, owner,
		    kind(val), expected);
		return NULL;
	}
	return val;
}

/* True when val is a mapping; reports anything else but null (when null_ok) and aliases. */
static bool want_mapping(struct checker *c, const struct ynode *key, const struct ynode *val,
    bool null_ok, const char *what, const char *expected)
{
	if (val->type == YNODE_MAPPING)
		return true;
	if (val->type == YNODE_ALIAS || (null_ok && ynode_is_null(val)))
		return false;
	const struct ynode *p = at(key, val);
	if (val->type == YNODE_SCALAR && !ynode_is_null(val))
		topo_error(c->r, p->line, p->column, "%s is a single value `%s` (expected %s)", what,
		    val->show, expected);
	else
		topo_error(c->r, p->line, p->column, "%s is %s (expected %s)", what, kind(val), expected);
	return false;
}

static bool want_bool(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, bool *out)
{
	const struct ynode *s = want_scalar(c, key, val, owner, "true or false");
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
	value_error(c, s, key->str, owner, "is not a boolean (expected true or false; yes and no work too)");
	return false;
}

/* ---- addresses ---- */

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

static void ip4_format(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* Dotted quad, strictly: four decimal octets, no leading zeros (they would read as octal elsewhere). */
static bool ip4_parse(const char *s, size_t len, uint32_t *out)
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

enum cidr_result { CIDR_OK, CIDR_BAD_ADDR, CIDR_NO_PREFIX, CIDR_BAD_PREFIX };

static enum cidr_result cidr_parse(const struct ynode *n, uint32_t *addr, unsigned *prefix)
{
	const char *slash = memchr(n->str, '/', n->len);
	size_t alen = slash ? (size_t)(slash - n->str) : n->len;
	if (!ip4_parse(n->str, alen, addr))
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
static const char *ip4_special(uint32_t a)
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

/* ---- MACs ---- */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool mac_parse(const struct ynode *n, uint8_t mac[6])
{
	if (n->len != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		const char *p = n->str + 3 * i;
		int hi = hexval(p[0]), lo = hexval(p[1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static uint64_t mac_key(const uint8_t mac[6])
{
	uint64_t k = 0;
	for (int i = 0; i < 6; i++)
		k = k << 8 | mac[i];
	return k;
}

static void mac_format(uint64_t k, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(k >> 40) & 0xff,
	    (unsigned)(k >> 32) & 0xff, (unsigned)(k >> 24) & 0xff, (unsigned)(k >> 16) & 0xff,
	    (unsigned)(k >> 8) & 0xff, (unsigned)k & 0xff);
}

/* ---- sizes ---- */

/* Bytes with an optional K, M or G suffix; -1 when not a size, -2 when it overflows. */
static int mem_parse(const struct ynode *n, uint64_t *out)
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

/* `capture: true`, or `capture: {filter: EXPR, max_size: 16M, files: 4}`. */
static void check_capture(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, struct lab_capture *out)
{
	static const char expected[] = "true, or a mapping such as {filter: icmp, max_size: 16M, files: 4}";
	struct lab_capture cap = { .on = true, .max_bytes = LAB_CAPTURE_MAX_BYTES_DEFAULT,
	    .files = LAB_CAPTURE_FILES_DEFAULT, .line = key->line, .column = key->column };
	if (val->type == YNODE_ALIAS)
		return;
	if (val->type == YNODE_SCALAR && !ynode_is_null(val)) {
		if (!want_bool(c, key, val, owner, &cap.on))
			return;
		if (cap.on)
			*out = cap;
		return;
	}
	if (!want_mapping(c, key, val, false, "`capture`", expected))
		return;
	struct field f[] = { { .name = "filter" }, { .name = "max_size" }, { .name = "files" } };
	char where[128];
	snprintf(where, sizeof(where), "in the capture of %s", owner);
	map_fields(c, val, f, 3, where);
	bool ok = true;
	if (f[0].val != NULL) {
		const struct ynode *s = want_scalar(c, f[0].key, f[0].val, owner,
		    "a tcpdump expression such as \"icmp or arp\"");
		if (s == NULL)
			ok = false;
		else if (strlen(s->str) != s->len || s->len >= sizeof(cap.filter)) {
			value_error(c, s, "filter", owner, "is too long (expected at most %zu bytes)",
			    sizeof(cap.filter) - 1);
			ok = false;
		} else {
			memcpy(cap.filter, s->str, s->len + 1);
		}
	}
	if (f[1].val != NULL) {
		const struct ynode *s = want_scalar(c, f[1].key, f[1].val, owner, "a size such as 16M");
		if (s == NULL || mem_parse(s, &cap.max_bytes) != 0 || cap.max_bytes < (64u << 10) ||
		    cap.max_bytes > (4ULL << 30)) {
			if (s != NULL)
				value_error(c, s, "max_size", owner, "is not a size from 64K to 4G "
				    "(expected a number with K, M or G, such as 16M)");
			ok = false;
		}
	}
	if (f[2].val != NULL) {
		const struct ynode *s = want_scalar(c, f[2].key, f[2].val, owner, "a number of files");
		char *end = NULL;
		long n = s != NULL ? strtol(s->str, &end, 10) : 0;
		if (s == NULL || *end != '\0' || n < 1 || n > 100) {
			if (s != NULL)
				value_error(c, s, "files", owner, "is not a number of files from 1 to 100");
			ok = false;
		} else {
			cap.files = (unsigned)n;
		}
	}
	if (ok)
		*out = cap;
}

/* The condition keys of a `link:` mapping (and of its `in:` and `out:`),
 * set on every target direction. */
static void check_link_map(struct checker *c, const struct ynode *map, const char *owner,
    struct linkcond **targets, size_t ntargets, struct linkcond_pair *pair)
{
	static const char *const kinds[] = { "delay", "jitter", "loss", "burst", "duplicate",
		"corrupt", "reorder", "rate", "limit", "mtu", "match", "drop", "in", "out" };
	enum { NKINDS = sizeof(kinds) / sizeof(kinds[0]) };
	struct field f[NKINDS];
	size_t nf = pair != NULL ? NKINDS : NKINDS - 2;	/* in: and out: only at the top */
	for (size_t i = 0; i < nf; i++)
		f[i].name = kinds[i];
	char where[160];
	snprintf(where, sizeof(where), "in the link of %s", owner);
	map_fields(c, map, f, nf, where);
	for (size_t i = 0; i < NKINDS - 2; i++) {
		if (f[i].val == NULL)
			continue;
		const struct ynode *s = want_scalar(c, f[i].key, f[i].val, owner,
		    "a value such as 50ms, 1%, 1mbit or a tcpdump expression");
		if (s == NULL)
			continue;
		for (size_t t = 0; t < ntargets; t++) {
			char *cause = NULL;
			if (strlen(s->str) != s->len ||
			    linkcond_set(targets[t], kinds[i], s->str, &cause) != 0) {
				value_error(c, s, kinds[i], owner, "is not valid (%s)",
				    cause != NULL ? cause : "it holds a NUL byte");
				free(cause);
				break;
			}
		}
	}
	if (pair == NULL)
		return;
	for (size_t i = NKINDS - 2; i < NKINDS; i++) {
		if (f[i].val == NULL)
			continue;
		if (!want_mapping(c, f[i].key, f[i].val, false, kinds[i],
		    "a mapping of conditions such as {delay: 50ms}"))
			continue;
		struct linkcond *one = i == NKINDS - 2 ? &pair->in : &pair->out;
		char sub[128];
		snprintf(sub, sizeof(sub), "%s, %s", owner, kinds[i]);
		check_link_map(c, f[i].val, sub, &one, 1, NULL);
	}
}

/* `link: {delay: 50ms, loss: 1%, out: {rate: 1mbit}}`: conditions on an
 * interface's cable; keys outside in:/out: apply both ways. */
static void check_link(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, struct linkcond_pair *out)
{
	if (!want_mapping(c, key, val, false, "`link`",
	    "a mapping of conditions such as {delay: 50ms, loss: 1%}"))
		return;
	struct linkcond_pair p = { 0 };
	struct linkcond *both[2] = { &p.in, &p.out };
	size_t before = c->r->n;
	check_link_map(c, val, owner, both, 2, &p);
	if (c->r->n != before)
		return;
	linkcond_normalize(&p.in);
	linkcond_normalize(&p.out);
	char *cause = NULL;
	bool same = memcmp(&p.in, &p.out, sizeof(p.in)) == 0;
	if (linkcond_check(&p.in, same ? "both" : "in", &cause) != 0 ||
	    linkcond_check(&p.out, "out", &cause) != 0) {
		topo_error(c->r, key->line, key->column, "the link of %s: %s", owner, cause);
		free(cause);
		return;
	}
	*out = p;
}

/* ---- the sections ---- */

static void check_name(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *default_name)
{
	if (val != NULL) {
		const struct ynode *s = want_scalar(c, key, val, "the lab", "a name of " NAME_RULE);
		if (s == NULL)
			return;
		if (strlen(s->str) != s->len || !lab_name_valid(s->str)) {
			topo_error(c->r, s->line, s->column,
			    "lab name `%s` is not valid (expected " NAME_RULE ")", s->show);
			return;
		}
		str_copy(c->lab->name, sizeof(c->lab->name), s->str);
		c->lab_name = s->str;
		return;
	}
	if (!lab_name_valid(default_name)) {
		char *show = xstrndup(default_name, 40);
		for (char *p = show; *p != '\0'; p++)	/* file names may hold anything */
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		topo_error(c->r, 1, 1,
		    "the lab name `%s%s` taken from the file name is not valid (expected " NAME_RULE
		    "; add a line such as `name: mylab` to the file)",
		    show, strlen(default_name) > 40 ? "..." : "");
		free(show);
		return;
	}
	str_copy(c->lab->name, sizeof(c->lab->name), default_name);
}

#define TRUNK_EXAMPLE "{vxlan: 192.0.2.2:4789, vni: 42, listen: 192.0.2.1:4789}"

/* One address of a trunk (`vxlan` or `listen`); false after reporting it. */
static bool check_trunk_addr(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, struct vxlan_addr *out)
{
	const struct ynode *s = want_scalar(c, key, val, owner, "IP:PORT such as 192.0.2.1:4789");
	if (s == NULL)
		return false;
	const char *why = strlen(s->str) != s->len ? "holds a NUL byte" : vxlan_addr_parse(s->str, out);
	if (why == NULL && (why = vxlan_addr_special(out)) != NULL) {
		value_error(c, s, key->str, owner, "is %s (expected one host's unicast address, "
		    "such as 192.0.2.1:4789)", why);
		return false;
	}
	if (why != NULL) {
		value_error(c, s, key->str, owner, "%s", why);
		return false;
	}
	return true;
}

/* `host: N` on an instance: the part of `up --slurm` (0 to LAB_HOST_MAX) it runs in. */
static void check_host(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, int *out)
{
	const struct ynode *s = want_scalar(c, key, val, owner, "a part number such as 0 or 1");
	if (s == NULL)
		return;
	long v = 0;
	bool ok = s->len > 0 && s->len <= 4 && strlen(s->str) == s->len;
	for (size_t i = 0; ok && i < s->len; i++) {
		if (s->str[i] < '0' || s->str[i] > '9')
			ok = false;
		else
			v = v * 10 + (s->str[i] - '0');
	}
	if (!ok || v > LAB_HOST_MAX)
		value_error(c, s, "host", owner, "is not a part number (expected 0 to 1023: the "
		    "task of `umllab up --slurm` that runs this instance, in the order of the allocation's "
		    "tasks)");
	else
		*out = (int)v;
}

/* `vni: N`, 0 to 16777215, decimal. */
static bool check_vni(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, uint32_t *out)
{
	const struct ynode *s = want_scalar(c, key, val, owner, "a number from 0 to 16777215");
	if (s == NULL)
		return false;
	unsigned long v = 0;
	bool ok = s->len > 0 && s->len <= 8 && strlen(s->str) == s->len;
	for (size_t i = 0; ok && i < s->len; i++) {
		if (s->str[i] < '0' || s->str[i] > '9')
			ok = false;
		else
			v = v * 10 + (unsigned long)(s->str[i] - '0');
	}
	if (!ok || v > VXLAN_VNI_MAX) {
		value_error(c, s, "vni", owner, "is not a VXLAN network identifier (expected a "
		    "number from 0 to 16777215, the same at both ends of the trunk)");
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* `trunks: [{vxlan: REMOTE, vni: N, listen: LOCAL}, ...]` on switch sw. */
static void check_trunks(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_switch *sw, const char *sname)
{
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = at(key, seq);
		topo_error(c->r, p->line, p->column, "`trunks` of switch %s is %s (expected a list "
		    "such as trunks: [" TRUNK_EXAMPLE "])", sname, kind(seq));
		return;
	}
	sw->trunks = xcalloc(seq->n_kids ? seq->n_kids : 1, sizeof(*sw->trunks));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *item = seq->kids[k];
		char what[96], where[sizeof(what) + 8];
		snprintf(what, sizeof(what), "trunk %zu of switch %s", k, sname);
		snprintf(where, sizeof(where), "in %s", what);
		if (k == LAB_TRUNKS_MAX) {
			topo_error(c->r, item->line, item->column, "%s is one too many (expected at "
			    "most %d trunks on one switch)", what, LAB_TRUNKS_MAX);
			return;
		}
		if (!want_mapping(c, item, item, false, what, "a mapping such as " TRUNK_EXAMPLE))
			continue;
		struct field f[] = { { .name = "vxlan" }, { .name = "vni" }, { .name = "listen" } };
		map_fields(c, item, f, 3, where);
		struct lab_trunk t = { .line = item->line, .column = item->column };
		bool ok = true;
		for (int i = 0; i < 3; i++)
			if (f[i].val == NULL) {
				topo_error(c->r, item->line, item->column, "%s has no `%s` (expected "
				    "all of vxlan, vni and listen, such as " TRUNK_EXAMPLE ")", what,
				    f[i].name);
				ok = false;
			}
		if (f[0].val != NULL && !check_trunk_addr(c, f[0].key, f[0].val, what, &t.remote))
			ok = false;
		if (f[1].val != NULL && !check_vni(c, f[1].key, f[1].val, what, &t.vni))
			ok = false;
		if (f[2].val != NULL && !check_trunk_addr(c, f[2].key, f[2].val, what, &t.listen))
			ok = false;
		if (!ok)
			continue;
		const struct ynode *lv = f[2].val;
		t.listen_line = lv->line;
		t.listen_column = lv->column;
		if (t.remote.ss.ss_family != t.listen.ss.ss_family) {
			value_error(c, lv, "listen", what, "is not of the same family as vxlan `%s` "
			    "(expected two IPv4 or two IPv6 addresses)", f[0].val->show);
			continue;
		}
		if (vxlan_addr_equal(&t.remote, (const struct sockaddr *)&t.listen.ss, t.listen.len)) {
			value_error(c, lv, "listen", what, "is also its vxlan address (expected "
			    "the other end's address in vxlan)");
			continue;
		}
		/* Two trunks of a lab cannot share one socket. */
		bool taken = false;
		for (size_t i = 0; i < c->lab->n_switches + 1 && !taken; i++) {
			const struct lab_switch *o = i < c->lab->n_switches ? &c->lab->switches[i] : sw;
			for (size_t j = 0; j < o->n_trunks && !taken; j++) {
				const struct lab_trunk *u = &o->trunks[j];
				if (!vxlan_addr_equal(&u->listen, (const struct sockaddr *)&t.listen.ss,
				    t.listen.len))
					continue;
				value_error(c, lv, "listen", what, "is already the listen address of "
				    "trunk %zu of switch %s at line %d (expected another port)", j,
				    o->name[0] ? o->name : sname, u->listen_line);
				taken = true;
			}
		}
		if (!taken)
			sw->trunks[sw->n_trunks++] = t;
	}
}

static void check_switches(struct checker *c, const struct ynode *key, const struct ynode *map)
{
	if (!want_mapping(c, key, map, true, "`switches`",
	    "a mapping of switch names, such as switches: {S1: {mode: switch}}")) {
		c->switches_bad = !ynode_is_null(map);
		return;
	}
	c->switches = map;
	for (size_t k = 0; k + 1 < map->n_kids; k += 2) {
		const struct ynode *name = map->kids[k], *val = map->kids[k + 1];
		if (name->dup || name->type == YNODE_ALIAS)
			continue;
		if (name->type != YNODE_SCALAR) {
			topo_error(c->r, name->line, name->column,
			    "a switch name is %s (expected a name of " NAME_RULE ")", kind(name));
			continue;
		}
		bool ok = true;
		if (strlen(name->str) != name->len || !lab_name_valid(name->str)) {
			topo_error(c->r, name->line, name->column,
			    "switch name `%s` is not valid (expected " NAME_RULE ")", name->show);
			ok = false;
		}
		char what[96];
		snprintf(what, sizeof(what), "switch %s", name->show);
		struct lab_switch sw = { .mode = LAB_SWITCH_LEARNING, .line = name->line,
		    .column = name->column };
		if (want_mapping(c, name, val, true, what, "a mapping such as {mode: hub}, or nothing")) {
			struct field f[] = { { .name = "mode" }, { .name = "capture" },
				{ .name = "trunks" } };
			char where[128];
			snprintf(where, sizeof(where), "in switch %s", name->show);
			map_fields(c, val, f, 3, where);
			if (f[2].val != NULL)
				check_trunks(c, f[2].key, f[2].val, &sw, name->show);
			if (f[1].val != NULL)
				check_capture(c, f[1].key, f[1].val, what, &sw.capture);
			if (f[0].val != NULL) {
				const struct ynode *m = want_scalar(c, f[0].key, f[0].val, what, "switch or hub");
				if (m != NULL && strcmp(m->str, "hub") == 0)
					sw.mode = LAB_SWITCH_HUB;
				else if (m != NULL && strcmp(m->str, "switch") != 0)
					value_error(c, m, "mode", what, "is not a switch mode (expected switch or hub)");
			}
		}
		if (ok && c->lab->n_switches == LAB_SWITCHES_MAX) {
			topo_error(c->r, name->line, name->column, "switch %s is one too many (expected "
			    "at most %d switches in a lab)", name->show, LAB_SWITCHES_MAX);
			ok = false;
		}
		if (!ok) {
			free(sw.trunks);
			continue;
		}
		str_copy(sw.name, sizeof(sw.name), name->str);
		c->lab->switches = grow(c->lab->switches, c->lab->n_switches, &c->cap_switches,
		    sizeof(*c->lab->switches));
		c->lab->switches[c->lab->n_switches++] = sw;
	}
}

/* Index of switch `name` in the lab; -1 after reporting it undefined (unless its definition
 * was already reported as bad). */
static long find_switch(struct checker *c, const struct ynode *s, const char *where)
{
	for (size_t i = 0; i < c->lab->n_switches; i++)
		if (strcmp(c->lab->switches[i].name, s->str) == 0 &&
		    strlen(c->lab->switches[i].name) == s->len)
			return (long)i;
	if (c->switches != NULL)
		for (size_t k = 0; k < c->switches->n_kids; k += 2) {
			const struct ynode *n = c->switches->kids[k];
			if (n->type == YNODE_SCALAR && n->len == s->len && memcmp(n->str, s->str, s->len) == 0)
				return -1;
		}
	if (c->switches_bad)
		return -1;
	if (c->lab->n_switches == 0) {
		topo_error(c->r, s->line, s->column,
		    "%s is on switch `%s`, which is not defined (expected it under `switches:`, e.g. switches: {%s: {}})",
		    where, s->show, s->show);
		return -1;
	}
	char list[160] = "";
	for (size_t i = 0; i < c->lab->n_switches; i++) {
		size_t used = strlen(list);
		if (used + LAB_NAME_MAX + 8 > sizeof(list)) {
			snprintf(list + used, sizeof(list) - used, ", ...");
			break;
		}
		snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", c->lab->switches[i].name);
	}
	topo_error(c->r, s->line, s->column,
	    "%s is on switch `%s`, which is not defined (expected one of: %s; or add it under `switches:`)",
	    where, s->show, list);
	return -1;
}

/* Interface `ethN` -> N, or -1. */
static int iface_index(const struct ynode *n)
{
	if (n->len < 4 || n->len > 5 || strncmp(n->str, "eth", 3) != 0)
		return -1;
	int v = 0;
	for (size_t i = 3; i < n->len; i++) {
		if (n->str[i] < '0' || n->str[i] > '9')
			return -1;
		v = v * 10 + (n->str[i] - '0');
	}
	if ((n->len == 5 && n->str[3] == '0') || v >= LAB_IFACE_MAX)
		return -1;
	return v;
}

/* Check one interface's address; true when it may be used. */
static bool check_ip(struct checker *c, const struct ynode *s, const char *owner, struct lab_iface *ifc)
{
	uint32_t a;
	unsigned prefix = 0;
	char net[16];

	switch (cidr_parse(s, &a, &prefix)) {
	case CIDR_BAD_ADDR:
		value_error(c, s, "ip", owner, "is not a valid IPv4 address (expected " IP_EXAMPLE ")");
		return false;
	case CIDR_NO_PREFIX:
		value_error(c, s, "ip", owner, "has no prefix length (expected " IP_EXAMPLE ")");
		return false;
	case CIDR_BAD_PREFIX:
		value_error(c, s, "ip", owner, "has a bad prefix length (expected /0 to /32, e.g. 10.0.0.1/24)");
		return false;
	case CIDR_OK:
		break;
	}
	const char *why = ip4_special(a);
	if (why != NULL) {
		value_error(c, s, "ip", owner, "is %s (expected a unicast host address such as 10.0.0.1/24)", why);
		return false;
	}
	uint32_t mask = prefix_mask(prefix);
	ip4_format(a & mask, net);
	if (prefix < 31 && (a & ~mask) == 0) {
		value_error(c, s, "ip", owner, "is the network address of %s/%u (expected a host address inside it)",
		    net, prefix);
		return false;
	}
	if (prefix < 31 && (a & ~mask) == ~mask) {
		value_error(c, s, "ip", owner, "is the broadcast address of %s/%u (expected a host address inside it)",
		    net, prefix);
		return false;
	}
	ifc->has_addr = true;
	ifc->addr.s_addr = htonl(a);
	ifc->prefix = prefix;
	return true;
}

/* The addresses an instance's interfaces were given, in file order, whether or not the rest
 * of each interface is right, so the checks across interfaces and routes see them all and
 * one mistake does not cause others. */
struct subnet {
	uint32_t addr;
	unsigned prefix;
	int line, column;	/* of the `ip:` value */
	const char *ip, *iface;	/* as written, for messages */
};

struct subnets {
	struct subnet *v;
	size_t n;
	bool trouble;		/* some `ip:` was wrong: route checks would only guess */
};

static void check_interfaces(struct checker *c, const struct ynode *key, const struct ynode *map,
    struct lab_instance *in, const char *iname, struct subnets *nets)
{
	char what[128], where[sizeof(what) + 8];
	snprintf(what, sizeof(what), "`interfaces` of instance %s", iname);
	if (!want_mapping(c, key, map, true, what,
	    "a mapping such as interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}"))
		return;
	nets->v = xcalloc(map->n_kids / 2 + 1, sizeof(*nets->v));
	in->ifaces = xcalloc(LAB_IFACE_MAX, sizeof(*in->ifaces));
	for (size_t k = 0; k + 1 < map->n_kids; k += 2) {
		const struct ynode *name = map->kids[k], *val = map->kids[k + 1];
		if (name->dup || name->type == YNODE_ALIAS)
			continue;
		int idx = name->type == YNODE_SCALAR ? iface_index(name) : -1;
		if (name->type != YNODE_SCALAR)
			topo_error(c->r, name->line, name->column,
			    "an interface name of %s is %s (expected eth0 to eth15)", iname, kind(name));
		else if (idx < 0)
			topo_error(c->r, name->line, name->column,
			    "interface name `%s` of %s is not valid (expected eth0 to eth15)", name->show, iname);
		snprintf(what, sizeof(what), "interface %s of %s", name->type == YNODE_SCALAR ? name->show : "?", iname);
		snprintf(where, sizeof(where), "in %s", what);
		struct lab_iface ifc = { .index = (unsigned)idx, .line = name->line, .column = name->column };
		if (ynode_is_null(val)) {
			topo_error(c->r, name->line, name->column,
			    "%s has no `switch` (expected a mapping such as %s: {switch: S1, ip: 10.0.0.1/24})",
			    what, name->show ? name->show : "eth0");
			continue;
		}
		if (!want_mapping(c, name, val, false, what,
		    "a mapping such as {switch: S1, ip: 10.0.0.1/24}"))
			continue;
		struct field f[] = { { .name = "switch" }, { .name = "ip" }, { .name = "mac" },
		    { .name = "capture" }, { .name = "link" } };
		map_fields(c, val, f, 5, where);
		if (f[3].val != NULL)
			check_capture(c, f[3].key, f[3].val, what, &ifc.capture);
		if (f[4].val != NULL) {
			check_link(c, f[4].key, f[4].val, what, &ifc.link);
			ifc.link_line = f[4].key->line;
			ifc.link_column = f[4].key->column;
		}
		bool ok = idx >= 0;
		if (f[0].val == NULL) {
			topo_error(c->r, name->line, name->column,
			    "%s has no `switch` (expected a key such as switch: S1)", what);
			ok = false;
		} else {
			const struct ynode *s = want_scalar(c, f[0].key, f[0].val, what, "a switch name");
			long sw = s != NULL ? find_switch(c, s, what) : -1;
			if (sw < 0) {
				ok = false;
			} else if (++c->switch_ports[sw] == LAB_SWITCH_PORTS_MAX + 1) {
				topo_error(c->r, s->line, s->column, "switch %s is full: %s would be its "
				    "interface number %u (expected at most %u on one switch; put the "
				    "others on a second switch and route between them)", s->show, what,
				    LAB_SWITCH_PORTS_MAX + 1, LAB_SWITCH_PORTS_MAX);
				ok = false;
			} else {
				ifc.sw = (size_t)sw;
			}
		}
		if (f[1].val != NULL) {
			const struct ynode *s = want_scalar(c, f[1].key, f[1].val, what, IP_EXAMPLE);
			if (s == NULL || !check_ip(c, s, what, &ifc)) {
				nets->trouble = true;
				ok = false;
			} else {
				const char *ifname = name->type == YNODE_SCALAR ? name->show : "?";
				nets->v[nets->n++] = (struct subnet){ ntohl(ifc.addr.s_addr), ifc.prefix,
				    s->line, s->column, s->show, ifname };
				use_add(&c->addrs, &c->n_addrs, ntohl(ifc.addr.s_addr), s->line, s->column,
				    true, ifname, iname);
			}
		}
		if (f[2].val != NULL) {
			const struct ynode *s = want_scalar(c, f[2].key, f[2].val, what,
			    "a MAC address such as 02:00:00:00:00:01");
			if (s == NULL) {
				ok = false;
			} else if (!mac_parse(s, ifc.mac)) {
				value_error(c, s, "mac", what,
				    "is not a MAC address (expected six hex bytes such as 02:00:00:00:00:01)");
				ok = false;
			} else if (mac_key(ifc.mac) == 0xffffffffffffULL || mac_key(ifc.mac) == 0 ||
			    (ifc.mac[0] & 1)) {
				value_error(c, s, "mac", what, "is %s (expected a unicast address such as 02:00:00:00:00:01)",
				    mac_key(ifc.mac) == 0 ? "all zeros" :
				    mac_key(ifc.mac) == 0xffffffffffffULL ? "the broadcast address" :
				    "a multicast address, its first byte is odd");
				ok = false;
			} else {
				ifc.mac_given = true;
				use_add(&c->macs, &c->n_macs, mac_key(ifc.mac), s->line, s->column, true,
				    name->show, iname);
			}
		}
		if (!ok)
			continue;
		str_copy(ifc.name, sizeof(ifc.name), name->str);	/* checked: eth0 .. eth15 */
		if (!ifc.mac_given) {
			lab_default_mac(c->lab_name, iname, ifc.name, ifc.mac);
			use_add(&c->macs, &c->n_macs, mac_key(ifc.mac), name->line, name->column, false,
			    ifc.name, iname);
		}
		in->ifaces[in->n_ifaces++] = ifc;
	}
	/* Two interfaces of one instance on overlapping subnets make the kernel's choice of
	 * interface arbitrary: always a mistake in a teaching lab. Reported at the later one
	 * (the same address twice is reported as such, lab-wide). */
	for (size_t j = 1; j < nets->n; j++)
		for (size_t i = 0; i < j; i++) {
			const struct subnet *a = &nets->v[i], *b = &nets->v[j];
			uint32_t m = prefix_mask(a->prefix < b->prefix ? a->prefix : b->prefix);
			if (a->addr == b->addr || (a->addr & m) != (b->addr & m))
				continue;
			topo_error(c->r, b->line, b->column,
			    "ip `%s` of interface %s of %s overlaps the subnet of %s (`%s`, line %d) (expected each interface of an instance on its own subnet)",
			    b->ip, b->iface, iname, a->iface, a->ip, a->line);
			break;
		}
}

static int iface_cmp(const void *a, const void *b)
{
	const struct lab_iface *x = a, *y = b;
	return (x->index > y->index) - (x->index < y->index);
}

static void check_routes(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_instance *in, const char *iname, const struct subnets *nets)
{
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = at(key, seq);
		topo_error(c->r, p->line, p->column,
		    "`routes` of instance %s is %s (expected a list such as routes: [" ROUTE_EXAMPLE "])", iname,
		    kind(seq));
		return;
	}
	in->routes = xcalloc(seq->n_kids, sizeof(*in->routes));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *item = seq->kids[k];
		char what[96], where[sizeof(what) + 8];
		snprintf(what, sizeof(what), "route %zu of %s", k + 1, iname);
		snprintf(where, sizeof(where), "in %s", what);
		if (!want_mapping(c, item, item, false, what, "a mapping such as " ROUTE_EXAMPLE))
			continue;
		struct field f[] = { { .name = "to" }, { .name = "via" } };
		map_fields(c, item, f, 2, where);
		struct lab_route rt = { .line = item->line, .column = item->column };
		bool ok = true;
		const struct ynode *to = NULL, *via = NULL;
		for (int i = 0; i < 2; i++)
			if (f[i].val == NULL) {
				topo_error(c->r, item->line, item->column, "%s has no `%s` (expected %s)", what,
				    f[i].name, ROUTE_EXAMPLE);
				ok = false;
			}
		if (f[0].val != NULL) {
			to = want_scalar(c, f[0].key, f[0].val, what, "NETWORK/PREFIX or default");
		}
		if (to != NULL && strcmp(to->str, "default") == 0 && to->len == 7) {
			rt.is_default = true;
		} else if (to != NULL) {
			uint32_t a;
			unsigned prefix = 0;
			enum cidr_result res = cidr_parse(to, &a, &prefix);
			if (res != CIDR_OK) {
				value_error(c, to, "to", what,
				    "is not a network (expected NETWORK/PREFIX such as 10.0.2.0/24, or default)");
				to = NULL;
			} else if ((a & ~prefix_mask(prefix)) != 0) {
				char net[16];
				ip4_format(a & prefix_mask(prefix), net);
				value_error(c, to, "to", what, "has host bits set (expected the network address, %s/%u)",
				    net, prefix);
				to = NULL;
			} else {
				rt.is_default = prefix == 0;
				rt.to.s_addr = htonl(a);
				rt.prefix = prefix;
			}
		}
		if (to == NULL)
			ok = false;
		if (f[1].val != NULL) {
			via = want_scalar(c, f[1].key, f[1].val, what, "a gateway address such as 10.0.1.254");
		}
		uint32_t gw = 0;
		if (via != NULL && !ip4_parse(via->str, via->len, &gw)) {
			value_error(c, via, "via", what,
			    "is not an IPv4 address (expected a gateway address such as 10.0.1.254, without a prefix)");
			via = NULL;
		}
		if (via != NULL && !nets->trouble) {
			const struct subnet *on = NULL;
			for (size_t i = 0; i < nets->n && on == NULL; i++) {
				uint32_t m = prefix_mask(nets->v[i].prefix);
				if ((nets->v[i].addr & m) == (gw & m))
					on = &nets->v[i];
			}
			if (on == NULL && nets->n == 0) {
				value_error(c, via, "via", what,
				    "cannot be reached: %s has no `ip` on any interface (expected the address of a router on the subnet of one of its interfaces)",
				    iname);
				via = NULL;
			} else if (on == NULL) {
				value_error(c, via, "via", what,
				    "is on none of %s's subnets (expected the address of a router on the subnet of one of its interfaces)",
				    iname);
				via = NULL;
			} else if (on->addr == gw) {
				value_error(c, via, "via", what,
				    "is %s's own address on %s (expected the address of another host, the router)",
				    iname, on->iface);
				via = NULL;
			} else if (on->prefix < 31 && ((gw & ~prefix_mask(on->prefix)) == 0 ||
			    (gw & ~prefix_mask(on->prefix)) == ~prefix_mask(on->prefix))) {
				value_error(c, via, "via", what,
				    "is the network or broadcast address of the subnet of %s (expected a host address)",
				    on->iface);
				via = NULL;
			}
		}
		if (via == NULL)
			ok = false;
		if (!ok)
			continue;
		rt.via.s_addr = htonl(gw);
		for (size_t i = 0; i < in->n_routes; i++) {
			const struct lab_route *o = &in->routes[i];
			if (o->is_default == rt.is_default && o->prefix == rt.prefix &&
			    o->to.s_addr == rt.to.s_addr) {
				topo_error(c->r, to->line, to->column,
				    "%s goes to `%s`, like the route at line %d (expected each destination once)",
				    what, to->show, o->line);
				ok = false;
				break;
			}
		}
		if (ok)
			in->routes[in->n_routes++] = rt;
	}
}

static void check_startup(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_instance *in, const char *iname)
{
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = at(key, seq);
		topo_error(c->r, p->line, p->column,
		    "`startup` of instance %s is %s (expected a list of shell commands such as startup: [\"ping -c 1 10.0.0.2\"])",
		    iname, kind(seq));
		return;
	}
	in->startup = xcalloc(seq->n_kids, sizeof(*in->startup));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *s = seq->kids[k];
		char what[96];
		snprintf(what, sizeof(what), "startup command %zu of %s", k + 1, iname);
		if (s->type == YNODE_ALIAS)
			continue;
		if (s->type == YNODE_SCALAR && s->len == 0) {
			topo_error(c->r, s->line, s->column, "%s is empty (expected a shell command)", what);
		} else if (s->type != YNODE_SCALAR || ynode_is_null(s)) {
			topo_error(c->r, s->line, s->column, "%s is %s (expected a shell command as a string)",
			    what, kind(s));
		} else if (s->len > STARTUP_CMD_MAX) {
			topo_error(c->r, s->line, s->column, "%s is %zu bytes long (expected at most %d)", what,
			    s->len, STARTUP_CMD_MAX);
		} else if (strlen(s->str) != s->len) {
			topo_error(c->r, s->line, s->column, "%s contains a NUL byte (expected a shell command)",
			    what);
		} else {
			in->startup[in->n_startup++] = xstrdup(s->str);
		}
	}
}

/* ---- images and shares ---- */

/* An absolute path for a path in the file (relative ones start at the file's directory),
 * canonical when it exists so that symbolic links and ".." are resolved once, here. */
static char *path_resolve(struct checker *c, const struct ynode *s, struct stat *st, bool *exists)
{
	char *joined = s->str[0] == '/' ? xstrdup(s->str) : xasprintf("%s/%s", c->base_dir, s->str);
	char *real = realpath(joined, NULL);
	*exists = real != NULL && stat(real, st) == 0;
	if (real == NULL)
		return joined;
	free(joined);
	return real;
}

static bool text_tame(const struct ynode *s)
{
	if (strlen(s->str) != s->len)
		return false;
	for (size_t i = 0; i < s->len; i++)
		if ((unsigned char)s->str[i] <= ' ' || s->str[i] == 0x7f)
			return false;
	return true;
}

/* A Debian release (bookworm, stable, sid, bookworm-backports) or package name. */
static bool debian_word(const struct ynode *s, size_t min)
{
	if (s->len < min || s->len > 64 || strlen(s->str) != s->len)
		return false;
	if (!((s->str[0] >= 'a' && s->str[0] <= 'z') || (s->str[0] >= '0' && s->str[0] <= '9')))
		return false;
	for (size_t i = 1; i < s->len; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789+.-", s->str[i]) == NULL)
			return false;
	return true;
}

static bool url_scheme_ok(const struct ynode *s, bool allow_file)
{
	return strncmp(s->str, "http://", 7) == 0 || strncmp(s->str, "https://", 8) == 0 ||
	    (allow_file && strncmp(s->str, "file:///", 8) == 0);
}

static void check_packages(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_image *im, const char *what)
{
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = at(key, seq);
		topo_error(c->r, p->line, p->column,
		    "`packages` of %s is %s (expected a list of Debian packages such as [iproute2, tcpdump])",
		    what, kind(seq));
		return;
	}
	if (seq->n_kids > PACKAGES_MAX) {
		topo_error(c->r, seq->line, seq->column, "`packages` of %s lists %zu packages (expected at most %d)",
		    what, seq->n_kids, PACKAGES_MAX);
		return;
	}
	im->packages = xcalloc(seq->n_kids + 1, sizeof(*im->packages));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *p = seq->kids[k];
		if (p->type == YNODE_ALIAS)
			continue;
		if (p->type != YNODE_SCALAR || ynode_is_null(p)) {
			topo_error(c->r, p->line, p->column, "package %zu of %s is %s (expected a package name)",
			    k + 1, what, kind(p));
		} else if (!debian_word(p, 2)) {
			value_error(c, p, "package", what,
			    "is not a Debian package name (expected lower-case letters, digits and + . -, such as iproute2)");
		} else {
			im->packages[im->n_packages++] = xstrdup(p->str);
		}
	}
}

static void check_image(struct checker *c, const struct ynode *name, const struct ynode *val)
{
	if (name->type != YNODE_SCALAR) {
		topo_error(c->r, name->line, name->column, "an image name is %s (expected a name of " NAME_RULE ")",
		    kind(name));
		return;
	}
	bool ok = true;
	if (strlen(name->str) != name->len || !lab_name_valid(name->str)) {
		topo_error(c->r, name->line, name->column, "image name `%s` is not valid (expected " NAME_RULE ")",
		    name->show);
		ok = false;
	} else if (strcmp(name->str, LAB_IMAGE_BUILTIN) == 0) {
		topo_error(c->r, name->line, name->column,
		    "image name `busybox` is the built-in image's (expected another name; `image: busybox` needs no definition)");
		ok = false;
	}
	char what[96];
	snprintf(what, sizeof(what), "image %s", name->show);
	struct lab_image im = { .line = name->line, .column = name->column };
	if (ynode_is_null(val)) {
		topo_error(c->r, name->line, name->column, "%s is empty (expected %s)", what, IMAGE_EXAMPLE);
		ok = false;
	} else if (!want_mapping(c, name, val, false, what, IMAGE_EXAMPLE)) {
		ok = false;
	} else {
		enum { F_BUSYBOX, F_DEBIAN, F_PACKAGES, F_MIRROR, F_URL, F_SHA256, F_FILE, F_N };
		struct field f[] = { { .name = "busybox" }, { .name = "debian" }, { .name = "packages" },
		    { .name = "mirror" }, { .name = "url" }, { .name = "sha256" }, { .name = "file" } };
		char where[128];
		snprintf(where, sizeof(where), "in %s", what);
		map_fields(c, val, f, F_N, where);
		const int kinds[] = { F_BUSYBOX, F_DEBIAN, F_URL, F_FILE };
		const struct field *chosen = NULL;
		for (size_t i = 0; i < 4; i++) {
			const struct field *k = &f[kinds[i]];
			if (k->key == NULL)
				continue;
			if (chosen != NULL) {
				topo_error(c->r, k->key->line, k->key->column,
				    "%s has both `%s` and `%s` (expected one kind: busybox, debian, url or file)",
				    what, chosen->name, k->name);
				ok = false;
				continue;
			}
			chosen = k;
		}
		if (chosen == NULL) {
			topo_error(c->r, name->line, name->column,
			    "%s has no kind (expected one of the keys debian, url, file or busybox)", what);
			ok = false;
		}
		/* Keys that belong to one kind only. */
		static const struct { int field, owner; } owned[] = {
			{ F_PACKAGES, F_DEBIAN }, { F_MIRROR, F_DEBIAN }, { F_SHA256, F_URL },
		};
		for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
			const struct field *k = &f[owned[i].field];
			if (k->key != NULL && chosen != NULL && chosen != &f[owned[i].owner]) {
				topo_error(c->r, k->key->line, k->key->column,
				    "`%s` of %s belongs to `%s` images (expected it only with %s:)", k->name, what,
				    f[owned[i].owner].name, f[owned[i].owner].name);
				ok = false;
			}
		}
		if (chosen == &f[F_BUSYBOX]) {
			im.kind = LAB_IMAGE_BUSYBOX;
			bool yes = true;
			if (!ynode_is_null(chosen->val) && want_bool(c, chosen->key, chosen->val, what, &yes) && !yes) {
				value_error(c, chosen->val, "busybox", what, "says no (expected busybox: true, or another kind)");
				ok = false;
			}
		} else if (chosen == &f[F_DEBIAN]) {
			im.kind = LAB_IMAGE_DEBIAN;
			const struct ynode *s = want_scalar(c, chosen->key, chosen->val, what,
			    "a Debian release such as bookworm");
			if (s != NULL && !debian_word(s, 1)) {
				value_error(c, s, "debian", what, "is not a Debian release (expected a name such as bookworm)");
				s = NULL;
			}
			if (s == NULL)
				ok = false;
			else
				im.release = xstrdup(s->str);
			if (f[F_PACKAGES].val != NULL)
				check_packages(c, f[F_PACKAGES].key, f[F_PACKAGES].val, &im, what);
			if (f[F_MIRROR].val != NULL) {
				const struct ynode *m = want_scalar(c, f[F_MIRROR].key, f[F_MIRROR].val, what,
				    "a Debian mirror such as http://deb.debian.org/debian");
				if (m != NULL && (!text_tame(m) || m->len > URL_MAX || !url_scheme_ok(m, true))) {
					value_error(c, m, "mirror", what,
					    "is not a mirror URL (expected http://, https:// or file:/// such as http://deb.debian.org/debian)");
					m = NULL;
				}
				if (m == NULL)
					ok = false;
				else
					im.mirror = xstrdup(m->str);
			}
		} else if (chosen == &f[F_URL]) {
			im.kind = LAB_IMAGE_URL;
			const struct ynode *u = want_scalar(c, chosen->key, chosen->val, what,
			    "an http://, https:// or file:/// URL");
			if (u != NULL && (!text_tame(u) || u->len > URL_MAX || !url_scheme_ok(u, true) ||
			    u->len <= 8)) {
				value_error(c, u, "url", what,
				    "is not a URL umllab can download (expected http://, https:// or file:/// and no spaces)");
				u = NULL;
			}
			if (u == NULL)
				ok = false;
			else
				im.url = xstrdup(u->str);
			if (f[F_SHA256].val == NULL) {
				topo_error(c->r, chosen->key->line, chosen->key->column,
				    "%s has no `sha256` (expected the SHA-256 of the file, 64 hex digits: sha256sum prints it)",
				    what);
				ok = false;
			} else {
				const struct ynode *h = want_scalar(c, f[F_SHA256].key, f[F_SHA256].val, what,
				    "64 hex digits");
				bool hex = h != NULL && h->len == 64;
				for (size_t i = 0; hex && i < 64; i++)
					hex = hexval(h->str[i]) >= 0;
				if (h != NULL && !hex)
					value_error(c, h, "sha256", what,
					    "is not a SHA-256 (expected 64 hex digits, as sha256sum prints them)");
				if (!hex) {
					ok = false;
				} else {
					for (size_t i = 0; i < 64; i++)
						im.sha256[i] = (char)(h->str[i] | 0x20);	/* lower case */
				}
			}
		} else if (chosen == &f[F_FILE]) {
			im.kind = LAB_IMAGE_FILE;
			const struct ynode *p = want_scalar(c, chosen->key, chosen->val, what,
			    "the path of an image or a root-filesystem tarball");
			if (p != NULL && strlen(p->str) != p->len)
				p = NULL;
			if (p == NULL) {
				ok = false;
			} else {
				struct stat st;
				bool exists;
				char *path = path_resolve(c, p, &st, &exists);
				if (!exists || !S_ISREG(st.st_mode)) {
					value_error(c, p, "file", what, "%s (expected an ext2/3/4 image or a tarball; "
					    "a relative path starts at the topology file's directory)",
					    exists ? "is not a regular file" : "does not exist");
					free(path);
					ok = false;
				} else {
					im.file = path;
				}
			}
		}
	}
	if (ok)
		str_copy(im.name, sizeof(im.name), name->str);
	else
		im.name[0] = '\0';	/* kept for lab_free(); never found by name */
	c->lab->images = grow(c->lab->images, c->lab->n_images, &c->cap_images, sizeof(*c->lab->images));
	c->lab->images[c->lab->n_images++] = im;
}

static void check_images(struct checker *c, const struct ynode *key, const struct ynode *map)
{
	if (!want_mapping(c, key, map, true, "`images`",
	    "a mapping of image names, such as images: {deb: {debian: bookworm, packages: [iproute2]}}")) {
		c->images_bad = !ynode_is_null(map);
		return;
	}
	c->images = map;
	for (size_t k = 0; k + 1 < map->n_kids; k += 2)
		if (!map->kids[k]->dup && map->kids[k]->type != YNODE_ALIAS)
			check_image(c, map->kids[k], map->kids[k + 1]);
}

/* Index of image `s` in the lab; -1 after reporting it undefined (unless its definition
 * was already reported as bad). */
static long find_image(struct checker *c, const struct ynode *s, const char *owner)
{
	for (size_t i = 0; i < c->lab->n_images; i++)
		if (c->lab->images[i].name[0] != '\0' && strcmp(c->lab->images[i].name, s->str) == 0 &&
		    strlen(c->lab->images[i].name) == s->len)
			return (long)i;
	if (c->images != NULL)
		for (size_t k = 0; k < c->images->n_kids; k += 2) {
			const struct ynode *n = c->images->kids[k];
			if (n->type == YNODE_SCALAR && n->len == s->len && memcmp(n->str, s->str, s->len) == 0)
				return -1;
		}
	if (c->images_bad)
		return -1;
	char list[160] = LAB_IMAGE_BUILTIN;
	for (size_t i = 1; i < c->lab->n_images; i++) {
		size_t used = strlen(list);
		if (c->lab->images[i].name[0] == '\0')
			continue;
		if (used + LAB_NAME_MAX + 8 > sizeof(list)) {
			snprintf(list + used, sizeof(list) - used, ", ...");
			break;
		}
		snprintf(list + used, sizeof(list) - used, ", %s", c->lab->images[i].name);
	}
	value_error(c, s, "image", owner, "is not defined (expected one of: %s; or define it under `images:`)",
	    list);
	return -1;
}

/* `share: DIR`, `share: {dir: DIR, readonly: BOOL}` or (for an instance) `share: none`. */
static bool check_share(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, bool none_ok, struct lab_share *out)
{
	const struct ynode *dir = NULL;
	bool readonly = false, symlinks = false, ok = true;
	if (val->type == YNODE_ALIAS)
		return false;
	if (val->type == YNODE_MAPPING) {
		struct field f[] = { { .name = "dir" }, { .name = "readonly" }, { .name = "symlinks" } };
		char where[128];
		snprintf(where, sizeof(where), "in the share of %s", owner);
		map_fields(c, val, f, 3, where);
		if (f[0].val == NULL) {
			topo_error(c->r, val->line, val->column, "the share of %s has no `dir` (expected %s)", owner,
			    SHARE_EXAMPLE);
			ok = false;
		} else {
			dir = want_scalar(c, f[0].key, f[0].val, owner, "a directory such as ./shared");
		}
		if (f[1].val != NULL && !want_bool(c, f[1].key, f[1].val, owner, &readonly))
			ok = false;
		if (f[2].val != NULL && !want_bool(c, f[2].key, f[2].val, owner, &symlinks))
			ok = false;
	} else {
		dir = want_scalar(c, key, val, owner, SHARE_EXAMPLE);
		if (dir != NULL && none_ok && strcmp(dir->str, "none") == 0) {
			out->dir = NULL;
			return true;
		}
	}
	if (dir == NULL || strlen(dir->str) != dir->len)
		return false;
	struct stat st;
	bool exists;
	char *path = path_resolve(c, dir, &st, &exists);
	if (!exists || !S_ISDIR(st.st_mode)) {
		value_error(c, dir, "share", owner, "%s (expected an existing directory; a relative path starts "
		    "at the topology file's directory)", exists ? "is not a directory" : "does not exist");
		free(path);
		return false;
	}
	if (!ok) {
		free(path);
		return false;
	}
	out->dir = path;
	out->readonly = readonly;
	out->symlinks = symlinks;
	out->line = dir->line;
	out->column = dir->column;
	return true;
}

#define DISK_EXAMPLE "a list such as [{file: data.xfs}, {size: 1G}]"
#define DISK_SIZE_MIN (1ULL << 20)
#define DISK_SIZE_MAX (1ULL << 40)

/* One item of `disks:`: FILE, {file: FILE, readonly: BOOL} or {size: SIZE}. */
static bool check_disk(struct checker *c, const struct ynode *item, const char *owner,
    struct lab_disk *out)
{
	const struct ynode *file = NULL, *size = NULL;
	bool ok = true;
	*out = (struct lab_disk){ .line = item->line, .column = item->column };
	if (item->type == YNODE_ALIAS)
		return false;
	if (item->type == YNODE_MAPPING) {
		struct field f[] = { { .name = "file" }, { .name = "size" }, { .name = "readonly" } };
		char where[128];
		snprintf(where, sizeof(where), "in a disk of %s", owner);
		map_fields(c, item, f, 3, where);
		if ((f[0].val == NULL) == (f[1].val == NULL)) {
			topo_error(c->r, item->line, item->column, "a disk of %s has %s (expected either `file` "
			    "or `size`, such as {file: data.xfs} or {size: 1G})", owner,
			    f[0].val == NULL ? "neither `file` nor `size`" : "both `file` and `size`");
			return false;
		}
		if (f[0].val != NULL)
			file = want_scalar(c, f[0].key, f[0].val, owner, "a file such as data.xfs");
		if (f[1].val != NULL)
			size = want_scalar(c, f[1].key, f[1].val, owner, "a size such as 1G");
		if (f[2].val != NULL && !want_bool(c, f[2].key, f[2].val, owner, &out->readonly))
			ok = false;
		if (f[2].val != NULL && f[1].val != NULL && out->readonly) {
			value_error(c, f[2].val, "readonly", owner, "is true on a fresh disk (expected "
			    "readonly only with `file`: a fresh disk starts empty)");
			ok = false;
		}
		if ((f[0].val != NULL && file == NULL) || (f[1].val != NULL && size == NULL))
			return false;
	} else if (item->type != YNODE_SCALAR || ynode_is_null(item)) {
		topo_error(c->r, item->line, item->column, "a disk of %s is %s (expected a file such as "
		    "data.xfs, or {size: 1G})", owner, kind(item));
		return false;
	} else {
		file = item;
	}
	if (size != NULL) {
		int rc = mem_parse(size, &out->size_bytes);
		if (rc == -1) {
			value_error(c, size, "size", owner,
			    "is not a size (expected bytes with an optional K, M or G suffix, such as 1G)");
			return false;
		}
		if (rc == -2 || out->size_bytes > DISK_SIZE_MAX || out->size_bytes < DISK_SIZE_MIN) {
			value_error(c, size, "size", owner, "is out of range (expected 1M to 1024G; the file is "
			    "sparse, so only what the guest writes takes room)");
			return false;
		}
		return ok;
	}
	/* UML splits a disk argument at , and : (COW file and image), and the
	 * kernel's command line at white space. */
	if (!text_tame(file) || strpbrk(file->str, ",:") != NULL) {
		value_error(c, file, "file", owner, "cannot be given to UML (expected a path without "
		    "white space, `,` or `:`)");
		return false;
	}
	struct stat st;
	bool exists;
	char *path = path_resolve(c, file, &st, &exists);
	if (!exists || !S_ISREG(st.st_mode)) {
		value_error(c, file, "file", owner, "%s (expected an existing file, such as one made with "
		    "`truncate -s 1G data.xfs`; a relative path starts at the topology file's directory)",
		    exists ? "is not a regular file" : "does not exist");
		free(path);
		return false;
	}
	out->file = path;
	return ok;
}

/* `disks: [...]`: the instance's extra disks, ubd1 and up. */
static void check_disks(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_instance *in, const char *owner)
{
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = at(key, seq);
		topo_error(c->r, p->line, p->column, "`disks` of %s is %s (expected " DISK_EXAMPLE ")", owner,
		    kind(seq));
		return;
	}
	in->disks = xcalloc(seq->n_kids ? seq->n_kids : 1, sizeof(*in->disks));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *item = seq->kids[k];
		if (k == LAB_DISKS_MAX) {
			topo_error(c->r, item->line, item->column, "disk %zu of %s is one too many (expected at "
			    "most %d: UML has ubd1 to ubd15 besides the root disk)", k + 1, owner, LAB_DISKS_MAX);
			return;
		}
		struct lab_disk d;
		if (check_disk(c, item, owner, &d))
			in->disks[in->n_disks++] = d;
		else
			free(d.file);
	}
}

static void check_instance(struct checker *c, const struct ynode *name, const struct ynode *val)
{
	bool ok = true;
	if (name->type != YNODE_SCALAR) {
		topo_error(c->r, name->line, name->column,
		    "an instance name is %s (expected a name of " NAME_RULE ")", kind(name));
		return;
	}
	if (strlen(name->str) != name->len || !lab_name_valid(name->str)) {
		topo_error(c->r, name->line, name->column,
		    "instance name `%s` is not valid (expected " NAME_RULE ")", name->show);
		ok = false;
	}
	const char *iname = name->show;
	char what[96];
	snprintf(what, sizeof(what), "instance %s", iname);
	struct lab_instance in = { .mem_bytes = LAB_MEM_DEFAULT, .line = name->line,
	    .column = name->column, .image = c->default_image, .host = -1 };
	bool own_share = false;
	if (want_mapping(c, name, val, true, what,
	    "a mapping such as {interfaces: {eth0: {switch: S1}}}, or nothing")) {
		struct field f[] = { { .name = "mem" }, { .name = "interfaces" }, { .name = "routes" },
		    { .name = "forward" }, { .name = "startup" }, { .name = "restart" },
		    { .name = "image" }, { .name = "share" }, { .name = "unsafe_shared_root" },
		    { .name = "disks" }, { .name = "host" } };
		char where[128];
		snprintf(where, sizeof(where), "in instance %s", iname);
		map_fields(c, val, f, 11, where);
		if (f[0].val != NULL) {
			const struct ynode *s = want_scalar(c, f[0].key, f[0].val, what, "a size such as 64M");
			int rc = s != NULL ? mem_parse(s, &in.mem_bytes) : 0;
			if (rc == -1)
				value_error(c, s, "mem", what,
				    "is not a size (expected bytes with an optional K, M or G suffix, such as 64M)");
			else if (s != NULL && (rc == -2 || in.mem_bytes > MEM_MAX))
				value_error(c, s, "mem", what, "is too large (expected at most 4G)");
			else if (s != NULL && in.mem_bytes < MEM_MIN)
				value_error(c, s, "mem", what, "is too small (expected at least 16M)");
		}
		struct subnets nets = { 0 };
		if (f[1].val != NULL)
			check_interfaces(c, f[1].key, f[1].val, &in, iname, &nets);
		if (f[2].val != NULL)
			check_routes(c, f[2].key, f[2].val, &in, iname, &nets);
		free(nets.v);
		if (f[3].val != NULL) {
			want_bool(c, f[3].key, f[3].val, what, &in.forward);
		}
		if (f[4].val != NULL)
			check_startup(c, f[4].key, f[4].val, &in, iname);
		if (f[5].val != NULL) {
			const struct ynode *r = want_scalar(c, f[5].key, f[5].val, what,
			    "on-failure, always or never");
			if (r != NULL && strcmp(r->str, "always") == 0)
				in.restart = LAB_RESTART_ALWAYS;
			else if (r != NULL && strcmp(r->str, "never") == 0)
				in.restart = LAB_RESTART_NEVER;
			else if (r != NULL && strcmp(r->str, "on-failure") != 0)
				value_error(c, r, "restart", what,
				    "is not a restart policy (expected on-failure, always or never)");
		}
		if (f[6].val != NULL) {
			const struct ynode *s = want_scalar(c, f[6].key, f[6].val, what, "an image name");
			long im = s != NULL ? find_image(c, s, what) : -1;
			if (im >= 0)
				in.image = (size_t)im;
		}
		if (f[7].val != NULL)
			own_share = check_share(c, f[7].key, f[7].val, what, true, &in.share);
		if (f[8].val != NULL)
			want_bool(c, f[8].key, f[8].val, what, &in.unsafe_shared_root);
		if (f[9].val != NULL)
			check_disks(c, f[9].key, f[9].val, &in, what);
		if (f[10].val != NULL)
			check_host(c, f[10].key, f[10].val, what, &in.host);
	}
	/* Without a `share:` of its own, an instance sees the lab's. */
	if (!own_share && c->lab->share.dir != NULL) {
		in.share = c->lab->share;
		in.share.dir = xstrdup(c->lab->share.dir);
	}
	if (in.n_ifaces > 1)
		qsort(in.ifaces, in.n_ifaces, sizeof(*in.ifaces), iface_cmp);
	if (ok)
		str_copy(in.name, sizeof(in.name), name->str);
	/* Kept even when bad so lab_free() has one place that frees everything. */
	c->lab->instances = grow(c->lab->instances, c->lab->n_instances, &c->cap_instances,
	    sizeof(*c->lab->instances));
	c->lab->instances[c->lab->n_instances++] = in;
}

static void check_instances(struct checker *c, const struct ynode *root, const struct ynode *key,
    const struct ynode *map)
{
	static const char expected[] =
	    "a mapping of instance names such as instances: {umlA: {interfaces: {eth0: {switch: S1}}}}";
	if (key == NULL) {
		topo_error(c->r, root->line, root->column, "the lab has no `instances` (expected %s)",
		    expected);
		return;
	}
	if (ynode_is_null(map) || (map->type == YNODE_MAPPING && map->n_kids == 0)) {
		const struct ynode *p = at(key, map);
		topo_error(c->r, p->line, p->column, "`instances` is empty (expected at least one instance)");
		return;
	}
	if (!want_mapping(c, key, map, false, "`instances`", expected))
		return;
	c->switch_ports = xcalloc(c->lab->n_switches + 1, sizeof(*c->switch_ports));
	for (size_t i = 0; i < c->lab->n_switches; i++)
		c->switch_ports[i] = (unsigned)c->lab->switches[i].n_trunks;	/* a trunk is a port */
	size_t seen = 0;
	for (size_t k = 0; k + 1 < map->n_kids; k += 2) {
		const struct ynode *name = map->kids[k];
		if (name->dup || name->type == YNODE_ALIAS)
			continue;
		if (++seen > LAB_INSTANCES_MAX) {
			topo_error(c->r, name->line, name->column, "instance %s is one too many "
			    "(expected at most %d instances in a lab)", name->show, LAB_INSTANCES_MAX);
			break;
		}
		check_instance(c, name, map->kids[k + 1]);
	}
}

/* A disk file written by two instances (or twice by one): UML locks it, so
 * the second kernel would fail to boot. Reported at the later one. */
static void check_disk_owners(struct checker *c)
{
	const struct lab *lab = c->lab;
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		for (size_t k = 0; k < in->n_disks; k++) {
			const struct lab_disk *d = &in->disks[k];
			if (d->file == NULL)
				continue;
			for (size_t j = 0; j <= i; j++) {
				const struct lab_instance *o = &lab->instances[j];
				size_t end = j == i ? k : o->n_disks;
				size_t m = 0;
				for (; m < end; m++)
					if (o->disks[m].file != NULL && strcmp(o->disks[m].file, d->file) == 0 &&
					    !(d->readonly && o->disks[m].readonly))
						break;
				if (m == end)
					continue;
				topo_error(c->r, d->line, d->column, "disk %s of %s is already a disk of %s at "
				    "line %d, column %d (expected each writable disk file on one instance; "
				    "`readonly: true` on every one of them shares it)", d->file, in->name,
				    o->name, o->disks[m].line, o->disks[m].column);
				j = i;	/* once per disk */
			}
		}
	}
}

/* Addresses and MACs given twice anywhere in the lab: reported at each later one. */
static void check_uniques(struct checker *c)
{
	if (c->n_addrs > 1)
		qsort(c->addrs, c->n_addrs, sizeof(*c->addrs), use_cmp);
	for (size_t i = 1; i < c->n_addrs; i++) {
		const struct use *u = &c->addrs[i];
		size_t first = i;
		while (first > 0 && c->addrs[first - 1].key == u->key)
			first--;
		if (first == i)
			continue;
		char a[16];
		ip4_format((uint32_t)u->key, a);
		topo_error(c->r, u->line, u->column,
		    "address %s of %s is already used by %s at line %d, column %d (expected each address once in the lab)",
		    a, u->who, c->addrs[first].who, c->addrs[first].line, c->addrs[first].column);
	}
	if (c->n_macs > 1)
		qsort(c->macs, c->n_macs, sizeof(*c->macs), use_cmp);
	for (size_t i = 1; i < c->n_macs; i++) {
		const struct use *u = &c->macs[i];
		size_t first = i;
		while (first > 0 && c->macs[first - 1].key == u->key)
			first--;
		if (first == i)
			continue;
		const struct use *f = &c->macs[first];
		char m[18];
		mac_format(u->key, m);
		topo_error(c->r, u->line, u->column,
		    "%s %s of %s is already used by %s at line %d, column %d (expected each interface to have its own MAC%s)",
		    u->given ? "mac" : "the default mac", m, u->who, f->who, f->line, f->column,
		    u->given ? "" : "; give one of them another `mac:`");
	}
}

struct lab *topo_build(struct topo_report *r, const struct ynode *root, const char *default_name,
    const char *base_dir)
{
	struct checker c = { .r = r, .lab = xcalloc(1, sizeof(struct lab)), .lab_name = default_name,
	    .base_dir = base_dir };
	/* The built-in image is always there, first, so that `image: busybox` needs no definition. */
	c.lab->images = grow(c.lab->images, 0, &c.cap_images, sizeof(*c.lab->images));
	c.lab->images[0] = (struct lab_image){ .kind = LAB_IMAGE_BUSYBOX };
	str_copy(c.lab->images[0].name, sizeof(c.lab->images[0].name), LAB_IMAGE_BUILTIN);
	c.lab->n_images = 1;
	if (root->type == YNODE_ALIAS)
		return c.lab;
	if (root->type != YNODE_MAPPING) {
		topo_error(r, root->line, root->column,
		    "the file holds %s (expected a mapping with `instances:` and optionally `name:` and `switches:`)",
		    ynode_is_null(root) ? "nothing" : kind(root));
		return c.lab;
	}
	struct field f[] = { { .name = "name" }, { .name = "switches" }, { .name = "instances" },
	    { .name = "images" }, { .name = "image" }, { .name = "share" },
	    { .name = "checks" } };	/* checks: read by core/checks/checks_spec.c */
	map_fields(&c, root, f, 7, "at the top level");
	check_name(&c, f[0].key, f[0].val, default_name);
	if (f[1].val != NULL)
		check_switches(&c, f[1].key, f[1].val);
	/* Images and the lab's share first: instances refer to them. */
	if (f[3].val != NULL)
		check_images(&c, f[3].key, f[3].val);
	if (f[4].val != NULL) {
		const struct ynode *s = want_scalar(&c, f[4].key, f[4].val, "the lab", "an image name");
		long im = s != NULL ? find_image(&c, s, "the lab") : -1;
		if (im >= 0)
			c.default_image = (size_t)im;
	}
	if (f[5].val != NULL)
		check_share(&c, f[5].key, f[5].val, "the lab", false, &c.lab->share);
	check_instances(&c, root, f[2].key, f[2].val);
	for (size_t i = 0; i < c.lab->n_instances; i++)
		c.lab->images[c.lab->instances[i].image].used = true;
	check_uniques(&c);
	check_disk_owners(&c);
	free(c.switch_ports);
	free(c.addrs);
	free(c.macs);
	return c.lab;
}

/* ---- the value checks, for other loaders of this dialect (core/checks/checks_spec.c) ---- */

void topo_map_fields(struct topo_report *r, const struct ynode *map, struct field *f, size_t nf,
    const char *where)
{
	struct checker c = { .r = r };
	map_fields(&c, map, f, nf, where);
}

const struct ynode *topo_want_scalar(struct topo_report *r, const struct ynode *key,
    const struct ynode *val, const char *owner, const char *expected)
{
	struct checker c = { .r = r };
	return want_scalar(&c, key, val, owner, expected);
}

bool topo_want_mapping(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    bool null_ok, const char *what, const char *expected)
{
	struct checker c = { .r = r };
	return want_mapping(&c, key, val, null_ok, what, expected);
}

bool topo_want_bool(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, bool *out)
{
	struct checker c = { .r = r };
	return want_bool(&c, key, val, owner, out);
}

const char *topo_kind(const struct ynode *n)
{
	return kind(n);
}

bool topo_ip4_parse(const char *s, size_t len, uint32_t *out)
{
	return ip4_parse(s, len, out);
}

bool topo_cidr_parse(const struct ynode *n, uint32_t *addr, unsigned *prefix)
{
	return cidr_parse(n, addr, prefix) == CIDR_OK;
}

bool topo_mac_parse(const struct ynode *n, uint8_t mac[6])
{
	return mac_parse(n, mac);
}
