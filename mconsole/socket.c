/* mconsole/socket.c: datagram sockets to talk to a UML kernel's mconsole and receive its notifications. */
#include "mconsole/mconsole.h"
#include "core/base/util.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Explain a failed send or connect to an instance's mconsole socket. */
static int send_error(const char *sock_path, int err, char **cause)
{
	if (err == ENOENT || err == ECONNREFUSED)
		return set_cause(cause,
		    "mconsole socket %s is missing or its kernel is not running", sock_path);
	if (err == EAGAIN || err == EWOULDBLOCK)
		return set_cause(cause,
		    "mconsole socket %s is full: its kernel is not reading requests (stopped or hung?)",
		    sock_path);
	return set_cause(cause, "sending to mconsole socket %s: %s", sock_path, strerror(err));
}

int mconsole_client_open(const char *bind_path, char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	/* Binding only the family autobinds a unique abstract name. */
	socklen_t len = sizeof(sa_family_t);
	if (bind_path != NULL) {
		if (unix_addr_set(&sun, bind_path, cause) == -1)
			return -1;
		struct stat st;
		if (lstat(bind_path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(bind_path);	/* left by an earlier session */
		len = sizeof(sun);
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return set_cause(cause, "creating an mconsole client socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sun, len) == -1) {
		int e = errno;
		close(fd);
		return set_cause(cause, "binding an mconsole client socket%s%s: %s",
		    bind_path ? " to " : "", bind_path ? bind_path : "", strerror(e));
	}
	return fd;
}

int mconsole_send(int fd, const char *sock_path, const char *cmd, char **cause)
{
	char buf[MCONSOLE_REQUEST_SIZE];
	struct sockaddr_un sun;
	size_t len = strlen(cmd);

	ssize_t n = mconsole_request_encode(buf, sizeof(buf), cmd, len);
	if (n == -1)
		return set_cause(cause, "mconsole command is %zu bytes, longer than the %d allowed: %.40s...",
		    len, MCONSOLE_CMD_MAX, cmd);
	if (unix_addr_set(&sun, sock_path, cause) == -1)
		return -1;
	/* Connected to the kernel's socket, ours takes every part of a long
	 * reply: the kernel sends without blocking, and a receiver that is not
	 * connected to the sender takes only net.unix.max_dgram_qlen (10)
	 * datagrams at a time; the rest were lost, and with them the last part
	 * (`sysrq m` with the console at level 8). Connecting again before each
	 * request follows a kernel that restarted at the same path. */
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno != EINTR)
			return send_error(sock_path, errno, cause);
	}
	for (;;) {
		ssize_t sent = send(fd, buf, (size_t)n, MSG_NOSIGNAL);
		if (sent == n)
			return 0;
		if (sent >= 0)
			return set_cause(cause, "short send to mconsole socket %s", sock_path);
		if (errno != EINTR)
			return send_error(sock_path, errno, cause);
	}
}

int mconsole_notify_open(const char *path, char **cause)
{
	struct sockaddr_un sun;
	struct stat st;

	if (unix_addr_set(&sun, path, cause) == -1)
		return -1;
	/* Remove a socket left by an earlier run, but never some other kind of file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return set_cause(cause, "%s exists and is not a socket; remove it or choose another path",
			    path);
		if (unlink(path) == -1 && errno != ENOENT)
			return set_cause(cause, "removing stale notify socket %s: %s", path, strerror(errno));
	} else if (errno != ENOENT) {
		return set_cause(cause, "checking notify socket path %s: %s", path, strerror(errno));
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return set_cause(cause, "creating notify socket %s: %s", path, strerror(errno));
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int e = errno;
		close(fd);
		return set_cause(cause, "binding notify socket %s: %s", path, strerror(e));
	}
	return fd;
}

int mconsole_call(const char *sock_path, const char *cmd, int timeout_ms,
    char **reply, uint32_t *err, char **cause)
{
	char buf[MCONSOLE_REPLY_SIZE];
	struct mconsole_reply part;
	struct sockaddr_un sun;
	char *text = NULL;
	size_t text_len = 0;
	uint32_t error = 0;

	*reply = NULL;
	*err = 0;
	if (unix_addr_set(&sun, sock_path, cause) == -1)
		return -1;
	int fd = mconsole_client_open(NULL, cause);
	if (fd == -1)
		return -1;
	/* Connected, the socket accepts datagrams from the kernel's socket only. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		send_error(sock_path, errno, cause);
		goto fail;
	}
	if (mconsole_send(fd, sock_path, cmd, cause) == -1)
		goto fail;

	uint64_t deadline = clock_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	text = xmalloc(1);
	for (;;) {
		int wait = -1;
		if (timeout_ms >= 0) {
			uint64_t now = clock_ms();
			wait = now >= deadline ? 0 : (int)(deadline - now);
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, wait);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			set_cause(cause, "waiting for mconsole %s: %s", sock_path, strerror(errno));
			goto fail;
		}
		if (r == 0) {
			set_cause(cause, "no answer from mconsole %s to '%s' within %d ms",
			    sock_path, cmd, timeout_ms);
			goto fail;
		}
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			if (errno == ECONNREFUSED || errno == ENOENT) {
				send_error(sock_path, errno, cause);
				goto fail;
			}
			set_cause(cause, "receiving from mconsole %s: %s", sock_path, strerror(errno));
			goto fail;
		}
		if (mconsole_reply_decode(buf, (size_t)n, &part) == -1)
			continue;	/* not a reply: ignore it and keep waiting */
		/* Text stops at a NUL: replies are strings, whatever a peer claims. */
		size_t plen = strnlen(part.data, part.len);
		text = xrealloc(text, text_len + plen + 1);
		memcpy(text + text_len, part.data, plen);
		text_len += plen;
		/* The kernel flags an error on the first part only. */
		if (part.err != 0 && error == 0)
			error = part.err;
		if (part.more == 0)
			break;
	}
	text[text_len] = '\0';
	close(fd);
	*reply = text;
	*err = error;
	return 0;

fail:
	free(text);
	close(fd);
	return -1;
}
