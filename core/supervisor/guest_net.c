/* core/supervisor/guest_net.c: the guest's network snapshots, parsed and kept (see guest_net.h
 * and image/guest/netwatch.c for the format). */
#include "core/supervisor/guest_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

#define ITEM_MAX 160

static void net_clear(struct guest_net *n)
{
	free(n->links);
	free(n->addrs);
	free(n->routes);
	memset(n, 0, sizeof(*n));
}

void guest_net_reset(struct guest_net_rx *rx)
{
	net_clear(&rx->cur);
	net_clear(&rx->next);
	rx->seq = rx->part = 0;
	rx->receiving = false;
}

/* A name of at most GUEST_NET_NAME_MAX - 1 printable bytes. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= GUEST_NET_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

/* ADDRESS/PREFIX of either family. */
static bool cidr_ok(const char *s, struct lab_addr *a)
{
	return lab_addr_parse(s, true, a);
}

/* One item into n; false when it is malformed or over a limit. */
static bool net_item(struct guest_net *n, char *item)
{
	char *w[6] = { 0 };
	int k = 0;
	for (char *save = NULL, *p = strtok_r(item, " ", &save); p != NULL;
	    p = strtok_r(NULL, " ", &save)) {
		if (k == 6)
			return false;
		w[k++] = p;
	}
	if (k == 3 && strcmp(w[0], "l") == 0) {
		if (!name_ok(w[1]) || strlen(w[2]) >= sizeof(n->links[0].state) ||
		    n->n_links == GUEST_NET_LINKS_MAX)
			return false;
		n->links = xreallocarray(n->links, n->n_links + 1, sizeof(*n->links));
		struct guest_net_link *l = &n->links[n->n_links++];
		str_copy(l->name, sizeof(l->name), w[1]);
		str_copy(l->state, sizeof(l->state), w[2]);
		return true;
	}
	if ((k == 3 || (k == 4 && strcmp(w[3], "dyn") == 0)) && strcmp(w[0], "a") == 0) {
		struct guest_net_addr a = { .dynamic = k == 4 };
		if (!name_ok(w[1]) || !cidr_ok(w[2], &a.addr) || n->n_addrs == GUEST_NET_ADDRS_MAX)
			return false;
		str_copy(a.iface, sizeof(a.iface), w[1]);
		n->addrs = xreallocarray(n->addrs, n->n_addrs + 1, sizeof(*n->addrs));
		n->addrs[n->n_addrs++] = a;
		return true;
	}
	if (k == 5 && strcmp(w[0], "r") == 0) {
		struct guest_net_route r = { 0 };
		if (!cidr_ok(w[1], &r.dst) || !name_ok(w[3]) ||
		    strlen(w[4]) >= sizeof(r.proto) || !name_ok(w[4]) ||
		    n->n_routes == GUEST_NET_ROUTES_MAX)
			return false;
		if (strcmp(w[2], "-") != 0) {
			if (!lab_addr_parse(w[2], false, &r.via) || strchr(w[2], '/') != NULL ||
			    r.via.family != r.dst.family)
				return false;
			r.has_via = true;
		}
		str_copy(r.iface, sizeof(r.iface), w[3]);
		str_copy(r.proto, sizeof(r.proto), w[4]);
		n->routes = xreallocarray(n->routes, n->n_routes + 1, sizeof(*n->routes));
		n->routes[n->n_routes++] = r;
		return true;
	}
	return false;
}

int guest_net_feed(struct guest_net_rx *rx, const char *data, size_t len, uint64_t now_ms)
{
	char head[64];
	size_t hl = 0;
	/* "SEQ PART FLAG " */
	int spaces = 0;
	while (hl < len && hl < sizeof(head) - 1 && spaces < 3) {
		head[hl] = data[hl];
		if (data[hl++] == ' ')
			spaces++;
	}
	head[hl] = '\0';
	unsigned seq, part;
	char flag;
	int used = 0;
	if (spaces < 2 || sscanf(head, "%u %u %c%n", &seq, &part, &flag, &used) != 3 ||
	    (flag != 'm' && flag != 'e') || memchr(data, '\0', len) != NULL) {
		net_clear(&rx->next);
		rx->receiving = false;
		return -1;
	}
	if (part == 0) {
		net_clear(&rx->next);
		rx->receiving = true;
		rx->seq = seq;
		rx->part = 0;
	} else if (!rx->receiving || seq != rx->seq || part != rx->part) {
		net_clear(&rx->next);
		rx->receiving = false;
		return -1;
	}
	rx->part++;
	size_t off = (size_t)used;
	while (off < len && data[off] == ' ')
		off++;
	char *items = xstrndup(data + off, len - off);
	bool ok = true;
	for (char *save = NULL, *it = strtok_r(items, ";", &save); it != NULL && ok;
	    it = strtok_r(NULL, ";", &save)) {
		if (strlen(it) >= ITEM_MAX)
			ok = false;
		else
			ok = net_item(&rx->next, it);
	}
	free(items);
	if (!ok) {
		net_clear(&rx->next);
		rx->receiving = false;
		return -1;
	}
	if (flag == 'm')
		return 0;
	net_clear(&rx->cur);
	rx->cur = rx->next;
	rx->cur.known = true;
	rx->cur.at_ms = now_ms;
	memset(&rx->next, 0, sizeof(rx->next));
	rx->receiving = false;
	return 1;
}

const struct guest_net_addr *guest_net_first(const struct guest_net *n, int family)
{
	const struct guest_net_addr *best = NULL, *any = NULL;
	for (size_t i = 0; i < n->n_addrs; i++) {
		const struct guest_net_addr *a = &n->addrs[i];
		if ((family != 0 && a->addr.family != family) || lab_addr_link_local(&a->addr))
			continue;
		if (any == NULL)
			any = a;
		if (strncmp(a->iface, "eth", 3) != 0)
			continue;
		unsigned long x = strtoul(a->iface + 3, NULL, 10);
		if (best == NULL || x < strtoul(best->iface + 3, NULL, 10))
			best = a;
	}
	return best != NULL ? best : any;
}

const struct guest_net_addr *guest_net_find(const struct guest_net *n, const struct lab_addr *a,
    const char *iface)
{
	for (size_t i = 0; i < n->n_addrs; i++)
		if (lab_addr_equal(&n->addrs[i].addr, a) &&
		    (iface == NULL || strcmp(n->addrs[i].iface, iface) == 0))
			return &n->addrs[i];
	return NULL;
}

const char *guest_net_link_state(const struct guest_net *n, const char *name)
{
	for (size_t i = 0; i < n->n_links; i++)
		if (strcmp(n->links[i].name, name) == 0)
			return n->links[i].state;
	return NULL;
}
