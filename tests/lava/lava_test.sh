#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/lava/lava_test.sh   (make check-lava; as root; 2-3 minutes, +5.5 the first time
#                                  to install lava-dispatcher; not in make check)
#
# lava/qemu-lab-job.yaml run for real by Debian's lava-dispatcher with no server: lava-run
# with lava/qemu-device.yaml as the device, the lab kernel (KERNEL= another lab kernel's bzImage), a
# bookworm initramfs from lava/make-rootfs.sh holding the revokestorm .deb (DEB= a .deb,
# else one is built from HEAD; it holds the test definition's run step), and the job's
# inline test definition (lava/revokestorm.yaml).  Then the device must have booted that
# kernel, a lab kernel (tests/lava/booted_kernel.py: its banner on the console and in the
# run's uname, its vm/build-kernel.sh info file), the job's results must hold the install
# case, one case per KTAP point of the run with the pair's measurement, the exit case, every
# point must pass, and the results directory must come back as the artifact, whose KTAP and
# kcidb.json pass tests/outputs/check_outputs.py.
# Installs lava-dispatcher (without its recommends) if it is missing.  Prints KTAP.
set -u
cd "$(dirname "$0")/../.."
. vm/lib.sh
. tests/ktap.sh
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (lava-run, debootstrap)"; exit 4; }
if ! command -v lava-run >/dev/null; then
	rs_say "installing lava-dispatcher (about 115 packages, without recommends)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends lava-dispatcher \
		>"$RS_CACHE/apt-lava.log" 2>&1 || rs_die $RS_EXIT_ENV "apt-get install lava-dispatcher failed; see $RS_CACHE/apt-lava.log"
fi
rs_need_pkgs qemu-system-x86 git
kernel=${KERNEL:-$(RS_NO_FETCH=1 vm/build-kernel.sh --print-dir 2>/dev/null)/bzImage}
[ -f "$kernel" ] || { echo "1..0 # SKIP no lab kernel ($kernel): run ./run.sh setup, or KERNEL="; exit 4; }
work=$(mktemp -d /tmp/rs-lava.XXXXXX)
trap 'rm -rf "$work"' EXIT
KTAP_PREFIX="lava: "
echo "KTAP version 1"
echo "1..7"

deb=${DEB:-}
if [ -z "$deb" ]; then
	ver=$(dpkg-parsechangelog -S Version)
	mkdir -p "$work/src/revokestorm-$ver"
	git archive HEAD | tar -x -C "$work/src/revokestorm-$ver"
	(cd "$work/src/revokestorm-$ver" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$work/deb.log" 2>&1
	deb=$(ls "$work"/src/revokestorm_*.deb 2>/dev/null | head -n1)
fi
t0=$SECONDS
if [ -f "$deb" ]; then
	lava/make-rootfs.sh "$deb" "$work/rootfs.cpio.gz" >"$work/rootfs.log" 2>&1
else
	cp "$work/deb.log" "$work/rootfs.log" 2>/dev/null
	false
fi
ok $? "the device's bookworm initramfs with $(basename "${deb:-no .deb}") ($((SECONDS - t0)) s)" "$work/rootfs.log"

sed -e "s|@KERNEL_URL@|file://$(realpath "$kernel")|" -e "s|@ROOTFS_URL@|file://$work/rootfs.cpio.gz|" \
	lava/qemu-lab-job.yaml >"$work/job.yaml"
t0=$SECONDS
timeout 3000 lava-run --device lava/qemu-device.yaml --output-dir "$work/out" --job-id 1 \
	"$work/job.yaml" >"$work/lava-run.log" 2>&1
rc=$?
secs=$((SECONDS - t0))
mkdir -p "$RS_CACHE/lava"
cp "$work/lava-run.log" "$work/job.yaml" "$RS_CACHE/lava/"
ok $rc "lava-run runs the job with no server (exit $rc, $secs s; its log: $RS_CACHE/lava/lava-run.log)" "$work/lava-run.log"

# What LAVA recorded: results of the revokestorm definition, the console text of the run
/usr/bin/python3 - "$work/lava-run.log" "$work" >"$work/parse.log" 2>&1 <<'PY'
import base64, io, re, sys, tarfile, yaml
log = []
for line in open(sys.argv[1], errors="replace"):	# lava-run logs one YAML flow mapping a line
    try:
        e = yaml.safe_load(line)
    except yaml.YAMLError:
        continue
    if isinstance(e, dict):
        log.append(e)
work = sys.argv[2]
cases, text = {}, []
for e in log:
    if e.get("lvl") == "results" and isinstance(e.get("msg"), dict):
        m = e["msg"]
        if m.get("definition", "").endswith("_revokestorm"):
            cases[m["case"]] = m
    elif e.get("lvl") in ("target", "feedback") and isinstance(e.get("msg"), str):
        text.append(e["msg"])
open(work + "/console.txt", "w").write("\n".join(text) + "\n")
ktap = [l for l in text if re.match(r"^(KTAP version 1|1\.\.\d+|(not )?ok \d+ |# )", l)]
open(work + "/ktap.txt", "w").write("\n".join(ktap) + "\n")
points = [re.match(r"(not )?ok \d+ ([^ #]+)", l) for l in ktap]
points = [(m.group(2), "fail" if m.group(1) else ("skip" if "# SKIP" in l else "pass"))
          for m, l in zip(points, ktap) if m]
bad = []
if cases.get("revokestorm-install", {}).get("result") != "pass":
    bad.append("no passing revokestorm-install case")
for name, res in points:
    if name not in cases:
        bad.append("KTAP point %s is not a LAVA test case" % name)
    elif cases[name]["result"] != res:
        bad.append("%s: LAVA says %s, KTAP %s" % (name, cases[name]["result"], res))
for name, c in cases.items():
    if name + ".cycles" in cases and "measurement" not in c:
        bad.append("pair %s has no revoke p99 measurement" % name)
if "revokestorm-exit" not in cases:
    bad.append("no revokestorm-exit case")
print("cases:", {k: (v["result"], v.get("measurement"), v.get("units")) for k, v in cases.items()})
# the artifact: base64 between the markers
joined = "\n".join(text)
m = re.search(r"revokestorm-artifact begin (\S+)\n(.*?)\nrevokestorm-artifact end", joined, re.S)
if not m:
    bad.append("no results artifact in the log")
else:
    data = base64.b64decode("".join(l.strip() for l in m.group(2).splitlines()))
    tarfile.open(fileobj=io.BytesIO(data)).extractall(work + "/artifact")
    print("artifact:", m.group(1), len(data), "bytes")
print("\n".join(bad))
sys.exit(1 if bad or not points else 0)
PY
ok $? "every KTAP point is a LAVA test case with its result, pairs with measurements; install and exit cases" "$work/parse.log"

/usr/bin/python3 tests/lava/booted_kernel.py "$kernel" "$work/console.txt" "$work/ktap.txt" >"$work/kernel.log" 2>&1
ok $? "the device booted the given lab kernel ($(sed -n 's/^console: //p' "$work/kernel.log" | cut -d' ' -f1-3))" "$work/kernel.log"

# On the lab kernel the smoke scenario passes (as in the lab VM, tests/vm): a failing point
# here is a difference between the LAVA device and the lab, or a kernel bug to explain
failed=$(grep -E '^not ok ' "$work/ktap.txt")
[ -s "$work/ktap.txt" ] && [ -z "$failed" ] && grep -q '^# Totals: pass:[1-9]' "$work/ktap.txt"
ok $? "every point of $(sed -n 's/^# revokestorm [^:]*: scenario \([^ ]*\).*/\1/p' "$work/ktap.txt" | head -n1) passes on it" \
	"${failed:-$(cat "$work/parse.log")}"

res=$(ls -d "$work"/artifact/* 2>/dev/null | head -n1)
[ -n "$res" ] && [ -s "$res/results.json" ]
ok $? "the results directory comes back as the job's artifact" "$work/parse.log"
ksrc=${KSRC:-$(RS_NO_FETCH=1 vm/fetch-source.sh 2>/dev/null)}
/usr/bin/python3 tests/outputs/check_outputs.py "$ksrc" "$work/ktap.txt" "$res" --name="LAVA run" >"$work/outputs.log" 2>&1
ok $? "the run's KTAP (kunit.py parse) and the artifact's kcidb.json (KCIDB v4) check out" "$work/outputs.log"
cat "$work/parse.log" "$work/kernel.log" >"$RS_CACHE/lava/last-results.txt"
ktap_end lava
