/* core/supervisor/lab_filter.c: tcpdump expressions with the lab's instance names in them. */
#include "core/supervisor/lab_filter.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "core/capture/filter.h"
#include "core/lab/filter_names.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"

/* "umlA": every interface's MAC; "umlA.eth1": that one's. */
static size_t lab_name_macs(void *arg, const char *name, uint8_t macs[FILTER_NAME_MACS_MAX][6])
{
	struct supervisor *sup = arg;
	const char *dot = strchr(name, '.');
	char inst_name[64];
	size_t len = dot != NULL ? (size_t)(dot - name) : strlen(name);
	if (len >= sizeof(inst_name))
		return 0;
	memcpy(inst_name, name, len);
	inst_name[len] = '\0';
	struct instance *inst = supervisor_instance(sup, inst_name);
	if (inst == NULL)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < inst->n_ifaces && n < FILTER_NAME_MACS_MAX; i++)
		if (dot == NULL || strcmp(inst->ifaces[i].cfg.name, dot + 1) == 0)
			memcpy(macs[n++], inst->ifaces[i].cfg.mac, 6);
	return n;
}

char *lab_filter_expand(struct supervisor *sup, const char *expr, char **cause)
{
	size_t len = strlen(expr);
	if (len > FILTER_EXPR_MAX) {
		set_cause(cause, "filter \"%.200s...\": %zu bytes, at most %d: make it shorter (a "
		    "range such as `portrange 1000-1600`, or `net 10.0.0.0/24`, instead of many `or` "
		    "terms)", expr, len, FILTER_EXPR_MAX);
		return NULL;
	}
	return filter_expand_names(expr, lab_name_macs, sup);
}

char *lab_filter_reword(const char *expr, const char *why)
{
	/* libpcap's words, about the expression as the user wrote it. */
	const char *msg = why;
	const char *colon = strncmp(why, "filter \"", 8) == 0 ? strstr(why, "\": ") : NULL;
	if (colon != NULL)
		msg = colon + 3;
	return xasprintf("filter \"%.200s%s\": %s", expr, strlen(expr) > 200 ? "..." : "", msg);
}

int lab_filter_compile(struct supervisor *sup, const char *expr, struct bpf_program *prog,
    char **cause)
{
	char *expanded = lab_filter_expand(sup, expr, cause);
	if (expanded == NULL)
		return -1;
	char *why = NULL;
	int rc = filter_compile(expanded, prog, &why);
	free(expanded);
	if (rc != 0) {
		char *text = lab_filter_reword(expr, why);
		set_cause(cause, "%s", text);
		free(text);
		free(why);
	}
	return rc;
}
