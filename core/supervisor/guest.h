/* core/supervisor/guest.h: running commands inside a guest, through its agent and mconsole.
 *
 * One path for `exec`, `ping`, startup commands and anything later that runs
 * a command in a guest. Requests go out as mconsole `log` chunks; output and
 * exit status come back as notifications the instance hands to
 * guest_on_notify(). See image/guest/agent_proto.h. */
#ifndef UMLLAB_GUEST_H
#define UMLLAB_GUEST_H

#include <stdbool.h>
#include <stddef.h>

struct ev_loop;
struct mconsole_session;
struct guest;

typedef void (*guest_output_cb)(void *arg, const char *data, size_t len);
/* status: the command's exit status (0..255), or -1 when it could not run or
 * finish (error says why). */
typedef void (*guest_done_cb)(void *arg, int status, const char *error);

struct guest *guest_new(struct ev_loop *loop, const char *instance_name);
void guest_free(struct guest *g);

/* Attach to a booted kernel's mconsole (replacing any earlier session). */
void guest_attach(struct guest *g, struct mconsole_session *mc);

/* Run `/bin/sh -c cmd` in the guest; timeout_ms 0 waits forever. Returns the
 * request id, and done is then called exactly once, later, unless the request
 * is cancelled. Returns 0 (and calls nothing) when no kernel is attached or
 * the command is empty or longer than AGENT_CMD_MAX bytes. */
unsigned guest_exec(struct guest *g, const char *cmd, unsigned timeout_ms,
    guest_output_cb output, guest_done_cb done, void *arg);

/* Forget a request (its callbacks will not run) and kill its command in the guest. */
void guest_exec_cancel(struct guest *g, unsigned id);

/* Tell the guest that the cable of iface was pulled out (up false) or put back: its agent
 * makes the interface dormant (not RUNNING, as without a carrier) or up again. */
void guest_link(struct guest *g, const char *iface, bool up);

/* Fail every request in flight (the kernel stopped) with reason. */
void guest_fail_all(struct guest *g, const char *reason);

enum guest_event {
	GUEST_EVENT_NONE,	/* handled here (exec output) or not ours */
	GUEST_EVENT_READY,	/* the agent runs: network configured */
	GUEST_EVENT_FAIL,	/* the guest's init reported a failure; text in *text */
	GUEST_EVENT_NET,	/* a part of the guest's network snapshot; text in *text */
};

/* Feed one MCONSOLE_NOTIFY_USER datagram's data. */
enum guest_event guest_on_notify(struct guest *g, const char *data, size_t len,
    const char **text, size_t *text_len);

#endif
