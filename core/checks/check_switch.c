/* core/checks/check_switch.c: the checks a switch decides alone: `vlan` (a port's VLANs) and
 * `stp` (the root, a port's role and state), from the running switches, never from a guest. */
#include "core/checks/check_switch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"
#include "core/supervisor/supervisor.h"
#include "core/supervisor/switches.h"
#include "switch/switch.h"

/* The switch a port name is on, and the cable's name there: INSTANCE.IFACE
 * (its switch in the running lab) or SWITCH.OTHER (a link's end). -1 with
 * *why when the lab has no such port. */
static int port_switch(const struct supervisor *sup, const char *port, size_t *sw, char **why)
{
	const char *dot = strchr(port, '.');
	char *left = xstrndup(port, dot != NULL ? (size_t)(dot - port) : strlen(port));
	int rc = -1;
	struct instance *inst = supervisor_instance((struct supervisor *)sup, left);
	const struct instance_iface *li = inst != NULL && dot != NULL ?
	    instance_iface_find(inst, dot + 1) : NULL;
	const struct lab_switch *a = lab_switch_find(sup->lab, left);
	const struct lab_switch *b = dot != NULL ? lab_switch_find(sup->lab, dot + 1) : NULL;
	if (li != NULL) {
		*sw = li->cfg.sw;
		rc = 0;
	} else if (a != NULL && b != NULL && lab_link_find(sup->lab, (size_t)(a - sup->lab->switches),
	    (size_t)(b - sup->lab->switches), NULL) != NULL) {
		*sw = (size_t)(a - sup->lab->switches);
		rc = 0;
	} else {
		*why = xasprintf("lab %s has no switch port %s (expected an instance's interface such "
		    "as h1.eth0, or a switch's end of a link such as S1.S2)", sup->lab->name, port);
	}
	free(left);
	if (rc == 0 && sup->switches[*sw] == NULL) {
		*why = xasprintf("switch %s has stopped", sup->lab->switches[*sw].name);
		rc = -1;
	}
	return rc;
}

static bool bit(const uint64_t *set, unsigned v)
{
	return (set[v / 64] >> (v % 64)) & 1;
}

/* "10,20" (or "none"), malloc'd. */
static char *list_text(const uint64_t *set)
{
	struct strbuf b = { 0 };
	for (unsigned v = 1; v <= SWITCH_VLAN_MAX; v++)
		if (bit(set, v))
			strbuf_printf(&b, "%s%u", b.len ? "," : "", v);
	return b.len ? strbuf_take(&b) : xstrdup("none");
}

bool check_vlan_judge(struct supervisor *sup, const struct check_spec *c, char **expected,
    char **seen)
{
	struct strbuf e = { 0 };
	strbuf_printf(&e, "port %s", c->sw_port);
	if (c->untagged)
		strbuf_printf(&e, " untagged in VLAN %u", c->untagged);
	if (c->has_tagged) {
		char *t = list_text(c->tagged);
		strbuf_printf(&e, "%s carrying VLANs %s tagged", c->untagged ? " and" : "", t);
		free(t);
	}
	*expected = strbuf_take(&e);
	size_t sw;
	if (port_switch(sup, c->sw_port, &sw, seen) != 0)
		return false;
	struct switch_port_info *ports;
	unsigned n;
	char *cause = NULL;
	if (switch_ports_get(sup->switches[sw], &ports, &n, &cause) != 0) {
		*seen = cause;
		return false;
	}
	const struct switch_port_info *p = NULL;
	for (unsigned k = 0; k < n && p == NULL; k++)
		if (strcmp(ports[k].name, c->sw_port) == 0)
			p = &ports[k];
	bool ok = false;
	if (p == NULL) {
		*seen = xasprintf("switch %s has no port %s now", sup->lab->switches[sw].name,
		    c->sw_port);
	} else {
		/* What the port sends and takes untagged, and what with a tag. */
		unsigned untagged = p->vlans.access != 0 ? p->vlans.access : p->vlans.native;
		uint64_t tagged[64] = { 0 };
		if (p->vlans.access == 0)
			for (unsigned v = 1; v <= SWITCH_VLAN_MAX; v++)
				if (bit(p->vlans.tagged, v) && v != p->vlans.native)
					tagged[v / 64] |= 1ull << (v % 64);
		ok = (c->untagged == 0 || c->untagged == untagged) &&
		    (!c->has_tagged || memcmp(tagged, c->tagged, sizeof(tagged)) == 0);
		char *what = switch_vlans_format(&p->vlans);
		*seen = xasprintf("switch %s has port %s as %s", sup->lab->switches[sw].name,
		    c->sw_port, what);
		free(what);
	}
	free(ports);
	return ok;
}

/* The lab's switch whose bridge has id, or NULL. */
static const char *bridge_switch(const struct supervisor *sup, uint64_t id)
{
	for (size_t i = 0; i < sup->lab->n_switches; i++) {
		const struct lab_switch *ls = &sup->lab->switches[i];
		uint8_t mac[6];
		supervisor_bridge_mac(sup->lab, i, mac);
		uint64_t mine = (uint64_t)ls->stp.priority << 48;
		for (int k = 0; k < 6; k++)
			mine |= (uint64_t)mac[k] << (40 - 8 * k);
		if (ls->stp.on && mine == id)
			return ls->name;
	}
	return NULL;
}

static bool stp_switch(struct supervisor *sup, const struct check_spec *c, char **expected,
    char **seen)
{
	*expected = c->root_sw[0] ? xasprintf("the root bridge of %s is %s", c->sw, c->root_sw) :
	    xasprintf("%s %s the root bridge", c->sw, c->root == 1 ? "is" : "is not");
	const struct lab_switch *ls = lab_switch_find(sup->lab, c->sw);
	if (ls == NULL) {
		*seen = xasprintf("lab %s has no switch %s", sup->lab->name, c->sw);
		return false;
	}
	struct sw *s = sup->switches[ls - sup->lab->switches];
	struct switch_stp_info info;
	struct switch_stp_port *ports = NULL;
	unsigned n;
	char *cause = NULL;
	if (s == NULL || switch_stp_get(s, &info, &ports, &n, &cause) != 0) {
		*seen = cause != NULL ? cause : xasprintf("switch %s has stopped", c->sw);
		return false;
	}
	free(ports);
	if (!info.on) {
		*seen = xasprintf("switch %s runs no spanning tree", c->sw);
		return false;
	}
	const char *root = bridge_switch(sup, info.root_id);
	bool is_root = info.root_port == NULL;
	if (is_root)
		*seen = xasprintf("%s is the root bridge", c->sw);
	else
		*seen = xasprintf("%s's root bridge is %s (root port %s, cost %u)", c->sw,
		    root != NULL ? root : "another lab's or a guest's bridge", info.root_port,
		    info.root_cost);
	if (c->root_sw[0])
		return root != NULL && strcmp(root, c->root_sw) == 0;
	return is_root == (c->root == 1);
}

static bool stp_port(struct supervisor *sup, const struct check_spec *c, char **expected,
    char **seen)
{
	*expected = xasprintf("port %s%s%s%s%s", c->sw_port, c->stp_role[0] ? " " : "", c->stp_role,
	    c->stp_state[0] ? " " : "", c->stp_state);
	size_t sw;
	if (port_switch(sup, c->sw_port, &sw, seen) != 0)
		return false;
	struct switch_stp_info info;
	struct switch_stp_port *ports = NULL;
	unsigned n;
	char *cause = NULL;
	if (switch_stp_get(sup->switches[sw], &info, &ports, &n, &cause) != 0) {
		*seen = cause;
		return false;
	}
	bool ok = false;
	const struct switch_stp_port *p = NULL;
	for (unsigned k = 0; k < n && p == NULL; k++)
		if (strcmp(ports[k].name, c->sw_port) == 0)
			p = &ports[k];
	if (!info.on) {
		*seen = xasprintf("switch %s runs no spanning tree", sup->lab->switches[sw].name);
	} else if (p == NULL) {
		*seen = xasprintf("switch %s has no spanning tree port %s",
		    sup->lab->switches[sw].name, c->sw_port);
	} else {
		const char *role = p->enabled ? p->role : "disabled";
		ok = (c->stp_role[0] == '\0' || strcmp(c->stp_role, role) == 0) &&
		    (c->stp_state[0] == '\0' || strcmp(c->stp_state, p->state) == 0);
		*seen = xasprintf("port %s is %s %s", c->sw_port, role, p->state);
	}
	free(ports);
	return ok;
}

bool check_stp_judge(struct supervisor *sup, const struct check_spec *c, char **expected,
    char **seen)
{
	return c->sw_port[0] ? stp_port(sup, c, expected, seen) : stp_switch(sup, c, expected, seen);
}
