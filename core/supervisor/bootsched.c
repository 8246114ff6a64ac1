/* core/supervisor/bootsched.c: bounded, adaptive boot concurrency for `up`. */
#include "core/supervisor/bootsched.h"

void bootsched_init(struct bootsched *s, unsigned total, unsigned cores, uint64_t mem_available,
    uint64_t mem_per_instance)
{
	if (cores == 0)
		cores = 1;
	s->total = total;
	s->booting = s->booted = 0;
	s->max = 4 * cores;
	if (mem_available > 0) {
		uint64_t fit = mem_available / (mem_per_instance + BOOTSCHED_OVERHEAD);
		if (fit < s->max)
			s->max = fit > 0 ? (unsigned)fit : 1;
	}
	s->limit = 2 * cores < s->max ? 2 * cores : s->max;
}

unsigned bootsched_waiting(const struct bootsched *s)
{
	return s->total - s->booting - s->booted;
}

unsigned bootsched_room(const struct bootsched *s)
{
	unsigned free_slots = s->booting < s->limit ? s->limit - s->booting : 0;
	unsigned waiting = bootsched_waiting(s);
	return free_slots < waiting ? free_slots : waiting;
}

void bootsched_started(struct bootsched *s)
{
	s->booting++;
}

void bootsched_finished(struct bootsched *s, bool ok, double secs)
{
	if (s->booting > 0)
		s->booting--;
	s->booted++;
	if (!ok)
		return;
	if (secs >= BOOTSCHED_SLOW_S && s->limit > 1)
		s->limit /= 2;
	else if (secs <= BOOTSCHED_QUICK_S && s->limit < s->max)
		s->limit++;
}

bool bootsched_memory_ok(uint64_t mem_available, uint64_t mem_per_instance)
{
	return mem_available == 0 ||
	    mem_available >= mem_per_instance + BOOTSCHED_OVERHEAD + BOOTSCHED_RESERVE;
}
