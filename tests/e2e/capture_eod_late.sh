#!/bin/sh
# capture_eod_late.sh - pix-5.1's end-of-data bug in its default "late"
# form, seen in a capture: mailguard-emulate --profile pix-5.1 (default
# eod_split_bug=late: the box holds the final CRLF of a split end of data
# and releases it in front of the client's next segment, CSCds90792) in
# front of the built-in Postfix personality, tcpdump on loopback between a
# Python client and the emulator.
#   session 1: the client sends "\r\n." and "\r\n" apart, waits 6.5 s (no
#     server byte), gives up with QUIT, and only then gets "250 ... queued"
#     and "221": mailguard-detect -r must say pix/pix-5.1, with the late
#     reply as the evidence line of eod_split.answered.
#   session 2: the same, but QUIT 0.5 s after the terminator: the 250 that
#     follows is an answer (a client this quick cannot tell the box from a
#     server), so that session must not be judged late.
# Needs root for tcpdump on lo (skips otherwise).
. "${top_srcdir:-.}/tests/lib.sh"
mg_require_root
mg_require_cmd tcpdump tcpdump
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"
mg_tmpdir

# A server name with a 2 and a 0 in it: the PIX keeps those and masks the
# rest (behaviour reference 2), the greeting class the verdict needs.
mg_start_emulate --profile pix-5.1 --upstream builtin:postfix \
    --hostname mx20.lab.test
pcap=$MG_TMP/late.pcap
mg_start_bg tcpdump tcpdump -i lo -nn -U -s 0 -w "$pcap" \
    "tcp port $MG_EMU_PORT"
dump=$MG_BG_PID
mg_wait_has "$MG_BG_LOG" "listening on" 30 || mg_fail "tcpdump did not start"

# client PORT WAIT: one message with a split end of data, then WAIT
# seconds for its reply, then QUIT; prints what came during the wait and
# what came after the QUIT (escaped).
client() {
	"$MG_PYTHON" - "$1" "$2" <<'PY'
import socket, sys, time
port, wait = int(sys.argv[1]), float(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
def reply():
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data
reply()
for cmd in (b"HELO client.lab.test\r\n", b"MAIL FROM:<alice@lab.test>\r\n",
            b"RCPT TO:<bob@lab.test>\r\n", b"DATA\r\n"):
    s.sendall(cmd)
    reply()
s.sendall(b"Subject: eod late\r\n\r\nhello\r\n.")
time.sleep(0.3)
s.sendall(b"\r\n")
during = b""
end = time.monotonic() + wait
while True:
    left = end - time.monotonic()
    if left <= 0:
        break
    s.settimeout(left)
    try:
        chunk = s.recv(4096)
    except socket.timeout:
        break
    if not chunk:
        break
    during += chunk
s.sendall(b"QUIT\r\n")
s.settimeout(30)
after = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    after += chunk
s.close()
print("during:", repr(during))
print("after:", repr(after))
PY
}

client "$MG_EMU_PORT" 6.5 >"$MG_TMP/c1" 2>&1 ||
    mg_fail "client 1: $(cat "$MG_TMP/c1")"
client "$MG_EMU_PORT" 0.5 >"$MG_TMP/c2" 2>&1 ||
    mg_fail "client 2: $(cat "$MG_TMP/c2")"
# What each client saw proves the box ran in late mode: nothing while it
# waited, then the message's 250 in front of the 221.
for c in c1 c2; do
	mg_assert_has "$MG_TMP/$c" "during: b''" "$c: no reply while waiting"
	mg_assert_has "$MG_TMP/$c" "after: b'250 " "$c: late 250 after QUIT"
	mg_assert_has "$MG_TMP/$c" "221 " "$c: 221 after QUIT"
done
mg_pass "pix-5.1 (late) held the reply until the client's QUIT"

# Both connections are closed (the clients read to EOF), but tcpdump may
# lag on a busy box: wait until both 221 replies are in the file and it
# has stopped growing for a second, then stop it (it flushes on SIGTERM).
n=0
while [ "$(mg_count "$pcap" '221 2.0.0 Bye')" -lt 2 ]; do
	n=$((n + 1))
	[ "$n" -lt 300 ] || mg_fail "no two 221 replies in the capture (30 s)"
	sleep 0.1
done
last=-1 n=0
while size=$(wc -c <"$pcap") && [ "$size" != "$last" ] && [ "$n" -lt 20 ]; do
	last=$size n=$((n + 1))
	sleep 1
done
mg_kill "$dump"
[ -s "$pcap" ] || mg_fail "empty capture"

"$MG_DETECT" -r "$pcap" >"$MG_TMP/text" 2>&1
rc=$?
mg_log_add "$MG_TMP/text"
mg_assert_eq "$rc" 1 "detect exit status (interference found)"
"$MG_DETECT" -r "$pcap" --json >"$MG_TMP/json" 2>"$MG_TMP/json.err"
"$MG_PYTHON" - "$MG_TMP/json" <<'PY' || mg_fail "verdicts (see above)"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
sess = [o for o in objs if "verdict" in o]
assert len(sess) == 2, "want 2 sessions, got %d" % len(sess)
def eod(o):
    ev = [e["text"] for e in o["evidence"] if e["what"] == "eod_split.answered"]
    return ev[0] if ev else ""
def cls(o):
    return " | ".join(p["classification"] for p in o["probes"])
late, quick = sess
for n, o in (1, late), (2, quick):
    print("session %d:" % n, o["verdict"]["generation"], cls(o), eod(o))
assert late["verdict"]["family"] == "pix", late["verdict"]
assert late["verdict"]["generation"] == "pix-5.1", late["verdict"]
assert "-> 250 " in eod(late) and "(late)" in eod(late), eod(late)
assert "late reply (after the client gave up) (end-of-data split)" in cls(late)
# The quick client's 250 counts as an answer: no pix-5.1 from it.
assert quick["verdict"]["generation"] != "pix-5.1", quick["verdict"]
assert "-> answered (end-of-data split)" in cls(quick), cls(quick)
PY
mg_assert_has "$MG_TMP/text" "pix/pix-5.1" "text report verdict"
mg_assert_has "$MG_TMP/text" "only after the client gave up (late)" \
    "text report evidence"
mg_pass "detect -r: pix/pix-5.1 from the late reply, quick QUIT answered"
