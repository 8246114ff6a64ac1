/* core/lab/topology_tree.h: the YAML node tree and error collector (topology_tree.c:
 * YAML -> tree, messages), the value checks on it (topology_check_values.c) and
 * topo_build (topology_check.c: tree -> struct lab). Used by the loader (topology.c),
 * the check files, and the other loader of the same dialect, core/checks/checks_spec.c;
 * nothing else includes it. */
#ifndef UMLLAB_TOPOLOGY_TREE_H
#define UMLLAB_TOPOLOGY_TREE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lab/lab.h"

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

/* ---- shared with other loaders of the same YAML dialect (core/checks/checks_spec.c) ---- */

/* Read a file of at most TOPO_FILE_MAX bytes; NULL with a message in diag. */
char *topo_file_read(const char *path, size_t *len, struct lab_diag *diag);

/* Parse text as one YAML document into a tree (NULL when empty or unreadable),
 * reporting syntax mistakes and duplicate keys into r. */
struct ynode *topo_tree_parse(struct topo_report *r, const char *text, size_t len);
void topo_tree_free(struct ynode *root);

/* Sort r's messages into file order and format them as FILE:LINE:COLUMN: TEXT
 * into diag (which may be NULL); r is empty afterwards. */
void topo_report_flush(struct topo_report *r, struct lab_diag *diag);

/* One known key of a mapping, filled by topo_map_fields. */
struct field {
	const char *name;
	const struct ynode *key, *val;
};

/* The value checks of topology_check_values.c, also for another loader: they report into r
 * exactly as the topology's own keys are reported. */
void topo_map_fields(struct topo_report *r, const struct ynode *map, struct field *f, size_t nf,
    const char *where);
const struct ynode *topo_want_scalar(struct topo_report *r, const struct ynode *key,
    const struct ynode *val, const char *owner, const char *expected);
bool topo_want_mapping(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    bool null_ok, const char *what, const char *expected);
bool topo_want_bool(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, bool *out);
const char *topo_kind(const struct ynode *n);
/* Strict dotted quad (host order); ADDRESS/PREFIX. */
bool topo_ip4_parse(const char *s, size_t len, uint32_t *out);
bool topo_cidr_parse(const struct ynode *n, uint32_t *addr, unsigned *prefix);
bool topo_mac_parse(const struct ynode *n, uint8_t mac[6]);

/* Check a whole document tree and build the lab from it. Always returns a lab
 * (possibly half filled); the caller discards it when r holds any message.
 * Relative paths in the file are taken from base_dir. */
struct lab *topo_build(struct topo_report *r, const struct ynode *root, const char *default_name,
    const char *base_dir);

#endif
