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
      libibverbs-dev ibverbs-providers libdrm-dev libtracefs-dev libtraceevent-dev stress-ng
      linux-perf iproute2 kmod)
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
	local scenario=scenarios/smoke.ini devices=() args=()
	while [ $# -gt 0 ]; do
		case $1 in
		--device) devices+=("${2:?--device needs a PCI name like 0000:03:00.0}"); shift ;;
		--device=*) devices+=("${1#*=}") ;;
		*.ini) scenario=$1 ;;
		*) args+=("$1") ;;
		esac
		shift
	done
	[ -f "$scenario" ] || rs_die $RS_EXIT_USAGE "no scenario file '$scenario'"
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
	rs_say "no --device given: running $scenario in the VM lab"
	exec vm/run-vm.sh --flavour "$FLAVOUR" --kernel "$KART" --name "$(basename "$scenario" .ini)" -- \
		build/revokestorm run "$scenario" --results /run/rsout/results "${args[@]}"
}

case ${1:-} in
check)
	shift
	WERROR=1	# the tests build warning-free, or fail
	setup
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
