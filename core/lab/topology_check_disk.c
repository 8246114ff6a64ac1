/* core/lab/topology_check_disk.c: check `share:` (a host directory the guests see) and `disks:`
 * (an instance's extra disks), and that no disk file is written by two instances. */
#include "core/lab/topology_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

#define SHARE_EXAMPLE "a directory such as ./shared, or {dir: ./shared, readonly: true}"

/* `share: DIR`, `share: {dir: DIR, readonly: BOOL}` or (for an instance) `share: none`. */
bool topo_check_share(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, bool none_ok, struct lab_share *out)
{
	const struct ynode *dir = NULL;
	bool readonly = false, symlinks = false, ok = true;
	if (val->type == YNODE_ALIAS)
		return false;
	if (val->type == YNODE_MAPPING) {
		struct field f[] = { { .name = "dir" }, { .name = "readonly" }, { .name = "symlinks" } };
		char where[128];
		snprintf(where, sizeof(where), "in the share of %s", owner);
		topo_map_fields(c->r, val, f, 3, where);
		if (f[0].val == NULL) {
			topo_error(c->r, val->line, val->column, "the share of %s has no `dir` (expected %s)", owner,
			    SHARE_EXAMPLE);
			ok = false;
		} else {
			dir = topo_want_scalar(c->r, f[0].key, f[0].val, owner, "a directory such as ./shared");
		}
		if (f[1].val != NULL && !topo_want_bool(c->r, f[1].key, f[1].val, owner, &readonly))
			ok = false;
		if (f[2].val != NULL && !topo_want_bool(c->r, f[2].key, f[2].val, owner, &symlinks))
			ok = false;
	} else {
		dir = topo_want_scalar(c->r, key, val, owner, SHARE_EXAMPLE);
		if (dir != NULL && none_ok && strcmp(dir->str, "none") == 0) {
			out->dir = NULL;
			return true;
		}
	}
	if (dir == NULL || strlen(dir->str) != dir->len)
		return false;
	struct stat st;
	bool exists;
	char *path = topo_path_resolve(c->base_dir, dir, &st, &exists);
	if (!exists || !S_ISDIR(st.st_mode)) {
		topo_value_error(c->r, dir, "share", owner, "%s (expected an existing directory; a relative path starts "
		    "at the topology file's directory)", exists ? "is not a directory" : "does not exist");
		free(path);
		return false;
	}
	if (!ok) {
		free(path);
		return false;
	}
	out->dir = path;
	out->readonly = readonly;
	out->symlinks = symlinks;
	out->line = dir->line;
	out->column = dir->column;
	return true;
}

#define DISK_EXAMPLE "a list such as [{file: data.xfs}, {size: 1G}]"
#define DISK_SIZE_MIN (1ULL << 20)
#define DISK_SIZE_MAX (1ULL << 40)

/* One item of `disks:`: FILE, {file: FILE, readonly: BOOL} or {size: SIZE}. */
static bool check_disk(struct checker *c, const struct ynode *item, const char *owner,
    struct lab_disk *out)
{
	const struct ynode *file = NULL, *size = NULL;
	bool ok = true;
	*out = (struct lab_disk){ .line = item->line, .column = item->column };
	if (item->type == YNODE_ALIAS)
		return false;
	if (item->type == YNODE_MAPPING) {
		struct field f[] = { { .name = "file" }, { .name = "size" }, { .name = "readonly" } };
		char where[128];
		snprintf(where, sizeof(where), "in a disk of %s", owner);
		topo_map_fields(c->r, item, f, 3, where);
		if ((f[0].val == NULL) == (f[1].val == NULL)) {
			topo_error(c->r, item->line, item->column, "a disk of %s has %s (expected either `file` "
			    "or `size`, such as {file: data.xfs} or {size: 1G})", owner,
			    f[0].val == NULL ? "neither `file` nor `size`" : "both `file` and `size`");
			return false;
		}
		if (f[0].val != NULL)
			file = topo_want_scalar(c->r, f[0].key, f[0].val, owner, "a file such as data.xfs");
		if (f[1].val != NULL)
			size = topo_want_scalar(c->r, f[1].key, f[1].val, owner, "a size such as 1G");
		if (f[2].val != NULL && !topo_want_bool(c->r, f[2].key, f[2].val, owner, &out->readonly))
			ok = false;
		if (f[2].val != NULL && f[1].val != NULL && out->readonly) {
			topo_value_error(c->r, f[2].val, "readonly", owner, "is true on a fresh disk (expected "
			    "readonly only with `file`: a fresh disk starts empty)");
			ok = false;
		}
		if ((f[0].val != NULL && file == NULL) || (f[1].val != NULL && size == NULL))
			return false;
	} else if (item->type != YNODE_SCALAR || ynode_is_null(item)) {
		topo_error(c->r, item->line, item->column, "a disk of %s is %s (expected a file such as "
		    "data.xfs, or {size: 1G})", owner, topo_kind(item));
		return false;
	} else {
		file = item;
	}
	if (size != NULL) {
		int rc = topo_size_parse(size, &out->size_bytes);
		if (rc == -1) {
			topo_value_error(c->r, size, "size", owner,
			    "is not a size (expected bytes with an optional K, M or G suffix, such as 1G)");
			return false;
		}
		if (rc == -2 || out->size_bytes > DISK_SIZE_MAX || out->size_bytes < DISK_SIZE_MIN) {
			topo_value_error(c->r, size, "size", owner, "is out of range (expected 1M to 1024G; the file is "
			    "sparse, so only what the guest writes takes room)");
			return false;
		}
		return ok;
	}
	/* UML splits a disk argument at , and : (COW file and image), and the
	 * kernel's command line at white space. */
	if (!topo_text_tame(file) || strpbrk(file->str, ",:") != NULL) {
		topo_value_error(c->r, file, "file", owner, "cannot be given to UML (expected a path without "
		    "white space, `,` or `:`)");
		return false;
	}
	struct stat st;
	bool exists;
	char *path = topo_path_resolve(c->base_dir, file, &st, &exists);
	if (!exists || !S_ISREG(st.st_mode)) {
		topo_value_error(c->r, file, "file", owner, "%s (expected an existing file, such as one made with "
		    "`truncate -s 1G data.xfs`; a relative path starts at the topology file's directory)",
		    exists ? "is not a regular file" : "does not exist");
		free(path);
		return false;
	}
	out->file = path;
	return ok;
}

/* `disks: [...]`: the instance's extra disks, ubd1 and up. */
void topo_check_disks(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_instance *in, const char *owner)
{
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = topo_at(key, seq);
		topo_error(c->r, p->line, p->column, "`disks` of %s is %s (expected " DISK_EXAMPLE ")", owner,
		    topo_kind(seq));
		return;
	}
	in->disks = xcalloc(seq->n_kids ? seq->n_kids : 1, sizeof(*in->disks));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *item = seq->kids[k];
		if (k == LAB_DISKS_MAX) {
			topo_error(c->r, item->line, item->column, "disk %zu of %s is one too many (expected at "
			    "most %d: UML has ubd1 to ubd15 besides the root disk)", k + 1, owner, LAB_DISKS_MAX);
			return;
		}
		struct lab_disk d;
		if (check_disk(c, item, owner, &d))
			in->disks[in->n_disks++] = d;
		else
			free(d.file);
	}
}

/* A disk file written by two instances (or twice by one): UML locks it, so
 * the second kernel would fail to boot. Reported at the later one. */
void topo_check_disk_owners(struct checker *c)
{
	const struct lab *lab = c->lab;
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		for (size_t k = 0; k < in->n_disks; k++) {
			const struct lab_disk *d = &in->disks[k];
			if (d->file == NULL)
				continue;
			for (size_t j = 0; j <= i; j++) {
				const struct lab_instance *o = &lab->instances[j];
				size_t end = j == i ? k : o->n_disks;
				size_t m = 0;
				for (; m < end; m++)
					if (o->disks[m].file != NULL && strcmp(o->disks[m].file, d->file) == 0 &&
					    !(d->readonly && o->disks[m].readonly))
						break;
				if (m == end)
					continue;
				topo_error(c->r, d->line, d->column, "disk %s of %s is already a disk of %s at "
				    "line %d, column %d (expected each writable disk file on one instance; "
				    "`readonly: true` on every one of them shares it)", d->file, in->name,
				    o->name, o->disks[m].line, o->disks[m].column);
				j = i;	/* once per disk */
			}
		}
	}
}
