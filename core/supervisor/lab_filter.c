/* core/supervisor/lab_filter.c: tcpdump expressions with the lab's instance names in them. */
#include "core/supervisor/lab_filter.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "core/capture/filter.h"
#include "core/lab/filter_names.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"

/* The instance of "umlA" or "umlA.eth1", and the interface name after the dot, or NULL. */
static struct instance *lab_name_instance(struct supervisor *sup, const char *name, const char **dot)
{
	*dot = strchr(name, '.');
	char inst_name[64];
	size_t len = *dot != NULL ? (size_t)(*dot - name) : strlen(name);
	if (len >= sizeof(inst_name))
		return NULL;
	memcpy(inst_name, name, len);
	inst_name[len] = '\0';
	return supervisor_instance(sup, inst_name);
}

/* "umlA": every interface's MAC; "umlA.eth1": that one's. */
static size_t lab_name_macs(void *arg, const char *name, uint8_t macs[FILTER_NAME_MACS_MAX][6])
{
	struct supervisor *sup = arg;
	const char *dot;
	struct instance *inst = lab_name_instance(sup, name, &dot);
	if (inst == NULL)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < inst->n_ifaces && n < FILTER_NAME_MACS_MAX; i++)
		if (dot == NULL || strcmp(inst->ifaces[i].cfg.name, dot + 1) == 0)
			memcpy(macs[n++], inst->ifaces[i].cfg.mac, 6);
	return n;
}

/* The addresses of "umlA" or "umlA.eth1" by the topology: its `ip:`, what SLAAC gives it,
 * and its link-local ones when its guest runs IPv6. */
static size_t lab_name_addrs(void *arg, const char *name, int family,
    char addrs[FILTER_NAME_ADDRS_MAX][FILTER_ADDR_TEXT_MAX])
{
	struct supervisor *sup = arg;
	const char *dot;
	struct instance *inst = lab_name_instance(sup, name, &dot);
	if (inst == NULL)
		return 0;
	size_t n = 0;
	bool v6 = family != AF_INET && lab_instance_ipv6(sup->lab, inst->cfg);
	for (size_t i = 0; i < inst->n_ifaces; i++) {
		const struct lab_iface *f = &inst->ifaces[i].cfg;
		if (dot != NULL && strcmp(f->name, dot + 1) != 0)
			continue;
		struct lab_addr a[LAB_IFACE_ADDRS_MAX * 2 + 1];
		size_t k = 0;
		for (unsigned j = 0; j < f->n_addrs; j++)
			a[k++] = f->addrs[j];
		if (v6)
			k += lab_iface_slaac(sup->lab, inst->cfg, f, a + k, LAB_IFACE_ADDRS_MAX);
		if (v6)
			lab_iface_link_local(f, &a[k++]);
		for (size_t j = 0; j < k && n < FILTER_NAME_ADDRS_MAX; j++) {
			bool dup = false;
			char text[LAB_ADDR_TEXT_MAX];
			lab_addr_format(&a[j], false, text);
			for (size_t m = 0; m < n && !dup; m++)
				dup = strcmp(addrs[m], text) == 0;
			if (!dup && (family == 0 || a[j].family == family))
				str_copy(addrs[n++], FILTER_ADDR_TEXT_MAX, text);
		}
	}
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
	return filter_expand_names(expr, lab_name_macs, lab_name_addrs, sup);
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
