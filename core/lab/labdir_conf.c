/* core/lab/labdir_conf.c: read a Kathara lab's lab.conf and lab.dep (kathara-lab.conf(5),
 * kathara-lab.dep(5)) into struct kdir, every mistake at its line and column.
 *
 * lab.conf is a list of `DEV[N]=DOMAIN[/MAC]` (interface ethN of DEV on collision domain
 * DOMAIN), `DEV[option]=VALUE` and `LAB_*=TEXT` lines; values may be quoted with " or '.
 * What umllab cannot honour is refused or warned about here, with the reason. */
#include "core/lab/labdir_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

#define CONF_MAX (1u << 20)	/* lab.conf and lab.dep: at most 1 MiB */
#define OPTION_MAX 4096		/* one value */

void kdir_msg(struct kdir *d, int file, int line, int column, bool warning, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	d->msgs = xreallocarray(d->msgs, d->n_msgs + 1, sizeof(*d->msgs));
	d->msgs[d->n_msgs++] = (struct kmsg){ .file = file, .line = line, .column = column,
		.warning = warning, .text = text };
	if (!warning)
		d->n_errors++;
}

int kdir_file(struct kdir *d, const char *display)
{
	for (int i = 0; i < d->n_files; i++)
		if (strcmp(d->files[i], display) == 0)
			return i;
	if (d->n_files == KDIR_FILES_MAX)
		return 0;
	d->files[d->n_files] = xstrdup(display);
	return d->n_files++;
}

void kdir_free(struct kdir *d)
{
	for (size_t i = 0; i < d->n_devs; i++) {
		struct kdev *v = &d->devs[i];
		for (size_t k = 0; k < v->n_ifaces; k++)
			free(v->ifaces[k].mac);
		free(v->ifaces);
		free(v->image.text);
		free(v->mem.text);
		struct kvalue *lists[] = { v->sysctls, v->envs, v->execs };
		size_t ns[] = { v->n_sysctls, v->n_envs, v->n_execs };
		for (int l = 0; l < 3; l++) {
			for (size_t k = 0; k < ns[l]; k++)
				free(lists[l][k].text);
			free(lists[l]);
		}
		for (size_t k = 0; k < v->n_deps; k++)
			free(v->deps[k]);
		free(v->deps);
	}
	free(d->devs);
	for (size_t i = 0; i < d->n_info; i++) {
		free(d->info[i].key);
		free(d->info[i].value);
	}
	free(d->info);
	for (size_t i = 0; i < d->n_msgs; i++)
		free(d->msgs[i].text);
	free(d->msgs);
	for (int i = 0; i < d->n_files; i++)
		free(d->files[i]);
	free(d->dir);
	free(d->name);
	memset(d, 0, sizeof(*d));
}

/* ---- reading a file ---- */

/* The whole file, or NULL: *missing when it does not exist (no message then). */
static char *conf_read(struct kdir *d, int file, const char *path, size_t *len, bool *missing)
{
	*missing = false;
	FILE *f = fopen(path, "rbe");
	if (f == NULL) {
		if (errno == ENOENT)
			*missing = true;
		else
			kdir_msg(d, file, 0, 0, false, "cannot open: %s", strerror(errno));
		return NULL;
	}
	char *buf = xmalloc(CONF_MAX + 1);
	size_t n = fread(buf, 1, CONF_MAX + 1, f);
	bool err = ferror(f);
	fclose(f);
	if (err || n > CONF_MAX) {
		kdir_msg(d, file, 0, 0, false, err ? "cannot read it" :
		    "is larger than 1 MiB (expected a lab's few lines)");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The next line of buf (cut in place, without its \n or \r\n; a UTF-8 byte order mark
 * at the start of the file is skipped, as Kathara's Windows-to-Linux conversion does). */
static char *next_line(char **cursor, char *end, bool first)
{
	char *s = *cursor;
	if (s >= end)
		return NULL;
	char *nl = memchr(s, '\n', (size_t)(end - s));
	char *e = nl != NULL ? nl : end;
	*cursor = nl != NULL ? nl + 1 : end;
	*e = '\0';
	if (e > s && e[-1] == '\r')
		e[-1] = '\0';
	if (first && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
	    (unsigned char)s[2] == 0xbf)
		s += 3;
	return s;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return word_char(c) || c == '-';
}

/* Kathara's strtobool. */
static int conf_bool(const char *s)
{
	static const char *const yes[] = { "y", "yes", "t", "true", "on", "1" };
	static const char *const no[] = { "n", "no", "f", "false", "off", "0" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* ---- lab.conf ---- */

static struct kdev *dev_get(struct kdir *d, const char *name, struct kpos at)
{
	for (size_t i = 0; i < d->n_devs; i++)
		if (strcmp(d->devs[i].name, name) == 0)
			return &d->devs[i];
	d->devs = xreallocarray(d->devs, d->n_devs + 1, sizeof(*d->devs));
	struct kdev *v = &d->devs[d->n_devs++];
	memset(v, 0, sizeof(*v));
	str_copy(v->name, sizeof(v->name), name);
	v->at = at;
	return v;
}

static void kvalue_set(struct kvalue *v, const char *text, struct kpos at)
{
	free(v->text);
	v->text = xstrdup(text);
	v->at = at;
}

static void kvalue_add(struct kvalue **list, size_t *n, const char *text, struct kpos at)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = (struct kvalue){ .text = xstrdup(text), .at = at };
}

/* `DEV[N]=DOMAIN[/MAC]` */
static void conf_iface(struct kdir *d, struct kdev *v, const char *arg, const char *value,
    struct kpos at)
{
	char *end;
	errno = 0;
	unsigned long num = strtoul(arg, &end, 10);
	if (num >= LAB_IFACE_MAX || errno != 0) {
		kdir_msg(d, at.file, at.line, at.column - (int)strlen(arg) - 2, false,
		    "interface %s of %s is eth%s (expected 0 to %d: umllab's instances have eth0 to eth%d)",
		    arg, v->name, arg, LAB_IFACE_MAX - 1, LAB_IFACE_MAX - 1);
		return;
	}
	/* Kathara splits on '/' and drops empty parts. */
	char *copy = xstrdup(value);
	char *parts[3] = { NULL, NULL, NULL };
	int n = 0;
	bool bad = false;
	for (char *save = NULL, *p = strtok_r(copy, "/", &save); p != NULL;
	    p = strtok_r(NULL, "/", &save)) {
		if (n == 2) {
			bad = true;
			break;
		}
		parts[n++] = p;
	}
	if (bad || n == 0) {
		kdir_msg(d, at.file, at.line, at.column, false, "`%s` is not an interface definition "
		    "(expected a collision domain, optionally followed by /MAC: A or A/02:42:ac:11:00:02)",
		    value);
		free(copy);
		return;
	}
	const char *dom = parts[0];
	bool word = true;
	for (const char *p = dom; *p != '\0'; p++)
		word = word && word_char(*p);
	if (!word || strlen(dom) > LAB_NAME_MAX) {
		kdir_msg(d, at.file, at.line, at.column, false, "collision domain `%s` of %s[%s] %s "
		    "(expected 1 to %d letters, digits or _)", dom, v->name, arg,
		    word ? "is too long" : "contains other characters", LAB_NAME_MAX);
		free(copy);
		return;
	}
	for (size_t k = 0; k < v->n_ifaces; k++) {
		if (v->ifaces[k].num == num) {
			kdir_msg(d, at.file, at.line, at.column - (int)strlen(arg) - 2, false,
			    "eth%lu of %s is given twice: it is on `%s` at line %d already (expected one "
			    "line per interface)", num, v->name, v->ifaces[k].domain, v->ifaces[k].at.line);
			free(copy);
			return;
		}
	}
	v->ifaces = xreallocarray(v->ifaces, v->n_ifaces + 1, sizeof(*v->ifaces));
	struct kiface *f = &v->ifaces[v->n_ifaces++];
	memset(f, 0, sizeof(*f));
	f->num = (unsigned)num;
	str_copy(f->domain, sizeof(f->domain), dom);
	f->mac = parts[1] != NULL ? xstrdup(parts[1]) : NULL;
	f->at = at;
	free(copy);
}

/* `DEV[option]=VALUE`: what umllab honours, and what it says it does not. */
static void conf_option(struct kdir *d, struct kdev *v, const char *opt, const char *value,
    struct kpos at)
{
	int ln = at.line, col = at.column, f = at.file;
	if (strcmp(opt, "image") == 0) {
		kvalue_set(&v->image, value, at);
	} else if (strcmp(opt, "mem") == 0) {
		kvalue_set(&v->mem, value, at);
	} else if (strcmp(opt, "ipv6") == 0) {
		int b = conf_bool(value);
		if (b < 0)
			kdir_msg(d, f, ln, col, false, "ipv6 `%s` of %s is not a boolean (expected true or "
			    "false)", value, v->name);
		else {
			v->ipv6 = b == 1;
			v->ipv6_at = at;
		}
	} else if (strcmp(opt, "sysctl") == 0) {
		/* Kathara: net.* only, KEY=VALUE; the same key again replaces the value. */
		const char *eq = strchr(value, '=');
		bool ok = eq != NULL && strncmp(value, "net.", 4) == 0 && strchr(eq + 1, '=') == NULL;
		for (const char *p = value; ok && p < eq; p++)
			ok = name_char(*p) || *p == '.';
		for (const char *p = eq != NULL ? eq + 1 : ""; ok && *p != '\0'; p++)
			ok = isprint((unsigned char)*p) && *p != '\'' && *p != '\\';
		if (!ok) {
			kdir_msg(d, f, ln, col, false, "sysctl `%s` of %s is not a setting of the net. "
			    "namespace (expected net.KEY=VALUE, such as net.ipv4.ip_forward=1)", value, v->name);
			return;
		}
		size_t klen = (size_t)(eq - value);
		for (size_t k = 0; k < v->n_sysctls; k++) {
			if (strncmp(v->sysctls[k].text, value, klen + 1) == 0) {
				kvalue_set(&v->sysctls[k], value, at);
				return;
			}
		}
		kvalue_add(&v->sysctls, &v->n_sysctls, value, at);
	} else if (strcmp(opt, "env") == 0) {
		const char *eq = strchr(value, '=');
		bool ok = eq != NULL && eq != value;
		for (const char *p = value; ok && p < eq; p++)
			ok = word_char(*p);
		for (const char *p = eq != NULL ? eq + 1 : ""; ok && *p != '\0'; p++)
			ok = isprint((unsigned char)*p) && *p != '\'' && *p != '\\';
		if (!ok) {
			kdir_msg(d, f, ln, col, false, "env `%s` of %s is not a variable (expected "
			    "NAME=VALUE, such as env=LANG=C)", value, v->name);
			return;
		}
		size_t klen = (size_t)(eq - value);
		for (size_t k = 0; k < v->n_envs; k++) {
			if (strncmp(v->envs[k].text, value, klen + 1) == 0) {
				kvalue_set(&v->envs[k], value, at);
				return;
			}
		}
		kvalue_add(&v->envs, &v->n_envs, value, at);
	} else if (strcmp(opt, "exec") == 0) {
		kvalue_add(&v->execs, &v->n_execs, value, at);
	} else if (strcmp(opt, "privileged") == 0) {
		if (conf_bool(value) < 0)
			kdir_msg(d, f, ln, col, false, "privileged `%s` of %s is not a boolean (expected "
			    "true or false)", value, v->name);
		/* Honoured either way: root in a UML guest holds every privilege of its own kernel. */
	} else if (strcmp(opt, "cpus") == 0) {
		kdir_msg(d, f, ln, col, true, "cpus of %s is not honoured: a User-Mode Linux guest has "
		    "one CPU", v->name);
	} else if (strcmp(opt, "bridged") == 0) {
		int b = conf_bool(value);
		if (b < 0)
			kdir_msg(d, f, ln, col, false, "bridged `%s` of %s is not a boolean (expected true or "
			    "false)", value, v->name);
		else if (b == 1)
			kdir_msg(d, f, ln, col, true, "bridged of %s is not honoured: umllab gives a guest no "
			    "interface to the host's network (lab traffic stays on umllab's switches); %s "
			    "gets no extra interface", v->name, v->name);
	} else if (strcmp(opt, "port") == 0) {
		kdir_msg(d, f, ln, col, true, "port `%s` of %s is not honoured: umllab publishes no "
		    "port of a guest on the host (lab traffic stays on umllab's switches); reach it "
		    "with `umllab exec`", value, v->name);
	} else if (strcmp(opt, "shell") == 0) {
		kdir_msg(d, f, ln, col, true, "shell `%s` of %s is not honoured: `umllab console %s` "
		    "gives the console's shell (type %s there)", value, v->name, v->name, value);
	} else if (strcmp(opt, "num_terms") == 0) {
		char *end;
		long n = strtol(value, &end, 10);
		if (*end != '\0' || n < 0)
			kdir_msg(d, f, ln, col, false, "num_terms `%s` of %s is not a number (expected 0 "
			    "or more)", value, v->name);
		else if (n > 0)
			kdir_msg(d, f, ln, col, true, "num_terms of %s is not honoured: umllab opens no "
			    "terminal windows; `umllab console %s` attaches to its console", v->name, v->name);
	} else if (strcmp(opt, "ulimit") == 0 || strcmp(opt, "entrypoint") == 0 ||
	    strcmp(opt, "args") == 0 || strcmp(opt, "volume") == 0) {
		static const struct {
			const char *opt, *why;
		} whys[] = {
			{ "ulimit", "a guest sets its own limits (ulimit in its startup script)" },
			{ "entrypoint", "every guest boots umllab's init, which runs the startup scripts" },
			{ "args", "every guest boots umllab's init, which runs the startup scripts" },
			{ "volume", "guests see the lab directory at /hostlab and shared/ at /shared only" },
		};
		const char *why = "";
		for (size_t i = 0; i < sizeof(whys) / sizeof(whys[0]); i++)
			if (strcmp(whys[i].opt, opt) == 0)
				why = whys[i].why;
		kdir_msg(d, f, ln, col, true, "%s of %s is not honoured: %s", opt, v->name, why);
	} else {
		kdir_msg(d, f, ln, col - (int)strlen(opt) - 2, true, "unknown option `%s` of %s is "
		    "ignored (expected one of: image, mem, cpus, ipv6, sysctl, env, exec, shell, "
		    "num_terms, bridged, port, ulimit, privileged, entrypoint, args, volume)", opt, v->name);
	}
}

/* A value: "..." or '...' (then only a comment may follow), or bare text up to a comment
 * (` #...`). Returns it (malloc'd) with *col its column, or NULL after a message. */
static char *conf_value(struct kdir *d, int line, const char *s, const char *line_start, int *col)
{
	*col = (int)(s - line_start) + 1;
	char *text;
	if (*s == '"' || *s == '\'') {
		const char *close = strchr(s + 1, *s);
		if (close == NULL) {
			kdir_msg(d, KFILE_CONF, line, *col, false, "the quote %c is not closed (expected "
			    "a closing %c on the same line)", *s, *s);
			return NULL;
		}
		const char *rest = close + 1;
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (*rest != '\0' && !(*rest == '#' && rest > close + 1)) {
			kdir_msg(d, KFILE_CONF, line, (int)(rest - line_start) + 1, false, "text after the "
			    "closing quote (expected the end of the line, or a comment after a space: # ...)");
			return NULL;
		}
		(*col)++;
		text = xstrndup(s + 1, (size_t)(close - s - 1));
	} else {
		const char *e = s + strlen(s);
		for (const char *p = s; *p != '\0'; p++) {
			if (*p == '#' && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
				e = p;
				break;
			}
		}
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		text = xstrndup(s, (size_t)(e - s));
		if (strpbrk(text, "\"'") != NULL) {
			kdir_msg(d, KFILE_CONF, line, *col, false, "a quote inside the value `%s` (expected "
			    "the whole value quoted, or no quotes)", text);
			free(text);
			return NULL;
		}
	}
	if (text[0] == '\0') {
		kdir_msg(d, KFILE_CONF, line, *col, false, "the value is empty (expected a value after =)");
		free(text);
		return NULL;
	}
	if (strlen(text) > OPTION_MAX) {
		kdir_msg(d, KFILE_CONF, line, *col, false, "the value is longer than %d bytes", OPTION_MAX);
		free(text);
		return NULL;
	}
	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			kdir_msg(d, KFILE_CONF, line, *col, false, "the value holds a control character "
			    "(expected text)");
			free(text);
			return NULL;
		}
	}
	return text;
}

static const char *const lab_meta[] = { "NAME", "DESCRIPTION", "VERSION", "AUTHOR", "EMAIL", "WEB" };

/* `LAB_KEY=TEXT`: true when the line is one (right or wrong). */
static bool conf_meta(struct kdir *d, int line, const char *s, const char *line_start)
{
	if (strncmp(s, "LAB_", 4) != 0)
		return false;
	const char *eq = strchr(s, '=');
	if (eq == NULL)
		return false;
	size_t klen = (size_t)(eq - s - 4);
	size_t which = sizeof(lab_meta) / sizeof(lab_meta[0]);
	for (size_t i = 0; i < sizeof(lab_meta) / sizeof(lab_meta[0]); i++)
		if (strlen(lab_meta[i]) == klen && strncmp(s + 4, lab_meta[i], klen) == 0)
			which = i;
	if (which == sizeof(lab_meta) / sizeof(lab_meta[0])) {
		kdir_msg(d, KFILE_CONF, line, (int)(s - line_start) + 1, false, "unknown line `%.*s` "
		    "(expected one of: LAB_NAME, LAB_DESCRIPTION, LAB_VERSION, LAB_AUTHOR, LAB_EMAIL, "
		    "LAB_WEB)", (int)(eq - s), s);
		return true;
	}
	/* Kathara drops every quote of the value and trims it. */
	struct strbuf b = { 0 };
	for (const char *p = eq + 1; *p != '\0'; p++)
		if (*p != '"' && *p != '\'')
			strbuf_append(&b, p, 1);
	char *v = b.s != NULL ? strbuf_take(&b) : xstrdup("");
	char *t = v;
	while (*t == ' ' || *t == '\t')
		t++;
	size_t n = strlen(t);
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		t[--n] = '\0';
	char key[16];
	snprintf(key, sizeof(key), "%s", lab_meta[which]);
	for (char *p = key; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	size_t slot = d->n_info;
	for (size_t i = 0; i < d->n_info; i++)
		if (strcmp(d->info[i].key, key) == 0)
			slot = i;
	if (slot == d->n_info) {
		if (d->n_info == sizeof(d->info_at) / sizeof(d->info_at[0])) {
			free(v);
			return true;
		}
		d->info = xreallocarray(d->info, d->n_info + 1, sizeof(*d->info));
		d->info[d->n_info++] = (struct lab_info){ .key = xstrdup(key), .value = NULL };
	}
	free(d->info[slot].value);
	d->info[slot].value = xstrdup(t);
	d->info_at[slot] = (struct kpos){ KFILE_CONF, line, (int)(eq - line_start) + 2 };
	free(v);
	return true;
}

static void conf_line(struct kdir *d, int line, char *text)
{
	char *s = text;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return;
	if (conf_meta(d, line, s, text))
		return;
	const char *name = s;
	while (name_char(*s))
		s++;
	size_t nlen = (size_t)(s - name);
	if (nlen == 0 || *s != '[') {
		kdir_msg(d, KFILE_CONF, line, (int)(name - text) + 1, false, "`%s` is not a line of "
		    "lab.conf (expected DEVICE[N]=DOMAIN, DEVICE[option]=VALUE, LAB_KEY=TEXT or # a "
		    "comment)", name);
		return;
	}
	int name_col = (int)(name - text) + 1;
	char dev[LAB_NAME_MAX + 1];
	if (nlen > LAB_NAME_MAX) {
		kdir_msg(d, KFILE_CONF, line, name_col, false, "device name `%.*s` is longer than %d "
		    "characters", (int)nlen, name, LAB_NAME_MAX);
		return;
	}
	memcpy(dev, name, nlen);
	dev[nlen] = '\0';
	if (strcmp(dev, "shared") == 0 || strcmp(dev, "_test") == 0) {
		kdir_msg(d, KFILE_CONF, line, name_col, false, "`%s` is a reserved name, not a device "
		    "(as in Kathara: shared/ is the folder every device shares)", dev);
		return;
	}
	const char *arg = ++s;
	while (word_char(*s))
		s++;
	if (s == arg || *s != ']' || s[1] != '=') {
		kdir_msg(d, KFILE_CONF, line, (int)(s - text) + 1, false, "`%s` is not a device line "
		    "(expected %s[N]=DOMAIN or %s[option]=VALUE)", name, dev, dev);
		return;
	}
	char argbuf[64];
	snprintf(argbuf, sizeof(argbuf), "%.*s", (int)(s - arg), arg);
	s += 2;
	int vcol;
	char *value = conf_value(d, line, s, text, &vcol);
	if (value == NULL)
		return;
	struct kpos at = { KFILE_CONF, line, vcol };
	struct kdev *v = dev_get(d, dev, (struct kpos){ KFILE_CONF, line, name_col });
	bool digits = true;
	for (const char *p = argbuf; *p != '\0'; p++)
		digits = digits && isdigit((unsigned char)*p);
	if (digits)
		conf_iface(d, v, argbuf, value, at);
	else
		conf_option(d, v, argbuf, value, at);
	free(value);
}

/* ---- lab.dep ---- */

/* `DEV: DEP1 DEP2 ...`: DEV boots after every DEPn is up. */
static void dep_line(struct kdir *d, int line, char *text)
{
	char *s = text;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return;
	char *name = s;
	while (word_char(*s) || *s == '-')
		s++;
	size_t nlen = (size_t)(s - name);
	if (nlen == 0 || *s != ':') {
		kdir_msg(d, KFILE_DEP, line, (int)(s - text) + 1, false, "`%s` is not a line of lab.dep "
		    "(expected DEVICE: DEVICE1 DEVICE2 ...)", name);
		return;
	}
	*s++ = '\0';
	struct kdev *v = NULL;
	for (size_t i = 0; i < d->n_devs; i++)
		if (strcmp(d->devs[i].name, name) == 0)
			v = &d->devs[i];
	if (v == NULL) {
		kdir_msg(d, KFILE_DEP, line, (int)(name - text) + 1, true, "`%s` is not a device of "
		    "lab.conf: this line is ignored", name);
		return;
	}
	if (v->n_deps == 0)
		v->deps_at = (struct kpos){ KFILE_DEP, line, (int)(name - text) + 1 };
	int n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		char *w = s;
		while (word_char(*s) || *s == '-')
			s++;
		if (s == w || (*s != '\0' && *s != ' ' && *s != '\t')) {
			kdir_msg(d, KFILE_DEP, line, (int)(w - text) + 1, false, "`%s` is not a device name "
			    "(expected letters, digits, _ or -)", w);
			return;
		}
		char save = *s;
		*s = '\0';
		bool known = false;
		for (size_t i = 0; i < d->n_devs; i++)
			known = known || strcmp(d->devs[i].name, w) == 0;
		if (!known) {
			kdir_msg(d, KFILE_DEP, line, (int)(w - text) + 1, true, "`%s` is not a device of "
			    "lab.conf: %s does not wait for it", w, v->name);
		} else {
			v->deps = xreallocarray(v->deps, v->n_deps + 1, sizeof(*v->deps));
			v->deps[v->n_deps++] = xstrdup(w);
		}
		*s = save;
		n++;
	}
	if (n == 0)
		kdir_msg(d, KFILE_DEP, line, (int)(s - text) + 1, false, "%s depends on nothing "
		    "(expected the devices it boots after: %s: DEVICE1 DEVICE2)", name, name);
}

static void read_lines(struct kdir *d, int file, char *buf, size_t len,
    void (*fn)(struct kdir *, int, char *))
{
	const char *nul = memchr(buf, '\0', len);
	if (nul != NULL) {
		int line = 1;
		for (const char *p = buf; p < nul; p++)
			line += *p == '\n';
		kdir_msg(d, file, line, 1, false, "a NUL byte (expected text)");
		return;
	}
	char *cursor = buf, *end = buf + len, *text;
	int line = 0;
	while ((text = next_line(&cursor, end, line == 0)) != NULL)
		fn(d, ++line, text);
}

void kdir_read_conf(struct kdir *d)
{
	size_t len;
	bool missing;
	char *path = xasprintf("%s/lab.conf", d->dir);
	char *buf = conf_read(d, KFILE_CONF, path, &len, &missing);
	free(path);
	if (missing) {
		kdir_msg(d, KFILE_CONF, 0, 0, false, "there is no lab.conf (expected a Kathara lab "
		    "directory: lab.conf names its devices and their collision domains)");
		return;
	}
	if (buf == NULL)
		return;
	read_lines(d, KFILE_CONF, buf, len, conf_line);
	free(buf);
	if (d->n_devs == 0 && d->n_errors == 0)
		kdir_msg(d, KFILE_CONF, 0, 0, false, "lab.conf names no device (expected lines such as "
		    "pc1[0]=A)");
	path = xasprintf("%s/lab.dep", d->dir);
	buf = conf_read(d, KFILE_DEP, path, &len, &missing);
	free(path);
	if (buf != NULL)
		read_lines(d, KFILE_DEP, buf, len, dep_line);
	free(buf);
}
