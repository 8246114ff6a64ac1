/* core/lab/graph.c: render a lab (and what a running lab reports) as Graphviz DOT; parse that report.
 * Over 800 lines: the picture (switches, instances, cables, VLANs, the cables between switches)
 * and the parser of the running lab's report share their helpers (quoting, words, addresses). */
#include "core/lab/graph.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

/* A DOT double-quoted string's contents: names are checked by the loader,
 * but a live report comes over a socket, so quote whatever arrives. */
static void dot_quoted(struct strbuf *b, const char *s)
{
	strbuf_printf(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			strbuf_printf(b, "\\n");	/* a centred line break in a label */
		else if (*p >= 0x20 && *p < 0x7f)
			strbuf_printf(b, "%c", *p);
		else
			strbuf_printf(b, "?");
	}
	strbuf_printf(b, "\"");
}

/* ---- the picture ---- */

enum edge_look {
	LOOK_PLAIN,	/* from the file: no live state */
	LOOK_UP,
	LOOK_DOWN,
	LOOK_UNPLUGGED,
	LOOK_LIVE,	/* plugged in while the lab ran */
	LOOK_LIVE_DOWN,	/* plugged in while the lab ran, now down */
};

struct gedge {
	size_t inst;			/* index into lab->instances */
	size_t sw;			/* index into the switch nodes */
	const char *iface;
	const struct lab_addr *addrs;	/* the interface's, or its live link's */
	unsigned n_addrs;
	struct lab_addr slaac[LAB_IFACE_ADDRS_MAX];	/* what SLAAC gives it (routers' `ra:`) */
	size_t n_slaac;
	enum edge_look look;
	char cond[GRAPH_COND_MAX];	/* link conditions, "" for none */
	bool blocked;			/* its switch port discards (spanning tree) */
	bool inst_first;		/* written "instance -- switch" (else reversed) */
	bool oriented;
};

struct gpic {
	const struct lab *lab;
	const struct graph_live *live;
	const char **sw_names;		/* the lab's switches, then those only live links name */
	size_t n_sw;
	struct gedge *edges;
	size_t n_edges;
};

static size_t pic_switch(struct gpic *p, const char *name)
{
	for (size_t i = 0; i < p->n_sw; i++)
		if (strcmp(p->sw_names[i], name) == 0)
			return i;
	p->sw_names = xreallocarray(p->sw_names, p->n_sw + 1, sizeof(*p->sw_names));
	p->sw_names[p->n_sw] = name;
	return p->n_sw++;
}

static const struct graph_link *live_link(const struct graph_live *live, const char *inst,
    const char *iface)
{
	if (live == NULL)
		return NULL;
	for (size_t i = 0; i < live->n_links; i++)
		if (strcmp(live->links[i].instance, inst) == 0 &&
		    strcmp(live->links[i].iface, iface) == 0)
			return &live->links[i];
	return NULL;
}

static const struct graph_instance *live_instance(const struct graph_live *live, const char *name)
{
	if (live == NULL)
		return NULL;
	for (size_t i = 0; i < live->n_instances; i++)
		if (strcmp(live->instances[i].name, name) == 0)
			return &live->instances[i];
	return NULL;
}

static enum edge_look look_of(const struct graph_link *l)
{
	if (l->state == GRAPH_LINK_UNPLUGGED)
		return LOOK_UNPLUGGED;
	if (l->state == GRAPH_LINK_DOWN)
		return l->live_plugged ? LOOK_LIVE_DOWN : LOOK_DOWN;
	return l->live_plugged ? LOOK_LIVE : LOOK_UP;
}

static void pic_add_edge(struct gpic *p, struct gedge e)
{
	p->edges = xreallocarray(p->edges, p->n_edges + 1, sizeof(*p->edges));
	p->edges[p->n_edges++] = e;
}

/* Every link of the lab, with its live state, then the interfaces plugged live. */
static void pic_collect(struct gpic *p)
{
	const struct lab *lab = p->lab;
	for (size_t i = 0; i < lab->n_switches; i++)
		(void)pic_switch(p, lab->switches[i].name);
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		for (size_t j = 0; j < in->n_ifaces; j++) {
			const struct lab_iface *f = &in->ifaces[j];
			const struct graph_link *l = live_link(p->live, in->name, f->name);
			struct gedge e = { .inst = i, .sw = f->sw, .iface = f->name,
			    .addrs = f->addrs, .n_addrs = f->n_addrs,
			    .look = p->live == NULL ? LOOK_PLAIN : LOOK_DOWN };
			e.n_slaac = lab_iface_slaac(lab, in, f, e.slaac, LAB_IFACE_ADDRS_MAX);
			char *cond = linkcond_pair_format(&f->link);
			(void)str_copy(e.cond, sizeof(e.cond), cond);
			free(cond);
			if (l != NULL) {
				e.look = look_of(l);
				e.blocked = l->stp_blocked;
				memcpy(e.cond, l->cond, sizeof(e.cond));
				if (l->sw[0] != '\0')
					e.sw = pic_switch(p, l->sw);
				if (l->live_plugged && l->n_addrs > 0) {
					e.addrs = l->addrs;
					e.n_addrs = l->n_addrs;
				}
			}
			pic_add_edge(p, e);
		}
	}
	if (p->live == NULL)
		return;
	for (size_t k = 0; k < p->live->n_links; k++) {
		const struct graph_link *l = &p->live->links[k];
		const struct lab_instance *in = lab_instance_find(lab, l->instance);
		if (in == NULL || l->sw[0] == '\0')
			continue;	/* nothing to draw it from */
		bool configured = false;
		for (size_t j = 0; j < in->n_ifaces; j++)
			configured |= strcmp(in->ifaces[j].name, l->iface) == 0;
		if (configured)
			continue;
		struct gedge e = { .inst = (size_t)(in - lab->instances), .sw = pic_switch(p, l->sw),
		    .iface = l->iface, .addrs = l->addrs, .n_addrs = l->n_addrs, .look = look_of(l),
		    .blocked = l->stp_blocked };
		memcpy(e.cond, l->cond, sizeof(e.cond));
		/* not in the file, so plugged live whatever the report says */
		if (e.look == LOOK_UP)
			e.look = LOOK_LIVE;
		else if (e.look == LOOK_DOWN)
			e.look = LOOK_LIVE_DOWN;
		pic_add_edge(p, e);
	}
}

/* Orient every edge away from where a breadth-first walk first reached it,
 * starting from the instances in file order. With rankdir=LR, dot then lays
 * a chain (h1 - S1 - r1 - S2 - h2) out from left to right instead of
 * putting every instance in one rank and every switch in the next. */
static void pic_orient(struct gpic *p)
{
	size_t ni = p->lab->n_instances, nn = ni + p->n_sw;
	bool *seen = xcalloc(nn ? nn : 1, sizeof(*seen));
	size_t *queue = xcalloc(nn ? nn : 1, sizeof(*queue));
	for (size_t start = 0; start < ni; start++) {
		if (seen[start])
			continue;
		size_t head = 0, tail = 0;
		queue[tail++] = start;
		seen[start] = true;
		while (head < tail) {
			size_t u = queue[head++];
			for (size_t k = 0; k < p->n_edges; k++) {
				struct gedge *e = &p->edges[k];
				size_t a = e->inst, b = ni + e->sw;
				if (e->oriented || (u != a && u != b))
					continue;
				e->oriented = true;
				e->inst_first = u == a;
				size_t v = u == a ? b : a;
				if (!seen[v]) {
					seen[v] = true;
					queue[tail++] = v;
				}
			}
		}
	}
	free(queue);
	free(seen);
}

static void dot_attr(struct strbuf *b, const char *key, const char *value)
{
	strbuf_printf(b, "%s=", key);
	dot_quoted(b, value);
}

static void render_switch(struct strbuf *b, const struct gpic *p, size_t i)
{
	const struct lab_switch *sw = lab_switch_find(p->lab, p->sw_names[i]);
	char *id = xasprintf("switch/%s", p->sw_names[i]);
	char *label = sw == NULL ? xasprintf("%s\n(not in the lab file)", p->sw_names[i]) :
	    xasprintf("%s\n%s", sw->name, sw->mode == LAB_SWITCH_HUB ? "hub" : "switch");
	strbuf_printf(b, "\t");
	dot_quoted(b, id);
	strbuf_printf(b, " [");
	dot_attr(b, "label", label);
	/* A hub repeats every frame to every port: drawn round, unlike the box of a switch. */
	if (sw != NULL && sw->mode == LAB_SWITCH_HUB)
		strbuf_printf(b, ", shape=doublecircle, style=filled, fillcolor=\"#f9cb9c\"];\n");
	else
		strbuf_printf(b, ", shape=box, style=\"rounded,filled\", fillcolor=\"#9fc5e8\"];\n");
	free(label);
	free(id);
}

static void render_instance(struct strbuf *b, const struct gpic *p, size_t i)
{
	const struct lab_instance *in = &p->lab->instances[i];
	const struct graph_instance *st = live_instance(p->live, in->name);
	bool down = p->live != NULL && (st == NULL || strcmp(st->state, "running") != 0);
	char *id = xasprintf("instance/%s", in->name);
	char *label = xasprintf("%s%s%s%s%s", in->name, in->forward || st != NULL ? "\n" : "",
	    in->forward ? "router" : "", in->forward && st != NULL ? ", " : "",
	    st != NULL ? st->state : "");
	strbuf_printf(b, "\t");
	dot_quoted(b, id);
	strbuf_printf(b, " [");
	dot_attr(b, "label", label);
	if (down)
		strbuf_printf(b, ", shape=box3d, style=\"filled,dashed\", fillcolor=\"#eeeeee\", "
		    "fontcolor=\"#666666\", color=\"#999999\"];\n");
	else
		strbuf_printf(b, ", shape=box3d, style=filled, fillcolor=\"#fff2cc\"];\n");
	free(label);
	free(id);
}

/* An interface's VLANs and its VLAN sub-interfaces, as more lines of its
 * edge's label ("" for the default and none). */
static char *edge_vlan_note(const struct gpic *p, const struct gedge *e)
{
	const struct lab_instance *in = &p->lab->instances[e->inst];
	const struct lab_iface *f = NULL;
	for (size_t j = 0; j < in->n_ifaces && f == NULL; j++)
		if (strcmp(in->ifaces[j].name, e->iface) == 0)
			f = &in->ifaces[j];
	struct strbuf b = { 0 };
	strbuf_printf(&b, "%s", "");
	if (f == NULL || (e->look == LOOK_LIVE || e->look == LOOK_LIVE_DOWN))
		return strbuf_take(&b);
	char *v = lab_vlans_format(&f->vlans);
	if (v[0] != '\0')
		strbuf_printf(&b, "\n%s%s", f->vlans.trunk ? "" : "VLAN ", f->vlans.trunk ? v :
		    v + strlen("access "));
	free(v);
	for (size_t k = 0; k < in->n_subifs; k++) {
		const struct lab_subif *sub = &in->subifs[k];
		if (sub->parent != f->index)
			continue;
		strbuf_printf(&b, "\n%s", sub->name);
		for (unsigned i = 0; i < sub->n_addrs; i++) {
			char ip[LAB_ADDR_TEXT_MAX];
			strbuf_printf(&b, "%s%s", i ? ", " : " ", lab_addr_format(&sub->addrs[i], true, ip));
		}
	}
	return strbuf_take(&b);
}

static void render_edge(struct strbuf *b, const struct gpic *p, const struct gedge *e)
{
	char *inst = xasprintf("instance/%s", p->lab->instances[e->inst].name);
	char *sw = xasprintf("switch/%s", p->sw_names[e->sw]);
	struct strbuf ab = { 0 };
	for (unsigned i = 0; i < e->n_addrs; i++) {
		char ip[LAB_ADDR_TEXT_MAX];
		strbuf_printf(&ab, "%s%s", i ? "\n" : "", lab_addr_format(&e->addrs[i], true, ip));
	}
	for (size_t i = 0; i < e->n_slaac; i++) {
		char ip[LAB_ADDR_TEXT_MAX];
		strbuf_printf(&ab, "%s%s (SLAAC)", ab.len ? "\n" : "", lab_addr_format(&e->slaac[i], true, ip));
	}
	char *addr = ab.len ? strbuf_take(&ab) : xstrdup("no address");
	static const char *const notes[] = { [LOOK_PLAIN] = "", [LOOK_UP] = "",
	    [LOOK_DOWN] = "\n(down)", [LOOK_UNPLUGGED] = "\n(unplugged)",
	    [LOOK_LIVE] = "\n(plugged live)", [LOOK_LIVE_DOWN] = "\n(plugged live, down)" };
	char *vnote = edge_vlan_note(p, e);
	/* Blocked by spanning tree (drawn only while up): red, X at the switch's end. */
	bool blocked = e->blocked && (e->look == LOOK_UP || e->look == LOOK_LIVE);
	char *label = xasprintf("%s\n%s%s%s%s%s%s", e->iface, addr, vnote, notes[e->look],
	    blocked ? "\n(blocked)" : "", e->cond[0] ? "\n" : "", e->cond);
	free(vnote);
	strbuf_printf(b, "\t");
	dot_quoted(b, e->inst_first ? inst : sw);
	strbuf_printf(b, " -- ");
	dot_quoted(b, e->inst_first ? sw : inst);
	strbuf_printf(b, " [");
	dot_attr(b, "label", label);
	static const char *const looks[] = { [LOOK_PLAIN] = "",
	    [LOOK_UP] = ", color=\"#38761d\"",
	    [LOOK_DOWN] = ", style=dashed, color=\"#999999\", fontcolor=\"#666666\"",
	    [LOOK_UNPLUGGED] = ", style=dotted, color=\"#cc0000\", fontcolor=\"#cc0000\"",
	    [LOOK_LIVE] = ", style=bold, color=\"#1155cc\", fontcolor=\"#1155cc\"",
	    [LOOK_LIVE_DOWN] = ", style=dashed, color=\"#1155cc\", fontcolor=\"#1155cc\"" };
	if (blocked)
		strbuf_printf(b, ", style=dashed, color=\"#cc0000\", fontcolor=\"#cc0000\", %s=\"X blocked\"",
		    e->inst_first ? "headlabel" : "taillabel");
	else
		strbuf_printf(b, "%s", looks[e->look]);
	strbuf_printf(b, "];\n");
	free(label);
	free(addr);
	free(sw);
	free(inst);
}

/* A trunk: a node for the far end (another lab, another host), joined to its switch. */
static void render_trunk(struct strbuf *b, const struct lab_switch *sw, size_t k)
{
	const struct lab_trunk *t = &sw->trunks[k];
	char remote[VXLAN_ADDR_TEXT_MAX], listen[VXLAN_ADDR_TEXT_MAX];
	vxlan_addr_format(&t->remote, remote);
	vxlan_addr_format(&t->listen, listen);
	char *id = xasprintf("trunk/%s.trunk%zu", sw->name, k);
	char *swid = xasprintf("switch/%s", sw->name);
	char *label = xasprintf("%s.trunk%zu\nVXLAN %u\nto %s", sw->name, k, t->vni, remote);
	char *elabel = xasprintf("listen %s", listen);
	strbuf_printf(b, "\t");
	dot_quoted(b, id);
	strbuf_printf(b, " [");
	dot_attr(b, "label", label);
	strbuf_printf(b, ", shape=cds, style=filled, fillcolor=\"#d9d2e9\"];\n\t");
	dot_quoted(b, swid);
	strbuf_printf(b, " -- ");
	dot_quoted(b, id);
	strbuf_printf(b, " [");
	dot_attr(b, "label", elabel);
	strbuf_printf(b, ", style=dashed, color=\"#674ea7\"];\n");
	free(elabel);
	free(label);
	free(swid);
	free(id);
}

static const struct graph_swlink *live_swlink(const struct graph_live *live, const char *a,
    const char *b)
{
	for (size_t i = 0; live != NULL && i < live->n_swlinks; i++)
		if (strcmp(live->swlinks[i].a, a) == 0 && strcmp(live->swlinks[i].b, b) == 0)
			return &live->swlinks[i];
	return NULL;
}

/* A cable between two switches: its VLANs; live, whether it is down and
 * which end spanning tree blocks (drawn red at that end). */
static void render_swlink(struct strbuf *b, const struct gpic *p, const struct lab_switch *sw,
    const struct lab_link *l)
{
	const char *to = p->lab->switches[l->to].name;
	const struct graph_swlink *g = live_swlink(p->live, sw->name, to);
	char *a = xasprintf("switch/%s", sw->name), *z = xasprintf("switch/%s", to);
	char *v = lab_vlans_format(&l->vlans);
	bool blocked_a = g != NULL && g->end[0] == GRAPH_STP_BLOCKED;
	bool blocked_z = g != NULL && g->end[1] == GRAPH_STP_BLOCKED;
	char *label = xasprintf("%s.%s%s%s%s%s", sw->name, to, v[0] ? "\n" : "", v,
	    g != NULL && g->down ? "\n(down)" : "", blocked_a || blocked_z ? "\n(blocked)" : "");
	strbuf_printf(b, "\t");
	dot_quoted(b, a);
	strbuf_printf(b, " -- ");
	dot_quoted(b, z);
	strbuf_printf(b, " [");
	dot_attr(b, "label", label);
	strbuf_printf(b, ", penwidth=2.5");
	if (g != NULL && g->down)
		strbuf_printf(b, ", style=dashed, color=\"#999999\", fontcolor=\"#666666\"");
	else if (blocked_a || blocked_z)
		strbuf_printf(b, ", style=dashed, color=\"#cc0000\", fontcolor=\"#cc0000\"");
	else if (g != NULL)
		strbuf_printf(b, ", color=\"#38761d\"");
	if (blocked_a)
		strbuf_printf(b, ", taillabel=\"X blocked\"");
	if (blocked_z)
		strbuf_printf(b, ", headlabel=\"X blocked\"");
	strbuf_printf(b, "];\n");
	free(label);
	free(v);
	free(a);
	free(z);
}

static void render_swlinks(struct strbuf *b, const struct gpic *p)
{
	bool any = false;	/* a lab without links draws as it always did */
	for (size_t i = 0; i < p->lab->n_switches; i++)
		for (size_t k = 0; k < p->lab->switches[i].n_links; k++) {
			if (!any)
				strbuf_printf(b, "\n\t// cables between switches\n");
			any = true;
			render_swlink(b, p, &p->lab->switches[i], &p->lab->switches[i].links[k]);
		}
}

char *graph_render(const struct lab *lab, const struct graph_live *live)
{
	struct gpic p = { .lab = lab, .live = live };
	struct strbuf b = { 0 };
	pic_collect(&p);
	pic_orient(&p);

	char *title = xasprintf("lab %s%s", lab->name, live != NULL ? " (running)" : "");
	strbuf_printf(&b, "// umllab graph: lab %s, %s\n", lab->name, live != NULL ?
	    "live state of the running lab" : "as its topology file describes it");
	strbuf_printf(&b, "graph ");
	dot_quoted(&b, lab->name);
	strbuf_printf(&b, " {\n\tgraph [");
	dot_attr(&b, "label", title);
	strbuf_printf(&b, ", labelloc=t, rankdir=LR, nodesep=0.5, ranksep=0.9, "
	    "fontname=\"Helvetica\", fontsize=16];\n"
	    "\tnode [fontname=\"Helvetica\", fontsize=12];\n"
	    "\tedge [fontname=\"Helvetica\", fontsize=10, penwidth=1.5];\n\n"
	    "\t// switches\n");
	free(title);
	for (size_t i = 0; i < p.n_sw; i++)
		render_switch(&b, &p, i);
	strbuf_printf(&b, "\n\t// instances\n");
	for (size_t i = 0; i < lab->n_instances; i++)
		render_instance(&b, &p, i);
	strbuf_printf(&b, "\n\t// links: interface and address\n");
	for (size_t k = 0; k < p.n_edges; k++)
		render_edge(&b, &p, &p.edges[k]);
	bool trunks = false;	/* a lab without trunks draws as it always did */
	for (size_t i = 0; i < lab->n_switches; i++)
		for (size_t k = 0; k < lab->switches[i].n_trunks; k++) {
			if (!trunks)
				strbuf_printf(&b, "\n\t// trunks: VXLAN to other labs\n");
			trunks = true;
			render_trunk(&b, &lab->switches[i], k);
		}
	render_swlinks(&b, &p);
	strbuf_printf(&b, "}\n");
	free(p.edges);
	free(p.sw_names);
	return strbuf_take(&b);
}

/* ---- the running lab's report (`graph-live`) ---- */

#define SNAPSHOT_LINE_MAX 4096
#define SNAPSHOT_WORDS_MAX 8

/* Split line in place at single spaces; returns the number of words, or
 * SNAPSHOT_WORDS_MAX + 1 when there are too many. */
static int split_words(char *line, char **words)
{
	int n = 0;
	for (char *p = line; *p != '\0';) {
		if (n == SNAPSHOT_WORDS_MAX)
			return n + 1;
		words[n++] = p;
		char *sp = strchr(p, ' ');
		if (sp == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	return n;
}

static int iface_index(const char *s)
{
	if (strncmp(s, "eth", 3) != 0 || s[3] < '0' || s[3] > '9' || (s[3] == '0' && s[4] != '\0'))
		return -1;
	char *end;
	long v = strtol(s + 3, &end, 10);
	return *end == '\0' && v >= 0 && v < LAB_IFACE_MAX ? (int)v : -1;
}

/* "eth0.10" -> its parent's index (0); -1 when not such a name. */
static int iface_index_dot(const char *s, unsigned *parent)
{
	char buf[8];
	const char *dot = strchr(s, '.');
	if (dot == NULL || (size_t)(dot - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(dot - s));
	buf[dot - s] = '\0';
	int i = iface_index(buf);
	if (i < 0)
		return -1;
	*parent = (unsigned)i;
	return 0;
}

/* "-", or addresses with their prefixes, separated by commas. */
static int parse_addrs(const char *s, struct lab_addr *addrs, unsigned *n)
{
	*n = 0;
	if (strcmp(s, "-") == 0)
		return 0;
	for (const char *p = s;;) {
		size_t len = strcspn(p, ",");
		char one[LAB_ADDR_TEXT_MAX];
		if (*n == LAB_IFACE_ADDRS_MAX || len == 0 || len >= sizeof(one))
			return -1;
		memcpy(one, p, len);
		one[len] = '\0';
		if (!lab_addr_parse(one, true, &addrs[(*n)++]))
			return -1;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

static ssize_t find_switch(const struct lab *lab, const char *name)
{
	const struct lab_switch *sw = lab_switch_find(lab, name);
	return sw == NULL ? -1 : sw - lab->switches;
}

#define SNAPSHOT_NOT_MINE ((const char *)1)

/* vlan INSTANCE IFACE TEXT; NULL, what is wrong, or SNAPSHOT_NOT_MINE. */
static const char *snapshot_vlan(char *line, struct lab *lab)
{
	char *inst = line + 5, *sp = strchr(inst, ' ');
	char *iface = sp != NULL ? sp + 1 : NULL;
	char *sp2 = iface != NULL ? strchr(iface, ' ') : NULL;
	if (sp2 == NULL)
		return "a bad vlan line";
	*sp = *sp2 = '\0';
	const struct lab_instance *in = lab_instance_find(lab, inst);
	for (size_t j = 0; in != NULL && j < in->n_ifaces; j++)
		if (strcmp(in->ifaces[j].name, iface) == 0) {
			struct lab_iface *f = &in->ifaces[j];
			if (!lab_vlans_parse(sp2 + 1, &f->vlans))
				return "bad VLANs";
			f->vlans.line = 1;
			return NULL;
		}
	return "VLANs of a link not listed before them";
}

/* stp INSTANCE IFACE blocked; NULL or what is wrong. */
static const char *snapshot_stp(char *line, struct graph_live *live)
{
	char *w[SNAPSHOT_WORDS_MAX];
	int n = split_words(line, w);
	if (n != 4 || strcmp(w[3], "blocked") != 0)
		return "a bad stp line";
	struct graph_link *l = (struct graph_link *)live_link(live, w[1], w[2]);
	if (l == NULL)
		return "spanning tree of a link not listed before it";
	l->stp_blocked = true;
	return NULL;
}

/* The lines about VLANs, spanning tree and cables between switches. */
static const char *snapshot_switch_line(char *line, struct lab *lab, struct graph_live *live)
{
	if (strncmp(line, "vlan ", 5) == 0)
		return snapshot_vlan(line, lab);
	if (strncmp(line, "stp ", 4) == 0)
		return snapshot_stp(line, live);
	if (strncmp(line, "swlink ", 7) != 0 && strncmp(line, "subif ", 6) != 0)
		return SNAPSHOT_NOT_MINE;
	char *vtext = NULL;
	if (strncmp(line, "swlink ", 7) == 0) {
		/* The VLANs are the rest of the line, after the sixth word. */
		char *p = line;
		for (int k = 0; k < 6 && p != NULL; k++) {
			p = strchr(p, ' ');
			if (p != NULL)
				p++;
		}
		if (p != NULL) {
			p[-1] = '\0';
			vtext = p;
		}
	}
	char *w[SNAPSHOT_WORDS_MAX];
	int n = split_words(line, w);
	if (n < 2 || n > SNAPSHOT_WORDS_MAX)
		return "a bad line";
	if (strcmp(w[0], "subif") == 0) {
		if (n != 4)
			return "a bad sub-interface";
		struct lab_instance *in = (struct lab_instance *)lab_instance_find(lab, w[1]);
		struct lab_subif sub = { 0 };
		if (in == NULL)
			return "a sub-interface of an instance not listed before it";
		if (str_copy(sub.name, sizeof(sub.name), w[2]) != 0 || strchr(w[2], '.') == NULL ||
		    iface_index_dot(w[2], &sub.parent) != 0 ||
		    parse_addrs(w[3], sub.addrs, &sub.n_addrs) != 0)
			return "a bad sub-interface";
		in->subifs = xreallocarray(in->subifs, in->n_subifs + 1, sizeof(*in->subifs));
		in->subifs[in->n_subifs++] = sub;
		return NULL;
	}
	ssize_t a = n == 6 ? find_switch(lab, w[1]) : -1, b = n == 6 ? find_switch(lab, w[2]) : -1;
	if (a < 0 || b < 0 || a == b)
		return "a cable between switches not listed before it";
	struct graph_swlink g = { .down = strcmp(w[3], "down") == 0 };
	if (!g.down && strcmp(w[3], "up") != 0)
		return "a bad cable state";
	for (int k = 0; k < 2; k++) {
		const char *e = w[4 + k];
		g.end[k] = strcmp(e, "forwarding") == 0 ? GRAPH_STP_FORWARDING :
		    strcmp(e, "blocked") == 0 ? GRAPH_STP_BLOCKED : GRAPH_STP_NONE;
		if (g.end[k] == GRAPH_STP_NONE && strcmp(e, "-") != 0)
			return "a bad spanning tree state";
	}
	struct lab_link l = { .to = (size_t)b };
	if (vtext != NULL && !lab_vlans_parse(vtext, &l.vlans))
		return "bad VLANs";
	if (lab_link_find(lab, (size_t)a, (size_t)b, NULL) != NULL)
		return "a repeated cable between switches";
	struct lab_switch *sw = &lab->switches[a];
	sw->links = xreallocarray(sw->links, sw->n_links + 1, sizeof(*sw->links));
	sw->links[sw->n_links++] = l;
	(void)str_copy(g.a, sizeof(g.a), w[1]);
	(void)str_copy(g.b, sizeof(g.b), w[2]);
	live->swlinks = xreallocarray(live->swlinks, live->n_swlinks + 1, sizeof(*live->swlinks));
	live->swlinks[live->n_swlinks++] = g;
	return NULL;
}

/* One line of the report into lab and live; NULL, or what is wrong with it. */
static const char *snapshot_line(char *line, struct lab *lab, struct graph_live *live)
{
	const char *mine = snapshot_switch_line(line, lab, live);
	if (mine != SNAPSHOT_NOT_MINE)
		return mine;
	if (strncmp(line, "file ", 5) == 0 && line[5] != '\0') {
		free(lab->path);
		lab->path = xstrdup(line + 5);	/* the rest of the line: a path may hold spaces */
		return NULL;
	}
	if (strncmp(line, "ra ", 3) == 0 || strncmp(line, "mac ", 4) == 0) {
		/* ra INSTANCE IFACE: the interface (configured, listed before) sends router
		 * advertisements; mac INSTANCE IFACE MAC: its MAC. So SLAAC addresses can be drawn. */
		char *w[SNAPSHOT_WORDS_MAX];
		bool ra = line[0] == 'r';
		const struct lab_instance *in = split_words(line, w) == (ra ? 3 : 4) ?
		    lab_instance_find(lab, w[1]) : NULL;
		for (size_t i = 0; in != NULL && i < in->n_ifaces; i++) {
			struct lab_iface *f = &in->ifaces[i];
			unsigned m[6];
			char tail;
			if (strcmp(f->name, w[2]) != 0)
				continue;
			if (ra) {
				f->ra = true;
				return NULL;
			}
			if (sscanf(w[3], "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
			    &m[5], &tail) != 6)
				return "a bad MAC";
			for (int k = 0; k < 6; k++)
				f->mac[k] = (uint8_t)m[k];
			return NULL;
		}
		return ra ? "router advertisements of an interface not listed before them" :
		    "the MAC of an interface not listed before it";
	}
	if (strncmp(line, "cond ", 5) == 0) {
		/* cond INSTANCE IFACE TEXT: the text is the rest of the line. */
		char *inst = line + 5, *sp = strchr(inst, ' ');
		char *iface = sp != NULL ? sp + 1 : NULL;
		char *sp2 = iface != NULL ? strchr(iface, ' ') : NULL;
		if (sp2 == NULL)
			return "a bad cond line";
		*sp = *sp2 = '\0';
		struct graph_link *l = (struct graph_link *)live_link(live, inst, iface);
		if (l == NULL)
			return "conditions of a link not listed before them";
		if (str_copy(l->cond, sizeof(l->cond), sp2 + 1) != 0)
			return "conditions too long";
		return NULL;
	}
	char *w[SNAPSHOT_WORDS_MAX];
	int n = split_words(line, w);
	if (n == 0)
		return "empty line";
	if (strcmp(w[0], "lab") == 0 && n == 2) {
		if (lab->name[0] != '\0' || !lab_name_valid(w[1]))
			return "a second or invalid lab name";
		(void)str_copy(lab->name, sizeof(lab->name), w[1]);
	} else if (strcmp(w[0], "switch") == 0 && n == 3) {
		bool hub = strcmp(w[2], "hub") == 0;
		if (!lab_name_valid(w[1]) || lab_switch_find(lab, w[1]) != NULL ||
		    (!hub && strcmp(w[2], "switch") != 0))
			return "a bad or repeated switch";
		lab->switches = xreallocarray(lab->switches, lab->n_switches + 1,
		    sizeof(*lab->switches));
		struct lab_switch *sw = &lab->switches[lab->n_switches++];
		memset(sw, 0, sizeof(*sw));
		(void)str_copy(sw->name, sizeof(sw->name), w[1]);
		sw->mode = hub ? LAB_SWITCH_HUB : LAB_SWITCH_LEARNING;
	} else if (strcmp(w[0], "trunk") == 0 && n == 5) {
		ssize_t si = find_switch(lab, w[1]);
		if (si < 0)
			return "a trunk of a switch not listed before it";
		struct lab_switch *sw = &lab->switches[si];
		struct lab_trunk t = { 0 };
		char *end;
		unsigned long vni = strtoul(w[2], &end, 10);
		if (w[2][0] < '0' || w[2][0] > '9' || *end != '\0' || vni > VXLAN_VNI_MAX ||
		    vxlan_addr_parse(w[3], &t.listen) != NULL ||
		    vxlan_addr_parse(w[4], &t.remote) != NULL || sw->n_trunks == LAB_TRUNKS_MAX)
			return "a bad trunk";
		t.vni = (uint32_t)vni;
		sw->trunks = xreallocarray(sw->trunks, sw->n_trunks + 1, sizeof(*sw->trunks));
		sw->trunks[sw->n_trunks++] = t;
	} else if (strcmp(w[0], "instance") == 0 && n == 4) {
		bool router = strcmp(w[3], "router") == 0;
		size_t sl = strlen(w[2]);
		if (!lab_name_valid(w[1]) || lab_instance_find(lab, w[1]) != NULL ||
		    sl == 0 || sl >= sizeof(live->instances[0].state) ||
		    strspn(w[2], "abcdefghijklmnopqrstuvwxyz-") != sl ||
		    (!router && strcmp(w[3], "host") != 0))
			return "a bad or repeated instance";
		lab->instances = xreallocarray(lab->instances, lab->n_instances + 1,
		    sizeof(*lab->instances));
		struct lab_instance *in = &lab->instances[lab->n_instances++];
		memset(in, 0, sizeof(*in));
		(void)str_copy(in->name, sizeof(in->name), w[1]);
		in->mem_bytes = LAB_MEM_DEFAULT;
		in->forward = router;
		live->instances = xreallocarray(live->instances, live->n_instances + 1,
		    sizeof(*live->instances));
		struct graph_instance *gi = &live->instances[live->n_instances++];
		memset(gi, 0, sizeof(*gi));
		(void)str_copy(gi->name, sizeof(gi->name), w[1]);
		(void)str_copy(gi->state, sizeof(gi->state), w[2]);
	} else if (strcmp(w[0], "link") == 0 && n == 7) {
		struct graph_link l = { 0 };
		struct lab_instance *in = (struct lab_instance *)lab_instance_find(lab, w[1]);
		int index = iface_index(w[2]);
		bool configured = strcmp(w[6], "configured") == 0;
		ssize_t sw = find_switch(lab, w[3]);
		if (in == NULL)
			return "a link of an instance not listed before it";
		if (index < 0)
			return "a bad interface name";
		if (!lab_name_valid(w[3]) || (configured && sw < 0))
			return "a link to a switch not listed before it";
		if (parse_addrs(w[4], l.addrs, &l.n_addrs) != 0)
			return "a bad address";
		bool unplugged = strcmp(w[5], "unplugged") == 0;
		if ((strcmp(w[5], "up") != 0 && strcmp(w[5], "down") != 0 && !unplugged) ||
		    (!configured && strcmp(w[6], "live") != 0))
			return "a bad link state";
		if (live_link(live, w[1], w[2]) != NULL)
			return "a repeated interface";
		(void)str_copy(l.instance, sizeof(l.instance), w[1]);
		(void)str_copy(l.iface, sizeof(l.iface), w[2]);
		l.state = unplugged ? GRAPH_LINK_UNPLUGGED :
		    strcmp(w[5], "up") == 0 ? GRAPH_LINK_UP : GRAPH_LINK_DOWN;
		l.live_plugged = !configured;
		if (configured) {
			/* Kept sorted by index, as the loader does. */
			in->ifaces = xreallocarray(in->ifaces, in->n_ifaces + 1, sizeof(*in->ifaces));
			size_t at = in->n_ifaces;
			while (at > 0 && in->ifaces[at - 1].index > (unsigned)index) {
				in->ifaces[at] = in->ifaces[at - 1];
				at--;
			}
			struct lab_iface *f = &in->ifaces[at];
			in->n_ifaces++;
			memset(f, 0, sizeof(*f));
			(void)str_copy(f->name, sizeof(f->name), w[2]);
			f->index = (unsigned)index;
			f->sw = (size_t)sw;
			memcpy(f->addrs, l.addrs, sizeof(f->addrs));
			f->n_addrs = l.n_addrs;
		} else {
			(void)str_copy(l.sw, sizeof(l.sw), w[3]);
		}
		live->links = xreallocarray(live->links, live->n_links + 1, sizeof(*live->links));
		live->links[live->n_links++] = l;
	} else {
		return "an unknown line";
	}
	return NULL;
}

int graph_snapshot_parse(const char *text, size_t len, struct lab **labp, struct graph_live *live,
    char **cause)
{
	*labp = NULL;
	memset(live, 0, sizeof(*live));
	if (memchr(text, '\0', len) != NULL)
		return set_cause(cause, "the lab's report holds a NUL byte");
	char *buf = xstrndup(text, len);
	struct lab *lab = xcalloc(1, sizeof(*lab));
	const char *bad = NULL;
	unsigned lineno = 0;
	char *save = NULL;
	for (char *p = buf; p != NULL && *p != '\0' && bad == NULL; p = save) {
		char *nl = strchr(p, '\n');
		save = nl != NULL ? nl + 1 : NULL;
		if (nl != NULL)
			*nl = '\0';
		lineno++;
		if (strlen(p) > SNAPSHOT_LINE_MAX)
			bad = "a line too long";
		else if (lineno == 1)
			bad = strcmp(p, GRAPH_SNAPSHOT_MAGIC) == 0 ? NULL :
			    "not `" GRAPH_SNAPSHOT_MAGIC "` (from another version of umllab?)";
		else
			bad = snapshot_line(p, lab, live);
	}
	if (bad == NULL && lineno == 0)
		bad = "nothing";
	if (bad == NULL && (lab->name[0] == '\0' || lab->n_instances == 0)) {
		lineno = 0;
		bad = "no lab name or no instance";
	}
	free(buf);
	if (bad != NULL) {
		if (lineno > 0)
			set_cause(cause, "the lab's report is broken at line %u: %s", lineno, bad);
		else
			set_cause(cause, "the lab's report is broken: %s", bad);
		lab_free(lab);
		graph_live_free(live);
		return -1;
	}
	if (lab->path == NULL)
		lab->path = xasprintf("running lab %s", lab->name);
	*labp = lab;
	return 0;
}

void graph_live_free(struct graph_live *live)
{
	if (live == NULL)
		return;
	free(live->links);
	free(live->instances);
	free(live->swlinks);
	memset(live, 0, sizeof(*live));
}
