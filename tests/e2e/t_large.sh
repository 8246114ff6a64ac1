# e2e: long
# 40 instances on one switch come up on a small machine (issue 15): boots
# run a few at a time (core/supervisor/bootsched.c), `up` says how far it is, and every
# instance answers a ping from the first. About 10 s here; `make large` runs
# it with 100 instances (UMLLAB_TEST_LARGE_N).
. "$REPO/tests/e2e/lib.sh"
n=${UMLLAB_TEST_LARGE_N:-40}
lab="$T/large.yaml"
{
	echo "name: large"
	echo "switches: {S1: {}}"
	echo "instances:"
	for i in $(seq 1 $n); do
		echo "  h$i: {interfaces: {eth0: {switch: S1, ip: 10.0.0.$i/24}}}"
	done
} >"$lab"
chmod 644 "$lab"
t0=$(date +%s)
expect_exit 0 "up $n instances" -- timeout 600 "$UMLLAB" up "$lab"
echo "      up took $(($(date +%s) - t0)) s"
expect_output "at a time to start with" "up says it boots a few at a time"
expect_output "\[$n/$n up, 0 booting, 0 waiting\]" "up counts booted, booting and waiting"
expect_output "lab large is up: $n instances" "every instance came up"
# h1 pings all the others at once, and those that did not answer once more,
# up to three rounds: 39 pings at once from one guest, on a machine busy
# with other tests, can lose one to a full ARP queue or a starved guest.
targets=$(seq 2 $n)
for round in 1 2 3; do
	script=""
	for i in $targets; do
		script="$script { ping -c 1 -W 2 10.0.0.$i >/dev/null 2>&1 || echo 10.0.0.$i; } &"
	done
	umllab exec h1 -- sh -c "$script wait" >"$T/missing" 2>&1
	targets=$(sed -n 's/^10\.0\.0\.\([0-9]*\)$/\1/p' "$T/missing")
	[ -s "$T/missing" ] || break
	[ -n "$targets" ] || break	# not a list of addresses: an error, which fails below
	echo "      round $round: no answer from $(tr '\n' ' ' <"$T/missing")"
done
[ ! -s "$T/missing" ] && ok "all $((n - 1)) answered a ping from h1" \
	|| fail "some never answered: $(tr '\n' ' ' <"$T/missing")"
expect_exit 0 "down" -- umllab down large
finish
