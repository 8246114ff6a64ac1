/* image/rootfs.c: from a root-filesystem tarball or a raw ext2/3/4, XFS or Btrfs image to a bootable umllab image, without root.
 *
 * A tarball becomes an ext2 file system through genext2fs, which takes the
 * owners, modes and device nodes from the archive itself (an ordinary user
 * cannot create them by extracting it). A raw image is copied with its holes
 * and checked with e2fsck. Both get free room (sparse: it costs nothing until
 * a guest writes) and umllab's guest layer. XFS and Btrfs images are used as
 * they are, with an initramfs that adds the layer at boot (rootfs_from_other). */
#include "image/image_int.h"

#include "core/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROOTFS_BLOCK 4096
#define ROOTFS_ROOM_BYTES (512ULL << 20)	/* free room for the guests' writes */
#define ROOTFS_ROOM_INODES 16384
#define PAX_MAX (1u << 20)

enum rootfs_format { RF_UNKNOWN, RF_TAR, RF_EXT, RF_XFS, RF_BTRFS, RF_GZIP, RF_XZ, RF_ZSTD, RF_BZIP2,
	RF_QCOW2 };

#define BTRFS_MAGIC_AT 0x10040		/* "_BHRfS_M" in the superblock at 64 KiB */

static const struct {
	enum rootfs_format format;
	const char *name, *tool, *package;
} compressors[] = {
	{ RF_GZIP, "gzip", "gzip", "gzip" },
	{ RF_XZ, "xz", "xz", "xz-utils" },
	{ RF_ZSTD, "zstd", "zstd", "zstd" },
	{ RF_BZIP2, "bzip2", "bzip2", "bzip2" },
};

/* What a file is, from its first bytes. */
static int rootfs_detect(const char *path, enum rootfs_format *format, char **cause)
{
	unsigned char b[1088];
	memset(b, 0, sizeof(b));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return set_cause(cause, "cannot open %s: %s", path, strerror(errno));
	ssize_t n = pread(fd, b, sizeof(b), 0);
	int err = errno;	/* close() may change it */
	close(fd);
	if (n < 0)
		return set_cause(cause, "cannot read %s: %s", path, strerror(err));
	if (b[0] == 0x1f && b[1] == 0x8b)
		*format = RF_GZIP;
	else if (memcmp(b, "\xfd" "7zXZ\0", 6) == 0)
		*format = RF_XZ;
	else if (memcmp(b, "\x28\xb5\x2f\xfd", 4) == 0)
		*format = RF_ZSTD;
	else if (memcmp(b, "BZh", 3) == 0)
		*format = RF_BZIP2;
	else if (memcmp(b, "QFI\xfb", 4) == 0)
		*format = RF_QCOW2;
	else if (memcmp(b + 257, "ustar", 5) == 0)
		*format = RF_TAR;
	else if (n >= 1082 && b[1080] == 0x53 && b[1081] == 0xef)
		*format = RF_EXT;
	else if (memcmp(b, "XFSB", 4) == 0)
		*format = RF_XFS;
	else
		*format = RF_UNKNOWN;
	if (*format == RF_UNKNOWN) {
		char magic[8];
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && pread(fd, magic, sizeof(magic), BTRFS_MAGIC_AT) == (ssize_t)sizeof(magic) &&
		    memcmp(magic, "_BHRfS_M", 8) == 0)
			*format = RF_BTRFS;
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* ---- tarballs ---- */

/* A number field of a tar header: octal (NUL- or space-terminated) or, when
 * its first byte has the high bit, GNU base-256. */
static bool tar_number(const unsigned char *f, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return false;	/* negative, or too large for 64 bits */
		for (size_t i = 1; i < len; i++) {
			if (v >> 56)
				return false;
			v = v << 8 | f[i];
		}
		*out = v;
		return true;
	}
	size_t i = 0;
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return false;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	if (i < len && f[i] != ' ' && f[i] != '\0')
		return false;
	*out = v;
	return true;
}

static bool tar_checksum_ok(const unsigned char *h)
{
	uint64_t want;
	if (!tar_number(h + 148, 8, &want))
		return false;
	uint64_t sum = 0;
	for (size_t i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

/* A pax header's `size` record, when it has one (archives of files over 8 GiB). */
static bool pax_size(const char *d, size_t len, uint64_t *size)
{
	bool found = false;
	for (size_t pos = 0; pos < len;) {
		size_t rec = 0, i = pos;
		while (i < len && d[i] >= '0' && d[i] <= '9' && rec < PAX_MAX)
			rec = rec * 10 + (size_t)(d[i++] - '0');
		if (i >= len || d[i] != ' ' || rec == 0 || rec > len - pos)
			break;
		const char *kv = d + i + 1, *end = d + pos + rec - 1;	/* end: the newline */
		if (end - kv > 5 && memcmp(kv, "size=", 5) == 0) {
			uint64_t v = 0;
			for (const char *p = kv + 5; p < end && *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (uint64_t)(*p - '0');
			*size = v;
			found = true;
		}
		pos += rec;
	}
	return found;
}

struct tar_stats {
	uint64_t blocks;	/* file system blocks the contents need */
	uint64_t entries;	/* inodes */
	bool lib_is_link;	/* /lib is a symbolic link (merged /usr, as in Debian) */
};

/* An entry's name without "./" and a trailing slash is `want`. */
static bool tar_name_is(const unsigned char *h, const char *want)
{
	char name[101];
	memcpy(name, h, 100);
	name[100] = '\0';
	const char *p = strncmp(name, "./", 2) == 0 ? name + 2 : name;
	size_t n = strlen(p);
	if (n > 0 && p[n - 1] == '/')
		n--;
	return n == strlen(want) && strncmp(p, want, n) == 0;
}

/* Walk the archive's headers (not its data) to size the file system. */
static int tar_scan(const char *path, struct tar_stats *st, char **cause)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return set_cause(cause, "cannot open %s: %s", path, strerror(errno));
	unsigned char h[512];
	uint64_t next_size = 0;
	bool have_next_size = false;
	int zeros = 0, rc = -1;
	memset(st, 0, sizeof(*st));
	for (;;) {
		size_t got = fread(h, 1, sizeof(h), f);
		if (got == 0 && feof(f))
			break;		/* no end-of-archive blocks: tolerated */
		if (got != sizeof(h)) {
			set_cause(cause, "%s is truncated (a tar header is cut short)", path);
			goto out;
		}
		bool zero = true;
		for (size_t i = 0; i < sizeof(h) && zero; i++)
			zero = h[i] == 0;
		if (zero) {
			if (++zeros == 2)
				break;
			continue;
		}
		zeros = 0;
		uint64_t size;
		if (!tar_checksum_ok(h) || !tar_number(h + 124, 12, &size)) {
			set_cause(cause, "%s is not a valid tar archive (bad header after %" PRIu64 " entries)",
			    path, st->entries);
			goto out;
		}
		if (have_next_size) {
			size = next_size;
			have_next_size = false;
		}
		char type = (char)h[156];
		uint64_t padded = (size + 511) / 512 * 512;
		if (type == 'x') {
			/* A pax header: its records may give the next entry's real size. */
			if (size > PAX_MAX) {
				set_cause(cause, "%s has a pax header of %" PRIu64 " bytes (expected less)", path, size);
				goto out;
			}
			char *d = xmalloc(padded + 1);
			if (fread(d, 1, padded, f) != padded) {
				free(d);
				set_cause(cause, "%s is truncated (in a pax header)", path);
				goto out;
			}
			have_next_size = pax_size(d, size, &next_size);
			free(d);
			continue;
		}
		if (padded > 0 && fseeko(f, (off_t)padded, SEEK_CUR) != 0) {
			set_cause(cause, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (type == 'g' || type == 'L' || type == 'K')
			continue;	/* global pax header, GNU long names: not entries */
		st->entries++;
		if (type == '0' || type == '\0' || type == '7') {
			uint64_t b = (size + ROOTFS_BLOCK - 1) / ROOTFS_BLOCK;
			st->blocks += b + (b > 12 ? b / (ROOTFS_BLOCK / 4) + 2 : 0);	/* indirect blocks */
		} else if (type == '5' || type == '2') {
			st->blocks++;
		}
		if (type == '2' && tar_name_is(h, "lib"))
			st->lib_is_link = true;
	}
	if (st->entries == 0) {
		set_cause(cause, "%s is an empty tar archive (expected a root file system)", path);
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/* A second tarball with the UML kernel's modules at lib/modules/VERSION (or
 * usr/lib/modules when /lib is a link to it), parents included: genext2fs
 * only adds an archive's entries under directories that exist. */
static int modules_tar(const struct image_layer *layer, bool merged_usr, const char *work_dir,
    char **out, char **cause)
{
	const char *version = image_layer_modules(layer);
	*out = NULL;
	if (version == NULL)
		return 0;
	char *tar = image_tool_find("tar", "tar", cause);
	if (tar == NULL)
		return -1;
	const char *prefix = merged_usr ? "usr/lib/modules" : "lib/modules";
	char *stage = xasprintf("%s/modules-stage", work_dir);
	char *stage_dir = xasprintf("%s/%s", stage, prefix);
	char *path = xasprintf("%s/modules.tar", work_dir);
	char *transform = xasprintf("s,^,%s/,", prefix);
	int rc = -1;
	if (image_mkdir_p(stage_dir, 0755, cause) < 0)
		goto out;
	char *parents[] = { tar, "-C", stage, "--owner=0", "--group=0", "--no-recursion", "-cf", path,
		merged_usr ? "usr" : "lib", merged_usr ? "usr/lib" : "lib/modules",
		merged_usr ? "usr/lib/modules" : NULL, NULL };
	char *files[] = { tar, "-C", "/usr/lib/uml/modules", "--owner=0", "--group=0",
		"--transform", transform, "-rf", path, (char *)version, NULL };
	if (image_run(parents, NULL, cause) < 0 || image_run(files, NULL, cause) < 0)
		goto out;
	*out = path;
	path = NULL;
	rc = 0;
out:
	image_tree_remove(stage, NULL);
	free(transform);
	free(path);
	free(stage_dir);
	free(stage);
	free(tar);
	return rc;
}

static int rootfs_from_tar(const struct image_request *req, const struct image_layer *layer,
    const char *tar, const char *what, const char *image_path, const char *work_dir, char **cause)
{
	struct tar_stats st, mods = { 0 };
	char *genext2fs = NULL, *mods_tar = NULL;
	int rc = -1;
	if (tar_scan(tar, &st, cause) < 0 ||
	    (genext2fs = image_tool_find("genext2fs", "genext2fs", cause)) == NULL ||
	    modules_tar(layer, st.lib_is_link, work_dir, &mods_tar, cause) < 0 ||
	    (mods_tar != NULL && tar_scan(mods_tar, &mods, cause) < 0))
		goto out;
	uint64_t data = st.blocks + mods.blocks, entries = st.entries + mods.entries;
	uint64_t blocks = data + data / 8 + entries / 16 + 1024 + ROOTFS_ROOM_BYTES / ROOTFS_BLOCK;
	uint64_t inodes = entries + entries / 4 + ROOTFS_ROOM_INODES;
	image_progress(req, "making an ext2 file system of %.0f MiB from %s (%" PRIu64 " files%s%s)",
	    (double)blocks * ROOTFS_BLOCK / (1 << 20), what, st.entries,
	    mods_tar != NULL ? ", and the kernel's modules " : "",
	    mods_tar != NULL ? image_layer_modules(layer) : "");
	char b[32], n[32];
	snprintf(b, sizeof(b), "%" PRIu64, blocks);
	snprintf(n, sizeof(n), "%" PRIu64, inodes);
	char *argv[20];
	size_t k = 0;
	const char *fixed[] = { "-B", "4096", "-b", b, "-N", n, "-m", "0", "-L", "umllab", "-a", tar };
	argv[k++] = genext2fs;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		argv[k++] = (char *)fixed[i];
	if (mods_tar != NULL) {
		argv[k++] = "-a";
		argv[k++] = mods_tar;
	}
	argv[k++] = (char *)image_path;
	argv[k] = NULL;
	rc = image_run(argv, NULL, cause);
out:
	if (mods_tar != NULL)
		unlink(mods_tar);
	free(mods_tar);
	free(genext2fs);
	return rc;
}

/* ---- raw images ---- */

static int rootfs_from_ext(const struct image_request *req, const char *src, const char *what,
    const char *image_path, char **cause)
{
	char *e2fsck = NULL, *resize2fs = NULL;
	int rc = -1;
	if ((e2fsck = image_tool_find("e2fsck", "e2fsprogs", cause)) == NULL ||
	    (resize2fs = image_tool_find("resize2fs", "e2fsprogs", cause)) == NULL)
		goto out;
	image_progress(req, "copying and checking the ext2/3/4 image %s", what);
	if (image_file_copy_sparse(src, image_path, 0600, cause) < 0)
		goto out;
	/* 0: clean; 1: errors fixed. A journal to replay counts as fixed. */
	static const int fixed[] = { 1, -1 };
	char *fsck_argv[] = { e2fsck, "-f", "-y", (char *)image_path, NULL };
	char *why = NULL;
	if (image_run_lines(fsck_argv, NULL, fixed, NULL, NULL, &why) < 0) {
		set_cause(cause, "the file system in %s is damaged beyond what e2fsck repairs: %s", what, why);
		free(why);
		goto out;
	}
	struct stat sb;
	if (stat(image_path, &sb) < 0) {
		set_cause(cause, "cannot stat %s: %s", image_path, strerror(errno));
		goto out;
	}
	char size[32];
	snprintf(size, sizeof(size), "%" PRIu64 "K", (uint64_t)(((uint64_t)sb.st_size + ROOTFS_ROOM_BYTES) >> 10));
	char *resize_argv[] = { resize2fs, "-f", (char *)image_path, size, NULL };
	if (image_run(resize_argv, NULL, cause) < 0)
		goto out;
	rc = 0;
out:
	free(e2fsck);
	free(resize2fs);
	return rc;
}

/* An XFS or Btrfs image is used as it is: nothing writes into them without
 * mounting them (root). Its initramfs (initrd.c) adds the guest layer at
 * boot instead, on the instance's copy-on-write disk. */
static int rootfs_from_other(const struct image_request *req, const struct image_layer *layer,
    const char *src, const char *what, enum rootfs_format format, const char *image_path,
    const char *work_dir, char **cause)
{
	const char *fs = format == RF_XFS ? "XFS" : "Btrfs";
	image_progress(req, "copying the %s image %s (used as it is; an initramfs adds umllab's "
	    "guest layer at boot)", fs, what);
	if (image_file_copy_sparse(src, image_path, 0600, cause) < 0)
		return -1;
	char *initrd = xasprintf("%s" IMAGE_INITRD_SUFFIX, image_path);
	int rc = image_initrd_build(layer, work_dir, initrd, cause);
	free(initrd);
	return rc;
}

int image_rootfs_build(const struct image_request *req, const struct image_layer *layer,
    const char *src, const char *what, const char *image_path, const char *work_dir, char **cause)
{
	enum rootfs_format format;
	char *unpacked = NULL;
	int rc = -1;
	if (rootfs_detect(src, &format, cause) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(compressors) / sizeof(compressors[0]); i++) {
		if (compressors[i].format != format)
			continue;
		char *tool = image_tool_find(compressors[i].tool, compressors[i].package, cause);
		if (tool == NULL)
			return -1;
		image_progress(req, "unpacking %s (%s)", what, compressors[i].name);
		unpacked = xasprintf("%s/unpacked", work_dir);
		char *argv[] = { tool, "-dc", (char *)src, NULL };
		int urc = image_run_lines(argv, unpacked, NULL, NULL, NULL, cause);
		free(tool);
		if (urc < 0 || rootfs_detect(unpacked, &format, cause) < 0)
			goto out;
		src = unpacked;
		break;
	}
	switch (format) {
	case RF_TAR:
		rc = rootfs_from_tar(req, layer, src, what, image_path, work_dir, cause);
		break;
	case RF_EXT:
		rc = rootfs_from_ext(req, src, what, image_path, cause);
		break;
	case RF_XFS:
	case RF_BTRFS:
		rc = rootfs_from_other(req, layer, src, what, format, image_path, work_dir, cause);
		break;
	case RF_QCOW2:
		set_cause(cause, "%s is a qcow2 image, which UML cannot use: convert it to a raw image "
		    "first (qemu-img convert -O raw IN OUT.img)", what);
		break;
	default:
		set_cause(cause, "%s is neither an ext2/3/4, XFS or Btrfs image nor a tar archive of a "
		    "root file system (gzip, xz, zstd or bzip2 compression is fine)", what);
		break;
	}
	if (unpacked != NULL)
		unlink(unpacked);	/* as large as the image: not kept for the layer step */
	if (rc == 0 && (format == RF_TAR || format == RF_EXT)) {
		image_progress(req, "adding umllab's guest layer (init, agent) to %s", what);
		rc = image_layer_apply(layer, image_path, work_dir, cause);
	}
out:
	free(unpacked);
	return rc;
}
