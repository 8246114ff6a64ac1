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
