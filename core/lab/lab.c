/* core/lab/lab.c: small functions on the lab model: freeing it, finding its parts by name,
 * names, default MACs, the list of loader messages. */
#include "core/lab/lab.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/eui64.h"
#include "core/base/util.h"

void lab_diag_add(struct lab_diag *diag, char *msg)
{
	if (diag == NULL) {
		free(msg);
		return;
	}
	diag->msgs = xreallocarray(diag->msgs, diag->n + 1, sizeof(*diag->msgs));
	diag->msgs[diag->n++] = msg;
}

void lab_diag_free(struct lab_diag *diag)
{
	if (diag == NULL)
		return;
	for (size_t i = 0; i < diag->n; i++)
		free(diag->msgs[i]);
	free(diag->msgs);
	diag->msgs = NULL;
	diag->n = 0;
}

void lab_free(struct lab *lab)
{
	if (lab == NULL)
		return;
	for (size_t i = 0; i < lab->n_instances; i++) {
		struct lab_instance *in = &lab->instances[i];
		free(in->ifaces);
		free(in->subifs);
		free(in->routes);
		for (size_t j = 0; j < in->n_startup; j++)
			free(in->startup[j]);
		free(in->startup);
		free(in->share.dir);
		for (size_t j = 0; j < in->n_disks; j++)
			free(in->disks[j].file);
		free(in->disks);
		free(in->after);
		for (size_t j = 0; j < in->n_shutdown; j++)
			free(in->shutdown[j]);
		free(in->shutdown);
	}
	free(lab->instances);
	for (size_t i = 0; i < lab->n_switches; i++) {
		free(lab->switches[i].trunks);
		free(lab->switches[i].links);
	}
	free(lab->switches);
	for (size_t i = 0; i < lab->n_images; i++) {
		struct lab_image *im = &lab->images[i];
		free(im->release);
		for (size_t j = 0; j < im->n_packages; j++)
			free(im->packages[j]);
		free(im->packages);
		free(im->mirror);
		free(im->url);
		free(im->file);
		free(im->backing);
		free(im->inputs_file);
	}
	free(lab->images);
	free(lab->share.dir);
	for (size_t i = 0; i < lab->n_info; i++) {
		free(lab->info[i].key);
		free(lab->info[i].value);
	}
	free(lab->info);
	free(lab->path);
	free(lab);
}

const struct lab_instance *lab_instance_find(const struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->n_instances; i++)
		if (strcmp(lab->instances[i].name, name) == 0)
			return &lab->instances[i];
	return NULL;
}

unsigned long lab_fds_needed(const struct lab *lab)
{
	/* 100 idle instances on one switch held 7.5 each (log, pty, notify,
	 * mconsole and probe sockets, a cable's two); the rest is room for
	 * execs' sessions. */
	unsigned long n = 256;	/* the supervisor's own, control clients, captures */
	for (size_t i = 0; i < lab->n_instances; i++)
		n += 8 + 2 * lab->instances[i].n_ifaces;
	return n + 16 * lab->n_switches;
}

const struct lab_image *lab_image_find(const struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->n_images; i++)
		if (strcmp(lab->images[i].name, name) == 0)
			return &lab->images[i];
	return NULL;
}

const struct lab_link *lab_link_find(const struct lab *lab, size_t a, size_t b, bool *from_a)
{
	for (int side = 0; side < 2; side++) {
		size_t from = side == 0 ? a : b, to = side == 0 ? b : a;
		if (from >= lab->n_switches)
			continue;
		const struct lab_switch *sw = &lab->switches[from];
		for (size_t k = 0; k < sw->n_links; k++)
			if (sw->links[k].to == to) {
				if (from_a != NULL)
					*from_a = side == 0;
				return &sw->links[k];
			}
	}
	return NULL;
}

const struct lab_switch *lab_switch_find(const struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->n_switches; i++)
		if (strcmp(lab->switches[i].name, name) == 0)
			return &lab->switches[i];
	return NULL;
}

bool lab_name_valid(const char *s)
{
	size_t len = 0;
	if (s == NULL)
		return false;
	for (; s[len] != '\0'; len++) {
		char c = s[len];
		if (len == LAB_NAME_MAX || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return len > 0;
}

static uint64_t fnv1a_add(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void lab_default_mac(const char *lab, const char *instance, const char *iface, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	h = fnv1a_add(h, lab);
	h = fnv1a_add(h, "/");
	h = fnv1a_add(h, instance);
	h = fnv1a_add(h, "/");
	h = fnv1a_add(h, iface);
	mac[0] = 0x02;		/* locally administered, unicast */
	for (int i = 1; i < 6; i++)
		mac[i] = (uint8_t)(h >> (64 - 8 * i));
}

static bool vlan_bit(const uint64_t *set, unsigned v)
{
	return (set[v / 64] >> (v % 64)) & 1;
}

char *lab_vlans_format(const struct lab_vlans *v)
{
	if (!v->trunk)
		return v->access > 1 ? xasprintf("access %u", v->access) : xstrdup("");
	struct strbuf b = { 0 };
	strbuf_printf(&b, "trunk ");
	bool any = false;
	for (unsigned vid = 1; vid <= LAB_VLAN_MAX; vid++) {
		if (!vlan_bit(v->tagged, vid))
			continue;
		unsigned last = vid;
		while (last < LAB_VLAN_MAX && vlan_bit(v->tagged, last + 1))
			last++;
		strbuf_printf(&b, last == vid ? "%s%u" : "%s%u-%u", any ? "," : "", vid, last);
		any = true;
		vid = last;
	}
	if (v->native != 0)
		strbuf_printf(&b, " native %u", v->native);
	return strbuf_take(&b);
}

/* A VLAN 1..LAB_VLAN_MAX at *p (decimal); advances *p. */
static bool vlan_read(const char **p, unsigned *out)
{
	char *end;
	if (**p < '1' || **p > '9')
		return false;
	unsigned long v = strtoul(*p, &end, 10);
	if (v > LAB_VLAN_MAX)
		return false;
	*p = end;
	*out = (unsigned)v;
	return true;
}

bool lab_vlans_parse(const char *text, struct lab_vlans *v)
{
	memset(v, 0, sizeof(*v));
	unsigned n, last;
	const char *p = text;
	if (*p == '\0')
		return true;
	if (strncmp(p, "access ", 7) == 0) {
		p += 7;
		if (!vlan_read(&p, &n) || *p != '\0')
			return false;
		v->access = n > 1 ? (uint16_t)n : 0;
		return true;
	}
	if (strncmp(p, "trunk ", 6) != 0)
		return false;
	p += 6;
	v->trunk = true;
	do {
		if (!vlan_read(&p, &n))
			return false;
		last = n;
		if (*p == '-' && (p++, !vlan_read(&p, &last) || last < n))
			return false;
		for (unsigned k = n; k <= last; k++)
			v->tagged[k / 64] |= 1ull << (k % 64);
	} while (*p == ',' && ++p != NULL);
	if (strncmp(p, " native ", 8) == 0) {
		p += 8;
		if (!vlan_read(&p, &n))
			return false;
		v->native = (uint16_t)n;
	}
	return *p == '\0';
}

/* ---- addresses of either family ---- */

char *lab_addr_format(const struct lab_addr *a, bool with_prefix, char buf[LAB_ADDR_TEXT_MAX])
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (a->family == AF_INET || a->family == AF_INET6)
		inet_ntop(a->family, a->family == AF_INET ? (const void *)&a->in4 : (const void *)&a->in6,
		    ip, sizeof(ip));
	if (with_prefix)
		snprintf(buf, LAB_ADDR_TEXT_MAX, "%s/%u", ip, a->prefix);
	else
		snprintf(buf, LAB_ADDR_TEXT_MAX, "%s", ip);
	return buf;
}

char *lab_addrs_join(const struct lab_addr *a, unsigned n, const char *sep)
{
	struct strbuf b = { 0 };
	strbuf_printf(&b, "%s", "");
	for (unsigned i = 0; i < n; i++) {
		char ip[LAB_ADDR_TEXT_MAX];
		strbuf_printf(&b, "%s%s", i ? sep : "", lab_addr_format(&a[i], true, ip));
	}
	return strbuf_take(&b);
}

bool lab_addr_parse(const char *s, bool need_prefix, struct lab_addr *out)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(ip) || (need_prefix && slash == NULL))
		return false;
	memcpy(ip, s, len);
	ip[len] = '\0';
	struct lab_addr a = { 0 };
	if (inet_pton(AF_INET, ip, &a.in4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &a.in6) == 1)
		a.family = AF_INET6;
	else
		return false;
	unsigned max = a.family == AF_INET ? 32 : 128;
	a.prefix = max;
	if (slash != NULL) {
		const char *p = slash + 1;
		unsigned v = 0;
		size_t n = strlen(p);
		if (n == 0 || n > 3 || (p[0] == '0' && n > 1))
			return false;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return false;
			v = v * 10 + (unsigned)(*p - '0');
		}
		if (v > max)
			return false;
		a.prefix = v;
	}
	*out = a;
	return true;
}

bool lab_addr_equal(const struct lab_addr *a, const struct lab_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->in4.s_addr == b->in4.s_addr;
	return memcmp(&a->in6, &b->in6, sizeof(a->in6)) == 0;
}

bool lab_addr_in_net(const struct lab_addr *a, const struct lab_addr *b)
{
	if (a->family != b->family)
		return false;
	const unsigned char *x = a->family == AF_INET ? (const void *)&a->in4 : (const void *)&a->in6;
	const unsigned char *y = a->family == AF_INET ? (const void *)&b->in4 : (const void *)&b->in6;
	unsigned bits = a->prefix;
	for (size_t i = 0; bits > 0; i++, bits = bits > 8 ? bits - 8 : 0) {
		unsigned char m = (unsigned char)(bits >= 8 ? 0xff : 0xff << (8 - bits));
		if ((x[i] & m) != (y[i] & m))
			return false;
	}
	return true;
}

bool lab_addr_link_local(const struct lab_addr *a)
{
	return a->family == AF_INET6 && a->in6.s6_addr[0] == 0xfe && (a->in6.s6_addr[1] & 0xc0) == 0x80;
}

const struct lab_addr *lab_iface_addr(const struct lab_iface *f, int family, bool link_local)
{
	for (unsigned i = 0; i < f->n_addrs; i++)
		if ((family == 0 || f->addrs[i].family == family) &&
		    (link_local || !lab_addr_link_local(&f->addrs[i])))
			return &f->addrs[i];
	return NULL;
}

void lab_iface_link_local(const struct lab_iface *f, struct lab_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	out->prefix = 64;
	eui64_link_local(f->mac, out->in6.s6_addr);
}

bool lab_uses_ipv6(const struct lab *lab)
{
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		if (in->ipv6 == LAB_IPV6_ON)
			return true;
		for (size_t j = 0; j < in->n_ifaces; j++) {
			if (in->ifaces[j].ra)
				return true;
			for (unsigned k = 0; k < in->ifaces[j].n_addrs; k++)
				if (in->ifaces[j].addrs[k].family == AF_INET6)
					return true;
		}
		for (size_t j = 0; j < in->n_subifs; j++)
			for (unsigned k = 0; k < in->subifs[j].n_addrs; k++)
				if (in->subifs[j].addrs[k].family == AF_INET6)
					return true;
		for (size_t j = 0; j < in->n_routes; j++)
			if (in->routes[j].to.family == AF_INET6)
				return true;
	}
	return lab->ipv6 == LAB_IPV6_ON;
}

bool lab_instance_ipv6(const struct lab *lab, const struct lab_instance *in)
{
	enum lab_ipv6 v = in->ipv6 != LAB_IPV6_AUTO ? in->ipv6 : lab->ipv6;
	if (v != LAB_IPV6_AUTO)
		return v == LAB_IPV6_ON;
	return lab_uses_ipv6(lab);
}

size_t lab_iface_slaac(const struct lab *lab, const struct lab_instance *in,
    const struct lab_iface *f, struct lab_addr *out, size_t max)
{
	size_t n = 0;
	if (in->forward || !lab_instance_ipv6(lab, in))
		return 0;
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *r = &lab->instances[i];
		if (r == in)
			continue;
		for (size_t j = 0; j < r->n_ifaces; j++) {
			const struct lab_iface *g = &r->ifaces[j];
			if (!g->ra || g->sw != f->sw)
				continue;
			for (unsigned k = 0; k < g->n_addrs && n < max; k++) {
				const struct lab_addr *p = &g->addrs[k];
				if (p->family != AF_INET6 || p->prefix != 64 || lab_addr_link_local(p))
					continue;
				struct lab_addr a = *p;
				eui64_id(f->mac, a.in6.s6_addr + 8);
				bool dup = false;
				for (size_t m = 0; m < n && !dup; m++)
					dup = lab_addr_equal(&out[m], &a);
				if (!dup)
					out[n++] = a;
			}
		}
	}
	return n;
}
