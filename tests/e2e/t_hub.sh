# A hub lab: every frame reaches every port; three instances ping each other.
. "$REPO/tests/e2e/lib.sh"
expect_exit 0 "up hub" -- umllab up "$REPO/labs/hub.yaml"
lab=$(python3 -c "import sys,json; print(json.load(sys.stdin)['lab'])" < <(umllab status --json | python3 -c "import sys,json; print(json.dumps(json.load(sys.stdin)[0]))"))
expect_exit 0 "status shows hub mode" -- umllab status "$lab"
expect_output " hub +3 " "the switch is a hub with 3 ports"
names=$(umllab status "$lab" --json | python3 -c "import sys,json; print(' '.join(i['name'] for i in json.load(sys.stdin)['instances']))")
set -- $names
expect_exit 0 "ping $1 -> $2 through the hub" -- umllab ping "$1" "$2" -c 2
expect_exit 0 "ping $3 -> $1 through the hub" -- umllab ping "$3" "$1" -c 1
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down "$lab"
finish
