/* core/supervisor/lab_filter.h: tcpdump expressions about a running lab: instance names
 * (`ether src umlA`) replaced by their MACs, then compiled by libpcap within
 * the bounds of core/capture/filter.h. Used by captures and by link
 * conditions' match/drop rules. */
#ifndef UMLLAB_LAB_FILTER_H
#define UMLLAB_LAB_FILTER_H

struct supervisor;
struct bpf_program;

/* expr with the lab's instance names after `ether [src|dst|host]` replaced
 * by their interfaces' MACs (as wired now); the caller frees it. NULL with
 * *cause when expr is longer than FILTER_EXPR_MAX. */
char *lab_filter_expand(struct supervisor *sup, const char *expr, char **cause);

/* Expand and compile for Ethernet frames, waiting for the compiler (at most
 * FILTER_COMPILE_MS); -1 with *cause (libpcap's message, naming the
 * expression as the user wrote it). */
int lab_filter_compile(struct supervisor *sup, const char *expr, struct bpf_program *prog,
    char **cause);

/* A compiler's *cause about the expanded expression, said of expr as the
 * user wrote it (malloc'd). */
char *lab_filter_reword(const char *expr, const char *why);

#endif
