/* switch/vxlan.c: the VXLAN header and trunk addresses (pure; see vxlan.h). */
#include "switch/vxlan.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

void vxlan_encode(unsigned char hdr[VXLAN_HDR_LEN], uint32_t vni)
{
	memset(hdr, 0, VXLAN_HDR_LEN);
	hdr[0] = VXLAN_FLAG_VNI;
	hdr[4] = (unsigned char)(vni >> 16);
	hdr[5] = (unsigned char)(vni >> 8);
	hdr[6] = (unsigned char)vni;
}

bool vxlan_decode(const unsigned char *dgram, size_t len, uint32_t *vni)
{
	if (len < VXLAN_HDR_LEN || (dgram[0] & VXLAN_FLAG_VNI) == 0)
		return false;
	*vni = (uint32_t)dgram[4] << 16 | (uint32_t)dgram[5] << 8 | dgram[6];
	return true;
}

/* PORT: 1 to 65535, digits only (no sign, no spaces, no leading zeros games). */
static bool port_parse(const char *s, uint16_t *port)
{
	if (*s == '\0' || strlen(s) > 5)
		return false;
	unsigned long v = 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

const char *vxlan_addr_parse(const char *text, struct vxlan_addr *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_text;
	bool v6 = text[0] == '[';
	memset(out, 0, sizeof(*out));
	if (v6) {
		const char *close = strchr(text, ']');
		if (close == NULL)
			return "has `[` with no `]` (expected [IPV6]:PORT such as [fd00::1]:4789)";
		size_t n = (size_t)(close - text - 1);
		if (n == 0 || n >= sizeof(host))
			return "is not an IPv6 address in brackets (expected [IPV6]:PORT such as [fd00::1]:4789)";
		memcpy(host, text + 1, n);
		host[n] = '\0';
		if (close[1] != ':')
			return "has no port after the `]` (expected [IPV6]:PORT such as [fd00::1]:4789)";
		port_text = close + 2;
	} else {
		const char *colon = strrchr(text, ':');
		if (colon == NULL)
			return "has no port (expected IP:PORT such as 192.0.2.1:4789)";
		if (strchr(text, ':') != colon)
			return "looks like an IPv6 address without brackets (expected [IPV6]:PORT such as [fd00::1]:4789)";
		size_t n = (size_t)(colon - text);
		if (n == 0 || n >= sizeof(host))
			return "has no IPv4 address before the port (expected IP:PORT such as 192.0.2.1:4789)";
		memcpy(host, text, n);
		host[n] = '\0';
		port_text = colon + 1;
	}
	uint16_t port;
	if (!port_parse(port_text, &port))
		return "has a port that is not a number from 1 to 65535";
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return "is not a valid IPv6 address (expected [IPV6]:PORT such as [fd00::1]:4789)";
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		out->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
		/* inet_pton takes only the strict dotted quad, no octal or short forms. */
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return "is not a valid IPv4 address (expected IP:PORT such as 192.0.2.1:4789)";
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		out->len = sizeof(*s4);
	}
	return NULL;
}

static uint16_t addr_port(const struct vxlan_addr *a)
{
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
}

static void host_text(const struct vxlan_addr *a, char *buf, socklen_t size)
{
	buf[0] = '\0';
	if (a->ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, buf, size);
	else if (a->ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, buf, size);
}

void vxlan_addr_host(const struct vxlan_addr *a, char buf[VXLAN_ADDR_TEXT_MAX])
{
	host_text(a, buf, VXLAN_ADDR_TEXT_MAX);
}

void vxlan_addr_format(const struct vxlan_addr *a, char buf[VXLAN_ADDR_TEXT_MAX])
{
	char host[INET6_ADDRSTRLEN];	/* "[" host "]:65535" fits in VXLAN_ADDR_TEXT_MAX */
	host_text(a, host, sizeof(host));
	if (host[0] == '\0')
		snprintf(buf, VXLAN_ADDR_TEXT_MAX, "-");
	else if (a->ss.ss_family == AF_INET6)
		snprintf(buf, VXLAN_ADDR_TEXT_MAX, "[%s]:%u", host, addr_port(a));
	else
		snprintf(buf, VXLAN_ADDR_TEXT_MAX, "%s:%u", host, addr_port(a));
}

bool vxlan_addr_equal(const struct vxlan_addr *a, const struct sockaddr *sa, socklen_t salen)
{
	if (sa->sa_family != a->ss.ss_family)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)&a->ss;
		const struct sockaddr_in *y = (const struct sockaddr_in *)sa;
		return salen >= sizeof(*y) && x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->ss;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)sa;
		return salen >= sizeof(*y) && x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

bool vxlan_addr_same_host(const struct vxlan_addr *a, const struct vxlan_addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)&b->ss)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
	    &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

const char *vxlan_addr_special(const struct vxlan_addr *a)
{
	if (a->ss.ss_family == AF_INET) {
		uint32_t ip = ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr);
		if (ip == 0)
			return "the wildcard address 0.0.0.0";
		if (ip == 0xffffffffu)
			return "the broadcast address";
		if ((ip >> 28) == 0xe)
			return "a multicast address";
		return NULL;
	}
	const struct in6_addr *x = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	if (IN6_IS_ADDR_UNSPECIFIED(x))
		return "the wildcard address ::";
	if (IN6_IS_ADDR_MULTICAST(x))
		return "a multicast address";
	return NULL;
}
