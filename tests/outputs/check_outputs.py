#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check a run's outputs with the programs that read them.

usage: check_outputs.py KSRC KTAP_FILE [RESULTS_DIR] [--name NAME]

  KTAP_FILE   the run's stdout: parsed by the kernel's own tools/testing/kunit/kunit.py
              parse (from KSRC); it must parse without errors, and kunit.py must see the
              same test points, with the same results, as the KTAP lines and the
              '# Totals:' line say.
  RESULTS_DIR its kcidb.json is validated against tests/outputs/kcidb-v4.schema.json
              (python3-jsonschema); every build names a checkout of the document, every
              test a build, ids are unique, and there is one test per KTAP point with the
              same status (ok: PASS, not ok: FAIL, # SKIP: SKIP).

Prints KTAP lines ("ok N outputs: NAME: ..."); exit 0 when every check passes, 1 if not,
4 when a reader is missing (no kunit.py, no python3-jsonschema).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def ktap_points(text):
    """[(name, 'PASS'|'FAIL'|'SKIP')] of the top-level points, and the Totals line's counts."""
    points, totals = [], None
    for line in text.splitlines():
        m = re.match(r"(not ok|ok) (\d+) ([^#]*?)\s*(?:#\s*(\w+).*)?$", line)
        if m:
            directive = (m.group(4) or "").upper()
            status = "SKIP" if directive == "SKIP" else ("PASS" if m.group(1) == "ok" else "FAIL")
            points.append((m.group(3), status))
        m = re.match(r"# Totals: pass:(\d+) fail:(\d+) xfail:(\d+) xpass:(\d+) skip:(\d+) error:(\d+)", line)
        if m:
            totals = {k: int(v) for k, v in zip(("pass", "fail", "xfail", "xpass", "skip", "error"),
                                                  m.groups())}
    return points, totals


def check_ktap(ksrc, path):
    kunit = os.path.join(ksrc, "tools/testing/kunit/kunit.py")
    if not os.path.exists(kunit):
        raise FileNotFoundError(kunit)
    path = os.path.abspath(path)	# kunit.py changes to the kernel tree
    text = open(path, errors="replace").read()
    points, totals = ktap_points(text)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "kunit.json")
        r = subprocess.run([sys.executable, kunit, "parse", "--json=" + out, path],
                           capture_output=True, text=True,
                           env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        if not os.path.exists(out):
            return ["kunit.py parse wrote no JSON (exit %d): %s" % (r.returncode, r.stderr[-500:])], points
        parsed = json.load(open(out))
    bad = []
    log = r.stdout + r.stderr
    for line in log.splitlines():
        if "[ERROR]" in line or "could not find any KTAP output" in line:
            bad.append("kunit.py: " + re.sub(r"^\[[0-9:]+\] ", "", line))
    misc = parsed.get("misc", {})
    if misc.get("errors"):
        bad.append("kunit.py counts %d parse errors" % misc["errors"])
    if misc.get("crashed"):
        bad.append("kunit.py sees %d crashed tests" % misc["crashed"])
    got = [(t["name"], t["status"]) for t in parsed.get("test_cases", [])]
    if got != points:
        bad.append("kunit.py sees %s, the KTAP lines say %s" % (got, points))
    if totals is None:
        bad.append("no '# Totals:' line")
    else:
        want = {"pass": sum(s == "PASS" for _, s in points), "fail": sum(s == "FAIL" for _, s in points),
                "skip": sum(s == "SKIP" for _, s in points)}
        for k, v in want.items():
            if totals[k] != v:
                bad.append("'# Totals:' says %s:%d, the points say %d" % (k, totals[k], v))
        if (misc.get("passed"), misc.get("failed"), misc.get("skipped")) != \
           (want["pass"], want["fail"], want["skip"]):
            bad.append("kunit.py counts passed %s failed %s skipped %s" %
                       (misc.get("passed"), misc.get("failed"), misc.get("skipped")))
    return bad, points


def check_kcidb(results, points):
    import jsonschema		# python3-jsonschema
    schema = json.load(open(os.path.join(HERE, "kcidb-v4.schema.json")))
    path = os.path.join(results, "kcidb.json")
    if not os.path.exists(path):
        return ["no kcidb.json in %s" % results]
    doc = json.load(open(path))
    bad = []
    checker = jsonschema.FormatChecker()
    for e in sorted(jsonschema.Draft202012Validator(schema, format_checker=checker).iter_errors(doc),
                    key=lambda e: list(e.path)):
        bad.append("%s: %s" % ("/".join(str(p) for p in e.path) or "(top)", e.message[:200]))
    checkouts = {c.get("id") for c in doc.get("checkouts", [])}
    builds = {b.get("id") for b in doc.get("builds", [])}
    for kind in ("checkouts", "builds", "tests"):
        ids = [o.get("id") for o in doc.get(kind, [])]
        if len(ids) != len(set(ids)):
            bad.append("%s: ids are not unique" % kind)
    for b in doc.get("builds", []):
        if b.get("checkout_id") not in checkouts:
            bad.append("build %s names checkout %s, which is not in the document" % (b.get("id"), b.get("checkout_id")))
    for t in doc.get("tests", []):
        if t.get("build_id") not in builds:
            bad.append("test %s names build %s, which is not in the document" % (t.get("id"), t.get("build_id")))
    got = [(t.get("path", "").split(".", 2)[-1], t.get("status")) for t in doc.get("tests", [])]
    want = [(re.sub(r"[ /]", "_", n), s) for n, s in points]
    if got != want:
        bad.append("kcidb tests %s, KTAP points %s" % (got, want))
    return bad


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--name")]
    name = next((a.split("=", 1)[1] for a in argv[1:] if a.startswith("--name=")), None)
    if len(args) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    ksrc, ktap = args[0], args[1]
    results = args[2] if len(args) > 2 else None
    name = name or os.path.basename(ktap)
    n, fails = 0, 0
    try:
        bad, points = check_ktap(ksrc, ktap)
    except FileNotFoundError as e:
        print("ok 1 outputs: %s: KTAP # SKIP no kunit.py (%s)" % (name, e))
        return 4
    n += 1
    if bad:
        fails += 1
        print("not ok %d outputs: %s: KTAP read by kunit.py parse" % (n, name))
        for b in bad[:10]:
            print("# " + b.replace("\n", "\n# "))
    else:
        print("ok %d outputs: %s: KTAP read by kunit.py parse (%d points)" % (n, name, len(points)))
    if results:
        n += 1
        try:
            bad = check_kcidb(results, points)
        except ImportError:
            print("ok %d outputs: %s: kcidb.json # SKIP python3-jsonschema is not installed" % (n, name))
            return 4 if not fails else 1
        if bad:
            fails += 1
            print("not ok %d outputs: %s: kcidb.json against the KCIDB v4 schema" % (n, name))
            for b in bad[:10]:
                print("# " + b.replace("\n", "\n# "))
        else:
            print("ok %d outputs: %s: kcidb.json valid KCIDB v4, one test per KTAP point" % (n, name))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
