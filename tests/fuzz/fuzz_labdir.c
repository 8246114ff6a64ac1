/* tests/fuzz/fuzz_labdir.c: libFuzzer harness for Kathara lab directories (core/lab/labdir*.c):
 * the input is lab.conf, and after a line "--- lab.dep" the lab.dep, written to a directory
 * of its own; the lab read from it must hold together as a YAML one does. */
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "core/lab/labdir.h"
#include "core/lab/topology.h"
#include "tests/fuzz/fuzz.h"

#define SPLIT "\n--- lab.dep\n"

static char dir[] = "/tmp/fuzz_labdir.XXXXXX";

static void put(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool made;
	if (!made && mkdtemp(dir) == NULL)
		abort();
	made = true;
	const uint8_t *split = size >= strlen(SPLIT) ?
	    memmem(data, size, SPLIT, strlen(SPLIT)) : NULL;
	size_t conf = split != NULL ? (size_t)(split - data) : size;
	put("lab.conf", data, conf);
	if (split != NULL)
		put("lab.dep", split + strlen(SPLIT), size - conf - strlen(SPLIT));
	else {
		char path[128];
		snprintf(path, sizeof(path), "%s/lab.dep", dir);
		unlink(path);
	}
	struct lab_diag diag = { 0 };
	struct lab *lab = labdir_load(dir, NULL, &diag);
	if (lab != NULL) {
		FUZZ_CHECK(lab->from_dir && lab_name_valid(lab->name));
		for (size_t i = 0; i < lab->n_instances; i++) {
			const struct lab_instance *in = &lab->instances[i];
			FUZZ_CHECK(lab_name_valid(in->name));
			FUZZ_CHECK(in->image < lab->n_images);
			FUZZ_CHECK(in->share.dir != NULL && strcmp(in->share.dir, lab->path) == 0);
			for (size_t k = 0; k < in->n_after; k++)
				FUZZ_CHECK(in->after[k] < lab->n_instances && in->after[k] != i);
			for (size_t k = 0; k < in->n_ifaces; k++)
				FUZZ_CHECK(in->ifaces[k].sw < lab->n_switches && in->ifaces[k].index < LAB_IFACE_MAX);
		}
	}
	for (size_t i = 0; i < diag.n; i++)
		FUZZ_CHECK(strncmp(diag.msgs[i], dir, strlen(dir)) == 0);	/* every message says where */
	lab_free(lab);
	lab_diag_free(&diag);
	return 0;
}
