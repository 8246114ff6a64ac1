/* cmd/live.c: live cables: `umllab plug`, `umllab unplug`, `umllab link`. */
#include <stdbool.h>
#include <string.h>

#include "cmd/cmd.h"
#include "switch/linkcond.h"

_Static_assert(LINKCOND_QUEUE_BYTES == 8u << 20 && LINKCOND_LAB_BYTES == 64u << 20 &&
    LINKCOND_LIMIT_MAX == 5000 && LINKCOND_LIMIT_DEFAULT == 1000, "link's --help says these");

static int plug_run(int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	const char *ip = "", *mac = "";
	const char *pos[3];
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ip") == 0 && i + 1 < argc)
			ip = argv[++i];
		else if (strcmp(argv[i], "--mac") == 0 && i + 1 < argc)
			mac = argv[++i];
		else if (argv[i][0] == '-' || npos == 3)
			return cmd_usage_error(&cmd_plug, "unexpected %s", argv[i]);
		else
			pos[npos++] = argv[i];
	}
	if (npos != 3)
		return cmd_usage_error(&cmd_plug, "expected an instance, an interface and a switch");
	char *req[] = { "plug", (char *)pos[0], (char *)pos[1], (char *)pos[2], (char *)ip,
	    (char *)mac };
	return cmd_request(lab, 6, req, EXIT_USAGE);
}

static int unplug_run(int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return cmd_usage_error(&cmd_unplug, "expected an instance and an interface");
	char *req[] = { "unplug", argv[1], argv[2] };
	return cmd_request(lab, 3, req, EXIT_USAGE);
}

#define LINK_WORDS_MAX 40

static int link_run(int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	if (argc < 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return cmd_usage_error(&cmd_link, "expected an instance and an interface");
	if (argc > 3) {
		const char *what = argv[3];
		bool state = strcmp(what, "up") == 0 || strcmp(what, "down") == 0 ||
		    strcmp(what, "reset") == 0;
		if (!state && strcmp(what, "set") != 0 && strcmp(what, "clear") != 0)
			return cmd_usage_error(&cmd_link, "expected up, down, set CONDITIONS..., clear or "
			    "reset after the interface");
		if ((state || strcmp(what, "clear") == 0) && argc != 4)
			return cmd_usage_error(&cmd_link, "link ... up, down, clear and reset take no more "
			    "words");
		if (strcmp(what, "set") == 0 && argc == 4)
			return cmd_usage_error(&cmd_link, "set needs conditions, such as set delay 50ms "
			    "loss 1%%");
		if (argc - 4 > LINK_WORDS_MAX)
			return cmd_usage_error(&cmd_link, "too many words");
	}
	argv[0] = "link";
	return cmd_request(lab, argc, argv, EXIT_USAGE);
}

const struct cmd_entry cmd_plug = {
	.name = "plug",
	.args = "[--lab LAB] INSTANCE ethN SWITCH [--ip ADDR/LEN] [--mac MAC]",
	.summary = "plug a new network card into a running instance, on one of the lab's switches",
	.help = "Adds the device through mconsole `config ethN=daemon,...` and, with --ip,\n"
	    "configures the address in the guest. The default MAC is the stable one umllab\n"
	    "would give that interface in the file. The live wiring survives restarts of\n"
	    "the instance; `down` then `up` returns to the file.\n"
	    "Exit status: 0 plugged, 1 the kernel or the guest refused, 2 usage or lab errors\n"
	    "(no such instance or switch, interface in use, instance not running).\n",
	.run = plug_run,
};

const struct cmd_entry cmd_unplug = {
	.name = "unplug",
	.args = "[--lab LAB] INSTANCE ethN",
	.summary = "take a network card out of a running instance",
	.help = "Takes the device down in the guest and removes it through mconsole\n"
	    "`remove ethN`; its port leaves the switch.\n",
	.run = unplug_run,
};

const struct cmd_entry cmd_link = {
	.name = "link",
	.args = "[--lab LAB] INSTANCE ethN [down | up | set CONDITION VALUE... | clear | reset]",
	.summary = "show a cable, pull it out or put it back, or set its conditions (delay, loss, ...)",
	.help = "With no more words: the link state, the conditions set on the cable and what\n"
	    "the cable did to its frames since the lab came up or the last reset (passed,\n"
	    "delayed, lost, ...; flushed: held, then dropped by `down` or a restart), and\n"
	    "the frames held now. `in` counts frames to the instance, `out` frames from\n"
	    "it; frames that crossed with no conditions set count as passed.\n"
	    "reset: every counter of the cable from 0 again, to read one measurement alone.\n"
	    "down / up: while a link is down, its switch drops that port's frames both ways;\n"
	    "the guest still sees its device.\n"
	    "set: change the conditions named, keep the others. Without a direction they\n"
	    "apply both ways (50 ms of delay adds 100 ms to a round trip); `in` (frames to\n"
	    "the instance) or `out` (frames from it) applies what follows to one way:\n"
	    "  delay 50ms      jitter 5ms (needs a delay)   loss 1%   burst 5 (mean loss burst)\n"
	    "  duplicate 1%    corrupt 1%    reorder 25% (needs a delay)\n"
	    "  rate 1mbit      limit 100 (frames held; default 1000, at most 5000)   mtu 1400\n"
	    "  match EXPR      (the others apply only to frames of a tcpdump expression)\n"
	    "  drop EXPR       (a planted fault: drop the frames of the expression)\n"
	    "Give EXPR as one word: drop 'icmp and ether src umlA' (instance names work after\n"
	    "`ether`, `ether src`, `ether dst`, `ether host`, and after `host`, `src`, `dst`,\n"
	    "optionally after `ip` or `ip6`: drop 'icmp6 and ip6 src umlA'). VALUE off\n"
	    "removes a condition.\n"
	    "clear: remove every condition.\n"
	    "Memory: one direction of a cable holds at most 8 MB of frames, the lab's cables\n"
	    "together 64 MB; frames past that are dropped (\"over the memory cap\"). Held\n"
	    "frames never wait longer than the conditions now set would make them: `clear`\n"
	    "(or a set that removes the delay and the rate) sends them at once; `down`, a\n"
	    "restart or an unplug drops them. Examples:\n"
	    "  umllab link umlA eth0 set delay 50ms loss 1%\n"
	    "  umllab link umlA eth0 set out rate 1mbit limit 50\n"
	    "  umllab link umlB eth0 set drop arp\n"
	    "  umllab link umlA eth0 reset; (a transfer); umllab link umlA eth0\n"
	    "State and conditions survive restarts of the instance; `down` then `up` returns\n"
	    "to the file (`link:` on the interface, see docs/topology.md).\n"
	    "Exit status: 0 done, 1 the switch refused, 2 usage errors (a bad condition, an\n"
	    "expression libpcap refuses, no such instance or interface).\n",
	.run = link_run,
};
