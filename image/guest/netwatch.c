/* image/guest/netwatch.c: the guest's links, IPv4 addresses and routes, sent to the host as
 * one snapshot whenever they change (200 ms after the last change: a routing daemon installs
 * its routes in bursts). The host keeps the last whole snapshot (core/supervisor/guest_net.c).
 *
 * One snapshot is "umllab:n SEQ PART FLAG ITEMS": PART counts from 0, FLAG is 'm' while
 * more parts follow and 'e' on the last; ITEMS are separated by ';':
 *   l IFACE up|nocarrier|dormant|down   a link (not lo)
 *   a IFACE ADDR/PREFIX           an IPv4 address (not on lo)
 *   r DEST/PREFIX GATEWAY|- IFACE PROTO   a route of the main table (PROTO: kernel, boot,
 *                                 static, ospf, bgp, rip, zebra, dhcp, ... or a number) */
#include "image/guest/netwatch.h"
#include "image/guest/agent_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
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
		.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE };
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
	char msg[AGENT_NOTIFY_MAX];
	size_t len, head;	/* the message so far; where its items start */
	unsigned part;
	void (*send)(const void *, size_t);
};

static const char *link_name(const struct snap *s, int index)
{
	for (int i = 0; i < s->n_links; i++)
		if (s->links[i].index == index)
			return s->links[i].name;
	return NULL;
}

static void snap_head(struct snap *s)
{
	s->len = (size_t)snprintf(s->msg, sizeof(s->msg), "umllab:n %u %u m ", seq, s->part);
	s->head = s->len;
}

static void snap_flush(struct snap *s, bool last)
{
	s->msg[s->head - 2] = last ? 'e' : 'm';
	if (s->len > s->head && s->msg[s->len - 1] == ';')
		s->len--;
	s->send(s->msg, s->len);
	s->part++;
	snap_head(s);
}

static void snap_item(struct snap *s, const char *item)
{
	size_t n = strlen(item);
	if (n + 1 > sizeof(s->msg) - s->head)
		return;		/* cannot happen with names of IF_NAMESIZE */
	if (s->len + n + 1 > sizeof(s->msg))
		snap_flush(s, false);
	memcpy(s->msg + s->len, item, n);
	s->msg[s->len + n] = ';';
	s->len += n + 1;
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
	if (ifa->ifa_family != AF_INET)
		return;
	const char *name = link_name(s, (int)ifa->ifa_index);
	if (name == NULL || strcmp(name, "lo") == 0)
		return;
	int len = (int)IFA_PAYLOAD(h);
	const void *local = NULL, *address = NULL;
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (RTA_PAYLOAD(a) != 4)
			continue;
		if (a->rta_type == IFA_LOCAL)
			local = RTA_DATA(a);
		else if (a->rta_type == IFA_ADDRESS)
			address = RTA_DATA(a);
	}
	const void *ip = local != NULL ? local : address;
	if (ip == NULL)
		return;
	char text[INET_ADDRSTRLEN], item[96];
	inet_ntop(AF_INET, ip, text, sizeof(text));
	snprintf(item, sizeof(item), "a %s %s/%u", name, text, ifa->ifa_prefixlen);
	snap_item(s, item);
}

static const char *proto_name(unsigned p, char buf[8])
{
	switch (p) {
	case RTPROT_KERNEL: return "kernel";
	case RTPROT_BOOT: return "boot";
	case RTPROT_STATIC: return "static";
	case RTPROT_ZEBRA: return "zebra";
	case RTPROT_DHCP: return "dhcp";
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
	if (rt->rtm_family != AF_INET || rt->rtm_type != RTN_UNICAST)
		return;
	int len = (int)RTM_PAYLOAD(h);
	unsigned table = rt->rtm_table;
	const void *dst = NULL, *gw = NULL;
	int oif = 0;
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == 4)
			memcpy(&table, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == 4)
			dst = RTA_DATA(a);
		else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == 4)
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
					if (b->rta_type == RTA_GATEWAY && RTA_PAYLOAD(b) == 4)
						gw = RTA_DATA(b);
			}
		}
	}
	if (table != RT_TABLE_MAIN)
		return;
	const char *name = link_name(s, oif);
	char d[INET_ADDRSTRLEN] = "0.0.0.0", g[INET_ADDRSTRLEN] = "-", pb[8], item[128];
	if (dst != NULL)
		inet_ntop(AF_INET, dst, d, sizeof(d));
	if (gw != NULL)
		inet_ntop(AF_INET, gw, g, sizeof(g));
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
	memset(&s, 0, sizeof(s));
	s.send = send;
	seq++;
	snap_head(&s);
	bool ok = dump(fd, RTM_GETLINK, AF_UNSPEC, &s, on_link) == 0 &&
	    dump(fd, RTM_GETADDR, AF_INET, &s, on_addr) == 0 &&
	    dump(fd, RTM_GETROUTE, AF_INET, &s, on_route) == 0;
	close(fd);
	if (ok)
		snap_flush(&s, true);
	else
		netwatch_want(now_ms);	/* try again shortly */
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
