/* image/image_int.h: what the files of image/ share among themselves (not part of image.h). */
#ifndef UMLLAB_IMAGE_INT_H
#define UMLLAB_IMAGE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/image.h"

/* One kind of image. The cache (image.c) asks for a key naming every input,
 * and builds only when no image with that key is there. */
struct image_kind {
	const char *name;
	/* Check and read the inputs of req (which outlives the state); returns a
	 * state for build (never NULL on success) and sets *key. NULL with *cause
	 * when an input is missing. Must not touch the network. */
	void *(*inputs)(const struct image_request *req, uint64_t *key, char **cause);
	/* Write a fresh image to image_path (not there yet) using work_dir, an
	 * empty private directory that the caller removes afterwards; cache_dir
	 * is the cache (for downloads kept there). The caller holds the lock. */
	int (*build)(void *state, const char *cache_dir, const char *image_path, const char *work_dir,
	    char **cause);
	void (*free)(void *state);
	/* The inputs in words ("debian bookworm + iproute2 tcpdump"), malloc'd. */
	char *(*info)(void *state);
};

extern const struct image_kind image_kind_busybox, image_kind_debian, image_kind_url,
    image_kind_file;

/* FNV-1a, 64 bits: a cache key, not a defence against anyone. */
#define IMAGE_HASH_INIT 0xcbf29ce484222325ULL
uint64_t image_hash(uint64_t h, const void *buf, size_t len);
/* Hash the length, then the bytes, so that inputs cannot run into each other. */
uint64_t image_hash_input(uint64_t h, const void *buf, size_t len);

/* Progress through the request's callbacks (either may be NULL). */
void image_progress(const struct image_request *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- the host's busybox (busybox.c) ---- */

/* Find the host's static busybox, read it and check that it needs no shared
 * libraries. -1 with *cause naming busybox-static. */
int image_busybox_load(char **path, char **data, size_t *len, char **cause);

/* ---- umllab's guest layer on any image (layer.c) ---- */

#define IMAGE_LAYER_DIR "/usr/lib/umllab"	/* where the layer's files are in a guest */
/* The UML kernel's modules, installed by user-mode-linux (iptables, bridges,
 * VLANs, ... are modules in Debian's UML kernel). */
#define IMAGE_UML_MODULES_DIR "/usr/lib/uml/modules"

struct image_layer;
/* Read what the layer needs (the host's busybox, the embedded guest files)
 * and hash it into *key. */
struct image_layer *image_layer_load(uint64_t *key, char **cause);
/* Put the layer into an ext2/3/4 image file: /usr/lib/umllab/{init,busybox,
 * agent,bin/...} and /etc/inittab, all owned by root. */
int image_layer_apply(const struct image_layer *layer, const char *image_path,
    const char *work_dir, char **cause);
void image_layer_free(struct image_layer *layer);
/* Write the layer's files (busybox, agent, inittab) into dir. */
int image_layer_stage(const struct image_layer *layer, const char *dir, char **cause);
/* The version of the UML kernel modules the host has (/usr/lib/uml/modules/
 * VERSION), which images made from a tarball carry; NULL without them. */
const char *image_layer_modules(const struct image_layer *layer);

/* ---- from a tarball or a raw image to umllab's image (rootfs.c) ---- */

/* Make image_path from src: an ext2/3/4 image is copied (sparse) and checked,
 * a root-filesystem tarball is turned into ext2 with genext2fs (owners, modes
 * and device nodes kept, no root needed); gzip, xz, zstd and bzip2
 * compression are undone first. Either way the file system gets free room
 * and the guest layer. what names src in messages. */
int image_rootfs_build(const struct image_request *req, const struct image_layer *layer,
    const char *src, const char *what, const char *image_path, const char *work_dir, char **cause);

/* ---- the initramfs for XFS and Btrfs images (initrd.c) ---- */

/* Write out_path (which must not exist): an initramfs whose /init mounts
 * /dev/ubda, copies the guest layer into it and switches to it. */
int image_initrd_build(const struct image_layer *layer, const char *work_dir, const char *out_path,
    char **cause);

/* ---- downloads (fetch.c) ---- */

/* Download req->url into dest (which must not exist), resuming dest.part
 * from an earlier attempt, retrying what fails on the way, and renaming the
 * file into place only once its SHA-256 is req->sha256. */
int image_fetch(const struct image_request *req, const char *dest, char **cause);

/* ---- tools ---- */

/* Find a program on PATH or in /usr/local/sbin, /usr/sbin, /sbin (not on an
 * ordinary user's PATH). NULL with *cause naming the Debian package. */
char *image_tool_find(const char *name, const char *package, char **cause);

/* Run argv (argv[0] a full path) with stdin from /dev/null, wait for it. With
 * out, its stdout is returned in *out (malloc'd, NUL-terminated); otherwise it
 * is discarded. -1 with *cause holding its stderr unless it exits 0. */
int image_run(char *const argv[], char **out, char **cause);

/* Run argv with stdout into out_path (created; NULL: merged with stderr) and
 * hand each line of stderr to line (may be NULL) as it comes. -1 with *cause
 * holding the end of stderr unless it exits with 0 (or, when ok_status is
 * not NULL, with a status it lists: a -1-terminated array). */
int image_run_lines(char *const argv[], const char *out_path, const int *ok_status,
    void (*line)(void *arg, const char *text), void *arg, char **cause);

/* Read a whole file of at most max bytes. */
int image_file_read(const char *path, size_t max, char **data, size_t *len, char **cause);

/* The one kernel version IMAGE_UML_MODULES_DIR holds modules for
 * (malloc'd), or NULL when it holds none or several. */
char *image_uml_modules_version(void);
/* Create path (which must not exist) holding data, with exactly this mode. */
int image_file_write(const char *path, const void *data, size_t len, mode_t mode, char **cause);
/* Copy src to dst (created, must not exist), keeping holes. */
int image_file_copy_sparse(const char *src, const char *dst, mode_t mode, char **cause);
/* mkdir -p, each directory created with mode (umask aside). */
int image_mkdir_p(const char *path, mode_t mode, char **cause);
/* Remove a directory tree, not following symbolic links. */
int image_tree_remove(const char *path, char **cause);

#endif
