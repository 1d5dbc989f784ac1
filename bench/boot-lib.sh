# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the host side of a measurement that runs in one lab boot (bench/cost-curve.sh,
# bench/scale.sh): their arguments, and the settings they hand to the guest.

# bench_args NAME [--kernel DIR] BUILD_DIR [OUT_DIR]: sets kernel (run-vm.sh's --kernel, or
# nothing), build and out (absolute; out defaults to BUILD_DIR/bench/NAME, its vm/ emptied),
# and changes to the top of the checkout.
bench_args() {
	local name=$1
	shift
	kernel=()
	if [ "${1:-}" = --kernel ]; then
		kernel=(--kernel "$2")
		shift 2
	fi
	build=${1:?usage: bench/$name.sh [--kernel DIR] BUILD_DIR [OUT_DIR]}
	out=${2:-$build/bench/$name}
	rm -rf "$out/vm"
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	build=$(cd "$build" && pwd)
	cd "$top" || exit 4
}

# bench_guest_env VAR...: genv holds VAR=value for each VAR that is set, for `env` in the
# guest (vm/run-vm.sh passes no environment).
bench_guest_env() {
	local v
	genv=()
	for v in "$@"; do
		[ -n "${!v:-}" ] && genv+=("$v=${!v}")
	done
}
