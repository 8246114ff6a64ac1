/* tests/e2e/labs/hang.c: a guest program that hangs its kernel for t_watchdog (a real hang, not SIGSTOP).
 *
 * It makes itself SCHED_FIFO 99 and spins. With the guest's RT throttling
 * off (sched_rt_runtime_us = -1, set by the test), nothing else in the
 * guest ever runs again, the mconsole's work queue included: the kernel
 * takes the host's CPU and never answers. No libc (a static binary of a
 * few hundred bytes, written into the guest through `umllab exec`):
 *   cc -Os -static -nostdlib -fno-stack-protector -fno-asynchronous-unwind-tables \
 *      -Wl,--build-id=none -Wl,-N -Wl,--no-warn-rwx-segments -s -o hang hang.c
 * x86-64 only, like Debian's linux.uml. */
struct sched_param_min {
	int priority;
};

static long syscall3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

void _start(void);

void _start(void)
{
	struct sched_param_min p = { 99 };
	if (syscall3(144, 0, 1, (long)&p) != 0)	/* sched_setscheduler(0, SCHED_FIFO, &p) */
		syscall3(60, 1, 0, 0);			/* exit(1) */
	for (;;)
		__asm__ volatile ("" ::: "memory");
}
