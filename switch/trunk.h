/* switch/trunk.h: one VXLAN trunk's socket, its checks on what arrives, and its
 * counters. Private to switch/: cable.c makes a trunk one port of a switch
 * (switch_trunk_open in switch/switch.h is the interface). */
#ifndef UMLLAB_TRUNK_H
#define UMLLAB_TRUNK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "switch/vxlan.h"

struct trunk {
	char *name;			/* "S1.trunk0": what taps and status show */
	struct vxlan_addr listen, remote;
	uint32_t vni;
	unsigned char hdr[VXLAN_HDR_LEN];	/* the header of every frame it sends */
	int fd;				/* UDP, nonblocking, bound to listen */
	/* Written by the switch thread only, read by anyone (relaxed). */
	_Atomic uint64_t frames_in;	/* frames taken from the remote and switched */
	_Atomic uint64_t frames_out;	/* frames sent to the remote */
	_Atomic uint64_t dropped_in;	/* datagrams refused: another sender, another VNI, no header, bad size */
	_Atomic uint64_t dropped_out;	/* frames the socket did not take */
};

/* A UDP socket bound to listen, for frames of vni to and from remote. NULL
 * with *cause (naming the trunk and the address, saying what to do) when the
 * socket cannot be made or bound. */
struct trunk *trunk_open(const char *name, const struct vxlan_addr *listen,
    const struct vxlan_addr *remote, uint32_t vni, char **cause);

/* Close the socket (the switch took it out of its epoll set first) and free t. */
void trunk_free(struct trunk *t);

/* A datagram that arrived from `from`: true when it is a frame of this trunk
 * (from its remote, with its VNI); the frame follows the VXLAN_HDR_LEN header. */
bool trunk_accept(const struct trunk *t, const struct sockaddr *from, socklen_t fromlen,
    const unsigned char *dgram, size_t len);

/* 0 when addr is an address of one of this host's interfaces (getifaddrs;
 * in a network namespace, of that namespace), else -1 with *cause saying which
 * addresses the host has. */
int trunk_addr_is_local(const struct vxlan_addr *addr, char **cause);

#endif
