/* image/guest/kathara.c: a Kathara lab's device in a umllab guest: `kathara setup` and
 * `kathara run` (/usr/lib/umllab/kathara is the agent under another name).
 *
 *   kathara setup DEV [-6] [-f] [-s net.KEY=VALUE]... [-e NAME=VALUE]...
 *       Kathara's kernel settings for a device (forwarding on, no reverse-path filter, no
 *       ICMP rate limit, IPv6 off unless -6), then the lab's own (-s) and its environment
 *       (-e); the lab's shared/ at /shared; with -f, FRR's files as in Kathara's FRR image
 *       (no frr.conf: see frr_image); the device's folder /hostlab/DEV copied over /
 *       (owned by root, modes kept; text files without carriage returns, as Kathara converts
 *       them); then Kathara's fixed permissions (/var/www, /etc/frr, /etc/quagga).
 *   kathara run FILE
 *       /hostlab/FILE (shared.startup, DEV.startup, DEV.shutdown, ...) run as Kathara runs
 *       it: a shell script (bash; traced with set -x), its output in /var/log/startup.log
 *       (shared.log, shutdown.log) and then on standard output. Each command that fails is
 *       named with its line: "umllab: FILE:LINE: exit status N: COMMAND". Exit status: the
 *       script's, or 1 when a command of it failed. In it, `ip link set DEV address MAC` works
 *       with DEV up, as in Kathara (LIVE_MAC_FUNCTIONS below).
 *
 * In C rather than a shell script: a fork costs about 0.1 s in a UML guest, and a shell
 * version of the setup took 4.8 s of a device's boot. /hostlab is the lab directory (the
 * lab's share, hostfs); umllab's supervisor runs these as the startup commands that
 * `umllab convert DIR` shows (docs/kathara.md). */
#include "image/guest/kathara.h"
#include "image/guest/guest_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOSTLAB "/hostlab"
#define STATE "/run/umllab/kathara"
#define ENVFILE "/etc/umllab/kathara.env"
#define FILE_MAX (64u << 20)	/* a file of a device's folder, at most */
#define SCRIPT_MAX (1u << 20)
#define DEPTH_MAX 32
#define WATCHFRR_OPTIONS "-T 90"
#define FRR_DAEMONS "/etc/frr/daemons"
#define FRR_VTYSH_CONF "/etc/frr/vtysh.conf"
#define FRR_IMAGE_DONE "/etc/umllab/kathara-frr-image"

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("umllab: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void mkdirs(const char *path, mode_t mode)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s != '\0'; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, mode);
			*s = '/';
		}
	}
	mkdir(p, mode);
}

/* ---- setup ---- */

/* net.ipv4.conf.eth0.rp_filter=0: lab sysctls say when they do not exist. */
static void sysctl_set(const char *key, const char *value, bool from_lab)
{
	char path[512];
	int n = snprintf(path, sizeof(path), "/proc/sys/%s", key);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	for (char *p = path + strlen("/proc/sys/"); *p != '\0'; p++)
		if (*p == '.')
			*p = '/';
	if (access(path, F_OK) != 0) {
		if (from_lab)
			warn("sysctl %s does not exist in this kernel", key);
		return;
	}
	char text[256];
	snprintf(text, sizeof(text), "%s\n", value);
	if (guest_write_text(path, text, O_TRUNC, 0) < 0 && from_lab)
		warn("cannot set %s=%s: %s", key, value, strerror(errno));
}

static void sysctl_each(const char *fmt, const char *value, char ifaces[][32], size_t n,
    const char *const *more)
{
	char key[256];
	for (const char *const *m = more; *m != NULL; m++) {
		snprintf(key, sizeof(key), fmt, *m);
		sysctl_set(key, value, false);
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), fmt, ifaces[i]);
		sysctl_set(key, value, false);
	}
}

/* A module of the running kernel (a path under /lib/modules/RELEASE), if it is there;
 * one already loaded is no error. */
static void module_load(const char *path)
{
	struct utsname u;
	char full[512];
	if (uname(&u) != 0 || snprintf(full, sizeof(full), "/lib/modules/%s/%s", u.release, path) >=
	    (int)sizeof(full))
		return;
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)syscall(SYS_finit_module, fd, "", 0);
	close(fd);
}

/* Kathara's defaults for every device (its manager/docker/DockerMachine.py). */
static void sysctl_defaults(bool ipv6)
{
	/* IPv6 is a module of Debian's UML kernel: load it now, or it would come later, with
	 * IPv6 on. By hand first: the kernel's way (an IPv6 socket) runs modprobe, 0.1 to 0.3
	 * CPU-seconds in a UML guest. */
	if (access("/proc/sys/net/ipv6", F_OK) != 0) {
		module_load("kernel/lib/crc-ccitt.ko");
		module_load("kernel/net/ipv6/ipv6.ko");
	}
	if (access("/proc/sys/net/ipv6", F_OK) != 0) {
		int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s >= 0)
			close(s);
	}
	char ifaces[64][32];
	size_t n = 0;
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL && n < 64)
		if (e->d_name[0] != '.' && strcmp(e->d_name, "lo") != 0 && strlen(e->d_name) < 32)
			memcpy(ifaces[n++], e->d_name, strlen(e->d_name) + 1);
	if (d != NULL)
		closedir(d);
	static const char *const all_default_lo[] = { "all", "default", "lo", NULL };
	static const char *const all_default[] = { "all", "default", NULL };
	sysctl_each("net.ipv4.conf.%s.rp_filter", "0", ifaces, n, all_default_lo);
	sysctl_set("net.ipv4.ip_forward", "1", false);
	sysctl_set("net.ipv4.icmp_ratelimit", "0", false);
	if (ipv6) {
		sysctl_each("net.ipv6.conf.%s.disable_ipv6", "0", ifaces, n, all_default);
		sysctl_each("net.ipv6.conf.%s.forwarding", "1", ifaces, n, all_default);
		sysctl_each("net.ipv6.conf.%s.accept_ra", "0", ifaces, n, all_default);
		sysctl_set("net.ipv6.icmp.ratelimit", "0", false);
	} else {
		sysctl_each("net.ipv6.conf.%s.forwarding", "0", ifaces, n, all_default);
		sysctl_each("net.ipv6.conf.%s.disable_ipv6", "1", ifaces, n, all_default);
	}
}

/* A file of the device's folder: Kathara removes carriage returns before newlines and a
 * UTF-8 byte order mark from text files (no NUL byte in them). */
static size_t text_convert(char *buf, size_t len)
{
	if (memchr(buf, '\0', len) != NULL)
		return len;
	size_t start = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	size_t out = 0;
	for (size_t i = start; i < len; i++) {
		if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
			continue;
		buf[out++] = buf[i];
	}
	return out;
}


static void copy_file(const char *src, const char *dst, const struct stat *st)
{
	char *buf;
	size_t len;
	if (guest_read_file(src, &buf, &len, FILE_MAX) < 0) {
		warn("cannot read %s: %s", src, strerror(errno));
		return;
	}
	len = text_convert(buf, len);
	unlink(dst);	/* a file, or a link to one, is replaced (as tar does) */
	int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || fchmod(fd, st->st_mode & 07777) < 0)
		warn("cannot write %s: %s", dst, strerror(errno));
	if (fd >= 0) {
		struct timespec t[2] = { st->st_atim, st->st_mtim };
		futimens(fd, t);
		close(fd);
	}
	free(buf);
}

/* The folder src over dst: directories that are there stay as they are (a link to a
 * directory too: /lib is one in Debian), the rest comes from src, owned by root. */
static void copy_tree(const char *src, const char *dst, int depth)
{
	if (depth > DEPTH_MAX)
		return;
	DIR *d = opendir(src);
	if (d == NULL) {
		warn("cannot read %s: %s", src, strerror(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, ".DS_Store") == 0)
			continue;
		char s[4096], t[4096];
		if (snprintf(s, sizeof(s), "%s/%s", src, e->d_name) >= (int)sizeof(s) ||
		    snprintf(t, sizeof(t), "%s/%s", strcmp(dst, "/") == 0 ? "" : dst, e->d_name) >=
		    (int)sizeof(t))
			continue;
		struct stat st, tt;
		if (lstat(s, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (stat(t, &tt) != 0) {
				unlink(t);
				if (mkdir(t, st.st_mode & 07777) < 0)
					warn("cannot make %s: %s", t, strerror(errno));
				else
					chmod(t, st.st_mode & 07777);
			}
			copy_tree(s, t, depth + 1);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(s, target, sizeof(target) - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			unlink(t);
			if (symlink(target, t) < 0)
				warn("cannot make the link %s: %s", t, strerror(errno));
		} else if (S_ISREG(st.st_mode)) {
			copy_file(s, t, &st);
		}
	}
	closedir(d);
}


/* chown -R (owner >= 0) and chmod -R mode (mode != 0) of everything under dir. */
static void tree_own(const char *dir, int depth, long owner, gid_t group, mode_t mode)
{
	DIR *d = depth <= DEPTH_MAX ? opendir(dir) : NULL;
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[4096];
		if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= (int)sizeof(p))
			continue;
		struct stat st;
		if (lstat(p, &st) < 0 || S_ISLNK(st.st_mode))
			continue;
		if (owner >= 0)
			(void)!chown(p, (uid_t)owner, group);
		if (mode != 0)
			chmod(p, mode);
		if (S_ISDIR(st.st_mode))
			tree_own(p, depth + 1, owner, group, mode);
	}
	if (d != NULL)
		closedir(d);
}

/* FRR's watchfrr gives its start of the daemons (and of their configuration) 20 s, then
 * kills it: a guest on a busy host can take longer, and is left running without its
 * configuration ("OSPF is not enabled"). The guest's copy of /etc/frr/daemons gets 90 s
 * (a line at its end), unless it sets a restart timeout itself. The environment would not
 * do: Debian's `service` starts init scripts with an empty one. */
static void frr_timeout(void)
{
	char *text;
	size_t len;
	if (guest_read_file(FRR_DAEMONS, &text, &len, 1u << 20) < 0)
		return;
	bool has = false;
	for (char *l = strstr(text, "watchfrr_options"); l != NULL && !has;
	    l = strstr(l + 1, "watchfrr_options")) {
		const char *end = strchr(l, '\n');
		const char *t = strstr(l, "-T");
		has = t != NULL && (end == NULL || t < end);
	}
	free(text);
	if (!has)
		guest_write_text(FRR_DAEMONS, "\n# umllab: a longer start for watchfrr on a busy host "
		    "(docs/kathara.md)\nwatchfrr_options=\"${watchfrr_options:+$watchfrr_options }"
		    WATCHFRR_OPTIONS "\"\n", O_APPEND, 0);
}

/* Kathara's FRR image is FRR's package with two changes (Kathara's Docker-Images,
 * frr/Dockerfile): `rm /etc/frr/frr.conf` and `sed -i -e 's/service/no service/'
 * /etc/frr/vtysh.conf`. Labs rely on the first: FRR's daemons read their own bgpd.conf,
 * ospfd.conf, ... only when there is no frr.conf (with one, they wait for `vtysh -b`), and
 * Debian's package ships one (`log syslog informational`), so a lab with only a bgpd.conf
 * would run with no BGP at all. Done once, before the device's folder is copied (which
 * may bring its own frr.conf): a marker keeps a restarted guest's own files. */
static void frr_image(void)
{
	struct stat st;
	if (stat(FRR_IMAGE_DONE, &st) == 0 || stat("/etc/frr", &st) != 0)
		return;
	if (unlink("/etc/frr/frr.conf") < 0 && errno != ENOENT)
		warn("cannot remove /etc/frr/frr.conf: %s", strerror(errno));
	char *text, *out;
	size_t len;
	if (guest_read_file(FRR_VTYSH_CONF, &text, &len, 1u << 20) == 0) {
		/* sed 's/service/no service/': the first "service" of each line (a line of
		 * 1 byte grows by 3 at most) */
		size_t o = 0;
		if ((out = malloc(4 * len + 1)) != NULL) {
			for (char *l = text; *l != '\0';) {
				char *end = strchr(l, '\n');
				size_t n = end != NULL ? (size_t)(end - l) + 1 : strlen(l);
				char *svc = memmem(l, n, "service", 7);
				size_t pre = svc != NULL ? (size_t)(svc - l) : n;
				memcpy(out + o, l, pre);
				o += pre;
				if (svc != NULL) {
					memcpy(out + o, "no ", 3);
					memcpy(out + o + 3, svc, n - pre);
					o += 3 + n - pre;
				}
				l += n;
			}
			out[o] = '\0';
			guest_write_text(FRR_VTYSH_CONF, out, O_TRUNC, 0);
			free(out);
		}
		free(text);
	}
	mkdirs("/etc/umllab", 0755);
	guest_write_text(FRR_IMAGE_DONE, "", O_CREAT | O_TRUNC, 0644);
}

/* Kathara's startup gives these files fixed owners and modes. */
static void fixups(const char *dev)
{
	frr_timeout();
	struct stat st;
	if (stat("/etc/hosts", &st) != 0 || st.st_size == 0) {
		char text[256];
		snprintf(text, sizeof(text), "127.0.0.1 localhost\n::1 localhost\n127.0.1.1 %s\n", dev);
		guest_write_text("/etc/hosts", text, O_CREAT | O_TRUNC, 0644);
	}
	if (stat("/var/www", &st) == 0 && S_ISDIR(st.st_mode))
		tree_own("/var/www", 0, -1, 0, 0777);	/* chmod -R 777 on what /var/www holds */
	static const char *const daemons[][2] = { { "/etc/frr", "frr" }, { "/etc/quagga", "quagga" } };
	for (size_t i = 0; i < 2; i++) {
		uid_t u;
		gid_t g;
		if (stat(daemons[i][0], &st) != 0 || !guest_user_ids(daemons[i][1], &u, &g))
			continue;
		(void)!chown(daemons[i][0], u, g);
		tree_own(daemons[i][0], 0, (long)u, g, 0);
		tree_own(daemons[i][0], DEPTH_MAX, -1, 0, 0640);	/* chmod 640 on its entries only */
	}
}

static int setup(int argc, char **argv)
{
	const char *dev = argv[0];
	bool ipv6 = false, kathara_frr = false;
	char env[8192] = "";
	size_t env_len = 0;
	const char *sysctls[256];
	size_t n_sysctls = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-6") == 0) {
			ipv6 = true;
		} else if (strcmp(argv[i], "-f") == 0) {
			kathara_frr = true;
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc && n_sysctls < 256) {
			sysctls[n_sysctls++] = argv[++i];
		} else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc) {
			const char *kv = argv[++i], *eq = strchr(kv, '=');
			if (eq == NULL || strchr(kv, '\'') != NULL)
				continue;
			int n = snprintf(env + env_len, sizeof(env) - env_len, "export %.*s='%s'\n",
			    (int)(eq - kv), kv, eq + 1);
			if (n > 0 && (size_t)n < sizeof(env) - env_len)
				env_len += (size_t)n;
		} else {
			warn("kathara setup: unknown argument %s", argv[i]);
			return 2;
		}
	}
	sysctl_defaults(ipv6);
	for (size_t i = 0; i < n_sysctls; i++) {
		char key[256];
		const char *eq = strchr(sysctls[i], '=');
		if (eq == NULL || (size_t)(eq - sysctls[i]) >= sizeof(key))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - sysctls[i]), sysctls[i]);
		sysctl_set(key, eq + 1, true);
	}
	/* [env]: for the startup scripts and the console's login shells. */
	mkdirs("/etc/umllab", 0755);
	mkdirs("/etc/profile.d", 0755);
	guest_write_text(ENVFILE, env, O_CREAT | O_TRUNC, 0644);
	guest_write_text("/etc/profile.d/umllab-kathara.sh", "[ -r " ENVFILE " ] && . " ENVFILE "\n",
	    O_CREAT | O_TRUNC, 0644);
	/* shared/ of the lab at /shared, made if missing (as Kathara does). */
	struct stat st;
	mkdir("/shared", 0755);
	if (stat(HOSTLAB, &st) == 0) {
		if (stat(HOSTLAB "/shared", &st) != 0)
			mkdir(HOSTLAB "/shared", 0755);
		if (stat(HOSTLAB "/shared", &st) == 0 &&
		    mount(HOSTLAB "/shared", "/shared", NULL, MS_BIND, NULL) < 0)
			warn("cannot mount " HOSTLAB "/shared on /shared: %s", strerror(errno));
	}
	if (kathara_frr)
		frr_image();
	char folder[512];
	snprintf(folder, sizeof(folder), HOSTLAB "/%s", dev);
	if (stat(folder, &st) == 0 && S_ISDIR(st.st_mode))
		copy_tree(folder, "/", 0);
	fixups(dev);
	return 0;
}

/* ---- run ---- */

/* A new MAC on an interface that is up: Kathara's veth interfaces take it (their driver has
 * IFF_LIVE_ADDR_CHANGE), and its startups run with them up, so labs do it on their first
 * line (`ip link set dev eth0 address MAC`: Kathara-Labs' ARP and P4 labs). UML's vector
 * driver refuses it with EBUSY while up, even to the address it has (Linux 6.1). So in the
 * scripts `kathara run` runs, `ip link set DEV ... address MAC` and `ifconfig DEV hw ether
 * MAC` on an up vector device do nothing when DEV has that address already (as Linux 6.5
 * and later), else set it down, run the command, and set it up again (unless the command
 * said down). The down drops the IPv4 routes and IPv6 addresses of DEV, as any down does:
 * the labs change a MAC before anything else. Bash functions in the script's own shell
 * (BASH_ENV): no process more for any other command, and a student's own shell is left
 * alone. Quiet (`local -`: no trace of their insides); the call itself is traced. */
#define LIVE_MAC_FUNCTIONS \
	"__umllab_mac() {\n" \
	"\tlocal dev=$1 mac=$2 down=$3 flags= cur= rc\n" \
	"\tshift 3\n" \
	"\tif [[ -n $dev && -n $mac && /sys/class/net/$dev/device/driver -ef " \
	"/sys/bus/platform/drivers/uml-vector ]] &&\n" \
	"\t    read -r flags < \"/sys/class/net/$dev/flags\" && (( flags & 1 )); then\n" \
	"\t\tread -r cur < \"/sys/class/net/$dev/address\"\n" \
	"\t\t[[ ${cur,,} == \"${mac,,}\" && $down == same ]] && return 0\n" \
	"\t\tcommand ip link set dev \"$dev\" down || return\n" \
	"\t\tcommand \"$@\"; rc=$?\n" \
	"\t\t[[ $down == down ]] || command ip link set dev \"$dev\" up\n" \
	"\t\treturn $rc\n" \
	"\tfi\n" \
	"\tcommand \"$@\"\n" \
	"}\n" \
	"ip() {\n" \
	"\t{ local -; set +x; } 2>/dev/null\n" \
	"\tlocal -a w=(\"$@\")\n" \
	"\tlocal dev= mac= down=same i\n" \
	"\tif [[ $# -ge 4 && -n $1 && -n $2 && link == \"$1\"* && set == \"$2\"* ]]; then\n" \
	"\t\tdev=${w[2]}; [[ $dev == dev ]] && dev=${w[3]}\n" \
	"\t\tfor ((i = 2; i < $#; i++)); do\n" \
	"\t\t\tcase ${w[i]} in address|addr) mac=${w[i+1]-} ;; down) down=down ;; esac\n" \
	"\t\tdone\n" \
	"\t\t[[ $down == same && $# -gt 5 ]] && down=other\n" \
	"\tfi\n" \
	"\t__umllab_mac \"$dev\" \"$mac\" $down ip \"$@\"\n" \
	"}\n" \
	"ifconfig() {\n" \
	"\t{ local -; set +x; } 2>/dev/null\n" \
	"\tlocal mac= down=same\n" \
	"\t[[ $# -ge 4 && $2 == hw && $3 == ether ]] && mac=$4\n" \
	"\t[[ $# -gt 4 ]] && down=other\n" \
	"\t[[ $* == *' down'* ]] && down=down\n" \
	"\t__umllab_mac \"${1-}\" \"$mac\" $down ifconfig \"$@\"\n" \
	"}\n"

/* The environment of [env] (export NAME='VALUE' lines, written by setup). */
static void env_load(void)
{
	char *buf;
	size_t len;
	if (guest_read_file(ENVFILE, &buf, &len, 1u << 16) < 0)
		return;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');
		if (strncmp(l, "export ", 7) != 0 || eq == NULL || eq[1] != '\'')
			continue;
		*eq = '\0';
		char *v = eq + 2, *q = strrchr(v, '\'');
		if (q != NULL)
			*q = '\0';
		setenv(l + 7, v, 1);
	}
	free(buf);
}

static int run(const char *name)
{
	if (strchr(name, '/') != NULL || name[0] == '.') {
		warn("kathara run: %s is not a file of the lab directory", name);
		return 2;
	}
	char src[512], script[512], trap[512], failed[512];
	snprintf(src, sizeof(src), HOSTLAB "/%s", name);
	snprintf(script, sizeof(script), STATE "/%s", name);
	snprintf(trap, sizeof(trap), STATE "/%s.trap", name);
	snprintf(failed, sizeof(failed), STATE "/%s.failed", name);
	char *text;
	size_t len;
	if (guest_read_file(src, &text, &len, SCRIPT_MAX) < 0) {
		warn("cannot read %s: %s", src, strerror(errno));
		return 1;
	}
	len = text_convert(text, len);
	text[len] = '\0';
	mkdirs(STATE, 0755);
	unlink(script);
	int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		warn("cannot write %s: %s", script, strerror(errno));
		free(text);
		return 1;
	}
	close(fd);
	/* The trap names each command that fails; set -x is Kathara's trace. BASH_ENV goes no
	 * further than this script (the daemons' init scripts are bash scripts too), nor do
	 * the functions (not exported). */
	char trap_text[4096];
	snprintf(trap_text, sizeof(trap_text),
	    "unset BASH_ENV\n"
	    "%s"
	    "trap '{ __s=$?; set +x; } 2>/dev/null; echo \"umllab: %s:$LINENO: exit status $__s: "
	    "$BASH_COMMAND\" >&2; echo $LINENO >> %s; set -x' ERR\n"
	    "set -x\n", LIVE_MAC_FUNCTIONS, name, failed);
	guest_write_text(trap, trap_text, O_CREAT | O_TRUNC, 0644);
	guest_write_text(failed, "", O_CREAT | O_TRUNC, 0644);
	const char *log = strcmp(name, "shared.startup") == 0 ? "/var/log/shared.log" :
	    strstr(name, ".startup") != NULL ? "/var/log/startup.log" : "/var/log/shutdown.log";
	int log_fd = open(log, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		warn("cannot open %s: %s", log, strerror(errno));
		free(text);
		return 1;
	}
	off_t start = lseek(log_fd, 0, SEEK_END);
	/* bash for shell scripts (with or without #!/bin/sh, as Kathara runs them), else the
	 * script's own interpreter. */
	bool shell = true;
	if (strncmp(text, "#!", 2) == 0) {
		char first[256];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(text + 2, "\n"), text + 2);
		shell = strstr(first, "/sh") != NULL || strstr(first, "bash") != NULL ||
		    strstr(first, "env sh") != NULL;
	}
	free(text);
	bool bash = access("/bin/bash", X_OK) == 0;
	env_load();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDONLY);
		if (null_fd >= 0)
			dup2(null_fd, 0);
		dup2(log_fd, 1);
		dup2(log_fd, 2);
		if (shell && bash) {
			setenv("BASH_ENV", trap, 1);
			execl("/bin/bash", "bash", script, (char *)NULL);
		} else if (shell) {
			execl("/bin/sh", "sh", "-x", script, (char *)NULL);
		} else {
			execl(script, script, (char *)NULL);
		}
		dprintf(2, "umllab: cannot run %s: %s\n", script, strerror(errno));
		_exit(127);
	}
	int status = 1;
	if (pid > 0 && (status = guest_wait_status(pid)) < 0)
		status = 1;
	/* What it wrote, to the host. */
	char buf[8192];
	ssize_t n;
	while (start >= 0 && (n = pread(log_fd, buf, sizeof(buf), start)) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		start += n;
	}
	close(log_fd);
	char *lines;
	size_t fl = 0;
	if (guest_read_file(failed, &lines, &fl, 1u << 16) == 0) {
		size_t count = 0;
		for (size_t i = 0; i < fl; i++)
			count += lines[i] == '\n';
		if (status == 0 && count > 0) {
			printf("umllab: %s: %zu command%s failed, the first at line %ld\n", name, count,
			    count == 1 ? "" : "s", strtol(lines, NULL, 10));
			status = 1;
		}
		free(lines);
	}
	if (status != 0 && fl == 0)
		printf("umllab: %s ended with exit status %d\n", name, status);
	fflush(stdout);
	return status;
}

int kathara_main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "setup") == 0)
		return setup(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "run") == 0)
		return run(argv[2]);
	fprintf(stderr, "usage: kathara setup DEV [-6] [-f] [-s net.KEY=VALUE]... [-e NAME=VALUE]...\n"
	    "       kathara run FILE\n");
	return 2;
}
