/* image/cow.c: UML copy-on-write files: made before a kernel starts, and checked against their image.
 *
 * The format is UML's own (arch/um/drivers/cow_user.c, version 3, every field
 * big-endian, packed): magic "MOOO", version, the backing file's mtime (32
 * bits) and size, sector size 512, alignment 4096, format 0, the backing
 * file's absolute path (4096 bytes); the bitmap (one bit per sector) at the
 * next alignment, the data after it. UML refuses a COW file whose image has
 * another mtime or size, but silently follows one whose image was replaced
 * by a file of the same size and mtime; umllab checks before every start and
 * says what happened instead of letting the kernel fail to mount its root. */
#include "image/image.h"

#include "core/base/util.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COW_MAGIC 0x4f4f4f4dU
#define COW_VERSION 3
#define COW_PATH_LEN 4096
#define COW_HEADER_LEN (32 + COW_PATH_LEN)
#define COW_SECTOR 512
#define COW_ALIGN 4096

struct cow_header {
	uint32_t mtime;
	uint64_t size;
	uint32_t sectorsize, alignment;
	char backing[COW_PATH_LEN + 1];
};

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return be32toh(v);
}

static void put32(unsigned char *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static int cow_read(const char *cow_path, struct cow_header *h, char **cause)
{
	unsigned char buf[COW_HEADER_LEN];
	int fd = open(cow_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return set_cause(cause, "cannot open %s: %s", cow_path, strerror(errno));
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	int e = errno;
	close(fd);
	if (n < 0)
		return set_cause(cause, "cannot read %s: %s", cow_path, strerror(e));
	if (n < (ssize_t)sizeof(buf) || get32(buf) != COW_MAGIC || get32(buf + 4) != COW_VERSION)
		return set_cause(cause, "%s is not a UML copy-on-write file (version 3); it may be "
		    "damaged: remove it (`umllab down --wipe`)", cow_path);
	uint64_t size;
	memcpy(&size, buf + 12, 8);
	h->mtime = get32(buf + 8);
	h->size = be64toh(size);
	h->sectorsize = get32(buf + 20);
	h->alignment = get32(buf + 24);
	memcpy(h->backing, buf + 32, COW_PATH_LEN);
	h->backing[COW_PATH_LEN] = '\0';
	if (memchr(buf + 32, '\0', COW_PATH_LEN) == NULL || h->backing[0] != '/')
		return set_cause(cause, "%s names no image in its header; it may be damaged: remove it "
		    "(`umllab down --wipe`)", cow_path);
	return 0;
}

char *image_cow_backing(const char *cow_path, char **cause)
{
	struct cow_header h;
	if (cow_read(cow_path, &h, cause) < 0)
		return NULL;
	return xstrdup(h.backing);
}

int image_cow_create(const char *cow_path, const char *backing, char **cause)
{
	char *real = realpath(backing, NULL);
	struct stat st;
	if (real == NULL || stat(real, &st) < 0) {
		set_cause(cause, "cannot use the image %s: %s", backing, strerror(errno));
		free(real);
		return -1;
	}
	if (strlen(real) >= COW_PATH_LEN) {
		set_cause(cause, "the image's path %s is longer than a UML copy-on-write header holds "
		    "(%d bytes); set XDG_CACHE_HOME to a shorter directory", real, COW_PATH_LEN - 1);
		free(real);
		return -1;
	}
	unsigned char buf[COW_HEADER_LEN];
	memset(buf, 0, sizeof(buf));
	put32(buf, COW_MAGIC);
	put32(buf + 4, COW_VERSION);
	put32(buf + 8, (uint32_t)st.st_mtime);
	uint64_t size = htobe64((uint64_t)st.st_size);
	memcpy(buf + 12, &size, 8);
	put32(buf + 20, COW_SECTOR);
	put32(buf + 24, COW_ALIGN);
	put32(buf + 28, 0);	/* the bitmap format */
	memcpy(buf + 32, real, strlen(real));
	free(real);

	/* The bitmap starts zeroed (nothing written yet), the data is a hole:
	 * the file is as sparse as the one UML would make. */
	uint64_t bitmap_off = (COW_HEADER_LEN + COW_ALIGN - 1) / COW_ALIGN * COW_ALIGN;
	uint64_t sectors = ((uint64_t)st.st_size + COW_SECTOR - 1) / COW_SECTOR;
	uint64_t data_off = (bitmap_off + (sectors + 7) / 8 + COW_ALIGN - 1) / COW_ALIGN * COW_ALIGN;
	int fd = open(cow_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return set_cause(cause, "cannot create the copy-on-write file %s: %s", cow_path,
		    strerror(errno));
	if (write_all(fd, buf, sizeof(buf)) < 0 ||
	    ftruncate(fd, (off_t)(data_off + (uint64_t)st.st_size)) < 0 || fsync(fd) < 0) {
		set_cause(cause, "cannot write the copy-on-write file %s: %s", cow_path, strerror(errno));
		close(fd);
		unlink(cow_path);
		return -1;
	}
	if (close(fd) < 0) {
		set_cause(cause, "cannot write the copy-on-write file %s: %s", cow_path, strerror(errno));
		unlink(cow_path);
		return -1;
	}
	return 0;
}

static void cow_time(uint64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	strftime(buf, 32, "%Y-%m-%d %H:%M:%S", localtime_r(&tt, &tm));
}

int image_cow_check(const char *cow_path, const char *backing, char **cause)
{
	struct stat cst;
	if (stat(cow_path, &cst) < 0) {
		if (errno == ENOENT)
			return 0;
		return set_cause(cause, "cannot use %s: %s", cow_path, strerror(errno));
	}
	struct cow_header h;
	if (cow_read(cow_path, &h, cause) < 0)
		return -1;
	struct stat now, then;
	if (stat(backing, &now) < 0)
		return set_cause(cause, "cannot use the image %s: %s", backing, strerror(errno));
	bool same_file = stat(h.backing, &then) == 0 && then.st_dev == now.st_dev &&
	    then.st_ino == now.st_ino;
	if (!same_file)
		return set_cause(cause, "%s holds changes made over the image %s, but the instance "
		    "now runs on %s (the image's inputs changed, or the lab names another image). Those "
		    "changes are blocks of the old file system and mean nothing on another one", cow_path,
		    h.backing, backing);
	if (h.mtime != (uint32_t)now.st_mtime || h.size != (uint64_t)now.st_size) {
		char was[32], is[32];
		cow_time(h.mtime, was);
		cow_time((uint64_t)now.st_mtime, is);
		return set_cause(cause, "the image %s changed under %s: the copy-on-write file was made "
		    "over the image of %s (%" PRIu64 " bytes), and the image is now of %s (%" PRIu64
		    " bytes). The changes in it are blocks of the old file system and would corrupt the "
		    "new one", backing, cow_path, was, h.size, is, (uint64_t)now.st_size);
	}
	return 1;
}
