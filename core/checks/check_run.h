/* core/checks/check_run.h: run a lab's checks in its supervisor, one after another.
 *
 * Each kind takes its evidence where a guest cannot forge it when it can:
 * reach, no_reach and path from the frames the switches carried during the
 * guest's ping (core/checks/check_evidence.h), forwarding from the kernel through
 * mconsole, frames from a switch tap; iface, route and command from the
 * guest agent (docs/checks.md says which is which). */
#ifndef UMLLAB_CHECK_RUN_H
#define UMLLAB_CHECK_RUN_H

struct supervisor;
struct check_list;
struct check_result;
struct check_run;

/* Called once per check, in order, then done once (unless cancelled). */
typedef void (*check_result_fn)(void *arg, const struct check_result *r);
typedef void (*check_done_fn)(void *arg);

/* Start running list (the run owns it from now on). */
struct check_run *check_run_start(struct supervisor *sup, struct check_list *list,
    check_result_fn on_result, check_done_fn on_done, void *arg);

/* Stop now: close taps, cancel guest commands; no callback runs after this. */
void check_run_cancel(struct check_run *run);

#endif
