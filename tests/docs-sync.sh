#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/docs-sync.sh REVOKESTORM [--fix]
#
# docs/scenario-format.md carries the output of `revokestorm list --markdown` between
# BEGIN/END markers.  Check that it is what the binary prints now (make check-unit), or
# rewrite those blocks (--fix).  Prints KTAP-ish lines like the unit tests.
set -u
bin=${1:?usage: tests/docs-sync.sh REVOKESTORM [--fix]}
fix=${2:-}
doc=docs/scenario-format.md
rc=0
block() {	# block MARKER CMD...: the doc's text between the markers, or rewrite it
	local marker=$1; shift
	local want got
	want=$("$@") || { echo "not ok docs: '$*' failed"; return 1; }
	got=$(sed -n "/<!-- BEGIN $marker -->/,/<!-- END $marker -->/p" "$doc" | sed '1d;$d')
	if [ "$want" = "$got" ]; then
		echo "ok docs: $doc block '$marker' matches the binary"
	elif [ "$fix" = --fix ]; then
		python3 - "$doc" "$marker" "$want" <<'PY'
import sys
path, marker, want = sys.argv[1:]
s = open(path).read()
b, e = "<!-- BEGIN %s -->\n" % marker, "<!-- END %s -->" % marker
i, j = s.index(b) + len(b), s.index(e)
open(path, "w").write(s[:i] + want + "\n" + s[j:])
PY
		echo "ok docs: $doc block '$marker' rewritten"
	else
		echo "not ok docs: $doc block '$marker' differs from '$*'; run tests/docs-sync.sh $bin --fix"
		diff <(printf '%s\n' "$got") <(printf '%s\n' "$want") | head -n 20 | sed 's/^/# /'
		rc=1
	fi
}
block "revokestorm list --markdown core" sh -c "'$bin' list --markdown core | sed '1,2d'"
block "revokestorm list --markdown (plugins)" sh -c \
	"for k in exporter importer trigger load; do '$bin' list --markdown \$k; done"
exit $rc
