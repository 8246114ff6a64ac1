/* image/sha256.h: SHA-256 (FIPS 180-4), to check downloaded images against the lab's checksum.
 *
 * Leaf module: no dependency but libc, so tests/unit/test_sha256 links it alone. */
#ifndef UMLLAB_SHA256_H
#define UMLLAB_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;		/* hashed so far */
	unsigned char buf[64];	/* a partial block */
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* The digest as 64 lower-case hex digits and a NUL. */
void sha256_final(struct sha256 *s, char hex[65]);

/* The SHA-256 of a whole file: 0, or -1 with errno set. */
int sha256_file(const char *path, char hex[65]);

#endif
