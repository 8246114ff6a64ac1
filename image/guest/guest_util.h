/* image/guest/guest_util.h: small file, user and child-process helpers shared by the guest's programs
 * (kathara.c, frr.c, boot.c, netwatch.c): a static program has no NSS, and reads whole small
 * files. */
#ifndef UMLLAB_GUEST_UTIL_H
#define UMLLAB_GUEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The whole file (at most max bytes, else EFBIG) in *buf, NUL-terminated, its length
 * in *len; -1 with errno on failure. Free *buf. */
int guest_read_file(const char *path, char **buf, size_t *len, size_t max);

/* text written to path, opened with O_WRONLY | flags (and mode when created); -1 on
 * failure. */
int guest_write_text(const char *path, const char *text, int flags, mode_t mode);

/* The byte queue limit (BQL, limit_max in bytes) of every interface the host
 * plugs in. The guest alone sets it: at boot on the cards it booted with
 * (boot.c), and on each card `umllab plug` adds as the agent sees it appear
 * (netwatch.c). UML's vector driver drops a frame its transmit ring (64 frames)
 * cannot take while the cable's socket is full, and it restarts the stack's
 * queue at once, so TCP lost frames there (issue 27). With the limit, at most
 * this many bytes and one more packet (a 64 KB GSO burst: 45 frames) wait in
 * the ring; the rest waits in the qdisc, where TCP's small queues hold it back
 * without a loss. */
#define AGENT_BQL_LIMIT_MAX 16384
#define AGENT_BQL_PATH "/sys/class/net/%s/queues/tx-0/byte_queue_limits/limit_max"

/* dev's limit_max set to AGENT_BQL_LIMIT_MAX; -1 when it cannot be (a kernel
 * without BQL: best effort, the card works without it). */
int guest_bql_set(const char *dev);

/* A user's ids from /etc/passwd; false if there is no such user. */
bool guest_user_ids(const char *name, uid_t *uid, gid_t *gid);

/* Waits for child pid: its exit status, 128+N when signal N ended it, or -1 when it cannot
 * be waited for. */
int guest_wait_status(pid_t pid);

#endif
