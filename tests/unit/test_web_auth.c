/* tests/unit/test_web_auth.c: the web page's token, Host and Origin checks (core/web/web_auth.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/web/web_auth.h"

static void test_token_new(void **state)
{
	(void)state;
	char a[WEB_TOKEN_LEN + 1], b[WEB_TOKEN_LEN + 1];
	assert_int_equal(web_token_new(a, NULL), 0);
	assert_int_equal(web_token_new(b, NULL), 0);
	assert_int_equal(strlen(a), WEB_TOKEN_LEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), WEB_TOKEN_LEN);
	assert_string_not_equal(a, b);
}

static void test_token_equal(void **state)
{
	(void)state;
	const char *t = "0123456789abcdef";
	assert_true(web_token_equal(t, 16, t));
	assert_false(web_token_equal(t, 15, t));		/* a prefix */
	assert_false(web_token_equal("0123456789abcdef0", 17, t));	/* longer */
	assert_false(web_token_equal("", 0, t));
	assert_false(web_token_equal("0123456789abcdeF", 16, t));
	assert_false(web_token_equal("x123456789abcdef", 16, t));
}

static void test_host(void **state)
{
	(void)state;
	assert_true(web_host_allowed("127.0.0.1:8080", NULL));
	assert_true(web_host_allowed("localhost:1", NULL));
	assert_true(web_host_allowed("LOCALHOST", NULL));
	assert_true(web_host_allowed("[::1]:8080", NULL));
	assert_true(web_host_allowed("10.1.2.3:80", "10.1.2.3"));
	assert_false(web_host_allowed("10.1.2.3:80", NULL));
	assert_false(web_host_allowed("evil.example:8080", NULL));	/* DNS rebinding */
	assert_false(web_host_allowed("localhost.evil.example", NULL));
	assert_false(web_host_allowed("127.0.0.1.evil.example:80", NULL));
	assert_false(web_host_allowed("127.0.0.1:", NULL));
	assert_false(web_host_allowed("127.0.0.1:80x", NULL));
	assert_false(web_host_allowed("127.0.0.1:123456", NULL));
	assert_false(web_host_allowed("[::1", NULL));
	assert_false(web_host_allowed("", NULL));
	assert_false(web_host_allowed(NULL, NULL));
}

static void test_origin(void **state)
{
	(void)state;
	assert_true(web_origin_allowed(NULL, "127.0.0.1:8080", false));
	assert_false(web_origin_allowed(NULL, "127.0.0.1:8080", true));
	assert_true(web_origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", true));
	assert_false(web_origin_allowed("http://127.0.0.1:8081", "127.0.0.1:8080", true));
	assert_false(web_origin_allowed("http://evil.example", "127.0.0.1:8080", false));
	assert_false(web_origin_allowed("null", "127.0.0.1:8080", false));
	assert_false(web_origin_allowed("https://127.0.0.1:8080", "127.0.0.1:8080", false));
}

static void test_path(void **state)
{
	(void)state;
	const char *t = "abcd", *rest = NULL;
	assert_true(web_path_token("/t/abcd/", t, &rest));
	assert_string_equal(rest, "/");
	assert_true(web_path_token("/t/abcd", t, &rest));
	assert_string_equal(rest, "/");
	assert_true(web_path_token("/t/abcd/app.js", t, &rest));
	assert_string_equal(rest, "/app.js");
	assert_false(web_path_token("/t/abc/app.js", t, &rest));
	assert_false(web_path_token("/t/abcde/", t, &rest));
	assert_false(web_path_token("/t//", t, &rest));
	assert_false(web_path_token("/", t, &rest));
	assert_false(web_path_token("/app.js", t, &rest));
	assert_false(web_auth_request("/t/abcd/", "evil:80", NULL, false, t, NULL, &rest));
	assert_false(web_auth_request("/t/abcd/ws", "127.0.0.1:80", NULL, true, t, NULL, &rest));
	assert_true(web_auth_request("/t/abcd/ws", "127.0.0.1:80", "http://127.0.0.1:80", true, t,
	    NULL, &rest));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_new),
		cmocka_unit_test(test_token_equal),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
