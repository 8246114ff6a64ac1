/* image/files.c: the file and directory helpers an image build needs (read, create, mkdir -p, rm -r). */
#include "image/image_int.h"

#include "core/base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
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

int image_file_copy_sparse(const char *src, const char *dst, mode_t mode, char **cause)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return set_cause(cause, "cannot open %s: %s", src, strerror(errno));
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		set_cause(cause, "cannot create %s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	struct stat st;
	char *buf = xmalloc(1 << 20);
	int rc = -1;
	if (fstat(in, &st) < 0) {
		set_cause(cause, "cannot stat %s: %s", src, strerror(errno));
		goto out;
	}
	/* Only the data: holes stay holes (images are mostly empty). */
	for (off_t pos = 0; pos < st.st_size;) {
		off_t data = lseek(in, pos, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;		/* a hole up to the end */
		if (data < 0)
			data = pos;	/* no SEEK_DATA here: copy everything */
		off_t hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			hole = st.st_size;
		for (off_t at = data; at < hole;) {
			size_t want = (size_t)(hole - at < (1 << 20) ? hole - at : (1 << 20));
			ssize_t n = pread(in, buf, want, at);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				set_cause(cause, "cannot read %s: %s", src, n < 0 ? strerror(errno) : "file shrank");
				goto out;
			}
			/* Blocks of zeros become holes too. */
			bool zero = true;
			for (ssize_t i = 0; i < n && zero; i++)
				zero = buf[i] == 0;
			if (!zero) {
				for (ssize_t done = 0; done < n;) {
					ssize_t w = pwrite(out, buf + done, (size_t)(n - done), at + done);
					if (w < 0 && errno == EINTR)
						continue;
					if (w <= 0) {
						set_cause(cause, "cannot write %s: %s", dst, strerror(errno));
						goto out;
					}
					done += w;
				}
			}
			at += n;
		}
		pos = hole;
	}
	if (ftruncate(out, st.st_size) < 0 || fchmod(out, mode) < 0) {
		set_cause(cause, "cannot write %s: %s", dst, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(buf);
	close(in);
	if (close(out) < 0 && rc == 0)
		rc = set_cause(cause, "cannot write %s: %s", dst, strerror(errno));
	if (rc < 0)
		unlink(dst);
	return rc;
}

int image_copy(const char *src, const char *dst, char **cause)
{
	return image_file_copy_sparse(src, dst, 0600, cause);
}

char *image_uml_modules_version(void)
{
	DIR *d = opendir(IMAGE_UML_MODULES_DIR);
	if (d == NULL)
		return NULL;
	struct dirent *de;
	int found = 0;
	char *version = NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		found++;
		free(version);
		version = xstrdup(de->d_name);
	}
	closedir(d);
	if (found == 1)
		return version;
	free(version);
	return NULL;
}
