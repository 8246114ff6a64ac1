/* core/lab/topology_check.c: check a topology's node tree against the format (docs/topology.md)
 * and build struct lab: the top level (name, and the sections in the order they depend on each
 * other); each section is checked in its own topology_check_*.c (see topology_check.h). */
#include "core/lab/topology_check.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

static void check_name(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *default_name)
{
	if (val != NULL) {
		const struct ynode *s = topo_want_scalar(c->r, key, val, "the lab", "a name of " NAME_RULE);
		if (s == NULL)
			return;
		if (strlen(s->str) != s->len || !lab_name_valid(s->str)) {
			topo_error(c->r, s->line, s->column,
			    "lab name `%s` is not valid (expected " NAME_RULE ")", s->show);
			return;
		}
		str_copy(c->lab->name, sizeof(c->lab->name), s->str);
		c->lab_name = s->str;
		return;
	}
	if (!lab_name_valid(default_name)) {
		char *show = xstrndup(default_name, 40);
		for (char *p = show; *p != '\0'; p++)	/* file names may hold anything */
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		topo_error(c->r, 1, 1,
		    "the lab name `%s%s` taken from the file name is not valid (expected " NAME_RULE
		    "; add a line such as `name: mylab` to the file)",
		    show, strlen(default_name) > 40 ? "..." : "");
		free(show);
		return;
	}
	str_copy(c->lab->name, sizeof(c->lab->name), default_name);
}

struct lab *topo_build(struct topo_report *r, const struct ynode *root, const char *default_name,
    const char *base_dir)
{
	struct checker c = { .r = r, .lab = xcalloc(1, sizeof(struct lab)), .lab_name = default_name,
	    .base_dir = base_dir };
	/* The built-in image is always there, first, so that `image: busybox` needs no definition. */
	c.lab->images = topo_grow(c.lab->images, 0, &c.cap_images, sizeof(*c.lab->images));
	c.lab->images[0] = (struct lab_image){ .kind = LAB_IMAGE_BUSYBOX };
	str_copy(c.lab->images[0].name, sizeof(c.lab->images[0].name), LAB_IMAGE_BUILTIN);
	c.lab->n_images = 1;
	if (root->type == YNODE_ALIAS)
		return c.lab;
	if (root->type != YNODE_MAPPING) {
		topo_error(r, root->line, root->column,
		    "the file holds %s (expected a mapping with `instances:` and optionally `name:` and `switches:`)",
		    ynode_is_null(root) ? "nothing" : topo_kind(root));
		return c.lab;
	}
	struct field f[] = { { .name = "name" }, { .name = "switches" }, { .name = "instances" },
	    { .name = "images" }, { .name = "image" }, { .name = "share" },
	    { .name = "checks" },	/* checks: read by core/checks/checks_spec.c */
	    { .name = "info" }, { .name = "ipv6" } };
	topo_map_fields(c.r, root, f, 9, "at the top level");
	bool v6;
	if (f[8].val != NULL && topo_want_bool(c.r, f[8].key, f[8].val, "the lab", &v6)) {
		c.lab->ipv6 = v6 ? LAB_IPV6_ON : LAB_IPV6_OFF;
		c.ipv6_line = v6 ? 0 : f[8].key->line;
	}
	check_name(&c, f[0].key, f[0].val, default_name);
	if (f[1].val != NULL)
		topo_check_switches(&c, f[1].key, f[1].val);
	/* Images and the lab's share first: instances refer to them. */
	if (f[3].val != NULL)
		topo_check_images(&c, f[3].key, f[3].val);
	if (f[4].val != NULL) {
		const struct ynode *s = topo_want_scalar(c.r, f[4].key, f[4].val, "the lab", "an image name");
		long im = s != NULL ? topo_find_image(&c, s, "the lab") : -1;
		if (im >= 0)
			c.default_image = (size_t)im;
	}
	if (f[5].val != NULL)
		topo_check_share(&c, f[5].key, f[5].val, "the lab", false, &c.lab->share);
	if (f[7].val != NULL)
		topo_check_info(&c, f[7].key, f[7].val);
	topo_check_instances(&c, root, f[2].key, f[2].val);
	topo_check_order(&c);
	for (size_t i = 0; i < c.lab->n_instances; i++)
		c.lab->images[c.lab->instances[i].image].used = true;
	topo_check_uniques(&c);
	topo_check_disk_owners(&c);
	free(c.afters);
	free(c.switch_ports);
	free(c.addrs);
	free(c.macs);
	return c.lab;
}
