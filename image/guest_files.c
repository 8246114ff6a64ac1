/* image/guest_files.c: embeds the guest agent, inittab and scripts in the umllab binary (.incbin).
 *
 * Paths are relative to the repository root, where make runs; the Makefile
 * rebuilds this object when one of the files changes. */
#include "image/guest_files.h"

#ifndef GUEST_AGENT_PATH
#define GUEST_AGENT_PATH "build/guest/umllab-agent"
#endif

#define GUEST_INCBIN(name, path)		\
	"	.global " name "_start\n"	\
	"	.global " name "_end\n"		\
	"	.hidden " name "_start\n"	\
	"	.hidden " name "_end\n"		\
	"	.balign 16\n"			\
	name "_start:\n"			\
	"	.incbin \"" path "\"\n"		\
	name "_end:\n"				\
	"	.byte 0\n"

__asm__(
	"	.pushsection .rodata, \"a\"\n"
	GUEST_INCBIN("guest_agent", GUEST_AGENT_PATH)
	GUEST_INCBIN("guest_inittab", "image/guest/inittab")
	GUEST_INCBIN("guest_systemctl", "image/guest/systemctl.sh")
	"	.popsection\n");
