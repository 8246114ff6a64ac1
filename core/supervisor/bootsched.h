/* core/supervisor/bootsched.h: how many kernels boot at once while `up` brings a lab up.
 *
 * Booting every kernel at once does not scale: each touches fresh memory
 * (slow the first time on many machines) and they share the cores, so with
 * 40 of them every boot progresses at a fortieth of its speed and none
 * finishes within the boot limit. Booting a few at a time keeps each boot
 * short and the total linear in the number of instances.
 *
 * The limit starts from the machine (cores, available memory) and follows
 * the boots: a quick boot raises it by one, a boot that came near the boot
 * time limit halves it (additive increase, multiplicative decrease). A boot
 * that is only slow holds it: the machine may be busy with other work, and
 * booting one at a time would not make each boot faster, only the whole
 * lab slower.
 * Pure: the supervisor feeds it the machine and the boot times. */
#ifndef UMLLAB_BOOTSCHED_H
#define UMLLAB_BOOTSCHED_H

#include <stdbool.h>
#include <stdint.h>

#define BOOTSCHED_QUICK_S 3.0	/* a boot this fast: the machine has room for one more */
#define BOOTSCHED_SLOW_S 20.0	/* a boot this slow (a third of the boot limit): too many at once */
#define BOOTSCHED_OVERHEAD (48ULL << 20)	/* host memory a booting kernel needs beyond its guest's */
#define BOOTSCHED_RESERVE (256ULL << 20)	/* left to the host when the next boot starts */

struct bootsched {
	unsigned limit;		/* boots at once now */
	unsigned max;		/* never more (cores and memory) */
	unsigned total, booting, booted;
};

/* cores: online CPUs; mem_available: the host's MemAvailable (0: unknown);
 * mem_per_instance: the guests' memory (their `mem:`). */
void bootsched_init(struct bootsched *s, unsigned total, unsigned cores, uint64_t mem_available,
    uint64_t mem_per_instance);

/* How many more may start now. */
unsigned bootsched_room(const struct bootsched *s);

/* One boot started; one finished (ok) after secs, or ended otherwise. */
void bootsched_started(struct bootsched *s);
void bootsched_finished(struct bootsched *s, bool ok, double secs);

/* Instances not started yet. */
unsigned bootsched_waiting(const struct bootsched *s);

/* May another kernel start with mem_available left on the host (0:
 * unknown)? A boot may touch all of its guest's memory; a lab of 1000
 * fills a host gradually, and the last boots must not push it into the
 * OOM killer (issue 27). */
bool bootsched_memory_ok(uint64_t mem_available, uint64_t mem_per_instance);

#endif
