#!/bin/sh
# emu_replay_many.sh - --replay over more connections than the flow table
# holds (MG_FLOWS_MAX, 65,536): closed flows are forgotten after they
# linger, so every one of 70,000 sessions is rewritten (before, sessions
# past the 65,536th were copied unchanged without a word), and the
# emulator's summary counts them all.
set -u
bld=${top_builddir:-$PWD}
det=${MG_DETECT:-$bld/mailguard-detect}
emu=${MG_EMULATE:-$bld/mailguard-emulate}
gen=$bld/tests/bench/gen_capture
n=70000
fail() { echo "FAIL: $*"; exit 1; }
for p in "$det" "$emu" "$gen"; do
	[ -x "$p" ] || fail "no $p (make check builds it)"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$gen" -C -n $n -b 10 -s 11 "$tmp/in.pcap" || fail "gen_capture -n $n"
"$emu" --profile asa --replay "$tmp/in.pcap" -w "$tmp/out.pcap" \
    2>"$tmp/emu.err" || fail "replay: $(cat "$tmp/emu.err")"
grep -q " $n flows," "$tmp/emu.err" ||
    fail "replay did not count $n flows: $(cat "$tmp/emu.err")"
! grep -q "forgotten while still open" "$tmp/emu.err" ||
    fail "replay forgot open flows: $(cat "$tmp/emu.err")"
"$det" --no-progress -q -r "$tmp/out.pcap" >"$tmp/q.txt" 2>"$tmp/q.err"
rc=$?
[ $rc -eq 1 ] || fail "mailguard-detect exit $rc (want 1): $(cat "$tmp/q.err")"
grep -q "^  verdicts: asa $n\$" "$tmp/q.txt" ||
    fail "not every session rewritten: $(grep verdicts "$tmp/q.txt")"
echo "PASS: $n sessions replayed, every one rewritten"
