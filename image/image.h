/* image/image.h: root filesystem images for the guests, and the disks made over them.
 *
 * One function family so that the built-in busybox image, Debian images and
 * downloaded or local ones are interchangeable: prepare (build, download or
 * find in the cache), describe, list, remove. Every image gets umllab's guest
 * layer (init, agent, boot script) so that any of them boots under umllab. */
#ifndef UMLLAB_IMAGE_H
#define UMLLAB_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Called on long steps so the user sees progress ("building busybox image"). */
typedef void (*image_progress_fn)(void *arg, const char *msg);
/* A download's progress: done of total bytes (total 0 when unknown). */
typedef void (*image_meter_fn)(void *arg, const char *what, uint64_t done, uint64_t total);

/* Where every image's init is, in every image umllab prepares: the kernel gets init=. */
#define IMAGE_INIT_PATH "/usr/lib/umllab/init"

/* Next to an XFS or Btrfs image: the initramfs that adds umllab's guest
 * layer at boot (image/initrd.c); the kernel gets initrd=. */
#define IMAGE_INITRD_SUFFIX ".initrd"
/* downloads/debian-KEY.tar: mmdebstrap's output kept for rebuilding its image (image/debian.c). */
#define IMAGE_DEBIAN_TAR_PREFIX "debian-"

struct image_request {
	const char *kind;		/* "busybox" (default), "debian", "url" or "file" */
	const char *name;		/* the lab's name for it, for messages; may be NULL */
	const char *cache_dir;		/* e.g. $XDG_CACHE_HOME/umllab; created if missing */
	/* debian */
	const char *release;		/* such as bookworm */
	char *const *packages;		/* extra packages */
	size_t n_packages;
	const char *mirror;		/* NULL: Debian's default archive */
	/* url */
	const char *url;		/* http://, https:// or file:// */
	const char *sha256;		/* 64 hex digits, checked before anything is cached */
	/* file */
	const char *path;		/* an ext2/3/4, XFS or Btrfs image or a root-filesystem tarball */
	bool offline;			/* only look in the cache: never build nor download */
	const char *known_file;		/* image_path() of these inputs, when the caller has it: an
					 * image already there is used without hashing them again */
	image_progress_fn progress;	/* may be NULL */
	void *progress_arg;
	image_meter_fn meter;		/* may be NULL */
};

/* Make sure the image exists in the cache, building it if its inputs changed.
 * On success *backing_path (malloc'd) is the read-only backing file to use as
 * BACKING in ubd0=COW,BACKING. -1 with *cause naming what failed and, for a
 * missing tool, the Debian package that provides it. */
int image_prepare(const struct image_request *req, char **backing_path, char **cause);

/* The file image_prepare would give for req (malloc'd), from its inputs alone: nothing
 * is built, downloaded, or looked for (the file may not exist yet). NULL with *cause
 * when an input is missing, as image_prepare. */
char *image_path(const struct image_request *req, char **cause);

/* One line describing the image (kind, inputs, path, size) for status and `image ls`. */
char *image_describe(const char *backing_path);

/* Remove one cached image file (and its description); -1 with *cause on failure. */
int image_remove(const char *backing_path, char **cause);

/* The cache directory: $XDG_CACHE_HOME/umllab, else $HOME/.cache/umllab. NULL
 * with *cause if neither variable is usable. */
char *image_cache_dir(char **cause);

/* What the cache holds: images, and downloads kept by their checksum. */
struct image_entry {
	char *path;
	char *kind;			/* busybox, debian, url, file, or download */
	char *info;			/* its inputs in words */
	uint64_t size, disk;		/* apparent size and bytes on disk */
	time_t mtime;
};
/* Every entry of the cache, sorted by path; an absent cache is empty. */
int image_list(const char *cache_dir, struct image_entry **entries, size_t *n, char **cause);
void image_list_free(struct image_entry *entries, size_t n);

/* A sparse copy of an image to dst (created; it must not exist), for a disk
 * that is written in place. */
int image_copy(const char *src, const char *dst, char **cause);

/* ---- UML copy-on-write files (the per-instance disks over an image) ---- */

/* Create cow_path (which must not exist) as an empty UML COW file (format 3)
 * over backing, the way `ubd0=COW,BACKING` would. */
int image_cow_create(const char *cow_path, const char *backing, char **cause);

/* 1 when cow_path is a COW file over backing as backing is now; 0 when there
 * is no cow_path; -1 with *cause saying what does not match and what to do
 * (the image changed, or the disk was made over another image). */
int image_cow_check(const char *cow_path, const char *backing, char **cause);

/* The backing file named in a COW file's header (malloc'd), or NULL with *cause. */
char *image_cow_backing(const char *cow_path, char **cause);

#endif
