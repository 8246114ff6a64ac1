/* core/web/web_grade.c: `umllab web --grade DIR`: a grading output directory (summary.json, each submission's reports) sent to the page whenever it changes, while `grade` writes it. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/json.h"
#include "core/web/web_int.h"

#define GRADE_POLL_S 0.5
#define GRADE_FILES_MAX 10000
#define GRADE_SUMMARY_MAX (16u << 20)

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *web_grade_file(struct web_server *srv, const char *name)
{
	if (srv->grade_dir == NULL || !web_name_safe(name, NULL))
		return NULL;
	char *path = xasprintf("%s/%s", srv->grade_dir, name);
	struct stat st;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(path);
		return NULL;
	}
	return path;
}

/* summary.json as it is when it is whole JSON, else null. */
static void put_summary(struct strbuf *b, const char *dir)
{
	char *path = xasprintf("%s/summary.json", dir);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	struct strbuf text = { 0 };
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size <= GRADE_SUMMARY_MAX) {
		char buf[65536];
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			strbuf_append(&text, buf, (size_t)n);
	}
	if (fd >= 0)
		close(fd);
	struct json *j = text.len > 0 ? json_parse(text.s, text.len, NULL) : NULL;
	if (j != NULL)
		strbuf_append(b, text.s, text.len);
	else
		strbuf_printf(b, "null");
	json_free(j);
	free(text.s);
}

/* The directory as the page sees it: its files (name, size, mtime) and the summary. */
static char *grade_state(const char *dir)
{
	struct strbuf b = { 0 };
	strbuf_printf(&b, "{\"t\":\"grade\",\"dir\":");
	json_write_string(&b, dir);
	strbuf_printf(&b, ",\"files\":[");
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while (d != NULL && n < GRADE_FILES_MAX && (e = readdir(d)) != NULL) {
		if (!web_name_safe(e->d_name, NULL))
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	if (d != NULL)
		closedir(d);
	if (n > 1)	/* names is NULL when the directory is empty: qsort wants an array */
		qsort(names, n, sizeof(*names), name_cmp);
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char *path = xasprintf("%s/%s", dir, names[i]);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			strbuf_printf(&b, "%s{\"name\":", shown++ ? "," : "");
			json_write_string(&b, names[i]);
			strbuf_printf(&b, ",\"size\":%lld,\"mtime\":%lld.%03ld}", (long long)st.st_size,
			    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec / 1000000);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	strbuf_printf(&b, "],\"summary\":");
	put_summary(&b, dir);
	strbuf_printf(&b, "}");
	return strbuf_take(&b);
}

static void grade_poll(struct web_session *s)
{
	char *state = grade_state(s->srv->grade_dir);
	if (s->last_state == NULL || strcmp(state, s->last_state) != 0) {
		web_send(s, false, state, strlen(state));
		free(s->last_state);
		s->last_state = state;
	} else {
		free(state);
	}
}

static void grade_on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	grade_poll(t->data);
}

void web_grade_start(struct web_session *s)
{
	ev_timer_init(&s->retry, grade_on_timer, GRADE_POLL_S, GRADE_POLL_S);
	s->retry.data = s;
	ev_timer_start(s->srv->loop, &s->retry);
	grade_poll(s);
}
