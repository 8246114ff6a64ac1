/* switch/rstp.c: rapid spanning tree for one bridge, a pure state machine (see switch/rstp.h). */
#include "switch/rstp.h"

#include <stdlib.h>
#include <string.h>

#define T256 256u		/* BPDU times count 1/256 s */
#define BPDU_CONFIG_LEN 35
#define BPDU_RST_LEN 36
#define BPDU_TCN_LEN 4
#define BPDU_TYPE_CONFIG 0x00
#define BPDU_TYPE_RST 0x02
#define BPDU_TYPE_TCN 0x80
#define FLAG_TC 0x01
#define FLAG_PROPOSAL 0x02
#define FLAG_ROLE_SHIFT 2		/* 2 bits: 0 unknown, 1 alternate/backup, 2 root, 3 designated */
#define FLAG_LEARNING 0x10
#define FLAG_FORWARDING 0x20
#define FLAG_AGREEMENT 0x40
#define FLAG_TCA 0x80
#define WIRE_ROLE_ALTERNATE 1
#define WIRE_ROLE_ROOT 2
#define WIRE_ROLE_DESIGNATED 3

/* A priority vector: lower is better, compared in this order. */
struct vec {
	uint64_t root;
	uint32_t cost;
	uint64_t bridge;	/* the designated bridge */
	uint16_t port;		/* the designated port */
	uint16_t rxport;	/* the port it was received on (tie-break among this bridge's) */
};

/* Times as BPDUs carry them, in 1/256 s. */
struct times {
	unsigned age, max_age, hello, fwd;
};

enum info { INFO_DISABLED, INFO_AGED, INFO_MINE, INFO_RECEIVED };

struct rport {
	unsigned number;
	uint16_t id;
	uint32_t cost;
	bool enabled, admin_edge, oper_edge, legacy;
	enum rstp_role role;
	enum rstp_state state;
	enum info info;
	struct vec prio;	/* the port priority vector: received, or ours when designated */
	struct times times;	/* that came with it */
	uint64_t info_until;	/* received info is aged then */
	uint64_t fd_at;		/* the next forward-delay step (0: none) */
	uint64_t tc_until;	/* BPDUs carry TC until then */
	uint64_t hello_at;	/* the next periodic BPDU */
	uint64_t tcn_at;	/* a legacy root port: the next TCN, while one is pending */
	bool proposing, proposed, agreed, send_agree, send_tca, tcn_pending, new_info;
	uint64_t bpdus_in, bpdus_out;
};

struct rstp {
	struct rstp_config cfg;
	struct rstp_ops ops;
	void *arg;
	uint64_t bridge_id;
	struct times mine;		/* this bridge's own times */
	struct vec root;		/* the root priority vector */
	struct times root_times;	/* the root's times, as they reached us */
	unsigned root_port;		/* its number, 0: we are the root */
	struct rport *ports;
	size_t n, cap;
	uint64_t tc_count, tc_last;
};

/* ---- vectors, times, ports ---- */

static int cmp64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* Compare two vectors (with the receiving port's id too when rx). */
static int vec_cmp(const struct vec *a, const struct vec *b, bool rx)
{
	int c;
	if ((c = cmp64(a->root, b->root)) != 0 || (c = cmp64(a->cost, b->cost)) != 0 ||
	    (c = cmp64(a->bridge, b->bridge)) != 0 || (c = cmp64(a->port, b->port)) != 0)
		return c;
	return rx ? cmp64(a->rxport, b->rxport) : 0;
}

static uint64_t ms_of(unsigned t256)
{
	return (uint64_t)t256 * 1000 / T256;
}

/* The times the bridge runs on: the root's. */
static const struct times *run_times(const struct rstp *r)
{
	return &r->root_times;
}

static struct rport *port_find(struct rstp *r, unsigned number)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->ports[i].number == number)
			return &r->ports[i];
	return NULL;
}

static const struct rport *port_find_const(const struct rstp *r, unsigned number)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->ports[i].number == number)
			return &r->ports[i];
	return NULL;
}

const char *rstp_role_name(enum rstp_role role)
{
	static const char *const names[] = { "disabled", "root", "designated", "alternate", "backup" };
	return (unsigned)role < 5 ? names[role] : "?";
}

const char *rstp_state_name(enum rstp_state state)
{
	static const char *const names[] = { "discarding", "learning", "forwarding" };
	return (unsigned)state < 3 ? names[state] : "?";
}

/* ---- topology changes ---- */

/* How long TC flags go out: two hellos, or for a legacy bridge until its
 * own timers have seen it (max age and forward delay). */
static uint64_t tc_time(const struct rstp *r, const struct rport *p)
{
	const struct times *t = run_times(r);
	return p->legacy ? ms_of(t->max_age + t->fwd) : ms_of(2 * t->hello);
}

/* A topology change, detected on port from (or received on it): the other
 * ports forget what they learnt, and the ports towards other bridges carry
 * it on. A change received again within its TC period (every BPDU of that
 * period carries the flag) counts once. */
static void topology_change(struct rstp *r, struct rport *from, bool received, uint64_t now)
{
	if (!received || r->tc_last == 0 || now - r->tc_last >= tc_time(r, from)) {
		r->tc_count++;
		r->tc_last = now ? now : 1;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct rport *q = &r->ports[i];
		/* A change seen here goes out of the port that saw it too (a new
		 * root port tells the root's side); one received does not go back. */
		if ((q == from && received) || q->oper_edge || !q->enabled)
			continue;
		if (q != from)
			r->ops.flush(r->arg, q->number);
		if (q->role == RSTP_ROLE_ROOT || q->role == RSTP_ROLE_DESIGNATED) {
			q->tc_until = now + tc_time(r, q);
			q->new_info = true;
			if (q->role == RSTP_ROLE_ROOT && q->legacy) {
				q->tcn_pending = true;	/* an old bridge hears of it by TCN */
				q->tcn_at = now;
			}
		}
	}
}

static void set_state(struct rstp *r, struct rport *p, enum rstp_state st, uint64_t now)
{
	if (p->state == st)
		return;
	bool left = st == RSTP_DISCARDING;
	p->state = st;
	p->new_info = true;
	r->ops.state(r->arg, p->number, st);
	if (left)
		r->ops.flush(r->arg, p->number);	/* out of the active topology */
	if (st == RSTP_FORWARDING && !p->oper_edge)
		topology_change(r, p, false, now);
}

/* ---- sending ---- */

static void put16(unsigned char *b, unsigned v)
{
	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
}

static void put32(unsigned char *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
}

static void put64(unsigned char *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b + 4, (uint32_t)v);
}

/* The frame around a BPDU of len bytes at b + 17: 802.3 with LLC 42 42 03. */
static size_t frame_wrap(const struct rstp *r, unsigned char *b, size_t len)
{
	memset(b, 0, RSTP_FRAME_MAX);
	static const unsigned char dst[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };
	memcpy(b, dst, 6);
	memcpy(b + 6, r->cfg.mac, 6);
	put16(b + 12, (unsigned)(3 + len));
	b[14] = 0x42;
	b[15] = 0x42;
	b[16] = 0x03;
	size_t total = 17 + len;
	return total < 60 ? 60 : total;
}

static void send_frame(struct rstp *r, struct rport *p, unsigned char *b, size_t len)
{
	p->bpdus_out++;
	r->ops.send(r->arg, p->number, b, len);
}

/* A config or RST BPDU on p: its role, its state, our priority for it. */
static void send_bpdu(struct rstp *r, struct rport *p, uint64_t now)
{
	unsigned char b[RSTP_FRAME_MAX], d[BPDU_RST_LEN];
	size_t len = p->legacy ? BPDU_CONFIG_LEN : BPDU_RST_LEN;
	memset(d, 0, sizeof(d));
	unsigned flags = 0;
	if (now < p->tc_until)
		flags |= FLAG_TC;
	if (p->legacy) {
		if (p->send_tca)
			flags |= FLAG_TCA;
	} else {
		unsigned wr = p->role == RSTP_ROLE_ROOT ? WIRE_ROLE_ROOT :
		    p->role == RSTP_ROLE_DESIGNATED ? WIRE_ROLE_DESIGNATED : WIRE_ROLE_ALTERNATE;
		flags |= wr << FLAG_ROLE_SHIFT;
		if (p->proposing && p->role == RSTP_ROLE_DESIGNATED)
			flags |= FLAG_PROPOSAL;
		if (p->send_agree || (p->role == RSTP_ROLE_ROOT && p->state == RSTP_FORWARDING))
			flags |= FLAG_AGREEMENT;
		if (p->state != RSTP_DISCARDING)
			flags |= FLAG_LEARNING;
		if (p->state == RSTP_FORWARDING)
			flags |= FLAG_FORWARDING;
	}
	/* What we say on this segment: the root, our cost to it, us, this port. */
	const struct times *t = run_times(r);
	unsigned age = r->root_port == 0 ? 0 : t->age + T256;
	put16(d, 0);
	d[2] = p->legacy ? 0 : 2;
	d[3] = p->legacy ? BPDU_TYPE_CONFIG : BPDU_TYPE_RST;
	d[4] = (unsigned char)flags;
	put64(d + 5, r->root.root);
	put32(d + 13, r->root.cost);
	put64(d + 17, r->bridge_id);
	put16(d + 25, p->id);
	put16(d + 27, age);
	put16(d + 29, t->max_age);
	put16(d + 31, t->hello);
	put16(d + 33, t->fwd);
	/* d[35], RST's version 1 length, stays 0 */
	size_t total = frame_wrap(r, b, len);
	memcpy(b + 17, d, len);
	send_frame(r, p, b, total);
	p->send_agree = false;
	p->send_tca = false;
}

static void send_tcn(struct rstp *r, struct rport *p)
{
	unsigned char b[RSTP_FRAME_MAX];
	size_t total = frame_wrap(r, b, BPDU_TCN_LEN);
	b[17 + 3] = BPDU_TYPE_TCN;
	send_frame(r, p, b, total);
}

/* Every port with something new says it now; designated ports also every hello. */
static void transmit(struct rstp *r, uint64_t now)
{
	uint64_t hello = ms_of(run_times(r)->hello);
	for (size_t i = 0; i < r->n; i++) {
		struct rport *p = &r->ports[i];
		if (!p->enabled)
			continue;
		if (p->tcn_pending && p->role == RSTP_ROLE_ROOT && p->legacy && now >= p->tcn_at) {
			send_tcn(r, p);
			p->tcn_at = now + hello;
		}
		bool periodic = p->role == RSTP_ROLE_DESIGNATED && now >= p->hello_at;
		bool speaks = p->role == RSTP_ROLE_DESIGNATED || (!p->legacy && (p->send_agree ||
		    (p->role == RSTP_ROLE_ROOT && now < p->tc_until)));
		if ((p->new_info || periodic) && speaks) {
			send_bpdu(r, p, now);
			if (p->role == RSTP_ROLE_DESIGNATED)
				p->hello_at = now + hello;
		}
		p->new_info = false;
	}
}

/* ---- roles and states ---- */

/* A designated port (re)starts: it discards, proposes (RSTP) and waits for an
 * agreement, or for two forward delays. */
static void designated_restart(struct rstp *r, struct rport *p, uint64_t now)
{
	p->agreed = false;
	if (p->oper_edge) {
		p->fd_at = 0;
		p->proposing = false;
		set_state(r, p, RSTP_FORWARDING, now);
		return;
	}
	set_state(r, p, RSTP_DISCARDING, now);
	p->proposing = !p->legacy;
	p->fd_at = now + ms_of(run_times(r)->fwd);
	p->new_info = true;
}

/* Elect the root and give every port its role; apply what changes. */
static void recompute(struct rstp *r, uint64_t now)
{
	struct vec best = { .root = r->bridge_id, .bridge = r->bridge_id };
	struct times best_times = r->mine;
	struct rport *rp = NULL;
	for (size_t i = 0; i < r->n; i++) {
		struct rport *p = &r->ports[i];
		if (!p->enabled || p->info != INFO_RECEIVED || p->prio.bridge == r->bridge_id)
			continue;
		struct vec cand = p->prio;
		cand.cost += p->cost;
		cand.rxport = p->id;
		if (vec_cmp(&cand, &best, true) < 0) {
			best = cand;
			best_times = p->times;
			rp = p;
		}
	}
	r->root = best;
	r->root_times = best_times;
	unsigned old_root = r->root_port;
	r->root_port = rp != NULL ? rp->number : 0;
	/* Every other port: the priority we would send there against what came in. */
	for (size_t i = 0; i < r->n; i++) {
		struct rport *p = &r->ports[i];
		enum rstp_role old = p->role, role;
		struct vec des = { best.root, best.cost, r->bridge_id, p->id, p->id };
		if (!p->enabled)
			role = RSTP_ROLE_DISABLED;
		else if (p == rp)
			role = RSTP_ROLE_ROOT;
		else if (p->info == INFO_RECEIVED && vec_cmp(&p->prio, &des, false) < 0)
			role = p->prio.bridge == r->bridge_id ? RSTP_ROLE_BACKUP : RSTP_ROLE_ALTERNATE;
		else
			role = RSTP_ROLE_DESIGNATED;
		p->role = role;
		if (role != old)
			p->new_info = true;
		switch (role) {
		case RSTP_ROLE_DISABLED:
		case RSTP_ROLE_ALTERNATE:
		case RSTP_ROLE_BACKUP:
			p->proposing = false;
			p->agreed = false;
			p->fd_at = 0;
			set_state(r, p, RSTP_DISCARDING, now);
			break;
		case RSTP_ROLE_DESIGNATED: {
			/* Our priority there changed (a new root, a new cost, the
			 * port was something else): it must sync again. */
			bool changed = old != RSTP_ROLE_DESIGNATED || p->info != INFO_MINE ||
			    vec_cmp(&p->prio, &des, false) != 0;
			p->prio = des;
			p->times = best_times;
			p->info = INFO_MINE;
			if (changed)
				designated_restart(r, p, now);
			break;
		}
		case RSTP_ROLE_ROOT:
			break;	/* below, once the others are out of the way */
		}
	}
	if (rp != NULL) {
		/* The root port forwards at once: the old one was made to discard above. */
		rp->proposing = false;
		rp->fd_at = 0;
		if (rp->state != RSTP_FORWARDING) {
			set_state(r, rp, RSTP_LEARNING, now);
			set_state(r, rp, RSTP_FORWARDING, now);
		}
		if (old_root != rp->number)
			rp->new_info = true;
	}
}

/* ---- the public calls ---- */

struct rstp *rstp_new(const struct rstp_config *cfg, const struct rstp_ops *ops, void *arg)
{
	struct rstp *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->cfg = *cfg;
	r->ops = *ops;
	r->arg = arg;
	unsigned hello = cfg->hello_s ? cfg->hello_s : 2;
	unsigned max_age = cfg->max_age_s ? cfg->max_age_s : 20;
	unsigned fwd = cfg->forward_delay_s ? cfg->forward_delay_s : 15;
	r->mine = (struct times){ 0, max_age * T256, hello * T256, fwd * T256 };
	r->bridge_id = (uint64_t)(cfg->priority & 0xf000) << 48;
	for (int i = 0; i < 6; i++)
		r->bridge_id |= (uint64_t)cfg->mac[i] << (40 - 8 * i);
	r->root = (struct vec){ .root = r->bridge_id, .bridge = r->bridge_id };
	r->root_times = r->mine;
	return r;
}

void rstp_free(struct rstp *r)
{
	if (r == NULL)
		return;
	free(r->ports);
	free(r);
}

int rstp_port_add(struct rstp *r, unsigned port, unsigned priority, uint32_t cost, bool edge)
{
	if (port == 0 || port > RSTP_PORT_MAX || priority > 240 || cost == 0 ||
	    port_find(r, port) != NULL)
		return -1;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct rport *v = realloc(r->ports, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		r->ports = v;
		r->cap = cap;
	}
	struct rport *p = &r->ports[r->n++];
	memset(p, 0, sizeof(*p));
	p->number = port;
	p->id = (uint16_t)((priority & 0xf0) << 8 | port);
	p->cost = cost;
	p->admin_edge = p->oper_edge = edge;
	p->role = RSTP_ROLE_DISABLED;
	p->state = RSTP_DISCARDING;
	p->info = INFO_DISABLED;
	return 0;
}

void rstp_port_remove(struct rstp *r, unsigned port, uint64_t now)
{
	struct rport *p = port_find(r, port);
	if (p == NULL)
		return;
	bool was_up = p->enabled;
	*p = r->ports[--r->n];
	if (was_up) {
		recompute(r, now);
		transmit(r, now);
	}
}

void rstp_port_enable(struct rstp *r, unsigned port, bool up, uint64_t now)
{
	struct rport *p = port_find(r, port);
	if (p == NULL || p->enabled == up)
		return;
	p->enabled = up;
	p->info = up ? INFO_AGED : INFO_DISABLED;
	memset(&p->prio, 0, sizeof(p->prio));
	p->oper_edge = p->admin_edge;
	p->legacy = false;
	p->agreed = p->proposed = p->proposing = p->tcn_pending = false;
	p->tc_until = 0;
	p->hello_at = now;
	if (!up)
		p->role = RSTP_ROLE_DISABLED;	/* recompute makes it discard */
	recompute(r, now);
	transmit(r, now);
}

static unsigned get16(const unsigned char *b)
{
	return (unsigned)b[0] << 8 | b[1];
}

static uint32_t get32(const unsigned char *b)
{
	return (uint32_t)get16(b) << 16 | get16(b + 2);
}

static uint64_t get64(const unsigned char *b)
{
	return (uint64_t)get32(b) << 32 | get32(b + 4);
}

/* A TC on p: the other ports forget their addresses and carry it on. */
static void tc_received(struct rstp *r, struct rport *p, uint64_t now)
{
	topology_change(r, p, true, now);
}

/* A proposal on p: a root port syncs (the designated ports that have not
 * agreed to the present root discard), then agrees; an alternate agrees. */
static void proposal_received(struct rstp *r, struct rport *p, uint64_t now)
{
	if (p->role == RSTP_ROLE_ROOT) {
		for (size_t i = 0; i < r->n; i++) {
			struct rport *q = &r->ports[i];
			if (q != p && q->enabled && q->role == RSTP_ROLE_DESIGNATED && !q->oper_edge &&
			    !q->agreed && q->state != RSTP_DISCARDING)
				designated_restart(r, q, now);
		}
	}
	if (p->role == RSTP_ROLE_ROOT || p->role == RSTP_ROLE_ALTERNATE ||
	    p->role == RSTP_ROLE_BACKUP) {
		p->send_agree = true;
		p->new_info = true;
	}
}

void rstp_receive(struct rstp *r, unsigned port, const unsigned char *frame, size_t len,
    uint64_t now)
{
	struct rport *p = port_find(r, port);
	if (p == NULL || !p->enabled || len < 17 + BPDU_TCN_LEN || frame[14] != 0x42 ||
	    frame[15] != 0x42 || frame[16] != 0x03)
		return;
	const unsigned char *d = frame + 17;
	size_t blen = len - 17;
	if (get16(d) != 0)
		return;
	unsigned type = d[3];
	bool tcn = type == BPDU_TYPE_TCN;
	bool config = type == BPDU_TYPE_CONFIG && blen >= BPDU_CONFIG_LEN;
	bool rst = type == BPDU_TYPE_RST && d[2] >= 2 && blen >= BPDU_RST_LEN;
	if (!tcn && !config && !rst)
		return;
	p->bpdus_in++;
	bool news = false;
	if (p->oper_edge) {
		p->oper_edge = false;	/* a bridge is there, not a host */
		news = true;
		if (p->role == RSTP_ROLE_DESIGNATED)
			designated_restart(r, p, now);
	}
	if ((tcn || config) && !p->legacy) {
		p->legacy = true;	/* it speaks 802.1D: so do we, on this port */
		p->proposing = false;
		p->new_info = true;
	}
	if (tcn) {
		if (p->role == RSTP_ROLE_DESIGNATED) {
			p->send_tca = true;
			p->new_info = true;
			tc_received(r, p, now);
		}
		if (news)
			recompute(r, now);
		transmit(r, now);
		return;
	}
	unsigned flags = d[4];
	struct vec m = { get64(d + 5), get32(d + 13), get64(d + 17), (uint16_t)get16(d + 25), p->id };
	struct times t = { get16(d + 27), get16(d + 29), get16(d + 31), get16(d + 33) };
	if (t.hello == 0 || t.max_age == 0 || t.age >= t.max_age) {
		if (news)
			recompute(r, now);
		transmit(r, now);
		return;		/* aged on its way, or broken */
	}
	unsigned wire_role = config ? WIRE_ROLE_DESIGNATED : (flags >> FLAG_ROLE_SHIFT) & 3;
	if (wire_role == WIRE_ROLE_DESIGNATED) {
		bool same = p->info == INFO_RECEIVED && p->prio.bridge == m.bridge &&
		    p->prio.port == m.port;
		int c = vec_cmp(&m, &p->prio, false);
		if (c < 0 || same) {
			if (!same || c != 0 || memcmp(&t, &p->times, sizeof(t)) != 0)
				news = true;
			p->prio = m;
			p->times = t;
			p->info = INFO_RECEIVED;
			p->info_until = now + 3 * ms_of(t.hello);
			if (rst && (flags & FLAG_PROPOSAL))
				p->proposed = true;
		} else if (c > 0 && p->role == RSTP_ROLE_DESIGNATED) {
			p->new_info = true;	/* it does not know better: tell it */
		}
	} else if (rst && (flags & FLAG_AGREEMENT) && p->role == RSTP_ROLE_DESIGNATED &&
	    m.root == p->prio.root && vec_cmp(&m, &p->prio, false) >= 0) {
		/* The bridge beyond agrees: this designated port forwards now.
		 * (A root port says so in every BPDU it sends: one that forwards
		 * already stays as it is, or each would be a topology change.) */
		p->agreed = true;
		p->proposing = false;
		p->fd_at = 0;
		if (p->state != RSTP_FORWARDING) {
			set_state(r, p, RSTP_LEARNING, now);
			set_state(r, p, RSTP_FORWARDING, now);
		}
	}
	if (news)
		recompute(r, now);
	/* Only ports in the active topology take a TC in (an alternate's would
	 * come back round the loop it cuts). */
	if ((flags & FLAG_TC) && (p->role == RSTP_ROLE_ROOT || p->role == RSTP_ROLE_DESIGNATED))
		tc_received(r, p, now);
	if ((flags & FLAG_TCA) && p->legacy)
		p->tcn_pending = false;
	if (p->proposed) {
		p->proposed = false;
		proposal_received(r, p, now);
	}
	transmit(r, now);
}

void rstp_tick(struct rstp *r, uint64_t now)
{
	bool news = false;
	for (size_t i = 0; i < r->n; i++) {
		struct rport *p = &r->ports[i];
		if (!p->enabled)
			continue;
		if (p->info == INFO_RECEIVED && now >= p->info_until) {
			p->info = INFO_AGED;	/* its bridge went quiet */
			memset(&p->prio, 0, sizeof(p->prio));
			news = true;
		}
	}
	if (news)
		recompute(r, now);
	for (size_t i = 0; i < r->n; i++) {
		struct rport *p = &r->ports[i];
		if (!p->enabled || p->fd_at == 0 || now < p->fd_at)
			continue;
		if (p->state == RSTP_DISCARDING) {
			set_state(r, p, RSTP_LEARNING, now);
			p->fd_at = now + ms_of(run_times(r)->fwd);
		} else {
			p->fd_at = 0;
			p->proposing = false;
			set_state(r, p, RSTP_FORWARDING, now);
		}
	}
	transmit(r, now);
}

uint64_t rstp_next(const struct rstp *r)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < r->n; i++) {
		const struct rport *p = &r->ports[i];
		if (!p->enabled)
			continue;
		if (p->role == RSTP_ROLE_DESIGNATED && p->hello_at < next)
			next = p->hello_at;
		if (p->info == INFO_RECEIVED && p->info_until < next)
			next = p->info_until;
		if (p->fd_at != 0 && p->fd_at < next)
			next = p->fd_at;
		if (p->tcn_pending && p->tcn_at < next)
			next = p->tcn_at;
	}
	return next;
}

void rstp_get_info(const struct rstp *r, struct rstp_info *info)
{
	const struct times *t = run_times(r);
	*info = (struct rstp_info){ .bridge_id = r->bridge_id, .root_id = r->root.root,
	    .root_cost = r->root.cost, .root_port = r->root_port, .hello_s = t->hello / T256,
	    .max_age_s = t->max_age / T256, .forward_delay_s = t->fwd / T256,
	    .topology_changes = r->tc_count, .last_change = r->tc_last };
}

bool rstp_get_port(const struct rstp *r, unsigned port, struct rstp_port_info *info)
{
	const struct rport *p = port_find_const(r, port);
	if (p == NULL)
		return false;
	*info = (struct rstp_port_info){ .port = p->number, .port_id = p->id, .cost = p->cost,
	    .enabled = p->enabled, .edge = p->oper_edge, .legacy = p->legacy, .role = p->role,
	    .state = p->state, .designated_root = p->prio.root,
	    .designated_bridge = p->prio.bridge, .designated_cost = p->prio.cost,
	    .designated_port = p->prio.port, .bpdus_in = p->bpdus_in, .bpdus_out = p->bpdus_out };
	return true;
}
