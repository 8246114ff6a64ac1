/* cmd/switch.c: `umllab switch PATH [--hub] [--cable NAME=SOCKET]... [--vlan NAME=VLANS]... [--trunk VNI,LISTEN,REMOTE]... [--capture FILE]`: one umllab switch in the foreground. */
#include <signal.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "cmd/cmd.h"
#include "core/capture/capture.h"
#include "core/capture/filter.h"
#include "core/base/util.h"
#include "core/lab/lab.h"
#include "switch/switch.h"
#include "switch/vxlan.h"

struct switch_serve_opts {
	const char *path;
	enum switch_mode mode;
	const char **cables;		/* NAME=SOCKET */
	size_t ncables;
	const char **trunks;		/* VNI,LISTEN,REMOTE */
	size_t ntrunks;
	const char **vlans;		/* NAME=VLANS (a cable's) */
	size_t nvlans;
	const char *capture;		/* record every frame into this pcapng file */
	const char *capture_filter;
};

static void switch_on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void switch_capture_on_end(void *arg, const char *why)
{
	fprintf(stderr, "umllab: the capture stopped: %s\n", why);
	ev_break(arg, EVBREAK_ALL);
}

/* `--trunk VNI,LISTEN,REMOTE`: trunk number i of sw (switch.trunkI). */
static int switch_trunk_add(struct sw *sw, const char *arg, size_t i, char **cause)
{
	char *vni_text = xstrdup(arg);
	char *listen_text = strchr(vni_text, ',');
	char *remote_text = listen_text != NULL ? strchr(listen_text + 1, ',') : NULL;
	int rc = -1;
	if (remote_text == NULL) {
		set_cause(cause, "--trunk %s: expected VNI,LISTEN,REMOTE such as "
		    "--trunk 42,127.0.0.1:4789,127.0.0.1:4790", arg);
		goto out;
	}
	*listen_text++ = '\0';
	*remote_text++ = '\0';
	char *end;
	unsigned long vni = strtoul(vni_text, &end, 10);
	struct vxlan_addr listen, remote;
	const char *why;
	if (*vni_text < '0' || *vni_text > '9' || *end != '\0' || vni > VXLAN_VNI_MAX) {
		set_cause(cause, "--trunk %s: the VNI `%s` is not a number from 0 to 16777215", arg,
		    vni_text);
		goto out;
	}
	if ((why = vxlan_addr_parse(listen_text, &listen)) != NULL) {
		set_cause(cause, "--trunk %s: LISTEN `%s` %s", arg, listen_text, why);
		goto out;
	}
	if ((why = vxlan_addr_parse(remote_text, &remote)) != NULL) {
		set_cause(cause, "--trunk %s: REMOTE `%s` %s", arg, remote_text, why);
		goto out;
	}
	char name[48];
	snprintf(name, sizeof(name), "switch.trunk%zu", i);
	rc = switch_trunk_open(sw, name, &listen, &remote, (uint32_t)vni, cause);
	if (rc == 0)
		fprintf(stderr, "umllab: trunk %s on %s, to %s, VNI %lu\n", name, listen_text,
		    remote_text, vni);
out:
	free(vni_text);
	return rc;
}

/* Run until a signal. */
static int switch_serve(const struct switch_serve_opts *o)
{
	/* The main thread waits for a signal (and writes the capture, if any);
	 * the switch runs in its own thread. */
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
	ev_signal sigs[3];
	const int signums[3] = { SIGINT, SIGTERM, SIGHUP };
	for (int i = 0; i < 3; i++) {
		ev_signal_init(&sigs[i], switch_on_signal, signums[i]);
		ev_signal_start(loop, &sigs[i]);
	}
	char *cause = NULL;
	struct sw *sw = switch_start("switch", o->path, o->mode, &cause);
	if (sw == NULL)
		return cmd_fail(cause, EXIT_FAIL);
	/* Trunks before cables: a cable's socket file tells a script that
	 * everything is ready (the bench waits for it). */
	for (size_t i = 0; i < o->ntrunks; i++) {
		if (switch_trunk_add(sw, o->trunks[i], i, &cause) != 0) {
			switch_stop(sw);
			return cmd_fail(cause, EXIT_FAIL);
		}
	}
	for (size_t i = 0; i < o->ncables; i++) {
		char *name = xstrdup(o->cables[i]);
		char *sock = strchr(name, '=');
		*sock++ = '\0';
		int rc = switch_cable_open(sw, name, sock, &cause);
		if (rc == 0)
			fprintf(stderr, "umllab: cable %s at %s (a kernel plugs in with "
			    "vecN:transport=bess,dst=%s)\n", name, sock, sock);
		free(name);
		if (rc != 0) {
			switch_stop(sw);
			return cmd_fail(cause, EXIT_FAIL);
		}
	}
	for (size_t i = 0; i < o->nvlans; i++) {
		char *name = xstrdup(o->vlans[i]);
		char *text = strchr(name, '=');
		*text++ = '\0';
		struct switch_vlans v;
		int rc = switch_vlans_parse(text, &v, &cause);
		if (rc == 0)
			rc = switch_cable_set_vlans(sw, name, &v, &cause);
		free(name);
		if (rc != 0) {
			switch_stop(sw);
			return cmd_fail(cause, EXIT_USAGE);
		}
	}
	struct capture *cap = NULL;
	if (o->capture != NULL) {
		struct capture_target t = { .sw = sw, .switch_name = "switch" };
		struct bpf_program prog = { 0 };
		if (o->capture_filter != NULL && filter_compile(o->capture_filter, &prog, &cause) != 0) {
			switch_stop(sw);
			return cmd_fail(cause, EXIT_USAGE);
		}
		struct capture_opts co = { .targets = &t, .ntargets = 1,
		    .prog = o->capture_filter != NULL ? &prog : NULL, .path = o->capture, .files = 1,
		    .on_end = switch_capture_on_end, .arg = loop };
		cap = capture_start(loop, &co, &cause);
		pcap_freecode(&prog);
		if (cap == NULL) {
			switch_stop(sw);
			return cmd_fail(cause, EXIT_FAIL);
		}
	}
	fprintf(stderr, "umllab: %s listening on %s%s%s; stop with Ctrl-C\n",
	    o->mode == SWITCH_MODE_HUB ? "hub" : "switch", o->path, cap ? ", capturing to " : "",
	    cap ? o->capture : "");
	ev_run(loop, 0);
	if (cap != NULL) {
		uint64_t got, lost;
		capture_stop(cap, &got, &lost);
		fprintf(stderr, "umllab: capture: %llu frame%s captured, %llu not captured because "
		    "the disk was too slow\n", (unsigned long long)got, got == 1 ? "" : "s",
		    (unsigned long long)lost);
	}
	struct switch_info info;
	switch_get_info(sw, &info);
	switch_stop(sw);
	fprintf(stderr, "umllab: switch stopped: %llu frames in, %llu out, %llu dropped\n",
	    (unsigned long long)info.frames_in, (unsigned long long)info.frames_out,
	    (unsigned long long)info.frames_dropped);
	return EXIT_OK;
}

/* True when argv asks about a running lab's switch rather than for a
 * switch of its own: a switch name (no `/`, no `.`), then only `stp` or
 * --json; or --lab. */
static bool switch_of_lab(int argc, char **argv, bool lab)
{
	if (lab)
		return true;
	if (argc < 2 || !lab_name_valid(argv[1]))
		return false;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "stp") != 0 && strcmp(argv[i], "--json") != 0)
			return false;
	return true;
}

/* `umllab switch [--lab LAB] SWITCH [stp] [--json]`: ask the lab. */
static int switch_show(const char *lab, int argc, char **argv)
{
	if (argc < 2 || argc > 4 || argv[1][0] == '-')
		return cmd_usage_error(&cmd_switch, "expected a switch of the lab, then optionally stp "
		    "and --json");
	bool stp = false, json = false;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "stp") == 0 && !stp)
			stp = true;
		else if (strcmp(argv[i], "--json") == 0 && !json)
			json = true;
		else
			return cmd_usage_error(&cmd_switch, "unexpected %s (expected stp or --json)",
			    argv[i]);
	}
	char *req[] = { stp ? "switch-stp" : "switch", argv[1], json ? "--json" : NULL };
	return cmd_request(lab, json ? 3 : 2, req, EXIT_USAGE);
}

static int switch_run(int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	if (switch_of_lab(argc, argv, lab != NULL))
		return switch_show(lab, argc, argv);
	const char *path = NULL;
	enum switch_mode mode = SWITCH_MODE_LEARNING;
	const char **cables = xcalloc((size_t)argc, sizeof(*cables));
	const char **trunks = xcalloc((size_t)argc, sizeof(*trunks));
	const char **vlans = xcalloc((size_t)argc, sizeof(*vlans));
	size_t ncables = 0, ntrunks = 0, nvlans = 0;
	const char *capture = NULL, *filter = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hub") == 0) {
			mode = SWITCH_MODE_HUB;
		} else if (strcmp(argv[i], "--capture") == 0 && i + 1 < argc) {
			capture = argv[++i];
		} else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
			filter = argv[++i];
		} else if (strcmp(argv[i], "--cable") == 0) {
			if (i + 1 == argc || strchr(argv[i + 1], '=') == NULL ||
			    argv[i + 1][0] == '=') {
				free(cables);
				free(trunks);
				free(vlans);
				return cmd_usage_error(&cmd_switch, "--cable needs NAME=SOCKET, such as "
				    "--cable a=/tmp/lab/a.sock");
			}
			cables[ncables++] = argv[++i];
		} else if (strcmp(argv[i], "--trunk") == 0 && i + 1 < argc) {
			trunks[ntrunks++] = argv[++i];
		} else if (strcmp(argv[i], "--vlan") == 0 && i + 1 < argc &&
		    strchr(argv[i + 1], '=') != NULL && argv[i + 1][0] != '=') {
			vlans[nvlans++] = argv[++i];
		} else if (argv[i][0] == '-') {
			free(cables);
			free(trunks);
			free(vlans);
			return cmd_usage_error(&cmd_switch, "unknown option %s", argv[i]);
		} else if (path == NULL) {
			path = argv[i];
		} else {
			free(cables);
			free(trunks);
			free(vlans);
			return cmd_usage_error(&cmd_switch, "expected one control socket path");
		}
	}
	if (path == NULL) {
		free(cables);
		free(trunks);
		free(vlans);
		return cmd_usage_error(&cmd_switch, "expected a control socket path");
	}
	if (filter != NULL && capture == NULL) {
		free(cables);
		free(trunks);
		free(vlans);
		return cmd_usage_error(&cmd_switch, "-f filters a capture: give --capture FILE too");
	}
	if (nvlans != 0 && mode == SWITCH_MODE_HUB) {
		free(cables);
		free(trunks);
		free(vlans);
		return cmd_usage_error(&cmd_switch, "a hub has no VLANs: --vlan needs a switch");
	}
	struct switch_serve_opts o = { .path = path, .mode = mode, .cables = cables,
	    .ncables = ncables, .trunks = trunks, .ntrunks = ntrunks, .vlans = vlans,
	    .nvlans = nvlans, .capture = capture, .capture_filter = filter };
	int rc = switch_serve(&o);
	free(cables);
	free(trunks);
	free(vlans);
	return rc;
}

const struct cmd_entry cmd_switch = {
	.name = "switch",
	.args = "[--lab LAB] SWITCH [stp] [--json] | PATH [--hub] [--cable NAME=SOCKET]... "
	    "[--vlan NAME=VLANS]... [--trunk VNI,LISTEN,REMOTE]... [--capture FILE [-f FILTER]]",
	.summary = "show a lab's switch (ports, VLANs, address table, spanning tree), or run one "
	    "switch in the foreground on control socket PATH (like uml_switch)",
	.help = "With the name of a running lab's switch: its ports (what each leads to, its link\n"
	    "state, its VLANs, frames refused for their VLAN), its address table (VLAN, MAC,\n"
	    "port, age) and, in a storm, its rate (\"S1: storm, 9 800 frames/s, 99 % broadcast,\n"
	    "limited\"). `stp` shows its spanning tree instead, like a real switch's\n"
	    "`show spanning-tree`: the root, this bridge, each port's role, state and cost.\n"
	    "--json: the same as JSON.\n"
	    "With a control socket PATH (it holds a `/`, or a `.`: ./ctl for one here), one\n"
	    "switch runs in the foreground:\n"
	    "Any UML kernel plugs in with `ethN=daemon,MAC,unix,PATH` (the uml_switch\n"
	    "protocol; its data socket has an abstract name that any local user can send\n"
	    "frames to). Each --cable makes a private port instead: a socket at SOCKET that\n"
	    "one kernel plugs into with `vecN:transport=bess,dst=SOCKET`, as umllab's own\n"
	    "instances do; put it in a directory only you can enter. --vlan gives cable NAME\n"
	    "its VLANs: a number (an access port: --vlan a=10) or a trunk (802.1Q tags:\n"
	    "--vlan 'b=trunk 10,20-22 native 1'). Learning switch by\n"
	    "default; --hub sends every frame to every other port. --trunk joins it to\n"
	    "another switch over VXLAN (a lab's `trunks:`, a kernel vxlan device): UDP on\n"
	    "LISTEN (IP:PORT, an address of this host) to and from REMOTE only, with that\n"
	    "VNI; see docs/topology.md. --capture FILE records\n"
	    "every frame it receives into a pcapng file (-f: only those a tcpdump\n"
	    "expression accepts); the switch never waits for the disk. Ctrl-C stops it.\n",
	.run = switch_run,
};
