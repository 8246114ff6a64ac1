/* tests/tools/swprobe.c: a uml_switch daemon-protocol client that checks any switch's delivery (later: a load generator).
 *
 *   swprobe [-n PORTS] [--expect switch|hub] [--fs DIR] [--wait MS] CTL_PATH
 *
 * Attaches PORTS fake UML ports (data sockets bound to abstract names with the
 * full sockaddr length, as UML does; with --fs, to files in DIR instead),
 * checks broadcast, unicast and unknown-unicast delivery and unplugging, and
 * prints one PASS or FAIL line per check. Exit status 0 when all pass, 1 when
 * any fails, 2 on a usage or setup error. Standalone: it links nothing of
 * umllab, so it can judge umllab's switch and the stock ones alike. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PROBE_MAGIC 0xfeedfaceu
#define PROBE_VERSION 3u
#define PROBE_REQ_NEW_CONTROL 0u
#define PROBE_ETHERTYPE 0x88b5		/* IEEE local experimental */
#define PROBE_TAG "SWPR"
#define PROBE_MAX_PORTS 64
#define PROBE_FRAME_MAX 2048

/* The wire request: header, the client's data address, 2 padding bytes. */
struct probe_request {
	uint32_t magic;
	uint32_t version;
	uint32_t type;
	struct sockaddr_un sock;
};

/* One fake UML network device. */
struct probe_port {
	unsigned idx;
	int ctl_fd;
	int data_fd;
	struct sockaddr_un local;	/* our data address */
	socklen_t local_len;
	struct sockaddr_un remote;	/* the switch's data address for us */
	uint8_t mac[6];
	char fs_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint64_t sent;
	uint64_t received;
};

/* What a received probe frame says. */
struct probe_frame {
	uint8_t dst[6];
	uint8_t src[6];
	uint32_t from;		/* sender's port index */
	uint32_t seq;
	size_t len;
};

static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static unsigned probe_failures;

static void probe_result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void probe_result(bool ok, const char *fmt, ...)
{
	va_list ap;
	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		probe_failures++;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- ports ---- */

/* Bind the data socket, connect the control socket, handshake. On failure
 * err says why and everything is closed. */
static int port_attach(struct probe_port *p, const char *ctl_path, unsigned idx, const char *fs_dir,
    int wait_ms, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->idx = idx;
	p->ctl_fd = p->data_fd = -1;
	p->mac[0] = 0x02;	/* locally administered unicast */
	p->mac[1] = 0x5e;
	p->mac[2] = (uint8_t)(getpid() >> 8);
	p->mac[3] = (uint8_t)getpid();
	p->mac[5] = (uint8_t)(idx + 1);

	struct sockaddr_un ctl;
	memset(&ctl, 0, sizeof(ctl));
	ctl.sun_family = AF_UNIX;
	if (strlen(ctl_path) >= sizeof(ctl.sun_path)) {
		snprintf(err, errlen, "control path %s is too long", ctl_path);
		return -1;
	}
	strcpy(ctl.sun_path, ctl_path);

	p->data_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	p->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->data_fd < 0 || p->ctl_fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	p->local.sun_family = AF_UNIX;
	if (fs_dir != NULL) {
		int n = snprintf(p->fs_path, sizeof(p->fs_path), "%s/swprobe-%d-%u", fs_dir,
		    (int)getpid(), idx);
		if (n < 0 || (size_t)n >= sizeof(p->fs_path)) {
			snprintf(err, errlen, "directory %s is too long for a socket path", fs_dir);
			p->fs_path[0] = '\0';
			goto fail;
		}
		strcpy(p->local.sun_path, p->fs_path);
		unlink(p->fs_path);
		p->local_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p->fs_path) + 1);
	} else {
		/* Like UML: a zero byte, then something unique, full length. */
		snprintf(p->local.sun_path + 1, sizeof(p->local.sun_path) - 1, "swprobe-%d-%u",
		    (int)getpid(), idx);
		p->local_len = sizeof(p->local);
	}
	if (bind(p->data_fd, (struct sockaddr *)&p->local, p->local_len) != 0) {
		snprintf(err, errlen, "bind data socket: %s", strerror(errno));
		goto fail;
	}
	if (connect(p->ctl_fd, (struct sockaddr *)&ctl, sizeof(ctl)) != 0) {
		snprintf(err, errlen, "connect %s: %s", ctl_path, strerror(errno));
		goto fail;
	}

	struct probe_request req;
	memset(&req, 0, sizeof(req));
	req.magic = PROBE_MAGIC;
	req.version = PROBE_VERSION;
	req.type = PROBE_REQ_NEW_CONTROL;
	req.sock = p->local;
	if (write(p->ctl_fd, &req, sizeof(req)) != (ssize_t)sizeof(req)) {
		snprintf(err, errlen, "write request: %s", strerror(errno));
		goto fail;
	}
	struct pollfd pfd = { .fd = p->ctl_fd, .events = POLLIN };
	if (poll(&pfd, 1, wait_ms) != 1) {
		snprintf(err, errlen, "no reply within %d ms", wait_ms);
		goto fail;
	}
	/* UML reads the reply with one read() and wants exactly 110 bytes. */
	unsigned char reply[sizeof(struct sockaddr_un) + 16];
	ssize_t n = read(p->ctl_fd, reply, sizeof(reply));
	if (n != (ssize_t)sizeof(struct sockaddr_un)) {
		snprintf(err, errlen, "reply is %zd bytes, UML needs exactly %zu", n,
		    sizeof(struct sockaddr_un));
		goto fail;
	}
	memcpy(&p->remote, reply, sizeof(p->remote));
	if (p->remote.sun_family != AF_UNIX) {
		snprintf(err, errlen, "reply has address family %u", (unsigned)p->remote.sun_family);
		goto fail;
	}
	return 0;

fail:
	if (p->ctl_fd >= 0)
		close(p->ctl_fd);
	if (p->data_fd >= 0)
		close(p->data_fd);
	if (p->fs_path[0] != '\0')
		unlink(p->fs_path);
	p->ctl_fd = p->data_fd = -1;
	return -1;
}

/* Unplug (close the control connection) but keep the data socket, so that
 * frames still sent to it can be noticed. */
static void port_unplug(struct probe_port *p)
{
	if (p->ctl_fd >= 0)
		close(p->ctl_fd);
	p->ctl_fd = -1;
}

static void port_close(struct probe_port *p)
{
	port_unplug(p);
	if (p->data_fd >= 0)
		close(p->data_fd);
	if (p->fs_path[0] != '\0')
		unlink(p->fs_path);
	p->data_fd = -1;
}

/* One frame of len bytes (at least 26) from p to dst; as UML does, sendto the
 * switch's address with the full sockaddr length. */
static int port_send(struct probe_port *p, const uint8_t dst[6], uint32_t seq, size_t len)
{
	unsigned char frame[PROBE_FRAME_MAX];
	if (len < 26 || len > sizeof(frame))
		return -1;
	memset(frame, 0, len);
	memcpy(frame, dst, 6);
	memcpy(frame + 6, p->mac, 6);
	frame[12] = PROBE_ETHERTYPE >> 8;
	frame[13] = PROBE_ETHERTYPE & 0xff;
	memcpy(frame + 14, PROBE_TAG, 4);
	uint32_t from = p->idx;
	memcpy(frame + 18, &from, 4);
	memcpy(frame + 22, &seq, 4);
	if (sendto(p->data_fd, frame, len, 0, (struct sockaddr *)&p->remote, sizeof(p->remote)) !=
	    (ssize_t)len)
		return -1;
	p->sent++;
	return 0;
}

/* The next probe frame within timeout_ms: 1, or 0 when none came (frames
 * that are not ours are skipped). */
static int port_recv(struct probe_port *p, struct probe_frame *f, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		uint64_t now = now_ms();
		int left = now >= end ? 0 : (int)(end - now);
		struct pollfd pfd = { .fd = p->data_fd, .events = POLLIN };
		if (poll(&pfd, 1, left) != 1)
			return 0;
		unsigned char frame[PROBE_FRAME_MAX];
		ssize_t n = recv(p->data_fd, frame, sizeof(frame), MSG_DONTWAIT);
		if (n < 26 || memcmp(frame + 14, PROBE_TAG, 4) != 0)
			continue;
		memcpy(f->dst, frame, 6);
		memcpy(f->src, frame + 6, 6);
		memcpy(&f->from, frame + 18, 4);
		memcpy(&f->seq, frame + 22, 4);
		f->len = (size_t)n;
		p->received++;
		return 1;
	}
}

/* Whether p receives frame seq from sender within timeout_ms. */
static bool port_expect(struct probe_port *p, unsigned from, uint32_t seq, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	struct probe_frame f;
	for (;;) {
		uint64_t now = now_ms();
		if (now >= end)
			return false;
		if (port_recv(p, &f, (int)(end - now)) == 0)
			return false;
		if (f.from == from && f.seq == seq)
			return true;
	}
}

static void port_drain(struct probe_port *p)
{
	struct probe_frame f;
	while (port_recv(p, &f, 0) == 1)
		;
}

/* ---- the checks ---- */

struct probe_opts {
	const char *ctl_path;
	const char *fs_dir;
	unsigned nports;
	bool hub;
	int wait_ms;	/* how long a frame that should come may take */
	int quiet_ms;	/* how long we listen for a frame that should not come */
};

/* Send one frame from ports[from] to dst and check who gets it: want[i]
 * says whether port i should. */
static void probe_delivery(struct probe_port *ports, const struct probe_opts *o, unsigned from,
    const uint8_t dst[6], uint32_t seq, const bool *want, const char *what)
{
	for (unsigned i = 0; i < o->nports; i++)
		if (ports[i].data_fd >= 0)
			port_drain(&ports[i]);
	if (port_send(&ports[from], dst, seq, 64) != 0) {
		probe_result(false, "%s: send from port %u: %s", what, from, strerror(errno));
		return;
	}
	for (unsigned i = 0; i < o->nports; i++) {
		if (ports[i].data_fd < 0)
			continue;
		bool got = port_expect(&ports[i], from, seq, want[i] ? o->wait_ms : o->quiet_ms);
		probe_result(got == want[i], "%s: port %u %s it", what, i,
		    got ? "received" : "did not receive");
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: swprobe [-n PORTS] [--expect switch|hub] [--fs DIR] [--wait MS] "
	    "CTL_PATH\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct probe_opts o = { .nports = 3, .wait_ms = 1000, .quiet_ms = 200 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-n") == 0 && i + 1 < argc) {
			o.nports = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(a, "--expect") == 0 && i + 1 < argc) {
			const char *m = argv[++i];
			if (strcmp(m, "hub") == 0)
				o.hub = true;
			else if (strcmp(m, "switch") == 0)
				o.hub = false;
			else
				usage();
		} else if (strcmp(a, "--fs") == 0 && i + 1 < argc) {
			o.fs_dir = argv[++i];
		} else if (strcmp(a, "--wait") == 0 && i + 1 < argc) {
			o.wait_ms = atoi(argv[++i]);
		} else if (a[0] == '-' || o.ctl_path != NULL) {
			usage();
		} else {
			o.ctl_path = a;
		}
	}
	if (o.ctl_path == NULL || o.nports < 3 || o.nports > PROBE_MAX_PORTS || o.wait_ms <= 0)
		usage();

	struct probe_port ports[PROBE_MAX_PORTS];
	for (unsigned i = 0; i < o.nports; i++) {
		char err[256];
		if (port_attach(&ports[i], o.ctl_path, i, o.fs_dir, o.wait_ms, err, sizeof(err)) != 0) {
			probe_result(false, "attach port %u to %s: %s", i, o.ctl_path, err);
			for (unsigned j = 0; j < i; j++)
				port_close(&ports[j]);
			return 1;
		}
	}
	probe_result(true, "attached %u ports to %s (%s data sockets)", o.nports, o.ctl_path,
	    o.fs_dir ? "filesystem" : "abstract");

	bool want[PROBE_MAX_PORTS];
	uint32_t seq = 1;
	unsigned last = o.nports - 1;

	/* Broadcast reaches everyone but the sender. */
	for (unsigned i = 0; i < o.nports; i++)
		want[i] = i != 0;
	probe_delivery(ports, &o, 0, mac_bcast, seq++, want, "broadcast from port 0");

	/* Every port speaks once, so a learning switch knows every MAC. */
	for (unsigned i = 1; i < o.nports; i++) {
		for (unsigned j = 0; j < o.nports; j++)
			want[j] = j != i;
		char what[64];
		snprintf(what, sizeof(what), "broadcast from port %u", i);
		probe_delivery(ports, &o, i, mac_bcast, seq++, want, what);
	}

	/* Known unicast: only its owner (switch), everyone else (hub). */
	for (unsigned i = 0; i < o.nports; i++)
		want[i] = i == 1 || (o.hub && i != 0);
	probe_delivery(ports, &o, 0, ports[1].mac, seq++, want, "unicast 0->1");
	for (unsigned i = 0; i < o.nports; i++)
		want[i] = i == 0 || (o.hub && i != last);
	probe_delivery(ports, &o, last, ports[0].mac, seq++, want, "unicast last->0");

	/* Unknown unicast floods. */
	const uint8_t unknown[6] = { 0x02, 0x5e, 0xee, 0xee, 0xee, 0xee };
	for (unsigned i = 0; i < o.nports; i++)
		want[i] = i != 0;
	probe_delivery(ports, &o, 0, unknown, seq++, want, "unknown unicast from port 0");

	/* An unplugged port gets nothing more, not even broadcasts. */
	port_unplug(&ports[last]);
	sleep_ms(100);	/* the switch notices the closed connection */
	for (unsigned i = 0; i < o.nports; i++)
		want[i] = i != 0 && i != last;
	probe_delivery(ports, &o, 0, mac_bcast, seq++, want, "broadcast after unplugging the last port");

	for (unsigned i = 0; i < o.nports; i++)
		port_close(&ports[i]);
	printf("%s: %u check(s) failed\n", probe_failures ? "FAIL" : "PASS", probe_failures);
	return probe_failures ? 1 : 0;
}
