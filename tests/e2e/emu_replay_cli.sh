#!/bin/sh
# emu_replay_cli.sh - mailguard-emulate --replay IN -w OUT end to end: a
# clean session is captured with tcpdump on loopback (a real client through
# --profile off to the built-in postfix), replayed under asa, and read back:
# the same packets with the same lengths, the asa rewrites in the payload,
# --randomize-isn deterministic per seed; plus the CLI's exit codes.
# Needs root for tcpdump (else skip 77).
. "${top_srcdir:-.}/tests/lib.sh"

mg_require_root
mg_require_cmd tcpdump tcpdump
mg_require_cmd swaks swaks
mg_tmpdir

# Replay inspects flows to 25/587/2525: listen on 2525 of a loopback
# address of our own so parallel tests never collide.
addr=$("$MG_PYTHON" -c 'import random; r=random.SystemRandom(); print("127.77.%d.%d" % (r.randint(1,254), r.randint(1,254)))')
mg_start_bg clean "$MG_EMULATE" --listen "$addr:2525" --profile off \
    --upstream builtin:postfix
mg_wait_port "$addr" 2525 30 "$MG_BG_PID" || mg_fail "emulator on $addr"
mg_start_bg tcpdump tcpdump -i lo -U -n -w "$MG_TMP/clean.pcap" \
    "host $addr and tcp port 2525"
TD_PID=$MG_BG_PID
mg_wait_has "$MG_BG_LOG" 'listening on lo' 30 || mg_fail "tcpdump did not start"
swaks --server "$addr:2525" --from a@example.net --to b@example.com \
    >"$MG_TMP/swaks.out" 2>&1 || mg_fail "swaks failed"
sleep 1
mg_kill "$TD_PID"
[ -s "$MG_TMP/clean.pcap" ] || mg_fail "empty capture"

"$MG_EMULATE" --profile asa --replay "$MG_TMP/clean.pcap" \
    -w "$MG_TMP/asa.pcap" 2>"$MG_TMP/replay.err" ||
    mg_fail "replay failed: $(cat "$MG_TMP/replay.err")"
mg_assert_has "$MG_TMP/replay.err" 'mailguard-emulate: replay '

# Same packets, same lengths, same sequence numbers (no --randomize-isn).
shape()
{
	tcpdump -r "$1" -nn -S 2>/dev/null |
	    sed -n 's/.*\(seq [0-9:]*\).*\(length [0-9]*\).*/\1 \2/p'
}
shape "$MG_TMP/clean.pcap" >"$MG_TMP/clean.shape"
shape "$MG_TMP/asa.pcap" >"$MG_TMP/asa.shape"
[ -s "$MG_TMP/clean.shape" ] || mg_fail "no TCP data segments read back"
cmp -s "$MG_TMP/clean.shape" "$MG_TMP/asa.shape" ||
    mg_fail "replay changed sequence numbers or lengths"
tcpdump -r "$MG_TMP/clean.pcap" -A 2>/dev/null >"$MG_TMP/clean.txt"
tcpdump -r "$MG_TMP/asa.pcap" -A 2>/dev/null >"$MG_TMP/asa.txt"
mg_assert_has "$MG_TMP/clean.txt" '250-STARTTLS'
mg_assert_has "$MG_TMP/asa.txt" '250-XXXXXXXA' "STARTTLS masked in replay"
mg_assert_lacks "$MG_TMP/asa.txt" 'ESMTP Postfix' "greeting masked"
mg_assert_has "$MG_TMP/asa.txt" '220 ****'
mg_pass "replay under asa: same packets and lengths, asa rewrites inside"

# --randomize-isn: sequence numbers move, lengths do not; same seed, same
# file.
"$MG_EMULATE" --profile asa --replay "$MG_TMP/clean.pcap" \
    -w "$MG_TMP/r1.pcap" --randomize-isn --seed 7 2>/dev/null ||
    mg_fail "randomized replay failed"
"$MG_EMULATE" --profile asa --replay "$MG_TMP/clean.pcap" \
    -w "$MG_TMP/r2.pcap" --randomize-isn --seed 7 2>/dev/null ||
    mg_fail "randomized replay failed"
cmp -s "$MG_TMP/r1.pcap" "$MG_TMP/r2.pcap" || mg_fail "same seed, other file"
shape "$MG_TMP/r1.pcap" >"$MG_TMP/r1.shape"
cmp -s "$MG_TMP/clean.shape" "$MG_TMP/r1.shape" &&
    mg_fail "--randomize-isn left the sequence numbers alone"
sed 's/.*length/length/' "$MG_TMP/clean.shape" >"$MG_TMP/a.len"
sed 's/.*length/length/' "$MG_TMP/r1.shape" >"$MG_TMP/b.len"
cmp -s "$MG_TMP/a.len" "$MG_TMP/b.len" || mg_fail "lengths changed"
mg_pass "--randomize-isn --seed 7: deterministic, sequence moved, lengths kept"

# Exit codes: usage 2, runtime 1.
"$MG_EMULATE" --profile asa --replay "$MG_TMP/clean.pcap" 2>/dev/null
mg_assert_eq "$?" 2 "--replay without -w"
"$MG_EMULATE" --profile asa -u builtin:postfix -w "$MG_TMP/x.pcap" 2>/dev/null
mg_assert_eq "$?" 2 "-w without --replay"
"$MG_EMULATE" --profile asa --replay "$MG_TMP/none.pcap" \
    -w "$MG_TMP/x.pcap" 2>"$MG_TMP/e.err"
mg_assert_eq "$?" 1 "missing input"
mg_assert_has "$MG_TMP/e.err" 'none.pcap'
mg_pass "replay CLI: exit 2 for usage, 1 for a missing capture"
exit 0
