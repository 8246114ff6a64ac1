/* core/lab/labdir.c: a Kathara lab directory as a topology: its images mapped to umllab's,
 * the equivalent YAML written line by line (each line remembering where in lab.conf it comes
 * from), and that YAML loaded by the topology's own checks, its mistakes told at lab.conf's
 * lines. labdir_conf.c reads lab.conf and lab.dep. */
#include "core/lab/labdir.h"
#include "core/lab/labdir_int.h"
#include "core/lab/topology_tree.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/util.h"

#define MEM_DEFAULT "128M"	/* Debian with FRR uses about 60 MiB of it */
#define MEM_MIN (16ULL << 20)
#define MEM_MAX (4ULL << 30)

/* What Kathara's base image (KatharaFramework/Docker-Images, base/Dockerfile) gives for
 * networking labs, from Debian bookworm; docs/kathara.md lists what is left out (compilers,
 * Python's pip, man pages). Kathara-Labs' slides use links (the web labs' browser), scapy
 * (two-computers, one-bridge: Kathara installs it with pip; Debian's package here) and
 * iproute2's routel, a Python program. */
static const char *const base_packages[] = {
	"apache2", "arping", "arptables", "bind9", "bind9-dnsutils", "bind9-utils",
	"bridge-utils", "curl", "ebtables", "ethtool", "hping3", "ifupdown", "iperf3", "iproute2",
	"iptables", "iputils-ping", "iputils-tracepath", "kmod", "less", "links", "mtr-tiny",
	"nano", "ndisc6", "net-tools", "netbase", "netcat-openbsd", "openssh-client", "procps",
	"psmisc", "python3-scapy", "radvd", "rsync", "tcpdump", "telnet", "traceroute",
	"vim-tiny", "wget",
};
#define N_BASE (sizeof(base_packages) / sizeof(base_packages[0]))

/* ---- images ---- */

enum kimage_kind { KIMAGE_BASE, KIMAGE_FRR, KIMAGE_MAPPED };

struct kimage {
	char name[LAB_NAME_MAX + 1];	/* in the YAML */
	enum kimage_kind kind;
	const struct ynode *def;	/* KIMAGE_MAPPED: its definition in the images file */
	struct kpos at;
};

struct kimages {
	struct kimage *v;
	size_t n;
	struct ynode *root;		/* the images file's tree */
	const struct ynode *map;	/* its `images:` mapping */
	int file;			/* its index in kdir.files */
};

/* Images Kathara's labs use that Debian bookworm cannot give: why, for the message. */
static const struct {
	const char *name, *why;
} unbuildable[] = {
	{ "kathara/quagga", "Quagga is in no Debian release this machine can fetch (it left "
	    "Debian after 10, buster, whose packages are only on archive.debian.org now): "
	    "use kathara/frr, FRR being Quagga's successor (move /etc/quagga/*.conf into one "
	    "/etc/frr/frr.conf and `/etc/init.d/zebra start` to `systemctl start frr`)" },
	{ "kathara/p4", "it needs P4's compiler and software switch (p4c, bmv2), which Debian "
	    "bookworm does not ship" },
	{ "kathara/pox", "it needs the POX controller, which Debian bookworm does not ship" },
	{ "kathara/sdn", "it needs Open vSwitch built with its kernel module for this guest "
	    "and the SDN controllers of Kathara's image, which umllab's images do not have" },
};

/* The name without its tag (`kathara/bind:9.11` is kathara/bind). */
static char *image_untagged(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *colon = strchr(slash != NULL ? slash : name, ':');
	return colon != NULL ? xstrndup(name, (size_t)(colon - name)) : xstrdup(name);
}

/* A name of the topology for an image name (slashes and the rest become -). */
static void image_yaml_name(const char *name, char out[LAB_NAME_MAX + 1])
{
	size_t n = 0;
	for (const char *p = name; *p != '\0' && n < LAB_NAME_MAX; p++)
		out[n++] = isalnum((unsigned char)*p) || *p == '_' || *p == '-' ? *p : '-';
	out[n] = '\0';
	if (n == 0)
		str_copy(out, LAB_NAME_MAX + 1, "image");
}

static const struct ynode *images_file_find(const struct kimages *im, const char *name)
{
	if (im->map == NULL)
		return NULL;
	for (size_t k = 0; k + 1 < im->map->n_kids; k += 2) {
		const struct ynode *key = im->map->kids[k];
		if (key->type == YNODE_SCALAR && !key->dup && strcmp(key->str, name) == 0)
			return key;
	}
	return NULL;
}

static const struct ynode *images_file_def(const struct kimages *im, const struct ynode *key)
{
	for (size_t j = 0; j + 1 < im->map->n_kids; j += 2)
		if (im->map->kids[j] == key)
			return im->map->kids[j + 1];
	return NULL;
}

/* The image of a device: its YAML name, or NULL after a message at `at`. */
static const char *image_resolve(struct kdir *d, struct kimages *im, const char *name,
    struct kpos at)
{
	char *untagged = image_untagged(name);
	const struct ynode *key = images_file_find(im, name);
	if (key == NULL)
		key = images_file_find(im, untagged);
	enum kimage_kind kind = KIMAGE_MAPPED;
	char yname[LAB_NAME_MAX + 1];
	/* A mapping to a name (`"kathara/base": kathara/frr`, as Kathara's default image
	 * setting) stands for that built-in image. */
	const struct ynode *def = key != NULL ? images_file_def(im, key) : NULL;
	if (def != NULL && def->type == YNODE_SCALAR) {
		char *alias = image_untagged(def->str);
		bool frr = strcmp(alias, "kathara/frr") == 0;
		if (!frr && strcmp(alias, "kathara/base") != 0) {
			kdir_msg(d, im->file, def->line, def->column, false, "image `%s` is mapped to "
			    "`%s` (expected kathara/base, kathara/frr, or a definition such as "
			    "{debian: bookworm, packages: [frr]})", key->str, def->show);
			free(alias);
			free(untagged);
			return NULL;
		}
		free(alias);
		free(untagged);
		untagged = xstrdup(frr ? "kathara/frr" : "kathara/base");
		key = NULL;
	}
	if (key != NULL) {
		image_yaml_name(key->str, yname);
	} else if (strcmp(untagged, "kathara/base") == 0 || strcmp(untagged, "kathara/bind") == 0) {
		kind = KIMAGE_BASE;
		str_copy(yname, sizeof(yname), "kathara-base");
	} else if (strcmp(untagged, "kathara/frr") == 0) {
		kind = KIMAGE_FRR;
		str_copy(yname, sizeof(yname), "kathara-frr");
	} else {
		const char *why = NULL;
		for (size_t i = 0; i < sizeof(unbuildable) / sizeof(unbuildable[0]); i++)
			if (strcmp(unbuildable[i].name, untagged) == 0)
				why = unbuildable[i].why;
		kdir_msg(d, at.file, at.line, at.column, false, "image `%s` %s%s (expected kathara/base "
		    "or kathara/frr, or a mapping of the name: `umllab up DIR --images FILE`, FILE "
		    "holding images: {\"%s\": {debian: bookworm, packages: [...]}}; see docs/kathara.md)",
		    name, why != NULL ? "cannot be built here: " : "is not one umllab knows",
		    why != NULL ? why : "", untagged);
		free(untagged);
		return NULL;
	}
	free(untagged);
	for (size_t i = 0; i < im->n; i++)
		if (strcmp(im->v[i].name, yname) == 0)
			return im->v[i].name;
	im->v = xreallocarray(im->v, im->n + 1, sizeof(*im->v));
	struct kimage *k = &im->v[im->n++];
	memset(k, 0, sizeof(*k));
	str_copy(k->name, sizeof(k->name), yname);
	k->kind = kind;
	if (key != NULL) {
		k->def = images_file_def(im, key);
		k->at = (struct kpos){ im->file, key->line, key->column };
	} else {
		k->at = at;
	}
	return k->name;
}

/* The images file: `images:` keyed by image name, each in the topology's own form. */
static void images_file_read(struct kdir *d, struct kimages *im, const char *path,
    struct lab_diag *diag)
{
	im->file = kdir_file(d, path);
	struct lab_diag read = { 0 };
	size_t len = 0;
	char *text = topo_file_read(path, &len, &read);
	for (size_t i = 0; i < read.n; i++)
		kdir_msg(d, im->file, 0, 0, false, "%s", read.msgs[i]);
	lab_diag_free(&read);
	if (text == NULL)
		return;
	struct topo_report r = { .file = path };
	im->root = topo_tree_parse(&r, text, len);
	free(text);
	if (im->root != NULL) {
		struct field f[] = { { .name = "images" } };
		if (im->root->type != YNODE_MAPPING)
			topo_error(&r, im->root->line, im->root->column, "the file holds %s (expected a "
			    "mapping with `images:`)", topo_kind(im->root));
		else
			topo_map_fields(&r, im->root, f, 1, "in an images file");
		if (f[0].val != NULL && topo_want_mapping(&r, f[0].key, f[0].val, false, "`images`",
		    "a mapping of image names such as {\"kathara/base\": {debian: bookworm}}"))
			im->map = f[0].val;
	}
	topo_report_flush(&r, diag);
}

/* ---- the YAML, line by line ---- */

struct gen {
	struct strbuf y;
	struct kpos *origin;	/* [line - 1] */
	size_t n, cap;
};

static void gen_line(struct gen *g, struct kpos at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void gen_line(struct gen *g, struct kpos at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_printf(&g->y, "%s\n", text);
	free(text);
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->origin = xreallocarray(g->origin, g->cap, sizeof(*g->origin));
	}
	g->origin[g->n++] = at;
}

/* A YAML double-quoted string (malloc'd). */
static char *yq(const char *s)
{
	struct strbuf b = { 0 };
	strbuf_append(&b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_printf(&b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_printf(&b, "\\x%02x", *p);
		else
			strbuf_append(&b, p, 1);
	}
	strbuf_append(&b, "\"", 1);
	return strbuf_take(&b);
}

/* A node of the images file again, in flow style. */
static void yaml_node(struct strbuf *b, const struct ynode *n)
{
	if (n == NULL || n->type == YNODE_ALIAS) {
		strbuf_printf(b, "~");
	} else if (n->type == YNODE_SCALAR) {
		bool plain = n->plain && n->len > 0 && strlen(n->str) == n->len;
		for (size_t i = 0; plain && i < n->len; i++)
			plain = isalnum((unsigned char)n->str[i]) || strchr("._/+-", n->str[i]) != NULL;
		char *q = plain ? xstrdup(n->str) : yq(n->str);
		strbuf_printf(b, "%s", q);
		free(q);
	} else if (n->type == YNODE_SEQUENCE) {
		strbuf_printf(b, "[");
		for (size_t i = 0; i < n->n_kids; i++) {
			strbuf_printf(b, "%s", i ? ", " : "");
			yaml_node(b, n->kids[i]);
		}
		strbuf_printf(b, "]");
	} else {
		strbuf_printf(b, "{");
		for (size_t i = 0; i + 1 < n->n_kids; i += 2) {
			strbuf_printf(b, "%s", i ? ", " : "");
			yaml_node(b, n->kids[i]);
			strbuf_printf(b, ": ");
			yaml_node(b, n->kids[i + 1]);
		}
		strbuf_printf(b, "}");
	}
}

/* `mem` as Kathara reads it (N with b, k, m or g; a bare number is megabytes), as a size the
 * topology takes. NULL after a message. */
static char *mem_value(struct kdir *d, const struct kdev *v)
{
	const char *s = v->mem.text;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	unsigned long long mult = 1ULL << 20;
	if (end != s && *end != '\0' && end[1] == '\0') {
		switch (tolower((unsigned char)*end)) {
		case 'b': mult = 1; break;
		case 'k': mult = 1ULL << 10; break;
		case 'm': mult = 1ULL << 20; break;
		case 'g': mult = 1ULL << 30; break;
		default: mult = 0;
		}
		end++;
	}
	if (end == s || *end != '\0' || mult == 0 || errno != 0 || !isdigit((unsigned char)*s)) {
		kdir_msg(d, v->mem.at.file, v->mem.at.line, v->mem.at.column, false, "mem `%s` of %s "
		    "is not a size (expected a number with b, k, m or g, such as 256m)", s, v->name);
		return NULL;
	}
	unsigned long long bytes = n > MEM_MAX / mult + 1 ? MEM_MAX + 1 : n * mult;
	if (bytes < MEM_MIN || bytes > MEM_MAX) {
		kdir_msg(d, v->mem.at.file, v->mem.at.line, v->mem.at.column, true, "mem `%s` of %s is "
		    "%s for a User-Mode Linux guest: it gets %s", s, v->name,
		    bytes < MEM_MIN ? "too small" : "too large", bytes < MEM_MIN ? "16M" : "4G");
		bytes = bytes < MEM_MIN ? MEM_MIN : MEM_MAX;
	}
	return bytes % (1ULL << 20) == 0 ? xasprintf("%lluM", bytes >> 20) :
	    xasprintf("%lluK", (bytes + 1023) >> 10);
}

static bool file_exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	bool ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return ok;
}

/* A startup or shutdown script: its line when the file is there. */
static void gen_script(struct gen *g, struct kdir *d, const char *file)
{
	if (!file_exists(d->dir, file))
		return;
	struct kpos at = { kdir_file(d, file), 1, 1 };
	gen_line(g, at, "      - \"" LABDIR_HELPER " run %s\"", file);
}

/* The kind of an image of im, by its YAML name. */
static enum kimage_kind image_kind(const struct kimages *im, const char *name)
{
	for (size_t i = 0; i < im->n; i++)
		if (strcmp(im->v[i].name, name) == 0)
			return im->v[i].kind;
	return KIMAGE_MAPPED;
}

static void gen_device(struct gen *g, struct kdir *d, struct kimages *im, const struct kdev *v)
{
	struct kpos none = v->at;
	gen_line(g, v->at, "  %s:", v->name);
	const char *image = image_resolve(d, im, v->image.text != NULL ? v->image.text :
	    "kathara/base", v->image.text != NULL ? v->image.at : v->at);
	if (image != NULL)
		gen_line(g, v->image.text != NULL ? v->image.at : v->at, "    image: %s", image);
	char *mem = v->mem.text != NULL ? mem_value(d, v) : NULL;
	gen_line(g, v->mem.text != NULL ? v->mem.at : v->at, "    mem: %s",
	    mem != NULL ? mem : MEM_DEFAULT);
	free(mem);
	gen_line(g, none, "    forward: true");
	/* IPv6 on: umllab's boot loads it before the links come up and gives them their
	 * link-local addresses, and umllab knows the guest runs it (ping -6, checks). Off
	 * (Kathara's default) stays Kathara's sysctls, which a startup may undo. */
	if (v->ipv6)
		gen_line(g, v->ipv6_at, "    ipv6: true");
	if (v->n_ifaces > 0) {
		gen_line(g, none, "    interfaces:");
		for (size_t k = 0; k < v->n_ifaces; k++) {
			const struct kiface *f = &v->ifaces[k];
			char *mac = f->mac != NULL ? yq(f->mac) : NULL;
			gen_line(g, f->at, "      eth%u: {switch: %s%s%s}", f->num, f->domain,
			    mac != NULL ? ", mac: " : "", mac != NULL ? mac : "");
			free(mac);
		}
	}
	if (v->n_deps > 0) {
		struct strbuf b = { 0 };
		for (size_t k = 0; k < v->n_deps; k++)
			strbuf_printf(&b, "%s%s", k ? ", " : "", v->deps[k]);
		gen_line(g, v->deps_at, "    after: [%s]", b.s);
		free(b.s);
	}
	/* The device's setup (Kathara's defaults, its folder, /shared), then shared.startup,
	 * DEV.startup and its exec lines, as Kathara runs them. */
	gen_line(g, none, "    startup:");
	struct strbuf setup = { 0 };
	strbuf_printf(&setup, LABDIR_HELPER " setup %s", v->name);
	if (v->ipv6)
		strbuf_printf(&setup, " -6");
	/* -f: FRR's files as Kathara's FRR image has them (no frr.conf; image/guest/kathara.c),
	 * not in an image the lab maps itself, which has its files as its author made them. */
	if (image != NULL && image_kind(im, image) == KIMAGE_FRR)
		strbuf_printf(&setup, " -f");
	for (size_t k = 0; k < v->n_sysctls; k++)
		strbuf_printf(&setup, " -s '%s'", v->sysctls[k].text);
	for (size_t k = 0; k < v->n_envs; k++)
		strbuf_printf(&setup, " -e '%s'", v->envs[k].text);
	char *q = yq(setup.s);
	gen_line(g, v->n_sysctls > 0 ? v->sysctls[0].at : none, "      - %s", q);
	free(q);
	free(setup.s);
	gen_script(g, d, "shared.startup");
	char *own = xasprintf("%s.startup", v->name);
	gen_script(g, d, own);
	free(own);
	for (size_t k = 0; k < v->n_execs; k++) {
		q = yq(v->execs[k].text);
		gen_line(g, v->execs[k].at, "      - %s", q);
		free(q);
	}
	char *down = xasprintf("%s.shutdown", v->name);
	bool own_down = file_exists(d->dir, down), shared_down = file_exists(d->dir, "shared.shutdown");
	if (own_down || shared_down) {
		gen_line(g, none, "    shutdown:");
		gen_script(g, d, down);
		gen_script(g, d, "shared.shutdown");
	}
	free(down);
}

/* The directory as the lab file would name it from out_dir. */
static char *share_path(const char *dir, const char *out_dir)
{
	if (out_dir == NULL)
		return xstrdup(dir);
	char *out = realpath(out_dir, NULL);
	char *rel = NULL;
	size_t n = out != NULL ? strlen(out) : 0;
	if (out != NULL && strcmp(out, dir) == 0)
		rel = xstrdup(".");
	else if (out != NULL && strncmp(dir, out, n) == 0 && dir[n] == '/')
		rel = xasprintf("./%s", dir + n + 1);
	free(out);
	return rel != NULL ? rel : xstrdup(dir);
}

static void gen_lab(struct gen *g, struct kdir *d, struct kimages *im, const char *out_dir)
{
	struct kpos top = { KFILE_CONF, 0, 0 };
	gen_line(g, top, "# The Kathara lab %s, as umllab reads it (umllab convert; docs/kathara.md).", d->dir);
	gen_line(g, top, "# The lab directory is each device's /hostlab, its shared/ folder /shared.");
	char *q = yq(d->name);
	gen_line(g, top, "name: %s", q);
	free(q);
	if (d->n_info > 0) {
		gen_line(g, top, "info:");
		for (size_t i = 0; i < d->n_info; i++) {
			q = yq(d->info[i].value);
			gen_line(g, d->info_at[i], "  %s: %s", d->info[i].key, q);
			free(q);
		}
	}
	char *share = share_path(d->dir, out_dir);
	q = yq(share);
	gen_line(g, top, "share: %s", q);
	free(q);
	free(share);
	/* Instances first into a buffer of their own: they decide which images are used. */
	struct gen inst = { 0 };
	for (size_t i = 0; i < d->n_devs; i++)
		gen_device(&inst, d, im, &d->devs[i]);
	if (im->n > 0)
		gen_line(g, top, "images:");
	for (size_t i = 0; i < im->n; i++) {
		const struct kimage *k = &im->v[i];
		if (k->kind == KIMAGE_MAPPED) {
			struct strbuf b = { 0 };
			yaml_node(&b, k->def);
			gen_line(g, k->at, "  %s: %s", k->name, b.s);
			free(b.s);
			continue;
		}
		gen_line(g, k->at, "  %s:", k->name);
		gen_line(g, k->at, "    debian: bookworm");
		struct strbuf b = { 0 };
		for (size_t p = 0; p < N_BASE; p++)
			strbuf_printf(&b, "%s%s", p ? ", " : "", base_packages[p]);
		if (k->kind == KIMAGE_FRR)
			strbuf_printf(&b, ", frr");
		gen_line(g, k->at, "    packages: [%s]", b.s);
		free(b.s);
	}
	/* Collision domains, in the order lab.conf first names them. Each is a hub, as in
	 * Kathara: its network plugin makes a collision domain a Linux bridge with ageing time
	 * 0 (it learns nothing, so it floods every frame) or a vde_switch run with -x (hub), as
	 * Netkit's uml_switch -hub before it. Labs count on it: a device added to a domain to
	 * sniff it (Kathara-Labs' wireshark device, tcpdump on a third device) sees the
	 * others' unicast frames. */
	gen_line(g, top, "switches:");
	char (*seen)[LAB_NAME_MAX + 1] = NULL;
	size_t n_seen = 0;
	for (size_t i = 0; i < d->n_devs; i++) {
		for (size_t k = 0; k < d->devs[i].n_ifaces; k++) {
			const struct kiface *f = &d->devs[i].ifaces[k];
			bool known = false;
			for (size_t s = 0; s < n_seen && !known; s++)
				known = strcmp(seen[s], f->domain) == 0;
			if (known)
				continue;
			seen = xreallocarray(seen, n_seen + 1, sizeof(*seen));
			str_copy(seen[n_seen++], sizeof(*seen), f->domain);
			gen_line(g, f->at, "  %s: {mode: hub}", f->domain);
		}
	}
	free(seen);
	gen_line(g, top, "instances:");
	strbuf_append(&g->y, inst.y.s != NULL ? inst.y.s : "", inst.y.len);
	for (size_t i = 0; i < inst.n; i++) {
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 64;
			g->origin = xreallocarray(g->origin, g->cap, sizeof(*g->origin));
		}
		g->origin[g->n++] = inst.origin[i];
	}
	free(inst.y.s);
	free(inst.origin);
}

/* ---- loading ---- */

static int kmsg_cmp(const void *a, const void *b)
{
	const struct kmsg *x = a, *y = b;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->column > y->column) - (x->column < y->column);
}

static void kdir_flush(struct kdir *d, struct lab_diag *diag)
{
	if (d->n_msgs > 1)
		qsort(d->msgs, d->n_msgs, sizeof(*d->msgs), kmsg_cmp);	/* stable enough: rare ties */
	for (size_t i = 0; i < d->n_msgs; i++) {
		const struct kmsg *m = &d->msgs[i];
		const char *file = m->file >= 0 && m->file < d->n_files ? d->files[m->file] : "?";
		const char *w = m->warning ? "warning: " : "";
		if (m->line > 0)
			lab_diag_add(diag, xasprintf("%s:%d:%d: %s%s", file, m->line,
			    m->column > 0 ? m->column : 1, w, m->text));
		else
			lab_diag_add(diag, xasprintf("%s: %s%s", file, w, m->text));
	}
}

char *labdir_name(const char *path)
{
	char *abs = realpath(path, NULL);
	if (abs == NULL)
		return NULL;
	struct stat st;
	if (stat(abs, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(abs, '/');
		if (slash != NULL && slash != abs)
			*slash = '\0';
	}
	const char *base = strrchr(abs, '/');
	base = base != NULL && base[1] != '\0' ? base + 1 : "lab";
	char name[LAB_NAME_MAX + 1];
	labdir_short_name(base, name);
	free(abs);
	return xstrdup(name);
}

void labdir_short_name(const char *base, char out[LAB_NAME_MAX + 1])
{
	size_t len = strlen(base), n = 0;
	/* Too long: the start, and a hash of the whole, so that two long names that start
	 * alike (bgp-multi-homed-stub, bgp-multi-homed-stub-large) stay two labs. */
	size_t keep = len > LAB_NAME_MAX ? LAB_NAME_MAX - 5 : len;
	for (size_t i = 0; i < keep; i++)
		out[n++] = isalnum((unsigned char)base[i]) || base[i] == '_' || base[i] == '-' ? base[i] : '-';
	if (len > LAB_NAME_MAX) {
		uint32_t h = 2166136261u;
		for (const char *p = base; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		n += (size_t)snprintf(out + n, LAB_NAME_MAX + 1 - n, "-%04x", (unsigned)(h & 0xffff));
	}
	out[n] = '\0';
}

bool labdir_is(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return false;
	if (S_ISDIR(st.st_mode))
		return true;
	const char *base = strrchr(path, '/');
	return S_ISREG(st.st_mode) && strcmp(base != NULL ? base + 1 : path, "lab.conf") == 0;
}

/* Read the directory and write its YAML into g; false when there were mistakes. */
static bool labdir_gen(struct kdir *d, struct gen *g, const char *path, const char *images_file,
    const char *out_dir, struct kimages *im, struct lab_diag *diag)
{
	/* Messages name the files as the user would: PATH/lab.conf. */
	char *p = xstrdup(path);
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	if (n > 9 && strcmp(p + n - 9, "/lab.conf") == 0)
		p[n - 9] = '\0';
	else if (strcmp(p, "lab.conf") == 0)
		str_copy(p, n + 1, ".");
	char *conf = xasprintf("%s/lab.conf", p), *dep = xasprintf("%s/lab.dep", p);
	kdir_file(d, conf);
	kdir_file(d, dep);
	free(conf);
	free(dep);
	d->dir = realpath(p, NULL);
	if (d->dir == NULL) {
		kdir_msg(d, KFILE_CONF, 0, 0, false, "cannot resolve the lab directory %s: %s", p,
		    strerror(errno));
		free(p);
		return false;
	}
	d->name = labdir_name(d->dir);
	free(p);
	if (images_file != NULL)
		images_file_read(d, im, images_file, diag);
	kdir_read_conf(d);
	if (file_exists(d->dir, "lab.ext"))
		kdir_msg(d, kdir_file(d, "lab.ext"), 0, 0, true, "not honoured: umllab connects no "
		    "collision domain to a host interface (lab traffic stays on umllab's switches; "
		    "see `trunks:` in docs/topology.md)");
	/* Written even after a mistake: the images and sizes are checked on the way. */
	gen_lab(g, d, im, out_dir);
	return d->n_errors == 0;
}

static void kimages_free(struct kimages *im)
{
	free(im->v);
	topo_tree_free(im->root);
}

static struct kpos gen_origin(const struct gen *g, int line)
{
	if (line > 0 && (size_t)line <= g->n)
		return g->origin[line - 1];
	return (struct kpos){ KFILE_CONF, 0, 0 };
}

/* "at line N, column M" inside a message names a line of the YAML: name lab.conf's. */
static char *remap_positions(struct kdir *d, const struct gen *g, const char *text, int file)
{
	static const char at[] = "at line ";
	struct strbuf b = { 0 };
	const char *p = text, *hit;
	while ((hit = strstr(p, at)) != NULL) {
		int line, column, used = 0;
		strbuf_append(&b, p, (size_t)(hit - p));
		if (sscanf(hit, "at line %d, column %d%n", &line, &column, &used) == 2 && used > 0) {
			struct kpos o = gen_origin(g, line);
			if (o.file == file)
				strbuf_printf(&b, "at line %d", o.line);
			else
				strbuf_printf(&b, "at %s:%d", d->files[o.file], o.line);
			p = hit + used;
		} else {
			strbuf_append(&b, at, sizeof(at) - 1);
			p = hit + sizeof(at) - 1;
		}
	}
	strbuf_printf(&b, "%s", p);
	return strbuf_take(&b);
}

/* Load the generated YAML; its mistakes go back to the lines they came from. */
static struct lab *labdir_build(struct kdir *d, struct gen *g, const char *base_dir)
{
	struct topo_report r = { .file = d->files[KFILE_CONF] };
	struct ynode *root = topo_tree_parse(&r, g->y.s, g->y.len);
	struct lab *lab = root != NULL ? topo_build(&r, root, d->name, base_dir) : NULL;
	topo_tree_free(root);
	for (size_t i = 0; i < r.n; i++) {
		const struct topo_msg *m = &r.msgs[i];
		struct kpos at = gen_origin(g, m->line);
		char *text = remap_positions(d, g, m->text, at.file);
		kdir_msg(d, at.file, at.line, at.column, false, "%s", text);
		free(text);
		free(m->text);
	}
	free(r.msgs);
	if (lab == NULL && d->n_errors == 0)
		kdir_msg(d, KFILE_CONF, 0, 0, false, "the lab could not be read");
	if (lab == NULL || d->n_errors > 0) {
		lab_free(lab);
		return NULL;
	}
	lab->path = xstrdup(d->dir);
	lab->from_dir = true;
	return lab;
}

struct lab *labdir_load(const char *path, const char *images_file, struct lab_diag *diag)
{
	struct kdir d = { 0 };
	struct kimages im = { 0 };
	struct gen g = { 0 };
	struct lab *lab = NULL;
	if (labdir_gen(&d, &g, path, images_file, NULL, &im, diag))
		lab = labdir_build(&d, &g, d.dir);
	kdir_flush(&d, diag);
	kdir_free(&d);
	kimages_free(&im);
	free(g.y.s);
	free(g.origin);
	return lab;
}

char *labdir_yaml(const char *path, const char *images_file, const char *out_dir,
    struct lab_diag *diag)
{
	struct kdir d = { 0 };
	struct kimages im = { 0 };
	struct gen g = { 0 };
	char *text = NULL;
	/* Loaded once as it is written, so that what it prints is a lab that loads. */
	if (labdir_gen(&d, &g, path, images_file, out_dir, &im, diag)) {
		char *base = realpath(out_dir != NULL ? out_dir : ".", NULL);
		struct lab *lab = labdir_build(&d, &g, base != NULL ? base : d.dir);
		free(base);
		if (lab != NULL)
			text = strbuf_take(&g.y);
		lab_free(lab);
	}
	kdir_flush(&d, diag);
	kdir_free(&d);
	kimages_free(&im);
	free(g.y.s);
	free(g.origin);
	return text;
}
