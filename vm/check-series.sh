#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: vm/check-series.sh [SERIES...]          e.g. vm/check-series.sh 7.3
#
# Check that kernel-patches/ applies with `git am`, as a maintainer would apply it (no 3-way
# merge, no fuzz), to the Debian kernel source of each SERIES (default: every series fetched
# into $RS_CACHE/src): the fixes series (kernel-patches/fixes/series) first if there is one,
# then the main series (kernel-patches/series), in a sparse worktree holding only the files
# they touch.  Never downloads: `RS_KERNEL_SERIES=7.3 vm/fetch-source.sh` (which
# `./run.sh check` runs) fetches a tree.  Prints KTAP, one line per tree.
# exit: 0 every series applied; 1 a patch did not apply; 4 no tree to check.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

series=("$@")
if [ ${#series[@]} -eq 0 ]; then
	for stamp in "$RS_CACHE"/src/linux-source-*_*/.rs-complete; do
		[ -f "$stamp" ] || continue
		d=$(basename "$(dirname "$stamp")")
		d=${d#linux-source-}
		series+=("${d%%_*}")
	done
fi
echo "TAP version 13"
if [ ${#series[@]} -eq 0 ]; then
	echo "1..0 # SKIP no kernel source in $RS_CACHE/src (./run.sh setup fetches one)"
	exit $RS_EXIT_ENV
fi

patches=()
for list in "$RS_TOP/kernel-patches/fixes/series" "$RS_TOP/kernel-patches/series"; do
	[ -f "$list" ] || continue
	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		[ -f "$(dirname "$list")/$p" ] ||
			rs_die $RS_EXIT_USAGE "$list names $p, which does not exist"
		patches+=("$(dirname "$list")/$p")
	done <"$list"
done
[ ${#patches[@]} -gt 0 ] || rs_die $RS_EXIT_USAGE "no patch in kernel-patches/series"
# every path the series touches (old and new names), anchored for a non-cone sparse checkout
mapfile -t paths < <(sed -n 's|^diff --git a/\(.*\) b/\(.*\)$|/\1\n/\2|p' "${patches[@]}" | sort -u)

export GIT_AUTHOR_NAME=revokestorm GIT_AUTHOR_EMAIL=revokestorm@invalid
export GIT_COMMITTER_NAME=revokestorm GIT_COMMITTER_EMAIL=revokestorm@invalid
echo "1..${#series[@]}"
n=0 fail=0
for s in "${series[@]}"; do
	n=$((n + 1))
	if ! src=$(RS_NO_FETCH=1 RS_KERNEL_SERIES=$s "$RS_TOP/vm/fetch-source.sh" 2>/dev/null); then
		echo "ok $n git am onto Linux $s # SKIP no $s source cached (RS_KERNEL_SERIES=$s vm/fetch-source.sh)"
		continue
	fi
	ver=$(rs_tree_version "$src")
	sid=$(rs_source_id "$src")
	g=$RS_CACHE/am-check/$ver-$(printf '%s\n' "$src" | sha256sum | cut -c1-12).git
	if [ "$(git --git-dir="$g" log -1 --format=%b rs-base 2>/dev/null)" != "source-id: $sid" ]; then
		# once per source: the whole tree as one commit (Debian's .gitignore ignores the top)
		rs_say "indexing $src for the git am check (once per source)"
		rm -rf "$g"
		git init -q --bare "$g" &&
			git --git-dir="$g" --work-tree="$src" add -A -f &&
			git --git-dir="$g" --work-tree="$src" commit -q -m "Linux $ver (from $src)" \
				-m "source-id: $sid" &&
			git --git-dir="$g" tag -f rs-base >/dev/null ||
			rs_die $RS_EXIT_INTERNAL "could not make a git copy of $src in $g"
	fi
	wt=$(mktemp -d "$RS_CACHE/am-check/wt.XXXXXX")
	git --git-dir="$g" worktree add -q --no-checkout --detach "$wt" rs-base >/dev/null 2>&1 &&
		git -C "$wt" sparse-checkout set --no-cone "${paths[@]}" >/dev/null 2>&1 &&
		git -C "$wt" checkout -q rs-base 2>/dev/null ||
		rs_die $RS_EXIT_INTERNAL "could not make a sparse worktree of $g"
	bad=
	for p in "${patches[@]}"; do
		if ! git -C "$wt" am -q "$p" >"$wt.log" 2>&1; then
			bad="$(basename "$p"): $(grep -m1 -i 'error\|failed\|conflict' "$wt.log" || tail -n1 "$wt.log")"
			git -C "$wt" am --abort >/dev/null 2>&1
			break
		fi
	done
	git --git-dir="$g" worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
	git --git-dir="$g" worktree prune
	rm -f "$wt.log"
	what="git am of ${#patches[@]} patches onto Linux $ver ($(cat "$(dirname "$src")/.rs-version" 2>/dev/null || echo "$src"))"
	if [ -n "$bad" ]; then
		echo "not ok $n $what # $bad"
		fail=1
	else
		echo "ok $n $what"
	fi
done
exit $fail
