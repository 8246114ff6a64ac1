/* switch/trunk.c: a VXLAN trunk's UDP socket, what it accepts, and the check
 * that its listen address belongs to this host. */
#include "switch/trunk.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/util.h"

struct trunk *trunk_open(const char *name, const struct vxlan_addr *listen,
    const struct vxlan_addr *remote, uint32_t vni, char **cause)
{
	char where[VXLAN_ADDR_TEXT_MAX];
	vxlan_addr_format(listen, where);
	if (listen->ss.ss_family != remote->ss.ss_family) {
		set_cause(cause, "trunk %s: listen address %s and the remote are not of the same "
		    "family (IPv4 and IPv6); use two IPv4 or two IPv6 addresses", name, where);
		return NULL;
	}
	int fd = socket(listen->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_cause(cause, "trunk %s: cannot create a UDP socket: %s", name, strerror(errno));
		return NULL;
	}
	if (listen->ss.ss_family == AF_INET6) {
		int one = 1;	/* an IPv6 trunk hears IPv6 only, whatever bindv6only says */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)&listen->ss, listen->len) != 0) {
		int err = errno;
		if (err == EADDRINUSE)
			set_cause(cause, "trunk %s: listen address %s is in use (another lab's trunk, "
			    "or another program, has that port); choose another port", name, where);
		else if (err == EADDRNOTAVAIL)
			set_cause(cause, "trunk %s: listen address %s is not an address of this host; "
			    "use one of its own addresses", name, where);
		else if (err == EACCES)
			set_cause(cause, "trunk %s: cannot listen on %s: ports below 1024 need "
			    "privileges; choose a port from 1024 up, such as 4789", name, where);
		else
			set_cause(cause, "trunk %s: cannot listen on %s: %s", name, where,
			    strerror(err));
		close(fd);
		return NULL;
	}
	struct trunk *t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->listen = *listen;
	t->remote = *remote;
	t->vni = vni;
	vxlan_encode(t->hdr, vni);
	t->fd = fd;
	return t;
}

void trunk_free(struct trunk *t)
{
	if (t == NULL)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->name);
	free(t);
}

bool trunk_accept(const struct trunk *t, const struct sockaddr *from, socklen_t fromlen,
    const unsigned char *dgram, size_t len)
{
	uint32_t vni;
	/* Anyone may send to a UDP port: only the remote's datagrams count. */
	return vxlan_addr_equal(&t->remote, from, fromlen) && vxlan_decode(dgram, len, &vni) &&
	    vni == t->vni;
}

int trunk_addr_is_local(const struct vxlan_addr *addr, char **cause)
{
	struct ifaddrs *list;
	char want[VXLAN_ADDR_TEXT_MAX];
	vxlan_addr_host(addr, want);
	if (getifaddrs(&list) != 0)
		return set_cause(cause, "cannot list this host's addresses to check %s: %s", want,
		    strerror(errno));
	struct strbuf have = { 0 };
	bool found = false;
	for (struct ifaddrs *i = list; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != addr->ss.ss_family)
			continue;
		struct vxlan_addr a = { .len = addr->len };
		memcpy(&a.ss, i->ifa_addr, addr->len);
		if (vxlan_addr_same_host(&a, addr)) {
			found = true;
			break;
		}
		char text[VXLAN_ADDR_TEXT_MAX];
		vxlan_addr_host(&a, text);
		strbuf_printf(&have, "%s%s (%s)", have.len ? ", " : "", text, i->ifa_name);
	}
	freeifaddrs(list);
	char *list_text = strbuf_take(&have);
	int rc = 0;
	if (!found)
		rc = set_cause(cause, "%s is not an address of this host, so a trunk may not listen "
		    "on it (this host has: %s)", want, list_text[0] ? list_text : "no such addresses");
	free(list_text);
	return rc;
}
