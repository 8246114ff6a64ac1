/* core/web/web_auth.h: who may use the web page: the token in its URL, checked in constant time, and the Host and Origin headers (no DNS rebinding, no cross-site requests).
 *
 * Pure functions (no I/O but the token's randomness), unit-tested alone
 * (tests/unit/test_web_auth.c). Every HTTP request and WebSocket of the
 * page passes web_auth_request() before anything else is read. */
#ifndef UMLLAB_WEB_AUTH_H
#define UMLLAB_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_TOKEN_BYTES 24			/* random bytes */
#define WEB_TOKEN_LEN (WEB_TOKEN_BYTES * 2)	/* as hex in the URL */

/* A new random token (hex, NUL-terminated) from getrandom(). -1 with
 * *cause when the kernel gives no randomness. */
int web_token_new(char token[WEB_TOKEN_LEN + 1], char **cause);

/* given (len bytes, not NUL-terminated) equals token; the time taken does
 * not depend on where they differ. */
bool web_token_equal(const char *given, size_t len, const char *token);

/* The Host header names this machine's loopback ("127.0.0.1", "localhost",
 * "[::1]", or extra_name, e.g. the address given to --listen), with any
 * port or none (an SSH forward's local port is unknown here). A page
 * reached under any other name (DNS rebinding) is refused. */
bool web_host_allowed(const char *host, const char *extra_name);

/* An Origin header (NULL: none sent) is the page's own: "http://" + host.
 * With required, a missing Origin is refused too (WebSockets: browsers
 * always send one). */
bool web_origin_allowed(const char *origin, const char *host, bool required);

/* A request path "/t/TOKEN/REST": *rest points at "/REST" (at least "/")
 * when the token is right; false otherwise. */
bool web_path_token(const char *path, const char *token, const char **rest);

/* A request for this server at all: host, origin (either may be NULL when
 * absent) and path checked as above. */
bool web_auth_request(const char *path, const char *host, const char *origin, bool websocket,
    const char *token, const char *extra_name, const char **rest);

#endif
