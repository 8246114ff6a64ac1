/* image/import.c: images that come from elsewhere: a URL with its SHA-256 (downloaded), or a local file.
 *
 * Either may be a raw ext2/3/4, XFS or Btrfs image or a root-filesystem tarball; rootfs.c
 * turns it into umllab's image with the guest layer. A download is named by
 * its checksum (the URL does not matter: the same bytes from a mirror are the
 * same image) and kept in downloads/ once verified. A local file is named by
 * its path, size, modification time and inode, so editing it makes a new
 * image instead of changing the one under existing copy-on-write disks. */
#include "image/image_int.h"

#include "core/base/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define URL_FORMAT "umllab url image 1"
#define FILE_FORMAT "umllab file image 1"

struct import_state {
	const struct image_request *req;
	struct image_layer *layer;
	struct stat st;			/* file: what it was when its key was made */
};

static void import_free(void *arg)
{
	struct import_state *st = arg;
	if (st == NULL)
		return;
	image_layer_free(st->layer);
	free(st);
}

static struct import_state *import_new(const struct image_request *req, uint64_t *layer_key,
    char **cause)
{
	struct import_state *st = xcalloc(1, sizeof(*st));
	st->req = req;
	if ((st->layer = image_layer_load(layer_key, cause)) == NULL) {
		import_free(st);
		return NULL;
	}
	return st;
}

/* ---- url ---- */

static void *url_inputs(const struct image_request *req, uint64_t *key, char **cause)
{
	if (req->url == NULL || req->sha256 == NULL || strlen(req->sha256) != 64 ||
	    strspn(req->sha256, "0123456789abcdef") != 64) {
		set_cause(cause, "a downloaded image needs a URL and its SHA-256 in lower-case hex");
		return NULL;
	}
	uint64_t layer_key;
	struct import_state *st = import_new(req, &layer_key, cause);
	if (st == NULL)
		return NULL;
	uint64_t h = IMAGE_HASH_INIT;
	h = image_hash_input(h, URL_FORMAT, strlen(URL_FORMAT));
	h = image_hash_input(h, req->sha256, 64);
	h = image_hash_input(h, &layer_key, sizeof(layer_key));
	*key = h;
	return st;
}

static char *url_info(void *arg)
{
	const struct import_state *st = arg;
	return xasprintf("url %s sha256 %s", st->req->url, st->req->sha256);
}

static int url_build(void *arg, const char *cache_dir, const char *image_path, const char *work_dir,
    char **cause)
{
	struct import_state *st = arg;
	char *dir = xasprintf("%s/downloads", cache_dir);
	char *blob = xasprintf("%s/%s", dir, st->req->sha256);
	int rc = -1;
	struct stat sb;
	if (image_mkdir_p(dir, 0700, cause) < 0)
		goto out;
	if (stat(blob, &sb) == 0)
		image_progress(st->req, "using the download kept in %s", blob);
	else if (image_fetch(st->req, blob, cause) < 0)
		goto out;
	rc = image_rootfs_build(st->req, st->layer, blob, st->req->url, image_path, work_dir, cause);
out:
	free(blob);
	free(dir);
	return rc;
}

const struct image_kind image_kind_url = {
	.name = "url",
	.inputs = url_inputs,
	.build = url_build,
	.free = import_free,
	.info = url_info,
};

/* ---- file ---- */

static void *file_inputs(const struct image_request *req, uint64_t *key, char **cause)
{
	if (req->path == NULL || req->path[0] != '/') {
		set_cause(cause, "a local image needs an absolute path");
		return NULL;
	}
	uint64_t layer_key;
	struct import_state *st = import_new(req, &layer_key, cause);
	if (st == NULL)
		return NULL;
	if (stat(req->path, &st->st) < 0 || !S_ISREG(st->st.st_mode)) {
		if (S_ISREG(st->st.st_mode) || st->st.st_mode == 0)
			set_cause(cause, "cannot use the image file %s: %s", req->path, strerror(errno));
		else
			set_cause(cause, "the image file %s is not a regular file", req->path);
		import_free(st);
		return NULL;
	}
	uint64_t h = IMAGE_HASH_INIT;
	h = image_hash_input(h, FILE_FORMAT, strlen(FILE_FORMAT));
	h = image_hash_input(h, req->path, strlen(req->path));
	uint64_t id[5] = { (uint64_t)st->st.st_size, (uint64_t)st->st.st_mtim.tv_sec,
		(uint64_t)st->st.st_mtim.tv_nsec, (uint64_t)st->st.st_ino, (uint64_t)st->st.st_dev };
	h = image_hash_input(h, id, sizeof(id));
	h = image_hash_input(h, &layer_key, sizeof(layer_key));
	*key = h;
	return st;
}

static char *file_info(void *arg)
{
	const struct import_state *st = arg;
	char when[32];
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&st->st.st_mtime, &tm));
	return xasprintf("file %s (%.1f MiB, modified %s)", st->req->path,
	    (double)st->st.st_size / (1 << 20), when);
}

static int file_build(void *arg, const char *cache_dir, const char *image_path, const char *work_dir,
    char **cause)
{
	(void)cache_dir;
	struct import_state *st = arg;
	return image_rootfs_build(st->req, st->layer, st->req->path, st->req->path, image_path,
	    work_dir, cause);
}

const struct image_kind image_kind_file = {
	.name = "file",
	.inputs = file_inputs,
	.build = file_build,
	.free = import_free,
	.info = file_info,
};
