#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/outputs/html_test.sh REVOKESTORM OUTDIR TRACE...
#
# `revokestorm report --format html` of TRACEs, rendered by headless Chromium (Debian's
# chromium, a fresh profile, no network use): a screenshot is kept in OUTDIR/report.png;
# the page must log no console error (Chromium logs malformed SVG attributes, bad markup
# and script errors there), and every plot must be drawn: each latency histogram and each
# timeline an <svg> with a non-empty drawn box and bars/marks of non-zero size, measured in
# the rendered page (getBBox) by a probe script added to a copy of the page.  Prints KTAP.
set -u
bin=${1:?usage: html_test.sh REVOKESTORM OUTDIR TRACE...}
out=${2:?usage: html_test.sh REVOKESTORM OUTDIR TRACE...}
shift 2
cd "$(dirname "$0")/../.."
. vm/lib.sh
. tests/ktap.sh
rs_need_pkgs chromium
mkdir -p "$out"
KTAP_PREFIX="html: "
chrome() {	# chrome ARGS...: headless Chromium with a fresh profile, no background traffic
	local prof
	prof=$(mktemp -d)
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$prof" \
		--enable-logging=stderr --v=0 --allow-file-access-from-files "$@"
	local rc=$?
	rm -rf "$prof"
	return $rc
}
echo "KTAP version 1"
echo "1..4"
"$bin" report --format html -o "$out/report.html" "$@" >"$out/report.log" 2>&1
rc=$?
[ $rc = 0 ] || [ $rc = 1 ] 	# 1: findings (hangs, violations) in the traces
ok $? "revokestorm report --format html (exit $rc)" "$(cat "$out/report.log")"

chrome --window-size=1280,4000 --screenshot="$out/report.png" "file://$PWD/$out/report.html" \
	>"$out/chromium-shot.log" 2>&1
[ -s "$out/report.png" ]
ok $? "Chromium renders it to $out/report.png" "$(tail -n 5 "$out/chromium-shot.log")"

# The same page with a probe: what the layout engine drew for every plot.
sed 's|</body>|<script>\
var r = [];\
document.querySelectorAll("svg").forEach(function (s) {\
	var b = s.getBBox(), marks = 0;\
	s.querySelectorAll("rect, line, path, circle, polyline, polygon").forEach(function (e) {\
		var eb = e.getBBox();\
		if (eb.width > 0 \|\| eb.height > 0) marks++;\
	});\
	r.push(s.getAttribute("class") + " " + Math.round(b.width) + "x" + Math.round(b.height) + " " + marks);\
});\
var p = document.createElement("pre"); p.id = "rs-probe"; p.textContent = r.join("\\n");\
document.body.appendChild(p);\
</script></body>|' "$out/report.html" >"$out/probe.html"
chrome --virtual-time-budget=5000 --dump-dom "file://$PWD/$out/probe.html" >"$out/probe.dom" 2>"$out/chromium-probe.log"
probe=$(sed -n '/<pre id="rs-probe">/,/<\/pre>/p' "$out/probe.dom" | sed 's/<[^>]*>//g' | grep -v '^$')
hists=$(grep -c '^hist ' <<<"$probe")
lines=$(grep -c '^timeline ' <<<"$probe")
empty=$(awk '$2 ~ /^0x|x0$/ || $3 == 0' <<<"$probe")
want_h=$(grep -o '<svg class="hist"' "$out/report.html" | wc -l)
want_t=$(grep -o '<svg class="timeline"' "$out/report.html" | wc -l)
[ "$hists" -gt 0 ] && [ "$lines" -gt 0 ] && [ "$hists" = "$want_h" ] && [ "$lines" = "$want_t" ] && [ -z "$empty" ]
ok $? "every plot is drawn: $hists of $want_h histograms, $lines of $want_t timelines with marks" \
	"$probe"

errs=$(grep -h 'CONSOLE' "$out/chromium-shot.log" "$out/chromium-probe.log" | grep -iv 'rs-probe')
[ -z "$errs" ]
ok $? "no console messages (errors, bad SVG attributes)" "$errs"
ktap_end html
