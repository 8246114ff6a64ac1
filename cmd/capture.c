/* cmd/capture.c: `umllab capture [LAB] TARGET...`: a live capture of switches and cables, as pcapng or as text. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/capture/frame_text.h"
#include "core/capture/pcapng.h"
#include "core/base/state.h"
#include "core/base/util.h"

#define CAPTURE_ARGS_MAX 16

static volatile sig_atomic_t capture_stop_flag;

static void capture_on_signal(int sig)
{
	(void)sig;
	capture_stop_flag = 1;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Where the stream goes: a file or a pipe as pcapng, a terminal as text. */
struct capture_out {
	int fd;
	bool text;
	struct pcapng_reader reader;
	int error;	/* errno of a failed write */
	char *started;	/* said on a terminal once the capture runs, then NULL */
};

/* Like write_all, but Ctrl-C ends a write that a stuck reader blocks. */
static int capture_write(struct capture_out *o, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(o->fd, p, len);
		if (n < 0) {
			if (errno == EINTR && !capture_stop_flag)
				continue;
			o->error = errno;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int capture_write_text(struct capture_out *o)
{
	struct pcapng_record rec;
	char *cause = NULL;
	int r;
	while ((r = pcapng_reader_next(&o->reader, &rec, &cause)) == 1) {
		struct strbuf b = { 0 };
		time_t secs = (time_t)(rec.ts_ns / 1000000000u);
		struct tm tm;
		localtime_r(&secs, &tm);
		strbuf_printf(&b, "%02d:%02d:%02d.%09llu %s %-10s ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (unsigned long long)(rec.ts_ns % 1000000000u),
		    rec.dir == PCAPNG_DIR_OUTBOUND ? "to  " : "from", rec.ifname);
		frame_describe(&b, rec.data, rec.caplen);
		strbuf_printf(&b, "\n");
		int w = capture_write(o, b.s, b.len);
		free(b.s);
		if (w != 0)
			return -1;
	}
	if (r < 0) {
		fprintf(stderr, "umllab: %s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int capture_on_stdout(void *arg, const char *data, size_t len)
{
	struct capture_out *o = arg;
	if (o->started != NULL) {
		/* The first bytes come once the taps are on (the section header):
		 * the person at the terminal may start the traffic now. */
		fprintf(stderr, "%s", o->started);
		free(o->started);
		o->started = NULL;
	}
	if (o->text) {
		pcapng_reader_feed(&o->reader, data, len);
		return capture_write_text(o);
	}
	/* -1 when the reader went away (tcpdump quit) or Ctrl-C: stop. */
	return capture_write(o, data, len);
}

/* The lab's recorded captures (the topology's `capture:`), with sizes. */
static int capture_list(const char *lab)
{
	char *cause = NULL;
	char *dir = client_find_lab(lab, false, &cause);
	if (dir == NULL)
		return cmd_fail(cause, EXIT_USAGE);
	char *cdir = state_path(dir, "%s", STATE_CAPTURES);
	DIR *d = opendir(cdir);
	int n = 0;
	if (d != NULL) {
		struct dirent *e;
		char **names = NULL;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			names = xreallocarray(names, (size_t)n + 1, sizeof(*names));
			names[n++] = xstrdup(e->d_name);
		}
		closedir(d);
		if (n > 0)
			qsort(names, (size_t)n, sizeof(*names), name_cmp);
		for (int i = 0; i < n; i++) {
			char *path = xasprintf("%s/%s", cdir, names[i]);
			struct stat st;
			if (stat(path, &st) == 0)
				printf("%10lld  %s\n", (long long)st.st_size, path);
			free(path);
			free(names[i]);
		}
		free(names);
	}
	if (n == 0)
		printf("no recorded captures in %s (a `capture:` key in the topology makes them)\n",
		    cdir);
	free(cdir);
	free(dir);
	return EXIT_OK;
}

static int capture_run(int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	const char *file = NULL, *filter = "", *count = "0", *duration = "0";
	bool list = false, text = false;
	const char *pos[CAPTURE_ARGS_MAX + 1];
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool value = strcmp(a, "-w") == 0 || strcmp(a, "-f") == 0 || strcmp(a, "-c") == 0 ||
		    strcmp(a, "--duration") == 0;
		if (value && i + 1 == argc)
			return cmd_usage_error(&cmd_capture, "%s needs a value", a);
		if (strcmp(a, "-w") == 0) {
			file = argv[++i];
		} else if (strcmp(a, "-f") == 0) {
			filter = argv[++i];
		} else if (strcmp(a, "-c") == 0) {
			count = argv[++i];
			char *end;
			unsigned long long n = strtoull(count, &end, 10);
			if (*end != '\0' || n == 0 || count[0] == '-')
				return cmd_usage_error(&cmd_capture, "-c wants a number of frames, such "
				    "as -c 10");
		} else if (strcmp(a, "--duration") == 0) {
			duration = argv[++i];
			char *end;
			double s = strtod(duration, &end);
			if (*end != '\0' || !(s > 0))
				return cmd_usage_error(&cmd_capture, "--duration wants seconds, such as "
				    "--duration 5 or 0.5");
		} else if (strcmp(a, "--list") == 0) {
			list = true;
		} else if (strcmp(a, "--text") == 0) {
			text = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			return cmd_usage_error(&cmd_capture, "unknown option %s", a);
		} else if (npos <= CAPTURE_ARGS_MAX) {
			pos[npos++] = a;
		} else {
			return cmd_usage_error(&cmd_capture, "at most %d targets", CAPTURE_ARGS_MAX);
		}
	}
	/* LAB first, then the targets: with --list the one word is the lab;
	 * else the first word is the lab when more follow and it names a
	 * running lab (or its file). */
	if (lab == NULL && list && npos == 1) {
		lab = pos[0];
		npos = 0;
	} else if (lab == NULL && npos >= 2) {
		char *dir = client_find_lab(pos[0], true, NULL);
		if (dir != NULL) {
			lab = pos[0];
			memmove(pos, pos + 1, (size_t)--npos * sizeof(*pos));
			free(dir);
		}
	}
	if (list)
		return npos == 0 ? capture_list(lab) :
		    cmd_usage_error(&cmd_capture, "--list takes no targets");
	if (npos == 0)
		return cmd_usage_error(&cmd_capture, "expected what to capture: a switch (S1) or a "
		    "cable (umlA.eth0)");

	struct capture_out out = { .fd = 1 };
	if (file != NULL && strcmp(file, "-") != 0) {
		out.fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out.fd < 0) {
			char *cause = xasprintf("cannot write %s: %s", file, strerror(errno));
			return cmd_fail(cause, EXIT_USAGE);
		}
	} else if (file == NULL && (text || isatty(1))) {
		out.text = true;
	} else if (file == NULL && isatty(2)) {
		/* Through `tee` the binary stream would reach the screen. */
		fprintf(stderr, "umllab: standard output is not a terminal: writing pcapng (binary) "
		    "to it; --text writes one line per frame instead, -w FILE a file\n");
	}
	char *cause = NULL;
	char *dir = client_find_lab(lab, true, &cause);
	if (dir == NULL) {
		if (out.fd != 1)
			close(out.fd);
		return cmd_fail(cause, EXIT_USAGE);
	}

	/* Ctrl-C asks the supervisor to stop, then the counts still come. */
	struct sigaction sa = { .sa_handler = capture_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	char *req[4 + CAPTURE_ARGS_MAX];
	int reqc = 0;
	req[reqc++] = "capture";
	req[reqc++] = (char *)filter;
	req[reqc++] = (char *)count;
	req[reqc++] = (char *)duration;
	for (int i = 0; i < npos; i++)
		req[reqc++] = (char *)pos[i];
	/* On a terminal, say when it runs: a ping started before would be missed. */
	if (isatty(2) && ((out.text && out.fd == 1) || out.fd != 1)) {
		struct strbuf b = { 0 };
		for (int i = 0; i < npos; i++)
			strbuf_printf(&b, "%s%s", i ? ", " : "umllab: capturing ", pos[i]);
		if (out.fd != 1)
			strbuf_printf(&b, " into %s", file);
		strbuf_printf(&b, " (Ctrl-C stops)\n");
		out.started = strbuf_take(&b);
	}
	struct client_stream stream = { .on_stdout = capture_on_stdout, .arg = &out,
	    .stop = &capture_stop_flag };
	int code = client_request_stream(dir, reqc, req, &stream, &cause);
	free(dir);
	free(out.started);
	pcapng_reader_free(&out.reader);
	if (out.fd != 1 && close(out.fd) != 0 && code == 0)
		return cmd_fail(xasprintf("cannot write %s: %s", file, strerror(errno)), EXIT_FAIL);
	if (code < 0)
		return cmd_fail(cause, EXIT_FAIL);
	free(cause);
	if (out.error != 0 && out.error != EPIPE && out.error != EINTR)
		fprintf(stderr, "umllab: cannot write the capture: %s\n", strerror(out.error));
	return code;
}

const struct cmd_entry cmd_capture = {
	.name = "capture",
	.args = "[--lab LAB] [LAB] TARGET... [-w FILE | --text] [-f FILTER] [-c N] [--duration S] | --list",
	.summary = "capture the frames a switch or a cable carries (pcapng, or text on a terminal)",
	.help = "TARGET is a switch (S1: every frame it forwards, once, from the cable it came\n"
	    "from) or a cable, INSTANCE.IFACE (umlA.eth0: the frames in and out of that port).\n"
	    "Without -w the capture goes to standard output as pcapng, so\n"
	    "  umllab capture S1 | tcpdump -nr -\n"
	    "  umllab capture S1 | wireshark -k -i -\n"
	    "work while the lab runs; on a terminal it prints one line per frame instead\n"
	    "(after `umllab: capturing S1 (Ctrl-C stops)` once the capture runs), and\n"
	    "--text does so anywhere (`umllab capture S1 --text | tee frames.txt`). In\n"
	    "Wireshark each cable is an interface of its own, with the direction of every\n"
	    "frame and nanosecond timestamps. -w FILE writes a pcapng file.\n"
	    "-f FILTER keeps only the frames a tcpdump expression accepts (\"icmp\", \"arp or\n"
	    "port 80\", \"icmp6\", \"ip6 host umlA\": instance names work after ether, host, src\n"
	    "and dst); the switch applies it where it sees the frames. -c N stops after N\n"
	    "frames, --duration S after S seconds, Ctrl-C at once. At the end it says how many\n"
	    "frames were captured and how many were not because the reader was too slow:\n"
	    "the lab never waits for a capture, its reader gets what it takes in time.\n"
	    "A capture goes on across restarts, plug, unplug and link down/up.\n"
	    "--list shows the lab's recorded captures (the topology's `capture:` key).\n",
	.run = capture_run,
};
