/* image/guest/netwatch.h: the guest's addresses and routes, told to the host whenever they
 * change (`ip address add` in a startup script, a routing daemon's routes), so that
 * `umllab status`, `ping`, `check` and `graph` know them. Part of the agent; the messages
 * are "umllab:n" (image/guest/agent_proto.h). */
#ifndef UMLLAB_GUEST_NETWATCH_H
#define UMLLAB_GUEST_NETWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A netlink socket that hears of address, route and link changes, or -1. */
int netwatch_open(void);

/* Read what fd has (the changes themselves do not matter: a snapshot follows). */
void netwatch_event(int fd, uint64_t now_ms);

/* Milliseconds until a snapshot is due, or -1 when none is. */
int netwatch_timeout(uint64_t now_ms);

/* When one is due: the whole state, sent as messages of at most AGENT_NOTIFY_MAX bytes. */
void netwatch_run(uint64_t now_ms, void (*send)(const void *buf, size_t len));

/* A cable pulled out (up false) or put back: the interface's operational state becomes
 * dormant (it is no longer RUNNING, as without a carrier, so routing daemons see it go
 * down at once) or up again. 0, or an errno. */
int netwatch_set_link(const char *iface, bool up);

/* Ask for a snapshot now (at the agent's start). */
void netwatch_want(uint64_t now_ms);

/* What fd has heard, and a snapshot due, sent now rather than after the settle time:
 * before the agent says it started (so the host knows the network the guest booted with)
 * and before it says a command ended (so what the command set, a startup script's `ip
 * address add`, reaches the host ahead of the end, and `up`, which waits for that end,
 * returns knowing it). Changes made in the kernel synchronously with the command's system
 * calls are all queued on fd by then; later ones (IPv6's duplicate address detection, a
 * daemon's routes) come with the next snapshot. fd < 0: only the snapshot. */
void netwatch_flush(int fd, uint64_t now_ms, void (*send)(const void *buf, size_t len));

#endif
