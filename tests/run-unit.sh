#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the host unit tests (kselftest harness binaries); print one closing summary line.
set -u
pass=0 fail=0 skip=0 failed=()
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	p=$(printf '%s\n' "$out" | grep -c '^ok ' || true)
	f=$(printf '%s\n' "$out" | grep -c '^not ok ' || true)
	s=$(printf '%s\n' "$out" | grep -c '^ok .* # SKIP' || true)
	pass=$((pass + p - s)); fail=$((fail + f)); skip=$((skip + s))
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ]; then
		failed+=("$(basename "$t")")
		printf '%s\n' "$out" | grep -E '^not ok|^#' | head -n 40
		# a sanitizer's report (make check-tsan, check-asan): its first lines say what and where
		printf '%s\n' "$out" | grep -E -A12 '^(WARNING|ERROR): [A-Za-z]+Sanitizer|runtime error:' | head -n 80
	fi
	echo "unit: $(basename "$t"): rc=$rc ok=$((p - s)) fail=$f skip=$s"
done
[ ${#failed[@]} -eq 0 ] || echo "unit: failed: ${failed[*]}"
echo "unit: $pass passed, $fail failed, $skip skipped"
[ ${#failed[@]} -eq 0 ]
