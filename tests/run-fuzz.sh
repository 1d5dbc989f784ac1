#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# usage: run-fuzz.sh smoke|long SECONDS FUZZER...
#
# Corpus: fuzz/corpus/<name>/ (checked in: samples and every crash ever found), plus a
# working corpus in build/fuzz/<name>.corpus. Crashes are kept in build/fuzz/<name>-crash-*.
#
# smoke (make check, CI): first replays the checked-in corpus, then fuzzes with a fixed
#   seed, so a red CI is a bug the change made reachable, reproducible with the same
#   command, never the luck of a random seed. SECONDS bounds each fuzzer.
# long (make fuzz, nightly): a random seed for SECONDS; copy what it finds into
#   fuzz/corpus/<name>/ with the fix.
set -u
mode=$1 secs=$2
shift 2
rc=0
for f in "$@"; do
	name=$(basename "$f")
	corpus=fuzz/corpus/${name%_fuzz}
	dir=$(dirname "$f")
	work=$dir/$name.corpus
	log=$dir/$name.log
	mkdir -p "$work"
	args=(-artifact_prefix="$dir/$name-" -max_total_time="$secs")
	if [ "$mode" = smoke ]; then
		echo "fuzz: $name: replay $corpus, then ${secs}s with -seed=1"
		if ! "$f" -runs=0 "$corpus" >"$log" 2>&1; then
			echo "fuzz: $name fails on the checked-in corpus; see $log"
			tail -n 30 "$log"
			rc=1
			continue
		fi
		args+=(-seed=1)
		# a fresh working corpus keeps the run the same from one checkout to the next
		rm -rf "$work" && mkdir -p "$work"
	else
		echo "fuzz: $name for ${secs}s (random seed; seed corpus $corpus)"
	fi
	if ! "$f" "${args[@]}" "$work" "$corpus" >>"$log" 2>&1; then
		echo "fuzz: $name found a crash; see $log and $dir/$name-crash-*"
		echo "fuzz: reproduce with: $f $dir/$name-crash-<hash>"
		tail -n 30 "$log"
		rc=1
	else
		grep -E '^#[0-9]+.*DONE' "$log" | tail -n1
	fi
done
exit $rc
