/* image/busybox.c: the default guest image: the host's static busybox, umllab's init script and agent, and the kernel's 802.1Q and IPv6 modules, in ext4.
 *
 * Built as an ordinary user: no root, no loop device. The tree is staged in a
 * directory, `mkfs.ext4 -d` copies it into a sparse image file, and `debugfs`
 * then gives every file to root (mkfs copies the owner of the staged files,
 * which is whoever ran umllab). */
#include "image/image_int.h"

#include "core/base/util.h"
#include "image/guest_files.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump when anything below changes the image, so cached images are rebuilt. */
#define BUSYBOX_FORMAT "umllab busybox image 4"	/* 2: /usr/lib/umllab/init; 3: 802.1Q modules; 4: ipv6.ko */
#define BUSYBOX_IMAGE_SIZE "32M"
#define BUSYBOX_FILE_MAX (64u << 20)

/* The UML kernel's modules a guest's VLAN sub-interfaces need (802.1Q and
 * what it depends on) and IPv6 (the guest's boot loads it when the lab uses
 * IPv6), from the user-mode-linux package: not all of its modules (100 MB),
 * which Debian and tarball images get. */
static const char *const busybox_modules[] = {
	"kernel/net/llc/llc.ko", "kernel/net/802/stp.ko", "kernel/net/802/garp.ko",
	"kernel/net/802/mrp.ko", "kernel/net/8021q/8021q.ko",
	"kernel/lib/crc-ccitt.ko", "kernel/net/ipv6/ipv6.ko",
};
#define BUSYBOX_NMODULES (sizeof(busybox_modules) / sizeof(busybox_modules[0]))
/* What busybox's modprobe reads for them, and the names the kernel asks for
 * (net-pf-10: a program opened an IPv6 socket). */
static const char busybox_modules_dep[] =
	"kernel/net/llc/llc.ko:\n"
	"kernel/net/802/stp.ko: kernel/net/llc/llc.ko\n"
	"kernel/net/802/garp.ko: kernel/net/802/stp.ko kernel/net/llc/llc.ko\n"
	"kernel/net/802/mrp.ko:\n"
	"kernel/net/8021q/8021q.ko: kernel/net/802/garp.ko kernel/net/802/stp.ko "
	"kernel/net/802/mrp.ko kernel/net/llc/llc.ko\n"
	"kernel/lib/crc-ccitt.ko:\n"
	"kernel/net/ipv6/ipv6.ko: kernel/lib/crc-ccitt.ko\n";
static const char busybox_modules_alias[] = "alias rtnl-link-vlan 8021q\nalias net-pf-10 ipv6\n";

struct busybox_state {
	char *path;		/* the host's busybox */
	char *data;
	size_t len;
	char *modules;		/* the kernel version of the modules below, or NULL */
	char *mod_data[BUSYBOX_NMODULES];
	size_t mod_len[BUSYBOX_NMODULES];
};

/* The tree being staged, and the debugfs commands that give it to root. */
struct stage {
	char *root;
	char *owner_cmds;
	size_t owner_len, owner_cap;
};

static const struct {
	const char *path;
	mode_t mode;
} busybox_dirs[] = {
	{ "bin", 0755 }, { "sbin", 0755 }, { "usr", 0755 }, { "usr/bin", 0755 },
	{ "usr/sbin", 0755 }, { "etc", 0755 }, { "etc/init.d", 0755 }, { "root", 0700 },
	{ "tmp", 01777 }, { "proc", 0555 }, { "sys", 0555 }, { "dev", 0755 },
	{ "run", 0755 }, { "mnt", 0755 }, { "var", 0755 }, { "usr/lib", 0755 },
	{ "usr/lib/umllab", 0755 },
};

static const char etc_passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char etc_group[] = "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n";
static const char etc_hostname[] = "umllab\n";
static const char etc_hosts[] = "127.0.0.1\tlocalhost\n::1\tlocalhost\n";

/* A program the guest runs must not need the host's shared libraries. */
static int busybox_check_static(const char *path, const char *d, size_t len, char **cause)
{
	Elf64_Ehdr eh;
	if (len < sizeof(eh) || memcmp(d, ELFMAG, SELFMAG) != 0)
		return set_cause(cause, "%s is not an ELF program: install the Debian package "
		    "busybox-static (apt-get install busybox-static)", path);
	memcpy(&eh, d, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return set_cause(cause, "%s is not a 64-bit little-endian program, which UML "
		    "needs: install the Debian package busybox-static", path);
	if (eh.e_phoff > len || eh.e_phnum > (len - eh.e_phoff) / sizeof(Elf64_Phdr))
		return set_cause(cause, "%s is a truncated ELF file: reinstall busybox-static", path);
	for (size_t i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, d + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_INTERP)
			continue;
		const char *interp = "a dynamic loader";
		if (ph.p_offset < len && ph.p_filesz <= len - ph.p_offset && ph.p_filesz > 1 &&
		    memchr(d + ph.p_offset, '\0', ph.p_filesz) != NULL)
			interp = d + ph.p_offset;
		return set_cause(cause, "%s is linked dynamically (it needs %s), but the guest has no "
		    "shared libraries: install the Debian package busybox-static "
		    "(apt-get install busybox-static)", path, interp);
	}
	return 0;
}

static void busybox_free(void *arg)
{
	struct busybox_state *st = arg;
	if (st == NULL)
		return;
	free(st->path);
	free(st->data);
	free(st->modules);
	for (size_t i = 0; i < BUSYBOX_NMODULES; i++)
		free(st->mod_data[i]);
	free(st);
}

/* The 802.1Q and IPv6 modules of the one kernel version the host has them for; none
 * (no error) when it has none, or several versions. */
static void busybox_modules_load(struct busybox_state *st)
{
	char *version = image_uml_modules_version();
	bool found = version != NULL;
	for (size_t i = 0; found && i < BUSYBOX_NMODULES; i++) {
		char *path = xasprintf(IMAGE_UML_MODULES_DIR "/%s/%s", version, busybox_modules[i]);
		char *why = NULL;
		int rc = image_file_read(path, 1u << 22, &st->mod_data[i], &st->mod_len[i], &why);
		free(why);
		free(path);
		if (rc < 0)
			found = false;
	}
	if (!found) {
		for (size_t i = 0; i < BUSYBOX_NMODULES; i++) {
			free(st->mod_data[i]);
			st->mod_data[i] = NULL;
		}
		free(version);
		return;
	}
	st->modules = version;
}

int image_busybox_load(char **path, char **data, size_t *len, char **cause)
{
	*path = NULL;
	*data = NULL;
	/* Debian's busybox-static installs /bin/busybox; look there first. */
	if (access("/bin/busybox", X_OK) == 0)
		*path = xstrdup("/bin/busybox");
	else if ((*path = image_tool_find("busybox", "busybox-static", cause)) == NULL)
		return -1;
	if (image_file_read(*path, BUSYBOX_FILE_MAX, data, len, cause) < 0 ||
	    busybox_check_static(*path, *data, *len, cause) < 0) {
		free(*path);
		free(*data);
		*path = *data = NULL;
		return -1;
	}
	return 0;
}

static void *busybox_inputs(const struct image_request *req, uint64_t *key, char **cause)
{
	(void)req;
	struct busybox_state *st = xcalloc(1, sizeof(*st));
	if (image_busybox_load(&st->path, &st->data, &st->len, cause) < 0)
		goto fail;

	uint64_t h = IMAGE_HASH_INIT;
	h = image_hash_input(h, BUSYBOX_FORMAT, strlen(BUSYBOX_FORMAT));
	h = image_hash_input(h, BUSYBOX_IMAGE_SIZE, strlen(BUSYBOX_IMAGE_SIZE));
	h = image_hash_input(h, st->data, st->len);
	h = image_hash_input(h, guest_inittab_start, GUEST_FILE_SIZE(guest_inittab));
	h = image_hash_input(h, guest_agent_start, GUEST_FILE_SIZE(guest_agent));
	busybox_modules_load(st);
	if (st->modules != NULL) {
		h = image_hash_input(h, st->modules, strlen(st->modules));
		for (size_t i = 0; i < BUSYBOX_NMODULES; i++)
			h = image_hash_input(h, st->mod_data[i], st->mod_len[i]);
	}
	*key = h;
	return st;

fail:
	busybox_free(st);
	return NULL;
}

static void stage_owned(struct stage *sg, const char *rel)
{
	char *cmd = xasprintf("sif /%s uid 0\nsif /%s gid 0\n", rel, rel);
	size_t n = strlen(cmd);
	if (sg->owner_len + n + 1 > sg->owner_cap) {
		sg->owner_cap = (sg->owner_len + n + 1) * 2;
		sg->owner_cmds = xrealloc(sg->owner_cmds, sg->owner_cap);
	}
	memcpy(sg->owner_cmds + sg->owner_len, cmd, n + 1);
	sg->owner_len += n;
	free(cmd);
}

static int stage_dir(struct stage *sg, const char *rel, mode_t mode, char **cause)
{
	char *path = xasprintf("%s/%s", sg->root, rel);
	int rc = image_mkdir_p(path, mode, cause);
	free(path);
	if (rc == 0)
		stage_owned(sg, rel);
	return rc;
}

static int stage_file(struct stage *sg, const char *rel, const void *data, size_t len,
    mode_t mode, char **cause)
{
	char *path = xasprintf("%s/%s", sg->root, rel);
	int rc = image_file_write(path, data, len, mode, cause);
	free(path);
	if (rc == 0)
		stage_owned(sg, rel);
	return rc;
}

/* A symbolic link; one that is already there (a duplicate applet) is fine. */
static int stage_link(struct stage *sg, const char *rel, const char *target, char **cause)
{
	char *path = xasprintf("%s/%s", sg->root, rel);
	int rc = 0;
	if (symlink(target, path) == 0)
		stage_owned(sg, rel);
	else if (errno != EEXIST)
		rc = set_cause(cause, "cannot create symbolic link %s: %s", path, strerror(errno));
	free(path);
	return rc;
}

/* An applet path from `busybox --list-full`: relative, tame characters, no "..". */
static int applet_path_ok(const char *p)
{
	if (*p == '\0' || *p == '/' || strstr(p, "..") != NULL)
		return 0;
	for (; *p != '\0'; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-[]/",
		    *p) == NULL)
			return 0;
	return 1;
}

/* Link every applet to /bin/busybox, except bin/busybox itself (that would
 * make the binary a link to itself: init then fails with ELOOP). */
static int stage_applets(struct stage *sg, const struct busybox_state *st, char **cause)
{
	char *argv[] = { st->path, "--list-full", NULL };
	char *list;
	if (image_run(argv, &list, cause) < 0)
		return -1;
	int n = 0, rc = 0;
	char *save = NULL;
	for (char *line = strtok_r(list, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (!applet_path_ok(line) || strcmp(line, "bin/busybox") == 0)
			continue;
		char *slash = strrchr(line, '/');
		if (slash != NULL) {
			*slash = '\0';
			char *parent = xasprintf("%s/%s", sg->root, line);
			struct stat sb;
			if (lstat(parent, &sb) < 0)
				rc = stage_dir(sg, line, 0755, cause);
			free(parent);
			*slash = '/';
			if (rc < 0)
				break;
		}
		if ((rc = stage_link(sg, line, "/bin/busybox", cause)) < 0)
			break;
		n++;
	}
	free(list);
	if (rc == 0 && n == 0)
		rc = set_cause(cause, "%s --list-full listed no applets: is it a full busybox?", st->path);
	return rc;
}

/* lib/modules/VERSION/ with the 802.1Q and IPv6 modules, their modules.dep and alias. */
static int stage_modules(struct stage *sg, const struct busybox_state *st, char **cause)
{
	if (st->modules == NULL)
		return 0;
	char *base = xasprintf("lib/modules/%s", st->modules);
	const char *dirs[] = { "lib", "lib/modules", base };
	int rc = 0;
	for (size_t i = 0; i < 3 && rc == 0; i++)
		rc = stage_dir(sg, dirs[i], 0755, cause);
	for (size_t i = 0; i < BUSYBOX_NMODULES && rc == 0; i++) {
		/* Each module's directories, then the module. */
		char *rel = xasprintf("%s/%s", base, busybox_modules[i]);
		for (char *slash = strchr(rel + strlen(base) + 1, '/'); slash != NULL && rc == 0;
		    slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			char *full = xasprintf("%s/%s", sg->root, rel);
			struct stat sb;
			if (lstat(full, &sb) < 0)
				rc = stage_dir(sg, rel, 0755, cause);
			free(full);
			*slash = '/';
		}
		if (rc == 0)
			rc = stage_file(sg, rel, st->mod_data[i], st->mod_len[i], 0644, cause);
		free(rel);
	}
	char *dep = xasprintf("%s/modules.dep", base), *alias = xasprintf("%s/modules.alias", base);
	if (rc == 0)
		rc = stage_file(sg, dep, busybox_modules_dep, strlen(busybox_modules_dep), 0644, cause);
	if (rc == 0)
		rc = stage_file(sg, alias, busybox_modules_alias, strlen(busybox_modules_alias), 0644,
		    cause);
	free(dep);
	free(alias);
	free(base);
	return rc;
}

static int stage_tree(struct stage *sg, const struct busybox_state *st, char **cause)
{
	for (size_t i = 0; i < sizeof(busybox_dirs) / sizeof(busybox_dirs[0]); i++)
		if (stage_dir(sg, busybox_dirs[i].path, busybox_dirs[i].mode, cause) < 0)
			return -1;
	if (stage_file(sg, "bin/busybox", st->data, st->len, 0755, cause) < 0 ||
	    stage_file(sg, "sbin/umllab-agent", guest_agent_start, GUEST_FILE_SIZE(guest_agent),
		0755, cause) < 0 ||
	    stage_file(sg, "etc/inittab", guest_inittab_start, GUEST_FILE_SIZE(guest_inittab),
		0644, cause) < 0 ||
	    stage_file(sg, "etc/passwd", etc_passwd, strlen(etc_passwd), 0644, cause) < 0 ||
	    stage_file(sg, "etc/group", etc_group, strlen(etc_group), 0644, cause) < 0 ||
	    stage_file(sg, "etc/hostname", etc_hostname, strlen(etc_hostname), 0644, cause) < 0 ||
	    stage_file(sg, "etc/hosts", etc_hosts, strlen(etc_hosts), 0644, cause) < 0 ||
	    stage_link(sg, "var/run", "/run", cause) < 0 ||
	    stage_applets(sg, st, cause) < 0 || stage_modules(sg, st, cause) < 0)
		return -1;
	/* busybox lists sbin/init among its applets; make sure of it anyway. */
	char *init = xasprintf("%s/sbin/init", sg->root);
	struct stat sb;
	int have_init = lstat(init, &sb) == 0;
	free(init);
	if (!have_init && stage_link(sg, "sbin/init", "/bin/busybox", cause) < 0)
		return -1;
	/* Where the kernel's init= points in every umllab image. */
	if (stage_link(sg, "usr/lib/umllab/init", "/bin/busybox", cause) < 0)
		return -1;
	stage_owned(sg, "");	/* the root directory */
	return 0;
}

static int busybox_build(void *arg, const char *cache_dir, const char *image_path,
    const char *work_dir, char **cause)
{
	(void)cache_dir;
	const struct busybox_state *st = arg;
	struct stage sg = { .root = xasprintf("%s/root", work_dir) };
	char *owner_file = xasprintf("%s/owners.debugfs", work_dir);
	char *mkfs = NULL, *debugfs = NULL;
	int rc = -1;

	/* Find the tools first: a missing one should cost no staging. */
	if ((mkfs = image_tool_find("mkfs.ext4", "e2fsprogs", cause)) == NULL ||
	    (debugfs = image_tool_find("debugfs", "e2fsprogs", cause)) == NULL)
		goto out;
	if (image_mkdir_p(sg.root, 0755, cause) < 0 || stage_tree(&sg, st, cause) < 0)
		goto out;

	char *mkfs_argv[] = { mkfs, "-q", "-F", "-L", "umllab", "-m", "0", "-d", sg.root,
		(char *)image_path, BUSYBOX_IMAGE_SIZE, NULL };
	if (image_run(mkfs_argv, NULL, cause) < 0)
		goto out;
	if (image_file_write(owner_file, sg.owner_cmds, sg.owner_len, 0600, cause) < 0)
		goto out;
	char *debugfs_argv[] = { debugfs, "-w", "-f", owner_file, (char *)image_path, NULL };
	if (image_run(debugfs_argv, NULL, cause) < 0)
		goto out;
	rc = 0;
out:
	free(mkfs);
	free(debugfs);
	free(owner_file);
	free(sg.owner_cmds);
	free(sg.root);
	return rc;
}

static char *busybox_info(void *arg)
{
	const struct busybox_state *st = arg;
	return xasprintf("busybox from %s", st->path);
}

const struct image_kind image_kind_busybox = {
	.name = "busybox",
	.inputs = busybox_inputs,
	.build = busybox_build,
	.free = busybox_free,
	.info = busybox_info,
};
