/* core/web/web_serve.c: the web server: libwebsockets on this process's libev loop, the checks every request passes, the page's files, and the URL with its token. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/json.h"
#include "core/base/state.h"
#include "core/client/client.h"
#include "core/web/web.h"
#include "core/web/web_int.h"

/* Debian's xterm.js (libjs-xterm's stylesheet, node-xterm's modules: the
 * browser bundle of Debian 12's libjs-xterm is a stub that requires them). */
#define XTERM_CSS "/usr/share/javascript/xterm/xterm.css"
#define XTERM_LIB "/usr/share/nodejs/xterm/lib"

/* Every answer: not cached, not framed, not sniffed, no referrer (the
 * token is in the URL). The page's scripts are its own; the xterm loader
 * evaluates Debian's CommonJS modules, hence 'unsafe-eval'. */
#define WEB_HEADERS \
	"cache-control: no-store\r\n" \
	"x-content-type-options: nosniff\r\n" \
	"x-frame-options: DENY\r\n" \
	"referrer-policy: no-referrer\r\n" \
	"content-security-policy: default-src 'self'; script-src 'self' 'unsafe-eval'; " \
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " \
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'\r\n"

static int add_headers(struct lws *wsi, unsigned char **p, unsigned char *end)
{
	static const char *const h[][2] = {
		{ "cache-control:", "no-store" },
		{ "x-content-type-options:", "nosniff" },
		{ "x-frame-options:", "DENY" },
		{ "referrer-policy:", "no-referrer" },
	};
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)h[i][0],
		    (const unsigned char *)h[i][1], (int)strlen(h[i][1]), p, end))
			return -1;
	return 0;
}

/* A whole answer at once (small ones: errors, JSON). */
static int http_reply(struct lws *wsi, unsigned status, const char *mime, const char *body,
    size_t len)
{
	unsigned char hdr[LWS_PRE + 2048], *start = hdr + LWS_PRE, *p = start;
	unsigned char *end = hdr + sizeof(hdr) - 1;
	if (lws_add_http_common_headers(wsi, status, mime, (lws_filepos_t)len, &p, end) ||
	    add_headers(wsi, &p, end) || lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	unsigned char *b = xmalloc(LWS_PRE + len + 1);
	memcpy(b + LWS_PRE, body, len);
	int n = lws_write(wsi, b + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
	free(b);
	if (n < 0)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Refused: the same few bytes whatever was wrong, nothing about the labs. */
static int http_forbidden(struct lws *wsi)
{
	http_reply(wsi, 403, "text/plain", "forbidden\n", 10);
	return -1;
}

static int http_file(struct lws *wsi, const char *path, const char *mime)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return http_reply(wsi, 404, "text/plain", "not found\n", 10);
	int n = lws_serve_http_file(wsi, path, mime, WEB_HEADERS, (int)strlen(WEB_HEADERS));
	if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
		return -1;
	return 0;
}

/* A header's value, or NULL when absent (or too long to be one we accept). */
static char *header(struct lws *wsi, enum lws_token_indexes h, char *buf, int size)
{
	int len = lws_hdr_total_length(wsi, h);
	if (len <= 0 || len >= size || lws_hdr_copy(wsi, buf, size, h) < 0)
		return NULL;
	return buf;
}

/* Host, Origin and the token: *rest is the path after the token. */
static bool request_allowed(struct web_server *srv, struct lws *wsi, bool websocket,
    const char **rest, char *uri, int uri_size)
{
	char host[300], origin[300];
	const char *h = header(wsi, WSI_TOKEN_HOST, host, sizeof(host));
	const char *o = header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof(origin));
	/* An Origin too long to copy is refused, not taken for none. */
	if (o == NULL && lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0)
		o = "invalid";
	const char *u = header(wsi, WSI_TOKEN_GET_URI, uri, uri_size);
	return web_auth_request(u, h, o, websocket, srv->token, srv->extra_name, rest);
}

static int http_labs(struct web_server *srv, struct lws *wsi)
{
	struct strbuf b = { 0 };
	strbuf_printf(&b, "{\"lab\":");
	if (srv->lab != NULL)
		json_write_string(&b, srv->lab);
	else
		strbuf_printf(&b, "null");
	strbuf_printf(&b, ",\"grade\":%s,\"labs\":[", srv->grade_dir != NULL ? "true" : "false");
	char **names = NULL;
	size_t n = srv->grade_dir == NULL ? state_running_labs(srv->state_root, &names) : 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strbuf_printf(&b, ",");
		json_write_string(&b, names[i]);
	}
	if (names != NULL)
		state_names_free(names, n);
	strbuf_printf(&b, "]}");
	int rc = http_reply(wsi, 200, "application/json", b.s, b.len);
	free(b.s);
	return rc;
}

static int web_http(struct web_server *srv, struct lws *wsi)
{
	char uri[4096];
	const char *rest = NULL;
	if (!request_allowed(srv, wsi, false, &rest, uri, sizeof(uri)))
		return http_forbidden(wsi);
	if (strcmp(rest, "/") == 0) {
		char *path = xasprintf("%s/%s", srv->page_dir,
		    srv->grade_dir != NULL ? "grade.html" : "index.html");
		int rc = http_file(wsi, path, web_mime(path));
		free(path);
		return rc;
	}
	if (strcmp(rest, "/api/labs") == 0)
		return http_labs(srv, wsi);
	if (strcmp(rest, "/xterm/xterm.css") == 0)
		return http_file(wsi, access(XTERM_CSS, R_OK) == 0 ? XTERM_CSS : XTERM_LIB "/xterm.css",
		    "text/css");
	const char *name = NULL;
	char *path = NULL;
	if (strncmp(rest, "/xterm/lib/", 11) == 0 && web_name_safe(rest + 11, "/") &&
	    strlen(rest) > 14 && strcmp(rest + strlen(rest) - 3, ".js") == 0) {
		name = rest + 11;
		path = xasprintf("%s/%s", XTERM_LIB, name);
	} else if (strncmp(rest, "/grade/", 7) == 0) {
		name = rest + 7;
		path = web_grade_file(srv, name);
	} else if (web_name_safe(rest + 1, NULL)) {
		name = rest + 1;
		path = xasprintf("%s/%s", srv->page_dir, name);
	}
	if (path == NULL)
		return http_reply(wsi, 404, "text/plain", "not found\n", 10);
	int rc = http_file(wsi, path, web_mime(name));
	free(path);
	return rc;
}

struct web_pss {
	struct web_session *s;
};

static int web_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct web_server *srv = ctx != NULL ? lws_context_user(ctx) : NULL;
	struct web_pss *pss = user;
	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
		char uri[4096];
		const char *rest = NULL;
		if (!request_allowed(srv, wsi, true, &rest, uri, sizeof(uri)) ||
		    strcmp(rest, "/ws") != 0) {
			http_reply(wsi, 403, "text/plain", "forbidden\n", 10);
			return 1;
		}
		return 0;
	}
	case LWS_CALLBACK_ESTABLISHED: {
		char *cause = NULL;
		pss->s = web_session_open(srv, wsi, &cause);
		free(cause);
		return 0;
	}
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return pss->s != NULL ? web_session_writeable(pss->s) : -1;
	case LWS_CALLBACK_RECEIVE:
		if (pss->s == NULL)
			return -1;
		if (pss->s->in.len + len > 65536)
			return -1;	/* no message of the page is that long */
		strbuf_append(&pss->s->in, in, len);
		if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
			web_session_receive(pss->s, pss->s->in.s != NULL ? pss->s->in.s : "",
			    pss->s->in.len);
			pss->s->in.len = 0;
		}
		return 0;
	case LWS_CALLBACK_CLOSED:
		if (pss->s != NULL)
			web_session_free(pss->s);
		pss->s = NULL;
		return 0;
	case LWS_CALLBACK_HTTP:
		return web_http(srv, wsi);
	case LWS_CALLBACK_HTTP_FILE_COMPLETION:
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols web_protocols[] = {
	{ "umllab", web_callback, sizeof(struct web_pss), 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---- running it ---- */

static void web_on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void lws_log(int level, const char *line)
{
	(void)level;
	fprintf(stderr, "umllab web: %s", line);
}

/* "ADDR:PORT" or "PORT" into an IPv4 address and a port. IPv6 is refused:
 * libwebsockets binds an IPv6 listener to every address whatever its iface
 * says, which would put the page on the network. */
static int parse_listen(const char *s, char **addr, int *port, char **cause)
{
	const char *colon = strrchr(s, ':');
	const char *p = colon != NULL ? colon + 1 : s;
	char *end;
	long v = strtol(p, &end, 10);
	if (*p == '\0' || *end != '\0' || v < 0 || v > 65535) {
		set_cause(cause, "--listen %s: expected ADDRESS:PORT, such as 127.0.0.1:8080", s);
		return -1;
	}
	*port = (int)v;
	char *a = colon == NULL || colon == s ? xstrdup("127.0.0.1") : xstrndup(s, (size_t)(colon - s));
	if (strcmp(a, "localhost") == 0) {
		free(a);
		a = xstrdup("127.0.0.1");
	}
	struct in_addr in;
	if (inet_pton(AF_INET, a, &in) != 1) {
		set_cause(cause, "--listen %s: %s is not an IPv4 address (IPv6 is not served; use "
		    "127.0.0.1, or --unix for an SSH forward)", s, a);
		free(a);
		return -1;
	}
	*addr = a;
	return 0;
}

/* The URL (with its token) in a 0600 file of the user's state root. */
static char *write_url_file(struct web_server *srv, const char *url, char **cause)
{
	char *path = xasprintf("%s/web-%d.url", srv->state_root, (int)getpid());
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, url, strlen(url)) != 0 || write_all(fd, "\n", 1) != 0) {
		set_cause(cause, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static int web_setup(struct web_server *srv, const struct web_opts *o, char **cause)
{
	if (web_token_new(srv->token, cause) != 0)
		return -1;
	srv->state_root = state_root(cause);
	if (srv->state_root == NULL)
		return -1;
	if (o->grade_dir != NULL) {
		srv->grade_dir = realpath(o->grade_dir, NULL);
		struct stat st;
		if (srv->grade_dir == NULL || stat(srv->grade_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			set_cause(cause, "--grade %s: not a directory (expected the output directory "
			    "of `umllab grade`)", o->grade_dir);
			return -1;
		}
	} else if (o->lab != NULL) {
		char *dir = client_find_lab(o->lab, false, cause);
		if (dir == NULL)
			return -1;
		const char *slash = strrchr(dir, '/');
		srv->lab = xstrdup(slash != NULL ? slash + 1 : dir);
		free(dir);
	}
	srv->page_dir = web_page_dir(cause);
	return srv->page_dir != NULL ? 0 : -1;
}

int web_run(const struct web_opts *o, char **cause)
{
	struct web_server srv = { .loop = EV_DEFAULT };
	int rc = -1;
	char *addr = NULL, *url_file = NULL, *url = NULL;
	int port = 0;
	if (web_setup(&srv, o, cause) != 0)
		goto out;
	if (!o->no_tcp && parse_listen(o->listen != NULL ? o->listen : "127.0.0.1:0", &addr, &port,
	    cause) != 0)
		goto out;
	if (addr != NULL)
		srv.extra_name = xstrdup(addr);
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
	void *loops[] = { srv.loop };
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBEV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
	    LWS_SERVER_OPTION_VALIDATE_UTF8;
	info.foreign_loops = loops;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.user = &srv;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	srv.ctx = lws_create_context(&info);
	if (srv.ctx == NULL) {
		set_cause(cause, "cannot start libwebsockets on libev (is libwebsockets-evlib-ev "
		    "installed?)");
		goto out;
	}
	info.protocols = web_protocols;
	info.keepalive_timeout = 5;
	info.timeout_secs = 20;
	int bound = 0;
	if (!o->no_tcp) {
		info.port = port;
		info.iface = addr;
		info.vhost_name = "tcp";
		/* Without it, lws listens on IPv6's any address whatever iface says. */
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
		struct lws_vhost *vh = lws_create_vhost(srv.ctx, &info);
		if (vh == NULL) {
			set_cause(cause, "cannot listen on %s:%d (in use? try another --listen port)", addr,
			    port);
			goto out;
		}
		port = lws_get_vhost_listen_port(vh);
		bound = 1;
	}
	if (o->unix_path != NULL) {
		unlink(o->unix_path);
		info.port = 0;
		info.iface = o->unix_path;
		info.vhost_name = "unix";
		info.options = (info.options & ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6) |
		    LWS_SERVER_OPTION_UNIX_SOCK;
		mode_t old = umask(0177);	/* the socket is the user's alone */
		struct lws_vhost *vh = lws_create_vhost(srv.ctx, &info);
		umask(old);
		if (vh == NULL) {
			set_cause(cause, "cannot listen on the unix socket %s", o->unix_path);
			goto out;
		}
		chmod(o->unix_path, 0600);
		bound = 1;
	}
	if (!bound) {
		set_cause(cause, "nothing to listen on: give --listen or --unix");
		goto out;
	}
	if (!o->no_tcp) {
		url = xasprintf("http://%s:%d/t/%s/", addr, port, srv.token);
	} else {
		url = xasprintf("http://localhost:PORT/t/%s/ (through %s)", srv.token, o->unix_path);
	}
	url_file = write_url_file(&srv, url, cause);
	if (url_file == NULL)
		goto out;
	signal(SIGPIPE, SIG_IGN);
	ev_signal sig_int, sig_term;
	ev_signal_init(&sig_int, web_on_signal, SIGINT);
	ev_signal_init(&sig_term, web_on_signal, SIGTERM);
	ev_signal_start(srv.loop, &sig_int);
	ev_signal_start(srv.loop, &sig_term);
	if (o->on_ready != NULL)
		o->on_ready(o->arg, url, url_file);
	ev_run(srv.loop, 0);
	ev_signal_stop(srv.loop, &sig_int);
	ev_signal_stop(srv.loop, &sig_term);
	rc = 0;
out:
	if (srv.ctx != NULL)
		lws_context_destroy(srv.ctx);	/* closes every session */
	while (srv.sessions != NULL)
		web_session_free(srv.sessions);
	if (url_file != NULL)
		unlink(url_file);
	if (o->unix_path != NULL && rc == 0)
		unlink(o->unix_path);
	free(url_file);
	free(url);
	free(addr);
	free(srv.extra_name);
	free(srv.page_dir);
	free(srv.state_root);
	free(srv.lab);
	free(srv.grade_dir);
	return rc;
}
