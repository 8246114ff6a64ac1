/* cmd/logs.c: `umllab logs INSTANCE [-f]`: an instance's console log, boot messages included. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/base/state.h"
#include "core/base/util.h"

/* Copy fd to stdout from where it is to its end. */
static int copy_to_stdout(int fd)
{
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write_all(1, buf, (size_t)n) != 0)
			return -1;
	return n < 0 ? -1 : 0;
}

static int logs_run(int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	bool follow = false;
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0)
			follow = true;
		else if (argv[i][0] == '-' || name != NULL)
			return cmd_usage_error(&cmd_logs, "unexpected %s", argv[i]);
		else
			name = argv[i];
	}
	if (name == NULL)
		return cmd_usage_error(&cmd_logs, "expected an instance");
	char *cause = NULL;
	char *dir = client_find_lab(lab, false, &cause);
	if (dir == NULL)
		return cmd_fail(cause, EXIT_USAGE);
	char *path = state_path(dir, "%s.log", name);
	char *older = xasprintf("%s.1", path);
	int code = EXIT_OK;
	int fd = open(older, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		copy_to_stdout(fd);
		close(fd);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "umllab: no console log for %s in %s (%s): is it an instance of "
		    "this lab?\n", name, dir, strerror(errno));
		code = EXIT_USAGE;
		goto out;
	}
	copy_to_stdout(fd);
	/* Follow like tail -f, across rotations, while the lab runs. */
	for (unsigned tick = 0; follow; tick++) {
		sleep_ms(200);
		copy_to_stdout(fd);
		struct stat now, then;
		if (stat(path, &now) == 0 && fstat(fd, &then) == 0 && now.st_ino != then.st_ino) {
			copy_to_stdout(fd);
			close(fd);
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
				break;
		}
		if (tick % 5 == 4 && !state_lab_running(dir)) {
			copy_to_stdout(fd);
			break;
		}
	}
	if (fd >= 0)
		close(fd);
out:
	free(older);
	free(path);
	free(dir);
	return code;
}

const struct cmd_entry cmd_logs = {
	.name = "logs",
	.args = "[--lab LAB] INSTANCE [-f]",
	.summary = "print an instance's console log (boot messages, restarts, startup output)",
	.help = "The log survives restarts of the instance and is bounded: past 1 MiB it moves\n"
	    "to INSTANCE.log.1 (printed first) and starts again. -f keeps printing what\n"
	    "comes, until the lab goes down or you press Ctrl-C.\n",
	.run = logs_run,
};
