#!/bin/sh
# fuzz_regress.sh - replay every regression vector through its harness.
#
# tests/fuzz/regress/NAME/ holds the inputs that once crashed (or broke a
# property of) harness NAME; tests/fuzz/replay_NAME is that harness built
# without libFuzzer (tests/fuzz/driver.c), by make check, with the build's
# flags (the sanitizer build catches memory errors too).  Each vector is
# replayed on its own so a failure names the file.  The public captures
# (/work/shared/captures-public, when present) also go through
# replay_capture.  Fails when a vector dir has no harness.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
R=$top_srcdir/tests/fuzz/regress
fail=0
nvec=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for d in "$R"/*/; do
	[ -d "$d" ] || continue
	h=$(basename "$d")
	exe=$top_builddir/tests/fuzz/replay_$h
	if [ ! -x "$exe" ]; then
		echo "FAIL: regress/$h has no harness ($exe missing)"
		fail=1
		continue
	fi
	for v in "$d"*; do
		[ -f "$v" ] || continue
		nvec=$((nvec + 1))
		if "$exe" "$v" > "$tmp/out" 2>&1; then
			echo "ok: $h/$(basename "$v")"
		else
			echo "FAIL: $h/$(basename "$v") (exit $?; rerun:" \
			    "$exe $v):"
			tail -20 "$tmp/out"
			fail=1
		fi
	done
done
echo "fuzz_regress: $nvec regression vector(s) replayed"

# Every harness still accepts its seed corpus (catches a harness whose
# input format changed under its seeds).
for exe in "$top_builddir"/tests/fuzz/replay_*; do
	[ -x "$exe" ] || continue
	if ! "$exe" > "$tmp/out" 2>&1; then
		echo "FAIL: $(basename "$exe") on its seeds:"
		tail -20 "$tmp/out"
		fail=1
	else
		cat "$tmp/out"
	fi
done

P=/work/shared/captures-public
if [ -d "$P" ] && [ -x "$top_builddir/tests/fuzz/replay_capture" ]; then
	mkdir -p "$tmp/pub"
	for f in "$P"/*.pcap "$P"/*.pcapng "$P"/*.gz; do
		[ -f "$f" ] || continue
		case $f in
		*.gz) gzip -dc "$f" > "$tmp/pub/$(basename "$f" .gz)" ||
		    fail=1 ;;
		*) ln -s "$f" "$tmp/pub/$(basename "$f")" ;;
		esac
	done
	if "$top_builddir/tests/fuzz/replay_capture" "$tmp/pub" \
	    > "$tmp/out" 2>&1; then
		cat "$tmp/out"
	else
		echo "FAIL: replay_capture on the public captures:"
		tail -20 "$tmp/out"
		fail=1
	fi
else
	echo "fuzz_regress: no public captures at $P (not replayed)"
fi
exit $fail
