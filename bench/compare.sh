#!/usr/bin/env bash
# Cost of mapguard relative to parsing alone, on the same files in one run.
#   bench/compare.sh <build-dir with compile_commands.json> [regex of files] [max files]
# Baseline: clang-tidy with one near-free check (llvm-namespace-comment): a clang-tidy with no
# checks at all exits before parsing. All three runs are sequential (one unit at a time) and are
# measured in CPU seconds (user + system): on a shared VM, wall time varies by half between runs.
set -euo pipefail
build=$(realpath "$1"); filter=${2:-.}; max=${3:-40}
here=$(cd "$(dirname "$0")/.." && pwd)
llvm=${MAPGUARD_LLVM_VERSION:-22}
mapfile -t files < <(python3 -c "
import json, re, sys
seen = []
for e in json.load(open('$build/compile_commands.json')):
    f = e['file'] if e['file'].startswith('/') else e['directory'] + '/' + e['file']
    if re.search(sys.argv[1], f) and f not in seen: seen.append(f)
print('\n'.join(sorted(seen)[:int(sys.argv[2])]))" "$filter" "$max")
echo "files: ${#files[@]} from $build"
seconds() { /usr/bin/time -f '%U + %S' -o /tmp/mapguard-bench.$$ "$@" >/dev/null 2>&1 || true; tail -n 1 /tmp/mapguard-bench.$$ | bc; }
base=$(seconds "clang-tidy-$llvm" -p "$build" --config="{Checks: '-*,llvm-namespace-comment'}" --quiet "${files[@]}")
plugin=$(seconds "clang-tidy-$llvm" --load="$here/build/lib/libMapGuard.so" -p "$build" --config="{Checks: '-*,mapguard-*'}" --quiet "${files[@]}")
cli=$(seconds "$here/build/bin/mapguard" -p "$build" -j 1 --no-cache --config="{Checks: '-*,mapguard-*'}" --quiet "${files[@]}")
printf 'clang-tidy (parse only)  %8.1f s CPU\n' "$base"
printf 'clang-tidy + mapguard    %8.1f s CPU   ratio %.2f\n' "$plugin" "$(echo "$plugin / $base" | bc -l)"
printf 'mapguard CLI (-j 1)      %8.1f s CPU   ratio %.2f\n' "$cli" "$(echo "$cli / $base" | bc -l)"
