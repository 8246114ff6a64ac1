/* image/guest/kathara.h: `kathara setup` and `kathara run` in the guest, for Kathara lab
 * directories (the agent called as /usr/lib/umllab/kathara; see kathara.c). */
#ifndef UMLLAB_GUEST_KATHARA_H
#define UMLLAB_GUEST_KATHARA_H

int kathara_main(int argc, char **argv);

#endif
