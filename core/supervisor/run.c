/* core/supervisor/run.c: running one lab: bring-up, the control socket, signals, and down. */
#include "core/supervisor/run.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/capture/capture.h"
#include "core/supervisor/supervisor.h"
#include "core/supervisor/conn.h"
#include "core/base/control.h"
#include "core/supervisor/guest.h"
#include "core/storage/kernel_line.h"
#include "core/storage/labimage.h"
#include "core/supervisor/lab_filter.h"
#include "core/supervisor/recorded.h"
#include "core/supervisor/link_conditions.h"
#include "core/supervisor/switches.h"
#include "core/base/log.h"
#include "core/base/state.h"
#include "core/base/util.h"
#include "image/image.h"
#include "switch/switch.h"

_Static_assert(LAB_SWITCH_PORTS_MAX == SWITCH_MAX_PORTS, "a lab may ask for what a switch takes");

#define BOOT_TIMEOUT_MS 60000
#define STOP_GRACE_MS 4000
/* `down`: guests sync their disks SYNCS_PER_CORE per core at once (as many as boot at
 * most); one waits at most SYNC_WAIT_MS for its turn, then its kernel is killed all the
 * same, so that down (that wait, STOP_GRACE_MS, the exits) ends within the client's
 * DOWN_ANSWER_TIMEOUT_S (60 s, core/client/client_updown.c). */
#define SYNCS_PER_CORE 4
#define SYNC_WAIT_MS 30000

/* ---- progress to `umllab up` ---- */

static void progress(struct supervisor *sup, char kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void progress(struct supervisor *sup, char kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	log_info("%s", text);
	if (sup->progress_line != NULL) {
		char *save = NULL;
		for (char *line = strtok_r(text, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			sup->progress_line(sup->progress_arg, kind, line);
		free(text);
		return;
	}
	if (sup->progress_fd < 0) {
		free(text);
		return;
	}
	/* One line per protocol line: an error text may span several lines. */
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *out = xasprintf("%c %s\n", kind, line);
		if (write_all(sup->progress_fd, out, strlen(out)) != 0) {
			close(sup->progress_fd);
			sup->progress_fd = -1;
		}
		free(out);
		if (sup->progress_fd < 0)
			break;
	}
	free(text);
}

static void progress_end(struct supervisor *sup, bool ok)
{
	if (sup->progress_line != NULL) {
		sup->progress_line(sup->progress_arg, ok ? 'O' : 'F', "");
		sup->progress_line = NULL;	/* the end is said once */
		return;
	}
	if (sup->progress_fd < 0)
		return;
	const char *word = ok ? "OK\n" : "FAIL\n";
	(void)write_all(sup->progress_fd, word, strlen(word));
	close(sup->progress_fd);
	sup->progress_fd = -1;
}

static void image_progress(void *arg, const char *msg)
{
	progress(arg, 'P', "%s", msg);
}

/* The control socket's path is gone: the lab's runtime directory was removed
 * under it (a logout that empties XDG_RUNTIME_DIR, a clean-up of /tmp, an
 * `rm -rf`). No `down` can reach the lab any more, so it stops itself rather
 * than leave its kernels running for ever. */
static void ctl_on_gone(struct ev_loop *loop, ev_stat *w, int revents)
{
	(void)revents;
	struct supervisor *sup = w->data;
	if (w->attr.st_nlink != 0 || sup->finished)
		return;
	ev_stat_stop(loop, w);
	log_warnx("the control socket %s was removed (the lab's runtime directory deleted?): "
	    "nothing could reach the lab any more, so it stops", w->path);
	supervisor_stop_all(sup);
}

static int ctl_listen(struct supervisor *sup, char **cause)
{
	char *path = state_path(sup->lab_dir, STATE_CONTROL);
	struct sockaddr_un sun;
	int rc = -1;
	if (unix_addr_set(&sun, path, cause) != 0)
		goto out;
	unlink(path);	/* a stale socket: we hold the lab's lock */
	sup->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sup->ctl_fd < 0 || bind(sup->ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(sup->ctl_fd, 64) != 0) {
		set_cause(cause, "cannot listen on control socket %s: %s", path, strerror(errno));
		goto out;
	}
	conn_accept_start(sup);
	/* inotify on a local file system: no polling; elsewhere every 10 s. */
	sup->ctl_path = xstrdup(path);
	ev_stat_init(&sup->ctl_gone_w, ctl_on_gone, sup->ctl_path, 10.);
	sup->ctl_gone_w.data = sup;
	ev_stat_start(sup->loop, &sup->ctl_gone_w);
	rc = 0;
out:
	free(path);
	return rc;
}

static void ctl_watch_stop(struct supervisor *sup)
{
	if (sup->ctl_path == NULL)
		return;
	ev_stat_stop(sup->loop, &sup->ctl_gone_w);
	free(sup->ctl_path);
	sup->ctl_path = NULL;
}

/* ---- bring-up and down ---- */

static bool all_instances_down(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->lab->n_instances; i++)
		if (sup->instances[i].pid > 0)
			return false;
	return true;
}

static void remove_tree_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *p = xasprintf("%s/%s", dir, de->d_name);
		if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno == EISDIR)
			remove_tree_files(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Everything is stopped: take the lab's files away and leave the loop. */
static void supervisor_finish(struct supervisor *sup)
{
	if (sup->finished)
		return;
	sup->finished = true;
	if (sup->hooks->lab_down != NULL)
		sup->hooks->lab_down(sup);	/* captures and checks: their taps are on the switches */
	supervisor_captures_stop(sup);
	supervisor_switches_quiet(sup);
	for (size_t i = 0; i < sup->lab->n_switches; i++) {
		if (sup->switches[i] != NULL)
			switch_stop(sup->switches[i]);
		sup->switches[i] = NULL;
	}
	/* The disks (NAME.cow) stay for the next `up`; `down --wipe` removes them. */
	for (size_t i = 0; i < sup->lab->n_instances; i++)
		remove_tree_files(sup->instances[i].umid_dir);
	char *p = state_path(sup->lab_dir, STATE_UML_DIR);
	rmdir(p);
	free(p);
	p = state_path(sup->lab_dir, STATE_HOSTFS);
	rmdir(p);
	free(p);
	p = state_path(sup->lab_dir, STATE_CABLES);	/* the switches removed their sockets */
	rmdir(p);
	free(p);
	p = state_path(sup->lab_dir, STATE_CAPTURES);	/* kept if it holds recordings */
	rmdir(p);
	free(p);
	ctl_watch_stop(sup);
	p = state_path(sup->lab_dir, STATE_CONTROL);
	unlink(p);
	free(p);
	if (sup->ctl_fd >= 0) {
		conn_accept_stop(sup);
		close(sup->ctl_fd);
		sup->ctl_fd = -1;
	}
	log_info("lab %s is down", sup->lab->name);
	progress_end(sup, false);
	for (struct conn *c = sup->conns; c != NULL; c = c->next) {
		if (c->waits_for_down) {
			c->waits_for_down = false;
			conn_finish(c, 0);
		}
	}
	/* Flush the answers to `down` before leaving (bounded: clients read). */
	ev_break(sup->loop, EVBREAK_ALL);
}

/* ---- `shutdown:` commands (a Kathara lab's DEV.shutdown), run before `down` stops ---- */

#define SHUTDOWN_TIMEOUT_MS 20000	/* for all of them */

struct shutdown_run {
	struct supervisor *sup;
	struct instance *inst;
	size_t next;
};

static void shutdown_next(struct shutdown_run *r);

static void shutdown_on_output(void *arg, const char *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
}

static void shutdown_finished(struct supervisor *sup)
{
	if (sup->shutdowns > 0 && --sup->shutdowns == 0 && !sup->shutdown_done) {
		ev_timer_stop(sup->loop, &sup->shutdown_w);
		sup->shutdown_done = true;
		supervisor_stop_all(sup);
	}
}

static void shutdown_on_done(void *arg, int status, const char *error)
{
	struct shutdown_run *r = arg;
	if (status != 0)
		log_warnx("%s: shutdown command `%s` %s%s", r->inst->cfg->name,
		    r->inst->cfg->shutdown[r->next], status < 0 ? "failed: " : "exited non-zero",
		    status < 0 ? error : "");
	r->next++;
	shutdown_next(r);
}

static void shutdown_next(struct shutdown_run *r)
{
	struct supervisor *sup = r->sup;
	while (r->next < r->inst->cfg->n_shutdown && !sup->shutdown_done &&
	    instance_can_exec(r->inst)) {
		if (guest_exec(r->inst->guest, r->inst->cfg->shutdown[r->next], SHUTDOWN_TIMEOUT_MS,
		    shutdown_on_output, shutdown_on_done, r) != 0)
			return;
		r->next++;
	}
	free(r);
	shutdown_finished(sup);
}

static void shutdown_on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct supervisor *sup = w->data;
	log_warnx("the shutdown commands did not finish in %d s: stopping anyway",
	    SHUTDOWN_TIMEOUT_MS / 1000);
	sup->shutdowns = 0;
	sup->shutdown_done = true;
	supervisor_stop_all(sup);
}

/* Start every running instance's `shutdown:` commands; false when none runs. */
static bool shutdowns_start(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->lab->n_instances; i++) {
		struct instance *inst = &sup->instances[i];
		if (inst->cfg->n_shutdown == 0 || inst->state != INSTANCE_RUNNING)
			continue;
		struct shutdown_run *r = xcalloc(1, sizeof(*r));
		r->sup = sup;
		r->inst = inst;
		sup->shutdowns++;
		shutdown_next(r);
	}
	if (sup->shutdowns == 0)
		return false;
	log_info("running the shutdown commands of %u instance%s", sup->shutdowns,
	    sup->shutdowns == 1 ? "" : "s");
	ev_timer_init(&sup->shutdown_w, shutdown_on_timeout, SHUTDOWN_TIMEOUT_MS / 1000.0, 0.);
	sup->shutdown_w.data = sup;
	ev_timer_start(sup->loop, &sup->shutdown_w);
	return true;
}

void supervisor_stop_all(struct supervisor *sup)
{
	/* A `down` of a lab that is up: its shutdown commands first (a second `down` or
	 * signal, or their time limit, stops at once). */
	if (!sup->stopping && !sup->bringing_up && !sup->shutdown_done) {
		if (sup->shutdowns > 0) {
			sup->shutdown_done = true;	/* asked again: stop now */
			ev_timer_stop(sup->loop, &sup->shutdown_w);
		} else if (shutdowns_start(sup)) {
			return;
		}
	}
	sup->shutdown_done = true;
	if (!sup->stopping)
		log_info("stopping lab %s", sup->lab->name);
	if (sup->bringing_up) {
		progress(sup, 'E', "lab %s was stopped before it was up (by `umllab down` or a signal)",
		    sup->lab->name);
		sup->bringing_up = false;
		sup->exit_code = SUPERVISOR_EXIT_STOPPED;
	}
	sup->stopping = true;
	for (size_t i = 0; i < sup->lab->n_instances; i++)
		instance_handle(&sup->instances[i], INSTANCE_EV_STOP);
	if (all_instances_down(sup))
		supervisor_finish(sup);
}

/* True when every instance i boots `after:` (a Kathara lab.dep) is running. */
static bool supervisor_after_ready(const struct supervisor *sup, size_t i)
{
	const struct lab_instance *in = &sup->lab->instances[i];
	for (size_t k = 0; k < in->n_after; k++)
		if (sup->instances[in->after[k]].state != INSTANCE_RUNNING)
			return false;
	return true;
}

/* Memory for instance i to boot? Else, with nothing booting, look every second for as long as a
 * boot may stay silent, then give up: the OOM killer would take more than the lab down.
 * UMLLAB_TEST_MEM_AVAILABLE_MB stands in for the host's MemAvailable in tests. */
static bool supervisor_boot_memory(struct supervisor *sup, size_t i)
{
	uint64_t avail = mem_available_bytes();
	const char *fake = getenv("UMLLAB_TEST_MEM_AVAILABLE_MB");
	if (fake != NULL && atoll(fake) > 0)
		avail = (uint64_t)atoll(fake) << 20;
	const struct lab_instance *in = &sup->lab->instances[i];
	if (bootsched_memory_ok(avail, in->mem_bytes)) {
		sup->boot_mem_waits = 0;
		return true;
	}
	unsigned long long have = avail >> 20, need = (in->mem_bytes + BOOTSCHED_OVERHEAD + BOOTSCHED_RESERVE) >> 20;
	if (sup->boot.booting > 0)
		return false;
	if (sup->boot_mem_waits == 0)
		log_warnx("%s: waiting for memory to boot: %llu MB available, a boot needs %llu", in->name, have, need);
	if (sup->boot_mem_waits++ < sup->env.boot_timeout_ms / 1000) {
		ev_timer_set(&sup->boot_mem_w, 1., 0.);
		ev_timer_start(sup->loop, &sup->boot_mem_w);
		return false;
	}
	progress(sup, 'E', "%s: not enough memory to boot it: the host has %llu MB available after %u of %zu "
	    "instances came up, and a boot needs about %llu MB (its mem: and 304 MB); give the instances "
	    "less mem:, or run fewer", in->name, have, sup->boot.booted, sup->lab->n_instances, need);
	progress(sup, 'E', "stopping lab %s", sup->lab->name);
	sup->bringing_up = false;
	sup->exit_code = SUPERVISOR_EXIT_FAILED;
	supervisor_stop_all(sup);
	return false;
}

static void supervisor_boot_more(struct supervisor *sup);

static void supervisor_on_boot_mem(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	supervisor_boot_more(w->data);
}

/* Start the next instances of the file while the boot scheduler has room. */
static void supervisor_boot_more(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->lab->n_instances && !sup->stopping; i++) {
		if (bootsched_room(&sup->boot) == 0)
			return;
		struct instance *inst = &sup->instances[i];
		if (sup->boot_step[i] != 0 || !supervisor_after_ready(sup, i))
			continue;
		if (inst->state == INSTANCE_STOPPED && inst->started_ms == 0 && sup->bringing_up &&
		    !supervisor_boot_memory(sup, i))
			return;
		sup->boot_step[i] = 1;
		bootsched_started(&sup->boot);
		if (inst->state == INSTANCE_STOPPED && inst->started_ms == 0) {
			instance_handle(inst, INSTANCE_EV_START);
		} else if (inst->state == INSTANCE_RUNNING) {
			/* Started by hand (`umllab start`) and up already: counted,
			 * without judging the machine by it. */
			sup->boot_step[i] = 2;
			bootsched_finished(&sup->boot, false, 0);
		}	/* else started by hand and booting: counted when it runs */
	}
}

static bool supervisor_is_kernel(pid_t pid, void *arg)
{
	const struct supervisor *sup = arg;
	for (size_t i = 0; i < sup->lab->n_instances; i++)
		if (sup->instances[i].pid == pid)
			return true;
	return false;
}

static void supervisor_on_instance_change(struct instance *inst, void *arg)
{
	struct supervisor *sup = arg;
	if (sup->hooks->instance_changed != NULL)
		sup->hooks->instance_changed(sup, inst);
	if (sup->stopping) {
		if (all_instances_down(sup))
			supervisor_finish(sup);
		return;
	}
	if (!sup->bringing_up)
		return;
	if (inst->state == INSTANCE_CONFIGURING) {
		/* The kernel is up and its agent answers: for the boot scheduler, which paces
		 * kernel boots, this boot is over. The startup commands (a Kathara router's FRR
		 * start is seconds of CPU) run beside the next boots, not in their place: counted
		 * until RUNNING, a lab of FRR routers booted one at a time after the first slow
		 * starts halved the limit, and left a core idle. */
		size_t idx = (size_t)(inst - sup->instances);
		if (sup->boot_step[idx] == 1) {
			sup->boot_step[idx] = 2;
			bootsched_finished(&sup->boot, true,
			    (double)(clock_ms() - inst->started_ms) / 1000.0);
		}
		supervisor_boot_more(sup);
		return;
	}
	if (inst->state == INSTANCE_RUNNING) {
		char *addrs = xstrdup("");
		for (size_t i = 0; i < inst->n_ifaces; i++) {
			const struct lab_iface *f = &inst->ifaces[i].cfg;
			for (unsigned k = 0; k < f->n_addrs; k++) {
				char ip[LAB_ADDR_TEXT_MAX];
				char *next = xasprintf("%s %s=%s", addrs, f->name,
				    lab_addr_format(&f->addrs[k], true, ip));
				free(addrs);
				addrs = next;
			}
		}
		double secs = (double)(inst->ready_ms - inst->started_ms) / 1000.0;
		size_t idx = (size_t)(inst - sup->instances);
		if (sup->boot_step[idx] == 1) {
			sup->boot_step[idx] = 2;
			bootsched_finished(&sup->boot, true, secs);
		}
		supervisor_boot_more(sup);	/* before the counts, which then include it */
		unsigned up = 0, waiting = bootsched_waiting(&sup->boot);
		for (size_t i = 0; i < sup->lab->n_instances; i++)
			up += sup->instances[i].state == INSTANCE_RUNNING;
		char *counts = sup->boot_counted ? xasprintf(" [%u/%u up, %u booting, %u waiting]",
		    up, sup->boot.total, sup->boot.total - up - waiting, waiting) : xstrdup("");
		progress(sup, 'P', "%s: running after %.1f s (pid %d)%s%s", inst->cfg->name, secs,
		    (int)inst->pid, addrs, counts);
		free(counts);
		free(addrs);
		if (inst->startup_error != NULL) {
			/* The lab comes up all the same; `status` marks the instance. */
			progress(sup, 'W', "%s: %s", inst->cfg->name, inst->startup_error);
			if (inst->startup_output != NULL && inst->startup_output[0] != '\0')
				progress(sup, 'D', "%s", inst->startup_output);
		}
		for (size_t i = 0; i < sup->lab->n_instances; i++)
			if (sup->instances[i].state != INSTANCE_RUNNING)
				return;
		sup->bringing_up = false;
		sup->env.supervising = true;	/* from now on the watchdog restarts */
		progress(sup, 'P', "lab %s is up: %zu instance%s, %zu switch%s (%.1f s)",
		    sup->lab->name, sup->lab->n_instances, sup->lab->n_instances == 1 ? "" : "s",
		    sup->lab->n_switches, sup->lab->n_switches == 1 ? "" : "es",
		    (double)(clock_ms() - sup->started_ms) / 1000.0);
		progress_end(sup, true);
	} else if (inst->state == INSTANCE_FAILED) {
		char *tail = instance_log_tail(inst, 8);
		progress(sup, 'E', "%s: %s", inst->cfg->name, inst->cause ? inst->cause : "failed");
		if (tail[0] != '\0') {
			progress(sup, 'E', "last lines of %s:", inst->log_path);
			progress(sup, 'D', "%s", tail);
		}
		free(tail);
		progress(sup, 'E', "stopping lab %s", sup->lab->name);
		sup->bringing_up = false;
		sup->exit_code = SUPERVISOR_EXIT_FAILED;
		/* `up` hears FAIL once everything is stopped (supervisor_finish). */
		supervisor_stop_all(sup);
	}
}

static void supervisor_on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	struct supervisor *sup = w->data;
	log_info("signal %d: stopping the lab", w->signum);
	supervisor_stop_all(sup);
}

/* The switch's `trunks:`: only on addresses this host has (lab traffic
 * leaves the host only where the file says, from where the file says). */
static int supervisor_trunks_start(struct supervisor *sup, size_t i, char **cause)
{
	const struct lab_switch *ls = &sup->lab->switches[i];
	for (size_t k = 0; k < ls->n_trunks; k++) {
		const struct lab_trunk *t = &ls->trunks[k];
		char name[LAB_NAME_MAX + 32];
		snprintf(name, sizeof(name), "%s.trunk%zu", ls->name, k);
		char *why = NULL;
		if (switch_trunk_open(sup->switches[i], name, &t->listen, &t->remote, t->vni,
		    &why) != 0) {
			set_cause(cause, "%s:%d:%d: %s", sup->lab->path, t->listen_line,
			    t->listen_column, why);
			free(why);
			return -1;
		}
	}
	return 0;
}

static int supervisor_prepare(struct supervisor *sup, char **cause)
{
	struct lab *lab = sup->lab;
	sup->env.kernel = kernel_line_kernel();
	if (access(sup->env.kernel, X_OK) != 0)
		return set_cause(cause, "the UML kernel %s is missing: install the Debian package "
		    "user-mode-linux (apt-get install user-mode-linux), or set UMLLAB_KERNEL",
		    sup->env.kernel);

	/* `up` built or downloaded the images on the terminal before it forked
	 * us (lab->images[i].backing is set); here they are only looked up. */
	struct lab_images_opts opts = { .offline = true, .progress = image_progress, .arg = sup };
	if (lab_images_prepare(lab, &opts, cause) != 0)
		return -1;
	sup->backing = xstrdup(lab->images[lab->n_instances > 0 ? lab->instances[0].image : 0].backing);
	sup->env.backing = sup->backing;

	const char *dirs[] = { STATE_UML_DIR, STATE_HOSTFS, STATE_CABLES, STATE_CAPTURES };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p = state_path(sup->lab_dir, "%s", dirs[i]);
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			set_cause(cause, "cannot create %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}

	sup->switches = xcalloc(lab->n_switches ? lab->n_switches : 1, sizeof(struct sw *));
	for (size_t i = 0; i < lab->n_switches; i++) {
		/* SWITCH.ctl: for kernels plugged in by hand (the daemon protocol). */
		char *ctl = state_path(sup->lab_dir, "%s.ctl", lab->switches[i].name);
		enum switch_mode mode = lab->switches[i].mode == LAB_SWITCH_HUB ?
		    SWITCH_MODE_HUB : SWITCH_MODE_LEARNING;
		sup->switches[i] = switch_start(lab->switches[i].name, ctl, mode, cause);
		free(ctl);
		if (sup->switches[i] == NULL)
			return -1;
		if (supervisor_trunks_start(sup, i, cause) != 0)
			return -1;
	}
	if (supervisor_switches_setup(sup, cause) != 0)
		return -1;
	if (supervisor_captures_start(sup, cause) != 0)
		return -1;
	/* Every interface's cable exists before its kernel boots. */
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		for (size_t k = 0; k < in->n_ifaces; k++) {
			const struct lab_iface *f = &in->ifaces[k];
			char *name = state_cable_name(in->name, f->name);
			char *path = state_cable_path(sup->lab_dir, in->name, f->name);
			int rc = switch_cable_open_owned(sup->switches[f->sw], name,
			    supervisor_cable_owner(i), path, cause);
			free(path);
			if (rc == 0)
				rc = supervisor_port_vlans(sup, f->sw, name, &f->vlans, cause);
			free(name);
			if (rc != 0)
				return -1;
			if (!linkcond_empty(&f->link.in) || !linkcond_empty(&f->link.out)) {
				char *why = NULL;
				if (link_conditions_apply(sup, in->name, f, &f->link, &why) != 0) {
					set_cause(cause, "%s:%d:%d: the link of %s %s: %s", lab->path,
					    f->link_line, f->link_column, in->name, f->name, why);
					free(why);
					return -1;
				}
			}
		}
	}
	return 0;
}

static void supervisor_free(struct supervisor *sup)
{
	/* Connections first: a console or exec client still points at its instance. */
	while (sup->conns != NULL)
		conn_free(sup->conns);
	supervisor_captures_stop(sup);	/* before the switches their taps are on */
	supervisor_switches_quiet(sup);
	for (size_t i = 0; i < sup->lab->n_instances; i++)
		instance_release(&sup->instances[i]);
	free(sup->instances);
	watchdog_probes_free(sup->env.probes);
	sup->env.probes = NULL;
	for (size_t i = 0; i < sup->lab->n_switches; i++)
		if (sup->switches != NULL && sup->switches[i] != NULL)
			switch_stop(sup->switches[i]);
	free(sup->switches);
	ctl_watch_stop(sup);
	if (sup->ctl_fd >= 0)
		close(sup->ctl_fd);
	free(sup->backing);
}

/* A large lab holds more descriptors than the usual soft limit of 1024. */
static int supervisor_fd_limit(struct supervisor *sup, char **cause)
{
	char *why = NULL;
	int r = fd_limit_raise(lab_fds_needed(sup->lab), &why);
	if (r != 0)
		set_cause(cause, "lab %s (%zu instances): %s", sup->lab->name, sup->lab->n_instances, why);
	free(why);
	return r;
}

/* Give the clients of `down` a moment to read their answer. */
static void supervisor_flush_conns(struct supervisor *sup)
{
	uint64_t until = clock_ms() + 2000;
	while (conn_any_pending(sup) && clock_ms() < until)
		ev_run(sup->loop, EVRUN_ONCE);
}

int supervisor_main(struct lab *lab, const char *lab_dir, const struct supervisor_hooks *hooks,
    const struct supervisor_progress *report)
{
	struct supervisor sup = { 0 };
	sup.lab = lab;
	sup.hooks = hooks;
	sup.lab_dir = xstrdup(lab_dir);
	sup.ctl_fd = -1;
	sup.progress_fd = report->line != NULL ? -1 : report->fd;
	sup.progress_line = report->line;
	sup.progress_arg = report->arg;
	sup.started_ms = clock_ms();
	sup.loop = ev_default_loop(EVFLAG_AUTO);
	char *cause = NULL;
	if (sup.loop == NULL) {
		progress(&sup, 'E', "cannot initialise libev's default loop");
		progress_end(&sup, false);
		free(sup.lab_dir);
		return SUPERVISOR_EXIT_FAILED;
	}
	/* Processes a UML kernel leaves behind are reparented to us, not to
	 * init, and reaped by libev's SIGCHLD handling: no zombies. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	ev_signal_init(&sup.sig_term, supervisor_on_signal, SIGTERM);
	ev_signal_init(&sup.sig_int, supervisor_on_signal, SIGINT);
	sup.sig_term.data = sup.sig_int.data = &sup;
	ev_signal_start(sup.loop, &sup.sig_term);
	ev_signal_start(sup.loop, &sup.sig_int);

	sup.env.loop = sup.loop;
	sup.env.probes = watchdog_probes_new(sup.loop, NULL);
	sup.env.lab = lab;
	sup.env.lab_dir = sup.lab_dir;
	sup.env.boot_timeout_ms = BOOT_TIMEOUT_MS;
	sup.env.stop_grace_ms = STOP_GRACE_MS;
	sup.env.on_change = supervisor_on_instance_change;
	sup.env.is_kernel = supervisor_is_kernel;
	sup.env.arg = &sup;
	const char *bt = getenv("UMLLAB_BOOT_TIMEOUT");
	if (bt != NULL && atoi(bt) > 0)
		sup.env.boot_timeout_ms = (unsigned)atoi(bt) * 1000;
	sup.instances = xcalloc(lab->n_instances ? lab->n_instances : 1, sizeof(struct instance));
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	sup.env.all = sup.instances;
	sup.env.n_all = lab->n_instances;
	sup.env.syncs_max = SYNCS_PER_CORE * (ncpu > 0 ? (unsigned)ncpu : 1);
	sup.env.sync_wait_ms = SYNC_WAIT_MS;
	const char *sm = getenv("UMLLAB_TEST_SYNCS_MAX");	/* tests and measurements */
	if (sm != NULL && atoi(sm) > 0)
		sup.env.syncs_max = (unsigned)atoi(sm);
	for (size_t i = 0; i < lab->n_instances; i++)
		instance_init(&sup.instances[i], &lab->instances[i], &sup.env);

	/* The control socket first: a `down` during a long image build must
	 * find someone to talk to (it is served once the loop runs). */
	if (supervisor_fd_limit(&sup, &cause) != 0 || ctl_listen(&sup, &cause) != 0 ||
	    supervisor_prepare(&sup, &cause) != 0) {
		progress(&sup, 'E', "%s", cause);
		progress_end(&sup, false);
		free(cause);
		supervisor_free(&sup);
		sup.stopping = true;
		/* Remove what prepare created; nothing runs yet. */
		char *p = state_path(sup.lab_dir, STATE_CONTROL);
		unlink(p);
		free(p);
		free(sup.lab_dir);
		return SUPERVISOR_EXIT_FAILED;
	}

	sup.bringing_up = true;
	sup.boot_step = xcalloc(lab->n_instances ? lab->n_instances : 1, 1);
	ev_timer_init(&sup.boot_mem_w, supervisor_on_boot_mem, 1., 0.);
	sup.boot_mem_w.data = &sup;
	uint64_t mem = 0;
	for (size_t i = 0; i < lab->n_instances; i++)
		mem = lab->instances[i].mem_bytes > mem ? lab->instances[i].mem_bytes : mem;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	bootsched_init(&sup.boot, (unsigned)lab->n_instances, cores > 0 ? (unsigned)cores : 1,
	    mem_available_bytes(), mem);
	sup.boot_counted = bootsched_room(&sup.boot) < lab->n_instances;
	if (sup.boot_counted)
		progress(&sup, 'P', "booting %zu instances, %u at a time to start with (%ld cores; "
		    "more at once while boots stay quick)", lab->n_instances, sup.boot.limit, cores);
	else
		progress(&sup, 'P', "booting %zu instance%s", lab->n_instances,
		    lab->n_instances == 1 ? "" : "s");
	supervisor_boot_more(&sup);

	/* ev_run() forgets a break that came before it: check first. */
	if (!sup.finished)
		ev_run(sup.loop, 0);
	supervisor_flush_conns(&sup);

	int code = sup.exit_code;
	ev_timer_stop(sup.loop, &sup.boot_mem_w);
	free(sup.boot_step);
	supervisor_free(&sup);
	char *p = state_path(sup.lab_dir, STATE_PIDFILE);
	unlink(p);
	free(p);
	free(sup.lab_dir);
	return code;
}
