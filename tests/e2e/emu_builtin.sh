#!/bin/sh
# emu_builtin.sh - mailguard-emulate with built-in server personalities,
# driven by real clients (swaks, curl, python3 smtplib): what each client
# saw, what the built-in server received (--server-log) and what landed in
# the spool.  Loopback only; no root needed.
. "${top_srcdir:-.}/tests/lib.sh"

mg_require_cmd swaks swaks
mg_require_cmd curl curl
mg_tmpdir

# Start the emulator on port 0 and read the port it reports.
start_port0()
{
	_n=$1
	shift
	mg_start_bg "$_n" "$MG_EMULATE" --listen 127.0.0.1:0 "$@"
	EMU_PID=$MG_BG_PID
	EMU_LOG=$MG_BG_LOG
	mg_wait_has "$EMU_LOG" 'listening on 127.0.0.1:' 30 ||
	    mg_fail "$_n: never said 'listening on' ($*)"
	EMU_PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' \
	    "$EMU_LOG")
	[ -n "$EMU_PORT" ] && [ "$EMU_PORT" -gt 0 ] ||
	    mg_fail "$_n: no port in $EMU_LOG"
}

spool_count()
{
	find "$1" -name '*.eml' | wc -l | tr -d ' '
}

# 1. --profile off in front of exchange2003: the pure relay shows the
#    Exchange verbs, and the message lands in the spool once.
mkdir "$MG_TMP/sp1"
start_port0 off1 --profile off --upstream builtin:exchange2003 \
    --spool "$MG_TMP/sp1" --server-log "$MG_TMP/srv1.log"
swaks --server 127.0.0.1:"$EMU_PORT" --from a@example.net \
    --to b@example.com --header 'Subject: off-relay' \
    >"$MG_TMP/c1.out" 2>&1 || mg_fail "swaks through off failed"
f=$MG_TMP/c1.out
mg_assert_has "$f" '<-  220 mail.example.com Microsoft ESMTP MAIL Service, Version: 6.0.3790.3959 ready at '
mg_assert_has "$f" '<-  250-X-LINK2STATE\n' "X-LINK2STATE offered"
mg_assert_has "$f" '<-  250-XEXCH50\n'
mg_assert_has "$f" '<-  250-STARTTLS\n'
mg_assert_has "$f" '<-  250 2.6.0 <'
mg_assert_eq "$(spool_count "$MG_TMP/sp1")" 1 "messages in spool (off)"
grep -l 'Subject: off-relay' "$MG_TMP"/sp1/*.eml >/dev/null ||
    mg_fail "spooled message lacks its subject"
mg_pass "off + exchange2003: X-LINK2STATE/XEXCH50 reach the client, 1 message"

# Unknown verb through the pure relay: Exchange's own 500.
"$MG_PYTHON" - "$EMU_PORT" >"$MG_TMP/c1b.out" <<'EOF' ||
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
sys.stdout.write(f.readline().decode())
s.sendall(b"goodmorning\r\n")
sys.stdout.write(f.readline().decode())
s.sendall(b"QUIT\r\n")
sys.stdout.write(f.readline().decode())
EOF
    mg_fail "raw client failed"
mg_assert_has "$MG_TMP/c1b.out" '500 5.3.3 Unrecognized command\r\n'
mg_pass "off + exchange2003: goodmorning gets the server's 500"

# 2. asa in front of postfix: masked greeting, STARTTLS masked as the
#    first masked keyword, the message through exactly once.
mkdir "$MG_TMP/sp2"
start_port0 asa2 --profile asa --upstream builtin:postfix \
    --spool "$MG_TMP/sp2" --server-log "$MG_TMP/srv2.log"
swaks --server 127.0.0.1:"$EMU_PORT" --from a@example.net \
    --to b@example.com --header 'Subject: through-asa' \
    >"$MG_TMP/c2.out" 2>&1 || mg_fail "swaks through asa failed"
f=$MG_TMP/c2.out
mg_has "$f" '<-  220 ****' || mg_fail "greeting not masked"
grep '^<-  220 ' "$f" | grep -q '^<-  220 \**$' ||
    mg_fail "asa greeting has unmasked bytes: $(grep '^<-  220' "$f")"
mg_assert_has "$f" '<-  250-XXXXXXXA\n' "STARTTLS masked"
mg_assert_lacks "$f" 'STARTTLS'
mg_assert_has "$f" '<-  250-PIPELINING\n'
mg_assert_has "$f" '<-  250 2.0.0 Ok: queued as '
mg_assert_eq "$(spool_count "$MG_TMP/sp2")" 1 "messages in spool (asa)"
grep -l 'Subject: through-asa' "$MG_TMP"/sp2/*.eml >/dev/null ||
    mg_fail "spooled message lacks its subject"
mg_assert_has "$MG_TMP/srv2.log" '>>> 250-STARTTLS' "server offered it"
mg_pass "asa + postfix: 220 ****, 250-XXXXXXXA, one message spooled"

# The same through curl (smtp://) and python smtplib.
printf 'Subject: via-curl\r\n\r\nbody\r\n' >"$MG_TMP/m.txt"
curl -sS --max-time 30 smtp://127.0.0.1:"$EMU_PORT" \
    --mail-from a@example.net --mail-rcpt b@example.com \
    -T "$MG_TMP/m.txt" || mg_fail "curl through asa failed"
"$MG_PYTHON" - "$EMU_PORT" <<'EOF' || mg_fail "smtplib through asa failed"
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
code, _ = s.ehlo()
assert code == 250, code
assert not s.has_extn("starttls"), s.esmtp_features
s.sendmail("a@example.net", ["b@example.com"],
           "Subject: via-smtplib\r\n\r\nhello\r\n")
s.quit()
EOF
mg_assert_eq "$(spool_count "$MG_TMP/sp2")" 3 "messages in spool (3 clients)"
grep -l 'Subject: via-curl' "$MG_TMP"/sp2/*.eml >/dev/null ||
    mg_fail "curl's message missing"
grep -l 'Subject: via-smtplib' "$MG_TMP"/sp2/*.eml >/dev/null ||
    mg_fail "smtplib's message missing"
mg_pass "asa + postfix: curl and smtplib deliver exactly once each"

# 3. pix-6.3: EHLO reaches the server as NOOP and comes back 250 without
#    keywords.
start_port0 pix3 --profile pix-6.3 --upstream builtin:postfix \
    --server-log "$MG_TMP/srv3.log"
swaks --server 127.0.0.1:"$EMU_PORT" --from a@example.net \
    --to b@example.com >"$MG_TMP/c3.out" 2>&1 ||
    mg_fail "swaks through pix-6.3 failed"
f=$MG_TMP/c3.out
mg_assert_has "$f" ' -> EHLO '
mg_assert_has "$f" '<-  250 2.0.0 Ok\n' "EHLO answered by NOOP's 250"
mg_assert_lacks "$f" '250-PIPELINING' "no keywords behind pix-6.3"
mg_assert_has "$MG_TMP/srv3.log" '<<< NOOP' "server got NOOP"
mg_assert_lacks "$MG_TMP/srv3.log" '<<< EHLO' "server never saw EHLO"
grep '^<-  220 ' "$f" | grep -q '^<-  220 [*20 ]*$' ||
    mg_fail "pix greeting not 2/0-masked: $(grep '^<-  220' "$f")"
mg_pass "pix-6.3 + postfix: EHLO became NOOP, 250 with no keywords"

# 4. sendmail quotes the X-filled verb back under asa.
start_port0 asa4 --profile asa --upstream builtin:sendmail
"$MG_PYTHON" - "$EMU_PORT" >"$MG_TMP/c4.out" <<'EOF' ||
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
f.readline()
s.sendall(b"goodmorning\r\n")
sys.stdout.write(f.readline().decode())
s.sendall(b"QUIT\r\n")
sys.stdout.write(f.readline().decode())
EOF
    mg_fail "raw client failed"
mg_assert_has "$MG_TMP/c4.out" \
    '500 5.5.1 Command unrecognized: "XXXXXXXXXXX"\r\n' "X-filled verb"
mg_pass "asa + sendmail: goodmorning reaches the server X-filled"

# 4b. BDAT (CHUNKING): through off it delivers; through asa the verb is
#     X-filled and the chunk is read as commands (symptom: garbled or
#     missing attachments).
cat >"$MG_TMP/bdat.py" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(20)
f = s.makefile("rb")
def reply():
    out = b""
    while True:
        l = f.readline()
        out += l
        if not l or l[3:4] != b"-":
            return out.decode().rstrip("\r\n").split("\r\n")[-1]
reply()
for cmd in (b"EHLO c.example\r\n", b"MAIL FROM:<a@example.net>\r\n",
            b"RCPT TO:<b@example.com>\r\n"):
    s.sendall(cmd)
    reply()
body = b"Subject: bdat\r\n\r\nchunked\r\n"
s.sendall(b"BDAT %d LAST\r\n" % len(body) + body)
print("bdat", reply())
s.sendall(b"QUIT\r\n")
print("quit", reply())
EOF
mkdir "$MG_TMP/sp4"
start_port0 bdat-off --profile off --upstream builtin:exchange2003 \
    --spool "$MG_TMP/sp4"
"$MG_PYTHON" "$MG_TMP/bdat.py" "$EMU_PORT" >"$MG_TMP/c4b.out" ||
    mg_fail "bdat client (off)"
mg_assert_has "$MG_TMP/c4b.out" 'bdat 250 2.6.0 <'
grep -l 'Subject: bdat' "$MG_TMP"/sp4/*.eml >/dev/null ||
    mg_fail "BDAT message not spooled"
start_port0 bdat-asa --profile asa --upstream builtin:exchange2003 \
    --server-log "$MG_TMP/srv4b.log"
"$MG_PYTHON" "$MG_TMP/bdat.py" "$EMU_PORT" >"$MG_TMP/c4c.out" ||
    mg_fail "bdat client (asa)"
mg_assert_has "$MG_TMP/c4c.out" 'bdat 500 5.3.3 Unrecognized command'
mg_assert_has "$MG_TMP/srv4b.log" '<<< XXXXXXXXXXXX\n' "BDAT line X-filled"
mg_assert_has "$MG_TMP/srv4b.log" '<<< XXXXXXXXXXXXX\n' \
    "chunk read as a command and X-filled"
mg_pass "BDAT: delivered through off; X-filled through asa, chunk read as commands"

# 5. --set and --profile-file reach the engine.
start_port0 set5 --profile asa --set banner=none \
    --upstream builtin:postfix
swaks --server 127.0.0.1:"$EMU_PORT" --quit-after EHLO \
    >"$MG_TMP/c5a.out" 2>&1 || mg_fail "swaks --set banner=none"
mg_assert_has "$MG_TMP/c5a.out" '<-  220 mail.example.com ESMTP Postfix (Debian/GNU)\n'
mg_assert_has "$MG_TMP/c5a.out" '<-  250-XXXXXXXA\n' "still asa otherwise"
printf '# PIX 6.3 that X-fills\nbase pix-6.3\nrefuse = xfill\n' \
    >"$MG_TMP/p.conf"
start_port0 file5 --profile-file "$MG_TMP/p.conf" \
    --upstream builtin:postfix --server-log "$MG_TMP/srv5.log"
swaks --server 127.0.0.1:"$EMU_PORT" --quit-after EHLO \
    >"$MG_TMP/c5b.out" 2>&1
mg_assert_has "$MG_TMP/c5b.out" '502 5.5.2 Error: command not recognized'
mg_assert_has "$MG_TMP/srv5.log" '<<< XXXXXXX'
mg_pass "--set banner=none and --profile-file (pix-6.3, refuse=xfill) apply"

# 6. --ready-fd: the bound address goes to that descriptor.
"$MG_EMULATE" --profile off --upstream builtin:postfix --listen 127.0.0.1:0 \
    --ready-fd 3 3>"$MG_TMP/ready" >"$MG_TMP/ready.stdout" \
    2>"$MG_TMP/ready.err" &
RPID=$!
mg_cleanup_add "kill $RPID 2>/dev/null"
mg_wait_has "$MG_TMP/ready" 'listening on 127.0.0.1:' 30 ||
    mg_fail "--ready-fd 3: nothing written"
rport=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' \
    "$MG_TMP/ready")
[ -n "$rport" ] || mg_fail "--ready-fd: bad line $(cat "$MG_TMP/ready")"
mg_assert_lacks "$MG_TMP/ready.stdout" 'listening on'
# A client still connected when the drain ends is told 421.
"$MG_PYTHON" - "$rport" "$RPID" >"$MG_TMP/c5.out" <<'EOF' ||
import os, signal, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(30)
f = s.makefile("rb")
print(f.readline().decode().strip())
os.kill(int(sys.argv[2]), signal.SIGTERM)
print(f.readline().decode().strip())
EOF
    mg_fail "drain client failed"
mg_assert_has "$MG_TMP/c5.out" '421 4.3.2 service shutting down'
wait "$RPID"
mg_assert_eq "$?" 0 "exit status after the drain"
mg_assert_has "$MG_TMP/ready.err" 'draining 1 for up to 5 s'
mg_pass "--ready-fd; a client left after the SIGTERM drain gets 421"

# 7. Clean shutdown: SIGTERM, exit 0.
kill -TERM "$EMU_PID"
i=0
while mg_alive "$EMU_PID" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mg_alive "$EMU_PID" && mg_fail "emulator ignored SIGTERM"
wait "$EMU_PID" 2>/dev/null
rc=$?
[ "$rc" -eq 0 ] || mg_fail "exit status $rc after SIGTERM"
mg_assert_has "$EMU_LOG" 'mailguard-emulate: stopped: '
mg_pass "SIGTERM: clean exit 0"
exit 0
