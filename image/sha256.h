/* image/sha256.h: SHA-256 digests as hex, to check downloaded images against the lab's checksum.
 *
 * Leaf module over libcrypto (EVP), so tests/unit/test_sha256 links it alone. */
#ifndef UMLLAB_SHA256_H
#define UMLLAB_SHA256_H

#include <stddef.h>

/* The SHA-256 of len bytes at data as 64 lower-case hex digits and a NUL:
 * 0, or -1 with errno set. */
int sha256_mem(const void *data, size_t len, char hex[65]);

/* The SHA-256 of a whole file: 0, or -1 with errno set. */
int sha256_file(const char *path, char hex[65]);

#endif
