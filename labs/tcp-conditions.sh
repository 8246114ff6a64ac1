#!/bin/sh
# labs/tcp-conditions.sh: the table of labs/tcp-conditions.md, measured: for
# each line (delay each way, loss) set the conditions on umlA's cable, take
# the round trip from ping, time 1 MiB over TCP twice, compute the
# throughput, and read how many frames the cable lost meanwhile (its
# counters reset before the transfers). Writes tcp-conditions.txt (the
# table), tcp-conditions.dat and,
# when gnuplot is installed, tcp-conditions.png (throughput against the
# round trip), in the current directory.
#
#   sh labs/tcp-conditions.sh            the lab must be up (umllab up labs/tcp-conditions.yaml)
#   UMLLAB=./umllab sh labs/tcp-conditions.sh
#   ROWS="0:0 50:0 50:5" sh labs/tcp-conditions.sh   other lines (DELAY_MS:LOSS_PERCENT)
set -eu
U=${UMLLAB:-umllab}
RATE=${RATE:-4mbit}
ROWS=${ROWS:-"0:0 10:0 50:0 100:0 0:1 0:5 50:1 50:5"}
BYTES=1048576

command -v "$U" >/dev/null 2>&1 || { echo "tcp-conditions: $U not found: set UMLLAB=./umllab" >&2; exit 2; }
if ! "$U" status tcp >/dev/null 2>&1; then
	echo "tcp-conditions: the lab tcp is not running: umllab up labs/tcp-conditions.yaml" >&2
	exit 2
fi

# One transfer: its time in seconds, after checking every byte arrived.
transfer() {
	"$U" exec umlB -- sh -c 'rm -f /tmp/received; (sleep 120 | nc -l -p 5001 | wc -c > /tmp/received) </dev/null >/dev/null 2>&1 & sleep 0.5'
	t=$("$U" exec umlA -- time -p sh -c 'dd if=/dev/zero bs=1k count=1024 2>/dev/null | nc 10.0.0.2 5001' 2>&1 |
		sed -n 's/^real //p')
	got=0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		got=$("$U" exec umlB -- cat /tmp/received 2>/dev/null || echo 0)
		[ "$got" = "$BYTES" ] && break
		sleep 0.5
	done
	"$U" exec umlB -- sh -c 'kill $(pidof sleep) 2>/dev/null; true' >/dev/null 2>&1 || true
	if [ "$got" != "$BYTES" ]; then
		echo "tcp-conditions: umlB received $got bytes of $BYTES" >&2
		return 1
	fi
	echo "$t"
}

# Frames the cable lost in one direction (in: to umlA, out: from it), from
# `umllab link umlA eth0`.
lost() {
	"$U" link umlA eth0 | sed -n "s/^  $1: .* lost \([0-9]*\),.*/\1/p"
}

printf '%s\n' "# delay_ms loss_pct rtt_ms time1_s time2_s mbit_s lost_out lost_in" >tcp-conditions.dat
{
	echo "| delay (ms, each way) | loss | round trip (ms, from ping) | time for 1 MiB (s) | throughput (Mbit/s) | frames lost (data, acks) |"
	echo "|---:|---:|---:|---:|---:|---:|"
} >tcp-conditions.txt
for row in $ROWS; do
	d=${row%%:*}
	l=${row##*:}
	"$U" link umlA eth0 set rate "$RATE" delay "${d}ms" loss "${l}%" >/dev/null
	rtt=$("$U" ping umlA umlB -c 3 2>/dev/null | sed -n 's|.*min/avg/max = [^/]*/\([^/]*\)/.*|\1|p')
	"$U" link umlA eth0 reset >/dev/null
	t1=$(transfer)
	t2=$(transfer)
	out=$(lost out)
	in=$(lost in)
	mbit=$(awk -v a="$t1" -v b="$t2" -v n="$BYTES" 'BEGIN { printf "%.2f", n * 8 / 1e6 / ((a + b) / 2) }')
	echo "$d $l ${rtt:-nan} $t1 $t2 $mbit ${out:-nan} ${in:-nan}" >>tcp-conditions.dat
	echo "| $d | $l% | ${rtt:-?} | $t1, $t2 | $mbit | ${out:-?}, ${in:-?} |" >>tcp-conditions.txt
	echo "delay ${d} ms, loss ${l}%: round trip ${rtt:-?} ms, ${t1} s and ${t2} s, ${mbit} Mbit/s, lost ${out:-?} data and ${in:-?} ack frames"
done
"$U" link umlA eth0 clear >/dev/null
cat tcp-conditions.txt
if command -v gnuplot >/dev/null 2>&1; then
	gnuplot <<'EOF'
set terminal pngcairo size 800,500 noenhanced
set output "tcp-conditions.png"
set title "1 MiB over TCP through umllab's switch (rate limited)"
set xlabel "round trip (ms)"
set ylabel "throughput (Mbit/s)"
set key top right
set grid
plot "tcp-conditions.dat" using 3:($2 == 0 ? $6 : 1/0) with linespoints title "no loss", \
     "" using 3:($2 == 1 ? $6 : 1/0) with points pointsize 2 title "1% loss", \
     "" using 3:($2 == 5 ? $6 : 1/0) with points pointsize 2 title "5% loss"
EOF
	echo "tcp-conditions: plotted tcp-conditions.png"
else
	echo "tcp-conditions: install gnuplot (Debian package gnuplot-nox) for the plot"
fi
