/* core/lab/labdir_int.h: what the lab directory's reader shares between its files (private to
 * core/lab/labdir*.c): the directory as read (devices, their interfaces and options, lab.dep),
 * and the messages, each at a file, line and column.
 *
 * labdir_conf.c reads lab.conf and lab.dep into struct kdir; labdir.c maps images, writes the
 * topology's YAML and loads it. */
#ifndef UMLLAB_LABDIR_INT_H
#define UMLLAB_LABDIR_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/lab/lab.h"

#define KDIR_FILES_MAX 8	/* files messages may point into */

/* One message: where, and what (warnings are said so in the text). */
struct kmsg {
	int file;		/* index into kdir.files */
	int line, column;	/* 0: about the whole file */
	bool warning;
	char *text;
};

/* A place in one of the lab's files. */
struct kpos {
	int file, line, column;
};

/* ethN of a device, from `DEV[N]=DOMAIN[/MAC]`. */
struct kiface {
	unsigned num;
	char domain[LAB_NAME_MAX + 1];
	char *mac;			/* as written, or NULL */
	struct kpos at;			/* the line; column of the value */
};

/* A `DEV[option]=value` kept for the YAML, with where it was. */
struct kvalue {
	char *text;
	struct kpos at;
};

struct kdev {
	char name[LAB_NAME_MAX + 1];
	struct kpos at;			/* its first line in lab.conf */
	struct kiface *ifaces;
	size_t n_ifaces;
	struct kvalue image, mem;	/* text NULL when not given */
	bool ipv6;			/* `[ipv6]=true` */
	struct kpos ipv6_at;
	struct kvalue *sysctls, *envs, *execs;	/* sysctl K=V (last per key wins), env K=V, exec */
	size_t n_sysctls, n_envs, n_execs;
	char **deps;			/* lab.dep: boots after these */
	size_t n_deps;
	struct kpos deps_at;
};

/* The lab directory as read. */
struct kdir {
	char *dir;			/* absolute path */
	char *name;			/* the lab's name */
	char *files[KDIR_FILES_MAX];	/* display names: [0] lab.conf, [1] lab.dep, ... */
	int n_files;
	struct kdev *devs;		/* in lab.conf's order */
	size_t n_devs;
	struct lab_info *info;		/* LAB_DESCRIPTION=..., as `info:` keys */
	size_t n_info;
	struct kpos info_at[8];
	struct kmsg *msgs;
	size_t n_msgs;
	size_t n_errors;
};

#define KFILE_CONF 0
#define KFILE_DEP 1

void kdir_msg(struct kdir *d, int file, int line, int column, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* A display name for a file of the directory (shown in messages); returns its index. */
int kdir_file(struct kdir *d, const char *display);

/* labdir_conf.c: read DIR/lab.conf and DIR/lab.dep into d (d->dir set, and files[0] and [1]
 * their display names, by kdir_file). */
void kdir_read_conf(struct kdir *d);
void kdir_free(struct kdir *d);

#endif
