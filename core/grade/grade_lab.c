/* core/grade/grade_lab.c: what a submitted lab may touch on the host when it is
 * graded: only files inside its own directory.
 *
 * grade runs students' lab files with the teacher's rights. A `share:` names
 * a host directory the guests can write, a `disks:` file becomes a writable
 * block device, a `file:` image is read into the guest: pointed at the
 * teacher's home, any of them would hand it to the student. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/grade/grade.h"
#include "core/lab/topology.h"
#include "core/base/util.h"

struct vet {
	const char *labfile;
	const char *base;	/* the submission's directory, resolved */
	struct strbuf errs;
};

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
	strbuf_printf(&v->errs, "%s%s:%d:%d: %s %s is outside the submission's directory %s (grade "
	    "runs only what a submission brings along)", v->errs.len > 0 ? "\n" : "", v->labfile, line,
	    column, what, p, v->base);
}

static void vet_share(struct vet *v, const struct lab_share *s)
{
	vet_path(v, "share:", s->dir, s->line, s->column);
}

int grade_lab_confined(const char *labfile, char **cause)
{
	struct lab_diag diag = { 0 };
	struct lab *lab = lab_load(labfile, &diag);
	if (lab == NULL) {
		set_cause(cause, "%s", diag.n > 0 ? diag.msgs[0] : "the lab file cannot be read");
		lab_diag_free(&diag);
		return -1;
	}
	lab_diag_free(&diag);
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
	struct vet v = { .labfile = labfile, .base = base };
	vet_share(&v, &lab->share);
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		vet_share(&v, &in->share);
		for (size_t d = 0; d < in->n_disks; d++)
			vet_path(&v, "disk", in->disks[d].file, in->disks[d].line, in->disks[d].column);
	}
	for (size_t i = 0; i < lab->n_images; i++) {
		const struct lab_image *im = &lab->images[i];
		if (im->kind == LAB_IMAGE_FILE)
			vet_path(&v, "image file", im->file, im->line, im->column);
		else if (im->url != NULL && strncmp(im->url, "file://", 7) == 0)
			vet_path(&v, "image url", im->url + 7, im->line, im->column);
	}
	lab_free(lab);
	if (v.errs.len > 0) {
		set_cause(cause, "%s", v.errs.s);
		free(strbuf_take(&v.errs));
		return -1;
	}
	return 0;
}
