/* image/debian.c: Debian guest images, built as an ordinary user with mmdebstrap, then umllab's guest layer.
 *
 * mmdebstrap writes a root-filesystem tarball (minbase: apt, dpkg and the
 * essential packages, plus the lab's list); rootfs.c makes an ext2 image of
 * it with genext2fs and adds the layer. No root and no loop device: in
 * unshare mode mmdebstrap maps root to the user with a user namespace, which
 * needs a range of subordinate ids (/etc/subuid, /etc/subgid) and newuidmap;
 * without them, fakechroot mode works if fakechroot and fakeroot are there. */
#include "image/image_int.h"

#include "core/base/util.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump when the build changes, so that cached Debian images are rebuilt. */
#define DEBIAN_FORMAT "umllab debian image 2"
#define DEBIAN_VARIANT "minbase"
/* Debian's UML kernel has no nf_tables for IPv4 or IPv6 (NF_TABLES_IPV4 and
 * NF_TABLES_INET are unset), so the default iptables-nft fails ("Operation
 * not supported"); the legacy iptables works through its modules. Choose it
 * for every such tool the image has. */
#define DEBIAN_LEGACY_HOOK "--customize-hook=chroot \"$1\" sh -c 'for t in iptables " \
	"ip6tables arptables ebtables; do [ -x /usr/sbin/$t-legacy ] && update-alternatives " \
	"--quiet --set $t /usr/sbin/$t-legacy; done; true'"

struct debian_state {
	const struct image_request *req;
	struct image_layer *layer;
	char **packages;	/* sorted, without duplicates */
	size_t n_packages;
	uint64_t tar_key;	/* what mmdebstrap is given, without the layer: its kept output */
};

static void debian_free(void *arg)
{
	struct debian_state *st = arg;
	if (st == NULL)
		return;
	image_layer_free(st->layer);
	for (size_t i = 0; i < st->n_packages; i++)
		free(st->packages[i]);
	free(st->packages);
	free(st);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void *debian_inputs(const struct image_request *req, uint64_t *key, char **cause)
{
	if (req->release == NULL || req->release[0] == '\0') {
		set_cause(cause, "a Debian image needs a release, such as bookworm");
		return NULL;
	}
	struct debian_state *st = xcalloc(1, sizeof(*st));
	st->req = req;
	uint64_t layer_key;
	if ((st->layer = image_layer_load(&layer_key, cause)) == NULL) {
		debian_free(st);
		return NULL;
	}
	/* The order of the list does not change the image: sort it for the key. */
	st->packages = xcalloc(req->n_packages + 1, sizeof(char *));
	for (size_t i = 0; i < req->n_packages; i++)
		st->packages[i] = xstrdup(req->packages[i]);
	if (req->n_packages > 1)
		qsort(st->packages, req->n_packages, sizeof(char *), str_cmp);
	for (size_t i = 0; i < req->n_packages; i++) {
		if (st->n_packages > 0 && strcmp(st->packages[st->n_packages - 1], st->packages[i]) == 0) {
			free(st->packages[i]);
			continue;
		}
		st->packages[st->n_packages++] = st->packages[i];
	}
	uint64_t h = IMAGE_HASH_INIT;
	h = image_hash_input(h, DEBIAN_FORMAT, strlen(DEBIAN_FORMAT));
	h = image_hash_input(h, req->release, strlen(req->release));
	h = image_hash_input(h, DEBIAN_VARIANT, strlen(DEBIAN_VARIANT));
	for (size_t i = 0; i < st->n_packages; i++)
		h = image_hash_input(h, st->packages[i], strlen(st->packages[i]));
	const char *mirror = req->mirror != NULL ? req->mirror : "";
	h = image_hash_input(h, mirror, strlen(mirror));
	st->tar_key = h;
	h = image_hash_input(h, &layer_key, sizeof(layer_key));
	*key = h;
	return st;
}

static char *debian_info(void *arg)
{
	const struct debian_state *st = arg;
	char *text = xasprintf("debian %s (%s)", st->req->release, DEBIAN_VARIANT);
	for (size_t i = 0; i < st->n_packages; i++) {
		char *next = xasprintf("%s%s%s", text, i == 0 ? " + " : " ", st->packages[i]);
		free(text);
		text = next;
	}
	if (st->req->mirror != NULL) {
		char *next = xasprintf("%s from %s", text, st->req->mirror);
		free(text);
		text = next;
	}
	return text;
}

/* True when /etc/subuid (or subgid) gives this user a range. */
static bool debian_has_subids(const char *file, const char *user, uid_t uid)
{
	FILE *f = fopen(file, "re");
	if (f == NULL)
		return false;
	char line[512], num[32];
	snprintf(num, sizeof(num), "%u", (unsigned)uid);
	bool found = false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		unsigned long start, count;
		if ((strcmp(line, user) == 0 || strcmp(line, num) == 0) &&
		    sscanf(colon + 1, "%lu:%lu", &start, &count) == 2 && count >= 65536)
			found = true;
	}
	fclose(f);
	return found;
}

/* mmdebstrap's mode for this user, or NULL with *cause saying what to install or set up. */
static const char *debian_mode(char **cause)
{
	if (geteuid() == 0)
		return "root";
	uid_t uid = getuid();
	struct passwd *pw = getpwuid(uid);
	char num[32];
	snprintf(num, sizeof(num), "%u", (unsigned)uid);
	const char *user = pw != NULL ? pw->pw_name : num;
	char *why = NULL;
	char *newuidmap = image_tool_find("newuidmap", "uidmap", &why);
	bool ranges = debian_has_subids("/etc/subuid", user, uid) &&
	    debian_has_subids("/etc/subgid", user, uid);
	free(why);
	if (newuidmap != NULL && ranges) {
		free(newuidmap);
		return "unshare";
	}
	char *fakechroot = image_tool_find("fakechroot", "fakechroot", NULL);
	char *fakeroot = image_tool_find("fakeroot", "fakeroot", NULL);
	bool fake = fakechroot != NULL && fakeroot != NULL;
	free(fakechroot);
	free(fakeroot);
	if (fake) {
		free(newuidmap);
		return "fakechroot";
	}
	if (newuidmap == NULL)
		set_cause(cause, "building a Debian image as an ordinary user needs mmdebstrap's unshare "
		    "mode: install the Debian package uidmap (apt-get install uidmap), and give %s a "
		    "range of subordinate ids (as root: usermod --add-subuids 100000-165535 "
		    "--add-subgids 100000-165535 %s); or install fakechroot and fakeroot", user, user);
	else
		set_cause(cause, "building a Debian image as an ordinary user needs mmdebstrap's unshare "
		    "mode, and %s has no range of subordinate ids in /etc/subuid and /etc/subgid: as "
		    "root, run usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s "
		    "(or install fakechroot and fakeroot)", user, user);
	free(newuidmap);
	return NULL;
}

/* mmdebstrap's "I: ..." lines are its progress; show them as ours. */
static void debian_line(void *arg, const char *text)
{
	const struct debian_state *st = arg;
	if (strncmp(text, "I: ", 3) == 0)
		image_progress(st->req, "mmdebstrap: %s", text + 3);
}

static int debian_build(void *arg, const char *cache_dir, const char *image_path,
    const char *work_dir, char **cause)
{
	struct debian_state *st = arg;
	const struct image_request *req = st->req;
	char *mmdebstrap = NULL, *genext2fs = NULL, *include = NULL, *mode_opt = NULL;
	char *tar = xasprintf("%s/rootfs.tar", work_dir);
	/* mmdebstrap's output is kept: a new guest layer (a new umllab) rebuilds the image
	 * from it, without the network, as downloads are kept (image/import.c). */
	char *kept_dir = xasprintf("%s/downloads", cache_dir);
	char *kept = xasprintf("%s/" IMAGE_DEBIAN_TAR_PREFIX "%016llx.tar", kept_dir,
	    (unsigned long long)st->tar_key);
	int rc = -1;
	struct stat sb;
	if (stat(kept, &sb) == 0) {
		image_progress(req, "using Debian %s's root file system kept in %s", req->release, kept);
		if ((genext2fs = image_tool_find("genext2fs", "genext2fs", cause)) != NULL)
			rc = image_rootfs_build(req, st->layer, kept, "the Debian root file system",
			    image_path, work_dir, cause);
		goto out;
	}

	/* Every tool and setting first: a missing one should cost no download. */
	const char *mode;
	if ((mmdebstrap = image_tool_find("mmdebstrap", "mmdebstrap", cause)) == NULL ||
	    (genext2fs = image_tool_find("genext2fs", "genext2fs", cause)) == NULL ||
	    (mode = debian_mode(cause)) == NULL)
		goto out;
	mode_opt = xasprintf("--mode=%s", mode);
	char *argv[16];
	size_t n = 0;
	argv[n++] = mmdebstrap;
	argv[n++] = mode_opt;
	argv[n++] = "--variant=" DEBIAN_VARIANT;
	argv[n++] = "--format=tar";
	argv[n++] = DEBIAN_LEGACY_HOOK;
	if (st->n_packages > 0) {
		include = xstrdup("--include=");
		for (size_t i = 0; i < st->n_packages; i++) {
			char *next = xasprintf("%s%s%s", include, i ? "," : "", st->packages[i]);
			free(include);
			include = next;
		}
		argv[n++] = include;
	}
	argv[n++] = (char *)req->release;
	argv[n++] = tar;
	if (req->mirror != NULL)
		argv[n++] = (char *)req->mirror;
	argv[n] = NULL;
	image_progress(req, "running mmdebstrap (%s mode) for Debian %s: this fetches packages from "
	    "%s and takes a minute", mode, req->release,
	    req->mirror != NULL ? req->mirror : "the Debian archive");
	char *why = NULL;
	if (image_run_lines(argv, NULL, NULL, debian_line, st, &why) < 0) {
		set_cause(cause, "mmdebstrap could not build Debian %s: %s", req->release, why);
		free(why);
		goto out;
	}
	const char *from = tar;
	if (image_mkdir_p(kept_dir, 0700, NULL) == 0 && rename(tar, kept) == 0)
		from = kept;
	rc = image_rootfs_build(req, st->layer, from, "the Debian root file system", image_path,
	    work_dir, cause);
out:
	unlink(tar);
	free(tar);
	free(kept);
	free(kept_dir);
	free(include);
	free(mode_opt);
	free(genext2fs);
	free(mmdebstrap);
	return rc;
}

const struct image_kind image_kind_debian = {
	.name = "debian",
	.inputs = debian_inputs,
	.build = debian_build,
	.free = debian_free,
	.info = debian_info,
};
