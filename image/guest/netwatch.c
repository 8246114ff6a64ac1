/* image/guest/netwatch.c: the guest's links, IPv4 and IPv6 addresses and routes, sent to the
 * host as one snapshot whenever they change (200 ms after the last change: a routing daemon
 * installs its routes in bursts), and only when they did (a router's advertisements refresh
 * SLAAC addresses every few seconds without changing them). The host keeps the last whole
 * snapshot (core/supervisor/guest_net.c). netwatch_flush sends one at once: at the agent's
 * start and before it tells a command's end. A card plugged in while the guest runs gets
 * its byte queue limit here (guest_bql_set), as those it booted with get theirs in boot.c.
 *
 * One snapshot is "umllab:n SEQ PART FLAG ITEMS": PART counts from 0, FLAG is 'm' while
 * more parts follow and 'e' on the last; ITEMS are separated by ';':
 *   l IFACE up|nocarrier|dormant|down   a link (not lo)
 *   a IFACE ADDR/PREFIX [dyn]     an address of either family (not on lo; not while IPv6
 *                                 checks it is unique, nor when it is not): dyn when the
 *                                 kernel or a daemon made it (SLAAC, DHCP), not by hand
 *   r DEST/PREFIX GATEWAY|- IFACE PROTO   a route of the main table (PROTO: kernel, boot,
 *                                 static, ra, ospf, bgp, rip, zebra, dhcp, ... or a number) */
#include "image/guest/netwatch.h"
#include "image/guest/agent_proto.h"
#include "image/guest/guest_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000	/* <linux/if.h>'s, which clashes with <net/if.h> */
#endif

#define SETTLE_MS 200		/* quiet this long after a change before a snapshot */
#define LINKS_MAX 64
#define BUF_SIZE 32768

static bool due;
static uint64_t due_ms;
static unsigned seq;		/* of the snapshots */
static unsigned nl_seq;		/* of the dump requests */

int netwatch_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE |
		RTMGRP_IPV6_IFADDR | RTMGRP_IPV6_ROUTE };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void netwatch_want(uint64_t now_ms)
{
	due = true;
	due_ms = now_ms + SETTLE_MS;
}

/* A card the host has just plugged in is vecN until `plug` renames it (boot.c renames
 * those it boots with): it gets its byte queue limit here, by its index, whatever it is
 * called by now. The agent reads this before the `plug`'s command, which comes later. */
static void new_link(const struct nlmsghdr *h)
{
	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)IFLA_PAYLOAD(h);
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type != IFLA_IFNAME)
			continue;
		const char *name = RTA_DATA(a);
		size_t n = strnlen(name, RTA_PAYLOAD(a));
		char now[IF_NAMESIZE];
		if (n > 3 && strncmp(name, "vec", 3) == 0 && strspn(name + 3, "0123456789") == n - 3 &&
		    ifi->ifi_index > 0 && if_indextoname((unsigned)ifi->ifi_index, now) != NULL)
			(void)guest_bql_set(now);	/* best effort, as at boot */
		return;
	}
}

void netwatch_event(int fd, uint64_t now_ms)
{
	char buf[BUF_SIZE];
	bool any = false;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			any = true;	/* events were lost: a snapshot tells all anyway */
			continue;
		}
		if (n <= 0)
			break;
		any = true;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n))
			new_link(h);
	}
	if (any)
		netwatch_want(now_ms);
}

int netwatch_timeout(uint64_t now_ms)
{
	if (!due)
		return -1;
	return due_ms > now_ms ? (int)(due_ms - now_ms) : 0;
}

/* ---- the snapshot ---- */

struct link {
	int index;
	char name[IF_NAMESIZE];
	unsigned flags;
};

struct snap {
	struct link links[LINKS_MAX];
	int n_links;
	char *items;		/* every item, each followed by ';' */
	size_t len, cap;
};

static const char *link_name(const struct snap *s, int index)
{
	for (int i = 0; i < s->n_links; i++)
		if (s->links[i].index == index)
			return s->links[i].name;
	return NULL;
}

static void snap_item(struct snap *s, const char *item)
{
	size_t n = strlen(item);
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *p = realloc(s->items, cap);
		if (p == NULL)
			return;		/* the host gets a snapshot without it */
		s->items = p;
		s->cap = cap;
	}
	memcpy(s->items + s->len, item, n);
	s->items[s->len + n] = ';';
	s->len += n + 1;
}

/* The items as messages of at most AGENT_NOTIFY_MAX bytes, whole items in each. */
static void snap_send(const struct snap *s, void (*send)(const void *, size_t))
{
	char msg[AGENT_NOTIFY_MAX];
	unsigned part = 0;
	size_t off = 0;
	do {
		int head = snprintf(msg, sizeof(msg), "umllab:n %u %u m ", seq, part);
		size_t len = (size_t)head;
		while (off < s->len) {
			const char *end = memchr(s->items + off, ';', s->len - off);
			size_t n = (size_t)(end - (s->items + off)) + 1;
			if (len + n > sizeof(msg) && len > (size_t)head)
				break;
			if (len + n <= sizeof(msg)) {	/* else longer than a message: left out */
				memcpy(msg + len, s->items + off, n);
				len += n;
			}
			off += n;
		}
		if (off == s->len)
			msg[head - 2] = 'e';
		if (len > (size_t)head && msg[len - 1] == ';')
			len--;
		send(msg, len);
		part++;
	} while (off < s->len);
}

/* One dump request; calls fn for each message of the answer. */
static int dump(int fd, unsigned short type, unsigned char family, struct snap *s,
    void (*fn)(struct snap *, const struct nlmsghdr *))
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
	} req = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtgenmsg)), .nlmsg_type = type,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = ++nl_seq },
		.g = { .rtgen_family = family } };
	if (send(fd, &req, req.h.nlmsg_len, 0) < 0)
		return -1;
	static char buf[BUF_SIZE];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -1;
			fn(s, h);
		}
	}
}

static void on_link(struct snap *s, const struct nlmsghdr *h)
{
	if (h->nlmsg_type != RTM_NEWLINK || s->n_links == LINKS_MAX ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)IFLA_PAYLOAD(h);
	struct link *l = &s->links[s->n_links];
	l->name[0] = '\0';
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD(a) > 0) {
			size_t n = RTA_PAYLOAD(a) < IF_NAMESIZE ? RTA_PAYLOAD(a) : IF_NAMESIZE - 1;
			memcpy(l->name, RTA_DATA(a), n);
			l->name[n] = '\0';
			l->name[strcspn(l->name, " ;")] = '\0';
		}
	}
	if (l->name[0] == '\0')
		return;
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	s->n_links++;
	if (strcmp(l->name, "lo") == 0)
		return;
	char item[64];
	snprintf(item, sizeof(item), "l %s %s", l->name, !(l->flags & IFF_UP) ? "down" :
	    !(l->flags & IFF_LOWER_UP) ? "nocarrier" : !(l->flags & IFF_RUNNING) ? "dormant" : "up");
	snap_item(s, item);
}

static void on_addr(struct snap *s, const struct nlmsghdr *h)
{
	if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return;
	const char *name = link_name(s, (int)ifa->ifa_index);
	if (name == NULL)
		return;
	size_t size = ifa->ifa_family == AF_INET ? 4 : 16;
	int len = (int)IFA_PAYLOAD(h);
	const void *local = NULL, *address = NULL;
	unsigned flags = ifa->ifa_flags;
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFA_FLAGS && RTA_PAYLOAD(a) == 4)
			memcpy(&flags, RTA_DATA(a), 4);
		if (RTA_PAYLOAD(a) != size)
			continue;
		if (a->rta_type == IFA_LOCAL)
			local = RTA_DATA(a);
		else if (a->rta_type == IFA_ADDRESS)
			address = RTA_DATA(a);
	}
	/* An IPv6 address is not yet the guest's while its uniqueness is checked (DAD), nor
	 * when another host has it. */
	const void *ip = local != NULL ? local : address;
	if (ip == NULL || (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return;
	/* lo's own 127.0.0.1 and ::1 say nothing; a router's loopback address
	 * (10.255.0.1/32 on lo) is how others reach it. */
	if (ifa->ifa_family == AF_INET ? ((const unsigned char *)ip)[0] == 127 :
	    IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)ip))
		return;
	char text[INET6_ADDRSTRLEN], item[128];
	inet_ntop(ifa->ifa_family, ip, text, sizeof(text));
	snprintf(item, sizeof(item), "a %s %s/%u%s", name, text, ifa->ifa_prefixlen,
	    flags & IFA_F_PERMANENT ? "" : " dyn");
	snap_item(s, item);
}

/* The unspecified address of a family: 0.0.0.0, ::. */
static void str_any(char buf[INET6_ADDRSTRLEN], int family)
{
	strcpy(buf, family == AF_INET ? "0.0.0.0" : "::");
}

static const char *proto_name(unsigned p, char buf[8])
{
	switch (p) {
	case RTPROT_KERNEL: return "kernel";
	case RTPROT_BOOT: return "boot";
	case RTPROT_STATIC: return "static";
	case RTPROT_ZEBRA: return "zebra";
	case RTPROT_DHCP: return "dhcp";
	case RTPROT_RA: return "ra";
	case 186: return "bgp";
	case 187: return "isis";
	case 188: return "ospf";
	case 189: return "rip";
	case 192: return "eigrp";
	}
	snprintf(buf, 8, "%u", p);
	return buf;
}

static void on_route(struct snap *s, const struct nlmsghdr *h)
{
	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		return;
	const struct rtmsg *rt = NLMSG_DATA(h);
	if ((rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6) || rt->rtm_type != RTN_UNICAST)
		return;
	unsigned short size = rt->rtm_family == AF_INET ? 4 : 16;
	int len = (int)RTM_PAYLOAD(h);
	unsigned table = rt->rtm_table;
	const void *dst = NULL, *gw = NULL;
	int oif = 0;
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == 4)
			memcpy(&table, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == size)
			dst = RTA_DATA(a);
		else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == size)
			gw = RTA_DATA(a);
		else if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == 4)
			memcpy(&oif, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_MULTIPATH && RTA_PAYLOAD(a) >= sizeof(struct rtnexthop)) {
			/* Equal-cost paths (OSPF): the first one is told. */
			const struct rtnexthop *nh = RTA_DATA(a);
			if (nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= RTA_PAYLOAD(a)) {
				oif = nh->rtnh_ifindex;
				int nlen = nh->rtnh_len - (int)sizeof(*nh);
				for (const struct rtattr *b = RTNH_DATA(nh); RTA_OK(b, nlen);
				    b = RTA_NEXT(b, nlen))
					if (b->rta_type == RTA_GATEWAY && RTA_PAYLOAD(b) == size)
						gw = RTA_DATA(b);
			}
		}
	}
	if (table != RT_TABLE_MAIN)
		return;
	const char *name = link_name(s, oif);
	char d[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN] = "-", pb[8], item[160];
	str_any(d, rt->rtm_family);
	if (dst != NULL)
		inet_ntop(rt->rtm_family, dst, d, sizeof(d));
	if (gw != NULL)
		inet_ntop(rt->rtm_family, gw, g, sizeof(g));
	snprintf(item, sizeof(item), "r %s/%u %s %s %s", d, rt->rtm_dst_len, g,
	    name != NULL ? name : "-", proto_name(rt->rtm_protocol, pb));
	snap_item(s, item);
}

void netwatch_run(uint64_t now_ms, void (*send)(const void *buf, size_t len))
{
	if (!due || now_ms < due_ms)
		return;
	due = false;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return;
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	static struct snap s;
	static char *last;		/* the items last sent */
	static size_t last_len;
	s.n_links = 0;
	s.len = 0;
	/* AF_UNSPEC: every family the kernel has (IPv6 once its module is loaded). */
	bool ok = dump(fd, RTM_GETLINK, AF_UNSPEC, &s, on_link) == 0 &&
	    dump(fd, RTM_GETADDR, AF_UNSPEC, &s, on_addr) == 0 &&
	    dump(fd, RTM_GETROUTE, AF_UNSPEC, &s, on_route) == 0;
	close(fd);
	if (!ok) {
		netwatch_want(now_ms);	/* try again shortly */
		return;
	}
	if (last != NULL && last_len == s.len && memcmp(last, s.items, s.len) == 0)
		return;		/* nothing the host does not know */
	char *copy = malloc(s.len + 1);
	if (copy != NULL) {
		memcpy(copy, s.items != NULL ? s.items : "", s.len);
		free(last);
		last = copy;
		last_len = s.len;
	}
	seq++;
	snap_send(&s, send);
}

void netwatch_flush(int fd, uint64_t now_ms, void (*send)(const void *buf, size_t len))
{
	if (fd >= 0)
		netwatch_event(fd, now_ms);
	if (!due)
		return;
	due_ms = now_ms;
	netwatch_run(now_ms, send);
}

/* ---- a cable's state ---- */

int netwatch_set_link(const char *iface, bool up)
{
	unsigned index = if_nametoindex(iface);
	if (index == 0)
		return ENODEV;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return errno;
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		char attrs[32];
	} req;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.i));
	req.h.nlmsg_type = RTM_SETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = ++nl_seq;
	req.i.ifi_family = AF_UNSPEC;
	req.i.ifi_index = (int)index;
	/* Link mode dormant keeps the kernel from making it up again by itself. */
	const unsigned char values[2][2] = { { IFLA_LINKMODE, 1 }, { IFLA_OPERSTATE, 5 } };
	unsigned char mode = up ? 0 : 1, oper = up ? 6 : 5;	/* IF_OPER_UP 6, _DORMANT 5 */
	const unsigned char *v[2] = { &mode, &oper };
	for (int k = 0; k < 2; k++) {
		struct rtattr *a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
		a->rta_type = values[k][0];
		a->rta_len = RTA_LENGTH(1);
		memcpy(RTA_DATA(a), v[k], 1);
		req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(a->rta_len);
	}
	int err = 0;
	if (send(fd, &req, req.h.nlmsg_len, 0) < 0) {
		err = errno;
	} else {
		char buf[512];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) && h->nlmsg_type == NLMSG_ERROR)
			err = -((const struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
	close(fd);
	return err;
}
