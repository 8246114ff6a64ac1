/* core/lab/topology_check_link.c: check `link:`, the conditions (delay, loss, rate, ...) on an
 * interface's cable, with switch/linkcond. */
#include "core/lab/topology_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

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
	topo_map_fields(c->r, map, f, nf, where);
	for (size_t i = 0; i < NKINDS - 2; i++) {
		if (f[i].val == NULL)
			continue;
		const struct ynode *s = topo_want_scalar(c->r, f[i].key, f[i].val, owner,
		    "a value such as 50ms, 1%, 1mbit or a tcpdump expression");
		if (s == NULL)
			continue;
		for (size_t t = 0; t < ntargets; t++) {
			char *cause = NULL;
			if (strlen(s->str) != s->len ||
			    linkcond_set(targets[t], kinds[i], s->str, &cause) != 0) {
				topo_value_error(c->r, s, kinds[i], owner, "is not valid (%s)",
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
		if (!topo_want_mapping(c->r, f[i].key, f[i].val, false, kinds[i],
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
void topo_check_link(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, struct linkcond_pair *out)
{
	if (!topo_want_mapping(c->r, key, val, false, "`link`",
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
