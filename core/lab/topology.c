/* core/lab/topology.c: load a topology file: read it, parse it into a node tree
 * (core/lab/topology_tree.c), check the tree and build the lab (core/lab/topology_check*.c);
 * a lab directory goes to core/lab/labdir.c. */
#include "core/lab/topology.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lab/labdir.h"
#include "core/lab/topology_tree.h"
#include "core/base/util.h"

/* ---- loading ---- */

/* The default lab name: the base name without .yaml or .yml. */
static char *default_lab_name(const char *display_name)
{
	const char *base = strrchr(display_name, '/');
	base = base ? base + 1 : display_name;
	size_t len = strlen(base);
	if (len > 5 && strcasecmp(base + len - 5, ".yaml") == 0)
		len -= 5;
	else if (len > 4 && strcasecmp(base + len - 4, ".yml") == 0)
		len -= 4;
	return xstrndup(base, len);
}

/* Relative paths in a file (`file:`, `share:`) are relative to the file's directory;
 * in a string, to the current directory. */
static char *base_dir_of(const char *path, bool is_file)
{
	if (is_file) {
		const char *slash = strrchr(path, '/');
		if (slash != NULL)
			return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	}
	char *cwd = getcwd(NULL, 0);
	return cwd != NULL ? cwd : xstrdup("/");
}

static struct lab *lab_load_text(const char *text, size_t len, const char *display_name,
    const char *path, bool is_file, struct lab_diag *diag)
{
	struct topo_report r = { .file = display_name };
	struct lab *lab = NULL;
	size_t before = r.n;
	struct ynode *root = topo_tree_parse(&r, text, len);

	if (root == NULL && r.n == before) {
		topo_error(&r, 1, 1, "the file is empty (expected a mapping with `instances:`, see docs/topology.md)");
	} else if (root != NULL) {
		char *name = default_lab_name(display_name);
		char *base = base_dir_of(path, is_file);
		lab = topo_build(&r, root, name, base);
		free(base);
		free(name);
	}
	topo_tree_free(root);
	if (r.n > 0) {
		lab_free(lab);
		lab = NULL;
	} else {
		lab->path = xstrdup(path);
	}
	topo_report_flush(&r, diag);
	return lab;
}

struct lab *lab_load_string(const char *text, size_t len, const char *display_name,
    struct lab_diag *diag)
{
	if (display_name == NULL)
		display_name = "<string>";
	return lab_load_text(text != NULL ? text : "", text != NULL ? len : 0, display_name,
	    display_name, false, diag);
}

struct lab *lab_load(const char *path, struct lab_diag *diag)
{
	char *abs = NULL;
	size_t len = 0;
	struct lab *lab = NULL;
	/* A Kathara or Netkit lab directory (or its lab.conf) means the same as its YAML. */
	if (labdir_is(path)) {
		const char *images = getenv(LABDIR_IMAGES_ENV);
		return labdir_load(path, images != NULL && images[0] != '\0' ? images : NULL, diag);
	}
	char *buf = topo_file_read(path, &len, diag);

	if (buf == NULL)
		return NULL;
	if ((abs = realpath(path, NULL)) == NULL) {
		lab_diag_add(diag, xasprintf("%s: cannot resolve the path: %s", path, strerror(errno)));
		goto out;
	}
	lab = lab_load_text(buf, len, path, abs, true, diag);
out:
	free(buf);
	free(abs);
	return lab;
}
