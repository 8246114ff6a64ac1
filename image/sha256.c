/* image/sha256.c: SHA-256 through libcrypto's EVP interface, to check downloaded images. */
#include "image/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

static void sha256_hex(const unsigned char *md, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

int sha256_mem(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) {
		errno = EIO;
		return -1;
	}
	sha256_hex(md, hex);
	return 0;
}

int sha256_file(const char *path, char hex[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	int err = ok ? 0 : ENOMEM;
	unsigned char buf[1 << 14];
	while (ok) {
		ssize_t got = read(fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = errno;
			ok = 0;
		} else if (got == 0) {
			break;
		} else if (EVP_DigestUpdate(ctx, buf, (size_t)got) != 1) {
			err = EIO;
			ok = 0;
		}
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (ok && (EVP_DigestFinal_ex(ctx, md, &n) != 1 || n != 32)) {
		err = EIO;
		ok = 0;
	}
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (!ok) {
		errno = err;
		return -1;
	}
	sha256_hex(md, hex);
	return 0;
}
