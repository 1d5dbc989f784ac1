# SPDX-License-Identifier: GPL-2.0
# Debian helpers for scripts that need a Debian system of their own (sourced; needs lib.sh).

# The Debian mirror this machine already uses (deb822 or one-line format), never a fixed host.
rs_debian_mirror() {
	local uri
	uri=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' \
			/etc/apt/sources.list | head -n1)
	fi
	[ -n "$uri" ] && echo "$uri"
}

# rs_bookworm_minbase DIR: a fresh Debian bookworm (debootstrap --variant=minbase from this
# machine's mirror) unpacked in DIR; the first one is kept as a tarball in $RS_CACHE/debian/.
rs_bookworm_minbase() {
	local dir=$1 base=$RS_CACHE/debian/bookworm-minbase.tar.gz uri
	mkdir -p "$dir" "$RS_CACHE/debian"
	if [ -s "$base" ]; then
		tar -C "$dir" -xzf "$base"
		return
	fi
	uri=$(rs_debian_mirror) || { rs_say "no Debian mirror in /etc/apt/sources.list{,.d}"; return 1; }
	rs_say "debootstrap bookworm (minbase) from $uri; log: $RS_CACHE/debian/debootstrap.log"
	debootstrap --variant=minbase bookworm "$dir" "$uri" >"$RS_CACHE/debian/debootstrap.log" 2>&1 &&
		tar -C "$dir" -czf "$base.tmp" . && mv "$base.tmp" "$base"
}
