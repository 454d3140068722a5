#!/usr/bin/env bash
# The real-code harness through the other front-end: clang-tidy with the plugin loaded, one
# process per unit as editors and run-clang-tidy run it, over the projects run.sh configured.
#   bench/realcode/tidy-load.sh <work-dir> [projects.tsv] [name ...]
# Prints one row per project: units, units with compiler errors (not -Werror warnings), crashes
# (clang-tidy killed by a signal), units past UNIT_TIMEOUT seconds (default 900), distinct mapguard
# warnings (clang-tidy shows those in headers: each once, however many units include it), CPU s.
# Per-unit exit statuses and output go to <work-dir>/<name>.tidy/.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(realpath -m "${1:?usage: tidy-load.sh <work-dir> [projects.tsv] [name ...]}")
list=${2:-$here/bench/realcode/projects.tsv}
shift $(( $# >= 2 ? 2 : 1 ))
export clang_tidy=${MAPGUARD_CLANG_TIDY:-clang-tidy-22}
export plugin=${MAPGUARD_PLUGIN:-$here/build/lib/libMapGuard.so}
export unit_timeout=${UNIT_TIMEOUT:-900}
echo '| project | units | compiler errors | crashed | timed out | distinct mapguard warnings | CPU s |'
echo '| --- | --- | --- | --- | --- | --- | --- |'
while IFS=$'\t' read -r name repo commit configure builddir units; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  if [ $# -gt 0 ] && [[ ! " $* " == *" $name "* ]]; then continue; fi
  dir=$work/$name
  if [ ! -f "$dir/$builddir/compile_commands.json" ]; then
    echo "$name: not configured; run bench/realcode/run.sh first" >&2
    continue
  fi
  out=$work/$name.tidy
  rm -rf "$out" && mkdir -p "$out"
  export out build="$dir/$builddir"
  python3 "$here/bench/realcode/units.py" "$dir" "$builddir" "$units" > "$out/units"
  /usr/bin/time -f '%U %S' -o "$out/time" xargs -d '\n' -P "$(nproc)" -n 1 bash -c '
    log=$out/$(echo "$1" | md5sum | cut -c1-12)
    status=0
    timeout -s KILL "$unit_timeout" "$clang_tidy" --load="$plugin" -p "$build" --checks="-*,mapguard-*" \
      --quiet "$1" > "$log.out" 2> "$log.err" || status=$?
    echo "$status $1" > "$log.status"' _ < "$out/units"
  python3 - "$out" "$name" <<'PY'
import glob, re, sys
out, name = sys.argv[1], sys.argv[2]
statuses = [int(open(f).read().split()[0]) for f in glob.glob(out + '/*.status')]
outputs = [open(f, errors='replace').read() for f in glob.glob(out + '/*.out')]
warnings = {w for text in outputs for w in re.findall(r'^.*warning: .*\[mapguard-[a-z-]+\]$', text, re.M)}
errors = sum(1 for text in outputs if re.search(r'\[clang-diagnostic-error\]|fatal error:', text))
user, system = map(float, open(out + '/time').read().split()[-2:])
# clang-tidy: 1 for compiler errors; timeout -s KILL: 137; a crash: the signal (128+n) or -n.
print(f"| {name} | {len(statuses)} | {errors} | "
      f"{sum(s > 128 and s != 137 for s in statuses)} | {sum(s == 137 for s in statuses)} | "
      f"{len(warnings)} | {user + system:.0f} |")
PY
done < "$list"
