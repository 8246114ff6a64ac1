/* core/storage/kernel_line.h: an instance's UML command line, from the lab and where its
 * files are: built here once for the supervisor, which starts the kernel with it, and
 * for `validate` and `up`, which measure it before anything starts (UML refuses a
 * command line of KERNEL_LINE_MAX bytes or more at once).
 *
 * Pure: no system call; the caller says where the files are (kernel_line_where). */
#ifndef UMLLAB_KERNEL_LINE_H
#define UMLLAB_KERNEL_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/lab/lab.h"

/* UML's COMMAND_LINE_SIZE: the kernel's arguments joined by spaces must be shorter. */
#define KERNEL_LINE_MAX 4096

/* Where an instance's files are, as the supervisor has them. */
struct kernel_line_where {
	const char *kernel;		/* linux.uml */
	const char *lab_dir;		/* the lab's runtime directory (state_lab_dir) */
	const char *disk_dir;		/* its disks' directory (state_disk_dir) */
	const char *backing;		/* the image file the instance runs on */
	bool initrd;			/* an initramfs beside it (XFS, Btrfs images) */
};

/* The argv that starts instance c with interfaces ifaces (the live wiring: the file's,
 * or more after `umllab plug`): `umllab confine`'s words, "--", the kernel and its
 * arguments. Free with kernel_line_free. */
char **kernel_line_argv(const struct kernel_line_where *w, const struct lab *lab,
    const struct lab_instance *c, const struct lab_iface *const *ifaces, size_t n_ifaces);
void kernel_line_free(char **argv);

/* The length of the kernel command line argv makes (its arguments after the kernel's
 * path, joined by spaces): what UML compares with KERNEL_LINE_MAX. */
size_t kernel_line_len(char *const *argv);

/* NULL when argv's command line fits; else what is wrong and what to shorten
 * (malloc'd), at the instance's place in the lab's file (FILE:LINE:COL: ...). */
char *kernel_line_judge(const struct lab *lab, const struct lab_instance *c, const char *lab_dir,
    char *const *argv);

/* The vector device of interface f: "vecN:transport=bess,dst=CABLE,mac=MAC" (malloc'd). */
char *kernel_line_vector_arg(const char *lab_dir, const char *instance, const struct lab_iface *f);

/* The kernel umllab starts: $UMLLAB_KERNEL, else /usr/bin/linux.uml. */
const char *kernel_line_kernel(void);

#endif
