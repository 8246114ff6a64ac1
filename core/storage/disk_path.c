/* core/storage/disk_path.c: where an instance's disks are (disk_path.h): pure, so the kernel's
 * command line (kernel_line.c) names them without the image code. */
#include <stddef.h>

#include "core/base/util.h"
#include "core/storage/disk_path.h"

char *lab_disk_path(const char *disk_dir, const struct lab *lab, const struct lab_instance *in)
{
	if (in->unsafe_shared_root)
		return xasprintf("%s/" LAB_DISK_SHARED_PREFIX "%s" LAB_DISK_SHARED_SUFFIX, disk_dir,
		    lab->images[in->image].name);
	return xasprintf("%s/%s.cow", disk_dir, in->name);
}

char *lab_disk_extra_path(const char *disk_dir, const struct lab_instance *in, size_t i)
{
	if (in->disks[i].file != NULL)
		return xstrdup(in->disks[i].file);
	return xasprintf("%s/%s.ubd%zu.img", disk_dir, in->name, i + 1);
}
