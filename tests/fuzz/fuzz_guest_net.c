/* tests/fuzz/fuzz_guest_net.c: libFuzzer harness for the guest's network snapshots as the
 * supervisor reads them (core/supervisor/guest_net.c): the input is parts, one per line. */
#include <string.h>
#include <sys/socket.h>

#include "core/supervisor/guest_net.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_net_rx rx = { 0 };
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		int rc = guest_net_feed(&rx, p, len, 1);
		FUZZ_CHECK(rc >= -1 && rc <= 1);
		FUZZ_CHECK(rx.cur.n_addrs <= GUEST_NET_ADDRS_MAX && rx.cur.n_routes <= GUEST_NET_ROUTES_MAX &&
		    rx.cur.n_links <= GUEST_NET_LINKS_MAX);
		for (size_t i = 0; i < rx.cur.n_addrs; i++) {
			const struct lab_addr *a = &rx.cur.addrs[i].addr;
			FUZZ_CHECK((a->family == AF_INET && a->prefix <= 32) ||
			    (a->family == AF_INET6 && a->prefix <= 128));
			FUZZ_CHECK(rx.cur.addrs[i].iface[0] != '\0');
		}
		for (size_t i = 0; i < rx.cur.n_routes; i++)
			FUZZ_CHECK(!rx.cur.routes[i].has_via ||
			    rx.cur.routes[i].via.family == rx.cur.routes[i].dst.family);
		p += len + 1;
	}
	guest_net_reset(&rx);
	return 0;
}
