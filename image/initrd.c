/* image/initrd.c: a small initramfs that puts umllab's guest layer into a root file system at boot.
 *
 * umllab writes its layer (init, agent, inittab) into ext images with
 * debugfs, without root. Nothing does that for XFS or Btrfs without
 * mounting them, which needs root on the host. Root in the guest is enough:
 * the kernel boots this initramfs (initrd=), whose /init mounts the real
 * root (/dev/ubda, the instance's copy-on-write disk), copies the layer in,
 * and switches to it. The image itself is never written. */
#include "image/image_int.h"

#include "core/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Run by the guest's kernel as PID 1, before the real root is there. */
static const char initrd_init[] =
    "#!/bin/busybox sh\n"
    "# umllab's initramfs (image/initrd.c): the guest layer into the real root, then switch to it.\n"
    "b=/bin/busybox\n"
    "$b mount -t devtmpfs devtmpfs /dev\n"
    "$b mount -t proc proc /proc\n"
    "if ! $b mount -o rw /dev/ubda /newroot; then\n"
    "\techo 'umllab initramfs: cannot mount the root disk /dev/ubda' >&2\n"
    "\texec $b sh\n"
    "fi\n"
    "L=/newroot" IMAGE_LAYER_DIR "\n"
    "$b mkdir -p $L/bin /newroot/etc /newroot/dev /newroot/proc /newroot/sys /newroot/tmp /newroot/run\n"
    "$b rm -f $L/rcS\n"
    "for f in busybox agent; do $b rm -f $L/$f; $b cp /layer/$f $L/$f; done\n"
    "$b ln -sfn " IMAGE_LAYER_DIR "/busybox $L/init\n"
    "$b rm -f /newroot/etc/inittab\n"
    "$b cp /layer/inittab /newroot/etc/inittab\n"
    "# The applets' links come made (one ln per applet costs 30 s in UML).\n"
    "[ -L $L/bin/sh ] || $b cp -a /layer/bin/. $L/bin/\n"
    "$b umount /proc\n"
    "$b mount --move /dev /newroot/dev\n"
    "exec $b switch_root /newroot " IMAGE_LAYER_DIR "/init\n";

struct cpio {
	FILE *f;
	unsigned ino;
};

/* One newc record: header, name, data, each padded to 4 bytes. */
static int cpio_add(struct cpio *c, const char *name, unsigned mode, const void *data, size_t len)
{
	size_t namesize = strlen(name) + 1;
	static const char zeros[4] = { 0 };
	if (fprintf(c->f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
	    ++c->ino, mode, 0u, 0u, (mode & S_IFMT) == S_IFDIR ? 2u : 1u, 0u, len, 0u, 0u, 0u, 0u,
	    namesize, 0u) < 0)
		return -1;
	if (fwrite(name, 1, namesize, c->f) != namesize ||
	    fwrite(zeros, 1, (4 - (110 + namesize) % 4) % 4, c->f) != (4 - (110 + namesize) % 4) % 4)
		return -1;
	if (len > 0 && (fwrite(data, 1, len, c->f) != len ||
	    fwrite(zeros, 1, (4 - len % 4) % 4, c->f) != (4 - len % 4) % 4))
		return -1;
	return 0;
}

static int cpio_add_file(struct cpio *c, const char *name, unsigned mode, const char *path,
    char **cause)
{
	char *data = NULL;
	size_t len = 0;
	if (image_file_read(path, 64u << 20, &data, &len, cause) < 0)
		return -1;
	int rc = cpio_add(c, name, S_IFREG | mode, data, len);
	free(data);
	if (rc < 0)
		return set_cause(cause, "cannot write the initramfs: %s", strerror(errno));
	return 0;
}

int image_initrd_build(const struct image_layer *layer, const char *work_dir, const char *out_path,
    char **cause)
{
	char *stage = xasprintf("%s/initrd-layer", work_dir);
	int rc = -1;
	FILE *f = NULL;
	if (image_layer_stage(layer, stage, cause) < 0)
		goto out;
	int fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		set_cause(cause, "cannot create %s: %s", out_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	struct cpio c = { .f = f };
	static const char *const dirs[] = { ".", "bin", "dev", "proc", "newroot", "layer", "layer/bin" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (cpio_add(&c, dirs[i], S_IFDIR | 0755, NULL, 0) < 0)
			goto write_error;
	if (cpio_add(&c, "init", S_IFREG | 0755, initrd_init, strlen(initrd_init)) < 0 ||
	    cpio_add(&c, "bin/busybox", S_IFLNK | 0777, "/layer/busybox", strlen("/layer/busybox")) < 0)
		goto write_error;
	static const struct { const char *name; unsigned mode; } files[] = {
		{ "busybox", 0755 }, { "agent", 0755 }, { "inittab", 0644 },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *src = xasprintf("%s/%s", stage, files[i].name);
		char *name = xasprintf("layer/%s", files[i].name);
		int frc = cpio_add_file(&c, name, files[i].mode, src, cause);
		free(src);
		free(name);
		if (frc < 0)
			goto out;
	}
	/* layer/bin/APPLET -> the layer's busybox, as layer.c makes them in ext images. */
	char *bb = xasprintf("%s/busybox", stage);
	char *list_argv[] = { bb, "--list", NULL };
	char *applets = NULL;
	int lrc = image_run(list_argv, &applets, cause);
	free(bb);
	if (lrc < 0)
		goto out;
	char *save = NULL;
	for (char *a = strtok_r(applets, "\n", &save); a != NULL; a = strtok_r(NULL, "\n", &save)) {
		if (a[0] == '\0' || strcmp(a, "busybox") == 0 || strchr(a, '/') != NULL)
			continue;
		char *name = xasprintf("layer/bin/%s", a);
		int arc = cpio_add(&c, name, S_IFLNK | 0777, IMAGE_LAYER_DIR "/busybox",
		    strlen(IMAGE_LAYER_DIR "/busybox"));
		free(name);
		if (arc < 0) {
			free(applets);
			goto write_error;
		}
	}
	free(applets);
	if (cpio_add(&c, "TRAILER!!!", 0, NULL, 0) < 0)
		goto write_error;
	if (fclose(f) != 0) {
		f = NULL;
		goto write_error;
	}
	f = NULL;
	rc = 0;
	goto out;
write_error:
	set_cause(cause, "cannot write the initramfs %s: %s", out_path, strerror(errno));
out:
	if (f != NULL)
		fclose(f);
	if (rc < 0)
		unlink(out_path);
	image_tree_remove(stage, NULL);
	free(stage);
	return rc;
}
