/* tests/fuzz/fuzz_checks_spec.c: libFuzzer harness for the checks loader (checks_load_string), as a spec and as a topology. */
#include <string.h>

#include "core/checks/checks_spec.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_FILE "fuzz.yaml"
#define FUZZ_TEXT_MAX (1024 * 1024)

/* A list the loader accepted must hold together: the supervisor runs it as it is. */
static void check_list(const struct check_list *l)
{
	unsigned total = 0;
	FUZZ_CHECK(l->n <= CHECKS_MAX);
	for (size_t i = 0; i < l->n; i++) {
		const struct check_spec *c = &l->v[i];
		FUZZ_CHECK(c->name != NULL);
		FUZZ_CHECK((unsigned)c->kind <= CHECK_STP);
		total += c->points;
		switch (c->kind) {
		case CHECK_REACH:
		case CHECK_NO_REACH:
		case CHECK_PATH:
			FUZZ_CHECK(c->on[0] != '\0' && c->to[0] != '\0');
			FUZZ_CHECK(c->count >= 1 && c->count <= CHECK_COUNT_MAX);
			FUZZ_CHECK(c->n_via <= CHECK_VIA_MAX);
			break;
		case CHECK_IFACE:
			FUZZ_CHECK(c->on[0] != '\0' && strncmp(c->dev, "eth", 3) == 0);
			break;
		case CHECK_ROUTE:
		case CHECK_FORWARDING:
			FUZZ_CHECK(c->on[0] != '\0');
			break;
		case CHECK_COMMAND:
			FUZZ_CHECK(c->on[0] != '\0' && c->run != NULL);
			break;
		case CHECK_FRAMES:
			FUZZ_CHECK(c->sw[0] != '\0' && c->min >= 1);
			FUZZ_CHECK(c->within_s >= 1 && c->within_s <= CHECK_WITHIN_MAX);
			break;
		case CHECK_VLAN:
			FUZZ_CHECK(c->sw_port[0] != '\0' && c->untagged <= 4094);
			break;
		case CHECK_STP:
			FUZZ_CHECK(c->sw[0] != '\0' && c->root >= -1 && c->root <= 1);
			break;
		}
	}
	FUZZ_CHECK(total == l->max_points);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_TEXT_MAX)
		return 0;
	for (int topology = 0; topology < 2; topology++) {
		struct lab_diag diag = { 0 };
		struct check_list *l = checks_load_string((const char *)data, size, FUZZ_FILE,
		    topology, &diag);
		if (l != NULL)
			check_list(l);
		else
			FUZZ_CHECK(diag.n > 0);	/* a refused spec always says why */
		for (size_t i = 0; i < diag.n; i++)
			FUZZ_CHECK(strncmp(diag.msgs[i], FUZZ_FILE ":", strlen(FUZZ_FILE ":")) == 0);
		checks_free(l);
		lab_diag_free(&diag);
	}
	return 0;
}
