/* mconsole/session.h: asynchronous mconsole requests to one kernel, in order, on a libev loop.
 *
 * mconsole replies carry no request id, so a session keeps one request in
 * flight and queues the rest; a reply in several parts is gathered before
 * the callback sees it. Part of the mconsole subsystem's interface. */
#ifndef UMLLAB_MCONSOLE_SESSION_H
#define UMLLAB_MCONSOLE_SESSION_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct mconsole_session;

/* status 0: the kernel answered (err is its error flag, data its whole
 * reply); -1: no answer (data is the reason). */
typedef void (*mconsole_reply_cb)(void *arg, int status, uint32_t err, const char *data,
    size_t len);

/* A session with the kernel whose mconsole socket is sock_path; the
 * session's own socket is bound to client_path (removed by
 * mconsole_session_free), which should be in a private directory. */
struct mconsole_session *mconsole_session_new(struct ev_loop *loop, const char *sock_path,
    const char *client_path, char **cause);

/* Queue cmd; cb (may be NULL) runs once, later, from the loop. */
void mconsole_session_request(struct mconsole_session *s, const char *cmd, int timeout_ms,
    mconsole_reply_cb cb, void *arg);

/* Fail every queued request (its callback runs now, with status -1; it must
 * not use s), close the socket, free s. */
void mconsole_session_free(struct mconsole_session *s);

#endif
