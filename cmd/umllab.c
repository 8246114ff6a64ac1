/* cmd/umllab.c: main(): pick the command from the table and run it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/cluster/slurm_lab.h"

/* The Makefile passes it from debian/changelog, the version's one place. */
#ifndef UMLLAB_VERSION
#error "UMLLAB_VERSION is not defined: build with make (it reads debian/changelog)"
#endif

static const struct cmd_entry *const commands[] = {
	&cmd_up, &cmd_status, &cmd_ping, &cmd_exec, &cmd_logs, &cmd_console, &cmd_down,
	&cmd_stop, &cmd_start, &cmd_restart, &cmd_mconsole, &cmd_plug, &cmd_unplug, &cmd_link,
	&cmd_capture, &cmd_check, &cmd_web, &cmd_validate, &cmd_convert, &cmd_grade, &cmd_graph, &cmd_image, &cmd_switch, &cmd_confine,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_main_help(FILE *f)
{
	fprintf(f, "usage: umllab COMMAND [ARGS...]\n\n"
	    "Bring up User-Mode Linux network labs from a YAML topology.\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\n`umllab COMMAND --help` tells more; a unique prefix of a command works too.\n"
	    "Labs live under $UMLLAB_STATE_DIR, else $XDG_RUNTIME_DIR/umllab, else /tmp/umllab-$UID.\n"
	    "Exit codes: 0 success; 1 failure or a negative answer; 2 usage errors, or a lab or\n"
	    "instance that does not exist or is not running (exec: the command's own status).\n");
}

void cmd_print_help(const struct cmd_entry *cmd)
{
	printf("usage: umllab %s %s\n\n%s\n", cmd->name, cmd->args, cmd->summary);
	if (cmd->help != NULL && cmd->help[0] != '\0')
		printf("\n%s", cmd->help);
}

int cmd_usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "umllab %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: umllab %s %s  (see `umllab %s --help`)\n", cmd->name, cmd->args,
	    cmd->name);
	return EXIT_USAGE;
}

int cmd_wants_help(const struct cmd_entry *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cmd_print_help(cmd);
			return 1;
		}
	}
	return 0;
}

int cmd_fail(char *cause, int code)
{
	fprintf(stderr, "umllab: %s\n", cause != NULL ? cause : "failed");
	free(cause);
	return code;
}

const char *cmd_take_lab(int *argc, char **argv)
{
	const char *lab = NULL;
	for (int i = 1; i + 1 < *argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--lab") == 0 || strcmp(argv[i], "-l") == 0) {
			lab = argv[i + 1];
			memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2 + 1) * sizeof(char *));
			*argc -= 2;
			i--;
		}
	}
	return lab;
}

int cmd_slurm(const char *lab, int (*run)(const struct slurm_lab *l, void *arg), void *arg)
{
	struct slurm_lab l;
	char *cause = NULL;
	int found = slurm_lab_find(lab, &l, &cause);
	if (found <= 0)
		return found < 0 ? cmd_fail(cause, EXIT_FAIL) : CMD_LOCAL;
	int code = run(&l, arg);
	slurm_lab_free(&l);
	return code;
}

int cmd_slurm_run(const struct slurm_lab *l, int part, char *const args[], int fail_code)
{
	char *cause = NULL;
	int code = slurm_lab_run(l, part, args, &cause);
	return code < 0 ? cmd_fail(cause, fail_code) : code;
}

int cmd_request(const char *lab, int reqc, char **req, int fail_code)
{
	char *cause = NULL;
	char *dir = client_find_lab(lab, true, &cause);
	if (dir == NULL)
		return cmd_fail(cause, fail_code);
	int code = client_request(dir, reqc, req, &cause);
	free(dir);
	if (code < 0)
		return cmd_fail(cause, fail_code);
	free(cause);
	return code;
}

static const struct cmd_entry *command_find(const char *name)
{
	const struct cmd_entry *found = NULL;
	size_t len = strlen(name);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
		if (strncmp(commands[i]->name, name, len) == 0) {
			if (found != NULL) {
				fprintf(stderr, "umllab: `%s` is ambiguous: it could be %s or %s\n", name,
				    found->name, commands[i]->name);
				return NULL;
			}
			found = commands[i];
		}
	}
	if (found == NULL)
		fprintf(stderr, "umllab: unknown command `%s`; `umllab --help` lists them\n", name);
	return found;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_main_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			const struct cmd_entry *cmd = command_find(argv[2]);
			if (cmd == NULL)
				return EXIT_USAGE;
			cmd_print_help(cmd);
			return EXIT_OK;
		}
		print_main_help(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("umllab %s\n", UMLLAB_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--slurm-task") == 0) {
		/* One task of a step that reaches every part of a lab over Slurm. */
		char *cause = NULL;
		int rc = slurm_lab_task_argv(argc, argv, &argc, &argv, &cause);
		if (rc != 0)
			return rc < 0 ? cmd_fail(cause, EXIT_USAGE) : EXIT_OK;
	}
	const struct cmd_entry *cmd = command_find(argv[1]);
	if (cmd == NULL)
		return EXIT_USAGE;
	if (cmd_wants_help(cmd, argc - 1, argv + 1))
		return EXIT_OK;
	return cmd->run(argc - 1, argv + 1);
}
