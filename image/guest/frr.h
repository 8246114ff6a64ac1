/* image/guest/frr.h: FRR's init script in C (the agent called as /etc/init.d/frr; see frr.c). */
#ifndef UMLLAB_GUEST_FRR_H
#define UMLLAB_GUEST_FRR_H

int frr_main(int argc, char **argv);

#endif
