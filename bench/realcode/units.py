#!/usr/bin/env python3
"""The units of a configured project: distinct files of <clone>/<build-dir>/compile_commands.json
whose paths, relative to the clone, match the regex. Shared by the harness's front-ends.
    units.py <clone> <build-dir> <regex>"""
import json, os, re, sys

root, build, units = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
seen = set()
for e in json.load(open(os.path.join(root, build, 'compile_commands.json'))):
    f = os.path.normpath(os.path.join(e['directory'], e['file']))
    if units.search(os.path.relpath(f, root)):
        seen.add(f)
print('\n'.join(sorted(seen)))
