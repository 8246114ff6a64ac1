/* core/supervisor/recorded.c: the captures a lab file asks for (`capture:` on a switch or a
 * cable), recording into the lab's directory from the first frame until the lab stops. */
#include "core/supervisor/recorded.h"

#include <pcap/pcap.h>
#include <stdlib.h>

#include "core/base/log.h"
#include "core/base/state.h"
#include "core/base/util.h"
#include "core/capture/capture.h"
#include "core/supervisor/lab_filter.h"

static void supervisor_capture_on_end(void *arg, const char *why)
{
	(void)arg;
	log_warnx("a recorded capture stopped: %s", why);
}

/* One file capture of the topology's `capture:`; -1 with *cause naming where
 * in the file it was asked for. */
static int supervisor_capture_add(struct supervisor *sup, const struct lab_capture *lc,
    const struct capture_target *t, const char *name, char **cause)
{
	struct bpf_program prog = { 0 };
	char *why = NULL;
	if (lc->filter[0] != '\0' && lab_filter_compile(sup, lc->filter, &prog, &why) != 0) {
		set_cause(cause, "%s:%d:%d: the capture of %s: %s", sup->lab->path, lc->line, lc->column,
		    name, why);
		free(why);
		return -1;
	}
	char *path = state_path(sup->lab_dir, "%s/%s.pcapng", STATE_CAPTURES, name);
	struct capture_opts o = { .targets = t, .ntargets = 1,
	    .prog = lc->filter[0] != '\0' ? &prog : NULL, .path = path,
	    .max_bytes = lc->max_bytes, .files = lc->files, .on_end = supervisor_capture_on_end };
	struct capture *c = capture_start(sup->loop, &o, &why);
	free(path);
	pcap_freecode(&prog);
	if (c == NULL) {
		set_cause(cause, "%s:%d:%d: the capture of %s: %s", sup->lab->path, lc->line, lc->column,
		    name, why);
		free(why);
		return -1;
	}
	sup->captures = xreallocarray(sup->captures, sup->n_captures + 1, sizeof(*sup->captures));
	sup->captures[sup->n_captures++] = c;
	return 0;
}

/* The topology's `capture:` keys, recording from the first frame. */
int supervisor_captures_start(struct supervisor *sup, char **cause)
{
	const struct lab *lab = sup->lab;
	for (size_t i = 0; i < lab->n_switches; i++) {
		if (!lab->switches[i].capture.on)
			continue;
		struct capture_target t = { .sw = sup->switches[i], .switch_name = lab->switches[i].name };
		if (supervisor_capture_add(sup, &lab->switches[i].capture, &t, lab->switches[i].name,
		    cause) != 0)
			return -1;
	}
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		for (size_t k = 0; k < in->n_ifaces; k++) {
			const struct lab_iface *f = &in->ifaces[k];
			if (!f->capture.on)
				continue;
			char *name = state_cable_name(in->name, f->name);
			struct capture_target t = { .sw = sup->switches[f->sw],
			    .switch_name = lab->switches[f->sw].name, .cable = name };
			int rc = supervisor_capture_add(sup, &f->capture, &t, name, cause);
			free(name);
			if (rc != 0)
				return -1;
		}
	}
	return 0;
}

void supervisor_captures_cable_moved(struct supervisor *sup, const char *cable, size_t sw_index)
{
	for (size_t i = 0; i < sup->n_captures; i++)
		capture_cable_moved(sup->captures[i], cable, sup->switches[sw_index],
		    sup->lab->switches[sw_index].name);
}

/* Write what the recorded captures still hold and close their files. */
void supervisor_captures_stop(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->n_captures; i++) {
		uint64_t got, lost;
		capture_stop(sup->captures[i], &got, &lost);
		log_info("recorded capture %zu: %llu frames, %llu not captured (the disk was too slow)",
		    i + 1, (unsigned long long)got, (unsigned long long)lost);
	}
	free(sup->captures);
	sup->captures = NULL;
	sup->n_captures = 0;
}
