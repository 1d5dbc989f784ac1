# SPDX-License-Identifier: GPL-2.0
# Common helpers for the revokestorm lab scripts (sourced, not run).

RS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RS_CACHE=${RS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/revokestorm}
RS_MIN_VERSION=7.2

# Exit codes shared by every lab script (docs/lab.md).
RS_EXIT_FAIL=1		# the run found a failure (test failed, kernel report)
RS_EXIT_USAGE=2		# bad usage or bad input
RS_EXIT_INTERNAL=3	# a bug in the lab itself
RS_EXIT_ENV=4		# something the machine lacks (package, mirror, kvm...)
RS_EXIT_TIMEOUT=5	# the guest did not finish in time

rs_say() { printf 'revokestorm-lab: %s\n' "$*" >&2; }
rs_die() { local code=$1; shift; printf 'revokestorm-lab: error: %s\n' "$*" >&2; exit "$code"; }

# Compare dotted versions: rs_version_ge 7.2.13 7.2 -> true
rs_version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# Version of a kernel tree from its top Makefile, e.g. 7.2.13.
rs_tree_version() {
	local mk=$1/Makefile v p s
	[ -f "$mk" ] || return 1
	v=$(awk '$1 == "VERSION" {print $3; exit}' "$mk")
	p=$(awk '$1 == "PATCHLEVEL" {print $3; exit}' "$mk")
	s=$(awk '$1 == "SUBLEVEL" {print $3; exit}' "$mk")
	[ -n "$v" ] && [ -n "$p" ] || return 1
	printf '%s.%s.%s\n' "$v" "$p" "${s:-0}"
}

# What identifies the contents of source tree $1 (same id, same tree): Debian's package
# version for a fetched tree; HEAD plus a hash of uncommitted changes and untracked files
# for a git tree; else the path and the newest file time.  Never the path alone: a
# user's tree changes under the same name.
rs_source_id() {
	local src=$1
	if [ -f "$(dirname "$src")/.rs-version" ]; then
		echo "debian $(cat "$(dirname "$src")/.rs-version")"
	elif git -C "$src" rev-parse -q --verify HEAD >/dev/null 2>&1 &&
	     [ "$(git -C "$src" rev-parse --show-toplevel)" = "$(cd "$src" && pwd -P)" ]; then
		echo "git $(git -C "$src" rev-parse HEAD) $( {
			git -C "$src" diff HEAD --binary
			git -C "$src" ls-files -o --exclude-standard -z | (cd "$src" && xargs -0r sha256sum)
		} | sha256sum | cut -c1-16)"
	else
		echo "tree $src $(find "$src" -type f -printf '%T@\n' 2>/dev/null | sort -n | tail -n1)"
	fi
}

# Install the Debian packages in "$@" that are missing, saying which.
rs_need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		rs_die $RS_EXIT_ENV "missing Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}"
	fi
	rs_say "installing missing Debian packages: ${missing[*]}"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >"$RS_CACHE/apt.log" 2>&1; then
		apt-get update -q >>"$RS_CACHE/apt.log" 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >>"$RS_CACHE/apt.log" 2>&1 ||
			rs_die $RS_EXIT_ENV "apt-get install ${missing[*]} failed; see $RS_CACHE/apt.log"
	fi
}

mkdir -p "$RS_CACHE"
