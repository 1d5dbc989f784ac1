#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check syzkaller/*.txt against the kernel it describes, without syzkaller.

usage: syzlang_check.py KHDR KSRC [--write-const] FILE.txt...

syzkaller's own compiler (syz-sysgen) is the authority on the language; this check is
what make check can do without building syzkaller (see syzkaller/README.md for the
syz-sysgen run).  For each description file it:

  - reads the syzlang (includes, resources, defines, flags, calls, structs) and fails on
    anything it does not know: a type name that is neither built in, declared in the file,
    nor one of the syzkaller resources the file says it uses; a comment that syz-sysgen
    would take for a directive;
  - evaluates every constant (UPPER_CASE names, defines) with a C compiler against the
    kernel's uapi headers (KHDR) and iommufd_test.h (KSRC), and compares them with the
    shipped FILE.txt.const (amd64), or writes that file (--write-const);
  - lays every struct out as syzkaller does on amd64 (natural alignment, [size[N]]) and
    compares each field's offset and size, and the struct's size, with the C struct of the
    same name (the part before '$'; a field missing in C is looked up in the union member
    named after the variant, as iommu_test_cmd's are).

Prints KTAP; exit 0 when every check passes.
"""
import os
import re
import subprocess
import sys
import tempfile

# syzkaller resources and flags the descriptions use from syzkaller's own files.
EXTERNAL = {
    "fd_iommufd": "fd", "ioas_handle": "int32", "hwpt_handle": "int32",
    "device_handle": "int32", "fd_dma_buf": "fd", "fd_sync_file": "fd",
    "fd_event": "fd", "fd_memfd": "fd",
}
EXTERNAL_FLAGS = {"iommufd_ioas_map_flags": ["IOMMU_IOAS_MAP_FIXED_IOVA", "IOMMU_IOAS_MAP_WRITEABLE",
                                             "IOMMU_IOAS_MAP_READABLE"]}
# defines of syzkaller's own files that the descriptions use
EXTERNAL_DEFINES = {"IOMMU_TEST_CMD_SIZE": "sizeof(struct iommu_test_cmd)"}
SYSCALLS = {"ioctl", "syz_open_dev", "pwrite64", "openat"}
INTS = {"int8": 1, "int16": 2, "int32": 4, "int64": 8, "intptr": 8, "bool32": 4, "fd": 4}


class Error(Exception):
    pass


def split_args(s):
    """Split 'a, b[c, d], e' at top-level commas."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_type(t):
    m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_$]*)(?:\[(.*)\])?", t.strip())
    if not m:
        raise Error("cannot read type '%s'" % t)
    return m.group(1), split_args(m.group(2)) if m.group(2) is not None else []


class Desc:
    def __init__(self, path):
        self.path = path
        self.includes, self.resources, self.defines = [], {}, {}
        self.flags, self.calls, self.structs = {}, [], {}
        self.struct_attrs = {}
        self.parse()

    def err(self, n, msg):
        raise Error("%s:%d: %s" % (self.path, n, msg))

    def parse(self):
        lines = open(self.path).read().split("\n")
        i = 0
        while i < len(lines):
            n, line = i + 1, lines[i].rstrip()
            i += 1
            if re.match(r"\s*#\s*(include|incdir|define)", line):
                self.err(n, "a comment that reads like a directive (syz-sysgen refuses it)")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("include "):
                m = re.fullmatch(r"include <([^>]+)>", line)
                if not m:
                    self.err(n, "bad include")
                self.includes.append(m.group(1))
            elif line.startswith("resource "):
                m = re.fullmatch(r"resource (\w+)\[(\w+)\]", line)
                if not m:
                    self.err(n, "bad resource")
                self.resources[m.group(1)] = m.group(2)
            elif line.startswith("define "):
                m = re.fullmatch(r"define (\w+)\s+(.+)", line)
                if not m:
                    self.err(n, "bad define")
                self.defines[m.group(1)] = m.group(2).strip()
            elif re.match(r"\w+ = ", line):
                name, vals = line.split(" = ", 1)
                self.flags[name] = [v.strip() for v in vals.split(",")]
            elif re.match(r"[\w$]+\(", line):
                m = re.fullmatch(r"(\w+)((?:\$\w+)*)\((.*)\)( \w+)?", line)
                if not m:
                    self.err(n, "bad call")
                if m.group(1) not in SYSCALLS:
                    self.err(n, "unknown syscall %s" % m.group(1))
                args = []
                for a in split_args(m.group(3)):
                    an, at = a.split(" ", 1)
                    args.append((an, at))
                self.calls.append((n, m.group(1) + (m.group(2) or ""), args,
                                   (m.group(4) or "").strip()))
            elif re.fullmatch(r"[\w$]+ \{", line):
                name, fields = line.split()[0], []
                while True:
                    if i >= len(lines):
                        self.err(n, "struct %s not closed" % name)
                    fl, fn = lines[i].strip(), i + 1
                    i += 1
                    if fl.startswith("}"):
                        self.struct_attrs[name] = fl[1:].strip()
                        break
                    if not fl or fl.startswith("#"):
                        continue
                    m = re.fullmatch(r"(\w+)\s+(.+?)(?:\s+\((in|out|inout)\))?", fl)
                    if not m:
                        self.err(fn, "bad field '%s'" % fl)
                    fields.append((fn, m.group(1), m.group(2)))
                self.structs[name] = fields
            else:
                self.err(n, "cannot read '%s'" % line)

    # -- names ------------------------------------------------------------------------
    def consts_in(self, text):
        return set(re.findall(r"\b[A-Z_][A-Z0-9_]*[A-Z][A-Z0-9_]*\b", text))

    def const_names(self):
        names = set()
        for n, _, args, _ in self.calls:
            for _, t in args:
                names |= self.consts_in(t)
        for fields in self.structs.values():
            for _, _, t in fields:
                names |= self.consts_in(t)
        for attrs in self.struct_attrs.values():
            names |= self.consts_in(attrs)
        for vals in self.flags.values():
            for v in vals:
                names |= self.consts_in(v)
        return names

    def check_type(self, n, t, known):
        name, opts = parse_type(t)
        if name in INTS or name in ("intptr",):
            return
        if name in ("vma64", "string"):
            return
        if name in ("const", "len", "bytesize", "proc"):
            for o in opts[2 if name == "proc" else 1:]:
                if o not in INTS:
                    raise Error("%s:%d: %s[...] underlying type '%s'" % (self.path, n, name, o))
            return
        if name == "flags":
            if opts[0] not in self.flags and opts[0] not in EXTERNAL_FLAGS:
                raise Error("%s:%d: no flags '%s'" % (self.path, n, opts[0]))
            return
        if name in ("ptr", "ptr64"):
            if opts[0] not in ("in", "out", "inout"):
                raise Error("%s:%d: pointer direction '%s'" % (self.path, n, opts[0]))
            return self.check_type(n, opts[1], known)
        if name == "array":
            return self.check_type(n, opts[0], known)
        if name.split("[")[0] in known:
            return
        raise Error("%s:%d: unknown type '%s'" % (self.path, n, name))

    def check_names(self):
        known = set(self.resources) | set(self.structs) | set(EXTERNAL)
        for n, _, args, ret in self.calls:
            for _, t in args:
                self.check_type(n, t, known)
            if ret and ret not in self.resources and ret not in EXTERNAL:
                raise Error("%s:%d: returns '%s', not a resource" % (self.path, n, ret))
        for fields in self.structs.values():
            for fn, _, t in fields:
                self.check_type(fn, t, known)
        used = set()
        for n, _, args, _ in self.calls:
            used |= set(re.findall(r"[\w$]+", " ".join(t for _, t in args)))
        for fields in self.structs.values():
            used |= set(re.findall(r"[\w$]+", " ".join(t for _, _, t in fields)))
        for s in self.structs:
            if s not in used:
                raise Error("%s: struct %s is not used" % (self.path, s))
        for f in self.flags:
            if f not in used:
                raise Error("%s: flags %s are not used" % (self.path, f))

    # -- layout -----------------------------------------------------------------------
    def size_align(self, t, consts):
        """(size, align) of a field type on amd64; size None for variable length."""
        name, opts = parse_type(t)
        if name in INTS:
            return INTS[name], INTS[name]
        if name in ("const", "len", "bytesize", "flags", "proc"):
            base = opts[-1] if opts[-1] in INTS else "intptr"
            return INTS[base], INTS[base]
        if name in ("ptr", "ptr64", "vma64"):
            return 8, 8
        if name in self.resources:
            return self.size_align(self.resources[name], consts)
        if name in EXTERNAL:
            return self.size_align(EXTERNAL[name], consts)
        if name == "array":
            es, ea = self.size_align(opts[0], consts)
            if len(opts) > 1 and ":" not in opts[1]:
                return es * int(opts[1], 0), ea
            return None, ea
        if name in self.structs:
            lay = self.layout(name, consts)
            return lay["size"], lay["align"]
        raise Error("no size for '%s'" % t)

    def layout(self, sname, consts):
        off, align, fields, varlen = 0, 1, {}, False
        for _, fname, t in self.structs[sname]:
            size, a = self.size_align(t, consts)
            off = (off + a - 1) // a * a
            fields[fname] = (off, size)
            align = max(align, a)
            if size is None:
                varlen = True
                size = 0
            off += size
        size = (off + align - 1) // align * align
        m = re.fullmatch(r"\[size\[(\w+)\]\]", self.struct_attrs.get(sname, ""))
        if m and m.group(1) in consts:
            size = consts[m.group(1)]
        elif m:
            size = int(m.group(1), 0) if m.group(1)[0].isdigit() else None
        return {"fields": fields, "size": None if varlen else size, "align": align}


def c_expr(desc, expr):
    """A syzlang const expression as C (defines expanded, 'sizeof(struct x)' kept)."""
    for _ in range(8):
        new = re.sub(r"\b([A-Z_][A-Z0-9_]*)\b",
                     lambda m: "(" + desc.defines[m.group(1)] + ")" if m.group(1) in desc.defines
                     else m.group(1), expr)
        if new == expr:
            return expr
        expr = new
    raise Error("define loop in '%s'" % expr)


def run_c(khdr, ksrc, desc, names, structs, headers):
    src = ["#include <stddef.h>", "#include <stdio.h>"]
    for inc in desc.includes:
        if inc.startswith("uapi/"):
            src.append("#include <%s>" % inc[len("uapi/"):])
        elif inc.startswith("../drivers/"):
            src.append('#include "%s/%s"' % (ksrc, inc[3:]))
        else:
            src.append("#include <%s>" % inc)
    src.append("int main(void) {")
    for name in sorted(names):
        expr = c_expr(desc, desc.defines.get(name, EXTERNAL_DEFINES.get(name, name)))
        src.append('printf("C %s %%llu\\n", (unsigned long long)(%s));' % (name, expr))
    for sname, cname, lay in structs:
        src.append('printf("S %s %%zu\\n", sizeof(struct %s));' % (sname, cname))
        for fname, path in lay:
            mine = desc.layout(sname, {})["fields"][fname]
            flex = c_fields(headers, cname).get(path, False)
            size = "sizeof(((struct %s *)0)->%s)" % (cname, path) if mine[1] is not None and not flex else "0"
            src.append('printf("F %s %s %%zu %%zu\\n", offsetof(struct %s, %s), (size_t)%s);'
                       % (sname, fname, cname, path, size))
    src.append("return 0; }")
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "c.c"), "w") as f:
            f.write("\n".join(src) + "\n")
        cc = os.environ.get("CC", "gcc")
        r = subprocess.run([cc, "-std=gnu11", "-D__user=", "-isystem", khdr, "-o",
                            os.path.join(d, "c"), os.path.join(d, "c.c")],
                           capture_output=True, text=True)
        if r.returncode:
            raise Error("the C check program does not build against %s:\n%s" % (khdr, r.stderr[:3000]))
        out = subprocess.run([os.path.join(d, "c")], capture_output=True, text=True, check=True).stdout
    consts, sizes, fields = {}, {}, {}
    for line in out.splitlines():
        p = line.split()
        if p[0] == "C":
            consts[p[1]] = int(p[2])
        elif p[0] == "S":
            sizes[p[1]] = int(p[2])
        else:
            fields[(p[1], p[2])] = (int(p[3]), int(p[4]))
    return consts, sizes, fields


def c_members(body):
    """{member: is a flexible array} of a C struct body; anonymous unions' members included."""
    out, depth, cur = {}, 0, ""
    for ch in body:
        cur += ch
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == ";" and depth == 0:
            decl = cur.strip()
            cur = ""
            if decl.startswith("#"):
                continue
            if "{" in decl:
                inner = decl[decl.index("{") + 1:decl.rindex("}")]
                name = decl[decl.rindex("}") + 1:].strip(" ;")
                if name:
                    out[re.sub(r"\[.*", "", name)] = False
                else:
                    out.update(c_members(inner))
                continue
            decl = re.sub(r"__counted_by\([^)]*\)|__attribute__\(\(.*?\)\)", "", decl).strip(" ;")
            m = re.search(r"(\w+)\s*(\[\s*\])?\s*(\[[^\]]*\])?$", decl)
            if m:
                out[m.group(1)] = m.group(2) is not None
    return out


def c_fields(text, cname):
    """Members of C struct cname in the headers' text, or None if it is not there."""
    m = re.search(r"struct %s \{(.*?)\n\};" % re.escape(cname), text, re.S)
    if not m:
        return None
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    body = "\n".join(l for l in body.split("\n") if not l.strip().startswith("#"))
    return c_members(body)


def point(n, path, problems, what, good):
    """Print KTAP point n for file path; 1 if it failed."""
    if problems:
        print("not ok %d syzkaller: %s: %s" % (n, path, what))
        for b in problems[:20]:
            print("# " + b)
        return 1
    print("ok %d syzkaller: %s: %s" % (n, path, good))
    return 0


def main(argv):
    if len(argv) < 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    khdr, ksrc = argv[1], argv[2]
    write = "--write-const" in argv
    files = [a for a in argv[3:] if a != "--write-const"]
    headers = ""
    for h in ("linux/vfio.h", "linux/iommufd.h", "linux/dma-buf.h"):
        headers += open(os.path.join(khdr, h)).read()
    headers += open(os.path.join(ksrc, "drivers/iommu/iommufd/iommufd_test.h")).read()
    print("KTAP version 1")
    print("1..%d" % (3 * len(files)))
    n = fails = 0
    for path in files:
        try:
            d = Desc(path)
            d.check_names()
            res, fails_here = "ok", []
        except Error as e:
            for _ in range(3):
                n += 1
                print("not ok %d syzkaller: %s: %s" % (n, path, e))
            fails += 3
            continue
        n += 1
        print("ok %d syzkaller: %s: every name is declared, built in or syzkaller's own" % (n, path))
        names = d.const_names() | set(d.defines)
        structs = []
        for sname, fields in d.structs.items():
            cname = sname.split("$")[0]
            members = c_fields(headers, cname)
            if members is None:
                continue
            variant = sname.split("$")[1] if "$" in sname else None
            lay = []
            for _, fname, _ in fields:
                if fname in members:
                    lay.append((fname, fname))
                elif variant:
                    lay.append((fname, variant + "." + fname))
                else:
                    lay.append((fname, None))
            structs.append((sname, cname, [x for x in lay if x[1]]))
            missing = [f for f, p in lay if not p]
            if missing:
                fails_here.append("%s: fields %s are not in struct %s" % (sname, missing, cname))
        try:
            consts, sizes, cfields = run_c(khdr, ksrc, d, names, structs, headers)
        except Error as e:
            n += 2
            fails += 2
            print("not ok %d syzkaller: %s: constants\n# %s" % (n - 1, path, str(e).replace("\n", "\n# ")))
            print("not ok %d syzkaller: %s: struct layouts (see above)" % (n, path))
            continue
        # constants against the .const file
        cpath = path + ".const"
        bad = []
        if write:
            with open(cpath, "w") as f:
                f.write("# Generated by tests/syzkaller/syzlang_check.py --write-const from the "
                        "lab kernel's uapi headers; syz-extract writes the same form.\n")
                f.write("arches = amd64\n")
                for k in sorted(consts):
                    f.write("%s = %d\n" % (k, consts[k]))
        shipped = {}
        if os.path.exists(cpath):
            for line in open(cpath):
                m = re.fullmatch(r"(\w+) = (\d+)(?:, .*)?\n?", line)
                if m:
                    shipped[m.group(1)] = int(m.group(2))
        for k, v in consts.items():
            if k in EXTERNAL_DEFINES:
                continue	# in syzkaller's own .const
            if k not in shipped:
                bad.append("%s (= %d) missing from %s" % (k, v, cpath))
            elif shipped[k] != v:
                bad.append("%s is %d in %s, %d in the kernel's headers" % (k, shipped[k], cpath, v))
        n += 1
        fails += point(n, path, bad, "constants against the kernel headers",
                       "%d constants match the kernel headers and %s"
                       % (len(consts), os.path.basename(cpath)))
        # layouts
        for sname, cname, lay in structs:
            mine = d.layout(sname, consts)
            for fname, _ in lay:
                off, size = mine["fields"][fname]
                coff, csize = cfields[(sname, fname)]
                if off != coff:
                    fails_here.append("%s.%s at offset %d, C struct %s has it at %d"
                                      % (sname, fname, off, cname, coff))
                if size is not None and csize and size != csize:
                    fails_here.append("%s.%s is %d bytes, %d in C" % (sname, fname, size, csize))
            cmembers = c_fields(headers, cname)
            covered = len(lay) == len(cmembers) and not any(cmembers.values())
            if mine["size"] is not None and (covered or "size[" in d.struct_attrs.get(sname, "")) \
               and mine["size"] != sizes[sname]:
                fails_here.append("%s is %d bytes, struct %s is %d" % (sname, mine["size"], cname,
                                                                       sizes[sname]))
        n += 1
        fails += point(n, path, fails_here, "struct layouts against C",
                       "%d structs laid out as the kernel's C structs" % len(structs))
    print("# syzkaller: %d passed, %d failed" % (n - fails, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
