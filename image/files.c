/* image/files.c: the file and directory helpers an image build needs (read, create, mkdir -p, rm -r). */
#include "image/image_int.h"

#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int image_file_read(const char *path, size_t max, char **data, size_t *len, char **cause)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return set_cause(cause, "cannot open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		set_cause(cause, "%s is not a regular file of at most %zu bytes", path, max);
		close(fd);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	char *buf = xmalloc(size + 1);
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			set_cause(cause, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "file shrank");
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[size] = '\0';
	*data = buf;
	*len = size;
	return 0;
}

int image_file_write(const char *path, const void *data, size_t len, mode_t mode, char **cause)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return set_cause(cause, "cannot create %s: %s", path, strerror(errno));
	if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0) {
		set_cause(cause, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return set_cause(cause, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

int image_mkdir_p(const char *path, mode_t mode, char **cause)
{
	char *copy = xstrdup(path);
	int rc = 0;
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) == 0) {
			if (chmod(copy, mode) < 0) {	/* past the umask */
				rc = set_cause(cause, "cannot set the mode of %s: %s", copy, strerror(errno));
				break;
			}
		} else if (errno != EEXIST) {
			rc = set_cause(cause, "cannot create directory %s: %s", copy, strerror(errno));
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	if (rc == 0) {
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			rc = set_cause(cause, "%s exists and is not a directory", path);
	}
	free(copy);
	return rc;
}

static int tree_remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* Stop at the first failure: the caller reports the tree by name. */
	return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

int image_tree_remove(const char *path, char **cause)
{
	if (nftw(path, tree_remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
		return set_cause(cause, "cannot remove %s: %s", path, strerror(errno));
	return 0;
}
