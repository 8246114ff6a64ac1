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

# A second lab with another name runs alongside.
expect_exit 0 "up fig1 while $lab runs" -- umllab up "$REPO/labs/fig1.yaml"
expect_exit 0 "status of every lab" -- umllab status
expect_output "lab fig1 " "status lists fig1"
expect_output "lab $lab " "status lists $lab"
expect_exit 2 "ping without a lab when two run" -- umllab ping umlA umlB
expect_output "2 labs are running" "the error lists the running labs"
expect_output "--lab " "the error says how to name one"
expect_exit 2 "down of a lab that does not exist while fig1 runs" -- umllab down fig
expect_output "did you mean fig1\?" "down suggests fig1"
expect_exit 0 "fig1 still runs" -- umllab status --lab fig1
expect_exit 0 "ping with --lab" -- umllab ping --lab fig1 umlA umlB -c 1
expect_exit 2 "down without a lab when two run" -- umllab down
expect_exit 0 "down fig1" -- timeout 30 "$UMLLAB" down fig1
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down "$lab"
finish
