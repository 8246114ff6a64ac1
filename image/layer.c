/* image/layer.c: umllab's guest layer (init, agent, boot script, busybox applets) written into any ext image with debugfs.
 *
 * A Debian root file system or a downloaded image has no init that speaks to
 * umllab. The layer adds one without touching the image's own programs:
 * everything lives in /usr/lib/umllab, the kernel runs /usr/lib/umllab/init
 * (busybox init, via init=), and only /etc/inittab is replaced. The boot
 * script and the agent look for the image's own tools first and fall back to
 * the busybox applets in /usr/lib/umllab/bin, so a tarball with nothing but a
 * shell still boots, configures its network and runs `umllab exec`. It also carries
 * the helpers of Kathara lab directories (kathara: the agent under that name, see
 * image/guest/kathara.c; systemctl for guests without systemd) and, in an image with
 * FRR, FRR's init script in C (/etc/init.d/frr, image/guest/frr.c). No root
 * and no loop device: debugfs edits the image file directly. */
#include "image/image_int.h"

#include "core/base/util.h"
#include "image/guest_files.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bump when the layer's layout changes, so images carrying it are rebuilt. */
#define LAYER_FORMAT "umllab guest layer 5"
#define LAYER_DIR IMAGE_LAYER_DIR

static const char layer_inittab[] =
	"# /etc/inittab: written by umllab's guest layer. busybox init (" LAYER_DIR "/init)\n"
	"# runs umllab's boot setup, its exec agent and a root shell on the console\n"
	"# (`umllab console`); the image's own init is not used.\n"
	"::sysinit:" LAYER_DIR "/agent --boot\n"
	"::respawn:" LAYER_DIR "/agent\n"
	"::respawn:" LAYER_DIR "/busybox cttyhack " LAYER_DIR "/busybox sh -l\n"
	"::ctrlaltdel:" LAYER_DIR "/busybox poweroff\n"
	"::shutdown:" LAYER_DIR "/busybox sync\n"
	"::shutdown:" LAYER_DIR "/busybox umount -a -r\n";

/* Module options, as distributions set them: loading bonding (which
 * `ip link add bond0 type bond` does) must not create a bond0 of its own,
 * or that command fails with "File exists". */
static const char layer_modprobe[] =
	"# /etc/modprobe.d/umllab.conf: written by umllab's guest layer.\n"
	"options bonding max_bonds=0\n";

/* Directories the boot script mounts on: a minimal tarball may lack some. */
static const struct {
	const char *path, *mode;
} layer_dirs[] = {
	{ "/proc", "040555" }, { "/sys", "040555" }, { "/dev", "040755" }, { "/tmp", "041777" },
	{ "/run", "040755" }, { "/root", "040700" }, { "/etc", "040755" }, { "/usr", "040755" },
	{ "/usr/lib", "040755" }, { LAYER_DIR, "040755" }, { LAYER_DIR "/bin", "040755" },
	{ "/etc/modprobe.d", "040755" }, { "/usr/sbin", "040755" },
};


struct image_layer {
	char *busybox_path;
	char *busybox;
	size_t busybox_len;
	char *modules_version;	/* the one directory in IMAGE_UML_MODULES_DIR, or NULL */
};

void image_layer_free(struct image_layer *layer)
{
	if (layer == NULL)
		return;
	free(layer->busybox_path);
	free(layer->busybox);
	free(layer->modules_version);
	free(layer);
}

const char *image_layer_modules(const struct image_layer *layer)
{
	return layer->modules_version;
}

/* The kernel's modules, if the host has them for exactly one kernel version;
 * their index (modules.dep) goes into the key, so a new kernel package makes
 * new images. */
static uint64_t layer_find_modules(struct image_layer *layer, uint64_t h)
{
	char *version = image_uml_modules_version();
	struct stat st;
	char *dep = version != NULL ? xasprintf(IMAGE_UML_MODULES_DIR "/%s/modules.dep", version) :
	    NULL;
	if (dep != NULL && stat(dep, &st) == 0) {
		layer->modules_version = version;
		version = NULL;
		uint64_t id[2] = { (uint64_t)st.st_size, (uint64_t)st.st_mtime };
		h = image_hash_input(h, layer->modules_version, strlen(layer->modules_version));
		h = image_hash_input(h, id, sizeof(id));
	}
	free(dep);
	free(version);
	return h;
}

struct image_layer *image_layer_load(uint64_t *key, char **cause)
{
	struct image_layer *layer = xcalloc(1, sizeof(*layer));
	if (image_busybox_load(&layer->busybox_path, &layer->busybox, &layer->busybox_len, cause) < 0) {
		image_layer_free(layer);
		return NULL;
	}
	uint64_t h = IMAGE_HASH_INIT;
	h = image_hash_input(h, LAYER_FORMAT, strlen(LAYER_FORMAT));
	h = image_hash_input(h, layer_inittab, strlen(layer_inittab));
	h = image_hash_input(h, layer_modprobe, strlen(layer_modprobe));
	h = image_hash_input(h, layer->busybox, layer->busybox_len);
	h = image_hash_input(h, guest_agent_start, GUEST_FILE_SIZE(guest_agent));
	h = image_hash_input(h, guest_systemctl_start, GUEST_FILE_SIZE(guest_systemctl));
	*key = layer_find_modules(layer, h);
	return layer;
}

/* A debugfs script, built up line by line. */
static void script_add(struct strbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void script_add(struct strbuf *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_printf(s, "%s\n", line);
	free(line);
}

/* Root owns it, with this mode (octal, with the file type bits). */
static void script_own(struct strbuf *s, const char *path, const char *mode)
{
	script_add(s, "sif %s uid 0", path);
	script_add(s, "sif %s gid 0", path);
	if (mode != NULL)
		script_add(s, "sif %s mode %s", path, mode);
}

/* An applet name from `busybox --list`: tame characters only (it goes into a script). */
static int applet_name_ok(const char *p)
{
	if (*p == '\0' || strcmp(p, "busybox") == 0)
		return 0;
	for (; *p != '\0'; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-", *p) == NULL)
			return 0;
	return 1;
}

/* The layer's files are where debugfs can read them: stage them in work_dir. */
static int layer_stage(const struct image_layer *layer, const char *dir, char **cause)
{
	struct {
		const char *name;
		const void *data;
		size_t len;
		mode_t mode;
	} files[] = {
		{ "busybox", layer->busybox, layer->busybox_len, 0755 },
		{ "agent", guest_agent_start, GUEST_FILE_SIZE(guest_agent), 0755 },
		{ "inittab", layer_inittab, strlen(layer_inittab), 0644 },
		{ "modprobe.conf", layer_modprobe, strlen(layer_modprobe), 0644 },
		{ "systemctl", guest_systemctl_start, GUEST_FILE_SIZE(guest_systemctl), 0755 },
	};
	if (image_mkdir_p(dir, 0700, cause) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = xasprintf("%s/%s", dir, files[i].name);
		int rc = image_file_write(p, files[i].data, files[i].len, files[i].mode, cause);
		free(p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int image_layer_stage(const struct image_layer *layer, const char *dir, char **cause)
{
	return layer_stage(layer, dir, cause);
}

/* True when the image has path (debugfs says nothing on standard output otherwise). */
static bool layer_has(const char *debugfs, const char *image_path, const char *path)
{
	char *out = NULL, *req = xasprintf("stat %s", path);
	char *argv[] = { (char *)debugfs, "-R", req, (char *)image_path, NULL };
	bool has = image_run(argv, &out, NULL) == 0 && out != NULL && strstr(out, "Inode:") != NULL;
	free(out);
	free(req);
	return has;
}

/* debugfs goes on after a failed command: look at the result instead. */
static int layer_verify(const char *debugfs, const char *image_path, char **cause)
{
	char *out = NULL;
	char *argv[] = { (char *)debugfs, "-R", "ls -p " LAYER_DIR, (char *)image_path, NULL };
	if (image_run(argv, &out, cause) < 0)
		return -1;
	static const char *const want[] = { "/init/", "/busybox/", "/agent/", "/bin/" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (strstr(out, want[i]) == NULL) {
			set_cause(cause, "could not write umllab's guest layer into %s (%.*s is missing "
			    "from " LAYER_DIR "); is the file system full or read-only?", image_path,
			    (int)strlen(want[i]) - 2, want[i] + 1);
			free(out);
			return -1;
		}
	}
	free(out);
	return 0;
}

int image_layer_apply(const struct image_layer *layer, const char *image_path,
    const char *work_dir, char **cause)
{
	char *debugfs = image_tool_find("debugfs", "e2fsprogs", cause);
	if (debugfs == NULL)
		return -1;
	char *stage = xasprintf("%s/layer", work_dir);
	char *script_path = xasprintf("%s/layer.debugfs", work_dir);
	char *applets = NULL;
	struct strbuf s = { 0 };
	int rc = -1;
	if (layer_stage(layer, stage, cause) < 0)
		goto out;
	char *bb = xasprintf("%s/busybox", stage);
	char *list_argv[] = { bb, "--list", NULL };
	int lrc = image_run(list_argv, &applets, cause);
	free(bb);
	if (lrc < 0)
		goto out;

	for (size_t i = 0; i < sizeof(layer_dirs) / sizeof(layer_dirs[0]); i++)
		script_add(&s, "mkdir %s", layer_dirs[i].path);	/* fails harmlessly when there */
	/* A second layer replaces the first; rcS is the boot script of layer 1. */
	static const char *const files[] = { "busybox", "agent", "rcS", "init", "kathara",
		"systemctl", "frr" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		script_add(&s, "rm " LAYER_DIR "/%s", files[i]);
	script_add(&s, "write %s/busybox " LAYER_DIR "/busybox", stage);
	script_add(&s, "write %s/agent " LAYER_DIR "/agent", stage);
	script_add(&s, "symlink " LAYER_DIR "/init " LAYER_DIR "/busybox");
	script_add(&s, "symlink " LAYER_DIR "/kathara " LAYER_DIR "/agent");	/* kathara.c */
	script_add(&s, "write %s/systemctl " LAYER_DIR "/systemctl", stage);
	/* systemctl, and service where the image has none (fails harmlessly when there). */
	script_add(&s, "symlink /usr/sbin/systemctl " LAYER_DIR "/systemctl");
	script_add(&s, "symlink /usr/sbin/service " LAYER_DIR "/systemctl");
	/* FRR's init script (bash, about thirty forks to start FRR) becomes the agent's C
	 * version, which runs FRR's own script for what it does not do itself (frr.c). */
	bool frr = layer_has(debugfs, image_path, "/usr/lib/frr/frrinit.sh") &&
	    layer_has(debugfs, image_path, "/etc/init.d/frr");
	if (frr) {
		script_add(&s, "symlink " LAYER_DIR "/frr " LAYER_DIR "/agent");
		script_add(&s, "rm /etc/init.d/frr");
		script_add(&s, "symlink /etc/init.d/frr " LAYER_DIR "/frr");
	}
	script_add(&s, "rm /etc/inittab");
	script_add(&s, "write %s/inittab /etc/inittab", stage);
	script_add(&s, "rm /etc/modprobe.d/umllab.conf");
	script_add(&s, "write %s/modprobe.conf /etc/modprobe.d/umllab.conf", stage);
	for (size_t i = 0; i < sizeof(layer_dirs) / sizeof(layer_dirs[0]); i++)
		script_own(&s, layer_dirs[i].path, layer_dirs[i].mode);
	script_own(&s, LAYER_DIR "/busybox", "0100755");
	script_own(&s, LAYER_DIR "/agent", "0100755");
	script_own(&s, LAYER_DIR "/init", NULL);
	script_own(&s, LAYER_DIR "/kathara", NULL);
	if (frr) {
		script_own(&s, LAYER_DIR "/frr", NULL);
		script_own(&s, "/etc/init.d/frr", NULL);
	}
	script_own(&s, LAYER_DIR "/systemctl", "0100755");
	script_own(&s, "/etc/inittab", "0100644");
	script_own(&s, "/etc/modprobe.d/umllab.conf", "0100644");
	size_t n = 0;
	char *save = NULL;
	for (char *a = strtok_r(applets, "\n", &save); a != NULL; a = strtok_r(NULL, "\n", &save)) {
		if (!applet_name_ok(a))
			continue;
		script_add(&s, "rm " LAYER_DIR "/bin/%s", a);
		script_add(&s, "symlink " LAYER_DIR "/bin/%s " LAYER_DIR "/busybox", a);
		n++;
	}
	if (n == 0) {
		set_cause(cause, "%s --list listed no applets: is it a full busybox?", layer->busybox_path);
		goto out;
	}
	if (image_file_write(script_path, s.s, s.len, 0600, cause) < 0)
		goto out;
	char *argv[] = { debugfs, "-w", "-f", script_path, (char *)image_path, NULL };
	if (image_run(argv, NULL, cause) < 0 || layer_verify(debugfs, image_path, cause) < 0)
		goto out;
	rc = 0;
out:
	free(s.s);
	free(applets);
	free(script_path);
	free(stage);
	free(debugfs);
	return rc;
}
