/* core/base/control.c: framing of control messages, with every length checked. */
#include "core/base/control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/util.h"

int ctl_send(int fd, enum ctl_type type, const void *payload, size_t len)
{
	if (len > CTL_PAYLOAD_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	struct ctl_hdr h = { .version = CTL_VERSION, .type = (uint16_t)type,
	    .len = (uint32_t)len };
	if (write_all(fd, &h, sizeof(h)) != 0)
		return -1;
	return len == 0 ? 0 : write_all(fd, payload, len);
}

static int header_check(const struct ctl_hdr *h, char **cause)
{
	if (h->version != CTL_VERSION)
		return set_cause(cause, "control message of protocol version %u, expected %u "
		    "(a umllab of another version runs this lab; stop it with that version)",
		    h->version, CTL_VERSION);
	if (h->type < CTL_REQUEST || h->type > CTL_ACK)
		return set_cause(cause, "control message of unknown type %u", h->type);
	if (h->len > CTL_PAYLOAD_MAX)
		return set_cause(cause, "control message of %u bytes, more than the %u allowed",
		    h->len, CTL_PAYLOAD_MAX);
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? (got == 0 ? 0 : -1) : -1;
		got += (size_t)n;
	}
	return 1;
}

int ctl_recv(int fd, struct ctl_msg *msg, char **cause)
{
	struct ctl_hdr h;
	int r = read_full(fd, &h, sizeof(h));
	if (r == 0)
		return 0;
	if (r < 0)
		return set_cause(cause, "control connection broken: %s",
		    errno ? strerror(errno) : "short message");
	if (header_check(&h, cause) != 0)
		return -1;
	msg->type = (enum ctl_type)h.type;
	msg->len = h.len;
	msg->payload = xmalloc(h.len + 1);
	msg->payload[h.len] = '\0';
	if (h.len > 0 && read_full(fd, msg->payload, h.len) != 1) {
		ctl_msg_free(msg);
		return set_cause(cause, "control connection broken in the middle of a message");
	}
	return 1;
}

void ctl_reader_append(struct ctl_reader *r, const void *data, size_t len)
{
	if (r->len + len > r->cap) {
		r->cap = (r->len + len) * 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
}

int ctl_reader_next(struct ctl_reader *r, struct ctl_msg *msg, char **cause)
{
	struct ctl_hdr h;
	if (r->len < sizeof(h))
		return 0;
	memcpy(&h, r->buf, sizeof(h));
	if (header_check(&h, cause) != 0)
		return -1;
	if (r->len < sizeof(h) + h.len)
		return 0;
	msg->type = (enum ctl_type)h.type;
	msg->len = h.len;
	msg->payload = xmalloc(h.len + 1);
	memcpy(msg->payload, r->buf + sizeof(h), h.len);
	msg->payload[h.len] = '\0';
	r->len -= sizeof(h) + h.len;
	memmove(r->buf, r->buf + sizeof(h) + h.len, r->len);
	return 1;
}

void ctl_reader_free(struct ctl_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
}

char *ctl_argv_pack(int argc, char *const argv[], size_t *len)
{
	size_t total = 0;
	for (int i = 0; i < argc; i++)
		total += strlen(argv[i]) + 1;
	char *buf = xmalloc(total ? total : 1);
	char *p = buf;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		memcpy(p, argv[i], n);
		p += n;
	}
	*len = total;
	return buf;
}

int ctl_argv_unpack(const char *payload, size_t len, int *argc, char ***argv, char **cause)
{
	*argc = 0;
	*argv = NULL;
	if (len == 0 || payload[len - 1] != '\0')
		return set_cause(cause, "control request is not a list of terminated strings");
	int n = 0;
	for (size_t i = 0; i < len; i++)
		if (payload[i] == '\0')
			n++;
	if (n > CTL_ARGS_MAX)
		return set_cause(cause, "control request has %d arguments, more than %d", n,
		    CTL_ARGS_MAX);
	char **v = xcalloc((size_t)n + 1, sizeof(char *));
	const char *p = payload;
	for (int i = 0; i < n; i++) {
		v[i] = xstrdup(p);
		p += strlen(p) + 1;
	}
	*argc = n;
	*argv = v;
	return 0;
}

void ctl_argv_free(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

void ctl_msg_free(struct ctl_msg *msg)
{
	free(msg->payload);
	msg->payload = NULL;
	msg->len = 0;
}
