/* cmd/confine.c: `umllab confine [--ro|--symlinks] -- KERNEL ARGS...`: exec a UML kernel confined to its own files and the shared directory. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/confine/confine.h"
#include "core/base/util.h"

/* name looked up in $PATH like execvp() would, or NULL. */
static char *confine_find_on_path(const char *name)
{
	const char *path = getenv("PATH");
	if (path == NULL || path[0] == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	char *copy = xstrdup(path);
	char *found = NULL;
	for (char *dir = copy, *next; dir != NULL && found == NULL; dir = next) {
		next = strchr(dir, ':');
		if (next != NULL)
			*next++ = '\0';
		char *candidate = xasprintf("%s/%s", dir[0] != '\0' ? dir : ".", name);
		if (access(candidate, X_OK) == 0)
			found = candidate;
		else
			free(candidate);
	}
	free(copy);
	return found;
}

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
	char **kargv = argv + i + 1;
	char *found = NULL;
	if (strchr(kargv[0], '/') == NULL) {
		/* `linux.uml` as a shell would find it: Landlock needs its path. */
		found = confine_find_on_path(kargv[0]);
		if (found == NULL) {
			fprintf(stderr, "umllab confine: %s: not found on PATH (%s); give its path, "
			    "such as /usr/bin/linux.uml (package user-mode-linux)\n", kargv[0],
			    getenv("PATH") != NULL ? getenv("PATH") : "unset");
			return 126;
		}
		kargv[0] = found;
	}
	bool has_uml_dir = false;
	for (char **a = kargv + 1; *a != NULL; a++)
		has_uml_dir |= strncmp(*a, "uml_dir=", 8) == 0 && (*a)[8] != '\0';
	if (!has_uml_dir) {
		/* Without it the kernel writes ~/.uml and its memory file in /tmp,
		 * which the confinement refuses: it died without a word. */
		fprintf(stderr, "umllab confine: give the kernel uml_dir=DIR, a directory of yours "
		    "(made if missing), such as uml_dir=$HOME/uml: confined, the kernel may write "
		    "only there (its mconsole socket, pid file and memory file), and without it it "
		    "cannot start\n");
		free(found);
		return 126;
	}
	char *cause = NULL;
	confine_exec(kargv, flags, &cause);
	free(found);
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
	    "KERNEL may be a name on PATH (linux.uml). The parameters must include\n"
	    "uml_dir=DIR: the only place the kernel may write (its mconsole socket, pid file\n"
	    "and memory file). Example, from a directory you can read:\n"
	    "  umllab confine -- linux.uml mem=64M uml_dir=$HOME/uml umid=test \\\n"
	    "      ubd0=$HOME/test.cow,IMAGE root=/dev/ubda con0=null,fd:1 con=null\n"
	    "Exit status: that of the kernel; 126 if it could not be started.\n",
	.run = confine_run,
};
