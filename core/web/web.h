/* core/web/web.h: `umllab web`: a small web server that shows a running lab (or every lab of the user, or a grading directory) in a browser, live (issue 26).
 *
 * It is a process of its own, a client of the labs' supervisors like the
 * CLI: everything it shows or does goes through their control sockets
 * (core/client), so a lab is not affected by it starting, stopping or
 * crashing. HTTP and WebSockets are libwebsockets' on this process's libev
 * loop. Who may use it: core/web/web_auth.h. */
#ifndef UMLLAB_WEB_H
#define UMLLAB_WEB_H

#include <stdbool.h>

struct web_opts {
	const char *lab;	/* a lab name or topology file; NULL: every running lab of the user */
	const char *listen;	/* "ADDR:PORT" (PORT 0: a free one); NULL: 127.0.0.1:0 */
	const char *unix_path;	/* also serve on this unix socket (0600), e.g. for an SSH forward */
	bool no_tcp;		/* only the unix socket */
	const char *grade_dir;	/* show this `umllab grade` output directory instead of labs */
	/* Called once serving, with the URL to open (the token in it) and the
	 * 0600 file that holds it. */
	void (*on_ready)(void *arg, const char *url, const char *url_file);
	void *arg;
};

/* Serve until SIGINT or SIGTERM. 0 then, -1 with *cause when it could not
 * start (the address taken, no page files, no such lab). */
int web_run(const struct web_opts *o, char **cause);

/* The folder the page's files (index.html, ...) are read from: $UMLLAB_WEB_DIR,
 * else DATADIR/web when installed (WEB_DATADIR, set by the Makefile), else
 * core/web/page in the source tree beside the binary. NULL with *cause when
 * none holds index.html. */
char *web_page_dir(char **cause);

#endif
