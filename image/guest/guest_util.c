/* image/guest/guest_util.c: small file and user helpers shared by the guest's programs
 * (see guest_util.h). */
#include "image/guest/guest_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int guest_write_text(const char *path, const char *text, int flags, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, mode);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	int rc = write(fd, text, len) == (ssize_t)len ? 0 : -1;
	close(fd);
	return rc;
}

int guest_bql_set(const char *dev)
{
	char path[128], limit[16];
	if ((size_t)snprintf(path, sizeof(path), AGENT_BQL_PATH, dev) >= sizeof(path))
		return -1;
	snprintf(limit, sizeof(limit), "%d", AGENT_BQL_LIMIT_MAX);
	return guest_write_text(path, limit, 0, 0);
}

int guest_read_file(const char *path, char **buf, size_t *len, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	/* The size is a hint: /proc files say 0, and a file may grow while it is read. */
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (b == NULL) {
			close(fd);
			errno = ENOMEM;
			return -1;
		}
		ssize_t r = read(fd, b + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == cap - 1 && cap - 1 < max) {
			size_t grown = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(b, grown);
			if (nb == NULL)
				free(b);
			b = nb;
			cap = grown;
		} else if (n == cap - 1) {
			break;
		}
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

bool guest_user_ids(const char *name, uid_t *uid, gid_t *gid)
{
	FILE *f = fopen("/etc/passwd", "re");
	if (f == NULL)
		return false;
	char line[512];
	bool found = false;
	size_t n = strlen(name);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		unsigned long u, g;
		const char *pw = strncmp(line, name, n) == 0 && line[n] == ':' ? strchr(line + n + 1, ':') :
		    NULL;
		if (pw != NULL && sscanf(pw + 1, "%lu:%lu", &u, &g) == 2) {
			*uid = (uid_t)u;
			*gid = (gid_t)g;
			found = true;
		}
	}
	fclose(f);
	return found;
}

int guest_wait_status(pid_t pid)
{
	int ws = 0;
	pid_t w;
	while ((w = waitpid(pid, &ws, 0)) < 0 && errno == EINTR)
		;
	if (w != pid)
		return -1;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}
