#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the lab kernel: Linux >= 7.2 + kernel-patches/fixes/ + kernel-patches/ +
# vm/config/, cached.
#
#   vm/build-kernel.sh [--flavour default|debug|stock] [--fixes DIR] [--patches DIR]
#                      [--print-dir] [--force]
#
# Flavours: default = the fixes series (kernel-patches/fixes/, then kernel-patches/fixes/X.Y/
# when the source is Linux X.Y and that directory exists), then the main series
# (kernel-patches/); debug = the same + vm/config/debug.config (lockdep, KASAN);
# stock = no patch at all, default's config (the plain kernel each finding's test runs
# on; it builds in default's build directory, incrementally).
# Prints the artifact directory (bzImage, vmlinux, config, headers/, kselftest/, fixes) on
# stdout.  headers/include is the uAPI; headers/test the test-only interfaces that are not
# uAPI (the mock importer's, the iommufd selftest's) as this tree has them; kselftest/ the
# series' selftests, built against both.
# `fixes` lists one line per fix the kernel carries: its slug (the subject, lower case,
# non-alphanumerics as '-') and "applied", or "in-source" when the source tree already
# had it.  The artifacts are keyed by a hash of the source version, every patch and
# every config fragment; an existing key is reused without building.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/progress.sh"

# Bump when the recipe below changes in a way that changes the result.
RECIPE=3
flavour=default
print_only=0
force=0
pdir=$RS_TOP/kernel-patches
fdir=$RS_TOP/kernel-patches/fixes
while [ $# -gt 0 ]; do
	case $1 in
	--flavour) flavour=${2:?--flavour needs default, debug or stock}; shift ;;
	--flavour=*) flavour=${1#*=} ;;
	--patches) pdir=$(cd "${2:?--patches needs a directory}" && pwd); shift ;;
	--fixes) fdir=$(cd "${2:?--fixes needs a directory}" && pwd); shift ;;
	--print-dir) print_only=1 ;;
	--force) force=1 ;;
	-h|--help) sed -n '3,21p' "$0"; exit 0 ;;
	*) rs_die $RS_EXIT_USAGE "unknown argument '$1' (see --help)" ;;
	esac
	shift
done
case $flavour in
default|stock) frags=("$RS_TOP/vm/config/lab.config") ;;
debug) frags=("$RS_TOP/vm/config/lab.config" "$RS_TOP/vm/config/debug.config") ;;
*) rs_die $RS_EXIT_USAGE "unknown flavour '$flavour': use default, debug or stock" ;;
esac

src=$("$RS_TOP/vm/fetch-source.sh")
ver=$(rs_tree_version "$src")
sid=$(rs_source_id "$src")

# The patches of DIR in series order: DIR/series if present, else sorted names.
read_series() {
	local dir=$1 p
	if [ -f "$dir/series" ]; then
		while read -r p; do
			case $p in ''|'#'*) continue ;; esac
			[ -f "$dir/$p" ] || rs_die $RS_EXIT_USAGE "$dir/series names $p, which does not exist"
			echo "$dir/$p"
		done <"$dir/series"
	else
		for p in "$dir"/[0-9]*.patch; do
			[ -f "$p" ] || continue
			case $(basename "$p") in 0000-*) continue ;; esac	# cover letter
			echo "$p"
		done
	fi
}

# A patch's subject as a word: "vfio/pci: keep X" -> vfio-pci-keep-x
patch_slug() {
	git mailinfo /dev/null /dev/null <"$1" | sed -n 's/^Subject: //p' |
		tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//'
}

fixes=() patches=()
if [ "$flavour" != stock ]; then
	list=$(read_series "$fdir")
	# then the fixes for this kernel series alone (fixes/7.3/: bugs 7.2 does not have)
	[ ! -d "$fdir/${ver%.*}" ] || list+=$'\n'$(read_series "$fdir/${ver%.*}")
	list=$(sed '/^$/d' <<<"$list")
	[ -z "$list" ] || mapfile -t fixes <<<"$list"
	list=$(read_series "$pdir")
	[ -z "$list" ] || mapfile -t patches <<<"$list"
fi

key=$( {
	echo "recipe $RECIPE flavour $flavour"
	echo "source $ver $sid"
	echo "fixes ${#fixes[@]}"
	cat "${fixes[@]}" /dev/null
	echo "patches ${#patches[@]}"
	cat "${patches[@]}" /dev/null
	cat "${frags[@]}"
} | sha256sum | cut -c1-16)
art=$RS_CACHE/kernels/$flavour-$ver-$key
if [ $print_only = 1 ]; then
	echo "$art"
	exit 0
fi
if [ $force = 0 ] && [ -f "$art/.complete" ]; then
	rs_say "kernel $flavour $ver (key $key) is cached: $art"
	echo "$art"
	exit 0
fi

rs_need_pkgs make gcc flex bison bc libelf-dev libssl-dev cpio git rsync

# One build at a time: the git tree and the build directories are shared.
exec 9>"$RS_CACHE/build.lock"
if ! flock -n 9; then
	rs_say "another kernel build holds $RS_CACHE/build.lock; waiting for it"
	flock 9
fi
if [ $force = 0 ] && [ -f "$art/.complete" ]; then
	rs_say "kernel $flavour $ver (key $key) was built meanwhile: $art"
	echo "$art"
	exit 0
fi

# A git working copy of the source, so the series goes in with "git am" exactly as a
# maintainer would apply it.  Files the series does not touch keep their mtime, so the
# out-of-tree build below is incremental.
srcid=$(printf '%s\n' "$src" | sha256sum | cut -c1-12)
tree=$RS_CACHE/tree/$ver-$srcid
export GIT_AUTHOR_NAME=revokestorm GIT_AUTHOR_EMAIL=revokestorm@invalid
export GIT_COMMITTER_NAME=revokestorm GIT_COMMITTER_EMAIL=revokestorm@invalid
if ! git -C "$tree" rev-parse -q --verify rs-base >/dev/null 2>&1; then
	rs_say "preparing a git copy of $src in $tree (once per source)"
	rm -rf "$tree"
	mkdir -p "$tree"
	git -C "$tree" init -q
fi
git -C "$tree" am --abort >/dev/null 2>&1 || true
if [ "$(git -C "$tree" log -1 --format=%b rs-base 2>/dev/null)" != "source-id: $sid" ]; then
	# first use, or the user's tree changed: take it in again (rsync keeps the mtime
	# of unchanged files, so the build stays incremental)
	git -C "$tree" rev-parse -q --verify rs-base >/dev/null 2>&1 &&
		rs_say "$src changed since its copy was made; refreshing $tree"
	git -C "$tree" checkout -q -f --detach 2>/dev/null || true
	case $sid in
	git\ *)
		# what git would commit: tracked and untracked files, never ignored build output
		git -C "$src" ls-files -z -co --exclude-standard | sort -z >"$tree.list"
		rsync -a --from0 --files-from="$tree.list" "$src/" "$tree/"
		git -C "$tree" ls-files -z | sort -z | comm -z -23 - "$tree.list" |
			(cd "$tree" && xargs -0r rm -f --)
		rm -f "$tree.list"
		git -C "$tree" add -A
		;;
	*)
		rsync -a --delete --exclude=/.git "$src/" "$tree/"
		git -C "$tree" add -A -f	# Debian's .gitignore ignores the top level
		;;
	esac
	git -C "$tree" commit -q --allow-empty -m "Linux $ver (from $src)" -m "source-id: $sid"
	git -C "$tree" tag -f rs-base >/dev/null
fi
git -C "$tree" checkout -q -f rs-base
git -C "$tree" clean -fdxq
am() {
	if ! git -C "$tree" am -q "$1" >"$RS_CACHE/git-am.log" 2>&1; then
		git -C "$tree" am --abort >/dev/null 2>&1 || true
		rs_die $RS_EXIT_USAGE "patch $(basename "$1") does not apply to Linux $ver: $(grep -m1 -i 'error\|failed' "$RS_CACHE/git-am.log" || tail -n1 "$RS_CACHE/git-am.log"); fix or rebase it"
	fi
}
# A fix the source already has (a KSRC tree with it merged) is carried, not re-applied.
mkdir -p "$art.tmp"
: >"$art.tmp/fixes"
for p in "${fixes[@]}"; do
	if ! git -C "$tree" apply --check "$p" >/dev/null 2>&1 &&
	   git -C "$tree" apply --check -R "$p" >/dev/null 2>&1; then
		rs_say "fix $(basename "$p") is already in Linux $ver"
		echo "$(patch_slug "$p") in-source" >>"$art.tmp/fixes"
		continue
	fi
	am "$p"
	echo "$(patch_slug "$p") applied" >>"$art.tmp/fixes"
done
for p in "${patches[@]}"; do
	am "$p"
done
rs_say "$flavour: ${#fixes[@]} fixes from ${fdir#"$RS_TOP"/}, ${#patches[@]} patches from ${pdir#"$RS_TOP"/} on Linux $ver"

# stock has default's config: it shares default's build directory (incremental).
bflavour=$flavour
[ "$flavour" = stock ] && bflavour=default
out=$RS_CACHE/build/$bflavour-$ver-$srcid
mkdir -p "$out"
log=$art.tmp/build.log
: >"$log"
mk=(make -C "$tree" O="$out" -j"$(nproc)")
if command -v ccache >/dev/null 2>&1; then
	export CCACHE_DIR=${CCACHE_DIR:-$RS_CACHE/ccache}
	mk+=(CC="ccache gcc")
	rs_say "using ccache ($CCACHE_DIR)"
fi

rs_say "configuring ($flavour): allnoconfig + kvm_guest.config + ${frags[*]##*/}"
"${mk[@]}" allnoconfig >>"$log" 2>&1
"$tree/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"$tree/kernel/configs/kvm_guest.config" "${frags[@]}" >>"$log" 2>&1
"${mk[@]}" olddefconfig >>"$log" 2>&1

# merge_config only warns; a requested option that did not survive is an error here,
# unless the tree does not know it at all (then the patch defining it is missing).
bad=()
while IFS= read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	opt=${line%%=*}
	grep -qx "$line" "$out/.config" && continue
	if grep -rqsx "config ${opt#CONFIG_}" --include='Kconfig*' "$tree"; then
		bad+=("$line (got: $(grep -m1 "^$opt=\|^# $opt " "$out/.config" || echo unset))")
	else
		rs_say "warning: $opt is not a Kconfig symbol of this tree (is the patch that adds it applied?)"
	fi
done < <(cat "${frags[@]}")
if [ ${#bad[@]} -gt 0 ]; then
	printf 'revokestorm-lab: error: config option lost its dependencies: %s\n' "${bad[@]}" >&2
	rs_die $RS_EXIT_INTERNAL "fix vm/config/*.config (see $out/.config)"
fi

# About how many objects a cold build compiles: what the newest build of this flavour
# logged, else an estimate from kbuild's makefiles and this .config.
total=0
if [ ! -f "$out/vmlinux" ]; then
	prev=$(ls -t "$RS_CACHE"/kernels/"$flavour"-*/build.log 2>/dev/null | head -n1 || true)
	[ -z "$prev" ] || total=$(rs_progress_count "$prev")
	[ "$total" -gt 0 ] || total=$(python3 "$RS_TOP/vm/kbuild-objects.py" "$tree" "$out" 2>/dev/null || echo 0)
fi
rs_say "building Linux $ver ($flavour) on $(nproc) CPUs; log: $log"
start=$(date +%s)
if ! rs_progress "$log" "$total" -- "${mk[@]}" bzImage vmlinux; then
	grep -m5 -E 'error:|Error [0-9]' "$log" >&2 || tail -n 20 "$log" >&2
	rs_die $RS_EXIT_FAIL "kernel build failed; full log: $log"
fi
"${mk[@]}" headers_install INSTALL_HDR_PATH="$art.tmp/headers" >>"$log" 2>&1
mkdir -p "$art.tmp/headers/test"
for h in drivers/dma-buf/dma-buf-mock.h drivers/iommu/iommufd/iommufd_test.h; do
	[ ! -f "$tree/$h" ] || cp "$tree/$h" "$art.tmp/headers/test/"
done
if [ -f "$tree/tools/testing/selftests/drivers/dma-buf/mock_importer.c" ]; then
	mkdir -p "$art.tmp/kselftest/drivers/dma-buf"
	make -C "$tree/tools/testing/selftests/drivers/dma-buf" CC=gcc \
		OUTPUT="$art.tmp/kselftest/drivers/dma-buf" \
		KHDR_INCLUDES="-isystem $art.tmp/headers/include" >>"$log" 2>&1 ||
		rs_die $RS_EXIT_FAIL "building the series' selftests (tools/testing/selftests/drivers/dma-buf) failed; log: $log"
fi
secs=$(($(date +%s) - start))
cp "$out/arch/x86/boot/bzImage" "$out/vmlinux" "$out/System.map" "$art.tmp/"
cp "$out/.config" "$art.tmp/config"
git -C "$tree" log --format='%h %s' rs-base..HEAD >"$art.tmp/series"
printf 'version %s\nflavour %s\nkey %s\nsource %s\nbuild_seconds %s\nnproc %s\nfixes %s\npatches %s\n' \
	"$ver" "$flavour" "$key" "$src" "$secs" "$(nproc)" "${#fixes[@]}" "${#patches[@]}" \
	>"$art.tmp/info"
rm -rf "$art"
mv "$art.tmp" "$art"
touch "$art/.complete"
rs_say "built in ${secs}s: $art"
echo "$art"
