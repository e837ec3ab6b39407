#!/bin/sh
# emu_segments.sh - the proxy keeps TCP segment boundaries meaningful, so
# the behaviours that depend on them show through a live relay: ASA's
# interactive-telnet X-fill (Cisco 113423, one character per segment) and
# the PIX 5.1 end-of-data bug (CSCds90792, "\r\n." and "\r\n" in separate
# segments); and PIX 4.1 answering refused commands itself.  The built-in
# server's log (--server-log) shows what reached it.  No root needed.
. "${top_srcdir:-.}/tests/lib.sh"

mg_tmpdir

# A scripted client: TCP_NODELAY, one send() per element, a pause between
# sends so each is its own segment.  Prints every reply line it reads.
cat >"$MG_TMP/client.py" <<'EOF'
import socket, sys, time

port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), 10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.settimeout(20)
f = s.makefile("rb")

def reply(timeout=20):
    s.settimeout(timeout)
    out = b""
    while True:
        l = f.readline()
        if not l:
            raise EOFError("closed")
        out += l
        if l[3:4] != b"-":
            return out.decode(errors="replace")

def send(*parts, pause=0.2):
    for p in parts:
        s.sendall(p)
        time.sleep(pause)

def show(tag, r):
    for l in r.splitlines():
        print("%s %s" % (tag, l))

show("greeting", reply())
if mode in ("onechar", "whole"):
    line = b"HELO client.example\r\n"
    if mode == "onechar":
        send(*[line[i:i + 1] for i in range(len(line))])
    else:
        send(line)
    show("helo", reply())
elif mode in ("eod-split", "eod-whole"):
    send(b"HELO client.example\r\n")
    show("helo", reply())
    send(b"MAIL FROM:<a@example.net>\r\n")
    show("mail", reply())
    send(b"RCPT TO:<b@example.com>\r\n")
    show("rcpt", reply())
    send(b"DATA\r\n")
    show("data", reply())
    if mode == "eod-split":
        # a full second apart: separate reads even on a loaded box
        send(b"Subject: split\r\n\r\nbody\r\n.", b"\r\n", pause=1.0)
    else:
        send(b"Subject: whole\r\n\r\nbody\r\n.\r\n")
    try:
        show("eod", reply(timeout=4))
    except (socket.timeout, TimeoutError):
        print("eod TIMEOUT")
elif mode == "refused":
    send(b"EHLO client.example\r\n")
    show("ehlo", reply())
    send(b"goodmorning\r\n")
    show("goodmorning", reply())
s.close()
EOF

client()
{
	"$MG_PYTHON" "$MG_TMP/client.py" "$@"
}

# 1. asa: one character per segment -> the server sees X-fill; the same
#    line in one segment passes.
mg_start_emulate --profile asa --upstream builtin:postfix \
    --server-log "$MG_TMP/srv1.log"
client "$MG_EMU_PORT" onechar >"$MG_TMP/c1.out" || mg_fail "client onechar"
mg_assert_has "$MG_TMP/c1.out" 'helo 502 5.5.2 Error: command not recognized\n'
mg_assert_has "$MG_TMP/srv1.log" '<<< XXXX' "one-char HELO X-filled"
mg_assert_lacks "$MG_TMP/srv1.log" '<<< HELO'
client "$MG_EMU_PORT" whole >"$MG_TMP/c1b.out" || mg_fail "client whole"
mg_assert_has "$MG_TMP/c1b.out" 'helo 250 mail.example.com\n'
mg_assert_has "$MG_TMP/srv1.log" '<<< HELO client.example\n'
mg_pass "asa: HELO one char per segment arrives X-filled (Cisco 113423)"

# 2. pix-5.1: "\r\n." and "\r\n" apart -> no 250 (CSCds90792); whole -> 250.
#    pix-5.1's default eod_split_bug=late holds the "\r\n" until the client
#    leaves: the server then gets the end of data and spools a message its
#    sender was never told about (the field's duplicate); under swallow it
#    never gets it.
spooled()	# DIR SUBJECT: how many spooled messages carry SUBJECT
{
	grep -l "^Subject: $2" "$1"/*.eml 2>/dev/null | wc -l | tr -d ' '
}
for mode in late swallow; do
	d=$MG_TMP/sp2-$mode
	mkdir "$d"
	mg_start_emulate --profile pix-5.1 --set eod_split_bug=$mode \
	    --upstream builtin:postfix --spool "$d" \
	    --server-log "$MG_TMP/srv2-$mode.log"
	client "$MG_EMU_PORT" eod-split >"$MG_TMP/c2-$mode.out" ||
	    mg_fail "client split ($mode)"
	mg_assert_has "$MG_TMP/c2-$mode.out" 'data 354 '
	mg_assert_has "$MG_TMP/c2-$mode.out" 'eod TIMEOUT\n' \
	    "$mode: end of data not answered while the client waits"
	mg_assert_lacks "$MG_TMP/c2-$mode.out" 'queued'
	if [ "$mode" = late ]; then
		n=0
		while [ "$(spooled "$d" split)" -lt 1 ] && [ "$n" -lt 300 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		mg_assert_eq "$(spooled "$d" split)" 1 \
		    "late: the split message is delivered after its sender left"
	fi
	client "$MG_EMU_PORT" eod-whole >"$MG_TMP/c2b-$mode.out" ||
	    mg_fail "client whole ($mode)"
	mg_assert_has "$MG_TMP/c2b-$mode.out" 'eod 250 2.0.0 Ok: queued as '
	mg_assert_eq "$(spooled "$d" whole)" 1 "$mode: the whole message, once"
	if [ "$mode" = swallow ]; then
		mg_assert_eq "$(spooled "$d" split)" 0 \
		    "swallow: the split message is never delivered"
	fi
	mg_kill "$MG_EMU_PID"
done
mg_pass "pix-5.1: split end of data never acknowledged (late: delivered" \
    "after the sender left; swallow: lost); the whole one is"

# Control: pix-6.3 has the bug fixed.
mg_start_emulate --profile pix-6.3 --upstream builtin:postfix
client "$MG_EMU_PORT" eod-split >"$MG_TMP/c2c.out" || mg_fail "client 6.3"
mg_assert_has "$MG_TMP/c2c.out" 'eod 250 2.0.0 Ok: queued as '
mg_pass "pix-6.3: the same split end of data is acknowledged"

# 3. pix-4.1: the box answers refused commands itself; the server never
#    sees them.
mg_start_emulate --profile pix-4.1 --upstream builtin:exchange2003 \
    --server-log "$MG_TMP/srv3.log"
client "$MG_EMU_PORT" refused >"$MG_TMP/c3.out" || mg_fail "client 4.1"
mg_assert_has "$MG_TMP/c3.out" 'ehlo 250 OK\n'
mg_assert_has "$MG_TMP/c3.out" 'goodmorning 250 OK\n'
mg_assert_lacks "$MG_TMP/srv3.log" 'EHLO'
mg_assert_lacks "$MG_TMP/srv3.log" 'goodmorning'
mg_assert_has "$MG_TMP/c3.out" 'greeting 220 SMTP/cmap'
mg_pass "pix-4.1: EHLO and goodmorning answered 250 OK by the box"
exit 0
