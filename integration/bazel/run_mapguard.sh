#!/bin/sh
# One source file through mapguard, as an action of the mapguard aspect:
#   run_mapguard.sh facts   <mapguard> <facts file> <options> <source> -- <flags>
#   run_mapguard.sh analyse <mapguard> <SARIF log> <merged index> <options> <source> -- <flags>
# Its output is always written: the facts (none for a unit that does not compile), the log (empty
# when there is no finding). Findings (exit 1) and a unit that does not compile (exit 3, named in
# the log) are the log's to report; a configuration error (exit 2) fails the action.
#
# The facts name each unit by its absolute path, and every action runs in a sandbox of its own: the
# facts are written with the execution root as %EXECROOT%, so they are the same in every sandbox
# (and on every machine: Bazel's cache keeps them), and the analysis reads them with its own root.
mode=$1 mapguard=$2 output=$3
shift 3
root=$(pwd -P)
status=0
case "$mode" in
facts)
  "$mapguard" index --quiet --no-cache --project-index-file="$output" "$@" > /dev/null || status=$?
  [ ! -f "$output" ] || sed -i "s|\"$root/|\"%EXECROOT%/|g" "$output" || exit 2
  ;;
analyse)
  index=$1
  shift
  local_index=$(mktemp) || exit 2
  trap 'rm -f "$local_index"' EXIT
  sed "s|\"%EXECROOT%/|\"$root/|g" "$index" > "$local_index" || exit 2
  "$mapguard" --quiet --no-cache --source-root "$root" --sarif="$output" --project-index-file="$local_index" "$@" \
    > /dev/null || status=$?
  ;;
*)
  echo "run_mapguard.sh: unknown mode '$mode'" >&2
  exit 2
  ;;
esac
[ "$status" -eq 0 ] || [ "$status" -eq 1 ] || [ "$status" -eq 3 ] || exit "$status"
[ -f "$output" ] || { echo "run_mapguard.sh: mapguard wrote no $output" >&2; exit 2; }
