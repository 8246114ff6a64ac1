/* image/guest/guest_util.h: small file, user and child-process helpers shared by the guest's programs
 * (kathara.c, frr.c): a static program has no NSS, and reads whole small files. */
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

/* A user's ids from /etc/passwd; false if there is no such user. */
bool guest_user_ids(const char *name, uid_t *uid, gid_t *gid);

/* Waits for child pid: its exit status, 128+N when signal N ended it, or -1 when it cannot
 * be waited for. */
int guest_wait_status(pid_t pid);

#endif
