/* core/lab/topology_check_image.c: check `images:` (busybox, debian, url, file) and find the
 * image an instance runs on. */
#include "core/lab/topology_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

#define PACKAGES_MAX 256
#define URL_MAX 4096
#define IMAGE_EXAMPLE "a mapping such as {debian: bookworm, packages: [iproute2]}, " \
	"{url: https://..., sha256: ...} or {file: ./router.img}"

/* A Debian release (bookworm, stable, sid, bookworm-backports) or package name. */
static bool debian_word(const struct ynode *s, size_t min)
{
	if (s->len < min || s->len > 64 || strlen(s->str) != s->len)
		return false;
	if (!((s->str[0] >= 'a' && s->str[0] <= 'z') || (s->str[0] >= '0' && s->str[0] <= '9')))
		return false;
	for (size_t i = 1; i < s->len; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789+.-", s->str[i]) == NULL)
			return false;
	return true;
}

static bool url_scheme_ok(const struct ynode *s, bool allow_file)
{
	return strncmp(s->str, "http://", 7) == 0 || strncmp(s->str, "https://", 8) == 0 ||
	    (allow_file && strncmp(s->str, "file:///", 8) == 0);
}

static void check_packages(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_image *im, const char *what)
{
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = topo_at(key, seq);
		topo_error(c->r, p->line, p->column,
		    "`packages` of %s is %s (expected a list of Debian packages such as [iproute2, tcpdump])",
		    what, topo_kind(seq));
		return;
	}
	if (seq->n_kids > PACKAGES_MAX) {
		topo_error(c->r, seq->line, seq->column, "`packages` of %s lists %zu packages (expected at most %d)",
		    what, seq->n_kids, PACKAGES_MAX);
		return;
	}
	im->packages = xcalloc(seq->n_kids + 1, sizeof(*im->packages));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *p = seq->kids[k];
		if (p->type == YNODE_ALIAS)
			continue;
		if (p->type != YNODE_SCALAR || ynode_is_null(p)) {
			topo_error(c->r, p->line, p->column, "package %zu of %s is %s (expected a package name)",
			    k + 1, what, topo_kind(p));
		} else if (!debian_word(p, 2)) {
			topo_value_error(c->r, p, "package", what,
			    "is not a Debian package name (expected lower-case letters, digits and + . -, such as iproute2)");
		} else {
			im->packages[im->n_packages++] = xstrdup(p->str);
		}
	}
}

static void check_image(struct checker *c, const struct ynode *name, const struct ynode *val)
{
	if (name->type != YNODE_SCALAR) {
		topo_error(c->r, name->line, name->column, "an image name is %s (expected a name of " NAME_RULE ")",
		    topo_kind(name));
		return;
	}
	bool ok = true;
	if (strlen(name->str) != name->len || !lab_name_valid(name->str)) {
		topo_error(c->r, name->line, name->column, "image name `%s` is not valid (expected " NAME_RULE ")",
		    name->show);
		ok = false;
	} else if (strcmp(name->str, LAB_IMAGE_BUILTIN) == 0) {
		topo_error(c->r, name->line, name->column,
		    "image name `busybox` is the built-in image's (expected another name; `image: busybox` needs no definition)");
		ok = false;
	}
	char what[96];
	snprintf(what, sizeof(what), "image %s", name->show);
	struct lab_image im = { .line = name->line, .column = name->column };
	if (ynode_is_null(val)) {
		topo_error(c->r, name->line, name->column, "%s is empty (expected %s)", what, IMAGE_EXAMPLE);
		ok = false;
	} else if (!topo_want_mapping(c->r, name, val, false, what, IMAGE_EXAMPLE)) {
		ok = false;
	} else {
		enum { F_BUSYBOX, F_DEBIAN, F_PACKAGES, F_MIRROR, F_URL, F_SHA256, F_FILE, F_N };
		struct field f[] = { { .name = "busybox" }, { .name = "debian" }, { .name = "packages" },
		    { .name = "mirror" }, { .name = "url" }, { .name = "sha256" }, { .name = "file" } };
		char where[128];
		snprintf(where, sizeof(where), "in %s", what);
		topo_map_fields(c->r, val, f, F_N, where);
		const int kinds[] = { F_BUSYBOX, F_DEBIAN, F_URL, F_FILE };
		const struct field *chosen = NULL;
		for (size_t i = 0; i < 4; i++) {
			const struct field *k = &f[kinds[i]];
			if (k->key == NULL)
				continue;
			if (chosen != NULL) {
				topo_error(c->r, k->key->line, k->key->column,
				    "%s has both `%s` and `%s` (expected one kind: busybox, debian, url or file)",
				    what, chosen->name, k->name);
				ok = false;
				continue;
			}
			chosen = k;
		}
		if (chosen == NULL) {
			topo_error(c->r, name->line, name->column,
			    "%s has no kind (expected one of the keys debian, url, file or busybox)", what);
			ok = false;
		}
		/* Keys that belong to one kind only. */
		static const struct { int field, owner; } owned[] = {
			{ F_PACKAGES, F_DEBIAN }, { F_MIRROR, F_DEBIAN }, { F_SHA256, F_URL },
		};
		for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
			const struct field *k = &f[owned[i].field];
			if (k->key != NULL && chosen != NULL && chosen != &f[owned[i].owner]) {
				topo_error(c->r, k->key->line, k->key->column,
				    "`%s` of %s belongs to `%s` images (expected it only with %s:)", k->name, what,
				    f[owned[i].owner].name, f[owned[i].owner].name);
				ok = false;
			}
		}
		if (chosen == &f[F_BUSYBOX]) {
			im.kind = LAB_IMAGE_BUSYBOX;
			bool yes = true;
			if (!ynode_is_null(chosen->val) && topo_want_bool(c->r, chosen->key, chosen->val, what, &yes) && !yes) {
				topo_value_error(c->r, chosen->val, "busybox", what, "says no (expected busybox: true, or another kind)");
				ok = false;
			}
		} else if (chosen == &f[F_DEBIAN]) {
			im.kind = LAB_IMAGE_DEBIAN;
			const struct ynode *s = topo_want_scalar(c->r, chosen->key, chosen->val, what,
			    "a Debian release such as bookworm");
			if (s != NULL && !debian_word(s, 1)) {
				topo_value_error(c->r, s, "debian", what, "is not a Debian release (expected a name such as bookworm)");
				s = NULL;
			}
			if (s == NULL)
				ok = false;
			else
				im.release = xstrdup(s->str);
			if (f[F_PACKAGES].val != NULL)
				check_packages(c, f[F_PACKAGES].key, f[F_PACKAGES].val, &im, what);
			if (f[F_MIRROR].val != NULL) {
				const struct ynode *m = topo_want_scalar(c->r, f[F_MIRROR].key, f[F_MIRROR].val, what,
				    "a Debian mirror such as http://deb.debian.org/debian");
				if (m != NULL && (!topo_text_tame(m) || m->len > URL_MAX || !url_scheme_ok(m, true))) {
					topo_value_error(c->r, m, "mirror", what,
					    "is not a mirror URL (expected http://, https:// or file:/// such as http://deb.debian.org/debian)");
					m = NULL;
				}
				if (m == NULL)
					ok = false;
				else
					im.mirror = xstrdup(m->str);
			}
		} else if (chosen == &f[F_URL]) {
			im.kind = LAB_IMAGE_URL;
			const struct ynode *u = topo_want_scalar(c->r, chosen->key, chosen->val, what,
			    "an http://, https:// or file:/// URL");
			if (u != NULL && (!topo_text_tame(u) || u->len > URL_MAX || !url_scheme_ok(u, true) ||
			    u->len <= 8)) {
				topo_value_error(c->r, u, "url", what,
				    "is not a URL umllab can download (expected http://, https:// or file:/// and no spaces)");
				u = NULL;
			}
			if (u == NULL)
				ok = false;
			else
				im.url = xstrdup(u->str);
			if (f[F_SHA256].val == NULL) {
				topo_error(c->r, chosen->key->line, chosen->key->column,
				    "%s has no `sha256` (expected the SHA-256 of the file, 64 hex digits: sha256sum prints it)",
				    what);
				ok = false;
			} else {
				const struct ynode *h = topo_want_scalar(c->r, f[F_SHA256].key, f[F_SHA256].val, what,
				    "64 hex digits");
				bool hex = h != NULL && h->len == 64;
				for (size_t i = 0; hex && i < 64; i++)
					hex = topo_hexval(h->str[i]) >= 0;
				if (h != NULL && !hex)
					topo_value_error(c->r, h, "sha256", what,
					    "is not a SHA-256 (expected 64 hex digits, as sha256sum prints them)");
				if (!hex) {
					ok = false;
				} else {
					for (size_t i = 0; i < 64; i++)
						im.sha256[i] = (char)(h->str[i] | 0x20);	/* lower case */
				}
			}
		} else if (chosen == &f[F_FILE]) {
			im.kind = LAB_IMAGE_FILE;
			const struct ynode *p = topo_want_scalar(c->r, chosen->key, chosen->val, what,
			    "the path of an image or a root-filesystem tarball");
			if (p != NULL && strlen(p->str) != p->len)
				p = NULL;
			if (p == NULL) {
				ok = false;
			} else {
				struct stat st;
				bool exists;
				char *path = topo_path_resolve(c->base_dir, p, &st, &exists);
				if (!exists || !S_ISREG(st.st_mode)) {
					topo_value_error(c->r, p, "file", what, "%s (expected an ext2/3/4 image or a tarball; "
					    "a relative path starts at the topology file's directory)",
					    exists ? "is not a regular file" : "does not exist");
					free(path);
					ok = false;
				} else {
					im.file = path;
				}
			}
		}
	}
	if (ok)
		str_copy(im.name, sizeof(im.name), name->str);
	else
		im.name[0] = '\0';	/* kept for lab_free(); never found by name */
	c->lab->images = topo_grow(c->lab->images, c->lab->n_images, &c->cap_images, sizeof(*c->lab->images));
	c->lab->images[c->lab->n_images++] = im;
}

void topo_check_images(struct checker *c, const struct ynode *key, const struct ynode *map)
{
	if (!topo_want_mapping(c->r, key, map, true, "`images`",
	    "a mapping of image names, such as images: {deb: {debian: bookworm, packages: [iproute2]}}")) {
		c->images_bad = !ynode_is_null(map);
		return;
	}
	c->images = map;
	for (size_t k = 0; k + 1 < map->n_kids; k += 2)
		if (!map->kids[k]->dup && map->kids[k]->type != YNODE_ALIAS)
			check_image(c, map->kids[k], map->kids[k + 1]);
}

/* Index of image `s` in the lab; -1 after reporting it undefined (unless its definition
 * was already reported as bad). */
long topo_find_image(struct checker *c, const struct ynode *s, const char *owner)
{
	for (size_t i = 0; i < c->lab->n_images; i++)
		if (c->lab->images[i].name[0] != '\0' && strcmp(c->lab->images[i].name, s->str) == 0 &&
		    strlen(c->lab->images[i].name) == s->len)
			return (long)i;
	if (c->images != NULL)
		for (size_t k = 0; k < c->images->n_kids; k += 2) {
			const struct ynode *n = c->images->kids[k];
			if (n->type == YNODE_SCALAR && n->len == s->len && memcmp(n->str, s->str, s->len) == 0)
				return -1;
		}
	if (c->images_bad)
		return -1;
	char list[160] = LAB_IMAGE_BUILTIN;
	for (size_t i = 1; i < c->lab->n_images; i++) {
		size_t used = strlen(list);
		if (c->lab->images[i].name[0] == '\0')
			continue;
		if (used + LAB_NAME_MAX + 8 > sizeof(list)) {
			snprintf(list + used, sizeof(list) - used, ", ...");
			break;
		}
		snprintf(list + used, sizeof(list) - used, ", %s", c->lab->images[i].name);
	}
	topo_value_error(c->r, s, "image", owner, "is not defined (expected one of: %s; or define it under `images:`)",
	    list);
	return -1;
}
