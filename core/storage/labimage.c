/* core/storage/labimage.c: a lab's images (through image/) and its instances' disks: made, checked before every up, wiped on request. */
#include "core/storage/labimage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/state.h"
#include "core/base/util.h"
#include "core/storage/kernel_line.h"

#define SHARED_PREFIX LAB_DISK_SHARED_PREFIX
#define SHARED_SUFFIX LAB_DISK_SHARED_SUFFIX
#define ORIGIN_SUFFIX ".origin"		/* next to a shared disk: the image it was copied from */

static const char *const kind_names[] = {
	[LAB_IMAGE_BUSYBOX] = "busybox", [LAB_IMAGE_DEBIAN] = "debian",
	[LAB_IMAGE_URL] = "url", [LAB_IMAGE_FILE] = "file",
};

/* What image/ needs to find or build im, in cache. */
static struct image_request lab_image_request(const struct lab_image *im, const char *cache)
{
	return (struct image_request){
		.kind = kind_names[im->kind], .name = im->name, .cache_dir = cache,
		.release = im->release, .packages = im->packages, .n_packages = im->n_packages,
		.mirror = im->mirror, .url = im->url, .sha256 = im->sha256, .path = im->file,
	};
}

int lab_images_prepare(struct lab *lab, const struct lab_images_opts *opts, char **cause)
{
	char *cache = image_cache_dir(cause);
	if (cache == NULL)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < lab->n_images && rc == 0; i++) {
		struct lab_image *im = &lab->images[i];
		/* `all`: every image the file defines; the built-in one only when used. */
		if (im->backing != NULL || (!im->used && (!opts->all || i == 0)) || im->name[0] == '\0')
			continue;
		struct image_request req = lab_image_request(im, cache);
		req.offline = opts->offline;
		req.progress = opts->progress;
		req.progress_arg = opts->arg;
		req.meter = opts->meter;
		req.known_file = im->inputs_file;	/* hashed already by lab_kernel_lines_check */
		char *why = NULL;
		if (image_prepare(&req, &im->backing, &why) < 0) {
			if (i == 0)
				set_cause(cause, "%s", why);
			else
				set_cause(cause, "image %s (line %d of %s): %s", im->name, im->line, lab->path, why);
			free(why);
			rc = -1;
		}
	}
	free(cache);
	return rc;
}

size_t lab_kernel_lines_check(struct lab *lab, struct lab_diag *diag)
{
	char *why = NULL;
	char *root = state_root(&why);
	char *lab_dir = root != NULL ? state_lab_dir(root, lab->name, false, &why) : NULL;
	char *disk_dir = lab_dir != NULL ? state_disk_dir(lab->name, false, NULL) : NULL;
	char *cache = lab_dir != NULL ? image_cache_dir(&why) : NULL;
	size_t over = 0;
	/* Each image's file, once (its inputs are hashed: a busybox binary, a guest agent),
	 * kept in inputs_file so that lab_images_prepare does not hash them again. */
	const char **backing = xcalloc(lab->n_images + 1, sizeof(*backing));
	bool *initrd = xcalloc(lab->n_images + 1, sizeof(*initrd));
	for (size_t i = 0; cache != NULL && i < lab->n_images; i++) {
		struct lab_image *im = &lab->images[i];
		if (!im->used)
			continue;
		if (im->backing == NULL && im->inputs_file == NULL) {
			struct image_request req = lab_image_request(im, cache);
			/* NULL: a missing input, which preparing the image will tell. */
			im->inputs_file = image_path(&req, &why);
			free(why);
			why = NULL;
		}
		backing[i] = im->backing != NULL ? im->backing : im->inputs_file;
		/* An initramfs is known once the image is built (XFS, Btrfs). */
		char *path = backing[i] != NULL ? xasprintf("%s" IMAGE_INITRD_SUFFIX, backing[i]) : NULL;
		initrd[i] = path != NULL && access(path, R_OK) == 0;
		free(path);
	}
	/* Where nothing can be said (no state or cache directory), `up` will say why. */
	for (size_t i = 0; cache != NULL && i < lab->n_instances; i++) {
		const struct lab_instance *c = &lab->instances[i];
		if (backing[c->image] == NULL)
			continue;
		struct kernel_line_where w = { .kernel = kernel_line_kernel(), .lab_dir = lab_dir,
			.disk_dir = disk_dir != NULL ? disk_dir : lab_dir, .backing = backing[c->image],
			.initrd = initrd[c->image] };
		const struct lab_iface **ifaces = xcalloc(c->n_ifaces + 1, sizeof(*ifaces));
		for (size_t k = 0; k < c->n_ifaces; k++)
			ifaces[k] = &c->ifaces[k];
		char **argv = kernel_line_argv(&w, lab, c, ifaces, c->n_ifaces);
		char *msg = kernel_line_judge(lab, c, lab_dir, argv);
		if (msg != NULL) {
			lab_diag_add(diag, msg);
			over++;
		}
		kernel_line_free(argv);
		free(ifaces);
	}
	free(backing);
	free(initrd);
	free(why);
	free(cache);
	free(disk_dir);
	free(lab_dir);
	free(root);
	return over;
}

/* A fresh extra disk: a sparse file of its size, made once (what the guest
 * wrote stays until `down --wipe`). */
static int fresh_disk_prepare(const char *path, uint64_t size, char **cause)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : set_cause(cause, "cannot create the disk %s: %s", path,
		    strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0) {
		set_cause(cause, "cannot make the disk %s %" PRIu64 " bytes long: %s", path, size,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* What the shared disk was copied from: "PATH\nMTIME SIZE\n". */
static char *origin_text(const char *backing, char **cause)
{
	struct stat st;
	if (stat(backing, &st) < 0) {
		set_cause(cause, "cannot use the image %s: %s", backing, strerror(errno));
		return NULL;
	}
	return xasprintf("%s\n%" PRIu64 " %" PRIu64 "\n", backing, (uint64_t)st.st_mtime,
	    (uint64_t)st.st_size);
}

static int write_file(const char *path, const char *text, char **cause)
{
	FILE *f = fopen(path, "we");
	if (f == NULL)
		return set_cause(cause, "cannot create %s: %s", path, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0)
		return set_cause(cause, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

/* The shared disk of an image: made (a sparse copy) when missing, else it must
 * come from the image as it is now. */
static int shared_disk_prepare(const struct lab_image *im, const char *disk, char **cause)
{
	char *origin_path = xasprintf("%s" ORIGIN_SUFFIX, disk);
	char *want = origin_text(im->backing, cause);
	int rc = -1;
	if (want == NULL)
		goto out;
	struct stat st;
	if (stat(disk, &st) == 0) {
		FILE *f = fopen(origin_path, "re");
		char have[8192] = "";
		size_t n = f != NULL ? fread(have, 1, sizeof(have) - 1, f) : 0;
		if (f != NULL)
			fclose(f);
		have[n] = '\0';
		if (strcmp(have, want) != 0) {
			set_cause(cause, "the shared disk %s was copied from another image than the one image "
			    "%s is now (%s)", disk, im->name, im->backing);
			goto out;
		}
		rc = 0;
		goto out;
	}
	char *part = xasprintf("%s.part", disk);
	unlink(part);
	if (image_copy(im->backing, part, cause) < 0 ||
	    write_file(origin_path, want, cause) < 0 || rename(part, disk) < 0) {
		if (cause != NULL && *cause == NULL)
			set_cause(cause, "cannot make %s: %s", disk, strerror(errno));
		unlink(part);
		free(part);
		goto out;
	}
	free(part);
	rc = 0;
out:
	free(want);
	free(origin_path);
	return rc;
}

static bool is_disk_name(const char *name)
{
	size_t n = strlen(name);
	if (n > 4 && strcmp(name + n - 4, ".cow") == 0)
		return true;
	if (n > 4 && strcmp(name + n - 4, ".img") == 0 && strstr(name, ".ubd") != NULL)
		return true;	/* a fresh extra disk, NAME.ubdN.img */
	if (strncmp(name, SHARED_PREFIX, strlen(SHARED_PREFIX)) != 0)
		return false;
	const char *tails[] = { SHARED_SUFFIX, SHARED_SUFFIX ORIGIN_SUFFIX, SHARED_SUFFIX ".part" };
	for (size_t i = 0; i < 3; i++) {
		size_t t = strlen(tails[i]);
		if (n > t && strcmp(name + n - t, tails[i]) == 0)
			return true;
	}
	return false;
}

/* A lab directory's disks are kept under the lab's name, which is its directory's name,
 * and many public labs sit in a directory called `lab`: the file LAB_DIR_OWNER says which
 * directory wrote them, so another directory of the same name never boots on them
 * (Kathara starts every lab from its image: two directories are two labs). */
#define LAB_DIR_OWNER ".lab-directory"

static bool disks_present(const char *disk_dir)
{
	DIR *d = opendir(disk_dir);
	if (d == NULL)
		return false;
	bool any = false;
	struct dirent *de;
	while (!any && (de = readdir(d)) != NULL)
		any = is_disk_name(de->d_name);
	closedir(d);
	return any;
}

static int lab_dir_owner_check(const struct lab *lab, const char *disk_dir, char **cause)
{
	char *path = xasprintf("%s/%s", disk_dir, LAB_DIR_OWNER);
	char owner[PATH_MAX + 2] = "";
	int rc = 0;
	FILE *f = fopen(path, "re");
	bool known = f != NULL && fgets(owner, sizeof(owner), f) != NULL;
	if (f != NULL)
		fclose(f);
	if (known) {
		owner[strcspn(owner, "\n")] = '\0';
		if (strcmp(owner, lab->path) != 0 && disks_present(disk_dir))
			rc = set_cause(cause, "lab %s: the disks kept in %s were written by the lab "
			    "directory %s, not by %s (a lab directory's lab is named after its "
			    "directory). `umllab down --wipe %s` discards them, or rename one of the "
			    "two directories", lab->name, disk_dir, owner, lab->path, lab->name);
	}
	if (rc == 0 && strcmp(owner, lab->path) != 0) {
		char *text = xasprintf("%s\n", lab->path);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write_all(fd, text, strlen(text)) != 0)
			rc = set_cause(cause, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(text);
	}
	free(path);
	return rc;
}

int lab_disks_prepare(const struct lab *lab, const char *disk_dir, char **cause)
{
	if (lab->from_dir && lab_dir_owner_check(lab, disk_dir, cause) != 0)
		return -1;
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		const struct lab_image *im = &lab->images[in->image];
		if (im->backing == NULL)
			return set_cause(cause, "image %s of instance %s is not prepared", im->name, in->name);
		char *disk = lab_disk_path(disk_dir, lab, in);
		char *why = NULL;
		int rc = in->unsafe_shared_root ? shared_disk_prepare(im, disk, &why) :
		    image_cow_check(disk, im->backing, &why);
		free(disk);
		for (size_t k = 0; rc >= 0 && k < in->n_disks; k++) {
			if (in->disks[k].file != NULL)
				continue;
			char *extra = lab_disk_extra_path(disk_dir, in, k);
			int made = fresh_disk_prepare(extra, in->disks[k].size_bytes, cause);
			free(extra);
			if (made < 0)
				return -1;
		}
		if (rc < 0) {
			set_cause(cause, "instance %s cannot start on what it wrote before: %s. To start it "
			    "afresh on image %s, discard its disk with `umllab down --wipe %s`; to keep "
			    "what it wrote, put the lab's image back as it was", in->name, why, im->name,
			    lab->name);
			free(why);
			return -1;
		}
	}
	return 0;
}

int lab_disks_wipe(const char *lab_dir, char **cause)
{
	DIR *d = opendir(lab_dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return set_cause(cause, "cannot read %s: %s", lab_dir, strerror(errno));
	}
	int removed = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!is_disk_name(de->d_name))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0) {
			set_cause(cause, "cannot remove %s/%s: %s", lab_dir, de->d_name, strerror(errno));
			closedir(d);
			return -1;
		}
		removed++;
	}
	closedir(d);
	return removed;
}

/* One disk file moved: renamed, or copied (sparse) across file systems. */
static int disk_move(const char *from, const char *to, char **cause)
{
	if (rename(from, to) == 0)
		return 0;
	if (errno != EXDEV)
		return set_cause(cause, "cannot move %s to %s: %s", from, to, strerror(errno));
	char *part = xasprintf("%s.part", to);
	unlink(part);
	int rc = image_copy(from, part, cause);
	if (rc == 0 && rename(part, to) < 0)
		rc = set_cause(cause, "cannot move %s to %s: %s", part, to, strerror(errno));
	if (rc == 0)
		unlink(from);
	else
		unlink(part);
	free(part);
	return rc;
}

int lab_disks_migrate(const char *old_dir, const char *disk_dir, char **cause)
{
	if (strcmp(old_dir, disk_dir) == 0)
		return 0;
	DIR *d = opendir(old_dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : set_cause(cause, "cannot read %s: %s", old_dir, strerror(errno));
	int moved = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (!is_disk_name(de->d_name) || (n > 5 && strcmp(de->d_name + n - 5, ".part") == 0))
			continue;
		char *from = xasprintf("%s/%s", old_dir, de->d_name);
		char *to = xasprintf("%s/%s", disk_dir, de->d_name);
		struct stat st;
		int rc = 0;
		if (lstat(to, &st) == 0)
			rc = set_cause(cause, "%s is in the way of %s, which umllab moves there (disks now "
			    "live apart from the runtime files): keep one of the two and remove the other",
			    to, from);
		else
			rc = disk_move(from, to, cause);
		free(from);
		free(to);
		if (rc < 0) {
			closedir(d);
			return -1;
		}
		moved++;
	}
	closedir(d);
	return moved;
}
