#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/debian/deb_test.sh          (make check-deb; as root; minutes, not in make check)
#
# The Debian package, end to end: dpkg-buildpackage -b -us -uc in a clean copy of HEAD
# (committed files only), lintian with no error, then a fresh bookworm (debootstrap
# --variant=minbase from this machine's Debian mirror, cached as a tarball in $RS_CACHE)
# where apt installs the .deb with its dependencies, and the installed binary runs:
# `revokestorm list`, `revokestorm check` of an installed scenario, --version; its man
# pages are checked against it (tests/man/man_check.py) and `make uninstall`'s files are
# all owned by the package.  KHDR/KSRC as for make.  Prints KTAP.
set -u
cd "$(dirname "$0")/../.."
. vm/lib.sh
. vm/debian.sh
. tests/ktap.sh
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (debootstrap, chroot)"; exit 4; }
rs_need_pkgs dpkg-dev debhelper fakeroot lintian debootstrap scdoc groff-base bsdextrautils \
	pkgconf liburing-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libibverbs-dev libdrm-dev
work=$(mktemp -d /tmp/rs-deb.XXXXXX)
trap 'umount "$work/root/proc" 2>/dev/null; rm -rf "$work"' EXIT
KTAP_PREFIX="deb: "
echo "KTAP version 1"
echo "1..7"

ver=$(dpkg-parsechangelog -S Version)
src=$work/revokestorm-$ver
mkdir -p "$src"
git archive HEAD | tar -x -C "$src"
t0=$SECONDS
(cd "$src" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$work/build.log" 2>&1
ok $? "dpkg-buildpackage -b -us -uc builds the package ($((SECONDS - t0)) s)" "$work/build.log"
deb=$(ls "$work"/revokestorm_"$ver"_*.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || { ktap_end deb; exit 1; }

lintian --fail-on error --pedantic -I "$deb" >"$work/lintian.log" 2>&1
rc=$?
ok $rc "lintian: no errors ($(grep -c '^[EW]:' "$work/lintian.log") errors and warnings, $(grep -c '^[IP]:' "$work/lintian.log") info/pedantic)" "$work/lintian.log"

t0=$SECONDS
rs_bookworm_minbase "$work/root" 2>"$work/debootstrap.log"
ok $? "a fresh bookworm (debootstrap minbase, cached; $((SECONDS - t0)) s)" "$RS_CACHE/debian/debootstrap.log"

cp "$deb" "$work/root/tmp/"
mount -t proc proc "$work/root/proc"
t0=$SECONDS
chroot "$work/root" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/$(basename "$deb")" \
	>"$work/install.log" 2>&1
ok $? "apt installs the .deb and its dependencies in it ($((SECONDS - t0)) s)" "$work/install.log"

{
	chroot "$work/root" revokestorm --version &&
	chroot "$work/root" revokestorm list >/dev/null &&
	chroot "$work/root" revokestorm check /usr/share/revokestorm/scenarios/smoke.ini >/dev/null &&
	chroot "$work/root" revokestorm check /usr/share/revokestorm/scenarios/storm-under-load.ini >/dev/null
} >"$work/run.log" 2>&1
ok $? "the installed binary runs: --version, list, check of installed scenarios" "$work/run.log"

printf '#!/bin/sh\nexec chroot %q revokestorm "$@"\n' "$work/root" >"$work/revokestorm"
chmod +x "$work/revokestorm"
gunzip -c "$work/root/usr/share/man/man1/revokestorm.1.gz" >"$work/revokestorm.1" &&
	gunzip -c "$work/root/usr/share/man/man5/revokestorm-scenario.5.gz" >"$work/revokestorm-scenario.5" &&
	/usr/bin/python3 tests/man/man_check.py "$work/revokestorm" "$work/revokestorm.1" \
		"$work/revokestorm-scenario.5" >"$work/man.log" 2>&1
ok $? "the installed man pages describe the installed binary" "$work/man.log"

# everything make install puts in place is the package's
make -s install DESTDIR="$work/mi" PREFIX=/usr DOCDIR=/usr/share/doc/revokestorm >"$work/mi.log" 2>&1
missing=$(cd "$work/mi" && find . -type f | sed 's|^\.||; s|\.md$|.md|' | while read -r f; do
	chroot "$work/root" dpkg -S "$f" >/dev/null 2>&1 || chroot "$work/root" dpkg -S "$f.gz" >/dev/null 2>&1 ||
		echo "$f"
done)
[ -z "$missing" ]
ok $? "every file of make install is in the package${missing:+ (missing: $missing)}" "$work/mi.log"
ktap_end deb
