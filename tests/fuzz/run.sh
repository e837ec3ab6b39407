#!/bin/sh
# run.sh - build every libFuzzer harness with clang and run each one.
#
# Usage: tests/fuzz/run.sh [-b] [-l] [harness...]
#   -b   build only (no fuzzing)
#   -l   list the harnesses and their seed corpora, then exit
#   harness: a name such as smtp_reply (default: every tests/fuzz/fuzz_*.c)
#
# Environment:
#   FUZZ_SECONDS   time per harness in seconds (default 60)
#   FUZZ_PARALLEL  harnesses run at the same time (default 1)
#   FUZZ_WORK      private work dir: objects, binaries, growing corpora,
#                  artifacts, logs (default $top_builddir/fuzz-work, else
#                  /tmp/mailguard-fuzz)
#   FUZZ_CRASHES   where crashes, leaks, timeouts and OOMs are copied
#                  (default $top_srcdir/tests/fuzz/crashes)
#   FUZZ_CONFIG_DIR  a configured build dir holding config.h (default
#                  $top_builddir when it has one, else a private
#                  `configure` run in $FUZZ_WORK/cfg)
#   FUZZ_FLAGS     extra libFuzzer flags for every run
#   FUZZ_CFLAGS    extra compiler flags (e.g. -fno-sanitize=pointer-overflow
#                  to fuzz past a known, reported finding; use its own
#                  FUZZ_WORK: a change of flags rebuilds everything)
#   CLANG          the compiler (default clang)
#
# Every harness is linked with -fsanitize=fuzzer,address,undefined (UBSan
# not recoverable) against a static library of all src/*.c except the
# main() files, compiled once with -fsanitize=fuzzer-no-link (objects are
# rebuilt only when a source or header is newer).  Each run starts from
# the harness's seed corpus tests/fuzz/corpus/<dir>/, its regression
# vectors tests/fuzz/regress/<harness>/ (so an unfixed finding fails at
# once) and the inputs it found before ($FUZZ_WORK/corpus/<harness>/).
#
# Exit: 0 no finding, 1 a finding (copied to $FUZZ_CRASHES/<harness>/),
# 2 build error or misuse, 77 clang or libFuzzer missing.

set -u

here=$(cd "$(dirname "$0")" && pwd)
S=${top_srcdir:-$(cd "$here/../.." && pwd)}
B=${top_builddir:-}
CLANG=${CLANG:-clang}
SECS=${FUZZ_SECONDS:-60}
PAR=${FUZZ_PARALLEL:-1}
if [ -n "${FUZZ_WORK:-}" ]; then
	W=$FUZZ_WORK
elif [ -n "$B" ]; then
	W=$B/fuzz-work
else
	W=/tmp/mailguard-fuzz
fi
CRASHES=${FUZZ_CRASHES:-$S/tests/fuzz/crashes}
build_only=0
list_only=0

while getopts bl opt; do
	case $opt in
	b) build_only=1 ;;
	l) list_only=1 ;;
	*) echo "usage: $0 [-b] [-l] [harness...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# Seed corpus directory of a harness (names chosen by the harness owners).
seed_dir() {
	case $1 in
	smtp_reply)	echo "$S/tests/fuzz/corpus/reply" ;;
	smtp_cmd)	echo "$S/tests/fuzz/corpus/cmd" ;;
	emu_rewrite)	echo "$S/tests/fuzz/corpus/emu" ;;
	fp_load)	echo "$S/tests/fuzz/corpus/fp" ;;
	*)		echo "$S/tests/fuzz/corpus/$1" ;;
	esac
}

if [ $# -gt 0 ]; then
	harnesses=$*
else
	harnesses=$(cd "$S/tests/fuzz" && ls fuzz_*.c |
	    sed 's/^fuzz_//;s/\.c$//')
fi
for h in $harnesses; do
	if [ ! -f "$S/tests/fuzz/fuzz_$h.c" ]; then
		echo "run.sh: no harness tests/fuzz/fuzz_$h.c" >&2
		exit 2
	fi
done
if [ $list_only = 1 ]; then
	for h in $harnesses; do
		printf '%-14s %s\n' "$h" "$(seed_dir "$h")"
	done
	exit 0
fi

# ---------------------------------------------------------------- toolchain
mkdir -p "$W" || exit 2
cat > "$W/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }
EOF
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "run.sh: $CLANG not found" \
	    "(install clang and libclang-rt-14-dev)" >&2
	exit 77
fi
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$W/probe" \
    "$W/probe.c" >"$W/probe.log" 2>&1; then
	echo "run.sh: $CLANG cannot link -fsanitize=fuzzer,address,undefined" \
	    "(libFuzzer runtime missing: install libclang-rt-14-dev)" >&2
	exit 77
fi

# config.h: a configured build dir, or a private configure run.
cfg=${FUZZ_CONFIG_DIR:-}
if [ -z "$cfg" ] && [ -n "$B" ] && [ -f "$B/config.h" ]; then
	cfg=$B
fi
if [ -z "$cfg" ]; then
	cfg=$W/cfg
	if [ ! -f "$cfg/config.h" ]; then
		echo "run.sh: configuring in $cfg for config.h"
		mkdir -p "$cfg" &&
		    (cd "$cfg" && CC=$CLANG "$S/configure" -q) || exit 2
	fi
fi

PKGS="libpcap jansson libevent libevent_openssl openssl libnetfilter_queue"
DEPCFLAGS=$(pkg-config --cflags $PKGS 2>/dev/null)
DEPLIBS=$(pkg-config --libs $PKGS 2>/dev/null)
if pkg-config --exists libnet 2>/dev/null; then
	DEPCFLAGS="$DEPCFLAGS $(pkg-config --cflags libnet)"
	DEPLIBS="$DEPLIBS $(pkg-config --libs libnet)"
elif command -v libnet-config >/dev/null 2>&1; then
	DEPLIBS="$DEPLIBS $(libnet-config --libs)"
fi
DEPLIBS="$DEPLIBS -lresolv -lm"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -std=gnu11 -fno-omit-frame-pointer $SAN \
    -I$cfg -I$S/include -I$S/src -DPKGDATADIR=\"$S/src\" $DEPCFLAGS \
    ${FUZZ_CFLAGS:-}"

# ---------------------------------------------------------------- library
obj=$W/obj
bin=$W/bin
mkdir -p "$obj" "$bin" "$W/log" || exit 2
if [ "$(cat "$W/cflags" 2>/dev/null)" != "$CLANG $CFLAGS" ]; then
	rm -f "$obj"/*.o "$bin"/* "$W/libmg-fuzz.a"
	echo "$CLANG $CFLAGS" > "$W/cflags"
fi
newest_hdr=$(ls -t "$S"/include/*.h "$S"/src/*.h "$cfg/config.h" | head -1)
srcs=$(ls "$S"/src/*.c | grep -v '_main\.c$')
: > "$W/obj.todo"
for c in $srcs; do
	o=$obj/$(basename "$c" .c).o
	if [ ! -f "$o" ] || [ "$c" -nt "$o" ] ||
	    [ "$newest_hdr" -nt "$o" ]; then
		echo "$c" >> "$W/obj.todo"
	fi
done
if [ -s "$W/obj.todo" ]; then
	echo "run.sh: compiling $(wc -l < "$W/obj.todo") sources with $CLANG"
	export CLANG CFLAGS obj
	if ! xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c \
	    '$CLANG $CFLAGS -fsanitize=fuzzer-no-link -c -o \
	    "$obj/$(basename {} .c).o" {}' < "$W/obj.todo"; then
		echo "run.sh: compiling the library failed" >&2
		exit 2
	fi
	rm -f "$W/libmg-fuzz.a"
fi
if [ ! -f "$W/libmg-fuzz.a" ]; then
	ar cr "$W/libmg-fuzz.a" "$obj"/*.o || exit 2
fi

# ---------------------------------------------------------------- harnesses
for h in $harnesses; do
	src=$S/tests/fuzz/fuzz_$h.c
	exe=$bin/fuzz_$h
	if [ -f "$exe" ] && [ ! "$src" -nt "$exe" ] &&
	    [ ! "$W/libmg-fuzz.a" -nt "$exe" ]; then
		continue
	fi
	echo "run.sh: linking fuzz_$h"
	# shellcheck disable=SC2086
	if ! $CLANG $CFLAGS -fsanitize=fuzzer -o "$exe" "$src" \
	    "$W/libmg-fuzz.a" $DEPLIBS; then
		echo "run.sh: building fuzz_$h failed" >&2
		exit 2
	fi
done
[ $build_only = 1 ] && exit 0

# ---------------------------------------------------------------- runs
run_one() {
	h=$1
	corp=$W/corpus/$h
	art=$W/artifacts/$h
	log=$W/log/$h.log
	seeds=$(seed_dir "$h")
	rm -rf "$art"
	mkdir -p "$corp" "$art"
	[ -d "$seeds" ] || seeds=
	[ -d "$S/tests/fuzz/regress/$h" ] &&
	    seeds="$seeds $S/tests/fuzz/regress/$h"
	t0=$(date +%s)
	# shellcheck disable=SC2086
	"$bin/fuzz_$h" -max_total_time="$SECS" -timeout=20 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$art/" ${FUZZ_FLAGS:-} "$corp" $seeds \
	    > "$log" 2>&1
	echo $? > "$W/log/$h.rc"
	echo $(($(date +%s) - t0)) > "$W/log/$h.secs"
}

running=0
for h in $harnesses; do
	rm -f "$W/log/$h.rc"
	echo "run.sh: fuzzing $h for ${SECS}s (log $W/log/$h.log)"
	run_one "$h" &
	running=$((running + 1))
	if [ $running -ge "$PAR" ]; then
		wait
		running=0
	fi
done
wait

# ---------------------------------------------------------------- results
status=0
printf '%-14s %10s %8s %6s %5s %s\n' harness execs exec/s cov corp result
for h in $harnesses; do
	log=$W/log/$h.log
	rc=$(cat "$W/log/$h.rc" 2>/dev/null || echo '?')
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | sed 's/cov: //')
	ncorp=$(ls "$W/corpus/$h" | wc -l)
	found=$(ls "$W/artifacts/$h" 2>/dev/null | wc -l)
	if [ "$rc" = 0 ] && [ "$found" -eq 0 ]; then
		res=ok
	else
		res="FAIL (rc $rc, $found artifact(s))"
		status=1
		mkdir -p "$CRASHES/$h"
		for a in "$W/artifacts/$h"/*; do
			[ -f "$a" ] || continue
			cp "$a" "$CRASHES/$h/" &&
			    echo "run.sh: $h: finding copied to" \
				"$CRASHES/$h/$(basename "$a")"
		done
		grep -m 3 -e 'ERROR:' -e 'SUMMARY:' -e 'runtime error' \
		    "$log" | sed "s/^/run.sh: $h: /"
	fi
	printf '%-14s %10s %8s %6s %5s %s\n' "$h" "${execs:-?}" \
	    "${rate:-?}" "${cov:-?}" "$ncorp" "$res"
	# Keep a running total of fuzzing time for docs/reliability.md:
	# date, harness, seconds really run, executions, coverage, result.
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $h" \
	    "$(cat "$W/log/$h.secs" 2>/dev/null || echo 0)s ${execs:-?}" \
	    "cov=${cov:-?} $res" >> "$W/history.log"
done
exit $status
