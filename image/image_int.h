/* image/image_int.h: what the files of image/ share among themselves (not part of image.h). */
#ifndef UMLLAB_IMAGE_INT_H
#define UMLLAB_IMAGE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One kind of image. The cache (image.c) asks for a key naming every input,
 * and builds only when no image with that key is there. */
struct image_kind {
	const char *name;
	/* Find and read the inputs; returns a state for build (never NULL on
	 * success) and sets *key. NULL with *cause when an input is missing. */
	void *(*inputs)(uint64_t *key, char **cause);
	/* Write a fresh image to image_path (not there yet) using work_dir, an
	 * empty private directory that the caller removes afterwards. */
	int (*build)(void *state, const char *image_path, const char *work_dir, char **cause);
	void (*free)(void *state);
};

extern const struct image_kind image_kind_busybox;

/* FNV-1a, 64 bits: a cache key, not a defence against anyone. */
#define IMAGE_HASH_INIT 0xcbf29ce484222325ULL
uint64_t image_hash(uint64_t h, const void *buf, size_t len);
/* Hash the length, then the bytes, so that inputs cannot run into each other. */
uint64_t image_hash_input(uint64_t h, const void *buf, size_t len);

/* Find a program on PATH or in /usr/local/sbin, /usr/sbin, /sbin (not on an
 * ordinary user's PATH). NULL with *cause naming the Debian package. */
char *image_tool_find(const char *name, const char *package, char **cause);

/* Run argv (argv[0] a full path) with stdin from /dev/null, wait for it. With
 * out, its stdout is returned in *out (malloc'd, NUL-terminated); otherwise it
 * is discarded. -1 with *cause holding its stderr unless it exits 0. */
int image_run(char *const argv[], char **out, char **cause);

/* Read a whole file of at most max bytes. */
int image_file_read(const char *path, size_t max, char **data, size_t *len, char **cause);
/* Create path (which must not exist) holding data, with exactly this mode. */
int image_file_write(const char *path, const void *data, size_t len, mode_t mode, char **cause);
/* mkdir -p, each directory created with mode (umask aside). */
int image_mkdir_p(const char *path, mode_t mode, char **cause);
/* Remove a directory tree, not following symbolic links. */
int image_tree_remove(const char *path, char **cause);

#endif
