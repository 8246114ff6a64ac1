/* image/guest/ra.c: IPv6 router advertisements from the guest (`ra: true`): a small daemon that
 * the boot setup forks, so that SLAAC works in every image, busybox's too, without radvd.
 *
 * One raw ICMPv6 socket: it hears router solicitations (an ICMPv6 filter passes
 * nothing else; the all-routers group is joined on each interface) and sends
 * each interface's advertisement to all nodes (ff02::1) from its link-local
 * address, hop limit 255 as RFC 4861 wants. The kernel fills the checksum. */
#include "image/guest/ra.h"
#include "image/guest/boot_params.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RA_IFACES_MAX 16
#define RA_PREFIXES_MAX 8
#define RA_MSG_MAX (16 + 8 + 32 * RA_PREFIXES_MAX)

struct ra_iface {
	char name[IFNAMSIZ];
	unsigned index;
	unsigned char msg[RA_MSG_MAX];
	size_t len;
	double next, last;	/* monotonic seconds: the next unsolicited one; the last sent */
	unsigned sent;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The /64 prefixes of dev's IPv6 addresses (not link-local) in "DEV:ADDR/N,...". */
static size_t ra_prefixes(const char *ips, const char *dev, struct boot_prefix *out)
{
	char *copy = strdup(ips), *cursor = copy, *left, *right;
	bool bad;
	size_t n = 0;
	while (copy != NULL && n < RA_PREFIXES_MAX && boot_pair_next(&cursor, ':', &left, &right, &bad)) {
		int family;
		unsigned prefix;
		if (bad || strcmp(left, dev) != 0 ||
		    !boot_addr_parse(right, &family, out[n].addr, &prefix) || family != AF_INET6 ||
		    prefix != 64 || (out[n].addr[0] == 0xfe && (out[n].addr[1] & 0xc0) == 0x80))
			continue;
		out[n++].len = prefix;
	}
	free(copy);
	return n;
}

static bool ra_iface_init(struct ra_iface *f, int sock, const char *dev, const char *ips, bool router)
{
	struct boot_prefix prefixes[RA_PREFIXES_MAX];
	size_t len = strlen(dev);
	if (len >= IFNAMSIZ)
		return false;
	memcpy(f->name, dev, len + 1);
	struct ifreq ifr = { 0 };
	memcpy(ifr.ifr_name, dev, len + 1);
	if ((f->index = if_nametoindex(dev)) == 0 || ioctl(sock, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "umllab-ra: %s: %s\n", dev, strerror(errno));
		return false;
	}
	size_t n = ra_prefixes(ips, dev, prefixes);
	f->len = boot_ra_message(f->msg, sizeof(f->msg), (const unsigned char *)ifr.ifr_hwaddr.sa_data,
	    prefixes, n, router ? BOOT_RA_ROUTER_S : 0);
	struct ipv6_mreq mr = { .ipv6mr_interface = f->index };
	inet_pton(AF_INET6, "ff02::2", &mr.ipv6mr_multiaddr);
	if (setsockopt(sock, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		fprintf(stderr, "umllab-ra: %s: join ff02::2: %s\n", dev, strerror(errno));
	return f->len > 0;
}

static void ra_send(int sock, struct ra_iface *f, double now)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = f->index };
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))] = { 0 };
	struct iovec iov = { .iov_base = f->msg, .iov_len = f->len };
	struct msghdr mh = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
		.msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
	struct in6_pktinfo pi = { .ipi6_ifindex = f->index };
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	if (sendmsg(sock, &mh, 0) < 0) {
		/* No link-local address yet, or the link is down: try again in a second. */
		f->next = now + 1;
		return;
	}
	f->last = now;
	f->sent++;
	f->next = now + (f->sent == 1 ? 2 : RA_INTERVAL_S);
}

static void ra_loop(int sock, struct ra_iface *ifs, size_t n)
{
	for (;;) {
		double now = now_s(), wait = RA_INTERVAL_S;
		for (size_t i = 0; i < n; i++) {
			if (ifs[i].next <= now)
				ra_send(sock, &ifs[i], now);
			if (ifs[i].next - now < wait)
				wait = ifs[i].next - now;
		}
		if (wait < 0)
			wait = 0;
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		if (poll(&pfd, 1, (int)(wait * 1000) + 1) <= 0)
			continue;
		unsigned char buf[1500];
		char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct sockaddr_in6 from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			.msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t got = recvmsg(sock, &mh, MSG_DONTWAIT);
		if (got < 8 || buf[0] != ND_ROUTER_SOLICIT)
			continue;
		unsigned index = from.sin6_scope_id;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;
				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				index = (unsigned)pi.ipi6_ifindex;
			}
		now = now_s();
		for (size_t i = 0; i < n; i++)
			if (ifs[i].index == index && now - ifs[i].last >= 1)
				ifs[i].next = now;	/* answered on the next turn, at once */
	}
}

void guest_ra_start(const char *devs, const char *ips, bool router)
{
	pid_t pid = fork();
	if (pid != 0) {
		if (pid < 0)
			fprintf(stderr, "umllab-ra: fork: %s\n", strerror(errno));
		return;
	}
	setsid();
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	int sock = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (sock < 0) {
		fprintf(stderr, "umllab-ra: socket: %s\n", strerror(errno));
		_exit(1);
	}
	int hops = 255, on = 1, off = 0;
	struct icmp6_filter filter;
	ICMP6_FILTER_SETBLOCKALL(&filter);
	ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filter);
	setsockopt(sock, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	setsockopt(sock, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops));
	setsockopt(sock, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
	/* Not to ourselves: the kernel would take its own advertisements in. */
	setsockopt(sock, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off));
	setsockopt(sock, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter));

	struct ra_iface ifs[RA_IFACES_MAX];
	size_t n = 0;
	char *list = strdup(devs), *save = NULL;
	for (char *dev = list != NULL ? strtok_r(list, ",", &save) : NULL; dev != NULL && n < RA_IFACES_MAX;
	    dev = strtok_r(NULL, ",", &save)) {
		memset(&ifs[n], 0, sizeof(ifs[n]));
		if (ra_iface_init(&ifs[n], sock, dev, ips, router))
			n++;
	}
	free(list);
	if (n > 0)
		ra_loop(sock, ifs, n);
	_exit(0);
}
