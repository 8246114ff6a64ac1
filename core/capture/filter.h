/* core/capture/filter.h: tcpdump expressions compiled to BPF for Ethernet
 * frames (libpcap), within bounds.
 *
 * libpcap's compiler takes time that grows faster than the expression:
 * 600 `port N or` terms took 37 s, 2000 never ended. An expression a user
 * wrote (a capture, a link condition's match or drop, a check's frames) is
 * therefore at most FILTER_EXPR_MAX bytes, and is compiled in a child
 * process that is killed after FILTER_COMPILE_MS: the supervisor's loop
 * either waits for it (filter_compile) or goes on serving the lab
 * (filter_compile_start). Expressions umllab writes itself are short and
 * compiled in place (filter_compile_trusted). */
#ifndef UMLLAB_FILTER_H
#define UMLLAB_FILTER_H

#include <ev.h>
#include <stddef.h>

struct bpf_program;

#define FILTER_EXPR_MAX 4096		/* bytes, as written */
#define FILTER_EXPANDED_MAX 16384	/* bytes, instance names replaced by MACs */
#define FILTER_COMPILE_MS 2000
#define FILTER_JOB_MAX 4		/* expressions in one filter_compile_start */

/* Compile expr (bounded as above); -1 with *cause (libpcap's message, or
 * the bound it broke). Free prog with pcap_freecode(). The calling thread
 * waits for the child, at most FILTER_COMPILE_MS. */
int filter_compile(const char *expr, struct bpf_program *prog, char **cause);

/* In this process, unbounded: only for expressions umllab wrote. */
int filter_compile_trusted(const char *expr, struct bpf_program *prog, char **cause);

/* Compile n expressions (n <= FILTER_JOB_MAX) in a child while the loop
 * runs; done is called once from the loop: with progs (n programs the
 * callee takes over and frees with pcap_freecode) and why NULL, or with
 * progs NULL, why, and the index of the expression it is about. NULL with *cause when the child cannot be started or
 * an expression is too long (done is then never called). */
struct filter_job;
typedef void (*filter_done_fn)(void *arg, struct bpf_program *progs, size_t failed,
    const char *why);
struct filter_job *filter_compile_start(struct ev_loop *loop, const char *const *exprs, size_t n,
    filter_done_fn done, void *arg, char **cause);

/* Kill the child and forget the job; done is not called. */
void filter_compile_cancel(struct filter_job *job);

#endif
