/* tests/unit/test_daemon_proto.c: the uml_switch daemon handshake: request parsing and the reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switch/daemon_proto.h"

static void client_addr(struct sockaddr_un *sun)
{
	/* What UML binds: abstract, a zero byte then its pid and microseconds. */
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	uint32_t pid = 4242, usecs = 123456;
	memcpy(sun->sun_path + 1, &pid, 4);
	memcpy(sun->sun_path + 5, &usecs, 4);
}

static void test_valid_124(void **state)
{
	(void)state;
	struct sockaddr_un want, got;
	client_addr(&want);
	struct daemon_request req;
	daemon_request_build(&req, &want);
	unsigned char wire[DAEMON_REQ_SIZE];
	memcpy(wire, &req, sizeof(wire));
	assert_int_equal(sizeof(wire), 124);
	assert_int_equal(wire[122], 0);
	assert_int_equal(wire[123], 0);

	char *cause = NULL;
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(daemon_request_parse(wire, sizeof(wire), &got, &cause), DAEMON_PARSE_OK);
	assert_null(cause);
	assert_memory_equal(&got, &want, sizeof(want));

	/* Trailing bytes (vde's description string) are ignored. */
	unsigned char longer[200];
	memset(longer, 'x', sizeof(longer));
	memcpy(longer, &req, sizeof(req));
	assert_int_equal(daemon_request_parse(longer, sizeof(longer), &got, &cause), DAEMON_PARSE_OK);
	assert_memory_equal(&got, &want, sizeof(want));
}

static void test_valid_122(void **state)
{
	(void)state;
	struct sockaddr_un want, got;
	client_addr(&want);
	struct daemon_request req;
	daemon_request_build(&req, &want);
	char *cause = NULL;
	assert_int_equal(daemon_request_parse(&req, 122, &got, &cause), DAEMON_PARSE_OK);
	assert_memory_equal(&got, &want, sizeof(want));

	/* A filesystem path is fine too. */
	memset(&want, 0, sizeof(want));
	want.sun_family = AF_UNIX;
	strcpy(want.sun_path, "/tmp/client.sock");
	daemon_request_build(&req, &want);
	assert_int_equal(daemon_request_parse(&req, 122, &got, &cause), DAEMON_PARSE_OK);
	assert_string_equal(got.sun_path, "/tmp/client.sock");
	assert_null(cause);
}

static void expect_bad(const void *buf, size_t len, const char *words)
{
	char *cause = NULL;
	struct sockaddr_un got;
	assert_int_equal(daemon_request_parse(buf, len, &got, &cause), DAEMON_PARSE_BAD);
	assert_non_null(cause);
	assert_non_null(strstr(cause, words));
	free(cause);
}

static void test_bad_header(void **state)
{
	(void)state;
	struct sockaddr_un sun;
	client_addr(&sun);
	struct daemon_request req;

	daemon_request_build(&req, &sun);
	req.magic = 0xcafebabe;
	expect_bad(&req, sizeof(req), "magic 0xcafebabe");
	/* Garbage is refused as soon as its first word is in. */
	expect_bad(&req, 4, "magic");

	daemon_request_build(&req, &sun);
	req.version = 2;
	expect_bad(&req, sizeof(req), "version 2");
	expect_bad(&req, 8, "version");

	daemon_request_build(&req, &sun);
	req.type = 1;
	expect_bad(&req, sizeof(req), "type 1");

	daemon_request_build(&req, &sun);
	req.sock.sun_family = AF_INET;
	expect_bad(&req, sizeof(req), "address family");

	daemon_request_build(&req, &sun);
	memset(req.sock.sun_path, 'a', sizeof(req.sock.sun_path));
	expect_bad(&req, sizeof(req), "NUL");
}

static void test_short(void **state)
{
	(void)state;
	struct sockaddr_un sun, got;
	client_addr(&sun);
	struct daemon_request req;
	daemon_request_build(&req, &sun);
	char *cause = NULL;
	/* Every prefix of a valid request is partial, with the reason said. */
	for (size_t len = 0; len < 122; len++) {
		assert_int_equal(daemon_request_parse(&req, len, &got, &cause), DAEMON_PARSE_PARTIAL);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "at least 122"));
	}
	free(cause);
}

static void test_reply(void **state)
{
	(void)state;
	struct sockaddr_un addr, got;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	strcpy(addr.sun_path + 1, "umllab-1-2-3");
	unsigned char buf[256];
	memset(buf, 0xee, sizeof(buf));
	size_t len = daemon_reply_build(buf, sizeof(buf), &addr);
	assert_int_equal(len, 110);
	assert_int_equal(buf[110], 0xee);
	assert_memory_equal(buf, &addr, 110);

	char *cause = NULL;
	assert_int_equal(daemon_reply_parse(buf, len, &got, &cause), 0);
	assert_memory_equal(&got, &addr, sizeof(addr));
	assert_int_equal(daemon_reply_parse(buf, 109, &got, &cause), -1);
	assert_non_null(strstr(cause, "109 bytes"));
	free(cause);

	assert_int_equal(daemon_reply_build(buf, 109, &addr), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_124),
		cmocka_unit_test(test_valid_122),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
