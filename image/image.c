/* image/image.c: the image cache: an image is named by the hash of its inputs, built once, published atomically.
 *
 * Images are never changed in place: a UML copy-on-write file records its
 * backing file's mtime and refuses a backing file that changed. A new input
 * gives a new name; old images stay until `image rm`, so stopped labs whose
 * COW files point at them still start. */
#include "image/image.h"

#include "core/util.h"
#include "image/image_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IMAGE_LOCK_WAIT_MS 120000	/* longest wait for another process's build */
#define IMAGE_BUILD_PREFIX ".build-"	/* work directories, removed when stale */

static const struct image_kind *const image_kinds[] = {
	&image_kind_busybox,
};

uint64_t image_hash(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t image_hash_input(uint64_t h, const void *buf, size_t len)
{
	uint64_t n = len;
	h = image_hash(h, &n, sizeof(n));
	return image_hash(h, buf, len);
}

char *image_cache_dir(char **cause)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	if (xdg != NULL && xdg[0] == '/')	/* the XDG spec ignores relative values */
		return xasprintf("%s/umllab", xdg);
	const char *home = getenv("HOME");
	if (home != NULL && home[0] == '/')
		return xasprintf("%s/.cache/umllab", home);
	set_cause(cause, "cannot choose an image cache directory: neither XDG_CACHE_HOME nor HOME "
	    "is set to an absolute path; set one of them");
	return NULL;
}

static const struct image_kind *image_kind_find(const char *name)
{
	for (size_t i = 0; i < sizeof(image_kinds) / sizeof(image_kinds[0]); i++)
		if (strcmp(image_kinds[i]->name, name) == 0)
			return image_kinds[i];
	return NULL;
}

static void image_progress(const struct image_request *req, const char *msg)
{
	if (req->progress != NULL)
		req->progress(req->progress_arg, msg);
}

/* A published image: a non-empty regular file. */
static int image_cached(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* One build at a time per cache directory: a second umllab waits for the
 * first and then finds the image built. Returns the lock's fd. */
static int cache_lock(const struct image_request *req, const char *dir, char **cause)
{
	char *path = xasprintf("%s/.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		set_cause(cause, "cannot open the image cache lock %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	uint64_t start = clock_ms();
	int told = 0;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			set_cause(cause, "cannot lock %s: %s", path, strerror(errno));
			goto fail;
		}
		if (clock_ms() - start > IMAGE_LOCK_WAIT_MS) {
			set_cause(cause, "waited %d s for another umllab building an image in %s "
			    "(it holds %s); try again when it is done", IMAGE_LOCK_WAIT_MS / 1000, dir, path);
			goto fail;
		}
		if (!told) {
			image_progress(req, "waiting for another umllab to finish building an image");
			told = 1;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
	free(path);
	return fd;
fail:
	close(fd);
	free(path);
	return -1;
}

/* Work directories left by a build that was killed; only called under the lock. */
static void cache_remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, IMAGE_BUILD_PREFIX, strlen(IMAGE_BUILD_PREFIX)) != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		char *ignored = NULL;
		image_tree_remove(path, &ignored);
		free(ignored);
		free(path);
	}
	closedir(d);
}

/* Build into a private work directory, then rename() into place: a reader
 * sees either no image or a whole one. */
static int cache_build(const struct image_kind *kind, void *state, const char *dir,
    const char *final_path, char **cause)
{
	char *work = xasprintf("%s/" IMAGE_BUILD_PREFIX "XXXXXX", dir);
	char *tmp = NULL;
	int rc = -1;
	if (mkdtemp(work) == NULL) {
		set_cause(cause, "cannot create a work directory in %s: %s", dir, strerror(errno));
		free(work);
		return -1;
	}
	tmp = xasprintf("%s/image", work);
	if (kind->build(state, tmp, work, cause) < 0)
		goto out;
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0 || fchmod(fd, 0444) < 0) {
		set_cause(cause, "cannot finish the image %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	if (rename(tmp, final_path) < 0) {
		set_cause(cause, "cannot move the new image to %s: %s", final_path, strerror(errno));
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);	/* the rename survives a host crash */
		close(dfd);
	}
	rc = 0;
out:
	{
		/* The work directory goes in every case; its failure matters less
		 * than the build's own. */
		char *rm_cause = NULL;
		if (image_tree_remove(work, &rm_cause) < 0 && rc == 0)
			rc = set_cause(cause, "%s", rm_cause);
		free(rm_cause);
	}
	free(tmp);
	free(work);
	return rc;
}

int image_prepare(const struct image_request *req, char **backing_path, char **cause)
{
	const char *kind_name = req->kind != NULL ? req->kind : "busybox";
	const struct image_kind *kind = image_kind_find(kind_name);
	if (kind == NULL)
		return set_cause(cause, "unknown image kind '%s' (known: busybox)", kind_name);

	char *dir = req->cache_dir != NULL ? xstrdup(req->cache_dir) : image_cache_dir(cause);
	if (dir == NULL)
		return -1;
	char *path = NULL;
	void *state = NULL;
	int lock_fd = -1;
	int rc = -1;

	char *why = NULL;
	if (image_mkdir_p(dir, 0700, &why) < 0) {
		set_cause(cause, "cannot create the image cache directory %s (%s); set "
		    "XDG_CACHE_HOME to a writable directory", dir, why);
		free(why);
		goto out;
	}
	uint64_t key;
	if ((state = kind->inputs(&key, cause)) == NULL)
		goto out;
	path = xasprintf("%s/%s-%016" PRIx64 ".img", dir, kind->name, key);
	if (image_cached(path)) {
		rc = 0;
		goto out;
	}

	if ((lock_fd = cache_lock(req, dir, cause)) < 0)
		goto out;
	if (image_cached(path)) {	/* built while we waited */
		rc = 0;
		goto out;
	}
	cache_remove_stale(dir);
	char *msg = xasprintf("building %s image %s (first use, or its inputs changed)",
	    kind->name, path);
	image_progress(req, msg);
	free(msg);
	rc = cache_build(kind, state, dir, path, cause);
out:
	if (lock_fd >= 0)
		close(lock_fd);
	if (state != NULL)
		kind->free(state);
	free(dir);
	if (rc == 0)
		*backing_path = path;
	else
		free(path);
	return rc;
}

char *image_describe(const char *backing_path)
{
	const char *base = strrchr(backing_path, '/');
	base = base != NULL ? base + 1 : backing_path;
	const char *kind = "unknown";
	for (size_t i = 0; i < sizeof(image_kinds) / sizeof(image_kinds[0]); i++) {
		size_t n = strlen(image_kinds[i]->name);
		if (strncmp(base, image_kinds[i]->name, n) == 0 && base[n] == '-')
			kind = image_kinds[i]->name;
	}
	struct stat st;
	if (stat(backing_path, &st) < 0)
		return xasprintf("%s image %s (missing: %s)", kind, backing_path, strerror(errno));
	return xasprintf("%s image %s, %.1f MiB (%.1f MiB on disk)", kind, backing_path,
	    (double)st.st_size / (1 << 20), (double)st.st_blocks * 512 / (1 << 20));
}

int image_remove(const char *backing_path, char **cause)
{
	size_t n = strlen(backing_path);
	struct stat st;
	if (n < 4 || strcmp(backing_path + n - 4, ".img") != 0)
		return set_cause(cause, "%s is not an image file (its name does not end in .img)",
		    backing_path);
	if (lstat(backing_path, &st) < 0)
		return set_cause(cause, "cannot remove image %s: %s", backing_path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return set_cause(cause, "cannot remove image %s: not a regular file", backing_path);
	if (unlink(backing_path) < 0)
		return set_cause(cause, "cannot remove image %s: %s", backing_path, strerror(errno));
	return 0;
}
