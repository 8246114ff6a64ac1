/* tests/fuzz/fuzz_topology.c: libFuzzer harness for the topology loader (lab_load_string) and the lab it builds. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "core/lab/topology.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_FILE "fuzz.yaml"
#define FUZZ_TEXT_MAX (1024 * 1024)	/* lab_load refuses larger files before parsing */

/* A lab the loader accepted must hold together: the supervisor trusts it without checking again. */
static void check_lab(const struct lab *lab)
{
	FUZZ_CHECK(lab->path != NULL);
	FUZZ_CHECK(lab_name_valid(lab->name));
	FUZZ_CHECK(lab->n_images >= 1 && strcmp(lab->images[0].name, LAB_IMAGE_BUILTIN) == 0);
	FUZZ_CHECK(lab->share.dir == NULL || lab->share.dir[0] == '/');

	for (size_t i = 0; i < lab->n_switches; i++) {
		const struct lab_switch *sw = &lab->switches[i];
		FUZZ_CHECK(lab_name_valid(sw->name));
		FUZZ_CHECK(lab_switch_find(lab, sw->name) == sw);	/* names are unique */
		FUZZ_CHECK(sw->mode == LAB_SWITCH_LEARNING || sw->mode == LAB_SWITCH_HUB);
		FUZZ_CHECK(sw->n_trunks <= LAB_TRUNKS_MAX && (sw->n_trunks == 0 || sw->trunks != NULL));
		for (size_t k = 0; k < sw->n_trunks; k++) {
			/* What switch_trunk_open gets without another check. */
			const struct lab_trunk *t = &sw->trunks[k];
			FUZZ_CHECK(t->vni <= VXLAN_VNI_MAX);
			FUZZ_CHECK(t->listen.len != 0 && t->listen.ss.ss_family == t->remote.ss.ss_family);
			FUZZ_CHECK(vxlan_addr_special(&t->listen) == NULL);
			FUZZ_CHECK(vxlan_addr_special(&t->remote) == NULL);
			FUZZ_CHECK(t->listen_line > 0);
		}
	}
	for (size_t i = 0; i < lab->n_images; i++) {
		const struct lab_image *im = &lab->images[i];
		FUZZ_CHECK(lab_name_valid(im->name));
		FUZZ_CHECK(lab_image_find(lab, im->name) == im);
		FUZZ_CHECK(im->n_packages == 0 || im->packages != NULL);
		for (size_t j = 0; j < im->n_packages; j++)
			FUZZ_CHECK(im->packages[j] != NULL);
		switch (im->kind) {
		case LAB_IMAGE_BUSYBOX:
			break;
		case LAB_IMAGE_DEBIAN:
			FUZZ_CHECK(im->release != NULL);
			break;
		case LAB_IMAGE_URL:
			FUZZ_CHECK(im->url != NULL && strlen(im->sha256) == 64);
			break;
		case LAB_IMAGE_FILE:
			FUZZ_CHECK(im->file != NULL && im->file[0] == '/');
			break;
		default:
			FUZZ_CHECK(!"unknown image kind");
		}
	}

	const struct lab_iface *seen[LAB_IFACE_MAX * 64];
	size_t n_seen = 0;
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct lab_instance *in = &lab->instances[i];
		FUZZ_CHECK(lab_name_valid(in->name));
		FUZZ_CHECK(lab_instance_find(lab, in->name) == in);
		FUZZ_CHECK(in->mem_bytes >= (16ULL << 20) && in->mem_bytes <= (4ULL << 30));
		FUZZ_CHECK(in->image < lab->n_images && lab->images[in->image].used);
		FUZZ_CHECK(in->share.dir == NULL || in->share.dir[0] == '/');
		FUZZ_CHECK(in->restart == LAB_RESTART_ON_FAILURE || in->restart == LAB_RESTART_ALWAYS ||
		    in->restart == LAB_RESTART_NEVER);
		FUZZ_CHECK(in->n_ifaces <= LAB_IFACE_MAX);
		for (size_t j = 0; j < in->n_ifaces; j++) {
			const struct lab_iface *ifc = &in->ifaces[j];
			char name[sizeof(ifc->name)];
			FUZZ_CHECK(ifc->index < LAB_IFACE_MAX);
			FUZZ_CHECK(j == 0 || in->ifaces[j - 1].index < ifc->index);	/* sorted, once each */
			snprintf(name, sizeof(name), "eth%u", ifc->index);
			FUZZ_CHECK(strcmp(name, ifc->name) == 0);
			FUZZ_CHECK(ifc->sw < lab->n_switches);
			FUZZ_CHECK(ifc->n_addrs <= LAB_IFACE_ADDRS_MAX);
			for (unsigned k = 0; k < ifc->n_addrs; k++)
				FUZZ_CHECK((ifc->addrs[k].family == AF_INET && ifc->addrs[k].prefix <= 32) ||
				    (ifc->addrs[k].family == AF_INET6 && ifc->addrs[k].prefix <= 128));
			FUZZ_CHECK(!ifc->ra || lab_instance_ipv6(lab, in));
			FUZZ_CHECK((ifc->mac[0] & 1) == 0);	/* never a multicast MAC */
			if (!ifc->mac_given) {
				uint8_t mac[6];
				lab_default_mac(lab->name, in->name, ifc->name, mac);
				FUZZ_CHECK(memcmp(mac, ifc->mac, 6) == 0);
			}
			if (n_seen < sizeof(seen) / sizeof(seen[0]))
				seen[n_seen++] = ifc;
		}
		for (size_t j = 0; j < in->n_routes; j++) {
			const struct lab_route *rt = &in->routes[j];
			FUZZ_CHECK(rt->to.family == rt->via.family);
			FUZZ_CHECK(rt->to.prefix <= (rt->to.family == AF_INET ? 32u : 128u));
			if (rt->to.family == AF_INET && !rt->is_default && rt->to.prefix < 32) {
				uint32_t host = ntohl(rt->to.in4.s_addr) & (UINT32_MAX >> rt->to.prefix);
				FUZZ_CHECK(host == 0);
			}
			FUZZ_CHECK(!lab_addr_link_local(&rt->via) || rt->dev[0] != '\0');
		}
		FUZZ_CHECK(in->n_startup == 0 || in->startup != NULL);
		for (size_t j = 0; j < in->n_startup; j++)
			FUZZ_CHECK(in->startup[j] != NULL);
	}
	/* Every address and every MAC appears once in the lab. */
	for (size_t a = 0; a < n_seen; a++) {
		for (size_t b = a + 1; b < n_seen; b++) {
			FUZZ_CHECK(memcmp(seen[a]->mac, seen[b]->mac, 6) != 0);
			for (unsigned i = 0; i < seen[a]->n_addrs; i++)
				for (unsigned j = 0; j < seen[b]->n_addrs; j++)
					FUZZ_CHECK(!lab_addr_equal(&seen[a]->addrs[i], &seen[b]->addrs[j]) ||
					    (lab_addr_link_local(&seen[a]->addrs[i]) && seen[a]->sw != seen[b]->sw));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_diag diag = { 0 };

	if (size > FUZZ_TEXT_MAX)
		return 0;	/* lab_load would not even parse it */
	struct lab *lab = lab_load_string((const char *)data, size, FUZZ_FILE, &diag);
	if (lab != NULL) {
		check_lab(lab);
	} else {
		/* A refused file always says why, as FILE:LINE:COLUMN: or FILE: messages. */
		FUZZ_CHECK(diag.n > 0);
	}
	for (size_t i = 0; i < diag.n; i++)
		FUZZ_CHECK(strncmp(diag.msgs[i], FUZZ_FILE ":", strlen(FUZZ_FILE ":")) == 0);
	lab_free(lab);
	lab_diag_free(&diag);
	return 0;
}
