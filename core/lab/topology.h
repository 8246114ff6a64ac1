/* core/lab/topology.h: the loader: read a topology file (YAML -> node tree -> checked
 * struct lab, see core/lab/lab.h) and report its mistakes.
 *
 * Leaf module: depends on libyaml, core/util, switch/linkcond and switch/vxlan (pure) only, so tests/unit/test_topology
 * links it alone (the Makefile's TOPOLOGY_OBJS). Every mistake in a file is reported (not just the
 * first), each as "FILE:LINE:COLUMN: what is wrong (what was expected)".
 *
 * Dependencies point one way: topology.c (lab_load) -> topology_check*.c (tree -> struct lab)
 * -> topology_tree.c (YAML -> tree, messages) -> lab.c (the model, core/lab/lab.h); no file
 * calls one before it in that list, and only topology.c includes this header. */
#ifndef UMLLAB_TOPOLOGY_H
#define UMLLAB_TOPOLOGY_H

#include <stddef.h>

#include "core/lab/lab.h"

/* Load and validate a topology file. Returns NULL when there was any mistake;
 * diag then holds every one. diag may hold warnings even on success (none yet). */
struct lab *lab_load(const char *path, struct lab_diag *diag);

/* Same, from text in memory; `display_name` stands for the file in messages
 * and gives the default lab name. */
struct lab *lab_load_string(const char *text, size_t len, const char *display_name,
    struct lab_diag *diag);

#endif
