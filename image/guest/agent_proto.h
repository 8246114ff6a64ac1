/* image/guest/agent_proto.h: the words the host and the guest agent exchange.
 *
 * There is no mconsole command that runs a program in the guest, so umllab
 * builds one out of two mconsole features:
 *   host -> guest: mconsole `log TEXT` puts TEXT in the guest's kernel log;
 *                  the agent reads /dev/kmsg and picks out its own records.
 *   guest -> host: whatever the agent writes to /proc/mconsole (at most 512
 *                  bytes a write) reaches the host's notify socket as one
 *                  MCONSOLE_USER_NOTIFY datagram.
 *
 * host -> guest, one `log` request per chunk of the command:
 *     "umllab:x ID SEQ FLAG B64\n"
 *   (the newline matters: without it the record stays invisible in
 *   /dev/kmsg until the kernel logs something else)
 *   ID   decimal request id chosen by the host (unique per boot of the guest)
 *   SEQ  decimal chunk number from 0
 *   FLAG 'm' (more chunks follow) or 'e' (last chunk)
 *   B64  base64 of this chunk of the command; the agent concatenates the
 *        decoded chunks and runs `/bin/sh -c COMMAND` with stdin /dev/null.
 *
 * host -> guest, to stop a running request (its client went away):
 *     "umllab:k ID\n"   the agent kills the command's process group
 *
 * host -> guest, a cable pulled out or put back (`umllab link A ethN down|up`):
 *     "umllab:l IFACE down|up\n"   the agent sets the interface's operational state
 *   (dormant, or up again: UML's vector driver has no carrier of its own to drop)
 *
 * guest -> host, each one write to /proc/mconsole:
 *     "umllab:ready VERSION"      the agent runs; the guest's network is configured
 *     "umllab:fail TEXT"          the guest's init could not configure itself
 *     "umllab:o ID\n" + BYTES     output (stdout and stderr merged) of request ID
 *     "umllab:n SEQ PART FLAG ITEMS"  the guest's links, addresses and routes, one
 *                                 snapshot in parts, sent at each change (the format:
 *                                 image/guest/netwatch.c), before "umllab:ready", and
 *                                 before the "umllab:e" of a command that changed them
 *     "umllab:e ID STATUS"        request ID finished; STATUS is the exit code,
 *                                 or 128+N when killed by signal N, or
 *                                 AGENT_STATUS_REJECTED when the agent did not
 *                                 run it (the output says why: malformed, a
 *                                 chunk lost, too long, too many running)
 */
#ifndef UMLLAB_AGENT_PROTO_H
#define UMLLAB_AGENT_PROTO_H

#define AGENT_PROTO_VERSION 1
#define AGENT_REQ_TAG "umllab:x "
#define AGENT_READY_TAG "umllab:ready "
#define AGENT_FAIL_TAG "umllab:fail "
#define AGENT_OUT_TAG "umllab:o "
#define AGENT_END_TAG "umllab:e "
#define AGENT_KILL_TAG "umllab:k "	/* host -> guest: "umllab:k ID\n" kills request ID */
#define AGENT_LINK_TAG "umllab:l "	/* host -> guest: "umllab:l IFACE down|up\n" */
#define AGENT_NET_TAG "umllab:n "	/* guest -> host: a part of a network snapshot */
#define AGENT_NOTIFY_MAX 512	/* bytes per write to /proc/mconsole */
#define AGENT_CMD_MAX 65536	/* longest command the agent accepts */
#define AGENT_STATUS_REJECTED 125	/* "umllab:e" status of a request not run */

#endif
