#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: vm/run-vm.sh [options] -- COMMAND [ARGS...]
#
# Boot the lab kernel under QEMU (q35 + vIOMMU) with emulated PCI test devices bound
# to vfio-pci, run COMMAND in the guest (cwd: the current directory, the host's root
# mounted read-only), power off, and return COMMAND's exit status.  The console log is
# kept; any oops, BUG, WARNING, lockdep, KASAN or hung-task report in it fails the run.
#
# options:
#   --flavour F        default | debug | stock kernel (vm/build-kernel.sh builds it if needed)
#   --kernel DIR       use this kernel artifact directory instead
#   --ivshmem SIZES    comma-separated BAR2 sizes, one ivshmem-plain device each
#                      (default 4M,4M; the first sits alone behind a PCIe root port)
#   --iommu intel|virtio   vIOMMU model (default intel)
#   --gpu              add a virtio-gpu with blob resources (RS_GPU) that can import the
#                      ivshmem dma-bufs peer-to-peer (docs/lab.md: memfd guest RAM, AMD
#                      family 17h CPU model; a stand-in /dev/udmabuf if the host has none)
#   --accel auto|kvm|tcg   auto: KVM if a probe boot works here, else TCG (default)
#   --timeout SECS     hard limit for the whole guest run (default $RS_VM_TIMEOUT, else 900)
#   --out DIR          run directory: console.log, cmd.log, summary (default build/vm/NAME-TIME)
#   --name NAME        name of the run (default: the command's name)
#   --allow REGEX      a kernel report matching REGEX does not fail the run (repeatable)
#   --mem MB, --smp N  guest size (default 2048, 2)
#   --append ARGS      extra kernel command line
#   --show WHAT        stream to stderr while the guest runs: console (the serial console,
#                      the default), command (the command's output, with the guest's
#                      /run/rsout paths shown as the run directory on the host), none
#   --share PATH       a host file or directory the command needs (repeatable); paths the
#                      guest's own tmpfs hides (/tmp, /run, /dev/shm) are bind-mounted from the
#                      host root.  Existing absolute paths among the command's arguments and
#                      the current directory are shared without asking.
#   -q, --quiet        --show none
#
# environment: RS_VM_LOCK=FILE  boot only while holding this flock (one guest at a time on
# a shared machine; the wait is reported and kept in the summary)
#
# exit: COMMAND's status; 1 kernel report found; 2 bad usage; 4 environment missing
# (qemu, kernel) or the guest never reached init; 5 timeout (guest killed, log kept).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=default kernel= ivshmem=4M,4M iommu=intel accel=auto timeout=${RS_VM_TIMEOUT:-900} out= name=
mem=2048 smp=2 append= show=console allow=() shares=() gpu=0
while [ $# -gt 0 ]; do
	case $1 in
	--flavour) flavour=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	--ivshmem) ivshmem=$2; shift ;;
	--iommu) iommu=$2; shift ;;
	--gpu) gpu=1 ;;
	--accel) accel=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--out) out=$2; shift ;;
	--name) name=$2; shift ;;
	--allow) allow+=("$2"); shift ;;
	--mem) mem=$2; shift ;;
	--smp) smp=$2; shift ;;
	--append) append=$2; shift ;;
	--show) show=$2; shift ;;
	--share) shares+=("$2"); shift ;;
	-q|--quiet) show=none ;;
	-h|--help) sed -n '3,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	*) rs_die $RS_EXIT_USAGE "unknown option '$1' (see vm/run-vm.sh --help)" ;;
	esac
	shift
done
[ $# -gt 0 ] || rs_die $RS_EXIT_USAGE "no command given: vm/run-vm.sh [options] -- COMMAND [ARGS...]"
case $iommu in intel|virtio) ;; *) rs_die $RS_EXIT_USAGE "--iommu must be intel or virtio" ;; esac
case $show in console|command|none) ;; *) rs_die $RS_EXIT_USAGE "--show must be console, command or none" ;; esac
case $accel in auto|kvm|tcg) ;; *) rs_die $RS_EXIT_USAGE "--accel must be auto, kvm or tcg" ;; esac
[[ $timeout =~ ^[0-9]+$ ]] || rs_die $RS_EXIT_USAGE "--timeout takes seconds"

command -v qemu-system-x86_64 >/dev/null ||
	rs_die $RS_EXIT_ENV "qemu-system-x86_64 not found: apt-get install qemu-system-x86 (./run.sh setup does it)"
if [ -z "$kernel" ]; then
	kernel=$("$RS_TOP/vm/build-kernel.sh" --flavour "$flavour")
fi
[ -f "$kernel/bzImage" ] ||
	rs_die $RS_EXIT_ENV "no bzImage in '$kernel': build one with vm/build-kernel.sh"
kernel=$(cd "$kernel" && pwd)	# the guest finds its kselftests there (RS_KERNEL)

name=${name:-$(basename "$1")}
out=${out:-$RS_TOP/build/vm/$name-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/rc" "$out/console.log" "$out/cmd.log" "$out/klog-allow"

# --- the command and its environment, handed over on the writable share
{
	printf 'cd %q || exit 4\n' "$PWD"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$out/cmd"

# Host paths the guest's own tmpfs (/tmp, /run, /dev/shm) would hide: the current directory,
# every --share, and every existing absolute path among the command's arguments (a scenario
# file under /tmp, say), also as the value of an `env VAR=PATH` argument.  guest-init bind-mounts each from the host root.
host_paths=()
hidden_path() {
	local p
	p=$(realpath -e -- "$1" 2>/dev/null) || return 1
	case $p in /tmp/*|/run/*|/dev/shm/*) ;; *) return 1 ;; esac
	# a file: its directory (includes next to it), unless that is the tmpfs root itself
	if [ ! -d "$p" ]; then
		case $(dirname "$p") in /tmp|/run|/dev/shm) ;; *) p=$(dirname "$p") ;; esac
	fi
	case " ${host_paths[*]} " in *" $p "*) ;; *) host_paths+=("$p") ;; esac
}
for p in "$PWD" "${shares[@]}"; do
	[ -e "$p" ] || rs_die $RS_EXIT_USAGE "--share $p: no such file or directory on this machine"
	hidden_path "$p" || true
done
for p in "$@"; do
	case $p in
	/*) [ -e "$p" ] && { hidden_path "$p" || true; } ;;
	[A-Za-z_]*=/*) [ -e "${p#*=}" ] && { hidden_path "${p#*=}" || true; } ;;	# env VAR=PATH
	esac
done
for p in "${host_paths[@]}"; do
	case $p in *' '*) rs_die $RS_EXIT_USAGE "'$p' has a blank in its name: the guest cannot be given it; move it" ;; esac
done

# Guest PCI topology; names are stable because every slot is explicit.
devargs=() vfio_devs=() i=0
IFS=, read -r -a sizes <<<"$ivshmem"
for size in "${sizes[@]}"; do
	[[ $size =~ ^[0-9]+[KMG]$ ]] || rs_die $RS_EXIT_USAGE "--ivshmem: '$size' is not a size like 4M"
	devargs+=(-object "memory-backend-ram,id=shm$i,size=$size")
	if [ $i = 0 ]; then
		# Alone behind a root port: it gets a bus reset (VFIO_DEVICE_RESET, hot reset).
		devargs+=(-device pcie-root-port,id=rp0,chassis=1,addr=0x2
			  -device "ivshmem-plain,memdev=shm$i,bus=rp0")
		bdf=0000:01:00.0
	else
		slot=$((0x10 + i - 1))
		devargs+=(-device "ivshmem-plain,memdev=shm$i,addr=$(printf '0x%x' $slot)")
		bdf=$(printf '0000:00:%02x.0' $slot)
	fi
	echo "RS_IVSHMEM$i=$bdf"
	vfio_devs+=("$bdf")
	i=$((i + 1))
done >"$out/env"
# Two functions of one multifunction ivshmem behind a third root port: a bus whose hot
# reset revokes the dma-bufs of both devices.
devargs+=(-device edu,addr=0x5
	  -device pcie-root-port,id=rp1,chassis=2,addr=0x3
	  -device nvme,serial=rsnvme0,bus=rp1
	  -device pcie-root-port,id=rp2,chassis=3,addr=0x4
	  -object memory-backend-ram,id=shmmf0,size=1M
	  -object memory-backend-ram,id=shmmf1,size=1M
	  -device ivshmem-plain,memdev=shmmf0,bus=rp2,addr=0x0.0,multifunction=on
	  -device ivshmem-plain,memdev=shmmf1,bus=rp2,addr=0x0.1
	  -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0,addr=0x8)
vfio_devs+=(0000:00:05.0 0000:02:00.0 0000:03:00.0 0000:03:00.1)
# A virtio-gpu that imports VFIO dma-bufs dynamically (blob resources, no virgl), behind a
# fourth root port.  Its DMA goes through the vIOMMU (iommu_platform), so the guest maps an
# ivshmem BAR for it through the host bridge (PCI_P2PDMA_MAP_THRU_HOST_BRIDGE): that needs
# a CPU p2pdma trusts (cpu_supports_p2pdma(): AMD family >= 17h; q35's host bridge is not
# on its whitelist).  QEMU enables blob resources only with memfd-backed guest RAM and a
# usable /dev/udmabuf (virtio_gpu_have_udmabuf()).
gpu_machine= gpu_cpu=
if [ $gpu = 1 ]; then
	devargs+=(-device pcie-root-port,id=rp3,chassis=4,addr=0xa
		  -device virtio-gpu-pci,blob=true,iommu_platform=on,bus=rp3)
	gpu_machine=",memory-backend=rsram"
	gpu_cpu=",family=23"
	devargs+=(-object "memory-backend-memfd,id=rsram,size=${mem}M")
	echo "RS_GPU=0000:04:00.0" >>"$out/env"
	echo "export RS_GPU" >>"$out/env"
fi
{
	echo "RS_EDU=0000:00:05.0"
	echo "RS_NVME=0000:02:00.0"
	echo "RS_IVSHMEM_MF0=0000:03:00.0"
	echo "RS_IVSHMEM_MF1=0000:03:00.1"
	echo "RS_VFIO_DEVICES='${vfio_devs[*]}'"
	printf 'RS_CWD=%q\n' "$PWD"
	printf 'RS_HOST_PATHS=%q\n' "${host_paths[*]}"
	echo "RS_VM=1"
	echo "RS_KERNEL_FLAVOUR=$(awk '$1 == "flavour" {print $2}' "$kernel/info" 2>/dev/null)"
	echo "RS_OUT=/run/rsout"
	printf 'RS_KERNEL=%q\n' "$kernel"
	# What the kernel carries, as its artifact says (vm/build-kernel.sh): tests of a
	# finding expect the bug or its fix from this, never by probing the behaviour.
	# Without a `fixes` list (an artifact of an older recipe) RS_KERNEL_FIXES is unset.
	kvars=RS_KERNEL
	if [ -f "$kernel/fixes" ]; then
		echo "RS_KERNEL_FIXES='$(awk '{print $1}' "$kernel/fixes" | paste -sd' ')'"
		kvars+=" RS_KERNEL_FIXES"
	fi
	echo "export RS_VFIO_DEVICES RS_EDU RS_NVME RS_IVSHMEM_MF0 RS_IVSHMEM_MF1 RS_CWD RS_HOST_PATHS RS_VM RS_KERNEL_FLAVOUR RS_OUT $kvars $(grep -o '^RS_IVSHMEM[0-9][0-9]*' "$out/env" | tr '\n' ' ')"
} >>"$out/env"

case $iommu in
intel) iommu_dev=(-device intel-iommu,intremap=on); iommu_cmd="intel_iommu=on iommu=nopt" ;;
# virtio-iommu on x86 has no interrupt remapping, so iommufd refuses to bind a VFIO device
# behind it (EPERM, iommufd_device_bind(): MSIs not isolated) unless told to accept that
virtio) iommu_dev=(-device virtio-iommu-pci,addr=0x9); iommu_cmd="iommu=nopt iommufd.allow_unsafe_interrupts=1" ;;
esac

cmdline="root=rsroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose ro"
# no_timer_check: a TCG guest on a loaded host can fail the IO-APIC timer check at boot
# ("timer doesn't work through Interrupt-remapped IO-APIC"), a panic, not a finding
cmdline+=" console=ttyS0 loglevel=4 panic=-1 oops=panic panic_on_warn=0 no_timer_check"
cmdline+=" init=$RS_TOP/vm/guest-init.sh"
cmdline+=" $iommu_cmd dma_buf.hung_importer_ms=2000 sysctl.kernel.hung_task_timeout_secs=30 $append"

# The machine without accelerator and test devices; $1 is the run directory to share.
qemu_base() {
	qemu=(qemu-system-x86_64 -nodefaults -no-reboot -display none -vga none -m "$mem" -smp "$smp"
	      -fsdev local,id=rsroot,path=/,security_model=none,readonly=on,multidevs=remap
	      -device virtio-9p-pci,fsdev=rsroot,mount_tag=rsroot,addr=0x6
	      -fsdev "local,id=rsout,path=$1,security_model=none"
	      -device virtio-9p-pci,fsdev=rsout,mount_tag=rsout,addr=0x7)
}

# --- A machine shared by several runs: RS_VM_LOCK=FILE boots only while holding that
# lock (flock), so that at most one guest runs at a time; the wait is said and logged.
if [ -n "${RS_VM_LOCK:-}" ]; then
	exec 8>"$RS_VM_LOCK" || rs_die $RS_EXIT_USAGE "RS_VM_LOCK=$RS_VM_LOCK: cannot open it"
	waited=$(date +%s)
	if ! flock -n 8; then
		rs_say "waiting for RS_VM_LOCK $RS_VM_LOCK (another guest is running)"
		flock 8
	fi
	waited=$(($(date +%s) - waited))
	[ $waited = 0 ] || rs_say "waited ${waited}s for RS_VM_LOCK"
fi

# --- KVM or TCG.  KVM is used only when a short probe boot reached init on this host.
probe_kvm() {
	local probe=$RS_CACHE/kvm-probe-$(cat /proc/sys/kernel/random/boot_id)-$(qemu-system-x86_64 --version | head -n1 | tr -cd '0-9.')
	if [ -f "$probe" ]; then
		cat "$probe"
		return
	fi
	local dir res
	dir=$(mktemp -d "$RS_CACHE/kvm-probe.XXXXXX")
	printf 'exit 0\n' >"$dir/cmd"
	printf 'RS_VFIO_DEVICES=\nRS_CWD=/\n' >"$dir/env"
	local kern=$kernel/vmlinux qemu
	qemu_base "$dir"
	timeout 40 "${qemu[@]}" -machine q35,accel=kvm,kernel-irqchip=split -cpu host \
		-kernel "$kern" -append "${cmdline/$iommu_cmd/} " -serial "file:$dir/console.log" \
		>/dev/null 2>&1 || true
	if [ "$(cat "$dir/rc" 2>/dev/null)" = 0 ]; then
		res="kvm ok"
	else
		res="kvm no: a probe boot of $kern under KVM did not reach init in 40s"
	fi
	rm -rf "$dir"
	echo "$res" | tee "$probe"
}
if [ "$accel" != tcg ]; then
	if [ ! -w /dev/kvm ]; then
		[ "$accel" = kvm ] && rs_die $RS_EXIT_ENV "--accel kvm: /dev/kvm is missing or not writable"
		why="no usable /dev/kvm"
		accel=tcg
	else
		res=$(probe_kvm)
		if [ "${res%% *}" = kvm ] && [ "${res#kvm }" = ok ]; then
			accel=kvm
		else
			[ "$accel" = kvm ] && rs_die $RS_EXIT_ENV "--accel kvm: ${res#kvm no: }"
			why=${res#kvm no: }
			accel=tcg
		fi
	fi
fi
if [ "$accel" = kvm ]; then
	# the host's own CPU: p2pdma trusts it through the host bridge if it is an AMD Zen
	machine=(-machine "q35,accel=kvm,kernel-irqchip=split$gpu_machine" -cpu host)
	rs_say "accel: KVM"
else
	# la57=off: 7.2 with KASAN has a false "wild-memory-access" when an interrupt hits
	# identify_cpu() while it has cleared X86_FEATURE_LA57 (docs/lab.md, known kernel bugs)
	machine=(-machine "q35,accel=tcg$gpu_machine" -cpu "max,la57=off$gpu_cpu")
	rs_say "accel: TCG (software emulation${why:+; $why})"
fi

# QEMU 7.2 enables virtio-gpu blob resources only if it can open /dev/udmabuf, which it
# uses for nothing but a host dma-buf of a blob for its own display (none here).  On a host
# without udmabuf QEMU runs in a mount namespace of its own whose /dev has a stand-in node
# (/dev/null's), set up by vm/udmabuf-standin.sh; docs/lab.md says what that changes.
wrap=()
if [ $gpu = 1 ] && ! [ -c /dev/udmabuf ]; then
	"$RS_TOP/vm/udmabuf-standin.sh" --check ||
		rs_die $RS_EXIT_ENV "--gpu: this host has no /dev/udmabuf (modprobe udmabuf) and cannot give QEMU a stand-in (needs root for a private mount namespace)"
	wrap=("$RS_TOP/vm/udmabuf-standin.sh" --)
	rs_say "gpu: no /dev/udmabuf on this host: QEMU gets a stand-in (vm/udmabuf-standin.sh)"
fi

rs_say "booting $(cat "$kernel/info" 2>/dev/null | awk '/^version|^flavour/ {printf "%s ", $2}')kernel; run dir $out"
start=$(date +%s)
qemu_base "$out"
"${wrap[@]}" "${qemu[@]}" "${machine[@]}" "${iommu_dev[@]}" "${devargs[@]}" \
	-kernel "$kernel/bzImage" -append "$cmdline" \
	-serial "file:$out/console.log" -monitor none >"$out/qemu.log" 2>&1 &
qpid=$!
tailpid=
case $show in
console)
	tail -n +1 -F --pid="$qpid" "$out/console.log" >&2 2>/dev/null &
	tailpid=$!
	;;
command)
	# the command's own output as it comes (status lines, KTAP), its guest paths of the
	# results share shown as the host's
	touch "$out/cmd.log"
	tail -n +1 -F --pid="$qpid" "$out/cmd.log" 2>/dev/null | sed -u "s#/run/rsout#$out#g" >&2 &
	tailpid=$!
	;;
esac
cleanup() {
	kill "$qpid" 2>/dev/null || true
	[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
timed_out=0
while kill -0 "$qpid" 2>/dev/null; do
	if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
		timed_out=1
		kill -KILL "$qpid" 2>/dev/null || true
		break
	fi
	sleep 1
done
wait "$qpid" 2>/dev/null && qrc=0 || qrc=$?
# the stream drains by itself: tail --pid prints what is left once qemu is gone, then ends
for _ in $(seq 10); do
	[ -n "$tailpid" ] && kill -0 "$tailpid" 2>/dev/null || break
	sleep 0.3
done
cleanup
trap - EXIT INT TERM
secs=$(($(date +%s) - start))

# --- verdict
reports=$("$RS_TOP/vm/scan-console.sh" "$out/console.log" "${allow[@]}" ${out:+--allow-file "$out/klog-allow"} || true)
rc=
[ -f "$out/rc" ] && rc=$(cat "$out/rc")
{
	echo "run: $name"
	echo "accel: $accel"
	echo "kernel: $kernel"
	echo "seconds: $secs"
	[ -n "${RS_VM_LOCK:-}" ] && echo "vm_lock_wait_seconds: $waited"
	echo "command_rc: ${rc:-none}"
	echo "timed_out: $timed_out"
	printf 'kernel_reports: %s\n' "$(printf '%s' "$reports" | grep -c . || true)"
	[ -n "$reports" ] && printf '  %s\n' "$reports"
} >"$out/summary"

if [ $timed_out = 1 ]; then
	rs_say "TIMEOUT: the guest ran for ${timeout}s and was killed; console log kept: $out/console.log"
	[ -n "$reports" ] && printf 'revokestorm-lab: kernel report: %s\n' "$reports" >&2
	exit $RS_EXIT_TIMEOUT
fi
if [ -z "$rc" ]; then
	if ! grep -q 'rs-guest: up' "$out/console.log" 2>/dev/null; then
		rs_say "the guest never reached init (qemu exit $qrc); see $out/console.log and $out/qemu.log"
		tail -n 5 "$out/qemu.log" "$out/console.log" >&2 2>/dev/null || true
		[ -n "$reports" ] && printf 'revokestorm-lab: kernel report: %s\n' "$reports" >&2
		exit $RS_EXIT_ENV
	fi
	rs_say "the guest stopped before the command finished (qemu exit $qrc); see $out/console.log"
	[ -n "$reports" ] && printf 'revokestorm-lab: kernel report: %s\n' "$reports" >&2
	exit $RS_EXIT_FAIL
fi
if [ -n "$reports" ]; then
	printf 'revokestorm-lab: kernel report in the console log: %s\n' "$reports" >&2
	# The report itself (its first 60 kernel lines), so a CI log alone is enough to start
	# on it, and a copy of the console log in the cache, which outlives a CI checkout.
	first=${reports%%:*}
	echo "revokestorm-lab: ---- console.log from line $first ----" >&2
	tail -n +"$first" "$out/console.log" | grep -a '^\[ *[0-9]' | head -n 60 >&2
	echo "revokestorm-lab: ---- end of excerpt ----" >&2
	keep="$RS_CACHE/vm-failures"
	if mkdir -p "$keep" 2>/dev/null && cp "$out/console.log" "$keep/$name-$(date +%Y%m%d-%H%M%S).log" 2>/dev/null; then
		ls -1t "$keep"/*.log 2>/dev/null | tail -n +21 | xargs -r rm -f
		rs_say "console log copied to $keep/ (the last 20 are kept)"
	fi
	rs_say "FAIL: kernel reports found (command exit $rc, ${secs}s); full log: $out/console.log"
	[ "$rc" = 0 ] && exit $RS_EXIT_FAIL
	exit "$rc"
fi
rs_say "command exit $rc after ${secs}s ($accel); run dir $out"
exit "$rc"
