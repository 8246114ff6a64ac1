/* core/supervisor/link_conditions.h: link conditions (delay, loss, rate, planted drops,
 * ...) on a running lab's cables: the topology's `link:` at `up`, and
 * `umllab link A ethN set|clear` later. The switch applies them
 * (switch_cable_set_conditions); this puts instance names in match
 * expressions into MACs, compiles them, and describes what is set. */
#ifndef UMLLAB_LINK_CONDITIONS_H
#define UMLLAB_LINK_CONDITIONS_H

#include <stddef.h>

#include "switch/linkcond.h"

struct supervisor;
struct lab_iface;
struct bpf_program;

/* Replace the conditions of the cable of instance inst's interface f with
 * p. -1 with *cause (a match expression libpcap refuses, say). */
int link_conditions_apply(struct supervisor *sup, const char *inst, const struct lab_iface *f,
    const struct linkcond_pair *p, char **cause);

/* The same in two steps, for a caller that compiles while the loop runs
 * (filter_compile_start): the match expressions of p, instance names put
 * in (*n of them, exprs[k] for direction dirs[k], 0 in and 1 out; the
 * caller frees them), -1 with *cause when one is too long; then set p
 * with the compiled programs (NULL for a direction without one). */
int link_conditions_filters(struct supervisor *sup, const struct linkcond_pair *p,
    char *exprs[2], int dirs[2], size_t *n, char **cause);
int link_conditions_set(struct supervisor *sup, const char *inst, const struct lab_iface *f,
    const struct linkcond_pair *p, const struct bpf_program *in, const struct bpf_program *out,
    char **cause);

/* What is set on that cable and what its queues did, as lines for
 * `umllab link A ethN`; NULL with *cause. */
char *link_conditions_describe(struct supervisor *sup, const char *inst,
    const struct lab_iface *f, char **cause);

/* The same for the cable between switches a and b (indexes), seen from a:
 * `out` is what a sends to b, `in` what a gets from b. It is one set of
 * conditions, whichever switch names it first. -1 with *cause when the two
 * are not cabled together. */
int link_conditions_set_switches(struct supervisor *sup, size_t a, size_t b,
    const struct linkcond_pair *p, const struct bpf_program *in, const struct bpf_program *out,
    char **cause);
int link_conditions_get_switches(struct supervisor *sup, size_t a, size_t b,
    struct linkcond_pair *p, struct linkcond_stats st[2], char **cause);
char *link_conditions_describe_switches(struct supervisor *sup, size_t a, size_t b,
    char **cause);

#endif
