#!/usr/bin/env bash
# What mapguard costs on a real project, against what the compiler and clang-tidy cost on the same
# units, and against the tools users would run instead; one run, every figure a ratio to
# clang-tidy parsing alone (CPU seconds, user + system) plus wall time and peak memory.
#   bench/performance.sh <build-dir with compile_commands.json> [regex of files] [max files]
# The project is fetched and configured outside this repository (bench/realcode/run.sh does both).
# Runs are sequential; the CLI runs at -j1 and -j2 (for the scaling figure, on wall time). Set
# MAPGUARD_BIN/MAPGUARD_PLUGIN to measure copies of the binaries while the build tree changes.
set -euo pipefail
build=$(realpath "$1"); filter=${2:-.}; max=${3:-40}
here=$(cd "$(dirname "$0")/.." && pwd)
llvm=${MAPGUARD_LLVM_VERSION:-22}
mapguard=${MAPGUARD_BIN:-$here/build/bin/mapguard}
plugin=${MAPGUARD_PLUGIN:-$here/build/lib/libMapGuard.so}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# The units (one per file) and, for the per-unit tools, each unit's command as an argument list.
python3 - "$build/compile_commands.json" "$filter" "$max" "$work" "$llvm" <<'PY'
import json, os, re, shlex, sys
db, pattern, limit, work, llvm = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
units = {}
for e in json.load(open(db)):
    f = e['file'] if e['file'].startswith('/') else os.path.join(e['directory'], e['file'])
    if re.search(pattern, f) and f not in units:
        units[f] = e
files = sorted(units)[:limit]
open(os.path.join(work, 'files'), 'w').write('\n'.join(files) + '\n')
json.dump([units[f] for f in files], open(os.path.join(work, 'compile_commands.json'), 'w'))  # for cppcheck
with open(os.path.join(work, 'commands.json'), 'w') as out:
    commands = []
    for f in files:
        e = units[f]
        args = e.get('arguments') or shlex.split(e['command'])
        kept, skip = [], False
        for a in args[1:]:
            if skip:
                skip = False
                continue
            if a in ('-o', '-MF', '-MT', '-MQ'):
                skip = True
                continue
            if a in ('-c', '-MD', '-MMD') or a == e['file'] or a == f:
                continue
            kept.append(a)
        commands.append({'directory': e['directory'], 'args': kept, 'file': f})
    json.dump(commands, out)
PY
mapfile -t files < "$work/files"
echo "project: $build"
echo "units:   ${#files[@]} (regex '$filter', at most $max)"

# Runs one tool per unit, in sequence: "syntax" (clang++ -fsyntax-only) or "analyze" (clang --analyze).
cat > "$work/per_unit.py" <<'PY'
import json, subprocess, sys
commands, mode, llvm = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
extra = ['-fsyntax-only'] if mode == 'syntax' else ['--analyze', '-o', '/dev/null']
for c in commands:
    subprocess.run(['clang++-' + llvm] + c['args'] + extra + [c['file']], cwd=c['directory'],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
PY

# measure <name> <command...>: CPU seconds, wall seconds, peak resident MiB of the largest process.
declare -A cpu wall mem
measure() {
  local name=$1; shift
  /usr/bin/time -f '%U %S %e %M' -o "$work/time" "$@" > /dev/null 2>&1 || true
  read -r user sys elapsed kib < <(tail -n 1 "$work/time")
  cpu[$name]=$(echo "$user + $sys" | bc -l)
  wall[$name]=$elapsed
  mem[$name]=$(( kib / 1024 ))
}
measure syntax python3 "$work/per_unit.py" "$work/commands.json" syntax "$llvm"
measure tidy "clang-tidy-$llvm" -p "$build" --config="{Checks: '-*,llvm-namespace-comment'}" --quiet "${files[@]}"
measure plugin "clang-tidy-$llvm" --load="$plugin" -p "$build" --config="{Checks: '-*,mapguard-*'}" --quiet "${files[@]}"
measure cli1 "$mapguard" -p "$build" -j 1 --no-cache --checks='-*,mapguard-*' --quiet "${files[@]}"
measure cli2 "$mapguard" -p "$build" -j 2 --no-cache --checks='-*,mapguard-*' --quiet "${files[@]}"
# The result cache: a cold run filling an empty cache, then the same run on the unchanged tree.
measure cold "$mapguard" -p "$build" -j 2 --cache-dir="$work/cache" --checks='-*,mapguard-*' --quiet "${files[@]}"
measure warm "$mapguard" -p "$build" -j 2 --cache-dir="$work/cache" --checks='-*,mapguard-*' --quiet "${files[@]}"
measure analyze python3 "$work/per_unit.py" "$work/commands.json" analyze "$llvm"
if command -v cppcheck > /dev/null; then
  measure cppcheck cppcheck --project="$work/compile_commands.json" --quiet --enable=warning
fi

base=${cpu[tidy]}
row() {
  local label=$1 name=$2
  [ -n "${cpu[$name]:-}" ] || { printf '| %s | not installed | | | |\n' "$label"; return; }
  printf '| %s | %.1f | %.2fx | %.1f | %d |\n' "$label" "${cpu[$name]}" "$(echo "${cpu[$name]} / $base" | bc -l)" \
    "${wall[$name]}" "${mem[$name]}"
}
echo
echo "| run | CPU s | vs clang-tidy parse | wall s | peak MiB |"
echo "| --- | --- | --- | --- | --- |"
row "clang++ -fsyntax-only (the parse floor)" syntax
row "clang-tidy, parsing alone" tidy
row "clang-tidy --load mapguard, all checks" plugin
row "mapguard CLI -j1" cli1
row "mapguard CLI -j2" cli2
row "mapguard CLI -j2, filling an empty cache" cold
row "mapguard CLI -j2, warm cache, unchanged tree" warm
row "clang --analyze (Clang Static Analyzer)" analyze
row "cppcheck --enable=warning" cppcheck
echo
printf 'CLI -j2 against -j1, wall time: %.2fx faster\n' "$(echo "${wall[cli1]} / ${wall[cli2]}" | bc -l)"
printf 'peak memory, CLI -j1 against clang-tidy parsing alone: %.2fx\n' "$(echo "${mem[cli1]} / ${mem[tidy]}" | bc -l)"
printf 'warm cache against the cold run, wall time: %.1f%%\n' "$(echo "100 * ${wall[warm]} / ${wall[cold]}" | bc -l)"
