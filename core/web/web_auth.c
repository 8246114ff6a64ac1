/* core/web/web_auth.c: the page's token, Host and Origin checks (see web_auth.h). */
#include "core/web/web_auth.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "core/base/util.h"

int web_token_new(char token[WEB_TOKEN_LEN + 1], char **cause)
{
	unsigned char raw[WEB_TOKEN_BYTES];
	size_t got = 0;
	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			set_cause(cause, "cannot make the web page's token: getrandom: %s",
			    strerror(errno));
			return -1;
		}
		got += (size_t)n;
	}
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof(raw); i++) {
		token[2 * i] = hex[raw[i] >> 4];
		token[2 * i + 1] = hex[raw[i] & 15];
	}
	token[WEB_TOKEN_LEN] = '\0';
	return 0;
}

bool web_token_equal(const char *given, size_t len, const char *token)
{
	size_t tlen = strlen(token);
	/* Every byte of the token is compared, whatever was given: the time
	 * tells only the token's length, which is public. */
	unsigned diff = len != tlen;
	for (size_t i = 0; i < tlen; i++)
		diff |= (unsigned)(unsigned char)token[i] ^
		    (unsigned)(unsigned char)(i < len ? given[i] : 0);
	return diff == 0;
}

/* host[:port] without the port; NULL for a malformed one. Writes into buf. */
static const char *host_name(const char *host, char *buf, size_t size)
{
	size_t n = strlen(host);
	if (n == 0 || n >= size)
		return NULL;
	memcpy(buf, host, n + 1);
	char *colon = host[0] == '[' ? strchr(buf, ']') : buf;
	if (colon == NULL)
		return NULL;
	colon = strchr(colon, ':');
	if (colon != NULL) {
		const char *port = colon + 1;
		if (*port == '\0' || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
			return NULL;
		*colon = '\0';
	}
	return buf;
}

bool web_host_allowed(const char *host, const char *extra_name)
{
	char buf[300];
	const char *name = host != NULL ? host_name(host, buf, sizeof(buf)) : NULL;
	if (name == NULL)
		return false;
	static const char *const loopback[] = { "127.0.0.1", "localhost", "[::1]" };
	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
		if (strcasecmp(name, loopback[i]) == 0)
			return true;
	return extra_name != NULL && extra_name[0] != '\0' && strcasecmp(name, extra_name) == 0;
}

bool web_origin_allowed(const char *origin, const char *host, bool required)
{
	if (origin == NULL || origin[0] == '\0')
		return !required;
	if (host == NULL || strncmp(origin, "http://", 7) != 0)
		return false;
	return strcasecmp(origin + 7, host) == 0;
}

bool web_path_token(const char *path, const char *token, const char **rest)
{
	if (path == NULL || strncmp(path, "/t/", 3) != 0)
		return false;
	const char *p = path + 3;
	const char *end = strchr(p, '/');
	size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
	if (!web_token_equal(p, len, token))
		return false;
	*rest = end != NULL ? end : "/";
	return true;
}

bool web_auth_request(const char *path, const char *host, const char *origin, bool websocket,
    const char *token, const char *extra_name, const char **rest)
{
	/* Each check runs whatever the others said: a refusal takes as long
	 * whichever header was wrong. */
	bool ok_host = web_host_allowed(host, extra_name);
	bool ok_origin = web_origin_allowed(origin, host, websocket);
	bool ok_token = web_path_token(path, token, rest);
	return ok_host && ok_origin && ok_token;
}
