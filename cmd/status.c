/* cmd/status.c: `umllab status [LAB] [--json]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/cluster/slurm_lab.h"
#include "core/base/state.h"
#include "core/base/util.h"

static int status_one(const char *dir, bool json)
{
	char *cause = NULL;
	char *argv[] = { "status", json ? "--json" : "" };
	int code = client_request(dir, json ? 2 : 1, argv, &cause);
	if (code < 0)
		return cmd_fail(cause, EXIT_USAGE);
	free(cause);
	return code;
}

/* A lab over Slurm as one JSON object: {"lab", "slurm_job", "parts": [each part's own
 * status object, in part order, null for a part that answered nothing]}. */
static int status_slurm_json(const struct slurm_lab *l)
{
	char *cause = NULL;
	char **texts = NULL;
	int code = slurm_lab_run_output(l, (char *[]){ "status", "--json", NULL }, &texts, &cause);
	if (code < 0)
		return cmd_fail(cause, EXIT_USAGE);
	printf("{\"lab\":\"%s\",\"slurm_job\":%ld,\"parts\":[", l->name, l->job);
	for (unsigned k = 0; k < l->parts; k++) {
		const char *t = texts[k];
		size_t n = t != NULL ? strlen(t) : 0;
		while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == ' '))
			n--;
		printf("%s%.*s", k ? "," : "", n > 0 ? (int)n : 4, n > 0 ? t : "null");
		if (n == 0 && code == EXIT_OK)
			code = EXIT_FAIL;
		free(texts[k]);
	}
	printf("]}\n");
	free(texts);
	return code;
}

/* A lab over Slurm: every part's status, its lines labelled by part. */
static int status_slurm(const struct slurm_lab *l, void *arg)
{
	if (*(const bool *)arg)
		return status_slurm_json(l);
	return cmd_slurm_run(l, -1, (char *[]){ "status", NULL }, EXIT_USAGE);
}

static int status_run(int argc, char **argv)
{
	bool json = false;
	const char *lab = cmd_take_lab(&argc, argv);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-')
			return cmd_usage_error(&cmd_status, "unknown option %s", argv[i]);
		else if (lab == NULL)
			lab = argv[i];
		else
			return cmd_usage_error(&cmd_status, "expected at most one lab");
	}
	char *cause = NULL;
	int over_slurm = cmd_slurm(lab, status_slurm, &json);
	if (over_slurm != CMD_LOCAL)
		return over_slurm;
	if (lab != NULL) {
		/* A lab whose `up` failed: why, with the failure's code. */
		char *known = client_find_lab(lab, false, NULL);
		char *failure = known != NULL ? state_lab_failure(known) : NULL;
		free(known);
		if (failure != NULL) {
			fprintf(stderr, "umllab: lab %s failed to start: %s (`umllab up FILE` tries "
			    "again, `umllab down %s` forgets it)\n", lab, failure, lab);
			free(failure);
			return EXIT_FAIL;
		}
		char *dir = client_find_lab(lab, true, &cause);
		if (dir == NULL)
			return cmd_fail(cause, EXIT_USAGE);
		int code = status_one(dir, json);
		free(dir);
		return code;
	}
	/* No lab named: every running lab. */
	char *root = state_root(&cause);
	if (root == NULL)
		return cmd_fail(cause, EXIT_USAGE);
	char **names;
	size_t n = state_labs(root, true, &names);
	int code = EXIT_OK;
	if (json)
		printf("[");
	else if (n == 0)
		printf("no lab is running (state directory %s)\n", root);
	fflush(stdout);
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			printf(json ? "," : "\n");
			fflush(stdout);
		}
		char *dir = state_lab_dir(root, names[i], false, &cause);
		char *failure = dir != NULL ? state_lab_failure(dir) : NULL;
		if (failure != NULL) {
			if (json) {
				printf("{\"lab\":\"%s\",\"failed\":\"", names[i]);
				for (const char *p = failure; *p != '\0'; p++) {
					if (*p == '"' || *p == '\\')
						printf("\\%c", *p);
					else if ((unsigned char)*p < 0x20)
						printf("\\u%04x", (unsigned)(unsigned char)*p);
					else
						putchar(*p);
				}
				printf("\"}");
			} else {
				printf("lab %s: failed to start: %s\n  (its log: %s/%s; `umllab up FILE` "
				    "tries again, `umllab down %s` forgets it)\n", names[i], failure, dir,
				    STATE_LOG, names[i]);
			}
			code = EXIT_FAIL;
		} else if (dir != NULL && state_lab_orphaned(dir)) {
			if (json)
				printf("{\"lab\":\"%s\",\"supervisor\":\"gone\"}", names[i]);
			else
				printf("lab %s: its supervisor is gone (killed or crashed); its instances "
				    "may still run: `umllab down %s` stops them\n", names[i], names[i]);
			code = EXIT_FAIL;
		} else if (dir != NULL && status_one(dir, json) != EXIT_OK) {
			code = EXIT_FAIL;
		}
		free(failure);
		free(dir);
	}
	if (json)
		printf("]\n");
	state_names_free(names, n);
	free(root);
	free(cause);
	return code;
}

const struct cmd_entry cmd_status = {
	.name = "status",
	.args = "[[--lab] LAB] [--json]",
	.summary = "show instances (state, pid, uptime, addresses) and switches (mode, socket, ports)",
	.help = "Without LAB, shows every running lab. With --json, prints one JSON object\n"
	    "for LAB, or a JSON array of them without LAB. A lab over Slurm (up --slurm):\n"
	    "every part's status, its lines labelled by part; with --json, one object\n"
	    "{\"lab\", \"slurm_job\", \"parts\": [each part's object]}.\n",
	.run = status_run,
};
