# A routed lab: two switches, a router with forward: true; the end hosts ping each other.
. "$REPO/tests/e2e/lib.sh"
expect_exit 0 "up routed" -- umllab up "$REPO/labs/routed.yaml"
lab=$(umllab status --json | python3 -c "import sys,json; print(json.load(sys.stdin)[0]['lab'])")
hosts=$(umllab status "$lab" --json | python3 -c "
import sys, json
s = json.load(sys.stdin)
print(' '.join(i['name'] for i in s['instances'] if len(i['interfaces']) == 1))")
set -- $hosts
[ $# -ge 2 ] && ok "end hosts: $*" || fail "expected two end hosts, got: $hosts"
expect_exit 0 "ping $1 -> $2 across the router" -- umllab ping "$1" "$2" -c 2
expect_exit 0 "ping $2 -> $1 across the router" -- umllab ping "$2" "$1" -c 1
expect_exit 0 "traceroute goes through the router" -- umllab exec "$1" -- traceroute -n -w 1 -q 1 -m 3 "$(umllab status "$lab" --json | python3 -c "
import sys, json
s = json.load(sys.stdin)
print([i for i in s['instances'] if i['name'] == '$2'][0]['interfaces'][0]['ip'].split('/')[0])")"
[ "$(grep -cE '^ *[0-9]+ ' "$T/last")" -eq 2 ] && ok "two hops" || { fail "expected two hops"; cat "$T/last"; }
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down "$lab"
finish
