/* core/base/state.c: the state directory of labs: location, permissions, discovery. */
#include "core/base/state.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/util.h"

static int dir_make_private(const char *path, char **cause)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return set_cause(cause, "cannot create state directory %s: %s", path,
		    strerror(errno));
	struct stat st;
	if (lstat(path, &st) != 0)
		return set_cause(cause, "cannot read state directory %s: %s", path,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return set_cause(cause, "state directory %s is not a directory; remove it or "
		    "set UMLLAB_STATE_DIR elsewhere", path);
	if (st.st_uid != getuid())
		return set_cause(cause, "state directory %s belongs to uid %u, not to you (uid %u); "
		    "set UMLLAB_STATE_DIR to a directory of your own",
		    path, (unsigned)st.st_uid, (unsigned)getuid());
	if ((st.st_mode & 0077) != 0 && chmod(path, 0700) != 0)
		return set_cause(cause, "cannot make state directory %s private: %s", path,
		    strerror(errno));
	return 0;
}

char *state_root(char **cause)
{
	const char *env = getenv("UMLLAB_STATE_DIR");
	char *root;
	if (env != NULL && env[0] != '\0') {
		root = xstrdup(env);
	} else if ((env = getenv("XDG_RUNTIME_DIR")) != NULL && env[0] == '/' &&
	    access(env, W_OK) == 0) {
		root = xasprintf("%s/umllab", env);
	} else {
		root = xasprintf("/tmp/umllab-%u", (unsigned)getuid());
		/* Anyone can make /tmp/umllab-OURUID first: then use a directory
		 * in our home, where nobody else can. */
		struct stat st;
		const char *home = getenv("HOME");
		if (lstat(root, &st) == 0 && (st.st_uid != getuid() || !S_ISDIR(st.st_mode)) &&
		    home != NULL && home[0] == '/') {
			free(root);
			root = xasprintf("%s/.umllab-run", home);
		}
	}
	if (dir_make_private(root, cause) != 0) {
		free(root);
		return NULL;
	}
	return root;
}

char *state_lab_dir(const char *root, const char *lab, bool create, char **cause)
{
	char *dir = xasprintf("%s/%s", root, lab);
	if (create && dir_make_private(dir, cause) != 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* mkdir -p of path's parents (0700, as XDG asks for the state directory),
 * then the private directory itself. */
static int dir_make_private_parents(char *path, char **cause)
{
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0700);
		int e = errno;
		*p = '/';
		if (rc != 0 && e != EEXIST)
			return set_cause(cause, "cannot create %.*s: %s", (int)(p - path), path, strerror(e));
	}
	return dir_make_private(path, cause);
}

char *state_disk_root(bool create, char **cause)
{
	const char *env = getenv("UMLLAB_STATE_DIR");
	char *root;
	if (env != NULL && env[0] != '\0') {
		root = xasprintf("%s/.disks", env);
	} else if ((env = getenv("XDG_STATE_HOME")) != NULL && env[0] == '/') {
		root = xasprintf("%s/umllab", env);
	} else if ((env = getenv("HOME")) != NULL && env[0] == '/') {
		root = xasprintf("%s/.local/state/umllab", env);
	} else {
		set_cause(cause, "no place for the instances' disks: neither XDG_STATE_HOME nor HOME "
		    "is an absolute path; set XDG_STATE_HOME (or UMLLAB_STATE_DIR)");
		return NULL;
	}
	if (create && dir_make_private_parents(root, cause) != 0) {
		free(root);
		return NULL;
	}
	return root;
}

char *state_disk_dir(const char *lab, bool create, char **cause)
{
	char *root = state_disk_root(create, cause);
	if (root == NULL)
		return NULL;
	char *dir = state_lab_dir(root, lab, create, cause);
	free(root);
	return dir;
}

int state_wipe_captures(const char *lab_dir, char **cause)
{
	char *dir = state_path(lab_dir, "%s", STATE_CAPTURES);
	DIR *d = opendir(dir);
	if (d == NULL) {
		int rc = errno == ENOENT ? 0 : set_cause(cause, "cannot read %s: %s", dir,
		    strerror(errno));
		free(dir);
		return rc;
	}
	int removed = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) != 0) {
			set_cause(cause, "cannot remove %s/%s: %s", dir, de->d_name, strerror(errno));
			removed = -1;
			break;
		}
		removed++;
	}
	closedir(d);
	if (removed >= 0)
		rmdir(dir);
	free(dir);
	return removed;
}

char *state_cable_name(const char *instance, const char *iface)
{
	return xasprintf("%s.%s", instance, iface);
}

char *state_cable_path(const char *lab_dir, const char *instance, const char *iface)
{
	return xasprintf("%s/%s/%s.%s", lab_dir, STATE_CABLES, instance, iface);
}

char *state_path(const char *lab_dir, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *name = xvasprintf(fmt, ap);
	va_end(ap);
	char *path = xasprintf("%s/%s", lab_dir, name);
	free(name);
	return path;
}

bool state_lab_running(const char *lab_dir)
{
	char *path = state_path(lab_dir, STATE_CONTROL);
	struct sockaddr_un sun;
	bool up = false;
	if (unix_addr_set(&sun, path, NULL) == 0) {
		/* Nonblocking: a supervisor that is stopped or swamped, with its
		 * backlog full (EAGAIN), is there all the same, and this must not
		 * wait for it; the request that follows times out with a message. */
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0) {
			up = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 || errno == EAGAIN;
			close(fd);
		}
	}
	free(path);
	return up;
}

static int name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool state_lab_orphaned(const char *lab_dir)
{
	if (state_lab_running(lab_dir))
		return false;
	char *p = state_path(lab_dir, STATE_PIDFILE);
	bool orphaned = access(p, F_OK) == 0;
	free(p);
	p = state_path(lab_dir, STATE_UML_DIR);
	DIR *d = opendir(p);
	struct dirent *de;
	while (!orphaned && d != NULL && (de = readdir(d)) != NULL)
		orphaned = de->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	free(p);
	return orphaned;
}

size_t state_running_labs(const char *root, char ***names)
{
	return state_labs(root, false, names);
}

size_t state_labs(const char *root, bool orphaned_too, char ***names)
{
	size_t n = 0;
	*names = NULL;
	DIR *d = opendir(root);
	if (d == NULL)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *dir = xasprintf("%s/%s", root, de->d_name);
		char *failure = orphaned_too ? state_lab_failure(dir) : NULL;
		bool listed = failure != NULL;
		free(failure);
		if (listed || state_lab_running(dir) || (orphaned_too && state_lab_orphaned(dir))) {
			*names = xreallocarray(*names, n + 1, sizeof(char *));
			(*names)[n++] = xstrdup(de->d_name);
		}
		free(dir);
	}
	closedir(d);
	if (n > 1)
		qsort(*names, n, sizeof(char *), name_compare);
	return n;
}

char *state_lab_failure(const char *lab_dir)
{
	char *p = state_path(lab_dir, STATE_FAILED);
	FILE *f = fopen(p, "re");
	free(p);
	if (f == NULL)
		return NULL;
	char line[1024];
	char *why = NULL;
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		why = xstrdup(line[0] != '\0' ? line : "no reason was recorded");
	}
	fclose(f);
	if (why != NULL && state_lab_running(lab_dir)) {
		free(why);
		why = NULL;	/* an `up` is under way again */
	}
	return why;
}

/* Edit distance of two short names (insertions, deletions, substitutions),
 * stopping at 3. */
static int name_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2)
		return 3;
	int row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] < 3 ? row[lb] : 3;
}

char *state_labs_like(const char *root, const char *name)
{
	DIR *d = opendir(root);
	if (d == NULL)
		return NULL;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, name) == 0)
			continue;
		char *labfile = xasprintf("%s/%s/%s", root, de->d_name, STATE_LABFILE);
		bool is_lab = access(labfile, F_OK) == 0;
		free(labfile);
		size_t common = 0;
		while (de->d_name[common] != '\0' && de->d_name[common] == name[common])
			common++;
		if (is_lab && (common >= 3 || name_distance(de->d_name, name) <= 2)) {
			names = xreallocarray(names, n + 1, sizeof(char *));
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(char *), name_compare);
	char *list = NULL;
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s", list ? list : "", list ? " or " : "", names[i]);
		free(list);
		list = next;
	}
	state_names_free(names, n);
	return list;
}

pid_t state_supervisor_pid(const char *lab_dir)
{
	char *path = state_path(lab_dir, STATE_PIDFILE);
	FILE *f = fopen(path, "re");
	free(path);
	if (f == NULL)
		return -1;
	long pid = -1;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 1)
		pid = -1;
	fclose(f);
	return (pid_t)pid;
}

void state_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
