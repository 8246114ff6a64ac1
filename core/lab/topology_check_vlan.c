/* core/lab/topology_check_vlan.c: check VLANs: a switch port's `vlan:`, `vlans:` and `native:`
 * (an interface's or a link's), and VLAN numbers. */
#include "core/lab/topology_check.h"

#include <stdio.h>
#include <string.h>

#define VLANS_EXAMPLE "vlans: [10, 20]"

/* The VLAN number in s, or 0 when it is not one. */
static unsigned vlan_value(const struct ynode *s)
{
	unsigned v = 0;
	bool ok = s->len > 0 && s->len <= 4 && strlen(s->str) == s->len && s->str[0] != '0';
	for (size_t i = 0; ok && i < s->len; i++) {
		if (s->str[i] < '0' || s->str[i] > '9')
			ok = false;
		else
			v = v * 10 + (unsigned)(s->str[i] - '0');
	}
	return ok && v <= LAB_VLAN_MAX ? v : 0;
}

#define VLAN_EXPECTED "expected a number from 1 to 4094; 0 and 4095 are reserved"

bool topo_vlan_number(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, unsigned *out)
{
	const struct ynode *s = topo_want_scalar(c->r, key, val, owner, "a VLAN from 1 to 4094");
	if (s == NULL)
		return false;
	if ((*out = vlan_value(s)) == 0) {
		topo_value_error(c->r, s, key->str, owner, "is not a VLAN (" VLAN_EXPECTED ")");
		return false;
	}
	return true;
}

/* `vlans: [10, 20]`: the VLANs a trunk carries with their tag. */
static bool check_vlan_list(struct checker *c, const struct ynode *key, const struct ynode *seq,
    const char *owner, struct lab_vlans *out)
{
	if (seq->type != YNODE_SEQUENCE || seq->n_kids == 0) {
		const struct ynode *p = topo_at(key, seq);
		topo_error(c->r, p->line, p->column, "`vlans` of %s is %s (expected a list of VLANs such "
		    "as " VLANS_EXAMPLE ")", owner,
		    seq->type == YNODE_SEQUENCE ? "an empty list" : topo_kind(seq));
		return false;
	}
	bool ok = true;
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *s = seq->kids[k];
		unsigned v = 0, last = 0;
		const char *dash = s->type == YNODE_SCALAR ? memchr(s->str, '-', s->len) : NULL;
		if (dash != NULL) {
			/* A range, N-M. */
			struct ynode lo = *s, hi = *s;
			lo.len = (size_t)(dash - s->str);
			hi.len = s->len - lo.len - 1;
			char a[8] = "", b[8] = "";
			if (lo.len < sizeof(a) && hi.len < sizeof(b)) {
				memcpy(a, s->str, lo.len);
				memcpy(b, dash + 1, hi.len);
				lo.str = a;
				hi.str = b;
				v = vlan_value(&lo);
				last = vlan_value(&hi);
			}
			if (last < v)
				v = 0;
		} else if (s->type == YNODE_SCALAR) {
			v = last = vlan_value(s);
		}
		if (v == 0) {
			topo_error(c->r, s->line, s->column, "`%s` in the `vlans` of %s is not a VLAN "
			    "(" VLAN_EXPECTED ", or a range such as 100-199)",
			    s->type == YNODE_SCALAR ? s->show : topo_kind(s), owner);
			ok = false;
			continue;
		}
		for (unsigned x = v; x <= last; x++) {
			if (out->tagged[x / 64] >> (x % 64) & 1) {
				topo_error(c->r, seq->kids[k]->line, seq->kids[k]->column, "VLAN %u is in "
				    "the `vlans` of %s twice (expected each VLAN once)", x, owner);
				ok = false;
				break;
			}
			out->tagged[x / 64] |= 1ull << (x % 64);
		}
	}
	return ok;
}

void topo_check_port_vlans(struct checker *c, const struct field *vlan, const struct field *vlans,
    const struct field *native, const char *owner, bool hub, struct lab_vlans *out)
{
	memset(out, 0, sizeof(*out));
	const struct field *first = vlan->key != NULL ? vlan : vlans->key != NULL ? vlans :
	    native->key != NULL ? native : NULL;
	if (first == NULL)
		return;
	out->line = first->key->line;
	out->column = first->key->column;
	if (hub) {
		topo_error(c->r, first->key->line, first->key->column, "%s is on a hub, which has no "
		    "VLANs (expected `mode: switch` on its switch, or no `%s`)", owner, first->key->str);
		return;
	}
	if (vlan->key != NULL && (vlans->key != NULL || native->key != NULL)) {
		const struct field *other = vlans->key != NULL ? vlans : native;
		topo_error(c->r, other->key->line, other->key->column, "%s has both `vlan` (an access "
		    "port) and `%s` (a trunk) (expected `vlan: N` alone, or `vlans: [...]` with an "
		    "optional `native: N`)", owner, other->key->str);
		return;
	}
	if (native->key != NULL && vlans->key == NULL) {
		topo_error(c->r, native->key->line, native->key->column, "%s has `native` but no `vlans` "
		    "(expected the trunk's tagged VLANs too, such as " VLANS_EXAMPLE ", native: 1)",
		    owner);
		return;
	}
	unsigned v;
	if (vlan->val != NULL) {
		if (topo_vlan_number(c, vlan->key, vlan->val, owner, &v))
			out->access = (uint16_t)v;
		return;
	}
	if (!check_vlan_list(c, vlans->key, vlans->val, owner, out))
		return;
	out->trunk = true;
	if (native->val != NULL && topo_vlan_number(c, native->key, native->val, owner, &v)) {
		if (out->tagged[v / 64] >> (v % 64) & 1)
			topo_value_error(c->r, native->val, "native", owner, "is also in `vlans` (expected "
			    "the native VLAN, sent untagged, apart from the tagged ones)");
		else
			out->native = (uint16_t)v;
	}
}
