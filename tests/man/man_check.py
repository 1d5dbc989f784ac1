#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the man pages describe the binary they come with.

usage: man_check.py BINARY REVOKESTORM.1 REVOKESTORM-SCENARIO.5

Renders both pages with groff (as man(1) does) and compares them with what the binary
says of itself:
  revokestorm(1)            every command of `BINARY --help` in the SYNOPSIS and with a
                            section of its own; every long option of the binary's --help
                            texts (the commands' too) on the page, and no option on the page
                            that the binary does not have; exit codes 0 to 4 in the table
  revokestorm-scenario(5)   every plugin type and every key that `BINARY list` prints, with
                            its type and default, and no key in the page's tables that the
                            binary does not have
Used on the pages make builds (make check-unit) and on the installed ones (the Debian
package test), so a stale page, a broken generator or a doc that lags the binary fails.
Prints KTAP.
"""
import re
import subprocess
import sys


def render(page):
    roff = subprocess.run(["groff", "-t", "-man", "-Tutf8", "-rLL=400n", "-rHY=0", page],
                          check=True, capture_output=True).stdout
    text = subprocess.run(["col", "-bx"], input=roff, check=True, capture_output=True).stdout
    return text.decode()


def helps(binary):
    """{command: its --help text}, '' for the top level."""
    top = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    cmds = re.findall(r"(?m)^  ([a-z]+) ", top.split("\n\n")[1])
    out = {"": top}
    for c in cmds:
        if c == "help":
            continue
        r = subprocess.run([binary, c, "--help"], capture_output=True, text=True)
        out[c] = r.stdout + r.stderr
    return out


def long_opts(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z_-]*[a-z]", text))


def main(argv):
    if len(argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    binary, page1, page5 = argv[1:]
    results = []

    def check(name, problems):
        results.append((name, problems))

    text = render(page1)
    h = helps(binary)
    cmds = [c for c in h if c]
    synopsis = text.split("DESCRIPTION")[0]
    headings = [l.strip() for l in text.splitlines() if re.fullmatch(r"[A-Z][A-Z ,]+", l.strip())]
    bad = []
    for c in cmds:
        if not re.search(r"revokestorm %s\b" % c, synopsis):
            bad.append("command %s is not in the SYNOPSIS" % c)
        if not any(re.search(r"\b%s\b" % c.upper(), hd) for hd in headings):
            bad.append("command %s has no section (headings: %s)" % (c, ", ".join(headings)))
    check("revokestorm(1): every command of --help in the SYNOPSIS, each with a section", bad)

    binary_opts = set().union(*(long_opts(t) for t in h.values()))
    page_opts = long_opts(text)
    bad = ["option %s of the binary is not on the page" % o for o in sorted(binary_opts - page_opts)]
    # options of other programs the page mentions (perf's) are not ours
    foreign = {"--libtraceevent_print"}
    bad += ["the page has option %s, which the binary does not" % o
            for o in sorted(page_opts - binary_opts - {"--help", "--version"} - foreign)]
    check("revokestorm(1): the long options on the page are the binary's (%d)" % len(binary_opts), bad)

    codes = re.search(r"EXIT CODES\n(.*?)\n[A-Z]", text, re.S)
    rows = re.findall(r"(?m)^\s*│\s*([0-9])\s*│", codes.group(1)) if codes else []
    bad = [] if rows == ["0", "1", "2", "3", "4"] else ["exit code rows %s, want 0..4" % rows]
    check("revokestorm(1): the exit code table has codes 0 to 4", bad)

    text = render(page5)
    md = subprocess.run([binary, "list", "--markdown"], capture_output=True, text=True, check=True).stdout
    bad, keys, sections = [], set(), {}
    cur = None
    for line in md.splitlines():
        m = re.fullmatch(r"#### `(.+)`", line)
        if m:
            cur = m.group(1)
            sections[cur] = []
            continue
        m = re.fullmatch(r"\| `(\w+)` \| (\w+)[^|]*(?:\\\|[^|]*)* \| (.*?) \| .*", line)
        if m and cur:
            sections[cur].append(m.groups())
            keys.add(m.group(1))
    # the page, cut at each section heading (a line holding only the type or [section])
    lines = text.splitlines()
    starts = {}
    for i, l in enumerate(lines):
        if l.strip() in sections and l.startswith("       ") and not l.startswith("        "):
            starts.setdefault(l.strip(), i)
    order = sorted(starts.items(), key=lambda kv: kv[1])
    for name, rows in sections.items():
        if name not in starts:
            bad.append("%s has no heading in the page" % name)
            continue
        i = starts[name]
        nxt = min([v for v in starts.values() if v > i] + [len(lines)])
        seg = "\n".join(lines[i:nxt])
        for key, typ, default in rows:
            default = default.replace("\\|", "|").replace("&lt;", "<").replace("&gt;", ">")
            row = re.search(r"│\s*%s\s*│\s*%s\b[^│]*│\s*([^│]*?)\s*│" % (re.escape(key), typ), seg)
            if not row:
                bad.append("%s: key %s (%s) has no row in the page" % (name, key, typ))
            elif row.group(1) != default:
                bad.append("%s: key %s defaults to %s, the page says %s" % (name, key, default, row.group(1)))
    check("revokestorm-scenario(5): every section kind, plugin type and key of `revokestorm list`"
          " with its type and default (%d sections, %d keys)" % (len(sections), len(keys)), bad)

    page_keys = set(re.findall(r"(?m)^\s*│\s*(\w+)\s*│\s*(?:str|int|size|time|bool|enum|list)\b", text))
    bad = ["the page documents key %s, which the binary does not have" % k
           for k in sorted(page_keys - keys - {"type"})]
    check("revokestorm-scenario(5): no key on the page that the binary lacks", bad)

    print("KTAP version 1\n1..%d" % len(results))
    fails = 0
    for n, (name, problems) in enumerate(results, 1):
        print("%s %d man: %s" % ("not ok" if problems else "ok", n, name))
        for p in problems[:15]:
            print("# " + p)
        fails += bool(problems)
    print("man: %d passed, %d failed" % (len(results) - fails, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
