/* core/storage/disk_path.h: where an instance's disks are (pure: core/storage/disk_path.c), for
 * labimage.c, which makes them, and kernel_line.c, which names them to the kernel. */
#ifndef UMLLAB_DISK_PATH_H
#define UMLLAB_DISK_PATH_H

#include <stddef.h>

#include "core/lab/lab.h"

/* The disk an instance boots from (malloc'd): its copy-on-write file, or the
 * shared writable image with unsafe_shared_root (DISK_DIR/shared-IMAGE.img). */
#define LAB_DISK_SHARED_PREFIX "shared-"
#define LAB_DISK_SHARED_SUFFIX ".img"
char *lab_disk_path(const char *disk_dir, const struct lab *lab, const struct lab_instance *in);

/* The file of extra disk i (`disks:`, ubd i+1) of an instance (malloc'd):
 * the file it names, or DISK_DIR/NAME.ubdN.img for a fresh one. */
char *lab_disk_extra_path(const char *disk_dir, const struct lab_instance *in, size_t i);

#endif
