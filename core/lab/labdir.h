/* core/lab/labdir.h: Kathara and Netkit lab directories (lab.conf, lab.dep, a folder and
 * startup scripts per device) read into the same struct lab a topology file gives.
 *
 * The directory is translated into the topology's own YAML, and that text goes through the
 * YAML loader (topology_check*.c), so a lab directory means exactly what `umllab convert DIR`
 * prints. Every generated line remembers the line of lab.conf (lab.dep, the images file) it
 * came from, and every mistake is reported there as FILE:LINE:COLUMN, as for YAML.
 * Format and what is honoured: docs/kathara.md. */
#ifndef UMLLAB_LABDIR_H
#define UMLLAB_LABDIR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/lab/lab.h"

/* Where the guests find the lab directory (hostfs, as Netkit's /hostlab) and the helper
 * that runs a device's setup and scripts there (image/guest/kathara.sh, in every image). */
#define LABDIR_GUEST_DIR "/hostlab"
#define LABDIR_HELPER "/usr/lib/umllab/kathara"

/* The environment variable naming a file of extra image mappings (`up --images FILE`). */
#define LABDIR_IMAGES_ENV "UMLLAB_IMAGES"

/* True when path is a directory (a lab directory, whatever it holds) or a file called
 * lab.conf. */
bool labdir_is(const char *path);

/* The lab's name: the directory's own name, as Kathara has it (see labdir_short_name).
 * malloc'd, or NULL when path cannot be resolved. */
char *labdir_name(const char *path);

/* The same from a directory's name: characters outside A-Z a-z 0-9 _ - become -, and a
 * name longer than 32 keeps its first 27 and a hash of the whole (-XXXX). */
void labdir_short_name(const char *base, char out[LAB_NAME_MAX + 1]);

/* Read the lab directory path (or path/lab.conf). images_file (or NULL) maps image names
 * Kathara's labs use to umllab images. NULL when there is a mistake; diag gets every message
 * (and warnings, FILE:LINE:COL: warning: ..., also on success). */
struct lab *labdir_load(const char *path, const char *images_file, struct lab_diag *diag);

/* The topology file that means the same as the directory, for `umllab convert`: the lab
 * directory is named relative to out_dir (where the YAML will be written). malloc'd text,
 * or NULL with every mistake in diag. */
char *labdir_yaml(const char *path, const char *images_file, const char *out_dir,
    struct lab_diag *diag);

#endif
