#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: vm/udmabuf-standin.sh --check
#        vm/udmabuf-standin.sh -- COMMAND [ARGS...]
#
# Run COMMAND (QEMU) in a private mount namespace whose /dev has a /dev/udmabuf: an
# overlay over the host's /dev with a character node of /dev/null's number added.  For
# hosts without udmabuf only (vm/run-vm.sh --gpu): QEMU 7.2 enables virtio-gpu blob
# resources only if /dev/udmabuf opens (virtio_gpu_have_udmabuf()), and uses it for
# nothing but host dma-bufs of blobs for its own display, which the lab has none of; a
# blob it cannot make one of stays a resource without a host mapping, as on a host with
# udmabuf but guest memory that is not memfd.  The host's /dev is not changed.  --check:
# exit 0 if this can be done here (root, mount namespaces, overlayfs).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$RS_CACHE/udmabuf-standin
if [ "${1:-}" = --check ]; then
	[ "$(id -u)" = 0 ] && mkdir -p "$dir/u" "$dir/w" && unshare -m true 2>/dev/null
	exit
fi
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || rs_die $RS_EXIT_USAGE "usage: vm/udmabuf-standin.sh -- COMMAND [ARGS...]"
mkdir -p "$dir/u" "$dir/w"
exec unshare -m --propagation private -- /bin/bash -c '
	set -e
	mount -t overlay rs-dev -o "lowerdir=/dev,upperdir=$1/u,workdir=$1/w" /dev
	[ -c /dev/udmabuf ] || mknod -m 0666 /dev/udmabuf c 1 3
	shift
	exec "$@"' rs-udmabuf-standin "$dir" "$@"
