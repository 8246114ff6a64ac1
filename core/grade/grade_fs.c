/* core/grade/grade_fs.c: a submission's files copied before grading, the space a
 * graded lab takes, and removing grade's work directories, none of them
 * following a symbolic link.
 *
 * Every file is reached with openat() from its directory's descriptor, one
 * name at a time, with O_NOFOLLOW: nothing a student puts in a submission,
 * and nothing a lab running as the grading user puts in its work directory,
 * can lead grade (which may run as root) anywhere else. What is validated
 * and run is the copy, so a submission cannot change between the two. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/grade/grade.h"
#include "core/base/util.h"

/* Deeper than this, grade_tree_remove and grade_tree_usage stop (each level
 * holds two descriptors). */
#define TREE_DEPTH_MAX 200
/* grade_tree_usage counts at most this many entries, then says "too many". */
#define TREE_ENTRIES_MAX 200000

struct copier {
	bool chown;
	uid_t owner;
	gid_t group;
	uid_t src_owner;	/* the submission's owner */
	uint64_t max_bytes;
	struct grade_copy *info;
	struct strbuf left;	/* what was left out, the first few */
	size_t n_left;
	char *cause;
};

static bool yaml_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

static char *text_clean(const char *s)
{
	struct strbuf b = { 0 };
	grade_text_clean(&b, s, false);
	return b.s != NULL ? strbuf_take(&b) : xstrdup("");
}

static void left_out(struct copier *c, const char *rel, const char *what)
{
	if (++c->n_left <= 5) {
		char *r = text_clean(rel);
		strbuf_printf(&c->left, "%s%s (%s)", c->left.len > 0 ? ", " : "", r, what);
		free(r);
	}
}

static const char *kind_name(mode_t m)
{
	return S_ISLNK(m) ? "a symbolic link" : S_ISFIFO(m) ? "a fifo" : S_ISSOCK(m) ? "a socket" :
	    S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a regular file";
}

static int fail(struct copier *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct copier *c, const char *fmt, ...)
{
	if (c->cause == NULL) {
		va_list ap;
		va_start(ap, fmt);
		c->cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void own(struct copier *c, int fd, mode_t mode)
{
	/* Should it fail, the copy stays the grader's, and up says what it cannot open. */
	if (c->chown && fchown(fd, c->owner, c->group) < 0) {
	}
	if (fchmod(fd, mode) < 0) {
	}
}

/* Copy the open regular file in (st: its lstat) as name in dfd, sparse. */
static int copy_data(struct copier *c, int in, const struct stat *st, int dfd, const char *name,
    const char *rel)
{
	int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return fail(c, "cannot copy %s: %s", rel, strerror(errno));
	static char buf[65536];
	off_t done = 0;
	int rc = 0;
	while (done < st->st_size) {
		size_t want = sizeof(buf);
		if ((off_t)want > st->st_size - done)
			want = (size_t)(st->st_size - done);
		ssize_t n = read(in, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fail(c, "cannot read %s: %s", rel, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		bool zero = true;
		for (ssize_t i = 0; i < n && zero; i++)
			zero = buf[i] == 0;
		if (zero ? lseek(out, n, SEEK_CUR) < 0 : write_all(out, buf, (size_t)n) < 0) {
			rc = fail(c, "cannot copy %s: %s", rel, strerror(errno));
			break;
		}
		done += n;
	}
	if (rc == 0 && ftruncate(out, done) < 0)
		rc = fail(c, "cannot copy %s: %s", rel, strerror(errno));
	own(c, out, (st->st_mode & 0755) | 0600);
	close(out);
	return rc;
}

static int copy_dir(struct copier *c, int sfd, int dfd, const char *rel, unsigned depth);

static int copy_entry(struct copier *c, int sfd, int dfd, const char *name, const char *rel,
    unsigned depth)
{
	struct stat st;
	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		left_out(c, rel, strerror(errno));
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		if (depth == 0 && yaml_name(name) && c->info->lab_link == NULL) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			char *t = text_clean(target), *r = text_clean(name);
			c->info->lab_link = xasprintf("%s -> %s", r, t);
			free(t);
			free(r);
		}
		left_out(c, rel, "a symbolic link");
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (depth + 1 >= GRADE_COPY_DEPTH_MAX)
			return fail(c, "the submission's directories go deeper than %d levels (at %s)",
			    GRADE_COPY_DEPTH_MAX, rel);
		if (mkdirat(dfd, name, 0700) < 0)
			return fail(c, "cannot copy %s: %s", rel, strerror(errno));
		int s = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int d = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int rc;
		if (s < 0 || d < 0)
			rc = fail(c, "cannot copy %s: %s", rel, strerror(errno));
		else
			rc = copy_dir(c, s, d, rel, depth + 1);
		if (d >= 0)
			own(c, d, (st.st_mode & 0755) | 0700);
		if (s >= 0)
			close(s);
		if (d >= 0)
			close(d);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		left_out(c, rel, kind_name(st.st_mode));
		return 0;
	}
	c->info->bytes += (uint64_t)st.st_size;
	if (c->info->bytes > c->max_bytes) {
		char *m = grade_size_text(c->max_bytes), *hint = grade_limit_hint("size");
		fail(c, "the submission's files come to more than %s (%s)", m, hint);
		free(m);
		free(hint);
		return -1;
	}
	/* A hard link to a file its owner could not give away. */
	if (st.st_nlink > 1 && st.st_uid != c->src_owner) {
		left_out(c, rel, "a hard link to a file of another user");
		return 0;
	}
	int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st2;
	if (in < 0 || fstat(in, &st2) < 0 || !S_ISREG(st2.st_mode) || st2.st_ino != st.st_ino ||
	    st2.st_dev != st.st_dev) {
		left_out(c, rel, in < 0 ? strerror(errno) : "changed while it was copied");
		if (in >= 0)
			close(in);
		return 0;
	}
	int rc = copy_data(c, in, &st, dfd, name, rel);
	close(in);
	return rc;
}

static int copy_dir(struct copier *c, int sfd, int dfd, const char *rel, unsigned depth)
{
	int fd = dup(sfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return fail(c, "cannot read %s: %s", rel[0] != '\0' ? rel : "the submission",
		    strerror(errno));
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (++c->info->entries > GRADE_COPY_ENTRIES_MAX) {
			rc = fail(c, "the submission holds more than %d files and directories",
			    GRADE_COPY_ENTRIES_MAX);
			break;
		}
		char *r = rel[0] != '\0' ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		rc = copy_entry(c, sfd, dfd, e->d_name, r, depth);
		free(r);
	}
	closedir(d);
	return rc;
}

int grade_copy_in(const char *src, const char *dst, uid_t owner, gid_t group, uint64_t max_bytes,
    struct grade_copy *info, char **cause)
{
	memset(info, 0, sizeof(*info));
	struct copier c = { .chown = owner != (uid_t)-1, .owner = owner, .group = group,
		.max_bytes = max_bytes, .info = info };
	char *s = xstrdup(src);
	/* "alice/" would follow alice, were it a link. */
	for (size_t n = strlen(s); n > 1 && s[n - 1] == '/'; n--)
		s[n - 1] = '\0';
	char *show = text_clean(s);
	int sfd = -1, dfd = -1, rc = -1;
	struct stat st, st2;
	if (lstat(s, &st) < 0) {
		fail(&c, "%s: %s", show, strerror(errno));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(s, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		char *t = text_clean(target);
		fail(&c, "%s is a symbolic link (to %s): grade takes a submission's own directory or "
		    "lab file, never a link, which could lead to anyone's files", show, t);
		free(t);
		goto out;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		fail(&c, "%s: neither a lab file nor a directory", show);
		goto out;
	}
	info->is_file = S_ISREG(st.st_mode);
	sfd = open(s, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
	    (info->is_file ? 0 : O_DIRECTORY));
	if (sfd < 0 || fstat(sfd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev) {
		fail(&c, "%s: %s", show, sfd < 0 ? strerror(errno) : "changed while it was opened");
		goto out;
	}
	c.src_owner = st.st_uid;
	if (mkdir(dst, 0700) < 0 ||
	    (dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		fail(&c, "cannot create %s: %s", dst, strerror(errno));
		goto out;
	}
	if (info->is_file) {
		const char *base = strrchr(s, '/');
		base = base != NULL ? base + 1 : s;
		info->bytes = (uint64_t)st.st_size;
		info->entries = 1;
		if (info->bytes > max_bytes) {
			char *m = grade_size_text(max_bytes), *hint = grade_limit_hint("size");
			fail(&c, "%s is bigger than %s (%s)", show, m, hint);
			free(m);
			free(hint);
		} else {
			rc = copy_data(&c, sfd, &st, dfd, base, show);
		}
	} else {
		rc = copy_dir(&c, sfd, dfd, "", 0);
	}
	own(&c, dfd, 0700);
out:
	if (c.n_left > 0) {
		if (c.n_left > 5)
			strbuf_printf(&c.left, " and %zu more", c.n_left - 5);
		info->left_out = strbuf_take(&c.left);
	}
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	free(s);
	free(show);
	if (c.cause != NULL) {
		set_cause(cause, "%s", c.cause);
		free(c.cause);
		return -1;
	}
	return rc;
}

void grade_copy_clear(struct grade_copy *info)
{
	free(info->left_out);
	free(info->lab_link);
	memset(info, 0, sizeof(*info));
}

static void usage_at(int dfd, unsigned depth, uint64_t *sum, size_t *entries)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL && *entries <= TREE_ENTRIES_MAX) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		(*entries)++;
		struct stat st;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		*sum += (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode) && depth < TREE_DEPTH_MAX) {
			int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				usage_at(sub, depth + 1, sum, entries);
				close(sub);
			}
		}
	}
	closedir(d);
}

uint64_t grade_tree_usage(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	uint64_t sum = 0;
	size_t entries = 0;
	usage_at(fd, 0, &sum, &entries);
	close(fd);
	/* Past that many files, the lab is over any sensible limit. */
	return entries > TREE_ENTRIES_MAX ? UINT64_MAX : sum;
}

/* Remove what dfd holds; true when something was removed. */
static bool remove_at(int dfd, unsigned depth)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	bool removed = false;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = depth < TREE_DEPTH_MAX ? openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC) : -1;
			if (sub >= 0) {
				for (int pass = 0; pass < 3 && remove_at(sub, depth + 1); pass++)
					;
				close(sub);
			}
			removed |= unlinkat(dfd, e->d_name, AT_REMOVEDIR) == 0;
		} else {
			removed |= unlinkat(dfd, e->d_name, 0) == 0;
		}
	}
	closedir(d);
	return removed;
}

void grade_tree_remove(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		unlink(dir);	/* a file, or a link in its place: never followed */
		return;
	}
	/* Entries removed while a directory is read may hide others: go again. */
	for (int pass = 0; pass < 3 && remove_at(fd, 0); pass++)
		;
	close(fd);
	rmdir(dir);
}
