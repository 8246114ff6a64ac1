/* core/grade/grade_lab.c: what a submitted lab may do on the host when it is
 * graded: files only inside its own directory, no download, mirror or trunk
 * the teacher did not allow, and no more than its limits.
 *
 * grade runs students' lab files on the teacher's machine. A `share:` names
 * a host directory the guests can write, a `disks:` file becomes a writable
 * block device, a `file:` image is read into the guest: pointed at the
 * teacher's home, any of them would hand it to the student. A `url:` or a
 * `mirror:` is fetched with the grader's rights (127.0.0.1 included), and a
 * trunk opens a host UDP port another lab could talk to. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grade/grade.h"
#include "core/lab/topology.h"
#include "core/lab/topology_tree.h"
#include "core/base/util.h"
#include "switch/vxlan.h"

struct vet {
	const char *labfile;
	const char *base;	/* the submission's directory, resolved */
	const struct grade_policy *p;
	struct strbuf errs;
};

static void vet_error(struct vet *v, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void vet_error(struct vet *v, int line, int column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_printf(&v->errs, "%s%s:%d:%d: %s", v->errs.len > 0 ? "\n" : "", v->labfile, line, column,
	    msg);
	free(msg);
}

static void vet_path(struct vet *v, const char *what, const char *path, int line, int column)
{
	if (path == NULL)
		return;
	char real[PATH_MAX];
	/* A path that does not resolve is judged as written (up then fails on it). */
	const char *p = realpath(path, real) != NULL ? real : path;
	size_t n = strlen(v->base);
	if (strncmp(p, v->base, n) == 0 && (p[n] == '\0' || p[n] == '/'))
		return;
	vet_error(v, line, column, "%s %s is outside the submission's directory %s (grade runs only "
	    "what a submission brings along)", what, p, v->base);
}

static void vet_share(struct vet *v, const struct lab_share *s)
{
	vet_path(v, "share:", s->dir, s->line, s->column);
}

static bool listed(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static void vet_image(struct vet *v, const struct lab_image *im)
{
	if (im->kind == LAB_IMAGE_FILE) {
		vet_path(v, "image file", im->file, im->line, im->column);
	} else if (im->kind == LAB_IMAGE_URL) {
		char *why = NULL;
		if (grade_url_vet(v->p, im->url, &why) < 0)
			vet_error(v, im->line, im->column, "image %s: %s", im->name, why);
		free(why);
	} else if (im->kind == LAB_IMAGE_DEBIAN) {
		const char *m = im->mirror != NULL ? im->mirror : "default";
		if (!listed(v->p->mirrors, v->p->n_mirrors, m))
			vet_error(v, im->line, im->column, "image %s is built from %s%s, and a graded lab "
			    "may build from no archive the teacher did not allow (`grade: {allow: {mirror: "
			    "[%s]}}` in the spec, or --allow mirror=%s)", im->name,
			    im->mirror != NULL ? "the mirror " : "Debian's archive (mirror `default`)",
			    im->mirror != NULL ? im->mirror : "", m, m);
	}
}

static void vet_trunks(struct vet *v, const struct lab_switch *sw)
{
	for (size_t t = 0; t < sw->n_trunks; t++) {
		char remote[VXLAN_ADDR_TEXT_MAX];
		vxlan_addr_format(&sw->trunks[t].remote, remote);
		if (!listed(v->p->trunks, v->p->n_trunks, remote))
			vet_error(v, sw->trunks[t].line, sw->trunks[t].column, "switch %s has a trunk to %s: "
			    "a trunk opens a port of the grading host that any lab could reach, so a graded "
			    "lab has none the teacher did not allow (`grade: {allow: {trunk: [%s]}}` in the "
			    "spec, or --allow trunk=%s)", sw->name, remote, remote, remote);
	}
}

static uint64_t capture_bytes(const struct lab_capture *c)
{
	return c->on ? c->max_bytes * (c->files > 0 ? c->files : 1) : 0;
}

static void vet_over(struct vet *v, int line, int column, const char *what, uint64_t got,
    uint64_t max, const char *limit, bool bytes)
{
	char *g = bytes ? grade_size_text(got) : xasprintf("%llu", (unsigned long long)got);
	char *m = bytes ? grade_size_text(max) : xasprintf("%llu", (unsigned long long)max);
	char *hint = grade_limit_hint(limit);
	vet_error(v, line, column, "%s %s, over the limit of %s (%s)", what, g, m, hint);
	free(g);
	free(m);
	free(hint);
}

/* Instances, memory and declared disk space against the limits. */
static void vet_limits(struct vet *v, const struct lab *lab)
{
	const struct grade_limits *l = &v->p->lim;
	if (lab->n_instances > l->instances) {
		const struct lab_instance *first = &lab->instances[l->instances];
		vet_over(v, first->line, first->column, "the lab has instances:", lab->n_instances,
		    l->instances, "instances", false);
	}
	uint64_t mem = 0, disk = 0;
	const struct lab_instance *big = NULL;	/* the first over the limit */
	size_t n_big = 0;
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		if (in->mem_bytes > l->mem && n_big++ == 0)
			big = in;
		mem += in->mem_bytes;
		for (size_t d = 0; d < in->n_disks; d++)
			if (in->disks[d].file == NULL)
				disk += in->disks[d].size_bytes;
		for (size_t f = 0; f < in->n_ifaces; f++)
			disk += capture_bytes(&in->ifaces[f].capture);
	}
	for (size_t s = 0; s < lab->n_switches; s++)
		disk += capture_bytes(&lab->switches[s].capture);
	if (big != NULL) {
		char *what = n_big > 1 ? xasprintf("instance %s (and %zu more) has mem:", big->name,
		    n_big - 1) : xasprintf("instance %s has mem:", big->name);
		vet_over(v, big->line, big->column, what, big->mem_bytes, l->mem, "mem", true);
		free(what);
	}
	if (mem > l->mem_total)
		vet_over(v, 1, 1, "the instances' mem: come to", mem, l->mem_total, "mem_total", true);
	if (disk > l->disk)
		vet_over(v, 1, 1, "the lab's fresh disks (disks: {size:}) and captures (max_size x files) "
		    "may write", disk, l->disk, "disk", true);
}

/* ---- paths as written, before the lab is loaded ----
 *
 * grade runs a copy of the submission's directory, so a path that leads out
 * of it names nothing there, and loading the lab would only say "does not
 * exist". Judged as written first, the reason is the real one. */

static const struct ynode *map_get(const struct ynode *map, const char *key)
{
	if (map == NULL || map->type != YNODE_MAPPING)
		return NULL;
	for (size_t k = 0; k + 1 < map->n_kids; k += 2)
		if (map->kids[k]->type == YNODE_SCALAR && !map->kids[k]->dup &&
		    strcmp(map->kids[k]->str, key) == 0)
			return map->kids[k + 1];
	return NULL;
}

bool grade_path_inside(const char *path)
{
	if (path[0] == '/' || path[0] == '\0')
		return path[0] == '\0';
	long depth = 0;
	for (const char *c = path; *c != '\0';) {
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n > 0 && !(n == 1 && c[0] == '.')) {
			depth++;
		}
		c += n;
		while (*c == '/')
			c++;
	}
	return true;
}

static void written_path(struct vet *v, const char *what, const struct ynode *n)
{
	if (n == NULL || n->type != YNODE_SCALAR || strlen(n->str) != n->len ||
	    grade_path_inside(n->str))
		return;
	vet_error(v, n->line, n->column, "%s `%s` leads outside the submission's directory (grade runs "
	    "only what a submission brings along, from a copy of its directory)", what, n->show);
}

static void written_share(struct vet *v, const struct ynode *share)
{
	if (share == NULL)
		return;
	if (share->type == YNODE_MAPPING)
		share = map_get(share, "dir");
	if (share != NULL && share->type == YNODE_SCALAR && strcmp(share->str, "none") == 0)
		return;
	written_path(v, "share:", share);
}

static void vet_written_paths(struct vet *v, const struct ynode *root)
{
	written_share(v, map_get(root, "share"));
	const struct ynode *insts = map_get(root, "instances");
	for (size_t k = 1; insts != NULL && insts->type == YNODE_MAPPING && k < insts->n_kids; k += 2) {
		const struct ynode *in = insts->kids[k];
		written_share(v, map_get(in, "share"));
		const struct ynode *disks = map_get(in, "disks");
		for (size_t d = 0; disks != NULL && disks->type == YNODE_SEQUENCE && d < disks->n_kids; d++) {
			const struct ynode *item = disks->kids[d];
			written_path(v, "disk", item->type == YNODE_MAPPING ? map_get(item, "file") : item);
		}
	}
	const struct ynode *images = map_get(root, "images");
	for (size_t k = 1; images != NULL && images->type == YNODE_MAPPING && k < images->n_kids; k += 2)
		written_path(v, "image file", map_get(images->kids[k], "file"));
}

int grade_lab_vet(const char *labfile, const struct grade_policy *p, char **cause)
{
	struct lab_diag diag = { 0 };
	size_t len;
	char *text = topo_file_read(labfile, &len, &diag);
	if (text != NULL) {
		struct topo_report r = { .file = labfile };
		struct ynode *root = topo_tree_parse(&r, text, len);
		struct vet w = { .labfile = labfile };
		if (r.n == 0)
			vet_written_paths(&w, root);
		topo_tree_free(root);
		topo_report_flush(&r, NULL);
		free(text);
		if (w.errs.len > 0) {
			set_cause(cause, "%s", w.errs.s);
			free(strbuf_take(&w.errs));
			lab_diag_free(&diag);
			return -1;
		}
	}
	lab_diag_free(&diag);
	/* A file with mistakes passes here: validate reports every one. */
	struct lab *lab = lab_load(labfile, &diag);
	lab_diag_free(&diag);
	if (lab == NULL)
		return 0;
	char *dir = xstrdup(labfile);
	char *slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else {
		*slash = '\0';
		if (dir[0] == '\0') {
			free(dir);
			dir = xstrdup("/");
		}
	}
	char base[PATH_MAX];
	if (realpath(dir, base) == NULL) {
		set_cause(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		lab_free(lab);
		return -1;
	}
	free(dir);
	struct grade_policy defaults;
	grade_policy_init(&defaults);
	struct vet v = { .labfile = labfile, .base = base, .p = p != NULL ? p : &defaults };
	vet_share(&v, &lab->share);
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		vet_share(&v, &in->share);
		for (size_t d = 0; d < in->n_disks; d++)
			vet_path(&v, "disk", in->disks[d].file, in->disks[d].line, in->disks[d].column);
	}
	/* Every image defined, used or not: up may prepare them all. */
	for (size_t i = 1; i < lab->n_images; i++)
		vet_image(&v, &lab->images[i]);
	for (size_t s = 0; s < lab->n_switches; s++)
		vet_trunks(&v, &lab->switches[s]);
	vet_limits(&v, lab);
	lab_free(lab);
	if (v.errs.len > 0) {
		set_cause(cause, "%s", v.errs.s);
		free(strbuf_take(&v.errs));
		return -1;
	}
	return 0;
}
