/* core/supervisor/recorded.h: the captures a lab file asks for, recorded while the lab runs. */
#ifndef UMLLAB_SUPERVISOR_RECORDED_H
#define UMLLAB_SUPERVISOR_RECORDED_H

#include "core/supervisor/supervisor.h"

/* Start the topology's `capture:` keys, recording from the first frame; -1 with *cause
 * naming where in the lab file a capture was asked for. */
int supervisor_captures_start(struct supervisor *sup, char **cause);

/* Cable `cable` was plugged into switch sw_index: the recorded captures of it follow it. */
void supervisor_captures_cable_moved(struct supervisor *sup, const char *cable, size_t sw_index);

/* Write what the recorded captures still hold, close their files, and log their counts. */
void supervisor_captures_stop(struct supervisor *sup);

#endif
