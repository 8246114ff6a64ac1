/* tests/unit/test_sha256.c: the libcrypto SHA-256 wrapper against the FIPS 180-4 examples and sha256sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "image/sha256.h"

static void hash_all(const void *data, size_t len, char hex[65])
{
	assert_int_equal(sha256_mem(data, len, hex), 0);
}

static void test_vectors(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[65];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hash_all(v[i].in, strlen(v[i].in), hex);
		assert_string_equal(hex, v[i].out);
	}
}

static void test_million_a(void **state)
{
	(void)state;
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	char hex[65];
	hash_all(a, 1000000, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* the same through a file, read in several chunks */
	char path[] = "/tmp/test_sha256.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, a, 1000000), 1000000);
	close(fd);
	memset(hex, 0, sizeof(hex));
	assert_int_equal(sha256_file(path, hex), 0);
	unlink(path);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

/* Every length around the padding boundaries (55, 56, 63, 64 bytes) agrees with sha256sum. */
static void test_file_against_sha256sum(void **state)
{
	(void)state;
	if (access("/usr/bin/sha256sum", X_OK) != 0)
		skip();
	char path[] = "/tmp/test_sha256.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	for (size_t len = 50; len <= 130; len++) {
		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		char buf[130];
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(i * 31 + len);
		assert_int_equal(write(fd, buf, len), (ssize_t)len);
		char hex[65], want[65] = "", *cmd;
		assert_int_equal(sha256_file(path, hex), 0);
		assert_true(asprintf(&cmd, "/usr/bin/sha256sum %s", path) > 0);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		assert_int_equal(fscanf(p, "%64s", want), 1);
		pclose(p);
		free(cmd);
		assert_string_equal(hex, want);
	}
	close(fd);
	unlink(path);
	char hex[65];
	assert_int_equal(sha256_file("/nonexistent/file", hex), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_file_against_sha256sum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
