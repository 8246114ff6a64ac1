/* core/lab/topology_check_order.c: `after:` of an instance (boot it once these are running; a
 * Kathara lab.dep becomes this), with circles refused by naming them; and `info:` of the lab. */
#include "core/lab/topology_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

#define INFO_MAX 32		/* keys of `info:` */
#define INFO_VALUE_MAX 4096

void topo_note_after(struct checker *c, size_t inst, const struct ynode *key, const struct ynode *val)
{
	c->afters = topo_grow(c->afters, c->n_afters, &c->cap_afters, sizeof(*c->afters));
	c->afters[c->n_afters++] = (struct after_note){ .inst = inst, .key = key, .val = val };
}

/* Depth-first search for a circle through the `after:` edges; on finding one, its members are
 * pushed on path (from its first to its last). 0 white, 1 on the stack, 2 done. */
static bool order_circle(const struct lab *lab, size_t i, unsigned char *mark, size_t *path,
    size_t *depth, size_t *start)
{
	mark[i] = 1;
	path[(*depth)++] = i;
	const struct lab_instance *in = &lab->instances[i];
	for (size_t k = 0; k < in->n_after; k++) {
		size_t j = in->after[k];
		if (mark[j] == 1) {
			for (*start = 0; path[*start] != j; (*start)++)
				;
			return true;
		}
		if (mark[j] == 0 && order_circle(lab, j, mark, path, depth, start))
			return true;
	}
	(*depth)--;
	mark[i] = 2;
	return false;
}

static void order_resolve(struct checker *c, const struct after_note *a)
{
	struct lab_instance *in = &c->lab->instances[a->inst];
	const struct ynode *v = a->val;
	if (v->type == YNODE_ALIAS || ynode_is_null(v))
		return;
	const struct ynode *one[1] = { v };
	const struct ynode *const *items = one;
	size_t n = 1;
	if (v->type == YNODE_SEQUENCE) {
		items = (const struct ynode *const *)v->kids;
		n = v->n_kids;
	} else if (v->type != YNODE_SCALAR) {
		topo_error(c->r, v->line, v->column, "`after` of instance %s is %s (expected a list of "
		    "instance names such as after: [r1, r2])", in->name, topo_kind(v));
		return;
	}
	in->after = xcalloc(n ? n : 1, sizeof(*in->after));
	for (size_t k = 0; k < n; k++) {
		const struct ynode *s = items[k];
		if (s->type == YNODE_ALIAS)
			continue;
		if (s->type != YNODE_SCALAR || ynode_is_null(s)) {
			topo_error(c->r, s->line, s->column, "an item of `after` of instance %s is %s "
			    "(expected an instance name)", in->name, topo_kind(s));
			continue;
		}
		size_t j = 0;
		while (j < c->lab->n_instances && strcmp(c->lab->instances[j].name, s->str) != 0)
			j++;
		if (j == c->lab->n_instances) {
			topo_error(c->r, s->line, s->column, "instance %s boots after `%s`, which is not an "
			    "instance of the lab (expected the name of another instance)", in->name, s->show);
		} else if (j == a->inst) {
			topo_error(c->r, s->line, s->column, "instance %s boots after itself (expected the "
			    "name of another instance)", in->name);
		} else {
			bool dup = false;
			for (size_t m = 0; m < in->n_after; m++)
				dup = dup || in->after[m] == j;
			if (!dup)
				in->after[in->n_after++] = j;
		}
	}
}

void topo_check_order(struct checker *c)
{
	struct lab *lab = c->lab;
	for (size_t i = 0; i < c->n_afters; i++)
		order_resolve(c, &c->afters[i]);
	if (c->n_afters == 0 || lab->n_instances == 0)
		return;
	unsigned char *mark = xcalloc(lab->n_instances, 1);
	size_t *path = xcalloc(lab->n_instances, sizeof(*path));
	for (size_t i = 0; i < lab->n_instances; i++) {
		size_t depth = 0, start = 0;
		if (mark[i] != 0 || !order_circle(lab, i, mark, path, &depth, &start))
			continue;
		/* Name the circle, and report it at the `after` of its first member. */
		struct strbuf b = { 0 };
		for (size_t k = start; k < depth; k++)
			strbuf_printf(&b, "%s after ", lab->instances[path[k]].name);
		strbuf_printf(&b, "%s", lab->instances[path[start]].name);
		const struct ynode *at = NULL;
		for (size_t k = 0; k < c->n_afters && at == NULL; k++)
			if (c->afters[k].inst == path[start])
				at = topo_at(c->afters[k].key, c->afters[k].val);
		topo_error(c->r, at != NULL ? at->line : 0, at != NULL ? at->column : 0,
		    "the boot order goes round in a circle: %s (expected an order some instance can "
		    "start: take one of them out of the other's `after`)", b.s);
		free(b.s);
		break;	/* one circle is enough to fix first */
	}
	free(mark);
	free(path);
}

void topo_check_info(struct checker *c, const struct ynode *key, const struct ynode *val)
{
	if (!topo_want_mapping(c->r, key, val, true, "`info`",
	    "a mapping of words about the lab such as {description: \"...\", author: \"...\"}"))
		return;
	if (val->type != YNODE_MAPPING)
		return;
	for (size_t k = 0; k + 1 < val->n_kids; k += 2) {
		const struct ynode *kn = val->kids[k], *vn = val->kids[k + 1];
		if (kn->dup || kn->type != YNODE_SCALAR)
			continue;
		if (c->lab->n_info == INFO_MAX) {
			topo_error(c->r, kn->line, kn->column, "`info` has more than %d keys (expected "
			    "a few words about the lab)", INFO_MAX);
			return;
		}
		char owner[96];
		snprintf(owner, sizeof(owner), "`info`");
		const struct ynode *s = topo_want_scalar(c->r, kn, vn, owner, "text");
		if (s == NULL)
			continue;
		if (s->len > INFO_VALUE_MAX || strlen(s->str) != s->len) {
			topo_error(c->r, s->line, s->column, "`%s` of `info` is too long or holds a NUL "
			    "byte (expected at most %d bytes of text)", kn->show, INFO_VALUE_MAX);
			continue;
		}
		c->lab->info = xreallocarray(c->lab->info, c->lab->n_info + 1, sizeof(*c->lab->info));
		c->lab->info[c->lab->n_info].key = xstrdup(kn->str);
		c->lab->info[c->lab->n_info++].value = xstrdup(s->str);
	}
}
