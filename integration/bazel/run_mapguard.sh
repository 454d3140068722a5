#!/bin/sh
# One source file through mapguard, as an action of the mapguard aspect: its SARIF log is always
# written (empty when there is no finding). Findings (exit 1) and a unit that does not compile
# (exit 3, named in the log) are the log's to report; a configuration error (exit 2) fails.
mapguard=$1 log=$2 source=$3
shift 3
status=0
"$mapguard" --quiet --no-cache --source-root "$PWD" --sarif "$log" "$source" "$@" > /dev/null || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 1 ] || [ "$status" -eq 3 ]
