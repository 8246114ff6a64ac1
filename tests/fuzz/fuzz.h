/* tests/fuzz/fuzz.h: what every libFuzzer harness shares: the entry point's prototype and an invariant check. */
#ifndef UMLLAB_FUZZ_H
#define UMLLAB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* libFuzzer calls this once per input; the prototype keeps -Wmissing-prototypes quiet. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a finding: abort so libFuzzer saves the input. */
#define FUZZ_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
			    #cond);                                                   \
			abort();                                                      \
		}                                                                     \
	} while (0)

#endif
