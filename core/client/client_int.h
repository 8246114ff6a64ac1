/* core/client/client_int.h: what client.c (requests) and client_updown.c
 * (starting and stopping a supervisor) share; callers use client.h only. */
#ifndef UMLLAB_CLIENT_INT_H
#define UMLLAB_CLIENT_INT_H

#include <sys/types.h>

#include "core/client/client.h"

/* A process's state letter from /proc (R, S, T stopped, Z ...), '?' if gone. */
char client_process_state(pid_t pid);

/* The request loop of every client: answers go to fds 1 and 2, or, with
 * capture set, into its buffers (up to capture->max bytes each); with
 * stream set, its standard output goes to stream->on_stdout. It fails
 * when the supervisor says nothing for client_timeout_s() seconds (it
 * sends CTL_ACK every second while it works), or after total_s seconds in
 * all when total_s is set. */
int client_request_loop(const char *lab_dir, int argc, char *const argv[],
    int total_s, struct client_capture *capture, struct client_stream *stream, char **cause);

#endif
