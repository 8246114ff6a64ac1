/* core/cluster/up_slurm.h: `umllab up --slurm FILE` inside a Slurm allocation: one
 * part of the lab per task (core/lab/lab_split.c), each part an
 * `up --foreground` that srun starts on its node, the parts' switches
 * joined by VXLAN trunks between the nodes' addresses. */
#ifndef UMLLAB_UP_SLURM_H
#define UMLLAB_UP_SLURM_H

#include "core/lab/topology.h"

/* Replace this process with `srun --ntasks=N ... umllab up --slurm-part
 * FILE` (N: the allocation's tasks, else its nodes), after noting that
 * lab `name` runs there (core/cluster/slurm_lab.h: `status`, `exec`, `ping` and
 * `down` of the whole lab from here). Returns only on failure: -1 with *cause (not in an allocation, srun missing). */
int up_slurm_exec(const char *self, const char *file, const char *name, char **cause);

/* In an srun task: make lab the part this task runs (a one-task step runs
 * the whole lab), saying so on stdout. -1 with *cause. */
int up_slurm_part(struct lab *lab, char **cause);

#endif
