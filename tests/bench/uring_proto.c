/* tests/bench/uring_proto.c: an experiment, not part of umllab: a learning switch for cables on io_uring, to measure what one system call per frame would give (docs/performance.md, "Light load and capture").
 *
 *   cc -O2 -o uring_proto tests/bench/uring_proto.c -luring   (Debian: liburing-dev)
 *   uring_proto DIR N &   swprobe light --bess DIR --pid $! ... x
 *
 * Listens on DIR/p0 .. DIR/p(N-1) (SOCK_SEQPACKET, as umllab's cables),
 * takes one connection on each, and forwards every frame by its destination
 * MAC (learnt from sources; unknown and group addresses flood). Each port
 * has a multishot receive into a ring of provided buffers; the sends of a
 * loop turn are submitted with the wait for the next completion (one
 * io_uring_enter a turn), successful sends post nothing, and their buffers
 * go back to the ring once submitted. No backlog, no backpressure, no taps:
 * a floor for the system calls a frame needs, not a switch. Stop it with
 * SIGINT. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <liburing.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#define NB 256
#define BUFSZ 2048
#define MAXP 8
#define SEND (1ull << 62)
static int fds[MAXP], np;
static unsigned char macs[MAXP][6];
static int known[MAXP];
static unsigned char bufs[NB][BUFSZ];
static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }
static void arm(struct io_uring *r, int p)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	io_uring_prep_recv_multishot(sqe, fds[p], NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = 0;
	sqe->user_data = (unsigned)p;
}
static int lookup(const unsigned char *mac)
{
	for (int i = 0; i < np; i++)
		if (known[i] && memcmp(macs[i], mac, 6) == 0)
			return i;
	return -1;
}
int main(int argc, char **argv)
{
	if (argc < 3) return 2;
	np = atoi(argv[2]);
	int lfd[MAXP];
	for (int i = 0; i < np; i++) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		snprintf(a.sun_path, sizeof(a.sun_path), "%s/p%d", argv[1], i);
		lfd[i] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		unlink(a.sun_path);
		if (bind(lfd[i], (void *)&a, sizeof(a)) || listen(lfd[i], 1)) { perror("bind"); return 1; }
	}
	for (int i = 0; i < np; i++) { fds[i] = accept(lfd[i], NULL, NULL); if (fds[i] < 0) return 1; }
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	struct io_uring r;
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	if (io_uring_queue_init_params(512, &r, &p) < 0) { fprintf(stderr, "io_uring init failed\n"); return 1; }
	struct io_uring_buf_ring *br;
	if (posix_memalign((void **)&br, 4096, NB * sizeof(struct io_uring_buf))) return 1;
	struct io_uring_buf_reg reg = { .ring_addr = (unsigned long)br, .ring_entries = NB, .bgid = 0 };
	if (io_uring_register_buf_ring(&r, &reg, 0)) { fprintf(stderr, "buf ring failed\n"); return 1; }
	io_uring_buf_ring_init(br);
	int mask = io_uring_buf_ring_mask(NB);
	for (int i = 0; i < NB; i++) io_uring_buf_ring_add(br, bufs[i], BUFSZ, i, mask, i);
	io_uring_buf_ring_advance(br, NB);
	for (int i = 0; i < np; i++) arm(&r, i);
	unsigned short recycle[NB * 2];
	int nrec = 0, open = np;
	unsigned long long frames = 0, drops = 0;
	while (!stop && open > 0) {
		int ret = io_uring_submit_and_wait(&r, 1);
		/* the sends just submitted were issued: their buffers are free */
		for (int i = 0; i < nrec; i++) io_uring_buf_ring_add(br, bufs[recycle[i]], BUFSZ, recycle[i], mask, i);
		if (nrec) io_uring_buf_ring_advance(br, nrec);
		nrec = 0;
		if (ret < 0 && ret != -EINTR && ret != -ETIME) { fprintf(stderr, "wait: %s\n", strerror(-ret)); break; }
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		io_uring_for_each_cqe(&r, head, cqe) {
			n++;
			if (cqe->user_data & SEND) {
				if (cqe->res < 0) drops++;
				continue;
			}
			int port = (int)cqe->user_data;
			if (cqe->res <= 0) {
				if (cqe->res == 0) { open--; continue; }	/* EOF */
				if (cqe->res == -ENOBUFS) { arm(&r, port); continue; }
				continue;
			}
			if (!(cqe->flags & IORING_CQE_F_MORE)) arm(&r, port);
			unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
			unsigned char *f = bufs[bid];
			frames++;
			if (!known[port] || memcmp(macs[port], f + 6, 6)) { memcpy(macs[port], f + 6, 6); known[port] = 1; }
			int d = (f[0] & 1) ? -1 : lookup(f);
			for (int j = 0; j < np; j++) {
				if (j == port || (d >= 0 && j != d)) continue;
				struct io_uring_sqe *sqe = io_uring_get_sqe(&r);
				if (!sqe) { io_uring_submit(&r); sqe = io_uring_get_sqe(&r); }
				io_uring_prep_send(sqe, fds[j], f, (size_t)cqe->res, MSG_DONTWAIT | MSG_NOSIGNAL);
				sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
				sqe->user_data = SEND | bid;
			}
			recycle[nrec++] = (unsigned short)bid;
		}
		io_uring_cq_advance(&r, n);
	}
	fprintf(stderr, "uring_sw: %llu frames, %llu send failures\n", frames, drops);
	return 0;
}
