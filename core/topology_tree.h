/* core/topology_tree.h: the YAML node tree and error collector shared by topology.c
 * (YAML -> tree, messages) and topology_check.c (tree -> struct lab). Private to the
 * loader: nothing outside core/topology*.c includes it. */
#ifndef UMLLAB_TOPOLOGY_TREE_H
#define UMLLAB_TOPOLOGY_TREE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/topology.h"

enum ynode_type {
	YNODE_SCALAR,
	YNODE_SEQUENCE,
	YNODE_MAPPING,
	YNODE_ALIAS,		/* `*name`: already reported, checks skip it silently */
};

struct ynode {
	enum ynode_type type;
	int line, column;	/* 1-based */
	char *str;		/* scalar text, NUL-terminated (may also contain NULs) */
	size_t len;
	bool plain;		/* unquoted scalar: may be null */
	char *show;		/* scalar text safe to print in a message (short, no control bytes) */
	struct ynode **kids;	/* sequence: items; mapping: key, value, key, value, ... */
	size_t n_kids, cap_kids;
	bool dup;		/* a mapping key repeating an earlier key: checks skip the pair */
};

/* Every mistake found, with where it is; sorted and formatted at the end. */
struct topo_msg {
	int line, column;	/* 0 when the message is about the whole file */
	size_t seq;
	char *text;
};

struct topo_report {
	const char *file;	/* as the user named it */
	struct topo_msg *msgs;
	size_t n, cap;
};

void topo_error(struct topo_report *r, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* True for a plain empty, ~ or null scalar. */
bool ynode_is_null(const struct ynode *n);

/* Check a whole document tree and build the lab from it. Always returns a lab
 * (possibly half filled); the caller discards it when r holds any message.
 * Relative paths in the file are taken from base_dir. */
struct lab *topo_build(struct topo_report *r, const struct ynode *root, const char *default_name,
    const char *base_dir);

#endif
