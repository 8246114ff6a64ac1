/* core/storage/labimage.h: a lab's images and disks: prepare the images its instances run on; check, make and wipe their disks.
 *
 * Every instance runs on its own copy-on-write file DISK_DIR/NAME.cow over the
 * read-only image in the cache, where DISK_DIR is the lab's directory under
 * state_disk_root() (it survives a reboot; the runtime LAB_DIR does not).
 * `down` keeps these files, so what a student wrote is there at the next
 * `up`; `down --wipe` removes them. An instance with `unsafe_shared_root:
 * true` runs instead on DISK_DIR/shared-IMAGE.img, a writable copy of the
 * image that every such instance of that image shares. */
#ifndef UMLLAB_LABIMAGE_H
#define UMLLAB_LABIMAGE_H

#include <stdbool.h>

#include "core/lab/topology.h"
#include "core/storage/disk_path.h"	/* lab_disk_path, lab_disk_extra_path */
#include "image/image.h"

struct lab_images_opts {
	bool all;			/* every image of `images:`, not only those in use */
	bool offline;			/* only find them in the cache: never build nor download */
	image_progress_fn progress;	/* may be NULL */
	image_meter_fn meter;		/* may be NULL */
	void *arg;
};

/* Prepare the lab's images (build, download or find them in the cache) and
 * set lab->images[i].backing; images that have one already are skipped. -1
 * with *cause naming the image and what failed. */
int lab_images_prepare(struct lab *lab, const struct lab_images_opts *opts, char **cause);

/* Every instance's kernel command line (core/storage/kernel_line.c), measured as `up`
 * would start it here (this user's state and disk directories, the image files its
 * inputs name, built or not) without building or starting anything: one message in diag
 * for each instance whose line UML would refuse. Returns how many. Sets each used
 * image's inputs_file (its inputs hashed once), which lab_images_prepare then uses. */
size_t lab_kernel_lines_check(struct lab *lab, struct lab_diag *diag);

/* Before the instances start: every existing copy-on-write file must have
 * been made over the image its instance runs on now (else -1, with *cause
 * naming the instance, what changed and how to go on); a missing shared disk
 * and missing fresh extra disks (`disks: [{size: ...}]`) are made. The images must be prepared. */
int lab_disks_prepare(const struct lab *lab, const char *disk_dir, char **cause);

/* Disks an older umllab kept in the runtime directory old_dir: moved to
 * disk_dir (renamed, or copied across file systems). Returns how many moved,
 * or -1 with *cause (a disk of the same name already in disk_dir stops it). */
int lab_disks_migrate(const char *old_dir, const char *disk_dir, char **cause);

/* Remove the disks (copy-on-write files and shared disks) in dir, a lab's
 * disk directory or its runtime one. Returns how many files went, or -1 with
 * *cause. The lab must not be running. */
int lab_disks_wipe(const char *lab_dir, char **cause);

#endif
