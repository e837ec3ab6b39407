#!/bin/sh
# run.sh - golden tests: run mailguard-detect -r over each capture in
# tests/golden/TESTLIST and compare stdout+stderr and the exit status with
# tests/golden/expected/NAME.  With --update, write the expected files
# instead (tests/golden/update.sh).  Output is deterministic: capture
# timestamps in UTC, sessions in first-packet order, relative file names.
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
det=${MG_DETECT:-$PWD/mailguard-detect}
fp=${MG_FP_FILE:-$top/src/mailguard.fp}
update=0
[ "${1:-}" = "--update" ] && update=1
[ -x "$det" ] || { echo "FAIL: no $det"; exit 1; }
exp="$top/tests/golden/expected"
mkdir -p "$exp"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0 n=0
while read -r name cap want opts; do
	case "$name" in ''|'#'*) continue ;; esac
	n=$((n + 1))
	# shellcheck disable=SC2086  # options are words on purpose
	(cd "$top/captures" && NO_COLOR=1 MG_FP_FILE="$fp" \
	    "$det" -r "$cap" $opts </dev/null >"$tmp/out" 2>&1
	echo "exit status: $?" >>"$tmp/out")
	if [ "$update" = 1 ]; then
		cp "$tmp/out" "$exp/$want"
		echo "updated $want"
	elif diff -u "$exp/$want" "$tmp/out" >"$tmp/diff" 2>&1; then
		echo "PASS: golden $name"
	else
		echo "FAIL: golden $name (mailguard-detect -r $cap $opts)"
		head -40 "$tmp/diff"
		fail=$((fail + 1))
	fi
done <"$top/tests/golden/TESTLIST"
[ "$n" -gt 0 ] || { echo "FAIL: empty TESTLIST"; exit 1; }
[ "$update" = 1 ] || echo "$((n - fail)) of $n golden tests passed"
[ "$fail" -eq 0 ]
