/* core/lab/lab.c: small functions on the lab model: freeing it, finding its parts by name,
 * names, default MACs, the list of loader messages. */
#include "core/lab/lab.h"

#include <stdlib.h>
#include <string.h>

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
