/* core/storage/kernel_line.c: an instance's UML command line (kernel_line.h): one builder
 * for the kernel that starts and for the length `validate` and `up` measure first. */
#include "core/storage/kernel_line.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/state.h"
#include "core/base/util.h"
#include "core/storage/disk_path.h"
#include "image/image.h"

static void argv_push(char ***argv, size_t *n, char *s)
{
	*argv = xreallocarray(*argv, *n + 2, sizeof(char *));
	(*argv)[(*n)++] = s;
	(*argv)[*n] = NULL;
}

/* list, then ",ITEM" (or ITEM first); list is freed. */
static char *list_add(char *list, char *item)
{
	char *next = xasprintf("%s%s%s", list ? list : "", list ? "," : "", item);
	free(list);
	free(item);
	return next;
}

/* umllab.KEY=LIST when the list has something; list is freed. */
static void push_list(char ***argv, size_t *n, const char *key, char *list)
{
	if (list != NULL)
		argv_push(argv, n, xasprintf("umllab.%s=%s", key, list));
	free(list);
}

/* Addresses (interfaces', then VLAN sub-interfaces') as DEV:ADDR/PREFIX,... */
static char *ip_list(const struct lab_instance *c, const struct lab_iface *const *ifaces, size_t n_ifaces)
{
	char *list = NULL;
	char cidr[LAB_ADDR_TEXT_MAX];
	for (size_t i = 0; i < n_ifaces; i++)
		for (unsigned k = 0; k < ifaces[i]->n_addrs; k++)
			list = list_add(list, xasprintf("%s:%s", ifaces[i]->name,
			    lab_addr_format(&ifaces[i]->addrs[k], true, cidr)));
	for (size_t i = 0; i < c->n_subifs; i++)
		for (unsigned k = 0; k < c->subifs[i].n_addrs; k++)
			list = list_add(list, xasprintf("%s:%s", c->subifs[i].name,
			    lab_addr_format(&c->subifs[i].addrs[k], true, cidr)));
	return list;
}

/* Routes as DEST@GATEWAY[%DEV],...: the interface a link-local gateway is on. */
static char *route_list(const struct lab_instance *c)
{
	char *list = NULL;
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct lab_route *r = &c->routes[i];
		char via[LAB_ADDR_TEXT_MAX], to[LAB_ADDR_TEXT_MAX];
		list = list_add(list, xasprintf("%s@%s%s%s", r->is_default ? "default" :
		    lab_addr_format(&r->to, true, to), lab_addr_format(&r->via, false, via),
		    r->dev[0] ? "%" : "", r->dev));
	}
	return list;
}

char **kernel_line_argv(const struct kernel_line_where *w, const struct lab *lab,
    const struct lab_instance *c, const struct lab_iface *const *ifaces, size_t n_ifaces)
{
	char **argv = NULL;
	size_t n = 0;

	/* The kernel runs confined (core/confine/confine.c): `umllab confine` (this
	 * same program, whatever became of its file) applies Landlock rules
	 * derived from the parameters below, then execs the kernel. */
	argv_push(&argv, &n, xstrdup("/proc/self/exe"));
	argv_push(&argv, &n, xstrdup("confine"));
	if (c->share.dir == NULL || c->share.readonly)
		argv_push(&argv, &n, xstrdup("--ro"));	/* no share: an empty, read-only directory */
	else if (c->share.symlinks)
		argv_push(&argv, &n, xstrdup("--symlinks"));
	argv_push(&argv, &n, xstrdup("--"));
	argv_push(&argv, &n, xstrdup(w->kernel));
	argv_push(&argv, &n, xasprintf("mem=%lluM", (unsigned long long)(c->mem_bytes >> 20)));
	char *disk = lab_disk_path(w->disk_dir, lab, c);
	if (c->unsafe_shared_root) {
		/* One writable disk for every such instance of this image: `c`
		 * tells UML not to lock it (see labs/shared-root.md). */
		argv_push(&argv, &n, xasprintf("ubd0c=%s", disk));
	} else {
		argv_push(&argv, &n, xasprintf("ubd0=%s,%s", disk, w->backing));
	}
	free(disk);
	/* `disks:`: ubd1 and up, the guest's /dev/ubdb, /dev/ubdc, ... */
	for (size_t i = 0; i < c->n_disks; i++) {
		char *file = lab_disk_extra_path(w->disk_dir, c, i);
		argv_push(&argv, &n, xasprintf("ubd%zu%s=%s", i + 1, c->disks[i].readonly ? "r" : "", file));
		free(file);
	}
	argv_push(&argv, &n, xstrdup("root=/dev/ubda"));
	/* An XFS or Btrfs image gets umllab's layer from its initramfs at boot. */
	if (w->initrd)
		argv_push(&argv, &n, xasprintf("initrd=%s" IMAGE_INITRD_SUFFIX, w->backing));
	argv_push(&argv, &n, xstrdup("init=" IMAGE_INIT_PATH));
	argv_push(&argv, &n, xstrdup("rw"));
	argv_push(&argv, &n, xasprintf("umid=%s", c->name));
	argv_push(&argv, &n, xasprintf("uml_dir=%s/%s", w->lab_dir, STATE_UML_DIR));
	char *notify = state_path(w->lab_dir, "%s.notify", c->name);
	argv_push(&argv, &n, xasprintf("mconsole=notify:%s", notify));
	free(notify);
	argv_push(&argv, &n, xstrdup("con0=fd:0,fd:1"));
	argv_push(&argv, &n, xstrdup("con=null"));
	argv_push(&argv, &n, xstrdup("ssl=null"));
	/* hostfs shows the lab's share, else an empty directory; confine makes
	 * sure nothing beyond it is reachable. */
	if (c->share.dir != NULL)
		argv_push(&argv, &n, xasprintf("hostfs=%s", c->share.dir));
	else
		argv_push(&argv, &n, xasprintf("hostfs=%s/%s", w->lab_dir, STATE_HOSTFS));
	argv_push(&argv, &n, xstrdup("noreboot"));
	/* exec commands arrive as unacknowledged `log` records: Debian's 16 KB
	 * log buffer would drop chunks of long ones. */
	argv_push(&argv, &n, xstrdup("log_buf_len=256K"));
	/* Boot time: the RAID6 algorithm benchmark busy-loops 0.86 s at every
	 * boot (no guest has RAID), and legacy ptys cost up to 0.7 s more
	 * (measured in docs/performance.md). Each device a boot registers
	 * sends a uevent, and each uevent starts a usermode helper
	 * (/sbin/hotplug, absent) whose address space is a new host process
	 * in UML: a third of a boot's CPU. The 64 serial lines (ttyS, unused:
	 * ssl=null) are 64 of those 232 uevents. The delay loop's calibration
	 * busy-loops too; lpj= gives it what this machine kind measures (only
	 * udelay() uses it, and UML's drivers time nothing with it). Together
	 * a third less CPU per boot (docs/dev/NOTES.md, issue 27). */
	argv_push(&argv, &n, xstrdup("initcall_blacklist=raid6_select_algo,ssl_init"));
	argv_push(&argv, &n, xstrdup("lpj=7297024"));
	argv_push(&argv, &n, xstrdup("pty.legacy_count=0"));
	/* Each interface is a vector device on its cable (a SOCK_SEQPACKET
	 * socket in the lab's private directory: see switch/cable.c); the
	 * guest's boot setup (image/guest/boot.c) renames vecN to ethN. */
	for (size_t i = 0; i < n_ifaces; i++)
		argv_push(&argv, &n, kernel_line_vector_arg(w->lab_dir, c->name, ifaces[i]));
	argv_push(&argv, &n, xasprintf("umllab.name=%s", c->name));
	if (c->share.dir != NULL)
		argv_push(&argv, &n, xstrdup(c->share.readonly ? "umllab.share=ro" : "umllab.share=rw"));

	/* Addresses and routes travel on the kernel command line: one shared
	 * image serves every instance (image/guest/boot_params.c reads them). */
	push_list(&argv, &n, "ip", ip_list(c, ifaces, n_ifaces));
	/* umllab.vlan=eth0.10,eth0.20: the VLAN sub-interfaces the guest makes at boot. */
	char *vlans = NULL;
	for (size_t i = 0; i < c->n_subifs; i++)
		vlans = list_add(vlans, xstrdup(c->subifs[i].name));
	push_list(&argv, &n, "vlan", vlans);
	push_list(&argv, &n, "route", route_list(c));
	if (c->forward)
		argv_push(&argv, &n, xstrdup("umllab.forward=1"));
	/* IPv6: loaded at boot only when the lab uses it, so IPv4 labs boot as fast as
	 * ever; `ipv6: false` also tells any later modprobe of it (the kernel's, kmod's
	 * and busybox's read module parameters from the command line). */
	enum lab_ipv6 v6 = c->ipv6 != LAB_IPV6_AUTO ? c->ipv6 : lab->ipv6;
	if (lab_instance_ipv6(lab, c)) {
		argv_push(&argv, &n, xstrdup("umllab.ipv6=1"));
	} else if (v6 == LAB_IPV6_OFF) {
		argv_push(&argv, &n, xstrdup("ipv6.disable=1"));
		argv_push(&argv, &n, xstrdup("umllab.ipv6=0"));
	}
	char *ra = NULL;
	for (size_t i = 0; i < n_ifaces; i++)
		if (ifaces[i]->ra)
			ra = list_add(ra, xstrdup(ifaces[i]->name));
	push_list(&argv, &n, "ra", ra);
	return argv;
}

void kernel_line_free(char **argv)
{
	if (argv == NULL)
		return;
	for (char **p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/* The index of the kernel's first argument in argv (after "--" and the kernel's path). */
static size_t first_arg(char *const *argv)
{
	size_t i = 0;
	while (argv[i] != NULL && strcmp(argv[i], "--") != 0)
		i++;
	if (argv[i] == NULL || argv[i + 1] == NULL)
		return i;
	return i + 2;
}

size_t kernel_line_len(char *const *argv)
{
	size_t len = 0;
	for (size_t i = first_arg(argv); argv[i] != NULL; i++)
		len += strlen(argv[i]) + (len > 0);
	return len;
}

char *kernel_line_judge(const struct lab *lab, const struct lab_instance *c, const char *lab_dir,
    char *const *argv)
{
	size_t len = kernel_line_len(argv);
	if (len < KERNEL_LINE_MAX)
		return NULL;
	/* What takes the room, so the message says what to shorten. */
	size_t cables = 0, n_cables = 0, ips = 0, routes = 0, vlans = 0;
	for (size_t i = first_arg(argv); argv[i] != NULL; i++) {
		size_t l = strlen(argv[i]) + 1;
		if (strncmp(argv[i], "vec", 3) == 0) {
			cables += l;
			n_cables++;
		} else if (strncmp(argv[i], "umllab.ip=", 10) == 0) {
			ips += l;
		} else if (strncmp(argv[i], "umllab.route=", 13) == 0) {
			routes += l;
		} else if (strncmp(argv[i], "umllab.vlan=", 12) == 0) {
			vlans += l;
		}
	}
	char *where = lab->from_dir ? xasprintf("%s: device %s", lab->path, c->name) :
	    xasprintf("%s:%d:%d: instance %s", lab->path, c->line, c->column, c->name);
	char *msg = xasprintf("%s: its kernel command line would be %zu bytes, and UML takes at most "
	    "%d: its %zu interface%s take %zu (each names its cable's socket under %s), its addresses "
	    "%zu, its routes %zu, its VLAN sub-interfaces %zu; give it fewer interfaces, addresses, "
	    "routes or VLAN sub-interfaces, or use a shorter state directory (UMLLAB_STATE_DIR)",
	    where, len, KERNEL_LINE_MAX - 1, n_cables, n_cables == 1 ? "" : "s", cables, lab_dir, ips,
	    routes, vlans);
	free(where);
	return msg;
}

char *kernel_line_vector_arg(const char *lab_dir, const char *instance, const struct lab_iface *f)
{
	char *path = state_cable_path(lab_dir, instance, f->name);
	const uint8_t *m = f->mac;
	char *arg = xasprintf("vec%u:transport=bess,dst=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x",
	    f->index, path, m[0], m[1], m[2], m[3], m[4], m[5]);
	free(path);
	return arg;
}

const char *kernel_line_kernel(void)
{
	const char *k = getenv("UMLLAB_KERNEL");
	return k != NULL && k[0] != '\0' ? k : "/usr/bin/linux.uml";
}
