/* cmd/confine.c: `umllab confine [--ro|--symlinks] -- KERNEL ARGS...`: exec a UML kernel confined to its own files and the shared directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/confine.h"

static int confine_run(int argc, char **argv)
{
	unsigned flags = 0;
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--ro") == 0)
			flags |= CONFINE_SHARE_RO;
		else if (strcmp(argv[i], "--symlinks") == 0)
			flags |= CONFINE_SHARE_SYMLINKS;
		else
			return cmd_usage_error(&cmd_confine, "unknown option %s", argv[i]);
	}
	if (i + 1 >= argc)
		return cmd_usage_error(&cmd_confine, "expected -- and a kernel with its parameters");
	char *cause = NULL;
	confine_exec(argv + i + 1, flags, &cause);
	/* Only on failure: the message lands in the instance's console log. */
	fprintf(stderr, "umllab confine: %s\n", cause != NULL ? cause : "failed");
	free(cause);
	return 126;
}

const struct cmd_entry cmd_confine = {
	.name = "confine",
	.args = "[--ro | --symlinks] -- KERNEL PARAMETERS...",
	.summary = "run a UML kernel confined to its disks and the shared directory (Landlock)",
	.help = "umllab starts every instance this way; use it for kernels you start by hand.\n"
	    "The kernel may read its program and libraries, read its image, read and write\n"
	    "its copy-on-write file and its uml_dir, and use the hostfs= directory (only read\n"
	    "it with --ro); nothing else on the host. In a writable hostfs= directory the\n"
	    "guest cannot make symbolic links unless --symlinks is given: a link made there\n"
	    "may point anywhere on the host, a trap for whoever opens it. So a guest's\n"
	    "`mount -t hostfs none\n"
	    "/mnt -o ..` (or `-o /`) shows it nothing of your files: hostfs= alone does not\n"
	    "prevent that. A missing copy-on-write file is made; one made over another image\n"
	    "is refused. Needs Landlock (Linux 5.13+); UMLLAB_UNCONFINED=1 runs without it.\n"
	    "Exit status: that of the kernel; 126 if it could not be started.\n",
	.run = confine_run,
};
