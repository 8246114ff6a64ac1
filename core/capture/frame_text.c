/* core/capture/frame_text.c: what an Ethernet frame is, in one line (ARP, IPv4 and IPv6 with
 * ICMP, ICMPv6 and neighbour discovery, TCP, UDP). */
#include "core/capture/frame_text.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void mac_text(struct strbuf *b, const unsigned char *m)
{
	strbuf_printf(b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void ip_text(struct strbuf *b, const unsigned char *a)
{
	strbuf_printf(b, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static void arp_text(struct strbuf *b, const unsigned char *p, size_t len)
{
	if (len < 28 || be16(p) != 1 || be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4) {
		strbuf_printf(b, "ARP, %zu bytes", len);
		return;
	}
	uint16_t op = be16(p + 6);
	if (op == 1) {
		strbuf_printf(b, "ARP, who-has ");
		ip_text(b, p + 24);
		strbuf_printf(b, " tell ");
		ip_text(b, p + 14);
	} else if (op == 2) {
		strbuf_printf(b, "ARP, ");
		ip_text(b, p + 14);
		strbuf_printf(b, " is-at ");
		mac_text(b, p + 8);
	} else {
		strbuf_printf(b, "ARP, operation %u", op);
	}
}

static void icmp_text(struct strbuf *b, const unsigned char *p, size_t len)
{
	if (len < 8) {
		strbuf_printf(b, "ICMP, truncated");
		return;
	}
	switch (p[0]) {
	case 8:
	case 0:
		strbuf_printf(b, "ICMP echo %s, id %u, seq %u", p[0] == 8 ? "request" : "reply",
		    be16(p + 4), be16(p + 6));
		break;
	case 3:
		strbuf_printf(b, "ICMP destination unreachable (code %u)", p[1]);
		break;
	case 11:
		strbuf_printf(b, "ICMP time exceeded in transit");
		break;
	default:
		strbuf_printf(b, "ICMP type %u, code %u", p[0], p[1]);
	}
}

static void ip6_text(struct strbuf *b, const unsigned char *a)
{
	char t[INET6_ADDRSTRLEN];
	strbuf_printf(b, "%s", inet_ntop(AF_INET6, a, t, sizeof(t)) != NULL ? t : "?");
}

/* The first option of type want in a neighbour discovery message's options. */
static const unsigned char *nd_option(const unsigned char *p, size_t len, unsigned want)
{
	while (len >= 8 && p[1] != 0 && (size_t)p[1] * 8 <= len) {
		if (p[0] == want)
			return p;
		len -= (size_t)p[1] * 8;
		p += (size_t)p[1] * 8;
	}
	return NULL;
}

static void icmp6_text(struct strbuf *b, const unsigned char *src, const unsigned char *p, size_t len)
{
	static const unsigned char any[16];
	if (len < 8) {
		strbuf_printf(b, "ICMPv6, truncated");
		return;
	}
	const unsigned char *o;
	switch (p[0]) {
	case 128:
	case 129:
		strbuf_printf(b, "ICMPv6 echo %s, id %u, seq %u", p[0] == 128 ? "request" : "reply",
		    be16(p + 4), be16(p + 6));
		break;
	case 133:
		strbuf_printf(b, "ICMPv6 router solicitation");
		break;
	case 134:
		strbuf_printf(b, "ICMPv6 router advertisement, router lifetime %u s", be16(p + 6));
		if (len >= 16 && (o = nd_option(p + 16, len - 16, 3)) != NULL && o[1] == 4) {
			strbuf_printf(b, ", prefix ");
			ip6_text(b, o + 16);
			strbuf_printf(b, "/%u", o[2]);
		}
		break;
	case 135:
		if (len < 24) {
			strbuf_printf(b, "ICMPv6 neighbour solicitation, truncated");
			break;
		}
		strbuf_printf(b, "ICMPv6 neighbour solicitation, who-has ");
		ip6_text(b, p + 8);
		if (memcmp(src, any, 16) == 0)
			strbuf_printf(b, " (duplicate address detection)");
		break;
	case 136:
		if (len < 24) {
			strbuf_printf(b, "ICMPv6 neighbour advertisement, truncated");
			break;
		}
		strbuf_printf(b, "ICMPv6 neighbour advertisement, ");
		ip6_text(b, p + 8);
		if ((o = nd_option(p + 24, len - 24, 2)) != NULL) {
			strbuf_printf(b, " is-at ");
			mac_text(b, o + 2);
		}
		break;
	case 1:
		strbuf_printf(b, "ICMPv6 destination unreachable (code %u)", p[1]);
		break;
	case 2:
		strbuf_printf(b, "ICMPv6 packet too big, mtu %u", (unsigned)(be16(p + 4) << 16 | be16(p + 6)));
		break;
	case 3:
		strbuf_printf(b, "ICMPv6 time exceeded in transit");
		break;
	case 143:
		strbuf_printf(b, "ICMPv6 multicast listener report");
		break;
	default:
		strbuf_printf(b, "ICMPv6 type %u, code %u", p[0], p[1]);
	}
}

static void tcp_flags(struct strbuf *b, unsigned f)
{
	static const char names[] = "FSRPAU";
	strbuf_printf(b, " [");
	for (int i = 0; i < 6; i++)
		if (f & (1u << i))
			strbuf_printf(b, "%c", names[i] == 'A' ? '.' : names[i]);
	strbuf_printf(b, "]");
}

static void l4_text(struct strbuf *b, unsigned proto, const unsigned char *l4, size_t l4len)
{
	switch (proto) {
	case 6:
		if (l4len < 14) {
			strbuf_printf(b, "TCP, truncated");
			break;
		}
		strbuf_printf(b, "TCP %u > %u", be16(l4), be16(l4 + 2));
		tcp_flags(b, l4[13]);
		break;
	case 17:
		if (l4len < 8) {
			strbuf_printf(b, "UDP, truncated");
			break;
		}
		strbuf_printf(b, "UDP %u > %u", be16(l4), be16(l4 + 2));
		break;
	default:
		strbuf_printf(b, "protocol %u", proto);
	}
}

static void ipv4_text(struct strbuf *b, const unsigned char *p, size_t len)
{
	size_t ihl = len >= 1 ? (size_t)(p[0] & 15) * 4 : 0;
	if (len < 20 || (p[0] >> 4) != 4 || ihl < 20 || ihl > len) {
		strbuf_printf(b, "IPv4, truncated");
		return;
	}
	strbuf_printf(b, "IPv4 ");
	ip_text(b, p + 12);
	strbuf_printf(b, " > ");
	ip_text(b, p + 16);
	strbuf_printf(b, ", ttl %u, ", p[8]);
	const unsigned char *l4 = p + ihl;
	size_t l4len = len - ihl;
	if ((be16(p + 6) & 0x1fff) != 0) {
		strbuf_printf(b, "fragment");
		return;
	}
	if (p[9] == 1)
		icmp_text(b, l4, l4len);
	else
		l4_text(b, p[9], l4, l4len);
}


static void ipv6_text(struct strbuf *b, const unsigned char *p, size_t len)
{
	if (len < 40 || (p[0] >> 4) != 6) {
		strbuf_printf(b, "IPv6, truncated");
		return;
	}
	strbuf_printf(b, "IPv6 ");
	ip6_text(b, p + 8);
	strbuf_printf(b, " > ");
	ip6_text(b, p + 24);
	strbuf_printf(b, ", hlim %u, ", p[7]);
	size_t end = 40 + be16(p + 4), at = 40;
	if (end > len)
		end = len;
	unsigned next = p[6];
	/* Extension headers: hop-by-hop (MLD has one), routing, destination options, fragment. */
	for (int i = 0; i < 8 && (next == 0 || next == 43 || next == 60 || next == 44); i++) {
		if (at + 8 > end) {
			strbuf_printf(b, "truncated");
			return;
		}
		if (next == 44 && (be16(p + at + 2) & 0xfff8) != 0) {
			strbuf_printf(b, "fragment");
			return;
		}
		size_t hlen = next == 44 ? 8 : ((size_t)p[at + 1] + 1) * 8;
		next = p[at];
		at += hlen;
	}
	if (at > end) {
		strbuf_printf(b, "truncated");
		return;
	}
	if (next == 58)
		icmp6_text(b, p + 8, p + at, end - at);
	else
		l4_text(b, next, p + at, end - at);
}

void frame_describe(struct strbuf *b, const unsigned char *f, size_t len)
{
	if (len < 14) {
		strbuf_printf(b, "runt frame, %zu bytes", len);
		return;
	}
	mac_text(b, f + 6);
	strbuf_printf(b, " > ");
	mac_text(b, f);
	strbuf_printf(b, ", ");
	uint16_t type = be16(f + 12);
	const unsigned char *p = f + 14;
	size_t plen = len - 14;
	if (type == 0x8100 && len >= 18) {
		strbuf_printf(b, "VLAN %u, ", be16(f + 14) & 0xfff);
		type = be16(f + 16);
		p += 4;
		plen -= 4;
	}
	switch (type) {
	case 0x0806:
		arp_text(b, p, plen);
		break;
	case 0x0800:
		ipv4_text(b, p, plen);
		break;
	case 0x86dd:
		ipv6_text(b, p, plen);
		break;
	default:
		strbuf_printf(b, "ethertype 0x%04x, %zu bytes", type, len);
	}
}
