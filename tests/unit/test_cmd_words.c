/* tests/unit/test_cmd_words.c: which commands the guest agent runs without a shell (image/guest/cmd_words.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "image/guest/cmd_words.h"

static char buf[1024];
static char *argv[8];

static int words(const char *cmd)
{
	return cmd_words(cmd, buf, argv, 8);
}

static void test_plain_words(void **state)
{
	(void)state;
	assert_int_equal(words("/usr/lib/umllab/kathara run r1.startup"), 3);
	assert_string_equal(argv[0], "/usr/lib/umllab/kathara");
	assert_string_equal(argv[2], "r1.startup");
	assert_null(argv[3]);
	assert_int_equal(words("  ip  route show\tproto ospf  "), 5);
	assert_string_equal(argv[0], "ip");
	assert_string_equal(argv[4], "ospf");
	/* umllab's own quoting (cmd/exec.c, labdir.c): 'single quotes' are literal. */
	assert_int_equal(words("/usr/lib/umllab/kathara setup r1 -s 'net.ipv4.conf.all.log_martians=1'"), 5);
	assert_string_equal(argv[4], "net.ipv4.conf.all.log_martians=1");
	assert_int_equal(words("vtysh -c 'show ip route' -c x'y z'w"), 5);
	assert_string_equal(argv[2], "show ip route");
	assert_string_equal(argv[4], "xy zw");
	assert_int_equal(words("grep -c ''"), 3);
	assert_string_equal(argv[2], "");
	assert_int_equal(words("ls --color=never /a=b"), 3);
}

static void test_shell_needed(void **state)
{
	(void)state;
	static const char *const shell[] = {
		"", "   ", "ip route | grep ospf", "a; b", "a && b", "echo $HOME", "cat > f",
		"ls *", "ls ~", "cmd \"double\"", "it'\\''s", "x 'unclosed", "A=1 env", "A='1' env",
		"echo hi", "kill 1", "cd /", "test -f x", "true", ". /etc/profile", "ls\nls",
		"a b c d e f g h i", "sleep 1 &", "(ls)", "ls #comment",
	};
	for (size_t i = 0; i < sizeof(shell) / sizeof(shell[0]); i++) {
		if (words(shell[i]) != -1)
			fail_msg("%s: expected the shell", shell[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_words),
		cmocka_unit_test(test_shell_needed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
