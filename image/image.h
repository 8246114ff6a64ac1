/* image/image.h: root filesystem images for the guests.
 *
 * One function family so that the built-in busybox image, Debian images and
 * downloaded ones are interchangeable: prepare (build or find in the cache),
 * describe, remove. Only the busybox kind exists yet. */
#ifndef UMLLAB_IMAGE_H
#define UMLLAB_IMAGE_H

#include <stddef.h>

/* Called on long steps so the user sees progress ("building busybox image"). */
typedef void (*image_progress_fn)(void *arg, const char *msg);

struct image_request {
	const char *kind;		/* "busybox" */
	const char *cache_dir;		/* e.g. $XDG_CACHE_HOME/umllab; created if missing */
	image_progress_fn progress;	/* may be NULL */
	void *progress_arg;
};

/* Make sure the image exists in the cache, building it if its inputs changed.
 * On success *backing_path (malloc'd) is the read-only backing file to use as
 * BACKING in ubd0=COW,BACKING. -1 with *cause naming what failed and, for a
 * missing tool, the Debian package that provides it. */
int image_prepare(const struct image_request *req, char **backing_path, char **cause);

/* One line describing the image (kind, path, size) for status and `image ls`. */
char *image_describe(const char *backing_path);

/* Remove one cached image file; -1 with *cause on failure. */
int image_remove(const char *backing_path, char **cause);

/* The cache directory: $XDG_CACHE_HOME/umllab, else $HOME/.cache/umllab. NULL
 * with *cause if neither variable is usable. */
char *image_cache_dir(char **cause);

#endif
