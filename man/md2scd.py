#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write a man page's scdoc source from a docs/ page and the binary's own output.

usage: man/md2scd.py BINARY PAGE
  PAGE  revokestorm.1           from docs/cli.md, SYNOPSIS = `BINARY --help`
        revokestorm-scenario.5  from docs/scenario-format.md, its generated blocks
                                replaced by what `BINARY list --markdown` prints now

The man pages say what the docs say, and every table of options comes from the binary at
build time, so a page can never describe another binary than the one it is installed
with.  scdoc(1) turns the output into roff.  Only the markdown the docs use is handled:
headings, paragraphs, '-' lists, pipe tables, fenced code, `code`, **bold**, links.
"""
import re
import subprocess
import sys

PAGES = {
    "revokestorm.1": ("docs/cli.md", "revokestorm", "1",
                      "fault injection and stress tests for the Linux dma-buf revoke mechanism"),
    "revokestorm-scenario.5": ("docs/scenario-format.md", "revokestorm-scenario", "5",
                               "revokestorm scenario file format, and every plugin's options"),
}
# Links between docs become man page references; others name the file.
REFS = {"cli.md": "*revokestorm*(1)", "scenario-format.md": "*revokestorm-scenario*(5)"}


def run(binary, *args):
    return subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout


def escape(s):
    return s.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def inline(s):
    """Markdown inline markup to scdoc: `code` and **bold** bold, links as text."""
    out, i = "", 0
    pat = re.compile(r"`([^`]*)`|\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)]*)\)")
    for m in pat.finditer(s):
        out += escape(s[i:m.start()])
        if m.group(1) is not None:
            out += "*" + escape(m.group(1)) + "*" if m.group(1).strip() else escape(m.group(1))
        elif m.group(2) is not None:
            out += "*" + escape(m.group(2).replace("`", "")) + "*"
        else:
            target = m.group(4).split("#")[0]
            text = inline(m.group(3))
            if m.group(3).strip("`") == target:
                out += text
            elif target in REFS:
                out += text + " (" + REFS[target] + ")" if text.strip("*") != REFS[target] else text
            elif target:
                out += text + " (" + escape(target) + ")"
            else:
                out += text
        i = m.end()
    out += escape(s[i:])
    # HTML entities of the generated tables (list --markdown escapes < > |)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("\\\\|", "|")


def table(rows):
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", r.strip().strip("|"))] for r in rows]
    cells = [c for c in cells if not all(re.fullmatch(r":?-+:?", x) for x in c)]
    out = []
    for n, row in enumerate(cells):
        for k, c in enumerate(row):
            text = inline(c.replace("\\|", "|")) or " "
            if n == 0:
                text = "*" + text.strip("*") + "*" if text.strip() else text
                lead = ("[" if k == 0 else ":") + ("[" if k < len(row) - 1 else "<")
            else:
                lead = ("|" if k == 0 else ":") + " "
            out.append(lead + " " + text)
    return out


def convert(md):
    out, lines, i = [], md.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("```"):
            indent = len(line) - len(line.lstrip())
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i][indent:] if lines[i][:indent].isspace() else lines[i])
                i += 1
            i += 1
            out += ["```"] + block + ["```", ""]
            continue
        m = re.match(r"(#+) (.*)", line)
        if m:
            level, text = len(m.group(1)), m.group(2)
            if level == 1:
                pass	# the page title: NAME says it
            elif level == 2:
                out += ["# " + inline(text).replace("*", "").upper(), ""]
            elif level == 3:
                out += ["## " + inline(text).replace("*", ""), ""]
            else:
                out += ["*" + inline(text).strip("*") + "*", ""]
            i += 1
            continue
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out += table(rows) + [""]
            continue
        if re.match(r"\s*- ", line):
            while i < len(lines) and re.match(r"\s*- ", lines[i]):
                item = lines[i].strip()[2:]
                i += 1
                while i < len(lines) and lines[i].startswith("  ") and not re.match(r"\s*- ", lines[i]):
                    if lines[i].strip().startswith("```"):
                        break
                    item += " " + lines[i].strip()
                    i += 1
                out += ["- " + inline(item)]
                # a code block inside the item
                if i < len(lines) and lines[i].strip().startswith("```"):
                    block = []
                    i += 1
                    while i < len(lines) and not lines[i].strip().startswith("```"):
                        block.append(lines[i].strip("\n")[2:] if lines[i].startswith("  ") else lines[i])
                        i += 1
                    i += 1
                    out += ["", "```"] + block + ["```", ""]
            out += [""]
            continue
        if not line.strip() or line.startswith("<!--"):
            if out and out[-1] != "":
                out.append("")
            i += 1
            continue
        para = []
        while i < len(lines) and lines[i].strip() and not re.match(r"(#+ |\||\s*- |```|<!--)", lines[i]):
            para.append(lines[i].strip())
            i += 1
        out += [inline(" ".join(para)), ""]
    return "\n".join(out)


def splice(md, binary):
    """Replace the docs' generated blocks with the binary's output of now."""
    blocks = {
        "revokestorm list --markdown core":
            "\n".join(run(binary, "list", "--markdown", "core").split("\n")[2:]),
        "revokestorm list --markdown (plugins)":
            "".join(run(binary, "list", "--markdown", k) for k in ("exporter", "importer", "trigger", "load")),
    }
    for marker, text in blocks.items():
        b, e = "<!-- BEGIN %s -->\n" % marker, "<!-- END %s -->" % marker
        if b in md:
            md = md[:md.index(b) + len(b)] + text.rstrip("\n") + "\n" + md[md.index(e):]
    return md


def main(argv):
    if len(argv) != 3 or argv[2] not in PAGES:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    binary, page = argv[1], argv[2]
    src, name, section, what = PAGES[page]
    md = splice(open(src).read(), binary)
    if page == "revokestorm.1":	# the binary's usage is the synopsis, not the doc's copy
        md = md[md.index("\n## "):]
    version = run(binary, "--version").split()[-1]
    print('%s(%s) "revokestorm %s"\n' % (name, section, version))
    print("# NAME\n\n%s - %s\n" % (escape(name), what))
    if page == "revokestorm.1":
        usage = run(binary, "--help").split("\n\n")[1]
        usage = re.sub(r"(?m)^  (?=[a-z])", "revokestorm ", usage)
        print("# SYNOPSIS\n\n```\n%s\n```\n" % usage.rstrip("\n"))
        readme = open("README.md").read().split("\n\n")[1]	# what the tool is
        print("# DESCRIPTION\n\n%s\n" % inline(" ".join(readme.split())))
    else:
        print("# DESCRIPTION\n")
    print(convert(md).rstrip("\n") + "\n")
    other = "*revokestorm-scenario*(5)" if page == "revokestorm.1" else "*revokestorm*(1)"
    print("# SEE ALSO\n\n%s. The documentation "
          "(docs/\\*.md of the source, /usr/share/doc/revokestorm/ when installed from the "
          "package) has the lab, the results schema and the report." % other)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
