#!/usr/bin/env bash
# The real-code harness: runs mapguard with default options over the projects of a list and prints
# one table row per project: units, failed units, crashes, findings per check, CPU time, peak memory.
#   bench/realcode/run.sh <work-dir> [projects.tsv] [name ...]
# Each project is cloned into <work-dir>/<name> (or used as it is when that directory exists: clone
# it yourself where the network is restricted), checked out at the listed commit, configured (no
# build, except generated headers the list asks for), and analysed. Third-party code stays in
# <work-dir>, outside this repository. Findings go to <work-dir>/<name>.json for triage; the ledger
# of triaged findings is docs/real-code.md. Each unit runs in its own process, stopped after
# UNIT_TIMEOUT seconds (default 900) and counted as timed out: one pathological unit cannot hang
# the run.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(realpath -m "${1:?usage: run.sh <work-dir> [projects.tsv] [name ...]}")
list=${2:-$here/bench/realcode/projects.tsv}
shift $(( $# >= 2 ? 2 : 1 ))
mapguard=${MAPGUARD:-$here/build/bin/mapguard}
unit_timeout=${UNIT_TIMEOUT:-900}
checks=(mapguard-erase-during-iteration mapguard-unguarded-access mapguard-write-under-shared-lock
        mapguard-manual-lock mapguard-deferred-capture mapguard-scope-exit-after-unlock
        mapguard-escaping-reference mapguard-check-then-act)
mkdir -p "$work"
printf '| project | units | failed | crashed | timed out | %s | CPU s | peak MiB |\n' "$(IFS='|'; echo "${checks[*]#mapguard-}" | sed 's/|/ | /g')"
printf '|%s\n' "$(printf -- ' --- |%.0s' $(seq 1 $(( ${#checks[@]} + 7 ))))"
while IFS=$'\t' read -r name repo commit configure builddir units; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  if [ $# -gt 0 ] && [[ ! " $* " == *" $name "* ]]; then continue; fi
  dir=$work/$name
  [ -d "$dir" ] || git clone -q "$repo" "$dir"
  # A clone already at the commit is used as it is (a mirror may lack a large blob it does not need).
  [ "$(git -C "$dir" rev-parse HEAD)" = "$(git -C "$dir" rev-parse "$commit^{commit}")" ] || git -C "$dir" checkout -q "$commit"
  # A configure command may use the harness's own helpers ($MAPGUARD_REALCODE/zt-compdb.py).
  (cd "$dir" && MAPGUARD_REALCODE="$here/bench/realcode" bash -c "$configure") > "$work/$name.configure.log" 2>&1
  mapfile -t files < <(python3 "$here/bench/realcode/units.py" "$dir" "$builddir" "$units")
  status=0
  /usr/bin/time -f '%U %S %M' -o "$work/$name.time" \
    "$mapguard" -p "$dir/$builddir" -j "$(nproc)" --no-cache --unit-timeout="$unit_timeout" --quiet --checks='-*,mapguard-*' --format=json "${files[@]}" \
    > "$work/$name.json" 2> "$work/$name.stderr" || status=$?
  if [ "$status" -gt 3 ]; then echo "mapguard failed on $name (exit $status): $work/$name.stderr" >&2; continue; fi
  python3 - "$work/$name.json" "$work/$name.time" "$name" "${#files[@]}" "${checks[@]}" <<'PY'
import json, sys
report, timing, name, units, checks = json.load(open(sys.argv[1])), open(sys.argv[2]).read().split(), sys.argv[3], int(sys.argv[4]), sys.argv[5:]
failed = report['failedUnits']
counts = [sum(1 for f in report['findings'] if f['check'] == c) for c in checks]
cpu, peak = float(timing[-3]) + float(timing[-2]), int(timing[-1]) / 1024
print(f"| {name} | {units} | {len(failed)} | {sum(1 for f in failed if f.get('crashed'))} | "
      + f"{sum(1 for f in failed if f.get('timedOut'))} | "
      + " | ".join(map(str, counts)) + f" | {cpu:.0f} | {peak:.0f} |")
PY
done < "$list"
