/* tests/unit/test_frr_daemons.c: FRR's /etc/frr/daemons read as the shell reads it (image/guest/frr_daemons.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "image/guest/frr_daemons.h"

static struct frr_vars v;

static int parse(const char *text, char *why, size_t why_len)
{
	frr_vars_free(&v);
	memset(&v, 0, sizeof(v));
	return frr_vars_parse(&v, text, why, why_len);
}

static void test_debian_daemons_file(void **state)
{
	(void)state;
	/* The lines of Debian's file, with a lab's changes and the line `kathara setup` adds. */
	const char *text =
	    "# This file tells the frr package which daemons to start.\n"
	    "#\n"
	    "bgpd=no\n"
	    "ospfd=yes\n"
	    "ospf6d=no\n"
	    "ripd=yes   # a comment after a bare value\n"
	    "vtysh_enable=yes\n"
	    "zebra_options=\"  -A 127.0.0.1 -s 90000000\"\n"
	    "bgpd_options=\"   -A 127.0.0.1\"\n"
	    "ospf6d_options=\" -A ::1\"\n"
	    "staticd_options=\"-A 127.0.0.1\"\n"
	    "#MAX_FDS=1024\n"
	    "\t  export ospfd_instances=1,2\n"
	    "\n"
	    "# umllab: a longer start for watchfrr on a busy host (docs/kathara.md)\n"
	    "watchfrr_options=\"${watchfrr_options:+$watchfrr_options }-T 90\"\n";
	char why[128];
	assert_int_equal(parse(text, why, sizeof(why)), 0);
	assert_string_equal(frr_vars_get(&v, "bgpd"), "no");
	assert_string_equal(frr_vars_get(&v, "ospfd"), "yes");
	assert_string_equal(frr_vars_get(&v, "ripd"), "yes");
	assert_string_equal(frr_vars_get(&v, "zebra_options"), "  -A 127.0.0.1 -s 90000000");
	assert_string_equal(frr_vars_get(&v, "ospf6d_options"), " -A ::1");
	assert_string_equal(frr_vars_get(&v, "ospfd_instances"), "1,2");
	assert_string_equal(frr_vars_get(&v, "watchfrr_options"), "-T 90");
	assert_null(frr_vars_get(&v, "MAX_FDS"));
	assert_null(frr_vars_get(&v, "isisd"));
}

static void test_quotes_and_expansions(void **state)
{
	(void)state;
	char why[128];
	setenv("UMLLAB_TEST_ENV", "from-env", 1);
	unsetenv("UMLLAB_TEST_UNSET");
	const char *text =
	    "a='single $quoted \"text\"'\n"
	    "b=\"double $a\"\n"
	    "c=x\"y\"'z'\\ w\n"
	    "d=${a:+set}${none:+no}${none:-default}${b-x}\n"
	    "e=$UMLLAB_TEST_ENV/${UMLLAB_TEST_UNSET}end\n"
	    "f=\"\\$not \\\"expanded\\\"\"\n"
	    "g=1 h=2 # two on a line\n"
	    "i=\n"
	    "j=${i:-empty}${i-unused}${i+set}\n"
	    "k=cost$ x=\"$\"\n"
	    "watchfrr_options=\"$watchfrr_options -T 90\"\n";
	assert_int_equal(parse(text, why, sizeof(why)), 0);
	assert_string_equal(frr_vars_get(&v, "a"), "single $quoted \"text\"");
	assert_string_equal(frr_vars_get(&v, "b"), "double single $quoted \"text\"");
	assert_string_equal(frr_vars_get(&v, "c"), "xyz w");
	assert_string_equal(frr_vars_get(&v, "d"), "setdefaultdouble single $quoted \"text\"");
	assert_string_equal(frr_vars_get(&v, "e"), "from-env/end");
	assert_string_equal(frr_vars_get(&v, "f"), "$not \"expanded\"");
	assert_string_equal(frr_vars_get(&v, "g"), "1");
	assert_string_equal(frr_vars_get(&v, "h"), "2");
	assert_string_equal(frr_vars_get(&v, "i"), "");
	assert_string_equal(frr_vars_get(&v, "j"), "emptyset");
	assert_string_equal(frr_vars_get(&v, "k"), "cost$");
	assert_string_equal(frr_vars_get(&v, "x"), "$");
	assert_string_equal(frr_vars_get(&v, "watchfrr_options"), " -T 90");
}

/* What only a shell can do is refused, with the line, so FRR's own script runs it. */
static void test_shell_is_refused(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{ "ospfd=yes\nzebra_options=\"$(cat /etc/opts)\"\n", "line 2" },
		{ "zebra_options=`cat /etc/opts`\n", "line 1" },
		{ "if [ -x /x ]; then ospfd=yes; fi\n", "line 1" },
		{ "ospfd=yes; bgpd=yes\n", "line 1" },
		{ "ospfd=yes bgpd\n", "line 1" },
		{ "\n\n. /etc/frr/more\n", "line 3" },
		{ "a=\"not closed\n", "line 1" },
		{ "a='not closed\n", "line 1" },
		{ "a=${b:=x}\n", "line 1" },
		{ "a=$1\n", "line 1" },
		{ "a=${b}\\\nc\n", "line 1" },
		{ "a=x|y\n", "line 1" },
		{ "b=1\na=\"${b:+\"q\"}\"\n", "line 2" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[128];
		assert_int_equal(parse(bad[i][0], why, sizeof(why)), -1);
		assert_non_null(strstr(why, bad[i][1]));
	}
	char long_value[5000 + 8];
	memset(long_value, 'x', sizeof(long_value) - 1);
	memcpy(long_value, "a=", 2);
	long_value[sizeof(long_value) - 1] = '\0';
	char why[128];
	assert_int_equal(parse(long_value, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "longer than"));
}

static void test_words(void **state)
{
	(void)state;
	char s[] = "  -A 127.0.0.1   -s 90000000\t-M fpm:netlink --log=file:/var/log/x";
	char *w[8];
	assert_int_equal(frr_words(s, w, 8), 7);
	assert_string_equal(w[0], "-A");
	assert_string_equal(w[3], "90000000");
	assert_string_equal(w[5], "fpm:netlink");
	assert_string_equal(w[6], "--log=file:/var/log/x");
	char quoted[] = "-A '127.0.0.1'";
	assert_int_equal(frr_words(quoted, w, 8), -1);
	char dollar[] = "-A $ADDR";
	assert_int_equal(frr_words(dollar, w, 8), -1);
	char many[] = "a b c d";
	assert_int_equal(frr_words(many, w, 3), -1);
	char empty[] = "   ";
	assert_int_equal(frr_words(empty, w, 3), 0);
}

static int teardown(void **state)
{
	(void)state;
	frr_vars_free(&v);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_debian_daemons_file, teardown),
		cmocka_unit_test_teardown(test_quotes_and_expansions, teardown),
		cmocka_unit_test_teardown(test_shell_is_refused, teardown),
		cmocka_unit_test_teardown(test_words, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
