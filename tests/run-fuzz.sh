#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# usage: run-fuzz.sh SECONDS FUZZER...   (corpus: fuzz/corpus/<name>/, crashes kept in build/fuzz/)
set -u
secs=$1; shift
rc=0
for f in "$@"; do
	name=$(basename "$f")
	corpus=fuzz/corpus/${name%_fuzz}
	work=$(dirname "$f")/$name.corpus
	mkdir -p "$work"
	echo "fuzz: $name for ${secs}s (seed corpus $corpus)"
	if ! "$f" -max_total_time="$secs" -artifact_prefix="$(dirname "$f")/$name-" "$work" \
		$( [ -d "$corpus" ] && echo "$corpus" ) >"$(dirname "$f")/$name.log" 2>&1; then
		echo "fuzz: $name found a crash; see $(dirname "$f")/$name.log and $(dirname "$f")/$name-crash-*"
		tail -n 30 "$(dirname "$f")/$name.log"
		rc=1
	else
		grep -E '^#[0-9]+.*DONE' "$(dirname "$f")/$name.log" | tail -n1
	fi
done
exit $rc
