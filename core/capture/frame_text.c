/* core/capture/frame_text.c: what an Ethernet frame is, in one line (ARP, IPv4 with ICMP/TCP/UDP, IPv6). */
#include "core/capture/frame_text.h"

#include <stdint.h>
#include <stdio.h>

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

static void tcp_flags(struct strbuf *b, unsigned f)
{
	static const char names[] = "FSRPAU";
	strbuf_printf(b, " [");
	for (int i = 0; i < 6; i++)
		if (f & (1u << i))
			strbuf_printf(b, "%c", names[i] == 'A' ? '.' : names[i]);
	strbuf_printf(b, "]");
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
	switch (p[9]) {
	case 1:
		icmp_text(b, l4, l4len);
		break;
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
		strbuf_printf(b, "protocol %u", p[9]);
	}
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
		strbuf_printf(b, "IPv6, %zu bytes", plen);
		break;
	default:
		strbuf_printf(b, "ethertype 0x%04x, %zu bytes", type, len);
	}
}
