/* core/lab/topology_check_capture.c: check `capture:` of a switch or an interface. */
#include "core/lab/topology_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

/* `capture: true`, or `capture: {filter: EXPR, max_size: 16M, files: 4}`. */
void topo_check_capture(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, struct lab_capture *out)
{
	static const char expected[] = "true, or a mapping such as {filter: icmp, max_size: 16M, files: 4}";
	struct lab_capture cap = { .on = true, .max_bytes = LAB_CAPTURE_MAX_BYTES_DEFAULT,
	    .files = LAB_CAPTURE_FILES_DEFAULT, .line = key->line, .column = key->column };
	if (val->type == YNODE_ALIAS)
		return;
	if (val->type == YNODE_SCALAR && !ynode_is_null(val)) {
		if (!topo_want_bool(c->r, key, val, owner, &cap.on))
			return;
		if (cap.on)
			*out = cap;
		return;
	}
	if (!topo_want_mapping(c->r, key, val, false, "`capture`", expected))
		return;
	struct field f[] = { { .name = "filter" }, { .name = "max_size" }, { .name = "files" } };
	char where[128];
	snprintf(where, sizeof(where), "in the capture of %s", owner);
	topo_map_fields(c->r, val, f, 3, where);
	bool ok = true;
	if (f[0].val != NULL) {
		const struct ynode *s = topo_want_scalar(c->r, f[0].key, f[0].val, owner,
		    "a tcpdump expression such as \"icmp or arp\"");
		if (s == NULL)
			ok = false;
		else if (strlen(s->str) != s->len || s->len >= sizeof(cap.filter)) {
			topo_value_error(c->r, s, "filter", owner, "is too long (expected at most %zu bytes)",
			    sizeof(cap.filter) - 1);
			ok = false;
		} else {
			memcpy(cap.filter, s->str, s->len + 1);
		}
	}
	if (f[1].val != NULL) {
		const struct ynode *s = topo_want_scalar(c->r, f[1].key, f[1].val, owner, "a size such as 16M");
		if (s == NULL || topo_size_parse(s, &cap.max_bytes) != 0 || cap.max_bytes < (64u << 10) ||
		    cap.max_bytes > (4ULL << 30)) {
			if (s != NULL)
				topo_value_error(c->r, s, "max_size", owner, "is not a size from 64K to 4G "
				    "(expected a number with K, M or G, such as 16M)");
			ok = false;
		}
	}
	if (f[2].val != NULL) {
		const struct ynode *s = topo_want_scalar(c->r, f[2].key, f[2].val, owner, "a number of files");
		char *end = NULL;
		long n = s != NULL ? strtol(s->str, &end, 10) : 0;
		if (s == NULL || *end != '\0' || n < 1 || n > 100) {
			if (s != NULL)
				topo_value_error(c->r, s, "files", owner, "is not a number of files from 1 to 100");
			ok = false;
		} else {
			cap.files = (unsigned)n;
		}
	}
	if (ok)
		*out = cap;
}
