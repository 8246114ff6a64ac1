/* image/guest/boot.c: the guest's boot setup (`umllab-agent --boot`): mounts, then hostname, addresses and routes from umllab.* kernel parameters.
 *
 * The host's contract, read from /proc/cmdline (every one optional):
 *   umllab.name=NAME                               hostname (else /etc/hostname)
 *   umllab.ip=eth0:10.0.0.1/24,eth1:10.0.1.1/24    addresses (lo and every ethN come up anyway),
 *              eth0:2001:db8::1/64                 of either family
 *   umllab.route=10.0.2.0/24@10.0.1.254,default@10.0.1.254,
 *                2001:db8:2::/64@fe80::1%eth0      the gateway's family is the route's; %DEV
 *                                                  says which interface it is on
 *   umllab.forward=1                               net.ipv4.ip_forward (and IPv6 forwarding)
 *   umllab.ipv6=1                                  load IPv6 first; link-local addresses
 *   umllab.ipv6=0                                  IPv6 off (the module, if loaded, disabled)
 *   umllab.ra=eth1,eth2                            send router advertisements there (ra.c)
 *   umllab.share=rw|ro                             mount the lab's share (hostfs) at /hostlab
 *   umllab.vlan=eth0.10,eth0.20                    VLAN sub-interfaces, made before addresses
 * Every failure is reported to the host as "umllab:fail WHAT" and the setup
 * goes on, so one bad setting does not leave the guest unreachable.
 *
 * This was a shell script running mount, ip and hostname: a fork and exec
 * each, about 30 ms apiece in UML, half of a boot's user-space time. Here
 * every step is a system call (netlink for addresses and routes). */
#include "image/guest/boot.h"
#include "core/base/eui64.h"
#include "image/guest/agent_proto.h"
#include "image/guest/boot_params.h"
#include "image/guest/guest_util.h"
#include "image/guest/ra.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define CMDLINE_MAX 4096

static void boot_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "umllab: WHAT" on the console, "umllab:fail WHAT" to the host. */
static void boot_fail(const char *fmt, ...)
{
	char msg[480];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "umllab: %s\n", msg);
	int fd = open("/proc/mconsole", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char line[512];
	int n = snprintf(line, sizeof(line), AGENT_FAIL_TAG "%s", msg);
	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	close(fd);
}

static void boot_mount(const char *src, const char *dir, const char *type, unsigned long flags,
    const char *data)
{
	if (mount(src, dir, type, flags, data) < 0)
		boot_fail("mount %s on %s: %s", type[0] ? type : "(remount)", dir, strerror(errno));
}

static void boot_mounts(void)
{
	const unsigned long nosuid_nodev = MS_NOSUID | MS_NODEV;
	boot_mount("proc", "/proc", "proc", nosuid_nodev | MS_NOEXEC, NULL);
	boot_mount("", "/", "", MS_REMOUNT, NULL);
	boot_mount("sysfs", "/sys", "sysfs", nosuid_nodev | MS_NOEXEC, NULL);
	boot_mount("tmpfs", "/tmp", "tmpfs", nosuid_nodev, "mode=1777");
	boot_mount("tmpfs", "/run", "tmpfs", nosuid_nodev, "mode=0755");
	/* /var/lock is /run/lock in Debian; systemd would make it (apache2 needs it). */
	if (mkdir("/run/lock", 01777) == 0)
		chmod("/run/lock", 01777);
	mkdir("/dev/pts", 0755);
	mkdir("/dev/shm", 0755);
	boot_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	    "gid=5,mode=620,ptmxmode=666");
}

/* The kernel loads modules (netfilter for iptables, bridges, ...) through
 * /sbin/modprobe: an image without kmod gets busybox's. */
static void boot_modprobe(void)
{
	static const char fallback[] = "/usr/lib/umllab/bin/modprobe";
	if (access("/sbin/modprobe", X_OK) == 0 || access(fallback, X_OK) != 0)
		return;
	int fd = open("/proc/sys/kernel/modprobe", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, fallback, strlen(fallback)) < 0)
		boot_fail("kernel.modprobe=%s: %s", fallback, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Loads a module of the running kernel from its file, by one system call (no
 * modprobe: a fork and exec cost about 30 ms in UML). 0, or an errno; an
 * already loaded module is no error. */
static int module_load(const char *rel, const char *params)
{
	struct utsname u;
	if (uname(&u) < 0)
		return errno;
	char path[512];
	snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, rel);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int rc = syscall(SYS_finit_module, fd, params, 0) < 0 && errno != EEXIST ? errno : 0;
	close(fd);
	return rc;
}

/* IPv6 is a module in Debian's UML kernel. on: loaded before the links come
 * up, so that they get their link-local addresses as they do; otherwise
 * loaded disabled (ipv6.disable=1 on the command line says the same to a
 * modprobe that loads it later). An image without the module file still
 * gets it through the kernel's own modprobe, when it has one. */
static bool boot_ipv6_load(bool on)
{
	int err = module_load("kernel/lib/crc-ccitt.ko", "");
	if (err == 0)
		err = module_load("kernel/net/ipv6/ipv6.ko", on ? "" : "disable=1");
	if (err == 0 || !on)
		return err == 0;
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);	/* asks the kernel's modprobe */
	if (s >= 0) {
		close(s);
		return true;
	}
	boot_fail("IPv6: cannot load the kernel's ipv6 module (%s), and the kernel could not "
	    "either: does the image have /lib/modules?", strerror(err));
	return false;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = write(fd, text, strlen(text)) < 0 ? -1 : 0;
	close(fd);
	return rc;
}

/* dev keeps its IPv6 addresses when it goes down and up again, as IPv4 ones are kept
 * (the kernel keeps no link-local one: it makes it again, with DAD, when dev comes up). */
static void boot_ipv6_dev(const char *dev)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/keep_addr_on_down", dev);
	if (write_file(path, "1") < 0)
		boot_fail("net.ipv6.conf.%s.keep_addr_on_down=1: %s", dev, strerror(errno));
}

/* Reads the first line of a small file into buf; false when there is none. */
static int read_line(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] != '\0';
}

static void boot_hostname(const char *name)
{
	char buf[256];
	if ((name == NULL || name[0] == '\0') && read_line("/etc/hostname", buf, sizeof(buf)))
		name = buf;
	if (name != NULL && name[0] != '\0' && sethostname(name, strlen(name)) < 0)
		boot_fail("hostname %s: %s", name, strerror(errno));
}

static int link_up(int sock, const char *dev)
{
	struct ifreq ifr = { 0 };
	size_t len = strlen(dev);
	if (len >= IFNAMSIZ) {
		errno = ENODEV;
		return -1;
	}
	memcpy(ifr.ifr_name, dev, len + 1);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The names in /sys/class/net starting with prefix, sorted; returns how many. */
static size_t net_devices(const char *prefix, char names[][IFNAMSIZ], size_t max)
{
	DIR *d = opendir("/sys/class/net");
	if (d == NULL)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && len < IFNAMSIZ)
			memcpy(names[n++], e->d_name, len + 1);
	}
	closedir(d);
	qsort(names, n, IFNAMSIZ, name_cmp);
	return n;
}

static void boot_link_local_add(int nl, int sock, const char *dev);

/* The host plugs each interface in as a vector device on its cable (vecN,
 * see switch/cable.c): it is ethN to the guest. Bringing it up connects it. */
static void boot_links(int sock, int nl, bool ipv6)
{
	if (link_up(sock, "lo") < 0)
		boot_fail("ip link set lo up: %s", strerror(errno));
	char names[64][IFNAMSIZ];
	size_t n = net_devices("vec", names, 64);
	for (size_t i = 0; i < n; i++) {
		struct ifreq ifr = { 0 };
		/* vecN and ethN have the same length: both fit IFNAMSIZ. */
		memcpy(ifr.ifr_name, names[i], IFNAMSIZ);
		memcpy(ifr.ifr_newname, "eth", 3);
		memcpy(ifr.ifr_newname + 3, names[i] + 3, IFNAMSIZ - 3);
		if (ioctl(sock, SIOCSIFNAME, &ifr) < 0)
			boot_fail("ip link set %s name %s: %s", names[i], ifr.ifr_newname, strerror(errno));
	}
	n = net_devices("eth", names, 64);
	/* The link-local address goes on before the link comes up, without DAD, so it
	 * answers at once (a gateway's, at the first ping); coming up, the kernel finds
	 * the address it would have made (the same EUI-64) already there. */
	for (size_t i = 0; i < n && ipv6; i++) {
		boot_ipv6_dev(names[i]);
		boot_link_local_add(nl, sock, names[i]);
	}
	for (size_t i = 0; i < n; i++) {
		(void)guest_bql_set(names[i]);	/* best effort: a kernel without BQL still boots */
		if (link_up(sock, names[i]) < 0)
			boot_fail("ip link set %s up: %s", names[i], strerror(errno));
	}
}

struct nl_req {
	struct nlmsghdr h;
	union {
		struct ifaddrmsg a;
		struct rtmsg r;
		struct ifinfomsg i;
	} m;
	char attrs[128];
};

/* A new object (address, route): refused if it is there already. */
static void nl_new(struct nl_req *req, unsigned short type, size_t payload)
{
	memset(req, 0, sizeof(*req));
	req->h.nlmsg_len = NLMSG_LENGTH(payload);
	req->h.nlmsg_type = type;
	req->h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
}

static void nl_attr(struct nl_req *req, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->h.nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	req->h.nlmsg_len = NLMSG_ALIGN(req->h.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Sends one request and waits for its acknowledgement: 0, or an errno. */
static int nl_talk(int nl, struct nl_req *req)
{
	static unsigned seq;
	req->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->h.nlmsg_seq = ++seq;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(nl, req, req->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return errno;
	char buf[1024];
	for (;;) {
		ssize_t n = recv(nl, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *err = NLMSG_DATA(h);
			return -err->error;
		}
	}
}

/* Adds an address; IPv6 ones without DAD (umllab checked them unique). 0 or an errno. */
static int addr_add(int nl, unsigned index, int family, const unsigned char *addr, unsigned prefix)
{
	struct nl_req req;
	nl_new(&req, RTM_NEWADDR, sizeof(req.m.a));
	req.m.a = (struct ifaddrmsg){ .ifa_family = (unsigned char)family,
		.ifa_prefixlen = (unsigned char)prefix,
		.ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0,
		.ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = index };
	size_t len = family == AF_INET ? 4 : 16;
	if (family == AF_INET)
		nl_attr(&req, IFA_LOCAL, addr, len);
	nl_attr(&req, IFA_ADDRESS, addr, len);
	return nl_talk(nl, &req);
}

static void boot_addr(int nl, const char *dev, const char *cidr)
{
	unsigned char addr[16];
	int family;
	unsigned prefix;
	unsigned index = if_nametoindex(dev);
	if (!boot_addr_parse(cidr, &family, addr, &prefix)) {
		boot_fail("bad umllab.ip address '%s' for %s (expected ADDR/PREFIX)", cidr, dev);
		return;
	}
	if (index == 0) {
		boot_fail("ip addr add %s dev %s: no such device", cidr, dev);
		return;
	}
	int err = addr_add(nl, index, family, addr, prefix);
	if (err != 0)
		boot_fail("ip addr add %s dev %s: %s", cidr, dev, strerror(err));
}

/* fe80::/64 from dev's MAC, as the kernel makes it, but without DAD. */
static void boot_link_local_add(int nl, int sock, const char *dev)
{
	struct ifreq ifr = { 0 };
	size_t len = strlen(dev);
	if (len >= IFNAMSIZ)
		return;
	memcpy(ifr.ifr_name, dev, len + 1);
	unsigned index = if_nametoindex(dev);
	if (index == 0 || ioctl(sock, SIOCGIFHWADDR, &ifr) < 0) {
		boot_fail("the link-local address of %s: %s", dev, strerror(errno));
		return;
	}
	unsigned char addr[16];
	eui64_link_local((const unsigned char *)ifr.ifr_hwaddr.sa_data, addr);
	int err = addr_add(nl, index, AF_INET6, addr, 64);
	if (err != 0 && err != EEXIST)
		boot_fail("ip addr add fe80::/64 dev %s: %s", dev, strerror(err));
}

static void boot_route(int nl, const char *dest, const char *via)
{
	unsigned char to[16] = { 0 }, gw[16];
	int family, to_family = 0;
	unsigned prefix = 0;
	char gwtext[INET6_ADDRSTRLEN + IFNAMSIZ + 2], *dev = NULL;
	size_t vlen = strlen(via);
	bool ok = vlen < sizeof(gwtext);
	if (ok) {
		memcpy(gwtext, via, vlen + 1);
		ok = boot_gateway_parse(gwtext, &family, gw, &dev);
	}
	if (ok && strcmp(dest, "default") != 0)
		ok = boot_addr_parse(dest, &to_family, to, &prefix) && to_family == family;
	if (!ok) {
		boot_fail("bad umllab.route entry '%s@%s' (expected DEST@GATEWAY or DEST@GATEWAY%%DEV, "
		    "of one family)", dest, via);
		return;
	}
	unsigned oif = 0;
	if (dev != NULL && (oif = if_nametoindex(dev)) == 0) {
		boot_fail("ip route add %s via %s: no such device %s", dest, via, dev);
		return;
	}
	struct nl_req req;
	size_t len = family == AF_INET ? 4 : 16;
	nl_new(&req, RTM_NEWROUTE, sizeof(req.m.r));
	req.m.r = (struct rtmsg){ .rtm_family = (unsigned char)family,
		.rtm_dst_len = (unsigned char)prefix, .rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST };
	if (prefix > 0)
		nl_attr(&req, RTA_DST, to, len);
	nl_attr(&req, RTA_GATEWAY, gw, len);
	if (oif != 0)
		nl_attr(&req, RTA_OIF, &oif, sizeof(oif));
	int err = nl_talk(nl, &req);
	if (err != 0)
		boot_fail("ip route add %s via %s: %s", dest, via, strerror(err));
}

/* ---- VLAN sub-interfaces (umllab.vlan) ---- */

/* 802.1Q and what it needs, in the order they load: the busybox image has
 * only these (image/busybox.c), a Debian image all of the kernel's. */
static const char *const vlan_modules[] = {
	"kernel/net/llc/llc.ko", "kernel/net/802/stp.ko", "kernel/net/802/garp.ko",
	"kernel/net/802/mrp.ko", "kernel/net/8021q/8021q.ko",
};

/* Load 802.1Q by hand: an image without a working modprobe cannot have the
 * kernel load it. Modules already there are no error. */
static void vlan_modules_load(void)
{
	struct utsname u;
	if (uname(&u) != 0)
		return;
	for (size_t i = 0; i < sizeof(vlan_modules) / sizeof(vlan_modules[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, vlan_modules[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		(void)syscall(SYS_finit_module, fd, "", 0);
		close(fd);
	}
}

/* Open a nested attribute; nl_nest_end closes it. */
static struct rtattr *nl_nest(struct nl_req *req, unsigned short type)
{
	struct rtattr *rta = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->h.nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(0);
	req->h.nlmsg_len = NLMSG_ALIGN(req->h.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void nl_nest_end(struct nl_req *req, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)req + req->h.nlmsg_len - (char *)nest);
}

/* `ip link add link PARENT name NAME type vlan id VID up`, by netlink. */
static int vlan_add(int nl, const char *name, const char *parent, unsigned vid)
{
	struct nl_req req;
	nl_new(&req, RTM_NEWLINK, sizeof(req.m.i));
	req.m.i = (struct ifinfomsg){ .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP,
		.ifi_change = IFF_UP };
	uint32_t link = if_nametoindex(parent);
	if (link == 0)
		return ENODEV;
	uint16_t id = (uint16_t)vid;
	nl_attr(&req, IFLA_IFNAME, name, strlen(name) + 1);
	nl_attr(&req, IFLA_LINK, &link, sizeof(link));
	struct rtattr *info = nl_nest(&req, IFLA_LINKINFO);
	nl_attr(&req, IFLA_INFO_KIND, "vlan", 5);
	struct rtattr *data = nl_nest(&req, IFLA_INFO_DATA);
	nl_attr(&req, IFLA_VLAN_ID, &id, sizeof(id));
	nl_nest_end(&req, data);
	nl_nest_end(&req, info);
	return nl_talk(nl, &req);
}

static void boot_vlans(int nl, int sock, char *list)
{
	bool loaded = false;
	for (char *save = NULL, *name = strtok_r(list, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save)) {
		char parent[IFNAMSIZ];
		unsigned vid;
		if (strlen(name) >= IFNAMSIZ || !boot_vlan_name(name, parent, sizeof(parent), &vid)) {
			boot_fail("bad umllab.vlan entry '%s' (expected DEV.VID, such as eth0.10)", name);
			continue;
		}
		int err = vlan_add(nl, name, parent, vid);
		if (err == EOPNOTSUPP && !loaded) {
			vlan_modules_load();
			loaded = true;
			err = vlan_add(nl, name, parent, vid);
		}
		if (err != 0)
			boot_fail("ip link add link %s name %s type vlan id %u: %s%s", parent, name, vid,
			    strerror(err), err == EOPNOTSUPP ? " (the image lacks the kernel's 8021q "
			    "module)" : "");
		else if (link_up(sock, name) < 0)
			boot_fail("ip link set %s up: %s", name, strerror(errno));
	}
}

/* Calls fn(nl, left, right) for each "LEFT<sep>RIGHT" item of a comma list. */
static void for_each_pair(char *list, char sep, int nl, void (*fn)(int, const char *, const char *),
    const char *what, const char *expected)
{
	char *left, *right;
	bool bad;
	while (boot_pair_next(&list, sep, &left, &right, &bad)) {
		if (bad)
			boot_fail("bad %s entry '%s' (expected %s)", what, left, expected);
		else
			fn(nl, left, right);
	}
}

static void boot_forward(const char *forward)
{
	if (forward == NULL || forward[0] == '\0')
		return;
	if (strcmp(forward, "0") != 0 && strcmp(forward, "1") != 0) {
		boot_fail("bad umllab.forward '%s' (expected 0 or 1)", forward);
		return;
	}
	if (write_file("/proc/sys/net/ipv4/ip_forward", forward) < 0)
		boot_fail("net.ipv4.ip_forward=%s: %s", forward, strerror(errno));
	(void)write_file("/proc/sys/net/ipv6/conf/all/forwarding", forward);
}

/* The host confines hostfs to the lab's share (hostfs= and Landlock), so the
 * root of a hostfs mount is that directory. */
static void boot_share(const char *share)
{
	if (share == NULL || share[0] == '\0')
		return;
	unsigned long flags;
	if (strcmp(share, "rw") == 0)
		flags = 0;
	else if (strcmp(share, "ro") == 0)
		flags = MS_RDONLY;
	else {
		boot_fail("bad umllab.share '%s' (expected rw or ro)", share);
		return;
	}
	mkdir("/hostlab", 0755);
	boot_mount("none", "/hostlab", "hostfs", flags, NULL);
}

int guest_boot(void)
{
	umask(022);
	boot_mounts();
	boot_modprobe();

	static char cmdline[CMDLINE_MAX];
	struct boot_params p = { 0 };
	if (read_line("/proc/cmdline", cmdline, sizeof(cmdline)))
		boot_params_read(cmdline, &p);
	else
		boot_fail("cannot read /proc/cmdline: %s", strerror(errno));
	boot_hostname(p.name);
	/* IPv6: only when the lab uses it (or turns it off), so IPv4 labs boot as they did. */
	bool ipv6 = p.ipv6 != NULL && strcmp(p.ipv6, "1") == 0;
	if (p.ipv6 != NULL && !boot_ipv6_load(ipv6))
		ipv6 = false;
	/* The advertisements' prefixes come from the addresses, which are cut up below. */
	char *ra_ips = p.ra != NULL && p.ips != NULL ? strdup(p.ips) : NULL;

	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0 || nl < 0) {
		boot_fail("cannot open a socket to configure the network: %s", strerror(errno));
	} else {
		boot_links(sock, nl, ipv6);
		if (p.vlans != NULL)
			boot_vlans(nl, sock, p.vlans);
		if (p.ips != NULL)
			for_each_pair(p.ips, ':', nl, boot_addr, "umllab.ip", "DEV:ADDR/PREFIX");
		if (p.routes != NULL)
			for_each_pair(p.routes, '@', nl, boot_route, "umllab.route", "DEST@GATEWAY");
	}
	if (sock >= 0)
		close(sock);
	if (nl >= 0)
		close(nl);
	boot_forward(p.forward);
	boot_share(p.share);
	if (p.ra != NULL && ipv6)
		guest_ra_start(p.ra, ra_ips != NULL ? ra_ips : "",
		    p.forward != NULL && strcmp(p.forward, "1") == 0);
	free(ra_ips);

	/* From here on the console shows only kernel errors and worse (levels
	 * 0-3; a panic raises the level itself). The host's exec requests arrive
	 * as mconsole `log` lines, which the kernel prints at KERN_WARNING (4):
	 * without this, every request would be echoed, base64 and all, into the
	 * console log. The records stay in the kernel log (dmesg) and reach the
	 * agent through /dev/kmsg. */
	if (klogctl(8, NULL, 4) < 0)
		boot_fail("dmesg -n 4: %s", strerror(errno));
	return 0;
}
