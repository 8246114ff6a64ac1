/* core/confine/confine.h: run a UML kernel confined to the files it needs (Landlock), so that hostfs shows the guest nothing else.
 *
 * `hostfs=DIR` alone does not confine a guest: the kernel joins DIR and the
 * path the guest asks for as text, so `mount -t hostfs none /mnt -o ..`
 * reaches DIR's parent and `-o ../../..` the host's root. Landlock, which any
 * unprivileged process may apply to itself and its children, closes that:
 * before exec'ing the kernel, umllab allows it exactly its program and
 * libraries, its disks (read-write copy-on-write file, read-only image), its
 * runtime directory (uml_dir), and the shared directory (read-only or
 * read-write). Anything else on the host, reached through `..` or `/` or a
 * symbolic link, is refused by the host kernel (Permission denied). */
#ifndef UMLLAB_CONFINE_H
#define UMLLAB_CONFINE_H

#include <stdbool.h>

/* argv: a UML kernel and its parameters (NULL-terminated). Derives the rules
 * from the parameters: ubdN=COW,IMAGE or ubdN=DISK (a missing COW file is
 * made, one made over another image is refused), uml_dir=DIR (created; also
 * the kernel's TMPDIR), hostfs=DIR (read-only with CONFINE_SHARE_RO; in a
 * writable one the guest may make symbolic links only with
 * CONFINE_SHARE_SYMLINKS, since a link a guest makes there may point
 * anywhere on the host and trap its user). Then
 * applies them and execs the kernel: returns only on failure, -1 with *cause.
 * Without Landlock in the host's kernel it refuses, unless UMLLAB_UNCONFINED=1
 * in the environment (then it says so on stderr and runs unconfined). */
enum confine_flags {
	CONFINE_SHARE_RO = 1 << 0,
	CONFINE_SHARE_SYMLINKS = 1 << 1,
};
int confine_exec(char **argv, unsigned flags, char **cause);

/* The Landlock ABI version of the running kernel, 0 when it has none. */
int confine_abi(void);

#endif
