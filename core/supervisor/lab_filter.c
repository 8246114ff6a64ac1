/* core/supervisor/lab_filter.c: tcpdump expressions with the lab's instance names in them. */
#include "core/supervisor/lab_filter.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "core/capture/capture.h"
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

char *lab_filter_expand(struct supervisor *sup, const char *expr)
{
	return filter_expand_names(expr, lab_name_macs, sup);
}

int lab_filter_compile(struct supervisor *sup, const char *expr, struct bpf_program *prog,
    char **cause)
{
	char *expanded = lab_filter_expand(sup, expr);
	char *why = NULL;
	int rc = capture_filter_compile(expanded, prog, &why);
	free(expanded);
	if (rc != 0) {
		/* libpcap's words, about the expression as the user wrote it. */
		const char *msg = why;
		const char *colon = strstr(why, "\": ");
		if (colon != NULL)
			msg = colon + 3;
		set_cause(cause, "filter \"%s\": %s", expr, msg);
		free(why);
	}
	return rc;
}
