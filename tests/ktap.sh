# SPDX-License-Identifier: GPL-2.0
# KTAP lines for shell tests (sourced): ok RC NAME [DIAG], skip NAME REASON, then
# ktap_end PREFIX prints "PREFIX: N passed, N failed" and returns 1 if anything failed.
# DIAG is text, or a file whose last lines are shown.
ktap_n=0 ktap_fail=0
ok() {
	ktap_n=$((ktap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $ktap_n ${KTAP_PREFIX:-}$2"
		return
	fi
	ktap_fail=$((ktap_fail + 1))
	echo "not ok $ktap_n ${KTAP_PREFIX:-}$2"
	if [ -f "${3:-}" ]; then
		tail -n 15 "$3" | sed 's/^/# /'
	elif [ -n "${3:-}" ]; then
		printf '%s\n' "$3" | tail -n 15 | sed 's/^/# /'
	fi
}
skip() {
	ktap_n=$((ktap_n + 1))
	echo "ok $ktap_n ${KTAP_PREFIX:-}$1 # SKIP $2"
}
ktap_end() {	# points counted in ktap_todo (not ok # TODO) are neither passed nor failed
	echo "$1: $((ktap_n - ktap_fail - ${ktap_todo:-0})) passed, $ktap_fail failed"
	[ $ktap_fail = 0 ]
}
