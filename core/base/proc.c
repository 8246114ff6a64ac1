/* core/base/proc.c: /proc scans for the processes of one UML kernel, and their scheduler state. */
#include "core/base/proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/util.h"

bool proc_alive(pid_t pid)
{
	if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM))
		return false;
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *end = strrchr(buf, ')');	/* the name may hold spaces */
	return end == NULL || end[1] != ' ' || end[2] != 'Z';
}

/* Read a small /proc file into buf (NUL-terminated); its length, or -1. */
static ssize_t proc_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Add one process's schedstat to out; its state, or 0 when it is gone. */
static char proc_sched_add(pid_t pid, struct proc_sched *out)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (proc_read(path, buf, sizeof(buf)) <= 0)
		return 0;
	const char *end = strrchr(buf, ')');	/* the name may hold spaces */
	if (end == NULL || end[1] != ' ' || end[2] == '\0')
		return 0;
	char state = end[2];
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	unsigned long long run = 0, wait = 0;
	if (proc_read(path, buf, sizeof(buf)) > 0 && sscanf(buf, "%llu %llu", &run, &wait) == 2) {
		out->run_ns += run;
		out->wait_ns += wait;
	}
	if (state == 'D')
		out->any_disk = true;
	return state;
}

void proc_sched_sample(pid_t pid, struct proc_sched *out)
{
	memset(out, 0, sizeof(*out));
	if (pid <= 0)
		return;
	out->state = proc_sched_add(pid, out);
	if (out->state == 0)
		return;
	out->ok = true;
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (proc_read(path, buf, sizeof(buf)) <= 0)
		return;
	for (char *s = buf, *e; *s != '\0'; s = e) {
		long child = strtol(s, &e, 10);
		if (e == s)
			break;
		if (child > 0)
			proc_sched_add((pid_t)child, out);
	}
}

/* True when the NUL-separated command line holds both arguments exactly. */
static bool cmdline_matches(pid_t pid, const char *want_dir, const char *want_umid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	bool dir = false, umid = want_umid == NULL;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1) {
		dir |= strcmp(buf + i, want_dir) == 0;
		umid |= want_umid != NULL && strcmp(buf + i, want_umid) == 0;
	}
	return dir && umid;
}

/* Whether pid is a kernel of uml_dir (and umid): then signal it (sig 0: is it alive?). */
static bool proc_hit(pid_t pid, const char *want_dir, const char *want_umid, int sig)
{
	if (!cmdline_matches(pid, want_dir, want_umid))
		return false;
	return sig == 0 ? proc_alive(pid) : kill(pid, sig) == 0;
}

static int proc_scan(const char *uml_dir, const char *umid, int sig)
{
	char *want_dir = xasprintf("uml_dir=%s", uml_dir);
	char *want_umid = umid != NULL ? xasprintf("umid=%s", umid) : NULL;
	uid_t me = getuid();
	int found = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid_t pid = (pid_t)atoi(de->d_name);
		struct stat st;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d", (int)pid);
		if (stat(path, &st) == 0 && st.st_uid == me && proc_hit(pid, want_dir, want_umid, sig))
			found++;
	}
	if (d != NULL)
		closedir(d);
	free(want_dir);
	free(want_umid);
	return found;
}

int proc_signal_uml_children(pid_t parent, const char *uml_dir, const char *umid, int sig,
    bool (*skip)(pid_t pid, void *arg), void *arg)
{
	char *want_dir = xasprintf("uml_dir=%s", uml_dir);
	char *want_umid = umid != NULL ? xasprintf("umid=%s", umid) : NULL;
	int found = 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)parent);
	DIR *d = opendir(path);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char cpath[320];
		snprintf(cpath, sizeof(cpath), "/proc/%d/task/%s/children", (int)parent, de->d_name);
		int fd = open(cpath, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* One pid per 8 bytes at most: a supervisor of 1024 kernels and
		 * their leftovers fits. */
		char buf[16384];
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (char *q = buf, *e; *q != '\0'; q = e) {
			long child = strtol(q, &e, 10);
			if (e == q)
				break;
			pid_t pid = (pid_t)child;
			if (pid > 0 && (skip == NULL || !skip(pid, arg)) &&
			    proc_hit(pid, want_dir, want_umid, sig))
				found++;
		}
	}
	if (d != NULL)
		closedir(d);
	free(want_dir);
	free(want_umid);
	return found;
}

int proc_signal_uml(const char *uml_dir, const char *umid, int sig)
{
	return sig == 0 ? 0 : proc_scan(uml_dir, umid, sig);
}

int proc_count_uml(const char *uml_dir, const char *umid)
{
	return proc_scan(uml_dir, umid, 0);
}
