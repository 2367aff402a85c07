#!/usr/bin/env bash
# Lists every skipped test of one module with the reason it gave, from Surefire's XML
# reports, so a skip is never silent in the build log. Usage: skipped-tests.sh REPORTS_DIR
set -uo pipefail
dir=${1:?usage: skipped-tests.sh REPORTS_DIR}
[[ -d $dir ]] || exit 0
shopt -s nullglob
files=("$dir"/TEST-*.xml)
((${#files[@]})) || exit 0
# A skipped testcase is <testcase name=".." classname=".."> followed by <skipped message=".."/>.
python3 - "${files[@]}" <<'PY' 2>/dev/null || grep -h -B1 '<skipped' "${files[@]}"
import sys, xml.etree.ElementTree as ET
rows = []
for f in sys.argv[1:]:
    for case in ET.parse(f).getroot().iter("testcase"):
        s = case.find("skipped")
        if s is not None:
            reason = (s.get("message") or s.text or "no reason given").strip().splitlines()[0]
            rows.append(f"  SKIPPED {case.get('classname')}.{case.get('name')}: {reason}")
if rows:
    print(f"[skipped tests: {len(rows)}]")
    print("\n".join(rows))
PY
