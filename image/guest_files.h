/* image/guest_files.h: the guest's files embedded in umllab (private to image/). */
#ifndef UMLLAB_GUEST_FILES_H
#define UMLLAB_GUEST_FILES_H

#include <stddef.h>

/* Defined by the .incbin block in image/guest_files.c; [start, end) is the file. */
#define GUEST_FILE_DECLARE(name) \
	extern const unsigned char name##_start[] __attribute__((visibility("hidden"))); \
	extern const unsigned char name##_end[] __attribute__((visibility("hidden")))

GUEST_FILE_DECLARE(guest_agent);	/* build/guest/umllab-agent */
GUEST_FILE_DECLARE(guest_inittab);	/* image/guest/inittab */
GUEST_FILE_DECLARE(guest_systemctl);	/* image/guest/systemctl.sh: systemctl and service */

#define GUEST_FILE_SIZE(name) ((size_t)(name##_end - name##_start))

#endif
