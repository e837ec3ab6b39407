#!/bin/sh
# fuzz_short.sh - a bounded libFuzzer pass of every harness (CI).
#
# Builds each tests/fuzz/fuzz_*.c with clang -fsanitize=fuzzer,address,
# undefined (tests/fuzz/run.sh) and runs it for MG_FUZZ_SECONDS (default
# 10) from its seed corpus, two at a time.  Skips (77) only when clang or
# its libFuzzer runtime is missing (quickstart installs clang and
# libclang-rt-14-dev).  A finding fails the test; the input is left in
# $top_builddir/fuzz-short/crashes/<harness>/ and shown in hex.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
W=$top_builddir/fuzz-short
mkdir -p "$W"
FUZZ_SECONDS=${MG_FUZZ_SECONDS:-10} FUZZ_PARALLEL=2 FUZZ_WORK=$W \
    FUZZ_CRASHES=$W/crashes "$top_srcdir/tests/fuzz/run.sh" \
    > "$W/run.log" 2>&1
rc=$?
grep -v -e 'warning:' -e '^ ' -e '^[0-9] warning' -e '~~' -e '\^$' \
    "$W/run.log"
case $rc in
0)	;;
77)	echo "SKIP: clang with libFuzzer is not available"; exit 77 ;;
1)	for f in "$W"/crashes/*/*; do
		[ -f "$f" ] || continue
		echo "finding: $f"
		od -A d -t x1 "$f" | head -16
	done
	exit 1 ;;
*)	echo "FAIL: tests/fuzz/run.sh exit $rc"; exit 1 ;;
esac
# Every harness ran and executed inputs.
n=$(ls "$top_srcdir"/tests/fuzz/fuzz_*.c | wc -l)
ran=$(grep -c '^stat::number_of_executed_units: *[1-9]' "$W"/log/*.log |
    awk -F: '{ s += $2 } END { print s + 0 }')
if [ "$ran" -ne "$n" ]; then
	echo "FAIL: $ran of $n harnesses executed inputs"
	exit 1
fi
echo "fuzz_short: $n harnesses, ${MG_FUZZ_SECONDS:-10}s each, no finding"
