/* cmd/image.c: `umllab image ls|build|rm`: the image cache, and the terminal's view of builds and downloads. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/storage/labimage.h"
#include "core/base/state.h"
#include "core/lab/topology.h"
#include "core/base/util.h"
#include "image/image.h"

/* ---- progress on the terminal (also used by `up`) ---- */

static bool meter_open;		/* a meter line is on the screen, without its newline */
static uint64_t meter_last_ms;
static int meter_last_quarter = -1;

static void meter_close(void)
{
	if (meter_open) {
		fputc('\n', stdout);
		meter_open = false;
	}
}

void cmd_image_progress(void *arg, const char *msg)
{
	(void)arg;
	meter_close();
	printf("  %s\n", msg);
	fflush(stdout);
}

void cmd_image_meter(void *arg, const char *what, uint64_t done, uint64_t total)
{
	(void)arg;
	(void)what;
	uint64_t now = clock_ms();
	bool finished = total > 0 && done >= total;
	if (isatty(1)) {
		/* One line, redrawn at most ten times a second. */
		if (!finished && now - meter_last_ms < 100)
			return;
		meter_last_ms = now;
		if (total > 0)
			printf("\r  %5.1f%%  %.1f of %.1f MiB   ", 100.0 * (double)done / (double)total,
			    (double)done / (1 << 20), (double)total / (1 << 20));
		else
			printf("\r  %.1f MiB   ", (double)done / (1 << 20));
		meter_open = true;
		if (finished)
			meter_close();
		fflush(stdout);
		return;
	}
	/* Not a terminal: a line at each quarter. */
	int quarter = total > 0 ? (int)(4 * done / total) : -1;
	if (quarter == meter_last_quarter || total == 0)
		return;
	meter_last_quarter = quarter;
	printf("  downloaded %.1f of %.1f MiB (%d%%)\n", (double)done / (1 << 20),
	    (double)total / (1 << 20), quarter * 25);
	fflush(stdout);
}

/* ---- ls ---- */

static int image_ls(const char *cache)
{
	struct image_entry *v;
	size_t n;
	char *cause = NULL;
	if (image_list(cache, &v, &n, &cause) < 0)
		return cmd_fail(cause, EXIT_FAIL);
	if (n == 0) {
		printf("the image cache %s is empty\n", cache);
		return EXIT_OK;
	}
	printf("%-9s %9s %9s  %-16s  %s\n", "KIND", "SIZE", "ON DISK", "MADE", "FILE");
	uint64_t disk = 0;
	for (size_t i = 0; i < n; i++) {
		char when[32];
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime_r(&v[i].mtime, &tm));
		const char *base = strrchr(v[i].path, '/') + 1;
		printf("%-9s %8.1fM %8.1fM  %-16s  %s%s\n", v[i].kind, (double)v[i].size / (1 << 20),
		    (double)v[i].disk / (1 << 20), when, strcmp(v[i].kind, "download") == 0 ||
		    strcmp(v[i].kind, "partial") == 0 ? "downloads/" : "", base);
		if (v[i].info[0] != '\0')
			printf("%-9s %9s %9s  %-16s    %s\n", "", "", "", "", v[i].info);
		disk += v[i].disk;
	}
	printf("%zu file%s, %.1f MiB on disk, in %s\n", n, n == 1 ? "" : "s", (double)disk / (1 << 20),
	    cache);
	image_list_free(v, n);
	return EXIT_OK;
}

/* ---- build ---- */

static int image_build(const char *file)
{
	struct lab_diag diag = { 0 };
	struct lab *lab = lab_load(file, &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	lab_diag_free(&diag);
	if (lab == NULL)
		return EXIT_FAIL;
	struct lab_images_opts opts = { .all = true, .progress = cmd_image_progress,
	    .meter = cmd_image_meter };
	char *cause = NULL;
	int rc = lab_images_prepare(lab, &opts, &cause);
	meter_close();
	if (rc < 0) {
		lab_free(lab);
		return cmd_fail(cause, EXIT_FAIL);
	}
	for (size_t i = 0; i < lab->n_images; i++) {
		if (lab->images[i].backing == NULL)
			continue;
		char *d = image_describe(lab->images[i].backing);
		printf("%s: %s\n", lab->images[i].name, d);
		free(d);
	}
	lab_free(lab);
	return EXIT_OK;
}

/* ---- rm ---- */

/* Add to users the labs under root whose disks are made over path. */
static char *image_users_in(const char *root, const char *path, char *users)
{
	if (root == NULL)
		return users;
	DIR *d = opendir(root);
	struct dirent *lab;
	while (d != NULL && (lab = readdir(d)) != NULL) {
		if (lab->d_name[0] == '.')
			continue;
		char *dir = xasprintf("%s/%s", root, lab->d_name);
		DIR *ld = opendir(dir);
		struct dirent *f;
		bool uses = false;
		while (ld != NULL && !uses && (f = readdir(ld)) != NULL) {
			size_t n = strlen(f->d_name);
			char *p = xasprintf("%s/%s", dir, f->d_name);
			char *b = NULL;
			if (n > 4 && strcmp(f->d_name + n - 4, ".cow") == 0) {
				b = image_cow_backing(p, NULL);
			} else if (n > 11 && strcmp(f->d_name + n - 11, ".img.origin") == 0) {
				FILE *fp = fopen(p, "re");
				char line[4096];
				if (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
					line[strcspn(line, "\n")] = '\0';
					b = xstrdup(line);
				}
				if (fp != NULL)
					fclose(fp);
			}
			uses = b != NULL && strcmp(b, path) == 0;
			free(b);
			free(p);
		}
		if (ld != NULL)
			closedir(ld);
		char *listed = xasprintf(", %s, ", users ? users : "");
		char *me = xasprintf(", %s, ", lab->d_name);
		if (strstr(listed, me) != NULL)
			uses = false;	/* in both places: named once */
		free(listed);
		free(me);
		if (uses) {
			char *next = xasprintf("%s%s%s", users ? users : "", users ? ", " : "", lab->d_name);
			free(users);
			users = next;
		}
		free(dir);
	}
	if (d != NULL)
		closedir(d);
	return users;
}

/* The labs whose disks are made over path (their names, comma-separated), or
 * NULL: in the disk directory, and in the runtime one where older versions
 * kept disks. */
static char *image_users(const char *path)
{
	char *disks = state_disk_root(false, NULL);
	char *root = state_root(NULL);
	char *users = image_users_in(root, path, image_users_in(disks, path, NULL));
	free(disks);
	free(root);
	return users;
}

static int image_rm(const char *cache, int argc, char **argv)
{
	bool all = false, force = false;
	int first = argc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--force") == 0)
			force = true;
		else if (argv[i][0] == '-')
			return cmd_usage_error(&cmd_image, "unknown option %s", argv[i]);
		else if (first == argc)
			first = i;
	}
	if (all == (first < argc))
		return cmd_usage_error(&cmd_image, "rm takes image files (as `image ls` shows them) or --all");
	char **paths = NULL;
	size_t n = 0;
	if (all) {
		struct image_entry *v;
		size_t count;
		char *cause = NULL;
		if (image_list(cache, &v, &count, &cause) < 0)
			return cmd_fail(cause, EXIT_FAIL);
		paths = xcalloc(count + 1, sizeof(char *));
		for (size_t i = 0; i < count; i++)
			paths[n++] = xstrdup(v[i].path);
		image_list_free(v, count);
	} else {
		paths = xcalloc((size_t)argc, sizeof(char *));
		for (int i = first; i < argc; i++) {
			if (argv[i][0] == '-')
				continue;
			paths[n++] = strchr(argv[i], '/') != NULL && strncmp(argv[i], "downloads/", 10) != 0 ?
			    xstrdup(argv[i]) : xasprintf("%s/%s", cache, argv[i]);
		}
	}
	int code = EXIT_OK, removed = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(paths[i]);
		bool partial = len > 5 && strcmp(paths[i] + len - 5, ".part") == 0;
		char *users = partial ? NULL : image_users(paths[i]);
		char *cause = NULL;
		int rm = 0;
		if (users != NULL && !force)
			rm = set_cause(&cause, "%s is kept: the disks of lab %s are made over it (`umllab "
			    "down --wipe LAB` first, or --force, which makes those disks unusable)",
			    paths[i], users);
		else if (partial && unlink(paths[i]) < 0)
			rm = set_cause(&cause, "cannot remove %s: %s", paths[i], strerror(errno));
		else if (!partial)
			rm = image_remove(paths[i], &cause);
		if (rm < 0) {
			fprintf(stderr, "umllab: %s\n", cause);
			code = EXIT_FAIL;
		} else {
			printf("removed %s\n", paths[i]);
			removed++;
		}
		free(cause);
		free(users);
		free(paths[i]);
	}
	free(paths);
	if (all && removed == 0 && code == EXIT_OK)
		printf("the image cache %s is empty\n", cache);
	return code;
}

static int image_run(int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error(&cmd_image, "expected ls, build or rm");
	char *cause = NULL;
	char *cache = image_cache_dir(&cause);
	if (cache == NULL)
		return cmd_fail(cause, EXIT_FAIL);
	int code;
	if (strcmp(argv[1], "ls") == 0 && argc == 2)
		code = image_ls(cache);
	else if (strcmp(argv[1], "build") == 0 && argc == 3)
		code = image_build(argv[2]);
	else if (strcmp(argv[1], "rm") == 0)
		code = image_rm(cache, argc - 1, argv + 1);
	else
		code = cmd_usage_error(&cmd_image, "expected `ls`, `build FILE` or `rm IMAGE...|--all`");
	free(cache);
	return code;
}

const struct cmd_entry cmd_image = {
	.name = "image",
	.args = "ls | build FILE | rm [--force] IMAGE...|--all",
	.summary = "list, build or remove the cached guest images",
	.help = "Images live in $XDG_CACHE_HOME/umllab (else ~/.cache/umllab), named by a hash of\n"
	    "their inputs, and every lab shares them. `up` builds or downloads what a lab needs;\n"
	    "  ls           every image with its kind, size, date and inputs; verified downloads\n"
	    "               (kept to rebuild without the network) and interrupted ones\n"
	    "  build FILE   build or download every image FILE's topology defines, used or not\n"
	    "  rm IMAGE...  remove images by the name `ls` shows (or a path); an image that a\n"
	    "               lab's disks are made over is kept unless --force\n"
	    "  rm --all     empty the cache\n",
	.run = image_run,
};
