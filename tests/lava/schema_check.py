#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validate lava/ with LAVA's own schemas (Debian's lava-common): every job (*-job.yaml)
with lava_common.schemas.validate (strict), the device configuration with
lava_common.schemas.device, the test definition with lava_common.schemas.test.testdef.
Prints KTAP; exit 4 when lava-common is not installed.

usage: tests/lava/schema_check.py [LAVA_DIR]
"""
import glob
import os
import sys

import yaml

try:
    from lava_common.schemas import validate as validate_job
    from lava_common.schemas import device
    from lava_common.schemas.test import testdef
except ImportError:
    print("1..0 # SKIP lava-common is not installed (apt-get install lava-common)")
    sys.exit(4)

lava = sys.argv[1] if len(sys.argv) > 1 else "lava"
checks = []
for path in sorted(glob.glob(os.path.join(lava, "*.yaml"))):
    data = yaml.safe_load(open(path))
    if path.endswith("-job.yaml"):
        kind, fn = "job", lambda d: validate_job(d, strict=True)
    elif path.endswith("-device.yaml"):
        kind, fn = "device configuration", device.validate
    else:
        kind, fn = "test definition", testdef.validate
    try:
        fn(data)
        checks.append((True, "%s: a valid LAVA %s" % (path, kind), ""))
    except Exception as e:	# voluptuous.MultipleInvalid and lava_common's own errors
        checks.append((False, "%s: not a valid LAVA %s" % (path, kind), str(e)))
# a job's inline definition of revokestorm is lava/revokestorm.yaml (parameter values aside)
canon = yaml.safe_load(open(os.path.join(lava, "revokestorm.yaml")))
for path in sorted(glob.glob(os.path.join(lava, "*-job.yaml"))):
    for action in yaml.safe_load(open(path)).get("actions", []):
        for d in action.get("test", {}).get("definitions", []):
            if d.get("from") != "inline" or d.get("name") != "revokestorm":
                continue
            inline = dict(d["repository"])
            same = {k: v for k, v in inline.items() if k != "params"} == \
                {k: v for k, v in canon.items() if k != "params"} and \
                set(inline.get("params", {})) == set(canon.get("params", {}))
            checks.append((same, "%s: its inline revokestorm definition is lava/revokestorm.yaml" % path,
                           "" if same else "they differ beyond the parameter values"))
print("KTAP version 1\n1..%d" % len(checks))
for n, (good, name, why) in enumerate(checks, 1):
    print("%s %d lava: %s" % ("ok" if good else "not ok", n, name))
    if why:
        print("# " + why.replace("\n", "\n# "))
bad = sum(not c[0] for c in checks)
print("lava: %d passed, %d failed" % (len(checks) - bad, bad))
sys.exit(1 if bad or not checks else 0)
