/* core/web/web_page.c: where the page's static files are, and which files the server may send. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/util.h"
#include "core/web/web.h"
#include "core/web/web_int.h"

#ifndef WEB_DATADIR
#define WEB_DATADIR "/usr/local/share/umllab"
#endif

static bool has_index(const char *dir)
{
	char *p = xasprintf("%s/index.html", dir);
	bool ok = access(p, R_OK) == 0;
	free(p);
	return ok;
}

char *web_page_dir(char **cause)
{
	const char *env = getenv("UMLLAB_WEB_DIR");
	if (env != NULL && env[0] != '\0') {
		if (has_index(env))
			return xstrdup(env);
		set_cause(cause, "UMLLAB_WEB_DIR=%s holds no index.html", env);
		return NULL;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *exe_dir = NULL;
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash != NULL)
			exe_dir = xstrndup(exe, (size_t)(slash - exe));
	}
	/* Installed (PREFIX/bin/umllab, PREFIX/share/umllab/web), then the source
	 * tree (./umllab or build/umllab beside core/). */
	char *candidates[4] = { xasprintf("%s/web", WEB_DATADIR), NULL, NULL, NULL };
	if (exe_dir != NULL) {
		candidates[1] = xasprintf("%s/../share/umllab/web", exe_dir);
		candidates[2] = xasprintf("%s/core/web/page", exe_dir);
		candidates[3] = xasprintf("%s/../core/web/page", exe_dir);
	}
	char *found = NULL;
	for (size_t i = 0; i < 4; i++) {
		if (found == NULL && candidates[i] != NULL && has_index(candidates[i]))
			found = realpath(candidates[i], NULL);
		free(candidates[i]);
	}
	free(exe_dir);
	if (found == NULL)
		set_cause(cause, "the web page's files are not installed: no index.html in %s/web nor "
		    "beside the binary (set UMLLAB_WEB_DIR to the folder core/web/page)", WEB_DATADIR);
	return found;
}

const char *web_mime(const char *name)
{
	const char *dot = strrchr(name, '.');
	static const struct { const char *ext, *mime; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".csv", "text/plain; charset=utf-8" },
		{ ".xml", "text/plain; charset=utf-8" },
	};
	for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].mime;
	return "text/plain; charset=utf-8";
}

bool web_name_safe(const char *name, const char *extra)
{
	if (name[0] == '\0' || name[0] == '.' || strlen(name) > 200)
		return false;
	for (const char *p = name; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.' ||
		    (extra != NULL && strchr(extra, *p) != NULL);
		if (!ok)
			return false;
	}
	/* No "..", no "//", no "/." component. */
	return strstr(name, "..") == NULL && strstr(name, "/.") == NULL && strstr(name, "//") == NULL;
}
