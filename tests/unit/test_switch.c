/* tests/unit/test_switch.c: the switch over real sockets, with fake ports that attach the way UML does. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "core/base/util.h"
#include "switch/daemon_proto.h"
#include "switch/switch.h"

#define QUIET_MS 100	/* "receives nothing" means nothing within this */

/* ASan keeps freed memory in quarantine: resident memory does not fall. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif
#define WAIT_MS 2000	/* "receives it" means within this */
#define ETH_TYPE_TEST 0x88b5	/* IEEE local experimental */

static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A fake UML network device. */
struct fport {
	int ctl;
	int data;
	struct sockaddr_un local;	/* its data address */
	struct sockaddr_un sw;		/* the switch's data address for it */
	uint8_t mac[6];
	char fs_path[108];		/* bound to this path, or empty for abstract */
	bool cable;			/* a cable's connection: data is SOCK_SEQPACKET */
};

struct fixture {
	char dir[64];
	char ctl_path[128];
	struct sw *sw;
};

static unsigned fport_serial;

static int fport_connect(const char *ctl_path)
{
	struct sockaddr_un sun;
	assert_int_equal(unix_addr_set(&sun, ctl_path, NULL), 0);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Make the data socket: abstract with the full length like UML, or at fs_path. */
static void fport_bind(struct fport *p, unsigned id, const char *fs_path)
{
	memset(p, 0, sizeof(*p));
	p->ctl = -1;
	p->mac[0] = 0x02;
	p->mac[5] = (uint8_t)(id + 1);
	p->data = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(p->data >= 0);
	p->local.sun_family = AF_UNIX;
	if (fs_path != NULL) {
		assert_int_equal(str_copy(p->fs_path, sizeof(p->fs_path), fs_path), 0);
		strcpy(p->local.sun_path, fs_path);
		unlink(fs_path);
		assert_int_equal(bind(p->data, (struct sockaddr *)&p->local,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(fs_path) + 1)), 0);
	} else {
		snprintf(p->local.sun_path + 1, sizeof(p->local.sun_path) - 1, "umllab-test-%d-%u",
		    (int)getpid(), fport_serial++);
		assert_int_equal(bind(p->data, (struct sockaddr *)&p->local, sizeof(p->local)), 0);
	}
}

/* Send the request (in pieces when split is nonzero) and read the reply. */
static void fport_handshake(struct fport *p, const char *ctl_path, size_t req_len, unsigned split)
{
	p->ctl = fport_connect(ctl_path);
	struct daemon_request req;
	daemon_request_build(&req, &p->local);
	const unsigned char *b = (const unsigned char *)&req;
	if (split == 0) {
		assert_int_equal(write_all(p->ctl, b, req_len), 0);
	} else {
		size_t step = req_len / split + 1;
		for (size_t off = 0; off < req_len; off += step) {
			size_t n = req_len - off < step ? req_len - off : step;
			assert_int_equal(write_all(p->ctl, b + off, n), 0);
			sleep_ms(20);
		}
	}
	struct pollfd pfd = { .fd = p->ctl, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	unsigned char reply[200];
	ssize_t n = read(p->ctl, reply, sizeof(reply));
	assert_int_equal(n, 110);
	char *cause = NULL;
	assert_int_equal(daemon_reply_parse(reply, (size_t)n, &p->sw, &cause), 0);
	assert_int_equal(p->sw.sun_path[0], '\0');	/* abstract */
}

static void fport_attach(struct fport *p, const char *ctl_path, unsigned id)
{
	fport_bind(p, id, NULL);
	fport_handshake(p, ctl_path, DAEMON_REQ_SIZE, 0);
}

static void fport_close(struct fport *p)
{
	if (p->ctl >= 0)
		close(p->ctl);
	if (p->data >= 0)
		close(p->data);
	if (p->fs_path[0] != '\0')
		unlink(p->fs_path);
	p->ctl = p->data = -1;
}

static void fport_send_len(struct fport *p, const uint8_t dst[6], uint32_t tag, size_t len)
{
	unsigned char frame[2048];
	assert_true(len <= sizeof(frame));
	memset(frame, 0, sizeof(frame));
	if (len >= 14) {
		memcpy(frame, dst, 6);
		memcpy(frame + 6, p->mac, 6);
		frame[12] = ETH_TYPE_TEST >> 8;
		frame[13] = ETH_TYPE_TEST & 0xff;
	}
	if (len >= 18)
		memcpy(frame + 14, &tag, 4);
	/* Like UML: sendto the switch's address with the full sockaddr length
	 * (a cable is connected: a plain send). */
	ssize_t n = p->cable ? send(p->data, frame, len, 0) :
	    sendto(p->data, frame, len, 0, (struct sockaddr *)&p->sw, sizeof(p->sw));
	assert_int_equal(n, (ssize_t)len);
}

static void fport_send(struct fport *p, const uint8_t dst[6], uint32_t tag)
{
	fport_send_len(p, dst, tag, 60);
}

/* The tag of the next frame within ms, or -1 when none came. */
static long fport_recv(struct fport *p, unsigned ms, uint8_t src[6])
{
	struct pollfd pfd = { .fd = p->data, .events = POLLIN };
	if (poll(&pfd, 1, (int)ms) != 1)
		return -1;
	unsigned char frame[2048];
	ssize_t n = recv(p->data, frame, sizeof(frame), 0);
	assert_int_equal(n, 60);
	if (src != NULL)
		memcpy(src, frame + 6, 6);
	uint32_t tag;
	memcpy(&tag, frame + 14, 4);
	return tag;
}

static void expect_frame(struct fport *p, uint32_t tag)
{
	assert_int_equal(fport_recv(p, WAIT_MS, NULL), (long)tag);
}

static void expect_nothing(struct fport *p)
{
	assert_int_equal(fport_recv(p, QUIET_MS, NULL), -1);
}

static void wait_ports(struct sw *sw, unsigned want)
{
	struct switch_info info;
	for (int i = 0; i < WAIT_MS / 10; i++) {
		switch_get_info(sw, &info);
		if (info.ports == want)
			return;
		sleep_ms(10);
	}
	switch_get_info(sw, &info);
	assert_int_equal(info.ports, want);
}

/* Counters settle a moment after the last frame is seen. */
static void wait_info(struct sw *sw, uint64_t in, uint64_t out_plus_dropped)
{
	struct switch_info info;
	for (int i = 0; i < WAIT_MS / 10; i++) {
		switch_get_info(sw, &info);
		if (info.frames_in == in && info.frames_out + info.frames_dropped == out_plus_dropped)
			return;
		sleep_ms(10);
	}
	switch_get_info(sw, &info);
	assert_int_equal(info.frames_in, in);
	assert_int_equal(info.frames_out + info.frames_dropped, out_plus_dropped);
}

static int fixture_setup(void **state, enum switch_mode mode)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/umllab-swtest-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->ctl_path, sizeof(f->ctl_path), "%s/ctl", f->dir);
	char *cause = NULL;
	f->sw = switch_start("sw0", f->ctl_path, mode, &cause);
	if (f->sw == NULL) {
		fprintf(stderr, "switch_start: %s\n", cause);
		free(cause);
		return -1;
	}
	*state = f;
	return 0;
}

static int setup_learning(void **state)
{
	return fixture_setup(state, SWITCH_MODE_LEARNING);
}

static int setup_hub(void **state)
{
	return fixture_setup(state, SWITCH_MODE_HUB);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->sw != NULL)
		switch_stop(f->sw);
	unlink(f->ctl_path);
	char path[160];
	snprintf(path, sizeof(path), "%s/data", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_learning(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(switch_name(f->sw), "sw0");
	assert_string_equal(switch_ctl_path(f->sw), f->ctl_path);
	assert_int_equal(switch_mode(f->sw), SWITCH_MODE_LEARNING);

	struct fport a, b, c;
	fport_attach(&a, f->ctl_path, 0);
	fport_attach(&b, f->ctl_path, 1);
	fport_attach(&c, f->ctl_path, 2);
	wait_ports(f->sw, 3);
	/* Each port has a data address of its own. */
	assert_memory_not_equal(&a.sw, &b.sw, sizeof(a.sw));

	/* Broadcast from A reaches B and C, not A. */
	fport_send(&a, mac_bcast, 1);
	expect_frame(&b, 1);
	expect_frame(&c, 1);
	expect_nothing(&a);

	/* B answers A: A is known from its broadcast, so only A gets it. */
	fport_send(&b, a.mac, 2);
	expect_frame(&a, 2);
	expect_nothing(&c);

	/* Now B is known: unicast from A to B reaches B only. */
	fport_send(&a, b.mac, 3);
	expect_frame(&b, 3);
	expect_nothing(&c);
	expect_nothing(&a);

	/* Unknown unicast is flooded. */
	const uint8_t unknown[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	fport_send(&a, unknown, 4);
	expect_frame(&b, 4);
	expect_frame(&c, 4);

	/* Multicast is flooded. */
	const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	fport_send(&c, mcast, 5);
	expect_frame(&a, 5);
	expect_frame(&b, 5);
	expect_nothing(&c);

	/* A frame for a MAC that lives on the sender's own port is filtered. */
	fport_send(&a, a.mac, 6);
	expect_nothing(&a);
	expect_nothing(&b);
	expect_nothing(&c);

	struct switch_info info;
	switch_get_info(f->sw, &info);
	assert_int_equal(info.ports, 3);
	assert_int_equal(info.frames_in, 6);
	assert_int_equal(info.frames_out, 2 + 1 + 1 + 2 + 2);
	assert_int_equal(info.frames_dropped, 0);

	fport_close(&a);
	fport_close(&b);
	fport_close(&c);
	wait_ports(f->sw, 0);
}

static void test_hub(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(switch_mode(f->sw), SWITCH_MODE_HUB);
	struct fport a, b, c;
	fport_attach(&a, f->ctl_path, 0);
	fport_attach(&b, f->ctl_path, 1);
	fport_attach(&c, f->ctl_path, 2);

	fport_send(&b, a.mac, 1);
	expect_frame(&a, 1);
	expect_frame(&c, 1);
	expect_nothing(&b);
	fport_send(&a, b.mac, 2);
	expect_frame(&b, 2);
	expect_frame(&c, 2);
	expect_nothing(&a);

	fport_close(&a);
	fport_close(&b);
	fport_close(&c);
}

/* A cable pulled out: the port's frames are dropped both ways, in both
 * modes, until it is put back; the state holds for the MAC, not the socket. */
static void expect_closed(int fd);

static void cable_path(const struct fixture *f, const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", f->dir, name);
}

/* Connect to cable `name` the way UML's vector device (transport=bess) does. */
static void fport_cable(struct fport *p, const struct fixture *f, const char *name, unsigned id)
{
	memset(p, 0, sizeof(*p));
	p->ctl = -1;
	p->cable = true;
	p->mac[0] = 0x02;
	p->mac[5] = (uint8_t)(id + 1);
	char path[160];
	cable_path(f, name, path, sizeof(path));
	struct sockaddr_un sun;
	assert_int_equal(unix_addr_set(&sun, path, NULL), 0);
	p->data = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(p->data >= 0);
	assert_int_equal(connect(p->data, (struct sockaddr *)&sun, sizeof(sun)), 0);
}

static void cable_open(struct fixture *f, const char *name)
{
	char path[160];
	cable_path(f, name, path, sizeof(path));
	char *cause = NULL;
	int rc = switch_cable_open(f->sw, name, path, &cause);
	if (rc != 0)
		fprintf(stderr, "switch_cable_open: %s\n", cause);
	assert_int_equal(rc, 0);
}

static void cable_link(struct fixture *f, const char *name, bool up)
{
	assert_int_equal(switch_cable_set_link(f->sw, name, up, NULL), 0);
}

/* Cables a.eth0 and b.eth0, each with a kernel-like client connected. */
static void two_cables(struct fixture *f, struct fport *a, struct fport *b)
{
	cable_open(f, "a.eth0");
	cable_open(f, "b.eth0");
	fport_cable(a, f, "a.eth0", 0);
	fport_cable(b, f, "b.eth0", 1);
	wait_ports(f->sw, 2);
}

/* `umllab link` pulls a cable out: its frames are dropped both ways, also
 * across a reconnect (a restarted kernel), until it is put back. */
static void link_check(struct fixture *f)
{
	struct fport a, b, c;
	cable_open(f, "a.eth0");
	cable_open(f, "b.eth0");
	cable_open(f, "c.eth0");
	cable_link(f, "c.eth0", false);		/* out before anything connects */
	cable_link(f, "c.eth0", true);
	fport_cable(&a, f, "a.eth0", 0);
	fport_cable(&b, f, "b.eth0", 1);
	fport_cable(&c, f, "c.eth0", 2);
	wait_ports(f->sw, 3);
	fport_send(&b, mac_bcast, 1);	/* the switch learns B's MAC */
	expect_frame(&a, 1);
	expect_frame(&c, 1);

	cable_link(f, "b.eth0", false);
	fport_send(&b, mac_bcast, 2);	/* from B: nowhere */
	fport_send(&b, a.mac, 3);
	expect_nothing(&a);
	expect_nothing(&c);
	fport_send(&a, mac_bcast, 4);	/* to B: not B, the others still */
	expect_frame(&c, 4);
	expect_nothing(&b);
	fport_send(&a, b.mac, 5);
	expect_nothing(&b);
	if (switch_mode(f->sw) == SWITCH_MODE_HUB)
		expect_frame(&c, 5);	/* a hub sends it everywhere else */
	else
		expect_nothing(&c);

	/* B comes back with a new connection (a restarted kernel): still out,
	 * even before it sent anything. */
	fport_close(&b);
	fport_cable(&b, f, "b.eth0", 1);
	wait_ports(f->sw, 3);
	fport_send(&a, mac_bcast, 6);
	expect_frame(&c, 6);
	expect_nothing(&b);
	fport_send(&b, mac_bcast, 7);
	expect_nothing(&a);
	expect_nothing(&c);

	cable_link(f, "b.eth0", true);
	fport_send(&b, mac_bcast, 8);
	expect_frame(&a, 8);
	expect_frame(&c, 8);
	fport_send(&a, b.mac, 9);
	expect_frame(&b, 9);

	fport_close(&a);
	fport_close(&b);
	fport_close(&c);
	wait_ports(f->sw, 0);
}

/* Cables and daemon-protocol ports share one switch. */
static void test_cable_with_daemon_port(void **state)
{
	struct fixture *f = *state;
	struct fport a, d;
	cable_open(f, "a.eth0");
	fport_cable(&a, f, "a.eth0", 0);
	fport_attach(&d, f->ctl_path, 1);
	wait_ports(f->sw, 2);
	fport_send(&a, mac_bcast, 1);
	expect_frame(&d, 1);
	fport_send(&d, a.mac, 2);
	expect_frame(&a, 2);
	fport_close(&a);
	fport_close(&d);
	wait_ports(f->sw, 0);
}

/* A second connection on a cable replaces the first; closing the cable
 * unplugs its kernel and removes its socket file. */
static void test_cable_replace_close(void **state)
{
	struct fixture *f = *state;
	struct fport a, b, b2;
	two_cables(f, &a, &b);
	fport_cable(&b2, f, "b.eth0", 1);
	expect_closed(b.data);
	b.data = -1;
	wait_ports(f->sw, 2);
	fport_send(&a, mac_bcast, 1);
	expect_frame(&b2, 1);

	switch_cable_close(f->sw, "b.eth0");
	expect_closed(b2.data);
	b2.data = -1;
	wait_ports(f->sw, 1);
	char path[160];
	cable_path(f, "b.eth0", path, sizeof(path));
	struct stat st;
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(switch_cable_set_link(f->sw, "b.eth0", false, NULL), -1);
	/* The name is free again. */
	cable_open(f, "b.eth0");
	fport_cable(&b, f, "b.eth0", 1);
	wait_ports(f->sw, 2);
	fport_send(&b, mac_bcast, 2);
	expect_frame(&a, 2);
	fport_close(&a);
	fport_close(&b);
	wait_ports(f->sw, 0);
}

/* Refusals say why: a name taken, an unknown cable, a full switch. */
static void test_cable_errors(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	char path[160];
	cable_open(f, "a.eth0");
	cable_path(f, "other", path, sizeof(path));
	assert_int_equal(switch_cable_open(f->sw, "a.eth0", path, &cause), -1);
	assert_non_null(strstr(cause, "already has a cable a.eth0"));
	free(cause);
	cause = NULL;
	assert_int_equal(switch_cable_set_link(f->sw, "nope", true, &cause), -1);
	assert_non_null(strstr(cause, "no cable nope"));
	free(cause);
	cause = NULL;

	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < SWITCH_MAX_PORTS + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < SWITCH_MAX_PORTS + 64)
			skip();
	}
	/* One daemon port and cables fill the switch. */
	struct fport d;
	fport_attach(&d, f->ctl_path, 0);
	wait_ports(f->sw, 1);
	for (unsigned i = 1; i < SWITCH_MAX_PORTS - 1; i++) {
		char name[32];
		snprintf(name, sizeof(name), "c%u", i);
		cable_open(f, name);
	}
	cable_path(f, "last", path, sizeof(path));
	assert_int_equal(switch_cable_open(f->sw, "last", path, &cause), -1);
	assert_non_null(strstr(cause, "switch sw0 is full: it has 256 ports"));
	free(cause);
	cause = NULL;
	/* Nor can a daemon-protocol client take a cable's place. */
	struct fport extra;
	fport_bind(&extra, 1, NULL);
	extra.ctl = fport_connect(f->ctl_path);
	struct daemon_request req;
	daemon_request_build(&req, &extra.local);
	(void)write_all(extra.ctl, &req, sizeof(req));
	expect_closed(extra.ctl);
	extra.ctl = -1;
	fport_close(&extra);
	fport_close(&d);
	wait_ports(f->sw, 0);
	assert_int_equal(switch_cable_open(f->sw, "last", path, &cause), 0);
}

/* A tcpdump expression compiled for Ethernet; an empty program for NULL. */
static struct bpf_program filter_compile(const char *expr)
{
	struct bpf_program prog = { 0 };
	if (expr != NULL) {
		pcap_t *p = pcap_open_dead(DLT_EN10MB, SWITCH_TAP_SNAPLEN);
		assert_non_null(p);
		assert_int_equal(pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN), 0);
		pcap_close(p);
	}
	return prog;
}

/* ---- link conditions ---- */

static void cable_conditions(struct fixture *f, const char *name, const char *words,
    const char *match)
{
	struct linkcond_pair p = { 0 };
	char buf[256], *argv[16];
	int argc = 0;
	snprintf(buf, sizeof(buf), "%s", words);
	for (char *w = strtok(buf, " "); w != NULL; w = strtok(NULL, " "))
		argv[argc++] = w;
	char *cause = NULL;
	if (argc > 0 && linkcond_parse_words(&p, argc, argv, &cause) != 0)
		fail_msg("%s: %s", words, cause);
	struct bpf_program prog = filter_compile(match);
	assert_int_equal(switch_cable_set_conditions(f->sw, name, &p, match ? &prog : NULL,
	    match ? &prog : NULL, &cause), 0);
	pcap_freecode(&prog);
}

/* Milliseconds until the frame with tag arrives (-1: not within WAIT_MS). */
static long ms_until(struct fport *p, uint32_t tag)
{
	uint64_t t0 = clock_ms();
	long got = fport_recv(p, WAIT_MS, NULL);
	assert_int_equal(got, (long)tag);
	return (long)(clock_ms() - t0);
}

/* A delay on one cable holds that cable's frames both ways, never another
 * cable's; it survives a reconnect, and clearing it ends it. */
static void test_cond_delay(void **state)
{
	struct fixture *f = *state;
	struct fport a, b, c;
	cable_open(f, "a.eth0");
	cable_open(f, "b.eth0");
	cable_open(f, "c.eth0");
	cable_conditions(f, "a.eth0", "delay 60ms", NULL);
	fport_cable(&a, f, "a.eth0", 0);
	fport_cable(&b, f, "b.eth0", 1);
	fport_cable(&c, f, "c.eth0", 2);
	wait_ports(f->sw, 3);

	fport_send(&b, mac_bcast, 1);
	assert_true(ms_until(&c, 1) < 40);	/* c's cable has no delay */
	long ms = ms_until(&a, 1);
	assert_true(ms >= 40 && ms < 200);	/* 60 ms, less what c's wait took */
	fport_send(&a, mac_bcast, 2);
	ms = ms_until(&b, 2);
	assert_true(ms >= 58 && ms < 200);
	expect_frame(&c, 2);

	/* A restarted kernel: the cable keeps its conditions. */
	fport_close(&a);
	fport_cable(&a, f, "a.eth0", 0);
	wait_ports(f->sw, 3);
	fport_send(&a, mac_bcast, 3);
	ms = ms_until(&b, 3);
	assert_true(ms >= 58);
	expect_frame(&c, 3);

	struct linkcond_pair now;
	struct linkcond_stats st[2];
	assert_int_equal(switch_cable_get_conditions(f->sw, "a.eth0", &now, st, NULL), 0);
	assert_int_equal(now.in.delay_ns, 60000000);
	assert_int_equal(st[0].delayed, 1);	/* in: frame 1 */
	assert_int_equal(st[1].delayed, 2);	/* out: frames 2 and 3 */

	cable_conditions(f, "a.eth0", "", NULL);
	fport_send(&a, mac_bcast, 4);
	assert_true(ms_until(&b, 4) < 40);
	expect_frame(&c, 4);
	fport_close(&a);
	fport_close(&b);
	fport_close(&c);
	wait_ports(f->sw, 0);
}

/* A planted fault: only the frames the expression matches are dropped. */
static void test_cond_drop_match(void **state)
{
	struct fixture *f = *state;
	struct fport a, b;
	two_cables(f, &a, &b);
	cable_conditions(f, "a.eth0", "out drop x", "ether broadcast");
	fport_send(&a, mac_bcast, 1);	/* matches: dropped */
	fport_send(&a, b.mac, 2);	/* does not (flooded: b is not learned yet) */
	expect_frame(&b, 2);
	expect_nothing(&b);
	fport_send(&b, mac_bcast, 3);	/* `in` has no condition */
	expect_frame(&a, 3);
	struct linkcond_pair now;
	struct linkcond_stats st[2];
	assert_int_equal(switch_cable_get_conditions(f->sw, "a.eth0", &now, st, NULL), 0);
	assert_int_equal(st[1].lost, 1);
	assert_int_equal(st[1].passed, 1);
	char *cause = NULL;
	assert_int_equal(switch_cable_set_conditions(f->sw, "nope", &now, NULL, NULL, &cause), -1);
	assert_non_null(strstr(cause, "no cable nope"));
	free(cause);
	fport_close(&a);
	fport_close(&b);
	wait_ports(f->sw, 0);
}

static struct switch_port_info port_info(struct fixture *f, const char *name);

/* A cable counts its frames with conditions or without: frames that
 * crossed with none set count as passed. The counts outlive a queue that
 * `clear` freed and a kernel that reconnected; reset sets them to 0. */
static void test_cond_counts(void **state)
{
	struct fixture *f = *state;
	struct fport a, b;
	struct linkcond_pair now;
	struct linkcond_stats st[2];
	two_cables(f, &a, &b);
	fport_send(&a, mac_bcast, 1);
	expect_frame(&b, 1);
	fport_send(&b, a.mac, 2);
	expect_frame(&a, 2);
	assert_int_equal(switch_cable_get_conditions(f->sw, "a.eth0", &now, st, NULL), 0);
	assert_int_equal(st[1].passed, 1);	/* out: frame 1 */
	assert_int_equal(st[0].passed, 1);	/* in: frame 2 */

	cable_conditions(f, "a.eth0", "out drop x", "ether broadcast");
	fport_send(&a, mac_bcast, 3);		/* dropped */
	fport_send(&a, b.mac, 4);
	expect_frame(&b, 4);
	cable_conditions(f, "a.eth0", "", NULL);	/* clear: the queue goes, its counts stay */
	fport_send(&a, b.mac, 5);
	expect_frame(&b, 5);
	assert_int_equal(switch_cable_get_conditions(f->sw, "a.eth0", &now, st, NULL), 0);
	assert_int_equal(st[1].passed, 3);	/* 1, 4, 5 */
	assert_int_equal(st[1].lost, 1);	/* 3 */

	fport_close(&a);			/* a restarted kernel: the cable keeps counting */
	wait_ports(f->sw, 1);
	fport_cable(&a, f, "a.eth0", 0);
	wait_ports(f->sw, 2);
	fport_send(&b, a.mac, 6);
	expect_frame(&a, 6);
	assert_int_equal(switch_cable_get_conditions(f->sw, "a.eth0", &now, st, NULL), 0);
	assert_int_equal(st[0].passed, 2);
	assert_int_equal(st[1].passed, 3);
	/* The same counts with every port (status --json, the web page). */
	struct switch_port_info pi = port_info(f, "a.eth0");
	assert_int_equal(pi.frames_to, 2);
	assert_int_equal(pi.frames_from, 3);
	assert_int_equal(pi.frames_dropped, 1);

	char *cause = NULL;
	assert_int_equal(switch_cable_reset_counters(f->sw, "a.eth0", &cause), 0);
	assert_int_equal(switch_cable_get_conditions(f->sw, "a.eth0", &now, st, NULL), 0);
	assert_int_equal(st[0].passed + st[1].passed + st[1].lost, 0);
	fport_send(&a, b.mac, 7);
	expect_frame(&b, 7);
	assert_int_equal(switch_cable_get_conditions(f->sw, "a.eth0", &now, st, NULL), 0);
	assert_int_equal(st[1].passed, 1);
	assert_int_equal(switch_cable_reset_counters(f->sw, "nope", &cause), -1);
	assert_non_null(strstr(cause, "no cable nope"));
	free(cause);
	fport_close(&a);
	fport_close(&b);
	wait_ports(f->sw, 0);
}

/* What a cable's queues did so far: st[0] in, st[1] out. */
static void cond_stats(struct fixture *f, const char *name, struct linkcond_stats st[2])
{
	struct linkcond_pair now;
	assert_int_equal(switch_cable_get_conditions(f->sw, name, &now, st, NULL), 0);
}

/* Wait until a cable's queue (0 in, 1 out) has seen `seen` frames
 * (held now, or dropped over the memory cap). */
static void wait_queue(struct fixture *f, const char *name, int dir, uint64_t seen,
    struct linkcond_stats st[2])
{
	for (int i = 0; i < WAIT_MS / 5; i++) {
		cond_stats(f, name, st);
		if (st[dir].held + st[dir].overmemory >= seen)
			return;
		sleep_ms(5);
	}
	fail_msg("%s %s: %u held, %llu over the memory cap, expected %llu", name,
	    dir ? "out" : "in", st[dir].held, (unsigned long long)st[dir].overmemory,
	    (unsigned long long)seen);
}

/* The supervisor's resident memory (KB), as the e2e tests read it. */
static long rss_kb(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (fp != NULL)
		fclose(fp);
	return kb;
}

/* Clearing a cable's conditions sends what it held at once, both ways and
 * in order: nothing waits out a minute of delay or a slow rate. */
static void test_cond_clear_releases(void **state)
{
	struct fixture *f = *state;
	struct fport a, b;
	two_cables(f, &a, &b);
	fport_send(&b, mac_bcast, 1000);	/* the switch learns both MACs */
	expect_frame(&a, 1000);
	fport_send(&a, b.mac, 1001);
	expect_frame(&b, 1001);
	cable_conditions(f, "a.eth0", "delay 60s rate 1kbit limit 5000", NULL);
	for (uint32_t i = 0; i < 50; i++) {
		fport_send(&a, b.mac, i);	/* out of a */
		fport_send(&b, a.mac, 100 + i);	/* into a */
	}
	struct linkcond_stats st[2];
	wait_queue(f, "a.eth0", 0, 50, st);
	wait_queue(f, "a.eth0", 1, 50, st);
	expect_nothing(&a);
	expect_nothing(&b);

	cable_conditions(f, "a.eth0", "", NULL);
	cond_stats(f, "a.eth0", st);	/* at once: no timer to wait for */
	assert_int_equal(st[0].held, 0);
	assert_int_equal(st[1].held, 0);
	assert_int_equal(st[0].held_bytes + st[1].held_bytes, 0);
	for (uint32_t i = 0; i < 50; i++) {
		assert_int_equal(fport_recv(&b, 200, NULL), (long)i);
		assert_int_equal(fport_recv(&a, 200, NULL), (long)(100 + i));
	}
	expect_nothing(&a);
	expect_nothing(&b);

	/* A set that keeps the delay keeps them; one that takes the delay away
	 * but keeps a fast rate sends them at its pace. */
	cable_conditions(f, "a.eth0", "out delay 60s", NULL);
	for (uint32_t i = 0; i < 5; i++)
		fport_send(&a, b.mac, 200 + i);
	wait_queue(f, "a.eth0", 1, 5, st);
	cable_conditions(f, "a.eth0", "out delay 60s loss 1%", NULL);
	cond_stats(f, "a.eth0", st);
	assert_int_equal(st[1].held, 5);
	cable_conditions(f, "a.eth0", "out rate 100mbit", NULL);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(fport_recv(&b, 200, NULL), (long)(200 + i));
	cond_stats(f, "a.eth0", st);
	assert_int_equal(st[1].held, 0);
	fport_close(&a);
	fport_close(&b);
	wait_ports(f->sw, 0);
}

/* A link going down, or its kernel leaving (a restart), drops what the
 * cable held at once; the memory goes back to the system. */
static void test_cond_down_flushes(void **state)
{
	struct fixture *f = *state;
	struct fport a, b;
	two_cables(f, &a, &b);
	fport_send(&b, mac_bcast, 1000);
	expect_frame(&a, 1000);
	fport_send(&a, b.mac, 1001);
	expect_frame(&b, 1001);
	cable_conditions(f, "a.eth0", "delay 60s limit 5000", NULL);
	long before = rss_kb();
	/* 4000 full-size frames out of a: about 6 MB held. */
	for (uint32_t i = 0; i < 4000; i++)
		fport_send_len(&a, b.mac, i, 1514);
	for (uint32_t i = 0; i < 10; i++)
		fport_send(&b, a.mac, i);
	struct linkcond_stats st[2];
	wait_queue(f, "a.eth0", 1, 4000, st);
	wait_queue(f, "a.eth0", 0, 10, st);
	assert_int_equal(st[1].held, 4000);
	assert_int_equal(st[1].held_bytes, 4000 * (1514 + LINKCOND_FRAME_OVERHEAD));
	long full = rss_kb();
	assert_true(full - before > 3000);	/* some of it was resident already */

	cable_link(f, "a.eth0", false);
	cond_stats(f, "a.eth0", st);
	assert_int_equal(st[0].held + st[1].held, 0);
	assert_int_equal(st[0].flushed, 10);
	assert_int_equal(st[1].flushed, 4000);
	cable_link(f, "a.eth0", true);
	expect_nothing(&a);
	expect_nothing(&b);
	/* The memory is given back (malloc_trim after the switch's loop turn). */
	long after = full;
	for (int i = 0; i < 100 && !UNDER_ASAN && after - before > 1000; i++) {
		sleep_ms(10);
		after = rss_kb();
	}
	if (!UNDER_ASAN && after - before > 1000)
		fail_msg("resident memory %ld KB before, %ld KB holding, %ld KB after", before, full,
		    after);

	/* A restarted kernel: what was held for the old one, and from it, goes. */
	for (uint32_t i = 0; i < 5; i++) {
		fport_send(&a, b.mac, 10 + i);
		fport_send(&b, a.mac, 20 + i);
	}
	wait_queue(f, "a.eth0", 1, 5, st);
	wait_queue(f, "a.eth0", 0, 5, st);
	fport_close(&a);
	for (int i = 0; i < WAIT_MS / 5; i++) {
		cond_stats(f, "a.eth0", st);
		if (st[0].held + st[1].held == 0)
			break;
		sleep_ms(5);
	}
	assert_int_equal(st[0].held + st[1].held, 0);
	assert_int_equal(st[0].flushed, 15);
	assert_int_equal(st[1].flushed, 4005);
	fport_cable(&a, f, "a.eth0", 0);
	wait_ports(f->sw, 2);
	cable_conditions(f, "a.eth0", "", NULL);
	expect_nothing(&a);
	expect_nothing(&b);
	fport_close(&a);
	fport_close(&b);
	wait_ports(f->sw, 0);
}

/* The lab's cables together hold at most the lab's cap: past it, frames
 * are dropped and counted, whatever each cable's limit says. */
static void test_cond_lab_cap(void **state)
{
	struct fixture *f = *state;
	struct fport a, b;
	two_cables(f, &a, &b);
	uint64_t cost = 1514 + LINKCOND_FRAME_OVERHEAD;
	switch_conditions_cap(30 * cost);
	cable_conditions(f, "a.eth0", "out delay 60s", NULL);
	cable_conditions(f, "b.eth0", "out delay 60s", NULL);
	for (uint32_t i = 0; i < 20; i++)
		fport_send_len(&a, mac_bcast, i, 1514);
	struct linkcond_stats st[2];
	wait_queue(f, "a.eth0", 1, 20, st);
	for (uint32_t i = 0; i < 20; i++)
		fport_send_len(&b, mac_bcast, i, 1514);
	wait_queue(f, "b.eth0", 1, 20, st);
	assert_int_equal(st[1].held, 10);
	assert_int_equal(st[1].overmemory, 10);
	assert_int_equal(st[1].overlimit, 0);
	cond_stats(f, "a.eth0", st);
	assert_int_equal(st[1].held, 20);
	assert_int_equal(st[1].overmemory, 0);
	/* a's frames go: b has room again. */
	cable_link(f, "a.eth0", false);
	fport_send_len(&b, mac_bcast, 99, 1514);
	wait_queue(f, "b.eth0", 1, 21, st);
	assert_int_equal(st[1].held, 11);
	switch_conditions_cap(0);
	cable_link(f, "b.eth0", false);
	fport_close(&a);
	fport_close(&b);
	wait_ports(f->sw, 0);
}

/* ---- taps ---- */

static struct switch_tap *tap_open(struct fixture *f, const char *cable, const char *filter,
    unsigned ring)
{
	struct bpf_program prog = filter_compile(filter);
	struct switch_tap_opts o = { .cable = cable, .filter = prog.bf_insns, .filter_len = prog.bf_len,
	    .ring_frames = ring };
	char *cause = NULL;
	struct switch_tap *t = switch_tap_open(f->sw, &o, &cause);
	if (t == NULL)
		fprintf(stderr, "switch_tap_open: %s\n", cause);
	assert_non_null(t);
	pcap_freecode(&prog);
	return t;
}

/* The next frame of the tap within WAIT_MS (waiting on its fd as a reader does). */
static bool tap_wait(struct switch_tap *t, struct switch_tap_frame *fr)
{
	for (int i = 0; i < 2; i++) {
		if (switch_tap_next(t, fr))
			return true;
		struct pollfd pfd = { .fd = switch_tap_fd(t), .events = POLLIN };
		if (poll(&pfd, 1, WAIT_MS) != 1)
			return false;
		uint64_t v;
		assert_int_equal(read(pfd.fd, &v, sizeof(v)), 8);
	}
	return switch_tap_next(t, fr);
}

static void expect_tapped(struct switch_tap *t, const char *port, enum switch_tap_dir dir,
    uint32_t tag)
{
	struct switch_tap_frame fr;
	assert_true(tap_wait(t, &fr));
	assert_string_equal(fr.port, port);
	assert_int_equal(fr.dir, dir);
	assert_int_equal(fr.len, 60);
	uint32_t got;
	memcpy(&got, fr.data + 14, 4);
	assert_int_equal(got, tag);
	assert_true(fr.ts_ns > 1700000000ull * 1000000000ull);
}

static void expect_untapped(struct switch_tap *t)
{
	struct switch_tap_frame fr;
	sleep_ms(QUIET_MS);
	assert_false(switch_tap_next(t, &fr));
}

/* A switch's tap sees every frame it receives, once, named by its port; a
 * filter keeps what it accepts. */
static void test_tap_switch(void **state)
{
	struct fixture *f = *state;
	struct fport a, d;
	cable_open(f, "a.eth0");
	fport_cable(&a, f, "a.eth0", 0);
	fport_attach(&d, f->ctl_path, 1);
	wait_ports(f->sw, 2);
	struct switch_tap *all = tap_open(f, NULL, NULL, 64);
	struct switch_tap *bcast = tap_open(f, NULL, "ether broadcast", 64);
	fport_send(&a, mac_bcast, 1);
	expect_frame(&d, 1);
	fport_send(&d, a.mac, 2);
	expect_frame(&a, 2);
	expect_tapped(all, "a.eth0", SWITCH_TAP_IN, 1);
	expect_tapped(all, "sw0.port1", SWITCH_TAP_IN, 2);
	expect_untapped(all);
	expect_tapped(bcast, "a.eth0", SWITCH_TAP_IN, 1);
	expect_untapped(bcast);
	uint64_t captured, dropped;
	switch_tap_counts(all, &captured, &dropped);
	assert_int_equal(captured, 2);
	assert_int_equal(dropped, 0);
	switch_tap_close(f->sw, all);
	switch_tap_close(f->sw, bcast);
	fport_send(&a, mac_bcast, 3);	/* no tap: forwarding goes on */
	expect_frame(&d, 3);
	fport_close(&a);
	fport_close(&d);
	wait_ports(f->sw, 0);
}

/* A cable's tap sees its frames both ways, across a reconnect and across the
 * cable being closed and opened again; a tap opened before its cable waits. */
static void test_tap_cable(void **state)
{
	struct fixture *f = *state;
	struct fport a, b;
	struct switch_tap *t = tap_open(f, "b.eth0", NULL, 64);
	two_cables(f, &a, &b);
	fport_send(&a, mac_bcast, 1);
	expect_frame(&b, 1);
	fport_send(&b, a.mac, 2);
	expect_frame(&a, 2);
	expect_tapped(t, "b.eth0", SWITCH_TAP_OUT, 1);
	expect_tapped(t, "b.eth0", SWITCH_TAP_IN, 2);

	fport_close(&b);
	fport_cable(&b, f, "b.eth0", 1);	/* a restarted kernel */
	wait_ports(f->sw, 2);
	fport_send(&b, mac_bcast, 3);
	expect_frame(&a, 3);
	expect_tapped(t, "b.eth0", SWITCH_TAP_IN, 3);

	fport_close(&b);
	switch_cable_close(f->sw, "b.eth0");	/* unplug, then plug again */
	cable_open(f, "b.eth0");
	fport_cable(&b, f, "b.eth0", 1);
	wait_ports(f->sw, 2);
	fport_send(&b, mac_bcast, 4);
	expect_frame(&a, 4);
	expect_tapped(t, "b.eth0", SWITCH_TAP_IN, 4);
	fport_send(&a, a.mac, 5);	/* to itself: filtered, b never sees it */
	expect_untapped(t);
	switch_tap_close(f->sw, t);
	fport_close(&a);
	fport_close(&b);
	wait_ports(f->sw, 0);
}

/* A reader that takes nothing: its ring fills, the rest is counted as
 * dropped, and forwarding loses nothing. */
static void test_tap_slow_reader(void **state)
{
	struct fixture *f = *state;
	struct fport a, b;
	two_cables(f, &a, &b);
	struct switch_tap *t = tap_open(f, NULL, NULL, 8);
	fport_send(&b, mac_bcast, 0);	/* the switch learns b */
	expect_frame(&a, 0);
	for (uint32_t i = 1; i <= 100; i++) {
		fport_send(&a, b.mac, i);
		expect_frame(&b, i);
	}
	uint64_t captured, dropped;
	switch_tap_counts(t, &captured, &dropped);
	assert_int_equal(captured, 8);
	assert_int_equal(dropped, 101 - 8);
	expect_tapped(t, "b.eth0", SWITCH_TAP_IN, 0);
	for (uint32_t i = 1; i < 8; i++)
		expect_tapped(t, "a.eth0", SWITCH_TAP_IN, i);
	expect_untapped(t);
	switch_tap_close(f->sw, t);
	fport_close(&a);
	fport_close(&b);
	wait_ports(f->sw, 0);
}

static void test_tap_errors(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	struct switch_tap_opts o = { .ring_frames = 100 };
	assert_null(switch_tap_open(f->sw, &o, &cause));
	assert_non_null(strstr(cause, "a power of two"));
	free(cause);
	cause = NULL;
	struct bpf_insn bad[1] = { { 0x05, 0, 0, 5 } };	/* a jump past the end */
	o = (struct switch_tap_opts){ .filter = bad, .filter_len = 1, .ring_frames = 4 };
	assert_null(switch_tap_open(f->sw, &o, &cause));
	assert_non_null(strstr(cause, "not a valid BPF program"));
	free(cause);
	cause = NULL;
	struct switch_tap *taps[33];
	o = (struct switch_tap_opts){ .ring_frames = 2 };
	for (int i = 0; i < 32; i++)
		assert_non_null(taps[i] = switch_tap_open(f->sw, &o, NULL));
	assert_null(switch_tap_open(f->sw, &o, &cause));
	assert_non_null(strstr(cause, "captures open"));
	free(cause);
	for (int i = 0; i < 32; i++)
		switch_tap_close(f->sw, taps[i]);
}

/* ---- taps of deliveries: what the switch handed to each port ---- */

static void cable_open_owned(struct fixture *f, const char *name, uint32_t owner)
{
	char path[160];
	cable_path(f, name, path, sizeof(path));
	char *cause = NULL;
	int rc = switch_cable_open_owned(f->sw, name, owner, path, &cause);
	if (rc != 0)
		fprintf(stderr, "switch_cable_open_owned: %s\n", cause);
	assert_int_equal(rc, 0);
}

static struct switch_tap *tap_deliveries(struct fixture *f, unsigned ring)
{
	struct switch_tap_opts o = { .deliveries = true, .ring_frames = ring };
	struct switch_tap *t = switch_tap_open(f->sw, &o, NULL);
	assert_non_null(t);
	return t;
}

/* The next delivery: to port (owner), from from (NULL: not known), of tag. */
static void expect_delivered(struct switch_tap *t, const char *port, uint32_t owner,
    const char *from, uint32_t from_owner, uint32_t tag)
{
	struct switch_tap_frame fr;
	assert_true(tap_wait(t, &fr));
	assert_string_equal(fr.port, port);
	assert_int_equal(fr.owner, owner);
	assert_int_equal(fr.dir, SWITCH_TAP_OUT);
	if (from == NULL) {
		assert_null(fr.from);
	} else {
		assert_non_null(fr.from);
		assert_string_equal(fr.from, from);
	}
	assert_int_equal(fr.from_owner, from_owner);
	uint32_t got;
	memcpy(&got, fr.data + 14, 4);
	assert_int_equal(got, tag);
}

/* A tap of deliveries sees each frame once per port it was handed to, with
 * the cables' owners, after the receiver's `in` conditions: a frame they
 * drop, or one for a cable that is out, was not delivered. A frame they
 * held comes when it is sent, its origin not known. Whole-switch taps
 * still see every frame the switch took in. */
static void test_tap_deliveries(void **state)
{
	struct fixture *f = *state;
	struct fport a, b, d;
	cable_open_owned(f, "a.eth0", 7);
	cable_open_owned(f, "b.eth0", 9);
	fport_cable(&a, f, "a.eth0", 0);
	fport_cable(&b, f, "b.eth0", 1);
	fport_attach(&d, f->ctl_path, 2);
	wait_ports(f->sw, 3);
	struct switch_tap *del = tap_deliveries(f, 64);
	struct switch_tap *in = tap_open(f, NULL, NULL, 64);
	struct switch_tap_frame fr;

	fport_send(&a, mac_bcast, 1);
	expect_frame(&b, 1);
	expect_frame(&d, 1);
	for (int i = 0; i < 2; i++) {	/* flooded: in the order of the ports */
		assert_true(tap_wait(del, &fr));
		assert_string_equal(fr.from, "a.eth0");
		assert_int_equal(fr.from_owner, 7);
		assert_true(strcmp(fr.port, "b.eth0") == 0 ? fr.owner == 9 :
		    strcmp(fr.port, "sw0.port2") == 0 && fr.owner == 0);
	}
	assert_true(tap_wait(in, &fr));
	assert_string_equal(fr.port, "a.eth0");
	assert_int_equal(fr.owner, 7);
	assert_null(fr.from);
	fport_send(&d, a.mac, 2);
	expect_frame(&a, 2);
	expect_delivered(del, "a.eth0", 7, "sw0.port2", 0, 2);

	/* b's cable drops what comes to it: the switch took the frame in, and
	 * delivered it to d only. */
	cable_conditions(f, "b.eth0", "in drop x", "ether broadcast");
	fport_send(&a, mac_bcast, 3);
	expect_frame(&d, 3);
	expect_nothing(&b);
	expect_delivered(del, "sw0.port2", 0, "a.eth0", 7, 3);
	expect_untapped(del);
	cable_conditions(f, "b.eth0", "", NULL);

	/* b's cable out: nothing is delivered to it. */
	fport_send(&b, mac_bcast, 4);	/* the switch learns b's MAC */
	expect_frame(&a, 4);
	expect_frame(&d, 4);
	expect_delivered(del, "a.eth0", 7, "b.eth0", 9, 4);
	expect_delivered(del, "sw0.port2", 0, "b.eth0", 9, 4);
	cable_link(f, "b.eth0", false);
	fport_send(&a, b.mac, 5);
	expect_nothing(&b);
	expect_untapped(del);
	cable_link(f, "b.eth0", true);

	/* Held by b's `in` delay: delivered later, from a port not known. */
	cable_conditions(f, "b.eth0", "in delay 20ms", NULL);
	fport_send(&a, b.mac, 6);
	expect_frame(&b, 6);
	expect_delivered(del, "b.eth0", 9, NULL, 0, 6);
	cable_conditions(f, "b.eth0", "", NULL);

	/* Through a backlog (d, a datagram socket of 10, reads late): every
	 * frame, and where it came in. */
	for (uint32_t i = 0; i < 40; i++)
		fport_send(&a, d.mac, 100 + i);
	for (uint32_t i = 0; i < 40; i++)
		expect_frame(&d, 100 + i);
	for (uint32_t i = 0; i < 40; i++)
		expect_delivered(del, "sw0.port2", 0, "a.eth0", 7, 100 + i);
	uint64_t captured, dropped;
	switch_tap_counts(del, &captured, &dropped);
	assert_int_equal(dropped, 0);

	/* Only on a whole switch. */
	char *cause = NULL;
	struct switch_tap_opts o = { .cable = "a.eth0", .deliveries = true, .ring_frames = 4 };
	assert_null(switch_tap_open(f->sw, &o, &cause));
	assert_non_null(strstr(cause, "whole switch"));
	free(cause);
	switch_tap_close(f->sw, del);
	switch_tap_close(f->sw, in);
	fport_send(&a, mac_bcast, 7);	/* no tap: forwarding goes on */
	expect_frame(&b, 7);
	fport_close(&a);
	fport_close(&b);
	fport_close(&d);
	wait_ports(f->sw, 0);
}

static void test_link_learning(void **state)
{
	link_check(*state);
}

static void test_link_hub(void **state)
{
	link_check(*state);
}

static void test_unplug(void **state)
{
	struct fixture *f = *state;
	struct fport a, b, c;
	fport_attach(&a, f->ctl_path, 0);
	fport_attach(&b, f->ctl_path, 1);
	fport_attach(&c, f->ctl_path, 2);
	wait_ports(f->sw, 3);
	fport_send(&b, mac_bcast, 1);	/* B is learned */
	expect_frame(&a, 1);
	expect_frame(&c, 1);

	/* C unplugs (its data socket stays open): it gets nothing more. */
	close(c.ctl);
	c.ctl = -1;
	wait_ports(f->sw, 2);
	fport_send(&a, mac_bcast, 2);
	expect_frame(&b, 2);
	expect_nothing(&c);

	/* B unplugs: its MAC is forgotten, so a frame to it floods to the rest. */
	fport_close(&b);
	wait_ports(f->sw, 1);
	/* D and E take the freed slots (D B's): neither inherits B's MAC. */
	struct fport d, e;
	fport_attach(&d, f->ctl_path, 3);
	fport_attach(&e, f->ctl_path, 4);
	wait_ports(f->sw, 3);
	fport_send(&a, b.mac, 3);
	expect_frame(&d, 3);
	expect_frame(&e, 3);

	fport_close(&a);
	fport_close(&c);
	fport_close(&d);
	fport_close(&e);
	wait_ports(f->sw, 0);
}

static void test_long_path(void **state)
{
	(void)state;
	char path[300];
	memset(path, 0, sizeof(path));
	strcpy(path, "/tmp/");
	memset(path + 5, 'x', 200);
	char *cause = NULL;
	struct sw *sw = switch_start("long", path, SWITCH_MODE_LEARNING, &cause);
	assert_null(sw);
	assert_non_null(cause);
	assert_non_null(strstr(cause, path));
	assert_non_null(strstr(cause, "long"));
	free(cause);
}

/* The switch closes a bad control connection within a short time. */
static void expect_closed(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	char buf[200];
	ssize_t n = read(fd, buf, sizeof(buf));
	assert_true(n == 0 || (n < 0 && errno == ECONNRESET));
	close(fd);
}

static void test_garbage(void **state)
{
	struct fixture *f = *state;
	struct fport a, b;
	fport_attach(&a, f->ctl_path, 0);
	fport_attach(&b, f->ctl_path, 1);

	/* Garbage, wrong version, wrong type, and a peer gone mid-request. */
	unsigned char junk[124];
	memset(junk, 'A', sizeof(junk));
	int g = fport_connect(f->ctl_path);
	assert_int_equal(write_all(g, junk, sizeof(junk)), 0);
	expect_closed(g);

	struct daemon_request req;
	daemon_request_build(&req, &a.local);
	req.version = 2;
	g = fport_connect(f->ctl_path);
	assert_int_equal(write_all(g, &req, 8), 0);	/* refused before the rest */
	expect_closed(g);

	daemon_request_build(&req, &a.local);
	req.type = 7;
	g = fport_connect(f->ctl_path);
	assert_int_equal(write_all(g, &req, sizeof(req)), 0);
	expect_closed(g);

	g = fport_connect(f->ctl_path);
	assert_int_equal(write_all(g, &req, 50), 0);
	close(g);

	/* A client whose data address nobody bound: connect() fails. */
	struct sockaddr_un nobody;
	memset(&nobody, 0, sizeof(nobody));
	nobody.sun_family = AF_UNIX;
	strcpy(nobody.sun_path + 1, "umllab-test-nobody-bound-this");
	daemon_request_build(&req, &nobody);
	g = fport_connect(f->ctl_path);
	assert_int_equal(write_all(g, &req, sizeof(req)), 0);
	expect_closed(g);

	/* The switch still works for the others, and new ports attach. */
	fport_send(&a, mac_bcast, 1);
	expect_frame(&b, 1);
	struct fport c;
	fport_attach(&c, f->ctl_path, 2);
	wait_ports(f->sw, 3);
	fport_send(&c, mac_bcast, 2);
	expect_frame(&a, 2);
	expect_frame(&b, 2);

	fport_close(&a);
	fport_close(&b);
	fport_close(&c);
}

/* A request in pieces, a 122-byte request, and a silent client that must
 * not hold up anyone else. */
static void test_handshake_variants(void **state)
{
	struct fixture *f = *state;
	int silent = fport_connect(f->ctl_path);

	struct fport a, b;
	fport_bind(&a, 0, NULL);
	fport_handshake(&a, f->ctl_path, DAEMON_REQ_SIZE, 5);
	fport_bind(&b, 1, NULL);
	fport_handshake(&b, f->ctl_path, DAEMON_REQ_MIN, 0);
	wait_ports(f->sw, 2);
	fport_send(&a, mac_bcast, 1);
	expect_frame(&b, 1);
	fport_send(&b, a.mac, 2);
	expect_frame(&a, 2);

	close(silent);
	fport_close(&a);
	fport_close(&b);
}

/* A client whose data socket has a filesystem name is a port like any other. */
static void test_fs_client(void **state)
{
	struct fixture *f = *state;
	char path[160];
	snprintf(path, sizeof(path), "%s/data", f->dir);
	struct fport a, b, c;
	fport_attach(&a, f->ctl_path, 0);
	fport_bind(&b, 1, path);
	fport_handshake(&b, f->ctl_path, DAEMON_REQ_SIZE, 0);
	fport_attach(&c, f->ctl_path, 2);
	wait_ports(f->sw, 3);

	fport_send(&b, mac_bcast, 1);
	expect_frame(&a, 1);
	expect_frame(&c, 1);
	expect_nothing(&b);	/* never flooded back to the sender */

	fport_send(&a, b.mac, 2);
	expect_frame(&b, 2);
	expect_nothing(&c);
	fport_send(&b, a.mac, 3);
	expect_frame(&a, 3);
	expect_nothing(&c);

	fport_close(&a);
	fport_close(&b);
	fport_close(&c);
}

static void test_bad_frames(void **state)
{
	struct fixture *f = *state;
	struct fport a, b;
	fport_attach(&a, f->ctl_path, 0);
	fport_attach(&b, f->ctl_path, 1);

	fport_send_len(&a, mac_bcast, 1, 10);	/* runt */
	fport_send_len(&a, mac_bcast, 2, 1600);	/* too long */
	fport_send_len(&a, mac_bcast, 3, 2047);	/* bigger than a buffer, truncated */
	fport_send(&a, mac_bcast, 4);
	expect_frame(&b, 4);
	expect_nothing(&b);

	struct switch_info info;
	switch_get_info(f->sw, &info);
	assert_int_equal(info.frames_in, 4);
	assert_int_equal(info.frames_out, 1);
	assert_int_equal(info.frames_dropped, 3);

	/* Maximal frames pass. */
	unsigned char frame[1536];
	memset(frame, 0xab, sizeof(frame));
	memcpy(frame, mac_bcast, 6);
	memcpy(frame + 6, a.mac, 6);
	assert_int_equal(sendto(a.data, frame, sizeof(frame), 0, (struct sockaddr *)&a.sw,
	    sizeof(a.sw)), (ssize_t)sizeof(frame));
	struct pollfd pfd = { .fd = b.data, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	unsigned char got[2048];
	assert_int_equal(recv(b.data, got, sizeof(got), 0), (ssize_t)sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));

	fport_close(&a);
	fport_close(&b);
}

/* A receiver that does not read costs drops, never a stalled switch. */
static void test_full_receiver(void **state)
{
	struct fixture *f = *state;
	struct fport a, b, c;
	fport_attach(&a, f->ctl_path, 0);
	fport_attach(&b, f->ctl_path, 1);
	fport_attach(&c, f->ctl_path, 2);

	/* More than B's socket queue and backlog hold (10 + SWITCH_BACKLOG). */
	for (uint32_t i = 0; i < 200; i++) {
		fport_send(&a, b.mac, i);	/* unknown: flooded to B and C */
		if (i % 8 == 7)
			sleep_ms(1);
	}
	/* C keeps receiving everything sent now, B's queue is long full. */
	for (int i = 0; i < 50 && fport_recv(&c, QUIET_MS, NULL) >= 0; i++)
		;
	fport_send(&a, mac_bcast, 1000);
	long tag;
	while ((tag = fport_recv(&c, WAIT_MS, NULL)) >= 0 && tag != 1000)
		;
	assert_int_equal(tag, 1000);

	struct switch_info info;
	for (int i = 0; i < WAIT_MS / 10; i++) {
		switch_get_info(f->sw, &info);
		if (info.frames_in == 201 && info.frames_dropped > 0)
			break;
		sleep_ms(10);
	}
	assert_int_equal(info.frames_in, 201);
	assert_true(info.frames_dropped > 0);

	/* B drains what it had queued and what the switch kept for it; the
	 * switch still delivers to it. */
	while (fport_recv(&b, QUIET_MS, NULL) >= 0)
		;
	fport_send(&a, mac_bcast, 2000);
	expect_frame(&b, 2000);

	fport_close(&a);
	fport_close(&b);
	fport_close(&c);
}

/* ---- backpressure: switch_int.h's SWITCH_BACKLOG (128) and SWITCH_STALL_MS (50) ---- */

/* Like fport_send, but never blocks: false when the sender's buffer is full
 * (the switch stopped reading this port). */
static bool fport_try_send(struct fport *p, const uint8_t dst[6], uint32_t tag)
{
	unsigned char frame[60];
	memset(frame, 0, sizeof(frame));
	memcpy(frame, dst, 6);
	memcpy(frame + 6, p->mac, 6);
	frame[12] = ETH_TYPE_TEST >> 8;
	frame[13] = ETH_TYPE_TEST & 0xff;
	memcpy(frame + 14, &tag, 4);
	ssize_t n = sendto(p->data, frame, sizeof(frame), MSG_DONTWAIT, (struct sockaddr *)&p->sw,
	    sizeof(p->sw));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return false;
	assert_int_equal(n, (ssize_t)sizeof(frame));
	return true;
}

/* Read what p has now; each tag must be the next expected one. */
static void fport_drain_in_order(struct fport *p, uint32_t *next)
{
	long tag;
	while ((tag = fport_recv(p, 0, NULL)) >= 0) {
		assert_int_equal(tag, (long)*next);
		(*next)++;
	}
}

/* The switch (fresh) learns every port's MAC; the ports' queues are left empty. */
static void fport_learn_all(struct fixture *f, struct fport *ports, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		fport_send(&ports[i], mac_bcast, 9000 + i);
		for (unsigned j = 0; j < n; j++)
			if (j != i)
				expect_frame(&ports[j], 9000 + i);
	}
	wait_info(f->sw, n, n * (n - 1));
}

/* More frames than a socket queue holds wait in the backlog: B, reading
 * late, gets all of them in order and nothing is dropped. */
static void test_backlog_order(void **state)
{
	struct fixture *f = *state;
	struct fport p[2];
	fport_attach(&p[0], f->ctl_path, 0);
	fport_attach(&p[1], f->ctl_path, 1);
	wait_ports(f->sw, 2);
	fport_learn_all(f, p, 2);
	struct switch_info base;
	switch_get_info(f->sw, &base);

	for (uint32_t i = 0; i < 60; i++)
		fport_send(&p[0], p[1].mac, i);
	/* Wait until the switch holds frames it read but could not deliver. */
	struct switch_info info;
	for (int i = 0; i < WAIT_MS; i++) {
		switch_get_info(f->sw, &info);
		if (info.frames_in - base.frames_in > info.frames_out - base.frames_out)
			break;
		sleep_ms(1);
	}
	assert_true(info.frames_in - base.frames_in > info.frames_out - base.frames_out);
	assert_int_equal(info.frames_dropped, 0);

	for (uint32_t i = 0; i < 60; i++)
		expect_frame(&p[1], i);
	expect_nothing(&p[1]);
	wait_info(f->sw, base.frames_in + 60, base.frames_out + 60);
	switch_get_info(f->sw, &info);
	assert_int_equal(info.frames_dropped, 0);
	fport_close(&p[0]);
	fport_close(&p[1]);
}

/* Far more than the backlog holds: the sender is not read while B's backlog
 * is full, so its frames wait in its own queue and none is lost. */
static void test_backlog_pauses_sender(void **state)
{
	struct fixture *f = *state;
	struct fport p[2];
	fport_attach(&p[0], f->ctl_path, 0);
	fport_attach(&p[1], f->ctl_path, 1);
	wait_ports(f->sw, 2);
	fport_learn_all(f, p, 2);

	uint32_t next = 0;
	uint64_t t0 = clock_ms();
	for (uint32_t i = 0; i < 300; i++) {
		while (!fport_try_send(&p[0], p[1].mac, i)) {
			/* A is paused and its buffer full: B takes some (well within
			 * SWITCH_STALL_MS), which lets A be read again. */
			long tag = fport_recv(&p[1], 20, NULL);
			if (tag >= 0) {
				assert_int_equal(tag, (long)next);
				next++;
			}
			assert_true(clock_ms() - t0 < WAIT_MS);
		}
	}
	while (next < 300)
		expect_frame(&p[1], next++);
	expect_nothing(&p[1]);
	struct switch_info info;
	switch_get_info(f->sw, &info);
	assert_int_equal(info.frames_dropped, 0);
	fport_close(&p[0]);
	fport_close(&p[1]);
}

/* B never reads: after SWITCH_STALL_MS it is congested, A, paused on it, is
 * read again, so C keeps getting A's frames, and what B's backlog cannot
 * hold is dropped. Once B reads, it gets its backlog, in order, then what
 * comes next. */
static void test_congested_receiver(void **state)
{
	struct fixture *f = *state;
	struct fport p[3];	/* A, B, C */
	for (unsigned i = 0; i < 3; i++)
		fport_attach(&p[i], f->ctl_path, i);
	wait_ports(f->sw, 3);
	fport_learn_all(f, p, 3);

	uint32_t c_next = 0, c_sent = 0;
	uint64_t t0 = clock_ms();
	for (uint32_t i = 0; i < 400; i++) {
		bool to_c = i % 10 == 9;
		uint32_t tag = to_c ? c_sent : i;
		/* Paused for good would mean EAGAIN until the deadline. */
		while (!fport_try_send(&p[0], p[to_c ? 2 : 1].mac, tag)) {
			fport_drain_in_order(&p[2], &c_next);
			assert_true(clock_ms() - t0 < WAIT_MS);
			sleep_ms(1);
		}
		if (to_c)
			c_sent++;
		fport_drain_in_order(&p[2], &c_next);
		if (i % 4 == 3)
			sleep_ms(1);	/* 100 pauses: well past SWITCH_STALL_MS */
	}
	assert_true(clock_ms() - t0 >= 100);
	/* Every frame for C arrives, in order, the last ones long after B stalled. */
	while (c_next < c_sent)
		expect_frame(&p[2], c_next++);
	expect_nothing(&p[2]);
	struct switch_info info;
	switch_get_info(f->sw, &info);
	assert_true(info.frames_dropped > 0);

	/* B reads again: its queue, then the backlog kept for it, oldest first
	 * (the frames A sent before it stalled), then a new frame. */
	long tag, last = -1;
	unsigned kept = 0;
	while ((tag = fport_recv(&p[1], QUIET_MS, NULL)) >= 0) {
		assert_true(tag > last);
		last = tag;
		kept++;
	}
	assert_true(kept > 10);	/* more than its socket queue held: the backlog was kept */
	fport_send(&p[0], p[1].mac, 5000);
	expect_frame(&p[1], 5000);
	for (unsigned i = 0; i < 3; i++)
		fport_close(&p[i]);
}

/* A backlogged, then congested, B holds up only its own senders: C->D
 * traffic flows promptly throughout. */
static void test_stuck_receiver_isolated(void **state)
{
	struct fixture *f = *state;
	struct fport p[4];	/* A, B, C, D */
	for (unsigned i = 0; i < 4; i++)
		fport_attach(&p[i], f->ctl_path, i);
	wait_ports(f->sw, 4);
	fport_learn_all(f, p, 4);

	/* B's backlog fills and A waits on it; B reads slowly, so the backlog
	 * keeps moving (not congested) and stays non-empty. */
	for (uint32_t i = 0; i < 100; i++)
		fport_send(&p[0], p[1].mac, i);
	uint32_t b_next = 0;
	for (uint32_t i = 0; i < 20; i++) {
		long tag = fport_recv(&p[1], 20, NULL);
		assert_int_equal(tag, (long)b_next);
		b_next++;
		fport_send(&p[2], p[3].mac, i);
		assert_int_equal(fport_recv(&p[3], 30, NULL), (long)i);
	}
	struct switch_info info;
	switch_get_info(f->sw, &info);
	assert_int_equal(info.frames_dropped, 0);

	/* B stops reading: congested. A's frames for it go behind its backlog
	 * until that is full, then are dropped; C->D flows. */
	sleep_ms(2 * 50);
	for (uint32_t i = 0; i < 160; i++) {
		(void)fport_try_send(&p[0], p[1].mac, 1000 + i);
		fport_send(&p[2], p[3].mac, 100 + i);
		expect_frame(&p[3], 100 + i);
	}
	expect_nothing(&p[3]);
	switch_get_info(f->sw, &info);
	assert_true(info.frames_dropped > 0);
	for (unsigned i = 0; i < 4; i++)
		fport_close(&p[i]);
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A client whose data socket is gone while its control connection stays:
 * deliveries to it fail (counted), and the switch does not spin on it. */
static void test_dead_data_socket(void **state)
{
	struct fixture *f = *state;
	struct fport a, b, c;
	fport_attach(&a, f->ctl_path, 0);
	fport_attach(&b, f->ctl_path, 1);
	fport_attach(&c, f->ctl_path, 2);
	close(c.data);
	c.data = -1;
	fport_send(&a, mac_bcast, 1);
	expect_frame(&b, 1);
	wait_info(f->sw, 1, 2);

	double t0 = cpu_seconds();
	sleep_ms(300);
	assert_true(cpu_seconds() - t0 < 0.05);
	struct switch_info info;
	switch_get_info(f->sw, &info);
	assert_int_equal(info.frames_dropped, 1);
	assert_int_equal(info.ports, 3);

	fport_send(&b, mac_bcast, 2);
	expect_frame(&a, 2);
	fport_close(&a);
	fport_close(&b);
	fport_close(&c);
}

/* switch.h's SWITCH_MAX_PORTS: one more connection is refused by closing
 * it, and a slot freed by an unplug can be taken again. */
#define MAX_PORTS 256

static void test_max_ports(void **state)
{
	struct fixture *f = *state;
	/* 2 fds per port on each side, plus slack. */
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 4 * MAX_PORTS + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < 4 * MAX_PORTS + 64)
			skip();
	}
	struct fport *p = xcalloc(MAX_PORTS, sizeof(*p));
	for (unsigned i = 0; i < MAX_PORTS; i++)
		fport_attach(&p[i], f->ctl_path, i);
	wait_ports(f->sw, MAX_PORTS);

	/* A flood reaches all 255 others. */
	fport_send(&p[0], mac_bcast, 1);
	for (unsigned i = 1; i < MAX_PORTS; i++)
		expect_frame(&p[i], 1);

	struct fport extra;
	fport_bind(&extra, MAX_PORTS, NULL);
	extra.ctl = fport_connect(f->ctl_path);
	struct daemon_request req;
	daemon_request_build(&req, &extra.local);
	/* The refusal may come before the request is written (EPIPE). */
	(void)write_all(extra.ctl, &req, sizeof(req));
	expect_closed(extra.ctl);
	extra.ctl = -1;

	fport_close(&p[7]);
	wait_ports(f->sw, MAX_PORTS - 1);
	fport_handshake(&extra, f->ctl_path, DAEMON_REQ_SIZE, 0);
	wait_ports(f->sw, MAX_PORTS);
	fport_send(&extra, mac_bcast, 2);
	expect_frame(&p[0], 2);
	expect_frame(&p[MAX_PORTS - 1], 2);

	fport_close(&extra);
	for (unsigned i = 0; i < MAX_PORTS; i++)
		fport_close(&p[i]);
	free(p);
	wait_ports(f->sw, 0);
}

/* A client that connects and never completes its request is dropped after
 * switch_int.h's SWITCH_HANDSHAKE_MS (5 s). */
static void test_handshake_timeout(void **state)
{
	struct fixture *f = *state;
	int g = fport_connect(f->ctl_path);
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	struct daemon_request req;
	daemon_request_build(&req, &sun);
	assert_int_equal(write_all(g, &req, 20), 0);	/* a valid start, then silence */
	struct pollfd pfd = { .fd = g, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 4500), 0);	/* still waiting */
	assert_int_equal(poll(&pfd, 1, 1500), 1);	/* then closed */
	char c;
	assert_int_equal(read(g, &c, 1), 0);
	close(g);
}

static void test_ctl_path(void **state)
{
	(void)state;
	char dir[] = "/tmp/umllab-swtest-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/ctl", dir);
	char *cause = NULL;

	/* A stale socket (nobody listening) is replaced. */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun;
	assert_int_equal(unix_addr_set(&sun, path, NULL), 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(s);
	struct sw *sw = switch_start("a", path, SWITCH_MODE_LEARNING, &cause);
	assert_non_null(sw);

	/* A live switch's socket is not. */
	struct sw *sw2 = switch_start("b", path, SWITCH_MODE_LEARNING, &cause);
	assert_null(sw2);
	assert_non_null(strstr(cause, "in use"));
	assert_non_null(strstr(cause, path));

	/* Stopping removes the socket. */
	switch_stop(sw);
	struct stat st;
	assert_int_equal(lstat(path, &st), -1);

	/* A file that is not a socket is left alone. */
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	sw = switch_start("c", path, SWITCH_MODE_HUB, &cause);
	assert_null(sw);
	assert_non_null(strstr(cause, "not a socket"));
	assert_int_equal(lstat(path, &st), 0);
	unlink(path);

	/* A directory that does not exist. */
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/no/such/ctl", dir);
	sw = switch_start("d", missing, SWITCH_MODE_HUB, &cause);
	assert_null(sw);
	assert_non_null(strstr(cause, missing));
	free(cause);
	rmdir(dir);
}

/* ---- VLANs ---- */

/* A frame with the 4-byte test tag, 802.1Q-tagged for vid (0: untagged). */
static void vsend(struct fport *p, const uint8_t dst[6], unsigned vid, uint32_t tag)
{
	unsigned char frame[64];
	memset(frame, 0, sizeof(frame));
	memcpy(frame, dst, 6);
	memcpy(frame + 6, p->mac, 6);
	size_t off = 12;
	if (vid != 0) {
		frame[12] = 0x81;
		frame[13] = 0x00;
		frame[14] = (unsigned char)(vid >> 8);
		frame[15] = (unsigned char)vid;
		off = 16;
	}
	frame[off] = ETH_TYPE_TEST >> 8;
	frame[off + 1] = ETH_TYPE_TEST & 0xff;
	memcpy(frame + off + 2, &tag, 4);
	size_t len = vid != 0 ? 64 : 60;
	assert_int_equal(send(p->data, frame, len, 0), (ssize_t)len);
}

/* The test tag of the next frame (-1: none within ms), and its VLAN (0: untagged). */
static long vrecv(struct fport *p, unsigned ms, unsigned *vid)
{
	struct pollfd pfd = { .fd = p->data, .events = POLLIN };
	if (poll(&pfd, 1, (int)ms) != 1)
		return -1;
	unsigned char frame[2048];
	ssize_t n = recv(p->data, frame, sizeof(frame), 0);
	size_t off = 12;
	*vid = 0;
	if (frame[12] == 0x81 && frame[13] == 0x00) {
		*vid = (unsigned)(frame[14] & 0x0f) << 8 | frame[15];
		off = 16;
	}
	assert_int_equal(n, (ssize_t)(off + 48));	/* 60 bytes, plus 4 with a tag */
	assert_int_equal(frame[off], ETH_TYPE_TEST >> 8);
	uint32_t tag;
	memcpy(&tag, frame + off + 2, 4);
	return tag;
}

static void expect_vframe(struct fport *p, unsigned want_vid, uint32_t tag)
{
	unsigned vid = 99999;
	assert_int_equal(vrecv(p, WAIT_MS, &vid), (long)tag);
	assert_int_equal(vid, want_vid);
}

static void expect_vnothing(struct fport *p)
{
	unsigned vid;
	assert_int_equal(vrecv(p, QUIET_MS, &vid), -1);
}

static void cable_vlans(struct fixture *f, const char *name, const char *text)
{
	struct switch_vlans v;
	char *cause = NULL;
	assert_int_equal(switch_vlans_parse(text, &v, &cause), 0);
	int rc = switch_cable_set_vlans(f->sw, name, &v, &cause);
	if (rc != 0)
		fprintf(stderr, "switch_cable_set_vlans: %s\n", cause);
	assert_int_equal(rc, 0);
}

static uint64_t vlan_dropped(struct fixture *f)
{
	struct switch_info info;
	switch_get_info(f->sw, &info);
	return info.vlan_dropped;
}

/* Cable `name` as switch_ports_get shows it. */
static struct switch_port_info port_info(struct fixture *f, const char *name)
{
	struct switch_port_info *v, found = { 0 };
	unsigned n;
	assert_int_equal(switch_ports_get(f->sw, &v, &n, NULL), 0);
	bool seen = false;
	for (unsigned i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0) {
			found = v[i];
			seen = true;
		}
	free(v);
	assert_true(seen);
	return found;
}

static void test_vlans_text(void **state)
{
	(void)state;
	struct switch_vlans v;
	char *cause = NULL, *text;
	assert_int_equal(switch_vlans_parse("10", &v, NULL), 0);
	assert_int_equal(v.access, 10);
	text = switch_vlans_format(&v);
	assert_string_equal(text, "access 10");
	free(text);
	assert_int_equal(switch_vlans_parse("trunk 10,20-22,4094 native 1", &v, NULL), 0);
	assert_int_equal(v.access, 0);
	assert_int_equal(v.native, 1);
	assert_true(switch_vlans_carries(&v, 21));
	assert_true(switch_vlans_carries(&v, 1));
	assert_false(switch_vlans_carries(&v, 23));
	assert_false(switch_vlans_carries(&v, 0));
	text = switch_vlans_format(&v);
	assert_string_equal(text, "trunk 10,20-22,4094 native 1");
	assert_int_equal(switch_vlans_parse(text, &v, NULL), 0);
	free(text);
	switch_vlans_default(&v);
	assert_int_equal(v.access, 1);
	const char *bad[] = { "0", "4095", "trunk", "trunk 10,", "trunk 5-3", "access", "ten",
		"trunk 10 native 0", "10 native 2", "trunk 1-4095" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(switch_vlans_parse(bad[i], &v, &cause), -1);
		assert_non_null(cause);
		free(cause);
		cause = NULL;
	}
}

/* Access ports: floods and unicast stay in their VLAN; tagged frames from
 * an access port are dropped and counted; the default port is VLAN 1. */
static void test_vlan_access(void **state)
{
	struct fixture *f = *state;
	struct fport a, b, c, d;
	const char *names[] = { "a.eth0", "b.eth0", "c.eth0", "d.eth0" };
	struct fport *ps[] = { &a, &b, &c, &d };
	for (unsigned i = 0; i < 4; i++)
		cable_open(f, names[i]);
	cable_vlans(f, "a.eth0", "10");
	cable_vlans(f, "b.eth0", "10");
	cable_vlans(f, "c.eth0", "20");
	for (unsigned i = 0; i < 4; i++)
		fport_cable(ps[i], f, names[i], i);
	wait_ports(f->sw, 4);

	vsend(&a, mac_bcast, 0, 1);
	expect_vframe(&b, 0, 1);
	expect_vnothing(&c);
	expect_vnothing(&d);
	vsend(&c, mac_bcast, 0, 2);	/* alone in VLAN 20 */
	vsend(&d, mac_bcast, 0, 3);	/* alone in VLAN 1 */
	expect_vnothing(&a);
	expect_vnothing(&b);
	vsend(&b, a.mac, 0, 4);
	expect_vframe(&a, 0, 4);
	/* c knows a's MAC only in VLAN 10: c's frame to it floods VLAN 20, nobody. */
	vsend(&c, a.mac, 0, 5);
	expect_vnothing(&a);
	expect_vnothing(&d);
	/* The VLAN path counts the frames into each cable too (`link`, the page). */
	assert_int_equal(port_info(f, "b.eth0").frames_to, 1);	/* frame 1 */
	assert_int_equal(port_info(f, "a.eth0").frames_to, 1);	/* frame 4 */
	assert_int_equal(port_info(f, "a.eth0").frames_from, 1);

	uint64_t before = vlan_dropped(f);
	vsend(&a, mac_bcast, 10, 6);	/* an access port takes no tags, even its own VLAN's */
	expect_vnothing(&b);
	assert_int_equal(vlan_dropped(f), before + 1);
	assert_int_equal(port_info(f, "a.eth0").vlan_dropped, 1);
	assert_int_equal(port_info(f, "a.eth0").vlans.access, 10);
	assert_int_equal(port_info(f, "d.eth0").vlans.access, 1);

	/* The table, per VLAN: a and b in 10, c in 20, d in 1. */
	struct switch_fdb_entry *e;
	unsigned n;
	assert_int_equal(switch_fdb_get(f->sw, &e, &n, NULL), 0);
	assert_int_equal(n, 4);
	assert_int_equal(e[0].vid, 1);
	assert_string_equal(e[0].port, "d.eth0");
	assert_int_equal(e[1].vid, 10);
	assert_int_equal(e[2].vid, 10);
	assert_int_equal(e[3].vid, 20);
	assert_string_equal(e[3].port, "c.eth0");
	assert_memory_equal(e[3].mac, c.mac, 6);
	free(e);

	/* Back to the default everywhere: the switch knows no VLANs again, and
	 * tags pass as they are. */
	for (unsigned i = 0; i < 3; i++)
		cable_vlans(f, names[i], "1");
	vsend(&a, mac_bcast, 10, 7);
	expect_vframe(&b, 10, 7);
	expect_vframe(&c, 10, 7);
	expect_vframe(&d, 10, 7);
	assert_int_equal(switch_fdb_get(f->sw, &e, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].vid, 0);	/* the VLAN-unaware table */
	free(e);
	for (unsigned i = 0; i < 4; i++)
		fport_close(ps[i]);
	wait_ports(f->sw, 0);
}

/* A trunk carries its VLANs tagged and its native one untagged; the switch
 * adds and removes tags between trunks and access ports; tags a port does
 * not carry are dropped and counted. */
static void test_vlan_trunk(void **state)
{
	struct fixture *f = *state;
	struct fport t, u, a, c, d;
	const char *names[] = { "t.eth0", "u.eth0", "a.eth0", "c.eth0", "d.eth0" };
	struct fport *ps[] = { &t, &u, &a, &c, &d };
	for (unsigned i = 0; i < 5; i++)
		cable_open(f, names[i]);
	cable_vlans(f, "t.eth0", "trunk 10,20 native 1");
	cable_vlans(f, "u.eth0", "trunk 10,30");
	cable_vlans(f, "a.eth0", "10");
	cable_vlans(f, "c.eth0", "20");
	for (unsigned i = 0; i < 5; i++)
		fport_cable(ps[i], f, names[i], i);
	wait_ports(f->sw, 5);
	struct switch_port_info ti = port_info(f, "t.eth0");
	char *text = switch_vlans_format(&ti.vlans);
	assert_string_equal(text, "trunk 10,20 native 1");
	free(text);

	vsend(&a, mac_bcast, 0, 1);	/* VLAN 10 from an access port: tagged on both trunks */
	expect_vframe(&t, 10, 1);
	expect_vframe(&u, 10, 1);
	expect_vnothing(&c);
	expect_vnothing(&d);
	vsend(&t, mac_bcast, 20, 2);	/* VLAN 20 from a trunk: untagged to its access port */
	expect_vframe(&c, 0, 2);
	expect_vnothing(&u);
	expect_vnothing(&a);
	vsend(&t, mac_bcast, 0, 3);	/* untagged on t: its native VLAN 1, d's */
	expect_vframe(&d, 0, 3);
	expect_vnothing(&a);
	vsend(&u, mac_bcast, 10, 4);	/* trunk to trunk: the tag stays */
	expect_vframe(&t, 10, 4);
	expect_vframe(&a, 0, 4);
	vsend(&t, u.mac, 10, 5);	/* unicast to the MAC learnt on u in VLAN 10 */
	expect_vframe(&u, 10, 5);
	expect_vnothing(&a);
	vsend(&d, mac_bcast, 0, 6);	/* VLAN 1 goes untagged to t (native), not to u */
	expect_vframe(&t, 0, 6);
	expect_vnothing(&u);

	uint64_t before = vlan_dropped(f);
	vsend(&t, mac_bcast, 30, 7);	/* t does not carry 30 (u does) */
	vsend(&u, mac_bcast, 0, 8);	/* u has no native VLAN */
	vsend(&u, mac_bcast, 20, 9);	/* nor VLAN 20 */
	expect_vnothing(&c);
	expect_vnothing(&d);
	expect_vnothing(&t);
	assert_int_equal(vlan_dropped(f), before + 3);
	assert_int_equal(port_info(f, "u.eth0").vlan_dropped, 2);

	/* One MAC in two VLANs: two entries, each on its own port. */
	vsend(&t, mac_bcast, 10, 10);
	expect_vframe(&a, 0, 10);
	expect_vframe(&u, 10, 10);
	vsend(&a, t.mac, 0, 11);	/* VLAN 10: t's MAC is on t */
	expect_vframe(&t, 10, 11);
	vsend(&c, t.mac, 0, 12);	/* VLAN 20: t's MAC is on t too, learnt from frame 2 */
	expect_vframe(&t, 20, 12);
	struct switch_fdb_entry *e;
	unsigned n, in10 = 0;
	assert_int_equal(switch_fdb_get(f->sw, &e, &n, NULL), 0);
	for (unsigned i = 0; i < n; i++)
		if (memcmp(e[i].mac, t.mac, 6) == 0) {
			assert_string_equal(e[i].port, "t.eth0");
			in10 += e[i].vid == 10;
		}
	assert_int_equal(in10, 1);
	free(e);

	/* The VLANs belong to the cable: a reconnected kernel keeps them. */
	fport_close(&c);
	fport_cable(&c, f, "c.eth0", 3);
	wait_ports(f->sw, 5);
	vsend(&t, mac_bcast, 20, 13);
	expect_vframe(&c, 0, 13);
	for (unsigned i = 0; i < 5; i++)
		fport_close(ps[i]);
	wait_ports(f->sw, 0);
}

/* Refusals: a hub has no VLANs; an unknown cable; VLANs out of range. */
static void test_vlan_errors(void **state)
{
	struct fixture *f = *state;
	struct switch_vlans v;
	char *cause = NULL;
	cable_open(f, "a.eth0");
	switch_vlans_default(&v);
	v.access = 4095;
	assert_int_equal(switch_cable_set_vlans(f->sw, "a.eth0", &v, &cause), -1);
	assert_non_null(strstr(cause, "out of range"));
	free(cause);
	cause = NULL;
	v.access = 10;
	assert_int_equal(switch_cable_set_vlans(f->sw, "nope", &v, &cause), -1);
	assert_non_null(strstr(cause, "no cable nope"));
	free(cause);
	cause = NULL;
	if (switch_mode(f->sw) == SWITCH_MODE_HUB) {
		assert_int_equal(switch_cable_set_vlans(f->sw, "a.eth0", &v, &cause), -1);
		assert_non_null(strstr(cause, "hub"));
		free(cause);
	}
}

/* ---- links between switches ---- */

/* A second switch in the fixture's directory. */
static struct sw *second_switch(struct fixture *f, const char *name)
{
	char ctl[160];
	snprintf(ctl, sizeof(ctl), "%s/%s.ctl", f->dir, name);
	char *cause = NULL;
	struct sw *sw = switch_start(name, ctl, SWITCH_MODE_LEARNING, &cause);
	if (sw == NULL)
		fprintf(stderr, "switch_start: %s\n", cause);
	assert_non_null(sw);
	return sw;
}

static void cable_open_on(struct fixture *f, struct sw *sw, const char *name)
{
	char path[160];
	cable_path(f, name, path, sizeof(path));
	assert_int_equal(switch_cable_open(sw, name, path, NULL), 0);
}

/* A cable's tap follows the cable to another switch (switch_tap_move, as
 * `umllab plug` does), keeping the frames it held: the frame of the cable's
 * last moments on the first switch comes first. */
static void test_tap_moved(void **state)
{
	struct fixture *f = *state;
	struct sw *s2 = second_switch(f, "S2");
	struct fport a, b, c;
	struct switch_tap *t = tap_open(f, "b.eth0", NULL, 64);
	two_cables(f, &a, &b);
	fport_send(&b, mac_bcast, 1);
	expect_frame(&a, 1);
	fport_close(&b);
	switch_cable_close(f->sw, "b.eth0");
	wait_ports(f->sw, 1);
	char *cause = NULL;
	assert_int_equal(switch_tap_move(f->sw, s2, t, &cause), 0);
	cable_open_on(f, s2, "b.eth0");
	cable_open_on(f, s2, "c.eth0");
	fport_cable(&b, f, "b.eth0", 1);
	fport_cable(&c, f, "c.eth0", 2);
	wait_ports(s2, 2);
	fport_send(&b, mac_bcast, 2);
	expect_frame(&c, 2);
	expect_tapped(t, "b.eth0", SWITCH_TAP_IN, 1);
	expect_tapped(t, "b.eth0", SWITCH_TAP_IN, 2);
	fport_send(&c, b.mac, 3);
	expect_frame(&b, 3);
	expect_tapped(t, "b.eth0", SWITCH_TAP_OUT, 3);
	fport_send(&a, mac_bcast, 4);	/* the first switch: nothing of b's */
	expect_untapped(t);
	switch_tap_close(s2, t);
	fport_close(&a);
	fport_close(&b);
	fport_close(&c);
	wait_ports(f->sw, 0);
	switch_stop(s2);
}

/* Two switches cabled together forward to each other both ways, learn
 * across the link, and a link pulled out (at either end) stops both ways;
 * a link's end is a port by name, with VLANs like any cable. */
static void test_link_two_switches(void **state)
{
	struct fixture *f = *state;
	struct sw *s2 = second_switch(f, "S2");
	char *cause = NULL;
	assert_int_equal(switch_link_open(f->sw, "sw0.S2", s2, "S2.sw0", 0, &cause), 0);
	assert_int_equal(switch_link_open(f->sw, "sw0.S2", s2, "S2.sw0x", 0, &cause), -1);
	assert_non_null(strstr(cause, "already has a cable sw0.S2"));
	free(cause);
	struct fport a, b, c;
	cable_open(f, "a.eth0");
	cable_open_on(f, s2, "b.eth0");
	cable_open_on(f, s2, "c.eth0");
	fport_cable(&a, f, "a.eth0", 0);
	fport_cable(&b, f, "b.eth0", 1);
	fport_cable(&c, f, "c.eth0", 2);
	wait_ports(f->sw, 2);	/* a, and the link's end */
	wait_ports(s2, 3);
	struct switch_port_info li = port_info(f, "sw0.S2");
	assert_true(li.link);
	assert_true(li.connected);

	fport_send(&a, mac_bcast, 1);
	expect_frame(&b, 1);
	expect_frame(&c, 1);
	fport_send(&b, a.mac, 2);	/* learnt on S2 across the link */
	expect_frame(&a, 2);
	expect_nothing(&c);
	fport_send(&a, b.mac, 3);
	expect_frame(&b, 3);
	expect_nothing(&c);

	/* Pulled out at S2's end: nothing crosses, either way. */
	assert_int_equal(switch_cable_set_link(s2, "S2.sw0", false, NULL), 0);
	fport_send(&a, mac_bcast, 4);
	fport_send(&b, mac_bcast, 5);
	expect_nothing(&b);
	expect_frame(&c, 5);
	expect_nothing(&a);
	assert_int_equal(switch_cable_set_link(s2, "S2.sw0", true, NULL), 0);
	fport_send(&b, a.mac, 6);
	expect_frame(&a, 6);

	/* A trunk link carries VLAN 10 tagged between two access ports. */
	cable_vlans(f, "a.eth0", "10");
	cable_vlans(f, "sw0.S2", "trunk 10");
	struct switch_vlans v;
	assert_int_equal(switch_vlans_parse("trunk 10", &v, NULL), 0);
	assert_int_equal(switch_cable_set_vlans(s2, "S2.sw0", &v, NULL), 0);
	assert_int_equal(switch_vlans_parse("10", &v, NULL), 0);
	assert_int_equal(switch_cable_set_vlans(s2, "b.eth0", &v, NULL), 0);
	vsend(&a, mac_bcast, 0, 7);
	expect_vframe(&b, 0, 7);
	expect_vnothing(&c);	/* VLAN 1 */

	/* A tap on the link's end by name sees the frame tagged, as it crossed. */
	struct switch_tap_opts o = { .cable = "sw0.S2", .ring_frames = 16 };
	struct switch_tap *tap = switch_tap_open(f->sw, &o, NULL);
	assert_non_null(tap);
	vsend(&a, mac_bcast, 0, 8);
	expect_vframe(&b, 0, 8);
	struct switch_tap_frame tf;
	for (int i = 0; i < 100 && !switch_tap_next(tap, &tf); i++)
		sleep_ms(10);
	assert_string_equal(tf.port, "sw0.S2");
	assert_int_equal(tf.dir, SWITCH_TAP_OUT);
	assert_int_equal(tf.len, 64);
	assert_int_equal(tf.data[12], 0x81);
	assert_int_equal(tf.data[15], 10);
	switch_tap_close(f->sw, tap);

	fport_close(&a);
	fport_close(&b);
	fport_close(&c);
	/* Stopping one switch leaves the other's end unconnected, not broken. */
	switch_stop(s2);
	for (int i = 0; i < 100 && port_info(f, "sw0.S2").connected; i++)
		sleep_ms(10);
	assert_false(port_info(f, "sw0.S2").connected);
	wait_ports(f->sw, 0);
}

/* Three switches in a ring without spanning tree: one broadcast makes a
 * storm, as on real switches, but each switch floods at about its budget:
 * counted, reported, and the guests get a bounded share. */
static void test_storm_bounded(void **state)
{
	struct fixture *f = *state;
	struct sw *s2 = second_switch(f, "S2"), *s3 = second_switch(f, "S3");
	assert_int_equal(switch_link_open(f->sw, "sw0.S2", s2, "S2.sw0", 0, NULL), 0);
	assert_int_equal(switch_link_open(s2, "S2.S3", s3, "S3.S2", 0, NULL), 0);
	assert_int_equal(switch_link_open(s3, "S3.sw0", f->sw, "sw0.S3", 0, NULL), 0);
	struct fport a;
	cable_open(f, "a.eth0");
	fport_cable(&a, f, "a.eth0", 0);
	wait_ports(f->sw, 3);
	fport_send(&a, mac_bcast, 1);
	/* a reads what comes, as a guest does (a full receiver would be
	 * congested, and its switch would drop the copies that feed it). */
	unsigned got = 0;
	unsigned char frame[2048];
	uint64_t end = clock_ms() + 1500;
	while (clock_ms() < end) {
		struct pollfd pfd = { .fd = a.data, .events = POLLIN };
		if (poll(&pfd, 1, 50) == 1 && recv(a.data, frame, sizeof(frame), 0) > 0)
			got++;
	}
	struct switch_info info;
	switch_get_info(f->sw, &info);
	assert_true(info.flood_limited > 0);
	assert_true(info.storm);
	assert_true(info.storm_fps > 0);
	assert_true(info.storm_group_pct >= 90);
	/* The storm goes on (nothing is dropped: ports are held), at about
	 * the budget's pace, and a gets the copies coming round. */
	assert_true(info.frames_in > SWITCH_FLOOD_BUDGET / 2);
	assert_true(info.frames_in < SWITCH_FLOOD_BUDGET * 5);
	assert_true(got > SWITCH_FLOOD_BUDGET / 4);
	assert_true(got < SWITCH_FLOOD_BUDGET * 5);
	fport_close(&a);
	/* Cut the ring: the storm dies out. */
	assert_int_equal(switch_cable_set_link(s2, "S2.S3", false, NULL), 0);
	assert_int_equal(switch_cable_set_link(s3, "S3.S2", false, NULL), 0);
	sleep_ms(300);
	switch_get_info(f->sw, &info);
	uint64_t in = info.frames_in;
	sleep_ms(300);
	switch_get_info(f->sw, &info);
	assert_int_equal(info.frames_in, in);
	switch_stop(s2);
	switch_stop(s3);
}

/* ---- spanning tree ---- */

static void stp_on(struct sw *sw, unsigned priority, uint8_t last)
{
	struct switch_stp_config cfg = { .priority = priority, .mac = { 2, 0, 0, 0, 0, last } };
	char *cause = NULL;
	int rc = switch_stp_start(sw, &cfg, &cause);
	if (rc != 0)
		fprintf(stderr, "switch_stp_start: %s\n", cause);
	assert_int_equal(rc, 0);
}

/* Port name's role and state ("" when it has none). */
static void stp_port(struct sw *sw, const char *name, char *role, char *state)
{
	struct switch_stp_info info;
	struct switch_stp_port *v;
	unsigned n;
	assert_int_equal(switch_stp_get(sw, &info, &v, &n, NULL), 0);
	role[0] = state[0] = '\0';
	for (unsigned i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0) {
			strcpy(role, v[i].role);
			strcpy(state, v[i].state);
		}
	free(v);
}

/* The tag of the next frame that is not a BPDU within ms, or -1. */
static long recv_no_bpdu(struct fport *p, unsigned ms)
{
	uint64_t end = clock_ms() + ms;
	for (;;) {
		uint64_t now = clock_ms();
		struct pollfd pfd = { .fd = p->data, .events = POLLIN };
		if (now >= end || poll(&pfd, 1, (int)(end - now)) != 1)
			return -1;
		unsigned char frame[2048];
		ssize_t n = recv(p->data, frame, sizeof(frame), 0);
		if (n >= 14 && frame[0] == 0x01 && frame[1] == 0x80 && frame[2] == 0xc2)
			continue;	/* the switch's BPDU: spanning tree speaks on every port */
		assert_int_equal(n, 60);
		uint32_t tag;
		memcpy(&tag, frame + 14, 4);
		return tag;
	}
}

/* Wait (up to 3 s) until port name has this role and state. */
static void stp_wait(struct sw *sw, const char *name, const char *role, const char *state)
{
	char r[16], st[16];
	for (int i = 0; i < 300; i++) {
		stp_port(sw, name, r, st);
		if (strcmp(r, role) == 0 && strcmp(st, state) == 0)
			return;
		sleep_ms(10);
	}
	fprintf(stderr, "%s: %s %s, not %s %s\n", name, r, st, role, state);
	fail();
}

/* Three switches in a ring with spanning tree: one port blocks, a broadcast
 * arrives once, no storm; the BPDUs are real frames on the links' taps;
 * pulling a cable of the tree opens the blocked port within milliseconds. */
static void test_stp_ring(void **state)
{
	struct fixture *f = *state;
	struct sw *s2 = second_switch(f, "S2"), *s3 = second_switch(f, "S3");
	stp_on(f->sw, 4096, 1);
	stp_on(s2, 32768, 2);
	stp_on(s3, 32768, 3);
	struct switch_tap_opts o = { .cable = "S2.S3", .ring_frames = 64 };
	struct switch_tap *tap = switch_tap_open(s2, &o, NULL);
	assert_non_null(tap);
	assert_int_equal(switch_link_open(f->sw, "sw0.S2", s2, "S2.sw0", 0, NULL), 0);
	assert_int_equal(switch_link_open(s2, "S2.S3", s3, "S3.S2", 0, NULL), 0);
	assert_int_equal(switch_link_open(s3, "S3.sw0", f->sw, "sw0.S3", 0, NULL), 0);
	struct fport a, c;
	cable_open(f, "a.eth0");
	cable_open_on(f, s3, "c.eth0");
	fport_cable(&a, f, "a.eth0", 0);
	fport_cable(&c, f, "c.eth0", 2);
	stp_wait(s3, "S3.S2", "alternate", "discarding");
	stp_wait(s2, "S2.S3", "designated", "forwarding");
	stp_wait(s3, "S3.sw0", "root", "forwarding");
	stp_wait(f->sw, "a.eth0", "designated", "forwarding");
	stp_wait(s3, "c.eth0", "designated", "forwarding");
	struct switch_stp_info info;
	struct switch_stp_port *v;
	unsigned n;
	assert_int_equal(switch_stp_get(s3, &info, &v, &n, NULL), 0);
	free(v);
	assert_true(info.on);
	assert_int_equal(info.root_id, (uint64_t)0x1000 << 48 | 0x020000000001ull);
	assert_int_equal(info.root_cost, 20000);
	assert_string_equal(info.root_port, "S3.sw0");
	/* A broadcast: once to c, and no storm. */
	fport_send(&a, mac_bcast, 1);
	assert_int_equal(recv_no_bpdu(&c, WAIT_MS), 1);
	assert_int_equal(recv_no_bpdu(&c, QUIET_MS), -1);
	struct switch_info si;
	switch_get_info(s2, &si);
	assert_int_equal(si.flood_limited, 0);
	/* The BPDUs crossed the link as frames, to 01:80:c2:00:00:00 with LLC 42 42 03. */
	struct switch_tap_frame tf;
	bool bpdu = false;
	for (int i = 0; i < 300 && !bpdu; i++) {
		if (!switch_tap_next(tap, &tf)) {
			sleep_ms(10);
			continue;
		}
		bpdu = tf.len >= 17 && tf.data[0] == 0x01 && tf.data[1] == 0x80 && tf.data[2] == 0xc2 &&
		    tf.data[14] == 0x42 && tf.data[16] == 0x03;
	}
	assert_true(bpdu);
	switch_tap_close(s2, tap);
	/* Pull the cable from sw0 to S3: S3's blocked port becomes its root port. */
	uint64_t t0 = clock_ms();
	assert_int_equal(switch_cable_set_link(f->sw, "sw0.S3", false, NULL), 0);
	assert_int_equal(switch_cable_set_link(s3, "S3.sw0", false, NULL), 0);
	stp_wait(s3, "S3.S2", "root", "forwarding");
	uint64_t took = clock_ms() - t0;
	assert_true(took < 2000);
	fport_send(&a, mac_bcast, 2);
	assert_int_equal(recv_no_bpdu(&c, WAIT_MS), 2);
	fport_send(&c, a.mac, 3);
	assert_int_equal(recv_no_bpdu(&a, WAIT_MS), 3);
	fport_close(&a);
	fport_close(&c);
	switch_stop(s2);
	switch_stop(s3);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);	/* refused connections are closed under our writes */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_learning, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_hub, setup_hub, teardown),
		cmocka_unit_test_setup_teardown(test_unplug, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_link_learning, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_link_hub, setup_hub, teardown),
		cmocka_unit_test_setup_teardown(test_cable_with_daemon_port, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_cable_replace_close, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_cable_errors, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_tap_switch, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_tap_cable, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_tap_moved, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_tap_slow_reader, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_tap_errors, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_tap_deliveries, setup_learning, teardown),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test_setup_teardown(test_garbage, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_variants, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_fs_client, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frames, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_full_receiver, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_order, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_pauses_sender, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_congested_receiver, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_receiver_isolated, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_dead_data_socket, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_max_ports, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_timeout, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_cond_delay, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_cond_drop_match, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_cond_counts, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_cond_clear_releases, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_cond_down_flushes, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_cond_lab_cap, setup_learning, teardown),
		cmocka_unit_test(test_ctl_path),
		cmocka_unit_test(test_vlans_text),
		cmocka_unit_test_setup_teardown(test_vlan_access, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_trunk, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_errors, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_errors, setup_hub, teardown),
		cmocka_unit_test_setup_teardown(test_link_two_switches, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_storm_bounded, setup_learning, teardown),
		cmocka_unit_test_setup_teardown(test_stp_ring, setup_learning, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
