#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/outputs/run.sh BUILD_DIR KSRC
#
# The outputs of real runs, read by the programs that read them (make check-outputs):
# the controller unit tests' runs (the core with test plugins: passing, failing, skipped
# and hung runs) keep their KTAP and results directories (RS_TEST_OUTPUTS), and each is
# checked by tests/outputs/check_outputs.py: kunit.py parse from KSRC for the KTAP, the
# KCIDB v4 schema for kcidb.json.  The lab's own runs are checked the same way in the VM
# (tests/vm/scenarios_test.sh).  Prints KTAP; the last line counts passes and failures.
set -u
build=${1:?usage: run.sh BUILD_DIR KSRC}
ksrc=${2:?usage: run.sh BUILD_DIR KSRC}
cd "$(dirname "$0")/../.."
py=${PYTHON:-/usr/bin/python3}
out=$build/outputs
rm -rf "$out"
mkdir -p "$out"
RS_TEST_OUTPUTS=$PWD/$out "$build/tests/unit/controller_test" >"$out/controller_test.log" 2>&1
n=0 pass=0 fail=0
echo "KTAP version 1"
for k in "$out"/*.ktap; do
	dir=${k%.ktap}
	args=("$ksrc" "$k")
	[ -f "$dir/kcidb.json" ] && args+=("$dir")
	while IFS= read -r line; do
		case $line in
		"ok "*) n=$((n + 1)) pass=$((pass + 1)); echo "ok $n ${line#ok [0-9]* }" ;;
		"not ok "*) n=$((n + 1)) fail=$((fail + 1)); echo "not ok $n ${line#not ok [0-9]* }" ;;
		*) echo "$line" ;;
		esac
	done < <("$py" tests/outputs/check_outputs.py "${args[@]}" --name="controller_test run $(basename "$dir")")
done
# The runs must include every kind of outcome, or this test proves less than it says.
kinds=()
ls "$out"/*.ktap >/dev/null 2>&1 && for k in "$out"/*.ktap; do
	grep -q '^not ok ' "$k" || kinds+=(passing)
	grep -Eq '^not ok [0-9]+ [^#]*$' "$k" && kinds+=(failing)
	grep -q '^ok [0-9]* .*# SKIP' "$k" && kinds+=(skipped)
	grep -q '^not ok [0-9]* .*# TIMEOUT' "$k" && kinds+=(hung)
done
have=$(printf '%s\n' "${kinds[@]}" | sort -u | tr '\n' ' ')
n=$((n + 1))
if [ "$have" = "failing hung passing skipped " ]; then
	pass=$((pass + 1))
	echo "ok $n outputs: the runs checked include passing, failing, skipped and hung ones"
else
	fail=$((fail + 1))
	echo "not ok $n outputs: the runs checked include only: $have(see $out/controller_test.log)"
fi
echo "1..$n"
echo "outputs: $pass passed, $fail failed"
[ $fail = 0 ]
