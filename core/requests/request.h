/* core/requests/request.h: what a supervisor answers on its control socket.
 *
 * One table (core/requests/request.c) maps a request name to its handler and
 * argument bounds; each family of requests lives in a file of its own
 * (request_exec.c: exec and ping; status.c: status). A handler answers
 * through conn_send/conn_finish, now or later. */
#ifndef UMLLAB_REQUEST_H
#define UMLLAB_REQUEST_H

#include "core/supervisor/conn.h"
#include "core/base/control.h"

struct instance;

typedef void (*request_fn)(struct conn *c, int argc, char **argv);

/* What a supervisor is run with (supervisor_main): its requests' dispatch,
 * and what they need to hear of the lab (instances changing, the lab going down). */
extern const struct supervisor_hooks request_hooks;

/* Parse one control message and run its handler. */
void request_dispatch(struct conn *c, const struct ctl_msg *msg);

/* Handlers (argv[0] is the request name). */
void request_status(struct conn *c, int argc, char **argv);
void request_exec(struct conn *c, int argc, char **argv);
void request_ping(struct conn *c, int argc, char **argv);
void request_down(struct conn *c, int argc, char **argv);
void request_stop(struct conn *c, int argc, char **argv);
void request_start(struct conn *c, int argc, char **argv);
void request_restart(struct conn *c, int argc, char **argv);
void request_console(struct conn *c, int argc, char **argv);
void request_mconsole(struct conn *c, int argc, char **argv);
void request_graph_live(struct conn *c, int argc, char **argv);
void request_plug(struct conn *c, int argc, char **argv);
void request_unplug(struct conn *c, int argc, char **argv);
void request_link(struct conn *c, int argc, char **argv);
void request_capture(struct conn *c, int argc, char **argv);
void request_check(struct conn *c, int argc, char **argv);
void request_watch(struct conn *c, int argc, char **argv);

/* The lab's status as `status --json` prints it (malloc'd, one line). */
char *request_status_json(struct supervisor *sup);

/* Something watchers show changed (an instance's state, a link): each
 * `watch` client gets a line within a few milliseconds. */
void request_watch_poke(struct supervisor *sup);

void request_switch(struct conn *c, int argc, char **argv);
void request_switch_stp(struct conn *c, int argc, char **argv);

/* Switch i's ports, address table and storm state as JSON members (no
 * braces), for `switch --json` and `status --json` (core/requests/switch.c). */
struct strbuf;
void request_switch_json(const struct supervisor *sup, size_t i, struct strbuf *b);
/* Its spanning tree as the JSON member "stp" (null when off). */
void request_switch_stp_json(const struct supervisor *sup, size_t i, struct strbuf *b);

/* End every live capture (their clients get the counts): the switches are
 * about to stop. */
void request_capture_lab_down(struct supervisor *sup);

/* Cable `cable` is being plugged into switch sw_index: the live captures of it follow it. */
void request_capture_cable_moved(struct supervisor *sup, const char *cable, size_t sw_index);

/* Stop every running check (their taps are on the switches), telling its client. */
void request_check_lab_down(struct supervisor *sup);

/* Answer the stop/start/restart requests waiting on inst (it changed state). */
void request_instance_changed(struct supervisor *sup, struct instance *inst);

/* The instance named name, or NULL after telling the client (exit code left
 * to the caller). With need_exec, it must also be able to run commands now. */
struct instance *request_instance(struct conn *c, const char *name, bool need_exec);

#endif
