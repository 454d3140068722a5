#!/usr/bin/env bash
# The analysis step of the mapguard GitHub Action (action.yml at the repository root), kept in a
# script so that it runs, and is tested, outside GitHub as well. Inputs arrive as environment
# variables, as the action passes them:
#   MAPGUARD              the mapguard binary
#   MAPGUARD_BUILD_DIR    directory of compile_commands.json (-p)
#   MAPGUARD_SARIF        the SARIF log to write
#   MAPGUARD_BASELINE     a SARIF log of an earlier run, or empty: only findings not in it are "new"
#   MAPGUARD_FAIL_ON      new (default): fail when there are findings not in the baseline (all
#                         findings when there is no baseline); any: fail on any finding, the
#                         baseline notwithstanding; none: never fail for findings
#   MAPGUARD_CACHE_DIR    result cache directory, or empty for none
#   MAPGUARD_UNIT_TIMEOUT seconds per unit (--unit-timeout)
#   MAPGUARD_SHARD        K/N: only part K of N of the units (--shard), or empty
#   MAPGUARD_MERGE        SARIF logs of the parts (a glob): merged into MAPGUARD_SARIF, nothing analysed
#   MAPGUARD_INDEX        true: only the project index (mapguard index; with MAPGUARD_SHARD, that
#                         part's facts in mapguard-K-of-N.index next to the database), no SARIF
#   MAPGUARD_MERGE_INDEX  project indexes of the parts (a glob): merged into mapguard.index next to
#                         the database before the analysis, which reads it
#   MAPGUARD_ARGS         further arguments, split on white space (--checks=..., --shard=K/N, files)
# Exit status: 0 when the step passes; 1 when findings fail it (per MAPGUARD_FAIL_ON); mapguard's
# own 2 (configuration) or 3 (a unit could not be analysed) otherwise, so that a broken setup is
# never mistaken for a clean run. The SARIF log is written in every case mapguard gets that far.
set -uo pipefail
mapguard=${MAPGUARD:?MAPGUARD: the mapguard binary}
fail_on=${MAPGUARD_FAIL_ON:-new}
sarif=${MAPGUARD_SARIF:-mapguard.sarif}
baseline=${MAPGUARD_BASELINE:-}
case "$fail_on" in new | any | none) ;; *)
  echo "mapguard action: fail-on must be new, any or none, not '$fail_on'" >&2
  exit 2 ;;
esac
if [ -n "${MAPGUARD_MERGE:-}" ]; then
  # shellcheck disable=SC2086 # the glob names the parts
  exec "$mapguard" merge-sarif $MAPGUARD_MERGE -o "$sarif"
fi
build=${MAPGUARD_BUILD_DIR:-build}
if [ -n "${MAPGUARD_MERGE_INDEX:-}" ]; then
  # shellcheck disable=SC2086 # the glob names the parts
  "$mapguard" merge-index $MAPGUARD_MERGE_INDEX -o "$build/mapguard.index" || exit $?
fi
common=(-p "$build" --unit-timeout="${MAPGUARD_UNIT_TIMEOUT:-600}")
[ -n "${MAPGUARD_CACHE_DIR:-}" ] && common+=(--cache-dir "$MAPGUARD_CACHE_DIR")
[ -n "${MAPGUARD_SHARD:-}" ] && common+=(--shard="$MAPGUARD_SHARD")
# shellcheck disable=SC2206 # word splitting of the free-form arguments is the point
extra=(${MAPGUARD_ARGS:-})
if [ "${MAPGUARD_INDEX:-false}" = true ]; then
  exec "$mapguard" index "${common[@]}" "${extra[@]}"
fi
args=("${common[@]}" --sarif "$sarif" --source-root "${GITHUB_WORKSPACE:-$PWD}")
compared=
if [ -n "$baseline" ]; then
  if [ ! -f "$baseline" ]; then
    echo "mapguard action: no baseline at '$baseline' (no earlier run kept yet): every finding is new" >&2
  elif [ "$fail_on" != any ]; then
    args+=(--baseline "$baseline")
    compared=" not in the baseline"
  fi
fi
status=0
"$mapguard" "${args[@]}" "${extra[@]}" || status=$?
case "$status" in
  0) exit 0 ;;
  1) [ "$fail_on" = none ] && exit 0
     echo "mapguard action: findings$compared (listed above and in $sarif)" >&2
     exit 1 ;;
  *) exit "$status" ;;
esac
