/* core/lab/filter_names.h: instance names in tcpdump expressions.
 *
 * `ether src umlA` means every MAC address umlA has; `ether host
 * umlA.eth1` one interface's; `ip6 host umlA` every IPv6 address it has,
 * `host umlA` every address of either family. libpcap knows no such names
 * (it would look them up in /etc/ethers or the DNS), so they are replaced by
 * the addresses before the expression is compiled. Pure: the caller says
 * which names exist and what they have. */
#ifndef UMLLAB_FILTER_NAMES_H
#define UMLLAB_FILTER_NAMES_H

#include <stddef.h>
#include <stdint.h>

#define FILTER_NAME_MACS_MAX 16
#define FILTER_NAME_ADDRS_MAX 64
#define FILTER_ADDR_TEXT_MAX 46	/* an address as text (INET6_ADDRSTRLEN) */

/* The MACs of name ("umlA" or "umlA.eth1"); how many (0: not a name). */
typedef size_t (*filter_name_lookup)(void *arg, const char *name,
    uint8_t macs[FILTER_NAME_MACS_MAX][6]);

/* The IP addresses of name of a family (AF_INET, AF_INET6, or 0 for both), as text;
 * how many (0: not a name, or none of that family). */
typedef size_t (*filter_addr_lookup)(void *arg, const char *name, int family,
    char addrs[FILTER_NAME_ADDRS_MAX][FILTER_ADDR_TEXT_MAX]);

/* expr with every name after `ether`, `ether src`, `ether dst` or `ether
 * host` replaced: "ether src umlA" becomes "(ether src 02:..:01 or ether src
 * 02:..:02)" when umlA has two interfaces. With addrs (may be NULL), also
 * every name after `host`, `src`, `dst` or `src host`, `dst host`, each
 * optionally after `ip` or `ip6` (which then picks the family): "ip6 host
 * umlA" becomes "(ip6 host 2001:db8::1 or ip6 host fe80::...)". Anything else
 * is left as it is. The caller frees the result. */
char *filter_expand_names(const char *expr, filter_name_lookup lookup, filter_addr_lookup addrs,
    void *arg);

#endif
