/* image/guest/cmd_words.c: a command line the agent can run without a shell (see
 * cmd_words.h): in a UML guest the shell's fork costs about 0.1 s, and most commands
 * umllab sends (`umllab exec r1 -- ip route`, a Kathara device's startup) are plain words. */
#include "image/guest/cmd_words.h"

#include <string.h>

static const char plain_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    "0123456789-_./=:,@%+";

int cmd_words(const char *cmd, char *buf, char **argv, size_t max)
{
	size_t n = 0;
	const char *p = cmd;
	char *out = buf;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n + 1 >= max)
			return -1;
		argv[n++] = out;
		while (*p != '\0' && *p != ' ' && *p != '\t') {
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');
				if (end == NULL)
					return -1;
				memcpy(out, p + 1, (size_t)(end - p - 1));
				out += end - p - 1;
				p = end + 1;
			} else if (strchr(plain_chars, *p) != NULL) {
				*out++ = *p++;
			} else {
				return -1;
			}
		}
		*out++ = '\0';
	}
	argv[n] = NULL;
	if (n == 0)
		return -1;
	/* NAME=VALUE first is an assignment, and a builtin of the shell (echo, kill, cd...)
	 * is not the program of that name: both for the shell. */
	const char *first = cmd + strspn(cmd, " \t");
	if (memchr(first, '=', strcspn(first, " \t'")) != NULL)
		return -1;
	static const char *const builtins[] = { "alias", "bg", "break", "cd", "chdir", "command",
		"continue", "echo", "eval", "exec", "exit", "export", "false", "fc", "fg", "getopts",
		"hash", "jobs", "kill", "local", "printf", "pwd", "read", "readonly", "return", "set",
		"shift", "test", "times", "trap", "true", "type", "ulimit", "umask", "unalias",
		"unset", "wait", "." };
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(argv[0], builtins[i]) == 0)
			return -1;
	return (int)n;
}
