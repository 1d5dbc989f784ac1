#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of a Linux >= 7.2 source tree, fetching one if needed.
#
#   KSRC=/path/to/linux vm/fetch-source.sh   use the user's tree (version checked)
#   vm/fetch-source.sh                       Debian's linux-source-7.x, the oldest >= 7.2
#                                            offered by unstable/experimental
#   RS_KERNEL_SERIES=7.3 vm/fetch-source.sh  Debian's linux-source-7.3 (e.g. experimental's
#                                            7.3-rc), whatever else is cached
#
# The Debian package is downloaded with a private apt configuration derived from the
# mirror this machine already uses; the machine's own apt state is not touched.
# The unpacked tree is cached under $RS_CACHE/src/ and reused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/debian.sh"

if [ -n "${KSRC:-}" ]; then
	[ -d "$KSRC" ] || rs_die $RS_EXIT_USAGE "KSRC=$KSRC: no such directory; point KSRC at a Linux source tree"
	ver=$(rs_tree_version "$KSRC") ||
		rs_die $RS_EXIT_USAGE "KSRC=$KSRC: not a kernel tree (no VERSION/PATCHLEVEL in Makefile)"
	[ -f "$KSRC/drivers/vfio/pci/vfio_pci_dmabuf.c" ] && [ -f "$KSRC/tools/testing/selftests/kselftest_harness.h" ] ||
		rs_die $RS_EXIT_USAGE "KSRC=$KSRC: not a complete kernel tree (no vfio_pci_dmabuf.c or kselftest_harness.h)"
	rs_version_ge "$ver" "$RS_MIN_VERSION" ||
		rs_die $RS_EXIT_USAGE "KSRC=$KSRC is Linux $ver; revokestorm needs >= $RS_MIN_VERSION (dma-buf revoke series)"
	cd "$KSRC" && pwd
	exit 0
fi

series=${RS_KERNEL_SERIES:-}
[ -z "$series" ] || [[ $series =~ ^[0-9]+\.[0-9]+$ ]] ||
	rs_die $RS_EXIT_USAGE "RS_KERNEL_SERIES=$series: give a series like 7.3"
[ -z "$series" ] || rs_version_ge "$series" "$RS_MIN_VERSION" ||
	rs_die $RS_EXIT_USAGE "RS_KERNEL_SERIES=$series: revokestorm needs >= $RS_MIN_VERSION"

# A tree fetched before: reuse it without touching the network (RS_NO_FETCH=1: never download).
# Without RS_KERNEL_SERIES the oldest cached series is the one (the lab kernel's).
best= pat=${series:-*}
for stamp in "$RS_CACHE"/src/linux-source-${pat}_*/.rs-complete; do
	[ -f "$stamp" ] || continue
	d=$(basename "$(dirname "$stamp")")
	if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$d" "$(basename "$(dirname "$best")")" |
				sort -V | head -n1)" = "$d" ]; then
		best=$stamp
	fi
done
if [ -n "$best" ]; then
	cat "$best"
	exit 0
fi

[ -z "${RS_NO_FETCH:-}" ] || rs_die $RS_EXIT_ENV "no kernel source${series:+ of series $series} in $RS_CACHE/src; run ./run.sh setup (or set KSRC=)"
rs_need_pkgs apt xz-utils dpkg debian-archive-keyring

uri=$(rs_debian_mirror) || rs_die $RS_EXIT_ENV "no Debian mirror in /etc/apt/sources.list{,.d}; set KSRC=/path/to/linux-7.2 instead"

tmp=$(mktemp -d "$RS_CACHE/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
key=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$tmp/sources.list" <<SRC
deb [signed-by=$key] $uri sid main
deb [signed-by=$key] $uri experimental main
SRC
opts=(-o "Dir::Etc::sourcelist=$tmp/sources.list" -o Dir::Etc::sourceparts=/dev/null
      -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o Debug::NoLocking=1)
rs_say "looking for linux-source-7.x in unstable/experimental at $uri"
apt-get "${opts[@]}" update >"$tmp/update.log" 2>&1 ||
	rs_die $RS_EXIT_ENV "apt-get update against $uri (sid, experimental) failed: $(tail -n1 "$tmp/update.log"); set KSRC= to use a local tree"

pkg=
for p in $(apt-cache "${opts[@]}" search '^linux-source-7\.[0-9]+$' | awk '{print $1}' | sort -V); do
	if [ -n "$series" ]; then
		[ "$p" = "linux-source-$series" ] || continue
	elif ! rs_version_ge "${p#linux-source-}" "$RS_MIN_VERSION"; then
		continue
	fi
	pkg=$p
	break
done
[ -n "$pkg" ] || [ -z "$series" ] ||
	rs_die $RS_EXIT_ENV "the mirror $uri offers no linux-source-$series (RS_KERNEL_SERIES) in unstable or experimental"
[ -n "$pkg" ] || rs_die $RS_EXIT_ENV "the mirror $uri offers no linux-source-7.x >= $RS_MIN_VERSION; set KSRC=/path/to/linux"
# the newest version of that package, experimental's included (apt would prefer unstable's)
pver=$(apt-cache "${opts[@]}" madison "$pkg" | awk '{print $3}' | sort -V | tail -n1)
[ -n "$pver" ] || pver=$(apt-cache "${opts[@]}" policy "$pkg" | awk '/Candidate:/ {print $2}')
rs_say "downloading $pkg $pver (about 150 MB)"
(cd "$tmp" && apt-get "${opts[@]}" download "$pkg=$pver" >"$tmp/download.log" 2>&1) ||
	rs_die $RS_EXIT_ENV "download of $pkg failed: $(tail -n1 "$tmp/download.log")"

dest=$RS_CACHE/src/${pkg}_$pver
rm -rf "$dest"
mkdir -p "$dest"
rs_say "unpacking into $dest"
dpkg-deb --fsys-tarfile "$tmp"/"$pkg"_*.deb | tar -x -C "$tmp" "./usr/src/$pkg.tar.xz"
tar -C "$dest" -xJf "$tmp/usr/src/$pkg.tar.xz"
tree=$(ls -d "$dest"/linux-source-*)
ver=$(rs_tree_version "$tree") || rs_die $RS_EXIT_INTERNAL "$pkg unpacked without a kernel Makefile"
printf '%s\n' "$tree" >"$dest/.rs-complete"
printf '%s %s %s\n' "$pkg" "$pver" "$ver" >"$dest/.rs-version"
rs_say "Linux $ver source ready in $tree"
echo "$tree"
