/* core/lab/lab_split.c: a lab cut into parts joined by trunks (see lab_split.h). */
#include "core/lab/lab_split.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

unsigned lab_split_part_of(const struct lab *lab, size_t index, unsigned parts)
{
	const struct lab_instance *in = &lab->instances[index];
	if (in->host >= 0)
		return (unsigned)in->host;
	/* Among the instances without `host:`, contiguous blocks. */
	size_t k = 0, m = 0;
	for (size_t i = 0; i < lab->n_instances; i++) {
		if (lab->instances[i].host >= 0)
			continue;
		if (i < index)
			k++;
		m++;
	}
	return (unsigned)(k * parts / m);
}

unsigned lab_split_ports(size_t n_switches, unsigned parts)
{
	return (unsigned)(parts * n_switches * parts);
}

/* The port part p listens on for switch sw's trunk to part peer: one per
 * (part, switch, peer), so parts sharing a node never clash. */
static unsigned split_port(const struct lab_split *s, size_t n_switches, unsigned p, size_t sw,
    unsigned peer)
{
	return s->base_port + (unsigned)((p * n_switches + sw) * s->parts + peer);
}

static struct lab_trunk split_trunk(const struct lab_split *s, size_t n_switches, size_t sw,
    unsigned peer)
{
	struct lab_trunk t = { .vni = s->base_vni + (uint32_t)sw };
	t.listen = s->hosts[s->part];
	t.remote = s->hosts[peer];
	unsigned lp = split_port(s, n_switches, s->part, sw, peer);
	unsigned rp = split_port(s, n_switches, peer, sw, s->part);
	if (t.listen.ss.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&t.listen.ss)->sin6_port = htons((uint16_t)lp);
		((struct sockaddr_in6 *)&t.remote.ss)->sin6_port = htons((uint16_t)rp);
	} else {
		((struct sockaddr_in *)&t.listen.ss)->sin_port = htons((uint16_t)lp);
		((struct sockaddr_in *)&t.remote.ss)->sin_port = htons((uint16_t)rp);
	}
	return t;
}

int lab_split_apply(struct lab *lab, const struct lab_split *s, char **cause)
{
	if (s->parts < 2 || s->part >= s->parts)
		return set_cause(cause, "part %u of %u: expected 2 parts or more", s->part, s->parts);
	if (lab->n_instances < s->parts)
		return set_cause(cause, "lab %s has %zu instance%s, too few for %u parts (one per task "
		    "of the allocation): ask for fewer tasks", lab->name, lab->n_instances,
		    lab->n_instances == 1 ? "" : "s", s->parts);
	unsigned *count = xcalloc(s->parts, sizeof(*count));
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		if (in->host >= (int)s->parts) {
			free(count);
			return set_cause(cause, "instance %s has host: %d, but the allocation has %u tasks "
			    "(parts 0 to %u): ask for more tasks, or change its host:", in->name, in->host,
			    s->parts, s->parts - 1);
		}
		count[lab_split_part_of(lab, i, s->parts)]++;
	}
	for (unsigned p = 0; p < s->parts; p++) {
		if (count[p] == 0) {
			free(count);
			return set_cause(cause, "part %u of %u would run no instance (the instances' host: "
			    "leave it empty): ask for fewer tasks, or place an instance there", p, s->parts);
		}
	}
	free(count);
	unsigned last = s->base_port + lab_split_ports(lab->n_switches, s->parts);
	if (s->base_port < 1024 || last > 65536)
		return set_cause(cause, "the trunks of %u parts and %zu switches need UDP ports %u to %u, "
		    "past 1024..65535", s->parts, lab->n_switches, s->base_port, last - 1);
	size_t want = s->part == 0 ? s->parts - 1 : 1;
	/* Every part runs every switch, joined to its twins by trunks: the
	 * parts' copies of a link between two switches would make a loop. */
	for (size_t i = 0; i < lab->n_switches; i++)
		if (lab->switches[i].n_links != 0)
			return set_cause(cause, "switch %s is cabled to %s (`links:`), which a lab split "
			    "into parts cannot do (each part's copy of the cable would close a loop "
			    "through the trunks): run this lab without --slurm", lab->switches[i].name,
			    lab->switches[lab->switches[i].links[0].to].name);
	for (size_t i = 0; i < lab->n_switches; i++)
		if (lab->switches[i].n_trunks + want > LAB_TRUNKS_MAX)
			return set_cause(cause, "switch %s would have %zu trunks with %u parts (at most %d): "
			    "ask for fewer tasks", lab->switches[i].name, lab->switches[i].n_trunks + want,
			    s->parts, LAB_TRUNKS_MAX);
	char name[64];
	snprintf(name, sizeof(name), "%s-p%u", lab->name, s->part);
	if (strlen(name) > LAB_NAME_MAX)
		return set_cause(cause, "the part's name %s is longer than %d characters: give the lab a "
		    "shorter `name:`", name, LAB_NAME_MAX);

	/* A part whose instances use no IPv6 still runs it when the whole lab does (its
	 * neighbours in other parts may talk IPv6 to it over the trunks). */
	if (lab->ipv6 == LAB_IPV6_AUTO && lab_uses_ipv6(lab))
		lab->ipv6 = LAB_IPV6_ON;
	/* The other parts' instances go into a lab of their own, which
	 * lab_free() frees as it frees any lab's. */
	struct lab *rest = xcalloc(1, sizeof(*rest));
	rest->instances = xcalloc(lab->n_instances, sizeof(*rest->instances));
	size_t kept = 0, n = lab->n_instances;
	/* Decided before the array changes under it. */
	unsigned *part_of = xcalloc(n, sizeof(*part_of));
	for (size_t i = 0; i < n; i++)
		part_of[i] = lab_split_part_of(lab, i, s->parts);
	for (size_t i = 0; i < n; i++) {
		if (part_of[i] == s->part)
			lab->instances[kept++] = lab->instances[i];
		else
			rest->instances[rest->n_instances++] = lab->instances[i];
	}
	free(part_of);
	lab->n_instances = kept;
	lab_free(rest);

	memcpy(lab->name, name, strlen(name) + 1);	/* fits: checked above */
	for (size_t i = 0; i < lab->n_switches; i++) {
		struct lab_switch *sw = &lab->switches[i];
		sw->trunks = xreallocarray(sw->trunks, sw->n_trunks + want, sizeof(*sw->trunks));
		for (unsigned peer = 0; peer < s->parts; peer++) {
			if (peer == s->part || (s->part != 0 && peer != 0))
				continue;
			sw->trunks[sw->n_trunks++] = split_trunk(s, lab->n_switches, i, peer);
		}
	}
	return 0;
}
