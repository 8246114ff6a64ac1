/* cmd/live.c: live cables: `umllab plug`, `umllab unplug`, `umllab link`. */
#include <string.h>

#include "cmd/cmd.h"

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

static int link_run(int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	if (argc != 4 || (strcmp(argv[3], "up") != 0 && strcmp(argv[3], "down") != 0))
		return cmd_usage_error(&cmd_link, "expected an instance, an interface, and up or down");
	char *req[] = { "link", argv[1], argv[2], argv[3] };
	return cmd_request(lab, 4, req, EXIT_USAGE);
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
	.args = "[--lab LAB] INSTANCE ethN down|up",
	.summary = "pull a cable out (down) or put it back (up), keeping the device",
	.help = "While a link is down, its switch drops that port's frames both ways; the\n"
	    "guest still sees its device. Survives restarts of the instance.\n",
	.run = link_run,
};
