/* tests/fuzz/fuzz_control.c: libFuzzer harness for the control-frame decoders (ctl_reader_next, ctl_recv, ctl_argv_unpack). */
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "core/base/control.h"
#include "tests/fuzz/fuzz.h"

#define MSGS_MAX 1024
#define PIPE_MAX 65536		/* a pipe holds this much without a reader */

/* A request's argv must unpack into strings that pack back into the same bytes. */
static void check_argv(const char *payload, size_t len)
{
	int argc;
	char **argv;
	char *cause = NULL;

	if (ctl_argv_unpack(payload, len, &argc, &argv, &cause) == 0) {
		size_t plen;
		FUZZ_CHECK(argc >= 1 && argc <= CTL_ARGS_MAX && argv[argc] == NULL);
		char *packed = ctl_argv_pack(argc, argv, &plen);
		FUZZ_CHECK(plen == len && memcmp(packed, payload, len) == 0);
		free(packed);
		ctl_argv_free(argc, argv);
	} else {
		FUZZ_CHECK(cause != NULL && argc == 0 && argv == NULL);
		free(cause);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_msg msgs[MSGS_MAX];
	struct ctl_reader r = { 0 };
	struct ctl_msg msg;
	size_t n_msgs = 0;
	bool reader_broken = false;
	char *cause = NULL;

	if (size == 0)
		return 0;
	/* The first byte says how the stream arrives: in pieces of 1..32 bytes. */
	size_t piece = (size_t)(data[0] % 32) + 1;
	const uint8_t *stream = data + 1;
	size_t len = size - 1;

	check_argv((const char *)stream, len);

	/* The supervisor's incremental reader. */
	for (size_t off = 0; off < len && !reader_broken; off += piece) {
		ctl_reader_append(&r, stream + off, len - off < piece ? len - off : piece);
		for (;;) {
			int rc = ctl_reader_next(&r, &msg, &cause);
			if (rc == 0)
				break;
			if (rc < 0) {
				FUZZ_CHECK(cause != NULL);
				free(cause);
				cause = NULL;
				reader_broken = true;
				break;
			}
			FUZZ_CHECK(msg.type >= CTL_REQUEST);
			FUZZ_CHECK(msg.len <= CTL_PAYLOAD_MAX && msg.payload[msg.len] == '\0');
			if (msg.type == CTL_REQUEST)
				check_argv(msg.payload, msg.len);
			FUZZ_CHECK(n_msgs < MSGS_MAX);
			msgs[n_msgs++] = msg;
		}
	}
	bool reader_clean = !reader_broken && r.len == 0;
	ctl_reader_free(&r);

	/* The CLI's blocking reader on the same bytes must agree message by message. */
	int fds[2];
	if (len <= PIPE_MAX && pipe(fds) == 0) {
		FUZZ_CHECK(write(fds[1], stream, len) == (ssize_t)len);
		close(fds[1]);
		size_t i = 0;
		int rc;
		while ((rc = ctl_recv(fds[0], &msg, &cause)) == 1) {
			FUZZ_CHECK(i < n_msgs);
			FUZZ_CHECK(msg.type == msgs[i].type && msg.len == msgs[i].len);
			FUZZ_CHECK(memcmp(msg.payload, msgs[i].payload, msg.len + 1) == 0);
			ctl_msg_free(&msg);
			i++;
		}
		close(fds[0]);
		FUZZ_CHECK(i == n_msgs);
		FUZZ_CHECK(rc == (reader_clean ? 0 : -1));
		if (rc < 0)
			FUZZ_CHECK(cause != NULL);
		free(cause);
	}
	for (size_t i = 0; i < n_msgs; i++)
		ctl_msg_free(&msgs[i]);
	return 0;
}
