/* tests/unit/test_vxlan.c: the VXLAN header and addresses (pure), what a trunk
 * accepts, and two switches in this process joined by a trunk over 127.0.0.1. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/base/util.h"
#include "switch/switch.h"
#include "switch/trunk.h"
#include "switch/vxlan.h"

#define QUIET_MS 150	/* "receives nothing" means nothing within this */
#define WAIT_MS 2000	/* "receives it" means within this */

/* ---- the header ---- */

static void test_header(void **state)
{
	(void)state;
	unsigned char h[VXLAN_HDR_LEN];
	vxlan_encode(h, 0x123456);
	const unsigned char want[VXLAN_HDR_LEN] = { 0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0 };
	assert_memory_equal(h, want, sizeof(want));
	uint32_t vni = 0;
	assert_true(vxlan_decode(h, sizeof(h), &vni));
	assert_int_equal(vni, 0x123456);

	vxlan_encode(h, 0);
	assert_true(vxlan_decode(h, sizeof(h), &vni));
	assert_int_equal(vni, 0);
	vxlan_encode(h, VXLAN_VNI_MAX);
	assert_true(vxlan_decode(h, sizeof(h), &vni));
	assert_int_equal(vni, VXLAN_VNI_MAX);

	/* Reserved bits are ignored on receipt; the I flag is required. */
	unsigned char r[VXLAN_HDR_LEN + 4] = { 0xff, 1, 2, 3, 0, 0, 7, 0xee };
	assert_true(vxlan_decode(r, sizeof(r), &vni));
	assert_int_equal(vni, 7);
	r[0] = 0xf7;
	assert_false(vxlan_decode(r, sizeof(r), &vni));
	/* Too short for a header. */
	assert_false(vxlan_decode(h, VXLAN_HDR_LEN - 1, &vni));
	assert_false(vxlan_decode(h, 0, &vni));
}

/* ---- addresses ---- */

static void expect_addr(const char *text, int family, const char *back)
{
	struct vxlan_addr a;
	const char *why = vxlan_addr_parse(text, &a);
	if (why != NULL)
		fail_msg("%s: %s", text, why);
	assert_int_equal(a.ss.ss_family, family);
	assert_int_equal(a.len, family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6));
	char buf[VXLAN_ADDR_TEXT_MAX];
	vxlan_addr_format(&a, buf);
	assert_string_equal(buf, back);
}

static void expect_bad(const char *text, const char *why_part)
{
	struct vxlan_addr a;
	const char *why = vxlan_addr_parse(text, &a);
	if (why == NULL)
		fail_msg("%s was accepted", text);
	if (strstr(why, why_part) == NULL)
		fail_msg("%s: `%s` does not say `%s`", text, why, why_part);
}

static void test_addr_parse(void **state)
{
	(void)state;
	expect_addr("127.0.0.1:4789", AF_INET, "127.0.0.1:4789");
	expect_addr("192.0.2.1:1", AF_INET, "192.0.2.1:1");
	expect_addr("10.1.2.3:65535", AF_INET, "10.1.2.3:65535");
	expect_addr("[::1]:4789", AF_INET6, "[::1]:4789");
	expect_addr("[fd00:0:0::1]:8472", AF_INET6, "[fd00::1]:8472");
	expect_addr("[::ffff:10.0.0.1]:4789", AF_INET6, "[::ffff:10.0.0.1]:4789");

	struct vxlan_addr a;
	assert_null(vxlan_addr_parse("127.0.0.1:4789", &a));
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a.ss;
	assert_int_equal(ntohs(s4->sin_port), 4789);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0x7f000001);
	char host[VXLAN_ADDR_TEXT_MAX];
	vxlan_addr_host(&a, host);
	assert_string_equal(host, "127.0.0.1");

	expect_bad("127.0.0.1", "no port");
	expect_bad("127.0.0.1:", "port");
	expect_bad("127.0.0.1:0", "1 to 65535");
	expect_bad("127.0.0.1:65536", "1 to 65535");
	expect_bad("127.0.0.1:123456", "1 to 65535");
	expect_bad("127.0.0.1:-1", "1 to 65535");
	expect_bad("127.0.0.1:+80", "1 to 65535");
	expect_bad("127.0.0.1:80x", "1 to 65535");
	expect_bad("127.0.0.1: 80", "1 to 65535");
	expect_bad(":4789", "no IPv4 address");
	expect_bad("256.0.0.1:4789", "not a valid IPv4");
	expect_bad("10.1:4789", "not a valid IPv4");
	expect_bad("010.0.0.1:4789", "not a valid IPv4");
	expect_bad("host.example:4789", "not a valid IPv4");
	expect_bad("::1:4789", "without brackets");
	expect_bad("[::1]", "no port");
	expect_bad("[::1]4789", "no port");
	expect_bad("[::1:4789", "no `]`");
	expect_bad("[]:4789", "IPv6 address in brackets");
	expect_bad("[::g]:4789", "not a valid IPv6");
	expect_bad("[10.0.0.1]:4789", "not a valid IPv6");
	expect_bad("[fe80::1%eth0]:4789", "not a valid IPv6");
	expect_bad("", "no port");
}

static void test_addr_compare(void **state)
{
	(void)state;
	struct vxlan_addr a, b, c, d;
	assert_null(vxlan_addr_parse("127.0.0.1:4789", &a));
	assert_null(vxlan_addr_parse("127.0.0.1:4790", &b));
	assert_null(vxlan_addr_parse("[::1]:4789", &c));
	assert_null(vxlan_addr_parse("127.0.0.2:4789", &d));
	assert_true(vxlan_addr_equal(&a, (const struct sockaddr *)&a.ss, a.len));
	assert_false(vxlan_addr_equal(&a, (const struct sockaddr *)&b.ss, b.len));
	assert_false(vxlan_addr_equal(&a, (const struct sockaddr *)&c.ss, c.len));
	assert_false(vxlan_addr_equal(&a, (const struct sockaddr *)&d.ss, d.len));
	/* A short address (as recvfrom might fill) never matches. */
	assert_false(vxlan_addr_equal(&a, (const struct sockaddr *)&a.ss, 4));
	assert_true(vxlan_addr_same_host(&a, &b));
	assert_false(vxlan_addr_same_host(&a, &d));
	assert_false(vxlan_addr_same_host(&a, &c));

	assert_null(vxlan_addr_special(&a));
	assert_null(vxlan_addr_special(&c));
	const char *special[] = { "0.0.0.0:1", "255.255.255.255:1", "239.1.1.1:1", "224.0.0.1:1",
		"[::]:1", "[ff02::1]:1" };
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		assert_null(vxlan_addr_parse(special[i], &a));
		assert_non_null(vxlan_addr_special(&a));
	}
}

/* ---- what a trunk accepts ---- */

static void test_trunk_accept(void **state)
{
	(void)state;
	struct vxlan_addr listen, remote, other;
	assert_null(vxlan_addr_parse("127.0.0.1:1", &listen));	/* never bound here */
	assert_null(vxlan_addr_parse("127.0.0.1:4789", &remote));
	assert_null(vxlan_addr_parse("127.0.0.1:4790", &other));
	struct trunk t = { .remote = remote, .vni = 42, .fd = -1 };
	unsigned char d[VXLAN_HDR_LEN + 60] = { 0 };
	vxlan_encode(d, 42);
	const struct sockaddr *from = (const struct sockaddr *)&remote.ss;
	assert_true(trunk_accept(&t, from, remote.len, d, sizeof(d)));
	/* Another sender (another port of the same host). */
	assert_false(trunk_accept(&t, (const struct sockaddr *)&other.ss, other.len, d, sizeof(d)));
	/* Another VNI. */
	vxlan_encode(d, 43);
	assert_false(trunk_accept(&t, from, remote.len, d, sizeof(d)));
	/* No I flag; too short. */
	vxlan_encode(d, 42);
	d[0] = 0;
	assert_false(trunk_accept(&t, from, remote.len, d, sizeof(d)));
	d[0] = VXLAN_FLAG_VNI;
	assert_false(trunk_accept(&t, from, remote.len, d, VXLAN_HDR_LEN - 1));
	(void)listen;
}

static void test_addr_is_local(void **state)
{
	(void)state;
	struct vxlan_addr a;
	char *cause = NULL;
	assert_null(vxlan_addr_parse("127.0.0.1:4789", &a));
	assert_int_equal(trunk_addr_is_local(&a, &cause), 0);
	/* TEST-NET-3: for documentation; no host should have it */
	assert_null(vxlan_addr_parse("203.0.113.77:4789", &a));
	assert_int_equal(trunk_addr_is_local(&a, &cause), -1);
	assert_non_null(strstr(cause, "203.0.113.77 is not an address of this host"));
	assert_non_null(strstr(cause, "127.0.0.1 (lo)"));
	free(cause);
}

/* ---- two switches joined by a trunk ---- */

struct pair {
	bool v6;		/* the trunk over [::1] */
	bool no_v6;		/* ... which this host lacks: the test is skipped */
	char dir[64];
	struct sw *sw[2];
	int port[2];		/* UDP ports of the trunk's two ends */
	int c[3];		/* cables' kernels: c[0], c[1] on sw[0]; c[2] on sw[1] */
	uint8_t mac[3][6];
};

/* A UDP port that is free now on [::1]. */
static int free_port6(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin6_port);
}

/* A UDP port that is free now on 127.0.0.1. */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static struct vxlan_addr loopback(int port)
{
	char text[32];
	struct vxlan_addr a;
	snprintf(text, sizeof(text), "127.0.0.1:%d", port);
	assert_null(vxlan_addr_parse(text, &a));
	return a;
}

static int cable(struct pair *p, int swi, const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", p->dir, name);
	char *cause = NULL;
	if (switch_cable_open(p->sw[swi], name, path, &cause) != 0)
		fail_msg("cable %s: %s", name, cause);
	struct sockaddr_un sun;
	assert_int_equal(unix_addr_set(&sun, path, NULL), 0);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static int pair_setup_any(void **state, bool v6)
{
	struct pair *p = xcalloc(1, sizeof(*p));
	p->v6 = v6;
	if (v6) {
		struct vxlan_addr a;
		char *why = NULL;
		assert_null(vxlan_addr_parse("[::1]:4789", &a));
		p->no_v6 = trunk_addr_is_local(&a, &why) != 0;
		free(why);
	}
	strcpy(p->dir, "/tmp/umllab-vxtest-XXXXXX");
	if (mkdtemp(p->dir) == NULL)
		return -1;
	char *cause = NULL;
	for (int i = 0; i < 2; i++) {
		char ctl[128], name[8];
		snprintf(ctl, sizeof(ctl), "%s/ctl%d", p->dir, i);
		snprintf(name, sizeof(name), "S%d", i + 1);
		p->sw[i] = switch_start(name, ctl, SWITCH_MODE_LEARNING, &cause);
		assert_non_null(p->sw[i]);
		p->port[i] = p->no_v6 ? 0 : v6 ? free_port6() : free_port();
	}
	for (int i = 0; i < 2 && !p->no_v6; i++) {
		struct vxlan_addr listen = loopback(p->port[i]), remote = loopback(p->port[1 - i]);
		if (v6) {
			char text[32];
			snprintf(text, sizeof(text), "[::1]:%d", p->port[i]);
			assert_null(vxlan_addr_parse(text, &listen));
			snprintf(text, sizeof(text), "[::1]:%d", p->port[1 - i]);
			assert_null(vxlan_addr_parse(text, &remote));
		}
		char name[32];
		snprintf(name, sizeof(name), "S%d.trunk0", i + 1);
		if (switch_trunk_open(p->sw[i], name, &listen, &remote, 4242, &cause) != 0)
			fail_msg("%s: %s", name, cause);
	}
	p->c[0] = cable(p, 0, "a");
	p->c[1] = cable(p, 0, "b");
	p->c[2] = cable(p, 1, "c");
	for (int i = 0; i < 3; i++) {
		p->mac[i][0] = 0x02;
		p->mac[i][5] = (uint8_t)(i + 1);
	}
	/* Cables and the trunk are ports: 3 on S1, 2 on S2. */
	struct switch_info info;
	for (int t = 0; t < WAIT_MS / 10; t++) {
		switch_get_info(p->sw[0], &info);
		unsigned a = info.ports;
		switch_get_info(p->sw[1], &info);
		if (a == 3 && info.ports == 2)
			break;
		sleep_ms(10);
	}
	*state = p;
	return 0;
}

static int pair_setup(void **state)
{
	return pair_setup_any(state, false);
}

static int pair_setup_v6(void **state)
{
	return pair_setup_any(state, true);
}

static int pair_teardown(void **state)
{
	struct pair *p = *state;
	for (int i = 0; i < 3; i++)
		close(p->c[i]);
	for (int i = 0; i < 2; i++)
		switch_stop(p->sw[i]);
	const char *names[] = { "a", "b", "c", "ctl0", "ctl1" };
	for (size_t i = 0; i < 5; i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/%s", p->dir, names[i]);
		unlink(path);
	}
	rmdir(p->dir);
	free(p);
	return 0;
}

static void send_frame(struct pair *p, int from, const uint8_t dst[6], uint32_t tag)
{
	unsigned char f[60] = { 0 };
	memcpy(f, dst, 6);
	memcpy(f + 6, p->mac[from], 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	memcpy(f + 14, &tag, 4);
	assert_int_equal(send(p->c[from], f, sizeof(f), 0), (ssize_t)sizeof(f));
}

/* The tag of the next frame cable i receives within ms, or -1. */
static long recv_tag(struct pair *p, int i, int ms)
{
	struct pollfd pfd = { .fd = p->c[i], .events = POLLIN };
	if (poll(&pfd, 1, ms) != 1)
		return -1;
	unsigned char f[2048];
	ssize_t n = recv(p->c[i], f, sizeof(f), 0);
	assert_int_equal(n, 60);	/* the header is gone, the frame whole */
	uint32_t tag;
	memcpy(&tag, f + 14, 4);
	return tag;
}

static void trunk_info(struct pair *p, int i, struct switch_trunk_info *t)
{
	assert_int_equal(switch_trunk_count(p->sw[i]), 1);
	switch_trunk_get_info(p->sw[i], 0, t);
}

/* Counters settle a moment after the frames are seen. */
static void wait_trunk(struct pair *p, int i, uint64_t in, uint64_t out)
{
	struct switch_trunk_info t;
	for (int k = 0; k < WAIT_MS / 10; k++) {
		trunk_info(p, i, &t);
		if (t.frames_in == in && t.frames_out == out)
			return;
		sleep_ms(10);
	}
	trunk_info(p, i, &t);
	assert_int_equal(t.frames_in, in);
	assert_int_equal(t.frames_out, out);
}

static void test_trunk_pair(void **state)
{
	struct pair *p = *state;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct switch_trunk_info t;
	trunk_info(p, 0, &t);
	assert_string_equal(t.name, "S1.trunk0");
	assert_int_equal(t.vni, 4242);
	char want[32];
	snprintf(want, sizeof(want), "127.0.0.1:%d", p->port[1]);
	assert_string_equal(t.remote, want);

	/* Flooding includes the trunk: a broadcast from a reaches b and, across
	 * the trunk, c; never a itself. */
	send_frame(p, 0, bcast, 1);
	assert_int_equal(recv_tag(p, 1, WAIT_MS), 1);
	assert_int_equal(recv_tag(p, 2, WAIT_MS), 1);
	assert_int_equal(recv_tag(p, 0, QUIET_MS), -1);
	/* Split horizon: S2 flooded it to c only, not back out of its trunk. */
	wait_trunk(p, 0, 0, 1);
	wait_trunk(p, 1, 1, 0);

	/* Learning across: S2 learned a on its trunk, so c's answer to a goes
	 * over the trunk, and S1 sends it to a alone. A whole-switch tap on S1
	 * sees it come in on the trunk's port. */
	char *cause = NULL;
	struct switch_tap_opts to = { .ring_frames = 16 };
	struct switch_tap *tap = switch_tap_open(p->sw[0], &to, &cause);
	assert_non_null(tap);
	send_frame(p, 2, p->mac[0], 2);
	assert_int_equal(recv_tag(p, 0, WAIT_MS), 2);
	assert_int_equal(recv_tag(p, 1, QUIET_MS), -1);
	struct switch_tap_frame tf;
	assert_true(switch_tap_next(tap, &tf));
	assert_string_equal(tf.port, "S1.trunk0");
	assert_int_equal(tf.dir, SWITCH_TAP_IN);
	assert_int_equal(tf.len, 60);	/* the frame, without the VXLAN header */
	assert_memory_equal(tf.data + 6, p->mac[2], 6);
	assert_false(switch_tap_next(tap, &tf));
	switch_tap_close(p->sw[0], tap);
	wait_trunk(p, 1, 1, 1);
	wait_trunk(p, 0, 1, 1);

	/* S1 learned c on its trunk: a's frame to c goes there only. */
	send_frame(p, 0, p->mac[2], 3);
	assert_int_equal(recv_tag(p, 2, WAIT_MS), 3);
	assert_int_equal(recv_tag(p, 1, QUIET_MS), -1);
	wait_trunk(p, 0, 1, 2);

	/* b's frame to a stays on S1. */
	send_frame(p, 1, p->mac[0], 5);
	assert_int_equal(recv_tag(p, 0, WAIT_MS), 5);
	assert_int_equal(recv_tag(p, 2, QUIET_MS), -1);
	wait_trunk(p, 0, 1, 2);
	trunk_info(p, 0, &t);
	assert_int_equal(t.dropped_in, 0);
	assert_int_equal(t.dropped_out, 0);
}

/* A tap on a trunk by name sees its frames both ways, without the header;
 * one opened before its trunk applies once the trunk is open. */
static void test_trunk_tap(void **state)
{
	struct pair *p = *state;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	char *cause = NULL;
	struct switch_tap_opts to = { .cable = "S1.trunk0", .ring_frames = 16 };
	struct switch_tap *tap = switch_tap_open(p->sw[0], &to, &cause);
	assert_non_null(tap);
	struct switch_tap_opts later = { .cable = "S2.trunk1", .ring_frames = 16 };
	struct switch_tap *tap2 = switch_tap_open(p->sw[1], &later, &cause);
	assert_non_null(tap2);

	send_frame(p, 0, bcast, 7);	/* out of S1's trunk */
	assert_int_equal(recv_tag(p, 2, WAIT_MS), 7);
	send_frame(p, 2, p->mac[0], 8);	/* into S1's trunk */
	assert_int_equal(recv_tag(p, 0, WAIT_MS), 8);
	send_frame(p, 1, p->mac[0], 9);	/* b to a: not on the trunk */
	assert_int_equal(recv_tag(p, 0, WAIT_MS), 9);
	struct switch_tap_frame tf;
	uint32_t tag;
	assert_true(switch_tap_next(tap, &tf));
	assert_string_equal(tf.port, "S1.trunk0");
	assert_int_equal(tf.dir, SWITCH_TAP_OUT);
	assert_int_equal(tf.len, 60);
	memcpy(&tag, tf.data + 14, 4);
	assert_int_equal(tag, 7);
	assert_true(switch_tap_next(tap, &tf));
	assert_int_equal(tf.dir, SWITCH_TAP_IN);
	assert_int_equal(tf.len, 60);
	memcpy(&tag, tf.data + 14, 4);
	assert_int_equal(tag, 8);
	assert_false(switch_tap_next(tap, &tf));
	switch_tap_close(p->sw[0], tap);

	/* S2.trunk1 opens now (to nowhere that answers): the waiting tap sees
	 * the next broadcast go out of it. */
	struct vxlan_addr listen = loopback(free_port()), remote = loopback(free_port());
	assert_int_equal(switch_trunk_open(p->sw[1], "S2.trunk1", &listen, &remote, 5, &cause), 0);
	assert_false(switch_tap_next(tap2, &tf));
	send_frame(p, 2, bcast, 10);
	assert_int_equal(recv_tag(p, 0, WAIT_MS), 10);	/* also over trunk0 */
	for (int k = 0; k < WAIT_MS / 10 && !switch_tap_next(tap2, &tf); k++)
		sleep_ms(10);
	assert_string_equal(tf.port, "S2.trunk1");
	assert_int_equal(tf.dir, SWITCH_TAP_OUT);
	memcpy(&tag, tf.data + 14, 4);
	assert_int_equal(tag, 10);
	switch_tap_close(p->sw[1], tap2);
}

/* The same over IPv6, where the host has ::1. */
static void test_trunk_v6(void **state)
{
	struct pair *p = *state;
	if (p->no_v6)
		skip();
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct switch_trunk_info t;
	trunk_info(p, 0, &t);
	char want[32];
	snprintf(want, sizeof(want), "[::1]:%d", p->port[1]);
	assert_string_equal(t.remote, want);
	send_frame(p, 0, bcast, 11);
	assert_int_equal(recv_tag(p, 2, WAIT_MS), 11);
	assert_int_equal(recv_tag(p, 1, WAIT_MS), 11);
	send_frame(p, 2, p->mac[0], 12);
	assert_int_equal(recv_tag(p, 0, WAIT_MS), 12);
	assert_int_equal(recv_tag(p, 1, QUIET_MS), -1);
	wait_trunk(p, 0, 1, 1);
	wait_trunk(p, 1, 1, 1);
}

/* Datagrams from anyone but the remote, or of another VNI, are counted and dropped. */
static void test_trunk_strangers(void **state)
{
	struct pair *p = *state;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct vxlan_addr to = loopback(p->port[0]);
	unsigned char d[VXLAN_HDR_LEN + 60] = { 0 };
	vxlan_encode(d, 4242);
	memset(d + VXLAN_HDR_LEN, 0xff, 6);	/* a broadcast: it would reach both cables */
	d[VXLAN_HDR_LEN + 6] = 0x02;
	assert_int_equal(sendto(fd, d, sizeof(d), 0, (struct sockaddr *)&to.ss, to.len),
	    (ssize_t)sizeof(d));
	assert_int_equal(sendto(fd, d, 5, 0, (struct sockaddr *)&to.ss, to.len), 5);
	assert_int_equal(recv_tag(p, 0, QUIET_MS), -1);
	assert_int_equal(recv_tag(p, 1, QUIET_MS), -1);
	struct switch_trunk_info t;
	for (int k = 0; k < WAIT_MS / 10; k++) {
		trunk_info(p, 0, &t);
		if (t.dropped_in == 2)
			break;
		sleep_ms(10);
	}
	assert_int_equal(t.dropped_in, 2);
	assert_int_equal(t.frames_in, 0);
	close(fd);
}

static void test_trunk_refused(void **state)
{
	struct pair *p = *state;
	char *cause = NULL;
	/* The port S1's trunk holds. */
	struct vxlan_addr taken = loopback(p->port[0]), remote = loopback(p->port[1]);
	assert_int_equal(switch_trunk_open(p->sw[1], "S2.trunk1", &taken, &remote, 1, &cause), -1);
	assert_non_null(strstr(cause, "is in use"));
	assert_non_null(strstr(cause, "S2.trunk1"));
	/* An address the host lacks, and the wildcard. */
	struct vxlan_addr away;
	assert_null(vxlan_addr_parse("203.0.113.77:4789", &away));
	assert_int_equal(switch_trunk_open(p->sw[1], "S2.trunk1", &away, &remote, 1, &cause), -1);
	assert_non_null(strstr(cause, "203.0.113.77 is not an address of this host"));
	assert_null(vxlan_addr_parse("0.0.0.0:4789", &away));
	assert_int_equal(switch_trunk_open(p->sw[1], "S2.trunk1", &away, &remote, 1, &cause), -1);
	/* A VNI out of range; mixed families. */
	struct vxlan_addr free_end = loopback(free_port()), v6;
	assert_int_equal(switch_trunk_open(p->sw[1], "S2.trunk1", &free_end, &remote,
	    VXLAN_VNI_MAX + 1, &cause), -1);
	assert_non_null(strstr(cause, "VNI"));
	assert_null(vxlan_addr_parse("[::1]:4789", &v6));
	assert_int_equal(switch_trunk_open(p->sw[1], "S2.trunk1", &free_end, &v6, 1, &cause), -1);
	assert_non_null(strstr(cause, "same family"));
	free(cause);
	assert_int_equal(switch_trunk_count(p->sw[1]), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_addr_compare),
		cmocka_unit_test(test_trunk_accept),
		cmocka_unit_test(test_addr_is_local),
		cmocka_unit_test_setup_teardown(test_trunk_pair, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_trunk_tap, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_trunk_v6, pair_setup_v6, pair_teardown),
		cmocka_unit_test_setup_teardown(test_trunk_strangers, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_trunk_refused, pair_setup, pair_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
