/* tests/tools/swprobe.c: a uml_switch daemon-protocol client: checks any switch's delivery, and is the benchmarks' load generator.
 *
 * Over 800 lines: one standalone program (built from this one file, linking
 * nothing of umllab) with its four modes, which share its ports and timing.
 *
 *   swprobe [-n PORTS] [--expect switch|hub] [--fs DIR] [--wait MS] CTL_PATH
 *   swprobe load [--pairs P] [--size B] [--window W] [--secs S] [--warm S]
 *                [--connect | --bess DIR] [--tag VID] [--pid PID] CTL_PATH
 *   swprobe rtt [--count N] [--size B] [--bess DIR] [--tag VID] [--pid PID] CTL_PATH
 *   swprobe light [--senders K] [--size B] [--window W] [--secs S] [--warm S]
 *                 [--bess DIR] [--pid PID] CTL_PATH
 *
 * The check (first form) attaches PORTS fake UML ports (data sockets bound to
 * abstract names with the full sockaddr length, as UML does; with --fs, to
 * files in DIR instead), checks broadcast, unicast and unknown-unicast
 * delivery and unplugging, and prints one PASS or FAIL line per check. Exit
 * status 0 when all pass, 1 when any fails, 2 on a usage or setup error.
 *
 * `load` attaches 2P ports in pairs; both ports of a pair stream B-byte
 * frames to each other, each stream with at most W frames in flight (a closed
 * loop, so the generator never outruns the switch by more than W frames a
 * stream), and prints one line of key=value results: frames per second
 * delivered to their destination during S seconds after S_warm of warm-up,
 * the loss over the whole run, and with --pid the CPU time the switch process
 * spent, so a generator-limited run still compares switches by frames per
 * switch CPU-second. `rtt` times N one-frame ping-pongs between two ports and
 * prints the median, 99th percentile and mean round trip. With --bess, port
 * i is not a daemon-protocol port but a cable, as the lab's kernels use: a
 * SOCK_SEQPACKET connection to DIR/pI (UML's vector transport=bess), so the
 * two transports of one switch can be compared. With --tag, every frame
 * load and rtt send carries an 802.1Q tag of VLAN VID (for a switch's trunk
 * ports), and frames are taken back with their tag or without it. `light` is a lab's
 * usual load, few frames in flight from a few senders to one receiver (see
 * its part below): frames per second, per switch CPU-second, the switch's
 * sleeps per frame, and each frame's time from send to delivery.
 *
 * Standalone: it links nothing of umllab, so it judges umllab's switch and
 * the stock ones (uml_switch, vde_switch) alike. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
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
static unsigned probe_tag;	/* load --tag: the VLAN its frames carry, 0 for none */

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
	/* A switch that has just started may have bound its socket and not yet
	 * listen()ed: refused (or absent) for a moment, then fine. */
	uint64_t give_up = now_ms() + (uint64_t)wait_ms;
	while (connect(p->ctl_fd, (struct sockaddr *)&ctl, sizeof(ctl)) != 0) {
		if ((errno != ECONNREFUSED && errno != ENOENT) || now_ms() >= give_up) {
			snprintf(err, errlen, "connect %s: %s", ctl_path, strerror(errno));
			goto fail;
		}
		sleep_ms(10);
		close(p->ctl_fd);
		p->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (p->ctl_fd < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			goto fail;
		}
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
	size_t t = probe_tag ? 4 : 0;
	if (probe_tag) {
		frame[12] = 0x81;
		frame[13] = 0x00;
		frame[14] = (unsigned char)(probe_tag >> 8);
		frame[15] = (unsigned char)probe_tag;
	}
	frame[12 + t] = PROBE_ETHERTYPE >> 8;
	frame[13 + t] = PROBE_ETHERTYPE & 0xff;
	memcpy(frame + 14 + t, PROBE_TAG, 4);
	uint32_t from = p->idx;
	memcpy(frame + 18 + t, &from, 4);
	memcpy(frame + 22 + t, &seq, 4);
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
		size_t t = n >= 18 && frame[12] == 0x81 && frame[13] == 0x00 ? 4 : 0;	/* 802.1Q */
		if (n < (ssize_t)(26 + t) || memcmp(frame + 14 + t, PROBE_TAG, 4) != 0)
			continue;
		memcpy(f->dst, frame, 6);
		memcpy(f->src, frame + 6, 6);
		memcpy(&f->from, frame + 18 + t, 4);
		memcpy(&f->seq, frame + 22 + t, 4);
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

/* ---- load generator and round trip ---- */

#define GEN_BATCH 64		/* frames per sendmmsg / recvmmsg */
#define GEN_HDR 32		/* bytes of each received frame the generator reads */
#define GEN_STALL_NS 20000000ull	/* a stream with nothing delivered for 20 ms: its frames in flight are lost */
#define GEN_DRAIN_MS 200	/* after sending stops, how long to wait for stragglers */

struct gen_opts {
	const char *ctl_path;
	unsigned pairs;
	size_t size;
	unsigned window;
	double secs;
	double warm;
	bool connect;
	const char *bess_dir;	/* cables DIR/p0, DIR/p1, ... instead of daemon ports */
	long pid;
	unsigned count;
	unsigned senders;	/* light: sending threads (1: one thread sends from two ports) */
};

/* One stream: from port i to its partner, port i ^ 1. */
struct gen_stream {
	uint32_t next;		/* next sequence number to send */
	uint32_t acked;		/* 1 + the highest sequence number delivered */
	uint64_t sent;
	uint64_t delivered;
	uint64_t progress_ns;	/* when it last sent or had a frame delivered */
	bool blocked;		/* the last send would have blocked */
	unsigned char (*buf)[PROBE_FRAME_MAX];	/* GEN_BATCH frames, headers prebuilt */
	struct mmsghdr tx[GEN_BATCH];
	struct iovec tx_iov[GEN_BATCH];
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time (ns) used so far by every thread of process pid; -1 if unknown.
 * schedstat is exact to the nanosecond where the kernel has it, stat counts
 * clock ticks otherwise. */
static int64_t gen_cpu_ns(long pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return -1;
	int64_t total = 0;
	bool any = false;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char f[128];
		snprintf(f, sizeof(f), "/proc/%ld/task/%.20s/schedstat", pid, e->d_name);
		FILE *fp = fopen(f, "r");
		unsigned long long run = 0;
		if (fp != NULL && fscanf(fp, "%llu", &run) == 1) {
			total += (int64_t)run;
			any = true;
		}
		if (fp != NULL)
			fclose(fp);
	}
	closedir(d);
	if (any)
		return total;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	char line[1024];
	int64_t r = -1;
	if (fgets(line, sizeof(line), fp) != NULL) {
		char *p = strrchr(line, ')');
		unsigned long long ut, st;
		/* after ") ": state, then fields 4..13, then utime (14), stime (15) */
		if (p != NULL && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		    &ut, &st) == 2)
			r = (int64_t)((ut + st) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK)));
	}
	fclose(fp);
	return r;
}

static int64_t gen_self_cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)ru.ru_utime.tv_sec * 1000000000 + (int64_t)ru.ru_utime.tv_usec * 1000 +
	    (int64_t)ru.ru_stime.tv_sec * 1000000000 + (int64_t)ru.ru_stime.tv_usec * 1000;
}

/* Busy and total CPU time of the whole machine so far (clock ticks), from
 * /proc/stat: what the switch and the generator did not use, others did. */
struct gen_stat {
	unsigned long long busy, total;
};

static void gen_machine(struct gen_stat *st)
{
	st->busy = st->total = 0;
	FILE *fp = fopen("/proc/stat", "r");
	if (fp == NULL)
		return;
	unsigned long long v[8] = { 0 };
	if (fscanf(fp, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
	    &v[4], &v[5], &v[6], &v[7]) == 8) {
		for (int i = 0; i < 8; i++)
			st->total += v[i];
		st->busy = st->total - v[3] - v[4];	/* minus idle and iowait */
	}
	fclose(fp);
}

/* Cores' worth of CPU the rest of the machine used between a and b: busy
 * time minus what the switch and the generator used (seconds, over secs). */
static double gen_others(const struct gen_stat *a, const struct gen_stat *b, double used, double secs)
{
	if (b->total <= a->total || secs <= 0)
		return -1;
	double busy = (double)(b->busy - a->busy) / (double)sysconf(_SC_CLK_TCK);
	double others = (busy - used) / secs;
	return others < 0 ? 0 : others;
}

/* Port idx as a cable: a SOCK_SEQPACKET connection to DIR/pIDX. */
static int port_attach_bess(struct probe_port *p, const char *dir, unsigned idx, char *err,
    size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->idx = idx;
	p->ctl_fd = -1;
	p->mac[0] = 0x02;
	p->mac[1] = 0x5e;
	p->mac[2] = (uint8_t)(getpid() >> 8);
	p->mac[3] = (uint8_t)getpid();
	p->mac[5] = (uint8_t)(idx + 1);
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	int n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/p%u", dir, idx);
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "directory %s is too long for a socket path", dir);
		return -1;
	}
	p->data_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (p->data_fd < 0 || connect(p->data_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		snprintf(err, errlen, "connect %s: %s", sun.sun_path, strerror(errno));
		if (p->data_fd >= 0)
			close(p->data_fd);
		p->data_fd = -1;
		return -1;
	}
	return 0;
}

static int gen_attach(struct probe_port *ports, unsigned n, const struct gen_opts *o)
{
	unsigned done = 0;
	for (; done < n; done++) {
		struct probe_port *p = &ports[done];
		char err[256];
		if (o->bess_dir != NULL) {
			if (port_attach_bess(p, o->bess_dir, done, err, sizeof(err)) != 0) {
				fprintf(stderr, "swprobe: attach port %u: %s\n", done, err);
				goto fail;
			}
			continue;
		}
		if (port_attach(p, o->ctl_path, done, NULL, 2000, err, sizeof(err)) != 0) {
			fprintf(stderr, "swprobe: attach port %u to %s: %s\n", done, o->ctl_path, err);
			goto fail;
		}
		/* Connected, a port's socket is woken when the switch's queue has
		 * room, and the switch's sends to it skip the receive-queue limit
		 * (net.unix.max_dgram_qlen): see docs/performance.md. */
		if (o->connect && connect(p->data_fd, (struct sockaddr *)&p->remote,
		    sizeof(p->remote)) != 0) {
			fprintf(stderr, "swprobe: connect port %u's data socket: %s\n", done,
			    strerror(errno));
			port_close(p);
			goto fail;
		}
	}
	/* Every port speaks once so a learning switch knows every MAC, then
	 * the copies of those broadcasts are drained. */
	for (unsigned i = 0; i < n; i++)
		if (port_send(&ports[i], mac_bcast, 0, 64) != 0) {
			fprintf(stderr, "swprobe: send from port %u: %s\n", i, strerror(errno));
			goto fail;
		}
	sleep_ms(50);
	for (unsigned i = 0; i < n; i++)
		port_drain(&ports[i]);
	return 0;

fail:
	for (unsigned j = 0; j < done; j++)
		port_close(&ports[j]);
	return -1;
}

/* Send up to the stream's window from port i. Returns frames sent. */
static unsigned gen_send(struct probe_port *p, struct gen_stream *s, const struct gen_opts *o,
    uint64_t now)
{
	uint32_t inflight = s->next - s->acked;
	if (inflight >= o->window)
		return 0;
	unsigned k = o->window - inflight;
	if (k > GEN_BATCH)
		k = GEN_BATCH;
	for (unsigned j = 0; j < k; j++) {
		uint32_t seq = s->next + j;
		memcpy(s->buf[j] + 22 + (probe_tag ? 4 : 0), &seq, 4);
	}
	int r = sendmmsg(p->data_fd, s->tx, k, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r <= 0) {
		s->blocked = true;
		return 0;
	}
	s->blocked = (unsigned)r < k;
	s->next += (uint32_t)r;
	s->sent += (unsigned)r;
	s->progress_ns = now;
	return (unsigned)r;
}

/* Drain port i's socket. Returns frames read; counts deliveries. */
static unsigned gen_recv(struct probe_port *ports, unsigned i, struct gen_stream *streams, unsigned n,
    uint64_t now, uint64_t *extra)
{
	static unsigned char rxbuf[GEN_BATCH][GEN_HDR];
	static struct iovec iov[GEN_BATCH];
	static struct mmsghdr rx[GEN_BATCH];
	unsigned total = 0;
	for (int round = 0; round < 4; round++) {
		for (unsigned j = 0; j < GEN_BATCH; j++) {
			iov[j].iov_base = rxbuf[j];
			iov[j].iov_len = GEN_HDR;
			memset(&rx[j].msg_hdr, 0, sizeof(rx[j].msg_hdr));
			rx[j].msg_hdr.msg_iov = &iov[j];
			rx[j].msg_hdr.msg_iovlen = 1;
		}
		/* Only the header is copied out: the rest of a frame is discarded
		 * by the kernel, so big frames cost the generator little. */
		int r = recvmmsg(ports[i].data_fd, rx, GEN_BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0)
			break;
		for (int j = 0; j < r; j++) {
			const unsigned char *f = rxbuf[j];
			uint32_t from, seq;
			if (f[12] == 0x81 && f[13] == 0x00)
				f += 4;	/* past an 802.1Q tag */
			if (rx[j].msg_len < (f == rxbuf[j] ? 26u : 30u) ||
			    memcmp(f + 14, PROBE_TAG, 4) != 0) {
				(*extra)++;
				continue;
			}
			memcpy(&from, f + 18, 4);
			memcpy(&seq, f + 22, 4);
			if (from >= n || (from ^ 1) != i) {
				(*extra)++;	/* flooded to a port it was not for */
				continue;
			}
			struct gen_stream *s = &streams[from];
			s->delivered++;
			s->progress_ns = now;
			if ((int32_t)(seq + 1 - s->acked) > 0)
				s->acked = seq + 1;
		}
		total += (unsigned)r;
		if (r < GEN_BATCH)
			break;
	}
	ports[i].received += total;
	return total;
}

static int gen_load(const struct gen_opts *o)
{
	unsigned n = o->pairs * 2;
	struct probe_port ports[PROBE_MAX_PORTS];
	struct gen_stream *streams = calloc(n, sizeof(*streams));
	if (streams == NULL)
		return 2;
	if (gen_attach(ports, n, o) != 0) {
		free(streams);
		return 2;
	}
	for (unsigned i = 0; i < n; i++) {
		struct gen_stream *s = &streams[i];
		s->buf = calloc(GEN_BATCH, sizeof(*s->buf));
		if (s->buf == NULL) {
			fprintf(stderr, "swprobe: out of memory\n");
			exit(2);
		}
		for (unsigned j = 0; j < GEN_BATCH; j++) {
			unsigned char *f = s->buf[j];
			memcpy(f, ports[i ^ 1].mac, 6);
			memcpy(f + 6, ports[i].mac, 6);
			if (probe_tag) {
				f[12] = 0x81;
				f[13] = 0x00;
				f[14] = (unsigned char)(probe_tag >> 8);
				f[15] = (unsigned char)probe_tag;
				f += 4;
			}
			f[12] = PROBE_ETHERTYPE >> 8;
			f[13] = PROBE_ETHERTYPE & 0xff;
			memcpy(f + 14, PROBE_TAG, 4);
			uint32_t from = i;
			memcpy(f + 18, &from, 4);
			f = s->buf[j];
			s->tx_iov[j].iov_base = f;
			s->tx_iov[j].iov_len = o->size;
			s->tx[j].msg_hdr.msg_iov = &s->tx_iov[j];
			s->tx[j].msg_hdr.msg_iovlen = 1;
			if (!o->connect && o->bess_dir == NULL) {
				s->tx[j].msg_hdr.msg_name = &ports[i].remote;
				s->tx[j].msg_hdr.msg_namelen = sizeof(ports[i].remote);
			}
		}
	}

	struct pollfd pfd[PROBE_MAX_PORTS];
	uint64_t extra = 0;
	uint64_t t0 = now_ns();
	uint64_t t_measure = t0 + (uint64_t)(o->warm * 1e9);
	uint64_t t_end = t_measure + (uint64_t)(o->secs * 1e9);
	for (unsigned i = 0; i < n; i++)
		streams[i].progress_ns = t0;
	bool measuring = false;
	struct gen_stat m_stat = { 0, 0 }, e_stat;
	uint64_t m_delivered = 0, m_t = 0;
	int64_t m_cpu = -1, m_self = 0;
	uint64_t stalls = 0;
	for (;;) {
		uint64_t now = now_ns();
		if (!measuring && now >= t_measure) {
			measuring = true;
			m_t = now;
			for (unsigned i = 0; i < n; i++)
				m_delivered += streams[i].delivered;
			m_cpu = o->pid > 0 ? gen_cpu_ns(o->pid) : -1;
			m_self = gen_self_cpu_ns();
			gen_machine(&m_stat);
		}
		if (now >= t_end)
			break;
		unsigned moved = 0;
		for (unsigned i = 0; i < n; i++)
			moved += gen_send(&ports[i], &streams[i], o, now);
		for (unsigned i = 0; i < n; i++)
			moved += gen_recv(ports, i, streams, n, now, &extra);
		if (moved != 0)
			continue;
		bool want_out = false;
		for (unsigned i = 0; i < n; i++) {
			pfd[i].fd = ports[i].data_fd;
			pfd[i].events = POLLIN | (streams[i].blocked ? POLLOUT : 0);
			want_out |= streams[i].blocked;
			pfd[i].revents = 0;
		}
		poll(pfd, n, 2);
		now = now_ns();
		for (unsigned i = 0; i < n; i++) {
			struct gen_stream *s = &streams[i];
			if (s->next != s->acked && now - s->progress_ns > GEN_STALL_NS) {
				s->acked = s->next;	/* given up for lost */
				s->progress_ns = now;
				stalls++;
			}
			if (pfd[i].revents & POLLOUT)
				s->blocked = false;
		}
		(void)want_out;
	}
	uint64_t t1 = now_ns();
	int64_t cpu1 = o->pid > 0 ? gen_cpu_ns(o->pid) : -1;
	int64_t self1 = gen_self_cpu_ns();
	gen_machine(&e_stat);
	uint64_t delivered1 = 0;
	for (unsigned i = 0; i < n; i++)
		delivered1 += streams[i].delivered;

	/* Stragglers still on their way count as delivered, not lost. */
	uint64_t quiet_until = now_ms() + GEN_DRAIN_MS;
	while (now_ms() < quiet_until) {
		unsigned got = 0;
		for (unsigned i = 0; i < n; i++)
			got += gen_recv(ports, i, streams, n, now_ns(), &extra);
		if (got == 0) {
			for (unsigned i = 0; i < n; i++) {
				pfd[i].fd = ports[i].data_fd;
				pfd[i].events = POLLIN;
			}
			poll(pfd, n, 10);
		} else {
			quiet_until = now_ms() + GEN_DRAIN_MS;
		}
	}
	uint64_t sent = 0, delivered = 0;
	for (unsigned i = 0; i < n; i++) {
		sent += streams[i].sent;
		delivered += streams[i].delivered;
	}
	double secs = (double)(t1 - m_t) / 1e9;
	double fps = (double)(delivered1 - m_delivered) / secs;
	double loss = sent ? (double)(sent - (delivered < sent ? delivered : sent)) / (double)sent : 0;
	double sw_cpu = (m_cpu >= 0 && cpu1 >= 0) ? (double)(cpu1 - m_cpu) / 1e9 : -1;
	double gen_cpu = (double)(self1 - m_self) / 1e9;
	printf("load pairs=%u size=%zu window=%u connect=%d secs=%.3f sent=%llu delivered=%llu "
	    "extra=%llu stalls=%llu fps=%.0f loss=%.6f switch_cpu=%.3f fps_per_switch_cpu=%.0f "
	    "gen_cpu=%.3f others=%.2f\n", o->pairs, o->size, o->window, o->connect, secs,
	    (unsigned long long)sent, (unsigned long long)delivered, (unsigned long long)extra,
	    (unsigned long long)stalls, fps, loss, sw_cpu,
	    sw_cpu > 0 ? (double)(delivered1 - m_delivered) / sw_cpu : -1.0, gen_cpu,
	    gen_others(&m_stat, &e_stat, gen_cpu + (sw_cpu > 0 ? sw_cpu : 0), secs));
	fflush(stdout);
	for (unsigned i = 0; i < n; i++) {
		port_close(&ports[i]);
		free(streams[i].buf);
	}
	free(streams);
	return 0;
}

static int gen_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Wait for frame seq from port `from` on p; false after timeout_ms. */
static bool gen_wait(struct probe_port *p, unsigned from, uint32_t seq, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		unsigned char f[GEN_HDR];
		ssize_t r = recv(p->data_fd, f, sizeof(f), 0);
		size_t t = r >= 18 && f[12] == 0x81 && f[13] == 0x00 ? 4 : 0;	/* 802.1Q */
		if (r >= (ssize_t)(26 + t) && memcmp(f + 14 + t, PROBE_TAG, 4) == 0) {
			uint32_t ffrom, fseq;
			memcpy(&ffrom, f + 18 + t, 4);
			memcpy(&fseq, f + 22 + t, 4);
			if (ffrom == from && fseq == seq)
				return true;
		}
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			return false;
		if (now_ms() >= end)
			return false;
	}
}

static int gen_rtt(const struct gen_opts *o)
{
	struct probe_port ports[2];
	if (gen_attach(ports, 2, o) != 0)
		return 2;
	/* A blocking receive with a time limit: the round trip includes the
	 * wake-ups a guest would see, no busy polling. */
	struct timeval tv = { .tv_sec = 1, .tv_usec = 0 };
	for (unsigned i = 0; i < 2; i++)
		setsockopt(ports[i].data_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint64_t *rtt = calloc(o->count, sizeof(*rtt));
	if (rtt == NULL)
		return 2;
	unsigned got = 0, lost = 0;
	int64_t cpu0 = o->pid > 0 ? gen_cpu_ns(o->pid) : -1;
	int64_t self0 = gen_self_cpu_ns();
	struct gen_stat st0, st1;
	gen_machine(&st0);
	uint64_t start = now_ns();
	for (unsigned i = 0; i < o->count; i++) {
		uint32_t seq = i + 1;
		uint64_t t0 = now_ns();
		if (port_send(&ports[0], ports[1].mac, seq, o->size) != 0 ||
		    !gen_wait(&ports[1], 0, seq, 1000) ||
		    port_send(&ports[1], ports[0].mac, seq, o->size) != 0 ||
		    !gen_wait(&ports[0], 1, seq, 1000)) {
			lost++;
			continue;
		}
		rtt[got++] = now_ns() - t0;
	}
	int64_t cpu1 = o->pid > 0 ? gen_cpu_ns(o->pid) : -1;
	int64_t self1 = gen_self_cpu_ns();
	gen_machine(&st1);
	double secs = (double)(now_ns() - start) / 1e9;
	double sw_cpu = (cpu0 >= 0 && cpu1 >= 0) ? (double)(cpu1 - cpu0) / 1e9 : -1.0;
	double gen_cpu = (double)(self1 - self0) / 1e9;
	qsort(rtt, got, sizeof(*rtt), gen_cmp_u64);
	double sum = 0;
	for (unsigned i = 0; i < got; i++)
		sum += (double)rtt[i];
	printf("rtt size=%zu count=%u lost=%u p50_us=%.2f p99_us=%.2f mean_us=%.2f min_us=%.2f "
	    "switch_cpu=%.3f gen_cpu=%.3f others=%.2f\n", o->size, got, lost,
	    got ? (double)rtt[got / 2] / 1e3 : -1.0,
	    got ? (double)rtt[(size_t)((got - 1) * 0.99)] / 1e3 : -1.0,
	    got ? sum / got / 1e3 : -1.0, got ? (double)rtt[0] / 1e3 : -1.0,
	    sw_cpu, gen_cpu, gen_others(&st0, &st1, gen_cpu + (sw_cpu > 0 ? sw_cpu : 0), secs));
	fflush(stdout);
	free(rtt);
	port_close(&ports[0]);
	port_close(&ports[1]);
	return got ? 0 : 1;
}

/* ---- light load: few frames in flight, senders to one receiver ---- */

/* A lab is mostly light load: a few frames in flight, a few senders. `light`
 * sends round-robin from sender ports to one receiver port (port 0), with at
 * most W frames in flight in total (a closed loop): with one sender, one
 * thread sends from two ports and reads the receiver, as one busy guest
 * talking to another would look to a switch; with --senders K > 1, K threads
 * each send from a port of their own while another thread reads the
 * receiver, and they share the window. Every frame carries its send time:
 * the time to its delivery is the closed loop's round trip (median, p99).
 * With --pid, the switch's CPU time and its context switches (sleeps and
 * preemptions, from /proc) say what a frame costs the switch. */

#define LIGHT_HDR 48			/* bytes of each received frame read */
#define LIGHT_STAMP_OFF 26		/* the send time (ns) follows from and seq */
#define LIGHT_MIN_SIZE 34
#define LIGHT_SENDERS_MAX 16
#define LIGHT_LAT_MAX (1u << 23)	/* round trips kept (the rest are counted only) */

struct light_port {
	_Atomic uint32_t next;		/* next sequence number: its sender writes it */
	uint32_t acked;			/* 1 + the highest delivered or given up: the receiver's */
	_Atomic uint64_t sent;
	unsigned char frame[PROBE_FRAME_MAX];
};

struct light {
	const struct gen_opts *o;
	struct probe_port ports[LIGHT_SENDERS_MAX + 1];
	struct light_port lp[LIGHT_SENDERS_MAX + 1];
	unsigned nports;		/* the receiver and its senders */
	_Atomic uint32_t inflight;
	_Atomic uint32_t waiters;	/* sender threads waiting for room in the window */
	_Atomic bool stop;
	/* The receiver's. */
	uint64_t delivered, late, gaps, stalls;
	uint64_t m_start, m_end;	/* the measured window (ns) */
	uint64_t m_delivered;
	uint32_t *lat;
	size_t nlat;
	uint64_t progress_ns;
};

static int64_t light_futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

/* Context switches of every thread of pid so far (voluntary: it slept; and
 * not: it was preempted); -1 when unknown. */
static int64_t gen_ctxt(long pid, int64_t *involuntary)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	DIR *d = opendir(path);
	*involuntary = 0;
	if (d == NULL)
		return -1;
	int64_t vol = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char f[128], line[128];
		snprintf(f, sizeof(f), "/proc/%ld/task/%.20s/status", pid, e->d_name);
		FILE *fp = fopen(f, "r");
		if (fp == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL) {
			long long v;
			if (sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1)
				vol += v;
			else if (sscanf(line, "nonvoluntary_ctxt_switches: %lld", &v) == 1)
				*involuntary += v;
		}
		fclose(fp);
	}
	closedir(d);
	return vol;
}

/* Send one frame from sender port i; false when its socket is full now. */
static bool light_send(struct light *L, unsigned i, bool wait)
{
	struct light_port *lp = &L->lp[i];
	struct probe_port *p = &L->ports[i];
	uint32_t seq = atomic_load_explicit(&lp->next, memory_order_relaxed);
	uint64_t t = now_ns();
	memcpy(lp->frame + 22, &seq, 4);
	memcpy(lp->frame + LIGHT_STAMP_OFF, &t, 8);
	int flags = MSG_NOSIGNAL | (wait ? 0 : MSG_DONTWAIT);
	ssize_t r;
	if (L->o->bess_dir != NULL)
		r = send(p->data_fd, lp->frame, L->o->size, flags);
	else
		r = sendto(p->data_fd, lp->frame, L->o->size, flags, (struct sockaddr *)&p->remote,
		    sizeof(p->remote));
	if (r != (ssize_t)L->o->size)
		return false;
	atomic_store_explicit(&lp->next, seq + 1, memory_order_release);
	atomic_fetch_add_explicit(&lp->sent, 1, memory_order_relaxed);
	return true;
}

/* Room in the window again: wake the senders that wait for it. */
static void light_release(struct light *L, uint32_t n)
{
	if (n == 0)
		return;
	atomic_fetch_sub(&L->inflight, n);
	if (atomic_load(&L->waiters) != 0)
		light_futex(&L->inflight, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
}

/* Read what the receiver holds; returns frames read. */
static unsigned light_recv(struct light *L)
{
	static _Thread_local unsigned char rxbuf[GEN_BATCH][LIGHT_HDR];
	struct iovec iov[GEN_BATCH];
	struct mmsghdr rx[GEN_BATCH];
	for (unsigned j = 0; j < GEN_BATCH; j++) {
		iov[j].iov_base = rxbuf[j];
		iov[j].iov_len = LIGHT_HDR;
		memset(&rx[j].msg_hdr, 0, sizeof(rx[j].msg_hdr));
		rx[j].msg_hdr.msg_iov = &iov[j];
		rx[j].msg_hdr.msg_iovlen = 1;
	}
	int r = recvmmsg(L->ports[0].data_fd, rx, GEN_BATCH, MSG_DONTWAIT, NULL);
	if (r <= 0)
		return 0;
	uint64_t now = now_ns();
	bool measuring = now >= L->m_start && now < L->m_end;
	uint32_t freed = 0;
	for (int j = 0; j < r; j++) {
		const unsigned char *f = rxbuf[j];
		uint32_t from, seq;
		uint64_t t;
		if (rx[j].msg_len < LIGHT_MIN_SIZE || memcmp(f + 14, PROBE_TAG, 4) != 0)
			continue;
		memcpy(&from, f + 18, 4);
		memcpy(&seq, f + 22, 4);
		memcpy(&t, f + LIGHT_STAMP_OFF, 8);
		if (from == 0 || from >= L->nports)
			continue;
		struct light_port *lp = &L->lp[from];
		L->delivered++;
		if (measuring) {
			L->m_delivered++;
			if (L->nlat < LIGHT_LAT_MAX && now >= t)
				L->lat[L->nlat++] = (uint32_t)(now - t > UINT32_MAX ? UINT32_MAX : now - t);
		}
		if ((int32_t)(seq - lp->acked) < 0) {
			L->late++;	/* given up for lost already */
			continue;
		}
		/* Frames from one port come in order: the ones skipped are lost. */
		L->gaps += seq - lp->acked;
		freed += seq + 1 - lp->acked;
		lp->acked = seq + 1;
	}
	L->progress_ns = now;
	light_release(L, freed);
	return (unsigned)r;
}

/* Nothing delivered for GEN_STALL_NS: what is in flight is lost. */
static void light_stall(struct light *L, uint64_t now)
{
	if (atomic_load(&L->inflight) == 0 || now - L->progress_ns < GEN_STALL_NS)
		return;
	uint32_t freed = 0;
	for (unsigned i = 1; i < L->nports; i++) {
		uint32_t n = atomic_load_explicit(&L->lp[i].next, memory_order_acquire);
		if ((int32_t)(n - L->lp[i].acked) > 0) {
			freed += n - L->lp[i].acked;
			L->lp[i].acked = n;
		}
	}
	L->stalls++;
	L->progress_ns = now;
	light_release(L, freed);
}

/* One thread sends from every sender port in turn and reads the receiver. */
static void light_one_thread(struct light *L)
{
	unsigned rr = 0, nsend = L->nports - 1;
	for (;;) {
		uint64_t now = now_ns();
		if (now >= L->m_end)
			break;
		unsigned full = 0;
		while (atomic_load(&L->inflight) < L->o->window && full < nsend) {
			unsigned i = 1 + rr;
			rr = (rr + 1) % nsend;
			if (light_send(L, i, false)) {
				atomic_fetch_add(&L->inflight, 1);
				full = 0;
			} else {
				full++;	/* its socket is full now: try the next one */
			}
		}
		if (light_recv(L) != 0)
			continue;
		struct pollfd pfd = { .fd = L->ports[0].data_fd, .events = POLLIN };
		poll(&pfd, 1, full ? 1 : 2);
		light_stall(L, now_ns());
	}
}

struct light_sender {
	struct light *L;
	unsigned port;
	pthread_t th;
};

static void *light_sender_main(void *arg)
{
	struct light_sender *s = arg;
	struct light *L = s->L;
	while (!atomic_load(&L->stop)) {
		uint32_t cur = atomic_load(&L->inflight);
		if (cur >= L->o->window) {
			atomic_fetch_add(&L->waiters, 1);
			struct timespec ts = { 0, 2000000 };
			light_futex(&L->inflight, FUTEX_WAIT_PRIVATE, cur, &ts);
			atomic_fetch_sub(&L->waiters, 1);
			continue;
		}
		if (!atomic_compare_exchange_weak(&L->inflight, &cur, cur + 1))
			continue;
		/* A blocking send, as a guest's: the receiver is another thread. */
		while (!light_send(L, s->port, true) && !atomic_load(&L->stop))
			sleep_ms(1);
	}
	return NULL;
}

/* K sender threads; this one reads the receiver. */
static int light_threads(struct light *L)
{
	struct light_sender s[LIGHT_SENDERS_MAX];
	unsigned n = L->nports - 1, started = 0;
	atomic_store(&L->stop, false);
	/* A sender that blocks must not block forever once we stop. */
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	for (unsigned i = 0; i < n; i++) {
		setsockopt(L->ports[1 + i].data_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		s[i] = (struct light_sender){ .L = L, .port = 1 + i };
		if (pthread_create(&s[i].th, NULL, light_sender_main, &s[i]) != 0)
			break;
		started++;
	}
	if (started == n) {
		for (;;) {
			uint64_t now = now_ns();
			if (now >= L->m_end)
				break;
			if (light_recv(L) != 0)
				continue;
			struct pollfd pfd = { .fd = L->ports[0].data_fd, .events = POLLIN };
			poll(&pfd, 1, 2);
			light_stall(L, now_ns());
		}
	}
	atomic_store(&L->stop, true);
	light_futex(&L->inflight, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
	for (unsigned i = 0; i < started; i++)
		pthread_join(s[i].th, NULL);
	if (started != n) {
		fprintf(stderr, "swprobe: cannot start a sender thread\n");
		return -1;
	}
	return 0;
}

/* Until L->m_end: one thread, or K senders and a receiver. */
static int light_run(struct light *L)
{
	if (L->o->senders > 1)
		return light_threads(L);
	light_one_thread(L);
	return 0;
}

static int light_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int gen_light(const struct gen_opts *o)
{
	struct light *L = calloc(1, sizeof(*L));
	if (L == NULL)
		return 2;
	L->o = o;
	L->nports = 1 + (o->senders > 1 ? o->senders : 2);
	L->lat = malloc(LIGHT_LAT_MAX * sizeof(*L->lat));
	if (L->lat == NULL || gen_attach(L->ports, L->nports, o) != 0) {
		free(L->lat);
		free(L);
		return 2;
	}
	for (unsigned i = 1; i < L->nports; i++) {
		unsigned char *f = L->lp[i].frame;
		memcpy(f, L->ports[0].mac, 6);
		memcpy(f + 6, L->ports[i].mac, 6);
		f[12] = PROBE_ETHERTYPE >> 8;
		f[13] = PROBE_ETHERTYPE & 0xff;
		memcpy(f + 14, PROBE_TAG, 4);
		uint32_t from = i;
		memcpy(f + 18, &from, 4);
	}
	/* A warm-up first, measured by nothing; then the measured window, with
	 * the switch's and the machine's counters read at its ends. */
	uint64_t t0 = now_ns();
	L->progress_ns = t0;
	int rc = 0;
	if (o->warm > 0) {
		L->m_start = UINT64_MAX;
		L->m_end = t0 + (uint64_t)(o->warm * 1e9);
		rc = light_run(L);
	}
	uint64_t m0 = now_ns();
	L->m_start = m0;
	L->m_end = m0 + (uint64_t)(o->secs * 1e9);
	int64_t inv0 = 0, inv1 = 0;
	int64_t cpu0 = o->pid > 0 ? gen_cpu_ns(o->pid) : -1;
	int64_t vol0 = o->pid > 0 ? gen_ctxt(o->pid, &inv0) : -1;
	int64_t self0 = gen_self_cpu_ns();
	struct gen_stat st0, st1;
	gen_machine(&st0);
	uint64_t d0 = L->m_delivered;
	if (rc == 0)
		rc = light_run(L);
	uint64_t m1 = now_ns();
	int64_t cpu1 = o->pid > 0 ? gen_cpu_ns(o->pid) : -1;
	int64_t vol1 = o->pid > 0 ? gen_ctxt(o->pid, &inv1) : -1;
	int64_t self1 = gen_self_cpu_ns();
	gen_machine(&st1);
	uint64_t delivered = L->m_delivered - d0;

	/* Stragglers still on their way count as delivered, not lost. */
	uint64_t quiet_until = now_ms() + GEN_DRAIN_MS;
	L->m_start = L->m_end = 0;
	while (now_ms() < quiet_until) {
		if (light_recv(L) != 0) {
			quiet_until = now_ms() + GEN_DRAIN_MS;
			continue;
		}
		struct pollfd pfd = { .fd = L->ports[0].data_fd, .events = POLLIN };
		poll(&pfd, 1, 10);
	}
	uint64_t sent = 0;
	for (unsigned i = 1; i < L->nports; i++)
		sent += atomic_load(&L->lp[i].sent);
	double secs = (double)(m1 - m0) / 1e9;
	double sw_cpu = (cpu0 >= 0 && cpu1 >= 0) ? (double)(cpu1 - cpu0) / 1e9 : -1;
	double gen_cpu = (double)(self1 - self0) / 1e9;
	double loss = sent ? (double)(sent - (L->delivered < sent ? L->delivered : sent)) / (double)sent : 0;
	qsort(L->lat, L->nlat, sizeof(*L->lat), light_cmp_u32);
	double p50 = L->nlat ? L->lat[L->nlat / 2] / 1e3 : -1;
	double p99 = L->nlat ? L->lat[(size_t)((double)(L->nlat - 1) * 0.99)] / 1e3 : -1;
	double per = delivered ? 1.0 / (double)delivered : 0;
	printf("light senders=%u size=%zu window=%u secs=%.3f sent=%llu delivered=%llu late=%llu "
	    "gaps=%llu stalls=%llu fps=%.0f loss=%.6f p50_us=%.2f p99_us=%.2f switch_cpu=%.3f "
	    "fps_per_switch_cpu=%.0f switch_sleeps_per_frame=%.3f switch_preempted_per_frame=%.3f "
	    "switch_cpu_us_per_frame=%.3f gen_cpu=%.3f others=%.2f\n",
	    o->senders > 1 ? o->senders : 1, o->size, o->window, secs, (unsigned long long)sent,
	    (unsigned long long)delivered, (unsigned long long)L->late, (unsigned long long)L->gaps,
	    (unsigned long long)L->stalls, (double)delivered / secs, loss, p50, p99, sw_cpu,
	    sw_cpu > 0 ? (double)delivered / sw_cpu : -1.0,
	    vol0 >= 0 && vol1 >= 0 ? (double)(vol1 - vol0) * per : -1.0,
	    vol0 >= 0 && vol1 >= 0 ? (double)(inv1 - inv0) * per : -1.0,
	    sw_cpu > 0 ? sw_cpu * 1e6 * per : -1.0, gen_cpu,
	    gen_others(&st0, &st1, gen_cpu + (sw_cpu > 0 ? sw_cpu : 0), secs));
	fflush(stdout);
	for (unsigned i = 0; i < L->nports; i++)
		port_close(&L->ports[i]);
	free(L->lat);
	free(L);
	return rc == 0 ? 0 : 2;
}

static void gen_usage(void)
{
	fprintf(stderr, "usage: swprobe load [--pairs P] [--size BYTES] [--window W] [--secs S] "
	    "[--warm S] [--connect | --bess DIR] [--tag VID] [--pid PID] CTL_PATH\n"
	    "       swprobe rtt [--count N] [--size BYTES] [--bess DIR] [--tag VID] [--pid PID] CTL_PATH\n"
	    "       swprobe light [--senders K] [--size BYTES] [--window W] [--secs S] [--warm S] "
	    "[--bess DIR] [--pid PID] CTL_PATH\n");
	exit(2);
}

static int gen_main(int argc, char **argv)
{
	bool rtt = strcmp(argv[1], "rtt") == 0, light = strcmp(argv[1], "light") == 0;
	struct gen_opts o = { .pairs = 2, .size = 64, .window = 8, .secs = 2, .warm = 0.3,
	    .count = 5000, .senders = 1 };
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (strcmp(a, "--pairs") == 0 && more)
			o.pairs = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--size") == 0 && more)
			o.size = strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--window") == 0 && more)
			o.window = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--secs") == 0 && more)
			o.secs = strtod(argv[++i], NULL);
		else if (strcmp(a, "--warm") == 0 && more)
			o.warm = strtod(argv[++i], NULL);
		else if (strcmp(a, "--senders") == 0 && more)
			o.senders = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--count") == 0 && more)
			o.count = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--pid") == 0 && more)
			o.pid = strtol(argv[++i], NULL, 10);
		else if (strcmp(a, "--connect") == 0)
			o.connect = true;
		else if (strcmp(a, "--bess") == 0 && more)
			o.bess_dir = argv[++i];
		else if (strcmp(a, "--tag") == 0 && more)
			probe_tag = (unsigned)strtoul(argv[++i], NULL, 10) & 0xfff;
		else if (a[0] == '-' || o.ctl_path != NULL)
			gen_usage();
		else
			o.ctl_path = a;
	}
	if (o.ctl_path == NULL || o.pairs < 1 || o.pairs * 2 > PROBE_MAX_PORTS || o.size < 26 ||
	    o.size > 1536 || o.window < 1 || o.secs <= 0 || o.warm < 0 || o.count < 1 ||
	    o.senders < 1 || o.senders > LIGHT_SENDERS_MAX || (light && o.size < LIGHT_MIN_SIZE))
		gen_usage();
	if (light)
		return gen_light(&o);
	return rtt ? gen_rtt(&o) : gen_load(&o);
}

static void usage(void)
{
	fprintf(stderr, "usage: swprobe [-n PORTS] [--expect switch|hub] [--fs DIR] [--wait MS] "
	    "CTL_PATH\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "load") == 0 || strcmp(argv[1], "rtt") == 0 ||
	    strcmp(argv[1], "light") == 0))
		return gen_main(argc, argv);
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
