/* cmd/up.c: `umllab up [--foreground] FILE`: validate, prepare the images and disks, start the supervisor, follow the bring-up. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/storage/labimage.h"
#include "core/base/state.h"
#include "core/supervisor/supervisor.h"
#include "core/lab/labdir.h"
#include "core/lab/topology.h"
#include "core/cluster/up_slurm.h"
#include "core/base/util.h"

/* Images are built and downloaded here, on the terminal, before the
 * supervisor exists: the supervisor only finds them in the cache. Disks
 * that no longer match their image stop `up` before anything starts. */
static int up_prepare(struct lab *lab, char **cause)
{
	struct lab_images_opts opts = { .progress = cmd_image_progress, .meter = cmd_image_meter };
	char *root = state_root(cause);
	if (root == NULL)
		return -1;
	char *dir = state_lab_dir(root, lab->name, true, cause);
	free(root);
	if (dir == NULL)
		return -1;
	int rc = 0;
	char *disks = NULL;
	if (state_lab_running(dir))
		rc = 0;	/* client_up says it is up; nothing to prepare */
	else if ((disks = state_disk_dir(lab->name, true, cause)) == NULL)
		rc = -1;
	else if ((rc = lab_disks_migrate(dir, disks, cause)) > 0)
		printf("umllab: moved %d disk%s of lab %s from %s to %s, where they survive a reboot\n",
		    rc, rc == 1 ? "" : "s", lab->name, dir, disks);
	if (rc >= 0 && disks != NULL &&
	    (lab_images_prepare(lab, &opts, cause) < 0 || lab_disks_prepare(lab, disks, cause) < 0))
		rc = -1;
	free(disks);
	free(dir);
	return rc < 0 ? -1 : 0;
}

static int up_run(int argc, char **argv)
{
	bool foreground = false, slurm = false, slurm_part = false;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--foreground") == 0 || strcmp(argv[i], "-F") == 0)
			foreground = true;
		else if (strcmp(argv[i], "--slurm") == 0)
			slurm = true;
		else if (strcmp(argv[i], "--slurm-part") == 0)
			slurm_part = foreground = true;
		else if (strcmp(argv[i], "--images") == 0 && i + 1 < argc)
			setenv(LABDIR_IMAGES_ENV, argv[++i], 1);	/* read by lab_load for a lab directory */
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cmd_usage_error(&cmd_up, "unknown option %s", argv[i]);
		else if (file != NULL)
			return cmd_usage_error(&cmd_up, "expected one topology file, not also %s", argv[i]);
		else
			file = argv[i];
	}
	if (file == NULL)
		return cmd_usage_error(&cmd_up, "expected one topology file");
	struct lab_diag diag = { 0 };
	struct lab *lab = lab_load(file, &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	lab_diag_free(&diag);
	if (lab == NULL) {
		/* A file that cannot be read has said so; one that has mistakes
		 * has listed them. */
		if (access(file, R_OK) == 0)
			fprintf(stderr, "umllab: %s has mistakes; nothing was started\n", file);
		return EXIT_FAIL;
	}
	char *cause = NULL;
	if (slurm) {
		/* The file is valid: now one part per task, each on its node. */
		char path[PATH_MAX];
		char *self = self_exe(&cause);
		if (self != NULL && realpath(file, path) == NULL)
			set_cause(&cause, "%s: %s", file, strerror(errno));
		else if (self != NULL)
			up_slurm_exec(self, path, lab->name, &cause);	/* returns only on failure */
		free(self);
		lab_free(lab);
		return cmd_fail(cause, EXIT_FAIL);
	}
	if (slurm_part && up_slurm_part(lab, &cause) < 0) {
		lab_free(lab);
		return cmd_fail(cause, EXIT_FAIL);
	}
	/* As validate: a kernel command line UML would refuse stops everything here. */
	if (lab_kernel_lines_check(lab, &diag) > 0) {
		for (size_t i = 0; i < diag.n; i++)
			fprintf(stderr, "%s\n", diag.msgs[i]);
		lab_diag_free(&diag);
		lab_free(lab);
		fprintf(stderr, "umllab: %s has mistakes; nothing was started\n", file);
		return EXIT_FAIL;
	}
	lab_diag_free(&diag);
	if (up_prepare(lab, &cause) < 0) {
		lab_free(lab);
		return cmd_fail(cause, EXIT_FAIL);
	}
	int code = foreground ? client_up_foreground(lab, &cause) : client_up(lab, &cause);
	lab_free(lab);
	if (code < 0)
		return cmd_fail(cause, EXIT_FAIL);
	free(cause);
	return code;
}

const struct cmd_entry cmd_up = {
	.name = "up",
	.args = "[--foreground | --slurm] [--images MAP] FILE|DIR",
	.summary = "bring a lab up: images, switches, instances, network; then supervise it",
	.help = "Validates FILE, builds or downloads the images its instances run on (cached;\n"
	    "see `umllab image`), checks that the instances' disks from an earlier `up` still\n"
	    "match their images, starts a supervisor in the background that runs the lab's\n"
	    "switches and boots every instance, and returns once every instance has configured\n"
	    "its network and run its startup commands. On failure it says what failed on which\n"
	    "instance, shows the last lines of that instance's console log, and stops\n"
	    "everything it started.\n"
	    "Exit status: 0 up, 1 failed (or already up), 2 usage.\n"
	    "DIR is a Kathara or Netkit lab directory (lab.conf, lab.dep, a folder and\n"
	    "DEV.startup per device), run as it is: see docs/kathara.md and `umllab convert`.\n"
	    "A startup script that fails is shown here (device, line, output); the lab\n"
	    "stays up and `umllab status` marks the instance.\n"
	    "\n"
	    "  --images MAP      for a lab directory: a YAML file whose `images:` maps the\n"
	    "                    image names of lab.conf to umllab images, in the topology's\n"
	    "                    form: images: {\"uni/base\": {debian: bookworm, packages:\n"
	    "                    [apache2]}} (also $UMLLAB_IMAGES); kathara/base and\n"
	    "                    kathara/frr are built in\n"
	    "  -F, --foreground  this process is the supervisor: no fork into the background,\n"
	    "                    no new session. It prints the same progress, stays after the\n"
	    "                    lab is up, and takes the lab down (as `down` does) on SIGTERM\n"
	    "                    or SIGINT (Ctrl-C). status, exec, ping and down work on it as\n"
	    "                    on any lab. For batch jobs (`srun umllab up --foreground\n"
	    "                    lab.yaml`, see docs/cluster.md) and service managers.\n"
	    "                    Exit status: 0 the lab was up and `down` or a signal ended it,\n"
	    "                    1 it failed to come up (or is already up), 2 usage,\n"
	    "                    3 `down` or a signal ended it before it was up.\n"
	    "  --slurm           inside a Slurm allocation (`salloc -N2 umllab up --slurm FILE`):\n"
	    "                    one part of the lab per task of the allocation (else per node),\n"
	    "                    each `up --foreground` on its node, started with srun; each\n"
	    "                    instance in the part its `host:` names, the others spread\n"
	    "                    evenly in file order; every switch in every part, joined to\n"
	    "                    part 0's by VXLAN trunks between the nodes' addresses (UDP\n"
	    "                    ports from 30000, a block per job; UMLLAB_TRUNK_PORT sets the\n"
	    "                    first). A part that fails to come up ends the others. Part K\n"
	    "                    is the lab NAME-pK on its node; from here `umllab status`,\n"
	    "                    `exec`, `ping` and `down` of NAME reach every part through\n"
	    "                    srun. Exit status: srun's.\n",
	.run = up_run,
};
