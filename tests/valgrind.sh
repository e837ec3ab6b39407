#!/bin/sh
# valgrind.sh - valgrind --leak-check=full over every unit test, every fuzz
# replay program and one end-to-end run.
#
# USAGE (from a configured, built, non-sanitizer build dir; `make
# valgrind` builds the check programs first):
#	top_srcdir=SRC top_builddir=BUILD tests/valgrind.sh [-j N] [-e]
#	-e: the end-to-end run only (step 2; what make check runs in the
#	    plain build, as tests/e2e/valgrind_e2e.sh)
#
# 1. every tests/unit/test_* and tests/fuzz/replay_* under
#    valgrind --leak-check=full --error-exitcode=1, N at a time (default 2);
#    a program whose valgrind log has an error or a leak FAILs; one that
#    fails only its own assertions (the prober's timing checks under
#    valgrind's 20-50x slowdown) is listed as WARN and does not fail;
# 2. end to end: mailguard-emulate --profile asa --upstream builtin:postfix
#    under valgrind, mailguard-detect (every probe, under valgrind) against
#    it, then SIGTERM to the emulator: both valgrind runs must report no
#    error and no definite/indirect/possible leak.
# Logs: $top_builddir/valgrind/*.log.  Exit 0 clean, 1 errors or leaks,
# 77 valgrind missing or an ASan build (the two cannot run together).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
MG_TEST_NAME=valgrind.sh
export top_srcdir top_builddir
. "$top_srcdir/tests/lib.sh"

J=2
E2E_ONLY=0
while [ $# -gt 0 ]; do
	case $1 in
	-j) J=$2; shift 2 ;;
	-e) E2E_ONLY=1; shift ;;
	*) echo "usage: valgrind.sh [-j N] [-e]" >&2; exit 2 ;;
	esac
done
B=$top_builddir
L=$B/valgrind
command -v valgrind >/dev/null 2>&1 ||
    mg_skip "valgrind not installed (Debian package valgrind)"
[ -x "$B/mailguard-emulate" ] || mg_fail "no $B/mailguard-emulate (build first)"
if nm "$B/mailguard-emulate" 2>/dev/null | grep -q __asan_init; then
	mg_skip "$B is a sanitizer build: valgrind cannot run ASan binaries"
fi
rm -rf "$L"
mkdir -p "$L"

VG="valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
 --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
 --track-fds=no --num-callers=30"
export VG L top_srcdir top_builddir
MG_FP_FILE=${MG_FP_FILE:-$top_srcdir/src/mailguard.fp}
export MG_FP_FILE

# ---------------------------------------------------------------- 1. units
if [ "$E2E_ONLY" = 0 ]; then
ls "$B"/tests/unit/test_* "$B"/tests/fuzz/replay_* 2>/dev/null |
    grep -v '\.[a-z]*$' > "$L/programs"
n=$(wc -l < "$L/programs")
[ "$n" -gt 0 ] || mg_fail "no unit test programs in $B (make check first)"
t0=$(date +%s)
# shellcheck disable=SC2016
xargs -P "$J" -I{} sh -c '
	p={}; name=$(basename "$p")
	$VG --log-file="$L/$name.log" "$p" >"$L/$name.out" 2>&1
	rc=$?
	if ! grep -q "ERROR SUMMARY:" "$L/$name.log" 2>/dev/null; then
		echo "FAIL $name (valgrind did not finish, exit $rc)"
	elif grep -q "ERROR SUMMARY: [1-9]" "$L/$name.log"; then
		echo "FAIL $name (valgrind errors or leaks, see $L/$name.log)"
	elif [ "$rc" -ne 0 ]; then
		echo "WARN $name (the test itself failed under valgrind, exit" \
		    "$rc; no memory error: $L/$name.out)"
	else
		echo "ok $name"
	fi' < "$L/programs" > "$L/units"
sort "$L/units"
bad=$(grep -c '^FAIL' "$L/units")
warn=$(grep -c '^WARN' "$L/units")
t1=$(date +%s)
echo "valgrind: $n programs in $((t1 - t0)) s, $bad with memory errors" \
    "or leaks, $warn failing their own checks under valgrind (timing)"
for f in $(grep -e '^FAIL' -e '^WARN' "$L/units" | awk '{ print $2 }'); do
	grep -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid|uninit' \
	    "$L/$f.log" | head -8 | sed "s/^/  $f: /"
	grep -E 'ERROR|FAILED' "$L/$f.out" | head -6 | sed "s/^/  $f: /"
done
else
	bad=0
	warn=0
fi

# ---------------------------------------------------------------- 2. e2e
mg_tmpdir
port=$(mg_free_port)
setsid $VG --log-file="$L/e2e-emulate.log" "$B/mailguard-emulate" \
    --profile asa --upstream builtin:postfix --listen "127.0.0.1:$port" \
    >"$L/e2e-emulate.out" 2>&1 </dev/null &
epid=$!
mg_cleanup_add "kill -KILL $epid 2>/dev/null"
e2e=ok
if ! mg_wait_port 127.0.0.1 "$port" 120 "$epid"; then
	e2e="FAIL (the emulator did not listen under valgrind)"
else
	$VG --log-file="$L/e2e-detect.log" "$B/mailguard-detect" --no-color \
	    --timeout 30 "127.0.0.1:$port" >"$L/e2e-detect.out" 2>&1
	drc=$?
	# 1: interference found (the asa profile): the expected verdict
	if [ "$drc" -ne 1 ]; then
		e2e="FAIL (mailguard-detect exit $drc, want 1)"
	fi
	if grep -q 'ERROR SUMMARY: [1-9]' "$L/e2e-detect.log"; then
		e2e="FAIL (valgrind errors in mailguard-detect)"
	fi
	grep -q -i 'asa' "$L/e2e-detect.out" ||
	    e2e="FAIL (no ASA verdict: $L/e2e-detect.out)"
fi
kill -TERM "$epid" 2>/dev/null
n=0
while mg_alive "$epid" && [ "$n" -lt 600 ]; do
	sleep 0.1
	n=$((n + 1))
done
wait "$epid"
erc=$?
[ "$erc" -eq 0 ] || e2e="FAIL (emulator under valgrind exit $erc)"
echo "e2e: emulate asa + builtin:postfix, detect: $e2e"
for f in e2e-emulate e2e-detect; do
	echo "  $f: $(grep -o 'ERROR SUMMARY: [0-9]* errors' "$L/$f.log")," \
	    "$(grep -o 'definitely lost: [0-9,]* bytes' "$L/$f.log" ||
	    echo 'no leak')"
done
[ "$bad" -eq 0 ] && [ "$e2e" = ok ] || exit 1
echo "valgrind: clean"
