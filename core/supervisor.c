/* core/supervisor.c: one lab's supervisor: bring-up, the control socket, and down. */
#include "core/supervisor.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/control.h"
#include "core/guest.h"
#include "core/log.h"
#include "core/state.h"
#include "core/util.h"
#include "image/image.h"
#include "switch/switch.h"

#define BOOT_TIMEOUT_MS 60000
#define STOP_GRACE_MS 4000

/* One client of the control socket: one request, then its answer. */
struct conn {
	struct conn *next;
	struct supervisor *sup;
	int fd;
	ev_io read_w, write_w;
	struct ctl_reader reader;
	char *out;
	size_t out_len, out_cap;
	bool have_request;
	bool closing;		/* close once out is flushed */
	struct instance *exec_inst;	/* guest request in flight, if any */
	unsigned exec_id;
	bool exec_is_ping;
	bool waits_for_down;
};

static void conn_free(struct conn *c);

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

/* ---- control connections ---- */

static void conn_on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct conn *c = w->data;
	while (c->out_len > 0) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_free(c);	/* the client went away */
			return;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	ev_io_stop(c->sup->loop, &c->write_w);
	if (c->closing)
		conn_free(c);
}

static void conn_send(struct conn *c, enum ctl_type type, const void *data, size_t len)
{
	if (len > CTL_PAYLOAD_MAX) {
		/* Split long output; never one message past the limit. */
		const char *p = data;
		while (len > 0) {
			size_t part = len > CTL_PAYLOAD_MAX ? CTL_PAYLOAD_MAX : len;
			conn_send(c, type, p, part);
			p += part;
			len -= part;
		}
		return;
	}
	struct ctl_hdr h = { .version = CTL_VERSION, .type = (uint16_t)type, .len = (uint32_t)len };
	size_t need = c->out_len + sizeof(h) + len;
	if (need > c->out_cap) {
		c->out_cap = need * 2;
		c->out = xrealloc(c->out, c->out_cap);
	}
	memcpy(c->out + c->out_len, &h, sizeof(h));
	memcpy(c->out + c->out_len + sizeof(h), data, len);
	c->out_len = need;
	ev_io_start(c->sup->loop, &c->write_w);
}

static void conn_printf(struct conn *c, enum ctl_type type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conn_printf(struct conn *c, enum ctl_type type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	conn_send(c, type, s, strlen(s));
	free(s);
}

static void conn_finish(struct conn *c, int code)
{
	uint32_t v = (uint32_t)code;
	conn_send(c, CTL_EXIT, &v, sizeof(v));
	c->closing = true;
}

static void conn_free(struct conn *c)
{
	struct supervisor *sup = c->sup;
	for (struct conn **pp = &sup->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->exec_id != 0 && c->exec_inst != NULL && c->exec_inst->guest != NULL)
		guest_exec_cancel(c->exec_inst->guest, c->exec_id);
	ev_io_stop(sup->loop, &c->read_w);
	ev_io_stop(sup->loop, &c->write_w);
	close(c->fd);
	ctl_reader_free(&c->reader);
	free(c->out);
	free(c);
}

/* ---- requests ---- */

static struct instance *instance_by_name(struct supervisor *sup, const char *name)
{
	for (size_t i = 0; i < sup->lab->n_instances; i++)
		if (strcmp(sup->instances[i].cfg->name, name) == 0)
			return &sup->instances[i];
	return NULL;
}

static void exec_on_output(void *arg, const char *data, size_t len)
{
	conn_send(arg, CTL_STDOUT, data, len);
}

static void exec_on_done(void *arg, int status, const char *error)
{
	struct conn *c = arg;
	c->exec_id = 0;
	if (status < 0) {
		conn_printf(c, CTL_STDERR, "umllab: %s: %s\n", c->exec_inst->cfg->name, error);
		conn_finish(c, c->exec_is_ping ? 2 : 255);
		return;
	}
	if (c->exec_is_ping)
		conn_finish(c, status == 0 ? 0 : 1);
	else
		conn_finish(c, status);
}

/* Check that inst can run a command now; answer the client if not. */
static struct instance *request_instance(struct conn *c, const char *name)
{
	struct instance *inst = instance_by_name(c->sup, name);
	if (inst == NULL) {
		conn_printf(c, CTL_STDERR, "umllab: lab %s has no instance %s\n",
		    c->sup->lab->name, name);
		return NULL;
	}
	if (!instance_can_exec(inst)) {
		conn_printf(c, CTL_STDERR, "umllab: instance %s is %s%s%s; it cannot run commands now\n",
		    name, instance_state_name(inst->state), inst->cause ? ": " : "",
		    inst->cause ? inst->cause : "");
		return NULL;
	}
	return inst;
}

static void request_exec(struct conn *c, int argc, char **argv)
{
	if (argc != 3) {
		conn_printf(c, CTL_STDERR, "umllab: exec wants an instance and a command\n");
		conn_finish(c, 2);
		return;
	}
	struct instance *inst = request_instance(c, argv[1]);
	if (inst == NULL) {
		conn_finish(c, 255);
		return;
	}
	c->exec_inst = inst;
	c->exec_id = guest_exec(inst->guest, argv[2], 0, exec_on_output, exec_on_done, c);
	if (c->exec_id == 0) {
		conn_printf(c, CTL_STDERR, "umllab: %s: its kernel is not attached\n", argv[1]);
		conn_finish(c, 255);
	}
}

static void request_ping(struct conn *c, int argc, char **argv)
{
	struct supervisor *sup = c->sup;
	if (argc != 4) {
		conn_printf(c, CTL_STDERR, "umllab: ping wants an instance, a target and a count\n");
		conn_finish(c, 2);
		return;
	}
	struct instance *inst = request_instance(c, argv[1]);
	if (inst == NULL) {
		conn_finish(c, 2);
		return;
	}
	char target[INET_ADDRSTRLEN];
	struct in_addr a;
	struct instance *peer = instance_by_name(sup, argv[2]);
	if (peer != NULL) {
		const struct lab_iface *f = NULL;
		for (size_t i = 0; i < peer->cfg->n_ifaces && f == NULL; i++)
			if (peer->cfg->ifaces[i].has_addr)
				f = &peer->cfg->ifaces[i];
		if (f == NULL) {
			conn_printf(c, CTL_STDERR, "umllab: instance %s has no address to ping\n",
			    argv[2]);
			conn_finish(c, 2);
			return;
		}
		inet_ntop(AF_INET, &f->addr, target, sizeof(target));
	} else if (inet_pton(AF_INET, argv[2], &a) == 1) {
		inet_ntop(AF_INET, &a, target, sizeof(target));
	} else {
		conn_printf(c, CTL_STDERR, "umllab: %s is neither an instance of lab %s nor an "
		    "IPv4 address\n", argv[2], sup->lab->name);
		conn_finish(c, 2);
		return;
	}
	long count = strtol(argv[3], NULL, 10);
	if (count < 1 || count > 1000) {
		conn_printf(c, CTL_STDERR, "umllab: ping count must be 1 to 1000\n");
		conn_finish(c, 2);
		return;
	}
	/* A fast interval, and -W so an absent peer fails within a second of
	 * the last probe (busybox ping otherwise waits 10 s). */
	char *cmd = xasprintf("ping -q -c %ld -i 0.2 -W 1 %s", count, target);
	c->exec_inst = inst;
	c->exec_is_ping = true;
	c->exec_id = guest_exec(inst->guest, cmd, 0, exec_on_output, exec_on_done, c);
	free(cmd);
	if (c->exec_id == 0) {
		conn_printf(c, CTL_STDERR, "umllab: %s: its kernel is not attached\n", argv[1]);
		conn_finish(c, 2);
	}
}

static void request_status(struct conn *c, int argc, char **argv)
{
	bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
	char *text = status_render(c->sup, json);
	conn_send(c, CTL_STDOUT, text, strlen(text));
	free(text);
	conn_finish(c, 0);
}

static void supervisor_stop_all(struct supervisor *sup);

static void request_down(struct conn *c)
{
	c->waits_for_down = true;
	supervisor_stop_all(c->sup);
}

static void conn_dispatch(struct conn *c, struct ctl_msg *msg)
{
	int argc;
	char **argv;
	char *cause = NULL;
	if (msg->type != CTL_REQUEST ||
	    ctl_argv_unpack(msg->payload, msg->len, &argc, &argv, &cause) != 0 || argc < 1) {
		conn_printf(c, CTL_STDERR, "umllab: bad control request: %s\n",
		    cause ? cause : "not a request");
		free(cause);
		conn_finish(c, 2);
		return;
	}
	log_debug("request: %s", argv[0]);
	if (strcmp(argv[0], "status") == 0)
		request_status(c, argc, argv);
	else if (strcmp(argv[0], "exec") == 0)
		request_exec(c, argc, argv);
	else if (strcmp(argv[0], "ping") == 0)
		request_ping(c, argc, argv);
	else if (strcmp(argv[0], "down") == 0)
		request_down(c);
	else {
		conn_printf(c, CTL_STDERR, "umllab: the supervisor does not know request %s "
		    "(is it an older umllab?)\n", argv[0]);
		conn_finish(c, 2);
	}
	ctl_argv_free(argc, argv);
}

static void conn_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct conn *c = w->data;
	char buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The client left: drop whatever it was waiting for. */
		conn_free(c);
		return;
	}
	if (c->have_request)
		return;	/* one request per connection; ignore the rest */
	ctl_reader_append(&c->reader, buf, (size_t)n);
	struct ctl_msg msg;
	char *cause = NULL;
	int r = ctl_reader_next(&c->reader, &msg, &cause);
	if (r < 0) {
		log_warnx("control connection dropped: %s", cause);
		free(cause);
		conn_free(c);
		return;
	}
	if (r == 0)
		return;
	c->have_request = true;
	conn_dispatch(c, &msg);
	ctl_msg_free(&msg);
}

static void ctl_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct supervisor *sup = w->data;
	int fd = accept4(sup->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != getuid()) {
		log_warnx("control connection from uid %u refused", (unsigned)cred.uid);
		close(fd);
		return;
	}
	struct conn *c = xcalloc(1, sizeof(*c));
	c->sup = sup;
	c->fd = fd;
	ev_io_init(&c->read_w, conn_on_read, fd, EV_READ);
	ev_io_init(&c->write_w, conn_on_write, fd, EV_WRITE);
	c->read_w.data = c->write_w.data = c;
	ev_io_start(loop, &c->read_w);
	c->next = sup->conns;
	sup->conns = c;
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
	    listen(sup->ctl_fd, 16) != 0) {
		set_cause(cause, "cannot listen on control socket %s: %s", path, strerror(errno));
		goto out;
	}
	ev_io_init(&sup->ctl_w, ctl_on_accept, sup->ctl_fd, EV_READ);
	sup->ctl_w.data = sup;
	ev_io_start(sup->loop, &sup->ctl_w);
	rc = 0;
out:
	free(path);
	return rc;
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
	for (size_t i = 0; i < sup->lab->n_switches; i++) {
		if (sup->switches[i] != NULL)
			switch_stop(sup->switches[i]);
		sup->switches[i] = NULL;
	}
	for (size_t i = 0; i < sup->lab->n_instances; i++) {
		unlink(sup->instances[i].cow_path);
		remove_tree_files(sup->instances[i].umid_dir);
	}
	char *p = state_path(sup->lab_dir, STATE_UML_DIR);
	rmdir(p);
	free(p);
	p = state_path(sup->lab_dir, STATE_HOSTFS);
	rmdir(p);
	free(p);
	p = state_path(sup->lab_dir, STATE_CONTROL);
	unlink(p);
	free(p);
	if (sup->ctl_fd >= 0) {
		ev_io_stop(sup->loop, &sup->ctl_w);
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

static void supervisor_stop_all(struct supervisor *sup)
{
	if (!sup->stopping)
		log_info("stopping lab %s", sup->lab->name);
	sup->stopping = true;
	for (size_t i = 0; i < sup->lab->n_instances; i++)
		instance_handle(&sup->instances[i], INSTANCE_EV_STOP);
	if (all_instances_down(sup))
		supervisor_finish(sup);
}

static void supervisor_on_instance_change(struct instance *inst, void *arg)
{
	struct supervisor *sup = arg;
	if (sup->stopping) {
		if (all_instances_down(sup))
			supervisor_finish(sup);
		return;
	}
	if (!sup->bringing_up)
		return;
	if (inst->state == INSTANCE_RUNNING) {
		char *addrs = xstrdup("");
		for (size_t i = 0; i < inst->cfg->n_ifaces; i++) {
			const struct lab_iface *f = &inst->cfg->ifaces[i];
			char ip[INET_ADDRSTRLEN];
			if (!f->has_addr)
				continue;
			inet_ntop(AF_INET, &f->addr, ip, sizeof(ip));
			char *next = xasprintf("%s %s=%s/%u", addrs, f->name, ip, f->prefix);
			free(addrs);
			addrs = next;
		}
		progress(sup, 'P', "%s: running after %.1f s (pid %d)%s", inst->cfg->name,
		    (double)(inst->ready_ms - inst->started_ms) / 1000.0, (int)inst->pid, addrs);
		free(addrs);
		for (size_t i = 0; i < sup->lab->n_instances; i++)
			if (sup->instances[i].state != INSTANCE_RUNNING)
				return;
		sup->bringing_up = false;
		progress(sup, 'P', "lab %s is up: %zu instances, %zu switches (%.1f s)",
		    sup->lab->name, sup->lab->n_instances, sup->lab->n_switches,
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
		sup->exit_code = 1;
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

static const char *kernel_path(void)
{
	const char *k = getenv("UMLLAB_KERNEL");
	return k != NULL && k[0] != '\0' ? k : "/usr/bin/linux.uml";
}

static int supervisor_prepare(struct supervisor *sup, char **cause)
{
	struct lab *lab = sup->lab;
	sup->env.kernel = kernel_path();
	if (access(sup->env.kernel, X_OK) != 0)
		return set_cause(cause, "the UML kernel %s is missing: install the Debian package "
		    "user-mode-linux (apt-get install user-mode-linux), or set UMLLAB_KERNEL",
		    sup->env.kernel);

	char *cache = image_cache_dir(cause);
	if (cache == NULL)
		return -1;
	struct image_request req = { .kind = "busybox", .cache_dir = cache,
	    .progress = image_progress, .progress_arg = sup };
	int rc = image_prepare(&req, &sup->backing, cause);
	free(cache);
	if (rc != 0)
		return -1;
	sup->env.backing = sup->backing;

	const char *dirs[] = { STATE_UML_DIR, STATE_HOSTFS };
	for (size_t i = 0; i < 2; i++) {
		char *p = state_path(sup->lab_dir, "%s", dirs[i]);
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			set_cause(cause, "cannot create %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}

	sup->switches = xcalloc(lab->n_switches ? lab->n_switches : 1, sizeof(struct sw *));
	sup->env.switch_ctl = xcalloc(lab->n_switches ? lab->n_switches : 1, sizeof(char *));
	for (size_t i = 0; i < lab->n_switches; i++) {
		sup->env.switch_ctl[i] = state_path(sup->lab_dir, "%s.ctl", lab->switches[i].name);
		enum switch_mode mode = lab->switches[i].mode == LAB_SWITCH_HUB ?
		    SWITCH_MODE_HUB : SWITCH_MODE_LEARNING;
		sup->switches[i] = switch_start(lab->switches[i].name, sup->env.switch_ctl[i], mode,
		    cause);
		if (sup->switches[i] == NULL)
			return -1;
	}
	return 0;
}

static void supervisor_free(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->lab->n_instances; i++)
		instance_release(&sup->instances[i]);
	free(sup->instances);
	for (size_t i = 0; i < sup->lab->n_switches; i++) {
		if (sup->switches != NULL && sup->switches[i] != NULL)
			switch_stop(sup->switches[i]);
		if (sup->env.switch_ctl != NULL)
			free(sup->env.switch_ctl[i]);
	}
	free(sup->switches);
	free(sup->env.switch_ctl);
	while (sup->conns != NULL)
		conn_free(sup->conns);
	if (sup->ctl_fd >= 0)
		close(sup->ctl_fd);
	free(sup->backing);
}

/* Give the clients of `down` a moment to read their answer. */
static void supervisor_flush_conns(struct supervisor *sup)
{
	uint64_t until = clock_ms() + 2000;
	while (sup->conns != NULL && clock_ms() < until) {
		bool pending = false;
		for (struct conn *c = sup->conns; c != NULL; c = c->next)
			pending |= c->out_len > 0;
		if (!pending)
			break;
		ev_run(sup->loop, EVRUN_ONCE);
	}
}

int supervisor_main(struct lab *lab, const char *lab_dir, int progress_fd)
{
	struct supervisor sup = { 0 };
	sup.lab = lab;
	sup.lab_dir = xstrdup(lab_dir);
	sup.ctl_fd = -1;
	sup.progress_fd = progress_fd;
	sup.started_ms = clock_ms();
	sup.loop = ev_default_loop(EVFLAG_AUTO);
	char *cause = NULL;
	if (sup.loop == NULL) {
		progress(&sup, 'E', "cannot initialise libev's default loop");
		progress_end(&sup, false);
		free(sup.lab_dir);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	ev_signal_init(&sup.sig_term, supervisor_on_signal, SIGTERM);
	ev_signal_init(&sup.sig_int, supervisor_on_signal, SIGINT);
	sup.sig_term.data = sup.sig_int.data = &sup;
	ev_signal_start(sup.loop, &sup.sig_term);
	ev_signal_start(sup.loop, &sup.sig_int);

	sup.env.loop = sup.loop;
	sup.env.lab = lab;
	sup.env.lab_dir = sup.lab_dir;
	sup.env.boot_timeout_ms = BOOT_TIMEOUT_MS;
	sup.env.stop_grace_ms = STOP_GRACE_MS;
	sup.env.on_change = supervisor_on_instance_change;
	sup.env.arg = &sup;
	const char *bt = getenv("UMLLAB_BOOT_TIMEOUT");
	if (bt != NULL && atoi(bt) > 0)
		sup.env.boot_timeout_ms = (unsigned)atoi(bt) * 1000;
	sup.instances = xcalloc(lab->n_instances ? lab->n_instances : 1, sizeof(struct instance));
	for (size_t i = 0; i < lab->n_instances; i++)
		instance_init(&sup.instances[i], &lab->instances[i], &sup.env);

	if (supervisor_prepare(&sup, &cause) != 0 || ctl_listen(&sup, &cause) != 0) {
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
		return 1;
	}

	sup.bringing_up = true;
	progress(&sup, 'P', "booting %zu instance%s", lab->n_instances,
	    lab->n_instances == 1 ? "" : "s");
	for (size_t i = 0; i < lab->n_instances && !sup.stopping; i++)
		instance_handle(&sup.instances[i], INSTANCE_EV_START);

	/* ev_run() forgets a break that came before it: check first. */
	if (!sup.finished)
		ev_run(sup.loop, 0);
	supervisor_flush_conns(&sup);

	int code = sup.exit_code;
	supervisor_free(&sup);
	char *p = state_path(sup.lab_dir, STATE_PIDFILE);
	unlink(p);
	free(p);
	free(sup.lab_dir);
	return code;
}
