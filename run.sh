#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# revokestorm's front door.  Every command installs what is missing first and says so.
#
#   ./run.sh [SCENARIO] [revokestorm run options]
#        The main job: run SCENARIO (default scenarios/smoke.ini).  With --device BDF
#        (repeatable; exported as RS_DEVICE0, RS_DEVICE1, ...) it runs on this machine
#        against those vfio-pci devices, and touches no other; without, it runs in the
#        VM lab (a patched Linux 7.2 under QEMU with emulated devices).
#   ./run.sh check      all tests: unit tests, a short fuzz run, VM tests (what CI runs)
#   ./run.sh setup      only install packages, fetch the kernel source, build everything
#   ./run.sh vm [run-vm options] -- COMMAND...   run any command in the VM lab
#   ./run.sh bench      benchmarks (bench/), in the VM lab where they need a kernel
#
# Environment: KSRC=/path/to/linux (>= 7.2) instead of Debian's linux-source-7.x;
# FLAVOUR=debug for the lockdep+KASAN kernel; RS_CACHE (default ~/.cache/revokestorm).
set -euo pipefail
cd "$(dirname "$0")"
. vm/lib.sh

PKGS=(make gcc clang pkg-config git rsync ccache flex bison bc cpio libelf-dev libssl-dev
      qemu-system-x86 liburing-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev
      libibverbs-dev ibverbs-providers libdrm-dev libjson-c-dev libtracefs-dev libtraceevent-dev
      stress-ng linux-perf iproute2 kmod scdoc groff-base bsdextrautils python3
      python3-jsonschema lava-common)
FLAVOUR=${FLAVOUR:-default}

setup() {
	rs_need_pkgs "${PKGS[@]}"
	rs_say "kernel source: $(vm/fetch-source.sh)"
	KART=$(vm/build-kernel.sh --flavour "$FLAVOUR")
	rs_say "lab kernel: $KART"
	rs_say "building revokestorm and its tests"
	make -s -j"$(nproc)" FLAVOUR="$FLAVOUR" KART="$KART" WERROR="${WERROR:-}" all tests >/dev/null
}

main_job() {
	local scenario= devices=() args=() prev=
	while [ $# -gt 0 ]; do
		case $1 in
		--device) devices+=("${2:?--device needs a PCI name like 0000:03:00.0}"); shift ;;
		--device=*) devices+=("${1#*=}") ;;
		*)
			# the scenario: the first *.ini, or the first existing file that is not an
			# option's value; any readable file will do, wherever it is
			if [ -z "$scenario" ] && { [[ $1 == *.ini ]] ||
			   { [ -f "$1" ] && [[ $prev != -* || $prev == *=* ]]; }; }; then
				scenario=$1
			else
				args+=("$1")
			fi
			;;
		esac
		prev=$1
		shift
	done
	scenario=${scenario:-scenarios/smoke.ini}
	[ -f "$scenario" ] || rs_die $RS_EXIT_USAGE "no scenario file '$scenario'"
	[ -r "$scenario" ] || rs_die $RS_EXIT_USAGE "scenario file '$scenario' is not readable"
	setup
	if [ ${#devices[@]} -gt 0 ]; then
		local i=0 d
		for d in "${devices[@]}"; do
			[ "$(basename "$(readlink "/sys/bus/pci/devices/$d/driver" 2>/dev/null)")" = vfio-pci ] ||
				rs_die $RS_EXIT_ENV "device $d is not bound to vfio-pci on this machine; bind it (docs/hardware.md) or drop --device to use the VM lab"
			export "RS_DEVICE$i=$d"
			i=$((i + 1))
		done
		rs_say "running $scenario on this machine against ${devices[*]}"
		exec build/revokestorm run "$scenario" "${args[@]}"
	fi
	local name out rc=0
	name=$(basename "$scenario"); name=${name%.*}
	out=$PWD/build/vm/$name-$(date +%Y%m%d-%H%M%S)
	rs_say "no --device given: running $scenario in the VM lab (its output follows)"
	vm/run-vm.sh --flavour "$FLAVOUR" --kernel "$KART" --name "$name" --out "$out" \
		--show command -- build/revokestorm run "$(realpath "$scenario")" \
		--results /run/rsout/results "${args[@]}" || rc=$?
	summary "$out" "$rc"
	exit "$rc"
}

# What the user needs once the lab run is over: the verdict, what failed, where the files are.
summary() {
	local out=$1 rc=$2 totals
	totals=$(grep -a '^# Totals:' "$out/cmd.log" 2>/dev/null | tail -n1)
	echo >&2
	rs_say "---- summary ----"
	if [ -n "$totals" ]; then
		grep -a '^not ok ' "$out/cmd.log" | sed 's/^/revokestorm-lab:   /' >&2 || true
		rs_say "${totals#\# }; $(grep -a '^# [a-z]*: seed ' "$out/cmd.log" | tail -n1 | sed 's/^# //; s/, results .*//')"
	else
		rs_say "the run printed no KTAP totals (see $out/cmd.log)"
	fi
	if [ -f "$out/results/trace.txt" ]; then
		rs_say "results: $out/results (read the events: build/revokestorm report $out/results/trace.txt)"
	elif [ -d "$out/results" ]; then
		rs_say "results: $out/results"
	fi
	rs_say "lab run directory: $out (console.log, cmd.log, summary); exit $rc"
}

case ${1:-} in
check)
	shift
	WERROR=1	# the tests build warning-free, or fail
	setup
	# make check-series also tries kernel-patches/ on the next series' source (RS_CHECK_SERIES,
	# default 7.3, Debian experimental); a mirror without it makes that check a skip.
	RS_KERNEL_SERIES=${RS_CHECK_SERIES:-7.3} vm/fetch-source.sh >/dev/null ||
		rs_say "no linux-source-${RS_CHECK_SERIES:-7.3} to check kernel-patches/ against; that check will skip"
	exec make FLAVOUR="$FLAVOUR" KART="$KART" WERROR=1 check "$@"
	;;
setup)
	setup
	rs_say "ready: build/revokestorm; lab kernel $KART"
	;;
vm)
	shift
	setup
	exec vm/run-vm.sh --flavour "$FLAVOUR" --kernel "$KART" "$@"
	;;
bench)
	shift
	setup
	exec make FLAVOUR="$FLAVOUR" KART="$KART" bench "$@"
	;;
-h|--help)
	sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'
	;;
*)
	main_job "$@"
	;;
esac
