# umllab graph: DOT of a file (the golden one), SVG/PNG through Graphviz, a running lab's live links.
. "$REPO/tests/e2e/lib.sh"
lab=$REPO/labs/fig1.yaml

expect_exit 0 "graph of labs/fig1.yaml" -- umllab graph "$lab"
cmp -s "$T/last" "$REPO/tests/unit/golden/fig1.dot" && ok "DOT equals tests/unit/golden/fig1.dot" ||
	{ fail "DOT differs from the golden file"; diff "$REPO/tests/unit/golden/fig1.dot" "$T/last"; }
expect_exit 0 "graph -o x.dot writes the same" -- umllab graph "$lab" -o "$T/x.dot"
cmp -s "$T/x.dot" "$REPO/tests/unit/golden/fig1.dot" && ok "x.dot is the golden file" || fail "x.dot differs"
expect_exit 2 "an unknown format is a usage error" -- umllab graph "$lab" --format jpg
expect_output "expected dot, svg or png" "the error lists the formats"
expect_exit 2 "an unknown extension is a usage error" -- umllab graph "$lab" -o "$T/x.pdf"
expect_exit 2 "a lab that does not run, by name" -- umllab graph fig1
expect_output "give its file" "the error says to give the file"

if command -v dot >/dev/null 2>&1; then
	expect_exit 0 "dot -Tsvg accepts the DOT" -- dot -Tsvg "$REPO/tests/unit/golden/fig1.dot" -o "$T/g.svg"
	expect_exit 0 "graph --format svg -o x.svg" -- umllab graph "$lab" --format svg -o "$T/x.svg"
	grep -q '<svg' "$T/x.svg" && grep -q 'umlA' "$T/x.svg" && ok "x.svg is an SVG naming umlA" || fail "x.svg: $(head -c 200 "$T/x.svg")"
	expect_exit 0 "graph -o x.png (format from the name)" -- umllab graph "$REPO/labs/routed.yaml" -o "$T/x.png"
	[ "$(head -c 4 "$T/x.png" | tail -c 3)" = PNG ] && ok "x.png is a PNG" || fail "x.png is not a PNG"
else
	echo "note: graphviz is not installed; SVG and PNG not checked (tests/deps.sh installs it)"
fi
# Without dot on PATH, SVG and PNG fail and name the package to install.
mkdir -p "$T/nodot"
expect_exit 1 "--format png without dot on PATH" -- env PATH="$T/nodot" "$UMLLAB" graph "$lab" --format png -o "$T/y.png"
expect_output "graphviz" "the error names the package graphviz"
[ ! -e "$T/y.png" ] && ok "no y.png written" || fail "y.png written without dot"

# A running lab: its live state.
expect_exit 0 "up fig1" -- umllab up "$lab"
expect_exit 0 "graph fig1 (running)" -- umllab graph fig1
expect_output 'label="lab fig1 \(running\)"' "the picture says the lab runs"
expect_output '"instance/umlB" \[label="umlB\\nrunning"' "umlB is running"
expect_output 'label="eth0\\n10.0.0.2/24", color=' "umlB's link is up"
expect_exit 0 "stop umlB" -- umllab stop umlB
expect_exit 0 "graph by file while the lab runs" -- umllab graph "$lab"
expect_output '"instance/umlB" \[label="umlB\\nstopped"' "umlB is shown stopped"
expect_output 'label="eth0\\n10.0.0.2/24\\n\(down\)", style=dashed' "umlB's link is down"
expect_output 'label="eth0\\n10.0.0.1/24", color=' "umlA's link is still up"
if command -v dot >/dev/null 2>&1; then
	expect_exit 0 "graph of the running lab as SVG" -- umllab graph --format svg -o "$T/live.svg"
	grep -q '(down)' "$T/live.svg" && ok "live.svg shows a link down" || fail "live.svg has no link down"
fi
expect_exit 0 "down" -- timeout 30 "$UMLLAB" down fig1
finish
