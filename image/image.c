/* image/image.c: the image cache: an image is named by the hash of its inputs, built once, published atomically.
 *
 * Each image has a description next to it (NAME.img.info) for `umllab image
 * ls`; downloads are kept by their checksum in downloads/, so that an image
 * whose guest layer changes is rebuilt without the network.
 *
 * Images are never changed in place: a UML copy-on-write file records its
 * backing file's mtime and refuses a backing file that changed. A new input
 * gives a new name; old images stay until `image rm`, so stopped labs whose
 * COW files point at them still start. */
#include "image/image.h"

#include "core/base/util.h"
#include "image/image_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IMAGE_LOCK_WAIT_MS 3600000	/* longest wait for another process's build or download */
#define IMAGE_BUILD_PREFIX ".build-"	/* work directories, removed when stale */
#define IMAGE_INFO_SUFFIX ".info"	/* next to each image: its inputs in words */

static const struct image_kind *const image_kinds[] = {
	&image_kind_busybox, &image_kind_debian, &image_kind_url, &image_kind_file,
};
#define N_KINDS (sizeof(image_kinds) / sizeof(image_kinds[0]))

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

void image_progress(const struct image_request *req, const char *fmt, ...)
{
	if (req->progress == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	req->progress(req->progress_arg, msg);
	free(msg);
}

/* A published image: a non-empty regular file. */
static int image_cached(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* One build at a time per image: a second umllab that wants the same
 * image waits for the first and then finds it built; builds of other images
 * (a Debian image while a download stalls) go on side by side. name is the
 * image's file name in the cache. Returns the lock's fd. */
static int cache_lock(const struct image_request *req, const char *dir, const char *name,
    char **cause)
{
	char *path = xasprintf("%s/.lock-%s", dir, name);
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
			image_progress(req, "waiting for another umllab to finish building this image");
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

/* Work directories that a killed build of this image left (name: the
 * image's file name); only called under its lock. */
static void cache_remove_stale(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	char *prefix = xasprintf(IMAGE_BUILD_PREFIX "%s.", name);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		char *ignored = NULL;
		image_tree_remove(path, &ignored);
		free(ignored);
		free(path);
	}
	closedir(d);
	free(prefix);
}

/* Build into a private work directory, then rename() into place: a reader
 * sees either no image or a whole one. */
static int cache_build(const struct image_kind *kind, void *state, const char *dir,
    const char *final_path, const char *info, char **cause)
{
	const char *slash = strrchr(final_path, '/');
	char *work = xasprintf("%s/" IMAGE_BUILD_PREFIX "%s.XXXXXX", dir,
	    slash != NULL ? slash + 1 : final_path);
	char *tmp = NULL;
	int rc = -1;
	if (mkdtemp(work) == NULL) {
		set_cause(cause, "cannot create a work directory in %s: %s", dir, strerror(errno));
		free(work);
		return -1;
	}
	tmp = xasprintf("%s/image", work);
	if (kind->build(state, dir, tmp, work, cause) < 0)
		goto out;
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0 || fchmod(fd, 0444) < 0) {
		set_cause(cause, "cannot finish the image %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	/* The description first: a published image always has one. */
	char *info_tmp = xasprintf("%s/info", work);
	char *info_path = xasprintf("%s" IMAGE_INFO_SUFFIX, final_path);
	char *text = xasprintf("%s\n", info);
	if (image_file_write(info_tmp, text, strlen(text), 0644, cause) < 0 ||
	    rename(info_tmp, info_path) < 0) {
		if (cause != NULL && (*cause == NULL))
			set_cause(cause, "cannot write %s: %s", info_path, strerror(errno));
		free(info_tmp);
		free(info_path);
		free(text);
		goto out;
	}
	free(info_tmp);
	free(info_path);
	free(text);
	/* An XFS or Btrfs image comes with its initramfs: in place before the image. */
	char *initrd_tmp = xasprintf("%s" IMAGE_INITRD_SUFFIX, tmp);
	char *initrd_path = xasprintf("%s" IMAGE_INITRD_SUFFIX, final_path);
	int moved = access(initrd_tmp, F_OK) != 0 ? 0 : rename(initrd_tmp, initrd_path);
	free(initrd_tmp);
	free(initrd_path);
	if (moved < 0) {
		set_cause(cause, "cannot move the new initramfs next to %s: %s", final_path, strerror(errno));
		goto out;
	}
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

static const char *kind_names(void)
{
	return "busybox, debian, url, file";
}

/* The kind of req, or NULL with *cause. */
static const struct image_kind *image_request_kind(const struct image_request *req, char **cause)
{
	const char *kind_name = req->kind != NULL ? req->kind : "busybox";
	const struct image_kind *kind = image_kind_find(kind_name);
	if (kind == NULL)
		set_cause(cause, "unknown image kind '%s' (known: %s)", kind_name, kind_names());
	return kind;
}

/* Where the image of these inputs is (or will be) in the cache dir. */
static char *image_file(const char *dir, const struct image_kind *kind, uint64_t key)
{
	return xasprintf("%s/%s-%016" PRIx64 ".img", dir, kind->name, key);
}

char *image_path(const struct image_request *req, char **cause)
{
	const struct image_kind *kind = image_request_kind(req, cause);
	if (kind == NULL)
		return NULL;
	char *dir = req->cache_dir != NULL ? xstrdup(req->cache_dir) : image_cache_dir(cause);
	if (dir == NULL)
		return NULL;
	uint64_t key;
	void *state = kind->inputs(req, &key, cause);
	char *path = state != NULL ? image_file(dir, kind, key) : NULL;
	if (state != NULL)
		kind->free(state);
	free(dir);
	return path;
}

int image_prepare(const struct image_request *req, char **backing_path, char **cause)
{
	const struct image_kind *kind = image_request_kind(req, cause);
	if (kind == NULL)
		return -1;
	if (req->known_file != NULL && image_cached(req->known_file)) {
		*backing_path = xstrdup(req->known_file);
		return 0;
	}

	char *dir = req->cache_dir != NULL ? xstrdup(req->cache_dir) : image_cache_dir(cause);
	if (dir == NULL)
		return -1;
	char *path = NULL, *info = NULL;
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
	if ((state = kind->inputs(req, &key, cause)) == NULL)
		goto out;
	path = image_file(dir, kind, key);
	if (image_cached(path)) {
		rc = 0;
		goto out;
	}
	info = kind->info(state);
	const char *label = req->name != NULL ? req->name : kind->name;
	if (req->offline) {
		set_cause(cause, "image %s (%s) is not in the cache %s; prepare it first with "
		    "`umllab image build FILE` (or `umllab up FILE`, which does)", label, info, dir);
		goto out;
	}

	const char *name = strrchr(path, '/') + 1;
	if ((lock_fd = cache_lock(req, dir, name, cause)) < 0)
		goto out;
	if (image_cached(path)) {	/* built while we waited */
		rc = 0;
		goto out;
	}
	cache_remove_stale(dir, name);
	image_progress(req, "building image %s: %s (first use, or its inputs changed)", label, info);
	uint64_t start = clock_ms();
	rc = cache_build(kind, state, dir, path, info, cause);
	if (rc == 0)
		image_progress(req, "image %s is ready: %s (%.1f s)", label, path,
		    (double)(clock_ms() - start) / 1000.0);
out:
	if (lock_fd >= 0)
		close(lock_fd);
	if (state != NULL)
		kind->free(state);
	free(info);
	free(dir);
	if (rc == 0)
		*backing_path = path;
	else
		free(path);
	return rc;
}

/* The image's description next to it, without the newline, or NULL. */
static char *image_info_read(const char *path)
{
	char *info_path = xasprintf("%s" IMAGE_INFO_SUFFIX, path);
	char *data = NULL, *why = NULL;
	size_t len;
	if (image_file_read(info_path, 4096, &data, &len, &why) < 0) {
		free(why);
		free(info_path);
		return NULL;
	}
	free(info_path);
	data[strcspn(data, "\n")] = '\0';
	return data;
}

static const char *image_kind_of(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	for (size_t i = 0; i < N_KINDS; i++) {
		size_t n = strlen(image_kinds[i]->name);
		if (strncmp(base, image_kinds[i]->name, n) == 0 && base[n] == '-')
			return image_kinds[i]->name;
	}
	return "unknown";
}

char *image_describe(const char *backing_path)
{
	const char *kind = image_kind_of(backing_path);
	char *info = image_info_read(backing_path);
	struct stat st;
	char *text;
	if (stat(backing_path, &st) < 0)
		text = xasprintf("%s image %s (missing: %s)", kind, backing_path, strerror(errno));
	else
		text = xasprintf("%s image %s, %.1f MiB (%.1f MiB on disk)%s%s", kind, backing_path,
		    (double)st.st_size / (1 << 20), (double)st.st_blocks * 512 / (1 << 20),
		    info != NULL ? ": " : "", info != NULL ? info : "");
	free(info);
	return text;
}

/* A verified download: downloads/ and 64 hex digits; or a Debian root file system kept
 * there, debian-KEY.tar (16 hex digits). */
static bool image_is_download(const char *path)
{
	const char *base = strrchr(path, '/');
	if (base == NULL || base - path < 10 || strncmp(base - 10, "/downloads", 10) != 0)
		return false;
	base++;
	size_t pl = strlen(IMAGE_DEBIAN_TAR_PREFIX);
	if (strncmp(base, IMAGE_DEBIAN_TAR_PREFIX, pl) == 0 && strlen(base) == pl + 16 + 4 &&
	    strcmp(base + pl + 16, ".tar") == 0) {
		for (const char *p = base + pl; p < base + pl + 16; p++)
			if (strchr("0123456789abcdef", *p) == NULL)
				return false;
		return true;
	}
	if (strlen(base) != 64)
		return false;
	for (const char *p = base; *p != '\0'; p++)
		if (strchr("0123456789abcdef", *p) == NULL)
			return false;
	return true;
}

int image_remove(const char *backing_path, char **cause)
{
	size_t n = strlen(backing_path);
	struct stat st;
	if ((n < 4 || strcmp(backing_path + n - 4, ".img") != 0) && !image_is_download(backing_path))
		return set_cause(cause, "%s is not an image file (its name does not end in .img)",
		    backing_path);
	if (lstat(backing_path, &st) < 0)
		return set_cause(cause, "cannot remove image %s: %s", backing_path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return set_cause(cause, "cannot remove image %s: not a regular file", backing_path);
	if (unlink(backing_path) < 0)
		return set_cause(cause, "cannot remove image %s: %s", backing_path, strerror(errno));
	char *info = xasprintf("%s" IMAGE_INFO_SUFFIX, backing_path);
	unlink(info);
	char *initrd = xasprintf("%s" IMAGE_INITRD_SUFFIX, backing_path);
	unlink(initrd);
	/* Its build lock (cache_lock): one per image, so it goes with it. */
	const char *slash = strrchr(backing_path, '/');
	char *lock = slash != NULL ? xasprintf("%.*s/.lock-%s", (int)(slash - backing_path),
	    backing_path, slash + 1) : xasprintf(".lock-%s", backing_path);
	unlink(lock);
	free(lock);
	free(initrd);
	free(info);
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct image_entry *)a)->path, ((const struct image_entry *)b)->path);
}

static void list_add(struct image_entry **v, size_t *n, size_t *cap, const char *path,
    const char *kind, char *info, const struct stat *st)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = (struct image_entry){ .path = xstrdup(path), .kind = xstrdup(kind),
	    .info = info != NULL ? info : xstrdup(""), .size = (uint64_t)st->st_size,
	    .disk = (uint64_t)st->st_blocks * 512, .mtime = st->st_mtime };
}

int image_list(const char *cache_dir, struct image_entry **entries, size_t *n, char **cause)
{
	*entries = NULL;
	*n = 0;
	size_t cap = 0;
	const char *subdirs[] = { "", "/downloads" };
	for (size_t k = 0; k < 2; k++) {
		char *dir = xasprintf("%s%s", cache_dir, subdirs[k]);
		DIR *d = opendir(dir);
		if (d == NULL) {
			int e = errno;
			free(dir);
			if (e == ENOENT)
				continue;
			image_list_free(*entries, *n);
			*entries = NULL;
			*n = 0;
			return set_cause(cause, "cannot read the image cache %s: %s", cache_dir, strerror(e));
		}
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			size_t len = strlen(de->d_name);
			char *path = xasprintf("%s/%s", dir, de->d_name);
			struct stat st;
			if (de->d_name[0] != '.' && lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				if (k == 0 && len > 4 && strcmp(de->d_name + len - 4, ".img") == 0)
					list_add(entries, n, &cap, path, image_kind_of(path), image_info_read(path), &st);
				else if (k == 1 && image_is_download(path) &&
				    strncmp(de->d_name, IMAGE_DEBIAN_TAR_PREFIX, strlen(IMAGE_DEBIAN_TAR_PREFIX)) == 0)
					list_add(entries, n, &cap, path, "download", xstrdup("Debian root file "
					    "system from mmdebstrap, kept to rebuild its image without the network"), &st);
				else if (k == 1 && image_is_download(path))
					list_add(entries, n, &cap, path, "download", xstrdup("verified download, "
					    "kept to rebuild its image without the network"), &st);
				else if (k == 1 && len > 5 && strcmp(de->d_name + len - 5, ".part") == 0)
					list_add(entries, n, &cap, path, "partial", xstrdup("an interrupted "
					    "download; the next try resumes it"), &st);
			}
			free(path);
		}
		closedir(d);
		free(dir);
	}
	if (*n > 1)
		qsort(*entries, *n, sizeof(**entries), entry_cmp);
	return 0;
}

void image_list_free(struct image_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(entries[i].path);
		free(entries[i].kind);
		free(entries[i].info);
	}
	free(entries);
}
