/* core/lab/filter_names.h: instance names in tcpdump expressions.
 *
 * `ether src umlA` means every MAC address umlA has; `ether host
 * umlA.eth1` one interface's. libpcap knows no such names (it would look
 * them up in /etc/ethers), so they are replaced by the addresses before the
 * expression is compiled. Pure: the caller says which names exist. */
#ifndef UMLLAB_FILTER_NAMES_H
#define UMLLAB_FILTER_NAMES_H

#include <stddef.h>
#include <stdint.h>

#define FILTER_NAME_MACS_MAX 16

/* The MACs of name ("umlA" or "umlA.eth1"); how many (0: not a name). */
typedef size_t (*filter_name_lookup)(void *arg, const char *name,
    uint8_t macs[FILTER_NAME_MACS_MAX][6]);

/* expr with every name after `ether`, `ether src`, `ether dst` or `ether
 * host` replaced: "ether src umlA" becomes "(ether src 02:..:01 or ether src
 * 02:..:02)" when umlA has two interfaces. Anything else is left as it is.
 * The caller frees the result. */
char *filter_expand_names(const char *expr, filter_name_lookup lookup, void *arg);

#endif
