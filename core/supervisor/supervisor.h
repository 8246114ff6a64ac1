/* core/supervisor/supervisor.h: the running lab: what one lab's supervisor owns
 * (its switches, instances, captures and control connections), and the hooks
 * through which the control requests (core/requests) hear of it.
 *
 * The supervisor knows no request: its connections hand each request to
 * hooks->dispatch, and it tells hooks of instances that change and of the
 * lab going down. Running it (bring-up, the loop, down) is run.h. */
#ifndef UMLLAB_SUPERVISOR_H
#define UMLLAB_SUPERVISOR_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/supervisor/bootsched.h"
#include "core/supervisor/instance.h"
#include "core/lab/topology.h"

struct sw;
struct conn;
struct ctl_msg;
struct supervisor;

/* What the control requests want to hear; set by whoever runs the
 * supervisor (core/requests/request.h: request_hooks). */
struct supervisor_hooks {
	/* A connection's request arrived: answer it (now or later). */
	void (*dispatch)(struct conn *c, const struct ctl_msg *msg);
	/* inst changed state: answer the requests waiting on it. May be NULL. */
	void (*instance_changed)(struct supervisor *sup, struct instance *inst);
	/* The switches are about to stop: end what taps them. May be NULL. */
	void (*lab_down)(struct supervisor *sup);
};

struct supervisor {
	struct lab *lab;
	const struct supervisor_hooks *hooks;
	char *lab_dir;
	struct ev_loop *loop;
	struct instance_env env;
	struct instance *instances;	/* lab->n_instances of them */
	struct sw **switches;		/* lab->n_switches of them */
	struct capture **captures;	/* the topology's `capture:`, recorded to files */
	size_t n_captures;
	ev_timer storm_w;		/* the storm watch (core/supervisor/switches.c) */
	uint64_t *storm_logged;		/* per switch: when its storm was last logged, 0: none */
	char *backing;
	uint64_t started_ms;

	int ctl_fd;
	ev_io ctl_w;
	ev_timer ctl_pause_w;		/* accepting again after running out of descriptors */
	ev_stat ctl_gone_w;		/* the control socket's path: removed, the lab stops */
	char *ctl_path;
	struct conn *conns;
	ev_signal sig_term, sig_int;

	int progress_fd;		/* to the `umllab up` that started us; -1 after */
	/* `up --foreground`: progress lines go here instead (kind 'P', 'E',
	 * 'D', 'W' a warning), then once 'O' (up) or 'F' (failed); NULL: progress_fd. */
	void (*progress_line)(void *arg, char kind, const char *text);
	void *progress_arg;
	bool bringing_up;
	struct bootsched boot;		/* how many kernels boot at once during bring-up */
	bool boot_counted;		/* a bring-up large enough to say booted/booting/waiting */
	unsigned char *boot_step;	/* per instance: 0 waiting, 1 booting (scheduled), 2 booted */
	ev_timer boot_mem_w;		/* looking again for memory to boot the next kernel */
	unsigned boot_mem_waits;	/* seconds waited so far with nothing booting */
	bool stopping;
	unsigned shutdowns;		/* `shutdown:` commands still running before the stop */
	bool shutdown_done;		/* they ran (or were skipped): stop now */
	ev_timer shutdown_w;		/* the limit on them */
	bool finished;			/* everything stopped and cleaned up */
	int exit_code;
};

/* The instance called name, or NULL. */
struct instance *supervisor_instance(struct supervisor *sup, const char *name);

/* The owner id of instance i's cables (switch_cable_open_owned): taps name
 * the instance by it, never by a port's name, which a switch's may imitate. */
static inline uint32_t supervisor_cable_owner(size_t i)
{
	return (uint32_t)i + 1;
}

/* The index of the instance an owner id names, or -1 (a trunk, a daemon port). */
static inline int supervisor_owner_index(const struct supervisor *sup, uint32_t owner)
{
	return owner >= 1 && owner <= sup->lab->n_instances ? (int)(owner - 1) : -1;
}

/* The owner id of both ends of link k (the lab's links counted in file
 * order, core/supervisor/switches.c): a frame that leaves one switch by a
 * link comes in on the other switch from the same link. */
#define SUPERVISOR_LINK_OWNER 0x80000000u
static inline uint32_t supervisor_link_owner(size_t k)
{
	return SUPERVISOR_LINK_OWNER | (uint32_t)k;
}

#endif
