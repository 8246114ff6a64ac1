/* core/supervisor/link_conditions.c: link conditions on a running lab's cables. */
#include "core/supervisor/link_conditions.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "core/supervisor/lab_filter.h"
#include "core/base/state.h"
#include "core/supervisor/supervisor.h"
#include "core/supervisor/switches.h"
#include "core/base/util.h"
#include "switch/switch.h"

int link_conditions_filters(struct supervisor *sup, const struct linkcond_pair *p,
    char *exprs[2], int dirs[2], size_t *n, char **cause)
{
	const struct linkcond *d[2] = { &p->in, &p->out };
	*n = 0;
	for (int i = 0; i < 2; i++) {
		if (!(d[i]->set & (LINKCOND_MATCH | LINKCOND_DROP)))
			continue;
		exprs[*n] = lab_filter_expand(sup, d[i]->match, cause);
		if (exprs[*n] == NULL) {
			for (size_t k = 0; k < *n; k++)
				free(exprs[k]);
			*n = 0;
			return -1;
		}
		dirs[(*n)++] = i;
	}
	return 0;
}

int link_conditions_set(struct supervisor *sup, const char *inst, const struct lab_iface *f,
    const struct linkcond_pair *p, const struct bpf_program *in, const struct bpf_program *out,
    char **cause)
{
	char *cable = state_cable_name(inst, f->name);
	int rc = switch_cable_set_conditions(sup->switches[f->sw], cable, p, in, out, cause);
	free(cable);
	return rc;
}

int link_conditions_apply(struct supervisor *sup, const char *inst, const struct lab_iface *f,
    const struct linkcond_pair *p, char **cause)
{
	const struct linkcond *dirs[2] = { &p->in, &p->out };
	struct bpf_program progs[2] = { { 0 }, { 0 } };
	bool have[2] = { false, false };
	int rc = -1;
	for (int d = 0; d < 2; d++) {
		if (!(dirs[d]->set & (LINKCOND_MATCH | LINKCOND_DROP)))
			continue;
		if (lab_filter_compile(sup, dirs[d]->match, &progs[d], cause) != 0)
			goto out;
		have[d] = true;
	}
	rc = link_conditions_set(sup, inst, f, p, have[0] ? &progs[0] : NULL,
	    have[1] ? &progs[1] : NULL, cause);
out:
	for (int d = 0; d < 2; d++)
		if (have[d])
			pcap_freecode(&progs[d]);
	return rc;
}

static void describe_stats(struct strbuf *b, const char *dir, const struct linkcond_stats *st)
{
	strbuf_printf(b, "  %-4s passed %llu, delayed %llu, lost %llu, over the limit %llu, "
	    "over the memory cap %llu, over the MTU %llu, duplicated %llu, corrupted %llu, "
	    "reordered %llu, flushed %llu; held now %u (%llu KB)\n",
	    dir, (unsigned long long)st->passed, (unsigned long long)st->delayed,
	    (unsigned long long)st->lost, (unsigned long long)st->overlimit,
	    (unsigned long long)st->overmemory, (unsigned long long)st->oversize,
	    (unsigned long long)st->duplicated, (unsigned long long)st->corrupted,
	    (unsigned long long)st->reordered, (unsigned long long)st->flushed, st->held,
	    (unsigned long long)((st->held_bytes + 1023) / 1024));
}

char *link_conditions_describe(struct supervisor *sup, const char *inst,
    const struct lab_iface *f, char **cause)
{
	struct linkcond_pair p;
	struct linkcond_stats st[2];
	char *cable = state_cable_name(inst, f->name);
	int rc = switch_cable_get_conditions(sup->switches[f->sw], cable, &p, st, cause);
	free(cable);
	if (rc != 0)
		return NULL;
	struct strbuf b = { 0 };
	char *in = linkcond_format(&p.in), *out = linkcond_format(&p.out);
	if (strcmp(in, out) == 0)
		strbuf_printf(&b, "  conditions: %s\n", *in ? in : "none");
	else
		strbuf_printf(&b, "  in  (to %s):   %s\n  out (from %s): %s\n", inst, *in ? in : "none",
		    inst, *out ? out : "none");
	free(in);
	free(out);
	describe_stats(&b, "in:", &st[0]);
	describe_stats(&b, "out:", &st[1]);
	return strbuf_take(&b);
}

/* ---- links between switches ---- */

/* Link a-b's conditions sit on the end of the switch that declares it;
 * from a's side, `out` is what a sends to b. On that end's cable, `in`
 * is what its switch sends into it: a's `out` when the end is a's. */
static int link_end(struct supervisor *sup, size_t a, size_t b, size_t *sw, char **cable,
    bool *swap, char **cause)
{
	bool from_a;
	if (lab_link_find(sup->lab, a, b, &from_a) == NULL)
		return set_cause(cause, "switches %s and %s are not cabled together",
		    sup->lab->switches[a].name, sup->lab->switches[b].name);
	*sw = from_a ? a : b;
	*cable = supervisor_link_name(sup->lab, *sw, from_a ? b : a);
	*swap = from_a;
	return 0;
}

static void pair_swap(struct linkcond_pair *p)
{
	struct linkcond t = p->in;
	p->in = p->out;
	p->out = t;
}

int link_conditions_set_switches(struct supervisor *sup, size_t a, size_t b,
    const struct linkcond_pair *p, const struct bpf_program *in, const struct bpf_program *out,
    char **cause)
{
	size_t sw;
	char *cable;
	bool swap;
	if (link_end(sup, a, b, &sw, &cable, &swap, cause) != 0)
		return -1;
	struct linkcond_pair q = *p;
	if (swap)
		pair_swap(&q);
	int rc = switch_cable_set_conditions(sup->switches[sw], cable, &q, swap ? out : in,
	    swap ? in : out, cause);
	free(cable);
	return rc;
}

int link_conditions_get_switches(struct supervisor *sup, size_t a, size_t b,
    struct linkcond_pair *p, struct linkcond_stats st[2], char **cause)
{
	size_t sw;
	char *cable;
	bool swap;
	if (link_end(sup, a, b, &sw, &cable, &swap, cause) != 0)
		return -1;
	int rc = switch_cable_get_conditions(sup->switches[sw], cable, p, st, cause);
	free(cable);
	if (rc == 0 && swap) {
		pair_swap(p);
		struct linkcond_stats t = st[0];
		st[0] = st[1];
		st[1] = t;
	}
	return rc;
}

char *link_conditions_describe_switches(struct supervisor *sup, size_t a, size_t b,
    char **cause)
{
	struct linkcond_pair p;
	struct linkcond_stats st[2];
	if (link_conditions_get_switches(sup, a, b, &p, st, cause) != 0)
		return NULL;
	const char *an = sup->lab->switches[a].name, *bn = sup->lab->switches[b].name;
	struct strbuf buf = { 0 };
	char *in = linkcond_format(&p.in), *out = linkcond_format(&p.out);
	if (strcmp(in, out) == 0)
		strbuf_printf(&buf, "  conditions: %s\n", *in ? in : "none");
	else
		strbuf_printf(&buf, "  in  (%s from %s): %s\n  out (%s to %s):   %s\n", an, bn,
		    *in ? in : "none", an, bn, *out ? out : "none");
	free(in);
	free(out);
	describe_stats(&buf, "in:", &st[0]);
	describe_stats(&buf, "out:", &st[1]);
	return strbuf_take(&buf);
}
