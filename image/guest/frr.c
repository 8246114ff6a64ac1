/* image/guest/frr.c: FRR's init script (/etc/init.d/frr start|stop|restart|status) in C,
 * for umllab's guests.
 *
 * Debian's /etc/init.d/frr (FRR's frrinit.sh, bash) starts watchfrr, which finds every
 * daemon down and runs `watchfrr.sh restart all` (bash again), which stops what runs,
 * starts each daemon of /etc/frr/daemons with -d and its options, then applies frr.conf
 * with `vtysh -b`. In a UML guest a fork costs about 0.1 s, and that start forked about
 * thirty times (dirname, grep, run-parts, install, subshells...): the start took 10.4 to
 * 10.7 host CPU-seconds that way, 4.5 to 5.0 this way (one guest, load 7 to 11;
 * docs/kathara.md, "Speed"). This program does the same work with one
 * fork per program it runs: the same daemons in FRR's order with the same options (read
 * from /etc/frr/daemons and FRR's own frrcommon.sh), the same pid files (the daemons
 * write them), then `vtysh -b`, then watchfrr with the same options, which finds every
 * daemon up and supervises them as before (a crashed daemon is restarted by watchfrr
 * through FRR's own watchfrr.sh). stop, restart, force-reload and status do what
 * frrcommon.sh does. Anything else (reload, a namespace, a daemons file with shell
 * beyond assignments, a *_wrap setting) runs FRR's own /usr/lib/frr/frrinit.sh.
 *
 * The guest layer (image/layer.c) makes /etc/init.d/frr a link to the agent in images
 * that have FRR, so `systemctl start frr`, `service frr start` and `/etc/init.d/frr
 * start` all come here. Differences from the script: start exits 1 when a daemon asked
 * for is not installed or cannot start (the script says so, or not, and exits 0), so that
 * `umllab up` shows it with the daemon's words; vtysh's complaints about frr.conf are
 * shown (the script sends them to /dev/null), without failing the start. */
#include "image/guest/frr.h"
#include "image/guest/frr_daemons.h"
#include "image/guest/guest_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FRR_SCRIPT "/usr/lib/frr/frrinit.sh"
#define FRR_COMMON "/usr/lib/frr/frrcommon.sh"
#define LIST_MAX 64
#define ARGV_MAX 64
#define STOP_POLLS 1200		/* frrcommon.sh: 1200 times 0.1 s */

/* What frrcommon.sh sets before it reads the daemons file. */
static const char *const common_names[] = {
	"D_PATH", "C_PATH", "V_PATH", "VTYSH", "FRR_USER", "FRR_GROUP", "FRR_CONFIG_MODE",
	"FRR_DEFAULT_PROFILE", "DAEMONS",
};

struct frr {
	struct frr_vars common;		/* frrcommon.sh's paths and DAEMONS */
	struct frr_vars conf;		/* /etc/frr/daemons */
	const char *d_path, *c_path, *v_path, *vtysh;
	char global_options[FRR_VALUE_MAX];	/* $frr_global_options -F PROFILE */
	uid_t uid;
	gid_t gid;
	bool has_user;
	mode_t config_mode;
};

struct list {
	size_t n;
	char item[LIST_MAX][FRR_NAME_MAX + 16];
};

/* log_success_msg, log_failure_msg, log_warning_msg of Debian's lsb init-functions. */
static void say(const char *end, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *end, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("%s\n", end);
	fflush(stdout);
}

#define ok_msg(...) say(".", __VA_ARGS__)
#define fail_msg(...) say(" ... failed!", __VA_ARGS__)
#define warn_msg(...) say(" ... (warning).", __VA_ARGS__)

/* FRR's own script, for what this program does not do itself. */
static int frr_script(int argc, char **argv)
{
	char *args[ARGV_MAX + 2];
	int n = 0;
	args[n++] = FRR_SCRIPT;
	for (int i = 1; i < argc && n < ARGV_MAX; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	fflush(stdout);
	execv(FRR_SCRIPT, args);
	fprintf(stderr, "umllab: cannot run %s: %s\n", FRR_SCRIPT, strerror(errno));
	return 1;
}

/* NAME=... lines of frrcommon.sh, read one by one (the file is a shell library). */
static int common_load(struct frr_vars *v)
{
	char *text;
	size_t len;
	if (guest_read_file(FRR_COMMON, &text, &len, 1u << 20) < 0)
		return -1;
	int found = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save)) {
		for (size_t i = 0; i < sizeof(common_names) / sizeof(common_names[0]); i++) {
			size_t n = strlen(common_names[i]);
			if (strncmp(l, common_names[i], n) != 0 || l[n] != '=' ||
			    frr_vars_get(v, common_names[i]) != NULL)
				continue;
			char why[128];
			if (frr_vars_parse(v, l, why, sizeof(why)) < 0) {
				free(text);
				return -1;
			}
			found++;
		}
	}
	free(text);
	return found == (int)(sizeof(common_names) / sizeof(common_names[0])) ? 0 : -1;
}

/* A file FRR's script would source as old configuration (load_old_config). */
static bool old_config(const char *path)
{
	char *text;
	size_t len;
	if (guest_read_file(path, &text, &len, 1u << 20) < 0)
		return false;
	bool used = false;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL && !used;
	    l = strtok_r(NULL, "\n", &save)) {
		l += strspn(l, " \t");
		used = *l != '\0' && *l != '#';
	}
	free(text);
	return used;
}

static const char *var(const struct frr *f, const char *name)
{
	const char *s = frr_vars_get(&f->conf, name);
	return s != NULL ? s : "";
}

static const char *var2(const struct frr *f, const char *daemon, const char *suffix)
{
	char name[FRR_NAME_MAX + 16];
	snprintf(name, sizeof(name), "%s%s", daemon, suffix);
	return var(f, name);
}

/* True when s splits into plain words (nothing `eval` would expand or quote). */
static bool plain(const char *s)
{
	char copy[FRR_VALUE_MAX], *words[ARGV_MAX];
	snprintf(copy, sizeof(copy), "%s", s);
	return frr_words(copy, words, ARGV_MAX / 2) >= 0;
}

/* 0 when this program can do what the script would; -1 to leave it to the script;
 * 1 when the daemons file is missing (said, as the script says it). */
static int frr_load(struct frr *f, const char *action)
{
	if (common_load(&f->common) < 0)
		return -1;
	f->d_path = frr_vars_get(&f->common, "D_PATH");
	f->c_path = frr_vars_get(&f->common, "C_PATH");
	f->v_path = frr_vars_get(&f->common, "V_PATH");
	f->vtysh = frr_vars_get(&f->common, "VTYSH");
	char path[512];
	snprintf(path, sizeof(path), "%s/daemons", f->c_path);
	char *text;
	size_t len;
	if (guest_read_file(path, &text, &len, 1u << 20) < 0) {
		fail_msg("cannot run %s: %s does not exist", action, path);
		return 1;
	}
	char why[160];
	int rc = frr_vars_parse(&f->conf, text, why, sizeof(why));
	free(text);
	if (rc < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/daemons.conf", f->c_path);
	if (old_config(path) || old_config("/etc/default/frr") || old_config("/etc/sysconfig/frr"))
		return -1;
	/* Wrappers, and options that are more than words, need the shell's eval. */
	if (var(f, "all_wrap")[0] != '\0' || !plain(var(f, "frr_global_options")) ||
	    !plain(var(f, "watchfrr_options")) || var(f, "watchfrr_wrap")[0] != '\0')
		return -1;
	char daemons[FRR_VALUE_MAX];
	snprintf(daemons, sizeof(daemons), "%s", frr_vars_get(&f->common, "DAEMONS"));
	char *names[LIST_MAX];
	int n = frr_words(daemons, names, LIST_MAX);
	if (n <= 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (var2(f, names[i], "_wrap")[0] != '\0' || !plain(var2(f, names[i], "_options")) ||
		    !plain(var2(f, names[i], "_instances")))
			return -1;
	const char *profile = var(f, "frr_profile");
	struct stat st;
	if (profile[0] == '\0')
		profile = stat("/etc/cumulus", &st) == 0 && S_ISDIR(st.st_mode) ? "datacenter" :
		    frr_vars_get(&f->common, "FRR_DEFAULT_PROFILE");
	if (profile[0] != '\0')
		snprintf(f->global_options, sizeof(f->global_options), "%s -F %s",
		    var(f, "frr_global_options"), profile);
	else
		snprintf(f->global_options, sizeof(f->global_options), "%s", var(f, "frr_global_options"));
	uid_t u;
	gid_t g;
	f->has_user = guest_user_ids(frr_vars_get(&f->common, "FRR_USER"), &u, &g);
	f->uid = u;
	f->gid = g;	/* FRR_GROUP is frr's own group */
	f->config_mode = (mode_t)strtoul(frr_vars_get(&f->common, "FRR_CONFIG_MODE"), NULL, 8);
	return 0;
}

static bool readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* daemon_prep: the daemon is installed; without frr.conf it gets its own, empty. */
static bool daemon_prep(const struct frr *f, const char *daemon, const char *inst, bool quiet)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", f->d_path, daemon);
	if (access(path, X_OK) != 0) {
		/* quiet: watchfrr.sh says it too, but on watchfrr's standard error (/dev/null) */
		if (!quiet)
			fail_msg("cannot start %s%s%s%s: daemon binary not installed", daemon,
			    inst[0] ? " (instance " : "", inst, inst[0] ? ")" : "");
		return false;
	}
	snprintf(path, sizeof(path), "%s/frr.conf", f->c_path);
	if (readable(path))
		return true;
	snprintf(path, sizeof(path), "%s/%s%s%s.conf", f->c_path, daemon, inst[0] ? "-" : "", inst);
	if (!readable(path)) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, f->config_mode);
		if (fd >= 0) {
			if (f->has_user)
				(void)!fchown(fd, f->uid, f->gid);
			fchmod(fd, f->config_mode);
			close(fd);
		}
	}
	return true;
}

/* daemon_list: the enabled daemons (NAME or NAME-INSTANCE) in FRR's order, and the
 * disabled ones; returns how many enabled ones are not installed. */
static int daemon_list(const struct frr *f, struct list *enabled, struct list *disabled,
    bool quiet)
{
	int missing = 0;
	char daemons[FRR_VALUE_MAX];
	snprintf(daemons, sizeof(daemons), "%s", frr_vars_get(&f->common, "DAEMONS"));
	char *names[LIST_MAX];
	int n = frr_words(daemons, names, LIST_MAX);
	enabled->n = disabled->n = 0;
	for (int i = 0; i < n; i++) {
		const char *d = names[i];
		const char *cfg = var(f, d);
		const char *inst = var2(f, d, "_instances");
		if (strcmp(d, "zebra") == 0 || strcmp(d, "staticd") == 0)
			cfg = "yes";
		if (cfg[0] == '\0' || strcmp(cfg, "no") == 0 || strcmp(cfg, "0") == 0) {
			if (disabled->n < LIST_MAX)
				snprintf(disabled->item[disabled->n++], sizeof(disabled->item[0]), "%s", d);
			continue;
		}
		if (!daemon_prep(f, d, inst, quiet)) {
			missing++;
			continue;
		}
		if (inst[0] == '\0') {
			if (enabled->n < LIST_MAX)
				snprintf(enabled->item[enabled->n++], sizeof(enabled->item[0]), "%s", d);
			continue;
		}
		char copy[FRR_VALUE_MAX];
		snprintf(copy, sizeof(copy), "%s", inst);
		for (char *save = NULL, *one = strtok_r(copy, " \t\n,", &save); one != NULL;
		    one = strtok_r(NULL, " \t\n,", &save))
			if (enabled->n < LIST_MAX)
				snprintf(enabled->item[enabled->n++], sizeof(enabled->item[0]), "%s-%.*s", d,
				    FRR_NAME_MAX - 1, one);
	}
	return missing;
}

/* NAME-INST into its daemon and instance (daemon_inst). */
static void daemon_inst(const char *dmninst, char *daemon, size_t size, const char **inst)
{
	const char *dash = strrchr(dmninst, '-');
	*inst = dash != NULL ? dash + 1 : "";
	snprintf(daemon, size, "%.*s", (int)(dash != NULL ? dash - dmninst : (long)strlen(dmninst)),
	    dmninst);
}

static pid_t pid_of(const struct frr *f, const char *dmninst)
{
	char path[512], *text;
	size_t len;
	snprintf(path, sizeof(path), "%s/%s.pid", f->v_path, dmninst);
	if (guest_read_file(path, &text, &len, 64) < 0)
		return -1;
	long pid = strtol(text, NULL, 10);
	free(text);
	return pid > 0 ? (pid_t)pid : 0;
}

/* daemon_status: 0 running, 3 no pid file, 1 not running. */
static int daemon_status(const struct frr *f, const char *dmninst)
{
	pid_t pid = pid_of(f, dmninst);
	if (pid < 0)
		return 3;
	return pid > 0 && kill(pid, 0) == 0 ? 0 : 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Runs argv (argv[0] a path) and waits for it: its exit status, or -1. quiet: what it
 * writes is shown only if it fails (watchfrr.sh's commands write to watchfrr's standard
 * output, /dev/null: a daemon's notices would be new noise in the startup's log, but
 * why it failed is worth seeing). */
static int run(char *const *argv, bool quiet)
{
	fflush(stdout);
	fflush(stderr);
	int out = quiet ? memfd_create("frr-out", MFD_CLOEXEC) : -1;
	pid_t pid = fork();
	if (pid < 0) {
		if (out >= 0)
			close(out);
		return -1;
	}
	if (pid == 0) {
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		execv(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int rc = guest_wait_status(pid);
	if (out >= 0 && rc != 0) {
		char buf[4096];
		ssize_t n;
		off_t at = 0;
		while ((n = pread(out, buf, sizeof(buf), at)) > 0) {
			fwrite(buf, 1, (size_t)n, stderr);
			at += n;
		}
		fflush(stderr);
	}
	if (out >= 0)
		close(out);
	return rc;
}

/* vtysh_b: frr.conf into the running daemons (one of them if daemon is given); vtysh's
 * exit status. */
static int vtysh_b(const struct frr *f, const char *daemon, bool quiet)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/frr.conf", f->c_path);
	if (!readable(path)) {
		if (quiet)
			fprintf(stderr, "%s does not exist; skipping config apply\n", path);
		else
			warn_msg("%s does not exist; skipping config apply", path);
		return 0;
	}
	char *argv[] = { (char *)f->vtysh, "-b", daemon != NULL ? "-d" : NULL, (char *)daemon, NULL };
	if (!quiet)
		ok_msg("Sending config with '%s -b%s%s'", f->vtysh, daemon != NULL ? " -d " : "",
		    daemon != NULL ? daemon : "");
	return run(argv, quiet);
}

/* daemon_start: the daemon with -d and its options; returns whether it started. quiet is
 * watchfrr.sh's way (its success messages are empty, its failures on stderr). */
static bool daemon_start(const struct frr *f, const char *dmninst, const char *args, bool all,
    bool quiet)
{
	if (geteuid() != 0) {
		fail_msg("Only users having EUID=0 can start/stop daemons");
		exit(1);
	}
	char daemon[FRR_NAME_MAX];
	const char *inst;
	daemon_inst(dmninst, daemon, sizeof(daemon), &inst);
	const char *max_fds = var(f, "MAX_FDS");
	if (max_fds[0] != '\0') {
		struct rlimit rl;
		rl.rlim_cur = rl.rlim_max = strtoul(max_fds, NULL, 10);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (strcmp(daemon, "watchfrr") != 0 && !daemon_prep(f, daemon, inst, quiet))
		return false;
	struct stat st;
	if (stat(f->v_path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		mkdir(f->v_path, f->config_mode);
		if (f->has_user)
			(void)!chown(f->v_path, f->uid, f->gid);
		chmod(f->v_path, f->config_mode | 0110);	/* chmod gu+x */
	}
	/* cmd="$all_wrap $wrap $bin $nsopt -d $frr_global_options $instopt $args" */
	char cmd[3 * FRR_VALUE_MAX], words[3 * FRR_VALUE_MAX];
	snprintf(cmd, sizeof(cmd), "  %s/%s  -d %s %s%s %s", f->d_path, daemon, f->global_options,
	    inst[0] ? "-n " : "", inst, args);
	if (!quiet)
		ok_msg("Starting %s with command: '%s'", daemon, cmd);
	snprintf(words, sizeof(words), "%s", cmd);
	char *argv[ARGV_MAX + 1];
	int n = frr_words(words, argv, ARGV_MAX);
	if (n <= 0) {
		fail_msg("Failed to start %s!", dmninst);
		return false;
	}
	argv[n] = NULL;
	if (run(argv, quiet) != 0) {
		if (quiet)
			fprintf(stderr, "Failed to start %s!\n", dmninst);
		else
			fail_msg("Failed to start %s!", dmninst);
		return false;
	}
	if (!quiet)
		ok_msg("Started %s", dmninst);
	if (!all && strcmp(daemon, "watchfrr") != 0)
		vtysh_b(f, daemon, quiet);
	return true;
}

/* daemon_stop for a list at once (frrcommon.sh stops them in parallel): SIGINT, then
 * up to 120 s for each to go. reallyall: no pid file is no error. Returns 0 when every
 * one of them stopped. */
static int daemons_stop(const struct frr *f, const struct list *l, bool reallyall, bool quiet)
{
	pid_t pids[LIST_MAX];
	int rc = 0;
	for (size_t i = 0; i < l->n; i++) {
		pids[i] = pid_of(f, l->item[i]);
		const char *fail = pids[i] < 0 ? "pid file not found" : pids[i] == 0 ?
		    "pid file is empty" : NULL;
		char buf[64];
		if (fail == NULL && kill(pids[i], 0) != 0) {
			snprintf(buf, sizeof(buf), "pid %d not running", (int)pids[i]);
			fail = buf;
		}
		if (fail != NULL) {
			if (!(reallyall && pids[i] < 0) && !quiet) {
				fail_msg("Cannot stop %s: %s", l->item[i], fail);
				rc = 1;
			}
			pids[i] = 0;
			continue;
		}
		kill(pids[i], SIGINT);
	}
	for (size_t i = 0; i < l->n; i++) {
		if (pids[i] == 0)
			continue;
		for (int k = 0; k < STOP_POLLS && kill(pids[i], 0) == 0; k++)
			sleep_ms(100);
		if (kill(pids[i], 0) == 0) {
			fail_msg("Failed to stop %s, pid %d still running", l->item[i], (int)pids[i]);
			rc = 2;
			continue;
		}
		if (!quiet)
			ok_msg("Stopped %s", l->item[i]);
		char path[512];
		snprintf(path, sizeof(path), "%s/%s.pid", f->v_path, l->item[i]);
		unlink(path);
	}
	return rc;
}

/* all_stop: every daemon but zebra at once, then zebra. Returns 2 if one still runs. */
static int all_stop(const struct frr *f, bool reallyall, bool quiet)
{
	struct list enabled, disabled, others = { 0 }, zebra = { 0 };
	daemon_list(f, &enabled, &disabled, quiet);
	if (reallyall)
		for (size_t i = 0; i < disabled.n && enabled.n < LIST_MAX; i++)
			memcpy(enabled.item[enabled.n++], disabled.item[i], sizeof(enabled.item[0]));
	for (size_t i = enabled.n; i-- > 0;) {
		struct list *to = strcmp(enabled.item[i], "zebra") == 0 ? &zebra : &others;
		memcpy(to->item[to->n++], enabled.item[i], sizeof(to->item[0]));
	}
	int rc = daemons_stop(f, &others, reallyall, quiet);
	int zrc = daemons_stop(f, &zebra, reallyall, quiet);
	return rc == 2 || zrc == 2 ? 2 : 0;
}

/* start: what frrinit.sh's start and the `watchfrr.sh restart all` it causes do, with
 * watchfrr last. */
static int frr_start(const struct frr *f)
{
	struct list enabled, disabled;
	pid_t running = pid_of(f, "watchfrr");
	if (running > 0 && kill(running, 0) == 0) {
		/* The script would start a second watchfrr, which fails on the first one's pid
		 * file: say so and leave FRR as it is, as systemctl does for a running unit. */
		warn_msg("FRR is already running (watchfrr, pid %d)", (int)running);
		return 0;
	}
	int failed = daemon_list(f, &enabled, &disabled, false);
	/* watchfrr.sh restart all: all_stop --quiet, then all_start. */
	all_stop(f, false, true);
	for (size_t i = 0; i < enabled.n; i++) {
		char daemon[FRR_NAME_MAX];
		const char *inst;
		daemon_inst(enabled.item[i], daemon, sizeof(daemon), &inst);
		if (!daemon_start(f, enabled.item[i], var2(f, daemon, "_options"), true, true))
			failed++;
	}
	/* What vtysh could not apply is said (the script sends it to watchfrr's /dev/null),
	 * but is no failure of the start, as with FRR's script: 3 of the 82 frr.conf files
	 * of Kathara-Labs have such lines (a typo, `debug bgp` lines FRR 8.4 lacks). */
	if (vtysh_b(f, NULL, true) != 0)
		fprintf(stderr, "umllab: frr: vtysh -b could not apply all of %s/frr.conf (the lines "
		    "above); FRR runs without them\n", f->c_path);
	/* watchfrr_options="$watchfrr_options $daemons" */
	char list[LIST_MAX * (FRR_NAME_MAX + 16)] = "";
	size_t len = 0;
	for (size_t i = 0; i < enabled.n; i++) {
		int w = snprintf(list + len, sizeof(list) - len, "%s%s", i ? " " : "", enabled.item[i]);
		if (w > 0 && (size_t)w < sizeof(list) - len)
			len += (size_t)w;
	}
	char args[FRR_VALUE_MAX + sizeof(list)];
	snprintf(args, sizeof(args), "%s %s", var(f, "watchfrr_options"), list);
	if (!daemon_start(f, "watchfrr", args, false, false))
		failed++;
	return failed > 0 ? 1 : 0;
}

static int frr_status(const struct frr *f)
{
	struct list enabled, disabled;
	int fail = 0;
	struct list all = { .n = 1 };
	snprintf(all.item[0], sizeof(all.item[0]), "watchfrr");
	daemon_list(f, &enabled, &disabled, false);
	for (size_t i = 0; i < enabled.n && all.n < LIST_MAX; i++)
		memcpy(all.item[all.n++], enabled.item[i], sizeof(all.item[0]));
	for (size_t i = 0; i < all.n; i++) {
		if (daemon_status(f, all.item[i]) == 0) {
			ok_msg("Status of %s: running", all.item[i]);
		} else {
			fail_msg("Status of %s: FAILED", all.item[i]);
			fail = 1;
		}
	}
	return fail;
}

int frr_main(int argc, char **argv)
{
	const char *action = argc == 2 ? argv[1] : "";
	bool known = strcmp(action, "start") == 0 || strcmp(action, "stop") == 0 ||
	    strcmp(action, "restart") == 0 || strcmp(action, "force-reload") == 0 ||
	    strcmp(action, "status") == 0;
	if (!known)
		return frr_script(argc, argv);
	setenv("PATH", "/bin:/usr/bin:/sbin:/usr/sbin", 1);
	static struct frr f;	/* the variables are large: not on the stack */
	int rc = frr_load(&f, action);
	if (rc < 0) {
		frr_vars_free(&f.common);
		frr_vars_free(&f.conf);
		return frr_script(argc, argv);
	}
	if (rc == 0 && strcmp(action, "status") != 0 && geteuid() != 0) {
		fail_msg("Only users having EUID=0 can start/stop daemons");
		rc = 1;
	} else if (rc == 0 && strcmp(action, "start") == 0) {
		rc = frr_start(&f);
	} else if (rc == 0 && strcmp(action, "status") == 0) {
		rc = frr_status(&f);
	} else if (rc == 0) {
		struct list watchfrr = { .n = 1 };
		snprintf(watchfrr.item[0], sizeof(watchfrr.item[0]), "watchfrr");
		daemons_stop(&f, &watchfrr, false, false);
		rc = all_stop(&f, true, false) == 2 ? 1 : 0;
		if (strcmp(action, "stop") != 0)
			rc = frr_start(&f);
	}
	frr_vars_free(&f.common);
	frr_vars_free(&f.conf);
	fflush(stdout);
	return rc;
}
