/* core/supervisor/instance_int.h: what instance.c (the state machine) and
 * instance_spawn.c (the linux.uml process) share; the rest of the supervisor
 * uses instance.h only. */
#ifndef UMLLAB_INSTANCE_INT_H
#define UMLLAB_INSTANCE_INT_H

#include "core/supervisor/instance.h"

/* A boot is stuck when it stops progressing (its console stays silent for
 * the boot limit), not when it is merely slow: on a busy machine many boots
 * at once each take long, and still finish. BOOT_HARD_FACTOR bounds a boot
 * that prints forever. */
#define BOOT_CHECKS 4		/* looks at the console per boot limit */
#define BOOT_HARD_FACTOR 10

/* Start the instance's kernel: its notify socket, console pty, the confined
 * linux.uml process, its mconsole session and the boot timer. -1 with
 * *cause when it could not; a process already forked is killed, and its
 * exit still arrives (INSTANCE_EV_EXITED). */
int instance_spawn(struct instance *inst, char **cause);

/* SIGKILL every host process of the instance's kernel; its exit arrives
 * through the child watcher. */
void instance_kill(struct instance *inst);

/* Let go of a kernel's channels: the timer, guest requests, the liveness
 * probe, the mconsole session and the notify socket. */
void instance_close_io(struct instance *inst);

#endif
