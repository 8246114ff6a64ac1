/* core/confine/confine.c: Landlock rules for one UML kernel, derived from its own command line, then exec. */
#include "core/confine/confine.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/base/util.h"
#include "image/image.h"

/* Rights newer than the kernel headers of Debian 12 (ABI 2). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

#define R_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define R_EXEC (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE)
#define R_FILE_RW (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_TRUNCATE)
/* A directory the kernel or the guest may change: everything but running
 * programs and making devices. */
#define R_DIR_RW (R_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER)
/* The rights that apply to a file (the others are about directories). */
#define R_FILE_ONLY (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define MAX_RULES 64
#define ELF_MAX (256u << 20)

struct rule {
	char *path;
	uint64_t rights;
	bool optional;		/* skipped when missing */
};

struct rules {
	struct rule v[MAX_RULES];
	size_t n;
};

static int rules_add(struct rules *r, const char *path, uint64_t rights, bool optional, char **cause)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].path, path) == 0) {
			r->v[i].rights |= rights;
			return 0;
		}
	if (r->n == MAX_RULES)
		return set_cause(cause, "too many files for the kernel's confinement (at most %d)", MAX_RULES);
	r->v[r->n++] = (struct rule){ .path = xstrdup(path), .rights = rights, .optional = optional };
	return 0;
}

static void rules_free(struct rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].path);
	r->n = 0;
}

int confine_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

/* ---- the kernel's program and its libraries ---- */

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
};

/* A virtual address of a mapped ELF file to its offset, through its PT_LOAD headers. */
static bool elf_offset(const unsigned char *d, size_t len, const Elf64_Ehdr *eh, uint64_t vaddr,
    uint64_t *off)
{
	for (size_t i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, d + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz) {
			*off = ph.p_offset + (vaddr - ph.p_vaddr);
			return *off < len;
		}
	}
	return false;
}

static int add_program(struct rules *r, const char *path, int depth, char **cause);

/* A library by its DT_NEEDED name: the first one found in the usual places. */
static int add_library(struct rules *r, const char *name, int depth, char **cause)
{
	if (strchr(name, '/') != NULL)
		return add_program(r, name, depth, cause);
	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++) {
		char *p = xasprintf("%s/%s", lib_dirs[i], name);
		if (access(p, R_OK) == 0) {
			int rc = add_program(r, p, depth, cause);
			free(p);
			return rc;
		}
		free(p);
	}
	return 0;	/* the loader will say what is missing */
}

/* The program itself, its interpreter and its libraries, read and executed. A
 * script gets the system's programs: it is a stand-in (tests), not a kernel. */
static int add_program(struct rules *r, const char *path, int depth, char **cause)
{
	char *real = realpath(path, NULL);
	if (real == NULL)
		return set_cause(cause, "cannot find %s: %s", path, strerror(errno));
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].path, real) == 0 && (r->v[i].rights & LANDLOCK_ACCESS_FS_EXECUTE)) {
			free(real);
			return 0;	/* done already */
		}
	int rc = rules_add(r, real, R_EXEC, false, cause);
	int fd = rc == 0 ? open(real, O_RDONLY | O_CLOEXEC) : -1;
	struct stat st;
	if (rc < 0 || fd < 0 || fstat(fd, &st) < 0 || st.st_size < 4 || (uint64_t)st.st_size > ELF_MAX) {
		if (fd >= 0)
			close(fd);
		free(real);
		return rc;
	}
	size_t len = (size_t)st.st_size;
	unsigned char *d = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (d == MAP_FAILED) {
		free(real);
		return 0;
	}
	Elf64_Ehdr eh;
	if (d[0] == '#' && d[1] == '!') {
		static const char *const sys[] = { "/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc" };
		for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]) && rc == 0; i++)
			rc = rules_add(r, sys[i], R_EXEC | LANDLOCK_ACCESS_FS_READ_DIR, true, cause);
	} else if (len >= sizeof(eh) && memcmp(d, ELFMAG, SELFMAG) == 0 && depth < 4) {
		memcpy(&eh, d, sizeof(eh));
		if (eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr) &&
		    eh.e_phoff <= len && eh.e_phnum <= (len - eh.e_phoff) / sizeof(Elf64_Phdr)) {
			Elf64_Phdr dyn = { 0 };
			for (size_t i = 0; i < eh.e_phnum && rc == 0; i++) {
				Elf64_Phdr ph;
				memcpy(&ph, d + eh.e_phoff + i * sizeof(ph), sizeof(ph));
				if (ph.p_type == PT_DYNAMIC)
					dyn = ph;
				if (ph.p_type == PT_INTERP && ph.p_offset < len && ph.p_filesz < len - ph.p_offset &&
				    ph.p_filesz > 1 && memchr(d + ph.p_offset, '\0', ph.p_filesz) != NULL)
					rc = add_program(r, (const char *)d + ph.p_offset, depth + 1, cause);
			}
			/* DT_NEEDED names are offsets into the string table (DT_STRTAB). */
			uint64_t strtab = 0;
			size_t ndyn = dyn.p_offset < len && dyn.p_filesz <= len - dyn.p_offset ?
			    dyn.p_filesz / sizeof(Elf64_Dyn) : 0;
			for (size_t i = 0; i < ndyn; i++) {
				Elf64_Dyn de;
				memcpy(&de, d + dyn.p_offset + i * sizeof(de), sizeof(de));
				if (de.d_tag == DT_STRTAB)
					strtab = de.d_un.d_ptr;
			}
			uint64_t str_off;
			if (strtab != 0 && elf_offset(d, len, &eh, strtab, &str_off)) {
				for (size_t i = 0; i < ndyn && rc == 0; i++) {
					Elf64_Dyn de;
					memcpy(&de, d + dyn.p_offset + i * sizeof(de), sizeof(de));
					if (de.d_tag != DT_NEEDED || de.d_un.d_val >= len - str_off)
						continue;
					const char *name = (const char *)d + str_off + de.d_un.d_val;
					if (memchr(name, '\0', len - str_off - de.d_un.d_val) != NULL)
						rc = add_library(r, name, depth + 1, cause);
				}
			}
		}
	}
	munmap(d, len);
	free(real);
	return rc;
}

/* ---- the kernel's parameters ---- */

/* ubdN[flags]=FILE[,BACKING]: the disk files, made or checked first. */
static int add_ubd(struct rules *r, const char *arg, char **cause)
{
	const char *p = arg + 3;
	while (*p >= '0' && *p <= '9')
		p++;
	bool readonly = false;
	for (; *p != '=' && *p != '\0'; p++)
		if (*p == 'r')
			readonly = true;
	if (*p != '=')
		return 0;
	char *files = xstrdup(p + 1);
	char *backing = strchr(files, ',');
	if (backing == NULL)
		backing = strchr(files, ':');
	int rc = 0;
	if (backing != NULL) {
		*backing++ = '\0';
		char *why = NULL;
		int check = image_cow_check(files, backing, &why);
		if (check == 0 && !readonly)
			check = image_cow_create(files, backing, &why) == 0 ? 1 : -1;
		if (check < 0)
			rc = set_cause(cause, "%s", why);
		free(why);
		if (rc == 0)
			rc = rules_add(r, backing, LANDLOCK_ACCESS_FS_READ_FILE, false, cause);
	}
	if (rc == 0)
		rc = rules_add(r, files, readonly ? LANDLOCK_ACCESS_FS_READ_FILE : R_FILE_RW, false, cause);
	free(files);
	return rc;
}

static bool on_tmpfs(const char *path)
{
	struct statfs fs;
	return statfs(path, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

/* Where UML keeps the guest's memory (its TMPDIR): uml_dir when that is on
 * tmpfs, else a private directory in /dev/shm. In a file on a disk the
 * guest's memory is page cache, and the host writes it back: 20 idle guests
 * wrote 274 MB to disk in their first 40 s. The file has no name (UML opens
 * it O_TMPFILE), so nothing is left there when the kernel ends. */
static char *memory_dir(const char *uml_dir)
{
	if (on_tmpfs(uml_dir) || !on_tmpfs("/dev/shm"))
		return xstrdup(uml_dir);
	/* Anyone can make /dev/shm/umllab-OURUID first: use it only if it is ours. */
	char *dir = xasprintf("/dev/shm/umllab-%u", (unsigned)getuid());
	struct stat st;
	if ((mkdir(dir, 0700) == 0 || errno == EEXIST) && lstat(dir, &st) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_uid == getuid() && (st.st_mode & 0077) == 0)
		return dir;
	free(dir);
	return xstrdup(uml_dir);
}

static int rules_from_argv(struct rules *r, char **argv, unsigned flags, char **tmpdir,
    char **cause)
{
	if (add_program(r, argv[0], 0, cause) < 0)
		return -1;
	/* Harmless, and what a program expects to find. */
	if (rules_add(r, "/dev/null", LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE,
	    true, cause) < 0 ||
	    rules_add(r, "/dev/urandom", LANDLOCK_ACCESS_FS_READ_FILE, true, cause) < 0 ||
	    rules_add(r, "/etc/ld.so.cache", LANDLOCK_ACCESS_FS_READ_FILE, true, cause) < 0)
		return -1;
	/* The harddog driver runs uml_watchdog when a guest opens /dev/watchdog. */
	if (access("/usr/bin/uml_watchdog", X_OK) == 0 && add_program(r, "/usr/bin/uml_watchdog", 0, cause) < 0)
		return -1;
	for (char **a = argv + 1; *a != NULL; a++) {
		const char *arg = *a;
		if (strncmp(arg, "ubd", 3) == 0 && arg[3] >= '0' && arg[3] <= '9') {
			if (add_ubd(r, arg, cause) < 0)
				return -1;
		} else if (strncmp(arg, "uml_dir=", 8) == 0 && arg[8] != '\0') {
			/* UML makes and removes uml_dir/UMID itself: it needs the directory. */
			const char *dir = arg + 8;
			if (mkdir(dir, 0700) < 0 && errno != EEXIST)
				return set_cause(cause, "cannot create %s: %s", dir, strerror(errno));
			if (rules_add(r, dir, R_DIR_RW, false, cause) < 0)
				return -1;
			free(*tmpdir);
			*tmpdir = memory_dir(dir);
			if (strcmp(*tmpdir, dir) != 0 && rules_add(r, *tmpdir, R_DIR_RW, false, cause) < 0)
				return -1;
		} else if (strncmp(arg, "hostfs=", 7) == 0 && arg[7] != '\0') {
			struct stat st;
			if (stat(arg + 7, &st) < 0 || !S_ISDIR(st.st_mode))
				return set_cause(cause, "the shared directory %s is missing (hostfs=)", arg + 7);
			uint64_t rights = R_DIR_RW;
			if (flags & CONFINE_SHARE_RO)
				rights = R_READ;
			else if (!(flags & CONFINE_SHARE_SYMLINKS))
				rights &= ~(uint64_t)LANDLOCK_ACCESS_FS_MAKE_SYM;
			if (rules_add(r, arg + 7, rights, false, cause) < 0)
				return -1;
		} else if (strncmp(arg, "initrd=", 7) == 0) {
			if (rules_add(r, arg + 7, LANDLOCK_ACCESS_FS_READ_FILE, false, cause) < 0)
				return -1;
		}
	}
	return 0;
}

static int landlock_apply(const struct rules *r, int abi, char **cause)
{
	uint64_t handled = (1ULL << 13) - 1;	/* ABI 1: execute .. make_sym */
	if (abi >= 2)
		handled |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		handled |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		handled |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	struct landlock_ruleset_attr attr = { .handled_access_fs = handled };
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return set_cause(cause, "cannot create a Landlock ruleset: %s", strerror(errno));
	int rc = -1;
	for (size_t i = 0; i < r->n; i++) {
		int fd = open(r->v[i].path, O_PATH | O_CLOEXEC);
		if (fd < 0) {
			if (r->v[i].optional && errno == ENOENT)
				continue;
			set_cause(cause, "cannot open %s for the kernel's confinement: %s", r->v[i].path,
			    strerror(errno));
			goto out;
		}
		struct stat st;
		uint64_t rights = r->v[i].rights & handled;
		if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
			rights &= R_FILE_ONLY;
		struct landlock_path_beneath_attr pb = { .allowed_access = rights, .parent_fd = fd };
		long added = syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
		int e = errno;
		close(fd);
		if (added < 0) {
			set_cause(cause, "cannot allow %s to the kernel (Landlock): %s", r->v[i].path, strerror(e));
			goto out;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) < 0) {
		set_cause(cause, "cannot confine the kernel (Landlock): %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(rs);
	return rc;
}

int confine_exec(char **argv, unsigned flags, char **cause)
{
	if (argv == NULL || argv[0] == NULL)
		return set_cause(cause, "no kernel to run");
	struct rules r = { .n = 0 };
	char *tmpdir = NULL;
	int rc = -1;
	if (rules_from_argv(&r, argv, flags, &tmpdir, cause) < 0)
		goto out;
	int abi = confine_abi();
	const char *unconfined = getenv("UMLLAB_UNCONFINED");
	if (abi < 1 && (unconfined == NULL || strcmp(unconfined, "1") != 0)) {
		set_cause(cause, "this host's kernel has no Landlock (Linux 5.13 or later with "
		    "landlock in its lsm= list), which umllab needs to keep guests from reading your "
		    "files through hostfs: hostfs=DIR alone lets a guest mount DIR/.. and above. "
		    "Set UMLLAB_UNCONFINED=1 to run guests anyway, unconfined");
		goto out;
	}
	if (abi < 1) {
		static const char msg[] = "umllab: WARNING: no Landlock here; this guest can read and "
		    "write your files through hostfs (UMLLAB_UNCONFINED=1)\n";
		(void)!write(2, msg, sizeof(msg) - 1);
	} else if (landlock_apply(&r, abi, cause) < 0) {
		goto out;
	}
	/* UML puts its memory file in TMPDIR: the one directory it may write. */
	if (tmpdir != NULL)
		setenv("TMPDIR", tmpdir, 1);
	/* With the host's address-space randomization, UML adds the distance
	 * between its image and the randomized heap to the guest's physical
	 * memory (the "exec-shield gap": 0.4 to 0.85 GB seen for mem=64M), and
	 * the boot then initializes page structures and sizes tables for all of
	 * it: 2 to 15 MB more host memory per guest, and slower boots where
	 * fresh host memory is slow. The guest randomizes its own processes. */
	int persona = personality(0xffffffff);
	if (persona != -1)
		(void)personality((unsigned long)persona | ADDR_NO_RANDOMIZE);
	execv(argv[0], argv);
	set_cause(cause, "cannot execute %s: %s", argv[0], strerror(errno));
out:
	rules_free(&r);
	free(tmpdir);
	return rc;
}
