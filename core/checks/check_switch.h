/* core/checks/check_switch.h: the checks the switches decide alone, `vlan` and `stp`
 * (core/checks/check_switch.c); the runner (check_run.c) reports their verdicts. */
#ifndef UMLLAB_CHECK_SWITCH_H
#define UMLLAB_CHECK_SWITCH_H

#include <stdbool.h>

#include "core/checks/checks_spec.h"

struct supervisor;

/* Whether c holds in the running lab now; *expected and *seen (malloc'd)
 * say what it asked and what the switches have. */
bool check_vlan_judge(struct supervisor *sup, const struct check_spec *c, char **expected,
    char **seen);
bool check_stp_judge(struct supervisor *sup, const struct check_spec *c, char **expected,
    char **seen);

#endif
