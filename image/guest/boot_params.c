/* image/guest/boot_params.c: reading umllab's kernel parameters in the guest (pure: no system calls). */
#include "image/guest/boot_params.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void boot_params_read(char *cmdline, struct boot_params *p)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "umllab.name=", offsetof(struct boot_params, name) },
		{ "umllab.ip=", offsetof(struct boot_params, ips) },
		{ "umllab.route=", offsetof(struct boot_params, routes) },
		{ "umllab.forward=", offsetof(struct boot_params, forward) },
		{ "umllab.share=", offsetof(struct boot_params, share) },
		{ "umllab.vlan=", offsetof(struct boot_params, vlans) },
		{ "umllab.ipv6=", offsetof(struct boot_params, ipv6) },
		{ "umllab.ra=", offsetof(struct boot_params, ra) },
	};
	*p = (struct boot_params){ 0 };
	char *save = NULL;
	for (char *w = strtok_r(cmdline, " \t\n", &save); w != NULL; w = strtok_r(NULL, " \t\n", &save)) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t len = strlen(keys[i].key);
			if (strncmp(w, keys[i].key, len) == 0)
				*(char **)((char *)p + keys[i].off) = w + len;
		}
	}
}

bool boot_cidr_parse(const char *text, struct in_addr *addr, unsigned *prefix)
{
	char buf[INET_ADDRSTRLEN + 4];
	size_t len = strlen(text);
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, text, len + 1);
	*prefix = 32;
	char *slash = strchr(buf, '/');
	if (slash != NULL) {
		char *end;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || p > 32)
			return false;
		*prefix = (unsigned)p;
		*slash = '\0';
	}
	return inet_pton(AF_INET, buf, addr) == 1;
}

bool boot_pair_next(char **cursor, char sep, char **left, char **right, bool *bad)
{
	char *item;
	do {
		item = *cursor;
		if (item == NULL)
			return false;
		char *comma = strchr(item, ',');
		if (comma != NULL)
			*comma = '\0';
		*cursor = comma != NULL ? comma + 1 : NULL;
	} while (item[0] == '\0');
	char *cut = strchr(item, sep);
	*left = item;
	*right = NULL;
	*bad = cut == NULL || cut == item || cut[1] == '\0';
	if (!*bad) {
		*cut = '\0';
		*right = cut + 1;
	}
	return true;
}

bool boot_vlan_name(const char *name, char *parent, size_t size, unsigned *vid)
{
	const char *dot = strrchr(name, '.');
	if (dot == NULL || dot == name || (size_t)(dot - name) >= size)
		return false;
	unsigned long v = 0;
	const char *p = dot + 1;
	if (*p < '1' || *p > '9' || strlen(p) > 4)
		return false;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 4094)
		return false;
	memcpy(parent, name, (size_t)(dot - name));
	parent[dot - name] = '\0';
	*vid = (unsigned)v;
	return true;
}

bool boot_addr_parse(const char *text, int *family, unsigned char addr[16], unsigned *prefix)
{
	char buf[INET6_ADDRSTRLEN + 5];
	size_t len = strlen(text);
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, text, len + 1);
	char *slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return false;
	unsigned max = *family == AF_INET ? 32 : 128;
	*prefix = max;
	if (slash != NULL) {
		char *end;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || p > max)
			return false;
		*prefix = (unsigned)p;
	}
	return true;
}

bool boot_gateway_parse(char *text, int *family, unsigned char addr[16], char **dev)
{
	char *pct = strchr(text, '%');
	*dev = NULL;
	if (pct != NULL) {
		if (pct[1] == '\0')
			return false;
		*pct = '\0';
		*dev = pct + 1;
	}
	unsigned prefix;
	return strchr(text, '/') == NULL && boot_addr_parse(text, family, addr, &prefix);
}

static void put32(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

size_t boot_ra_message(unsigned char *buf, size_t cap, const unsigned char mac[6],
    const struct boot_prefix *prefixes, size_t n, unsigned router_lifetime)
{
	size_t len = 16 + 8 + 32 * n;
	if (cap < len || router_lifetime > 0xffff)
		return 0;
	memset(buf, 0, len);
	buf[0] = 134;			/* router advertisement; code 0, checksum by the kernel */
	buf[4] = 64;			/* current hop limit */
	buf[6] = (unsigned char)(router_lifetime >> 8);
	buf[7] = (unsigned char)router_lifetime;
	/* reachable time, retrans timer: 0, unspecified */
	unsigned char *o = buf + 16;
	o[0] = 1;			/* source link-layer address */
	o[1] = 1;			/* in units of 8 bytes */
	memcpy(o + 2, mac, 6);
	o += 8;
	for (size_t i = 0; i < n; i++, o += 32) {
		unsigned plen = prefixes[i].len > 128 ? 128 : prefixes[i].len;
		o[0] = 3;		/* prefix information */
		o[1] = 4;
		o[2] = (unsigned char)plen;
		o[3] = 0xc0;		/* L: on-link, A: autonomous address configuration */
		put32(o + 4, BOOT_RA_VALID_S);
		put32(o + 8, BOOT_RA_PREFERRED_S);
		for (unsigned b = 0; b < 16; b++) {
			unsigned keep = plen >= 8 * (b + 1) ? 8 : plen > 8 * b ? plen - 8 * b : 0;
			o[16 + b] = prefixes[i].addr[b] & (unsigned char)(keep ? 0xff << (8 - keep) : 0);
		}
	}
	return len;
}
