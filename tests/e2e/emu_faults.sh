#!/bin/sh
# emu_faults.sh - the proxy when things go wrong: a dead upstream, an
# upstream that dies in the middle of DATA (the client must get 421, never
# 250, and a retry must deliver exactly once), the connection cap, the idle
# timeout, and a client that half-closes.  Loopback only; no root needed.
. "${top_srcdir:-.}/tests/lib.sh"

mg_tmpdir

# 1. Connection refused upstream: the client gets 421 and a log line.
dead=$(mg_free_port)
mg_start_emulate --profile asa --upstream 127.0.0.1:"$dead"
"$MG_PYTHON" - "$MG_EMU_PORT" >"$MG_TMP/c1.out" <<'EOF' ||
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(20)
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
sys.stdout.write(data.decode())
EOF
    mg_fail "client failed"
mg_assert_has "$MG_TMP/c1.out" '421 4.4.1 upstream unavailable'
mg_wait_has "$MG_EMU_LOG" "upstream 127.0.0.1:$dead: connect: Connection refused; client told 421" 10 ||
    mg_fail "no log line for the refused upstream"
mg_pass "dead upstream: 421 4.4.1 and a log line"

# 2. An upstream that dies after the end of data, before its reply.
#    The fake server counts the messages it acknowledged with 250.
up=$(mg_free_port)
cat >"$MG_TMP/fake.py" <<'EOF'
import socket, sys
port, acked = int(sys.argv[1]), sys.argv[2]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(8)
n = 0
conn_no = 0
while True:
    c, _ = ls.accept()
    conn_no += 1
    f = c.makefile("rb")
    c.sendall(b"220 fake ESMTP\r\n")
    while True:
        line = f.readline()
        if not line:
            break
        v = line[:4].upper()
        if v == b"DATA":
            c.sendall(b"354 go\r\n")
            while f.readline() not in (b".\r\n", b""):
                pass
            if conn_no == 1:
                break          # die before answering: no 250
            n += 1
            open(acked, "w").write("%d\n" % n)
            c.sendall(b"250 2.0.0 queued\r\n")
        elif v == b"QUIT":
            c.sendall(b"221 bye\r\n")
            break
        else:
            c.sendall(b"250 ok\r\n")
    f.close()
    c.close()
EOF
mg_start_bg fake "$MG_PYTHON" "$MG_TMP/fake.py" "$up" "$MG_TMP/acked"
mg_wait_port 127.0.0.1 "$up" 20 "$MG_BG_PID" || mg_fail "fake server"
mg_start_emulate --profile asa --upstream 127.0.0.1:"$up"
"$MG_PYTHON" - "$MG_EMU_PORT" >"$MG_TMP/c2.out" <<'EOF' ||
import smtplib, sys
port = int(sys.argv[1])
msg = "Subject: once\r\n\r\nbody\r\n"
results = []
for attempt in (1, 2):
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        s.ehlo()
        s.sendmail("a@example.net", ["b@example.com"], msg)
        s.quit()
        results.append("delivered")
    except smtplib.SMTPResponseException as e:
        results.append("refused %d" % e.smtp_code)
    except smtplib.SMTPServerDisconnected:
        results.append("disconnected")
print(" ".join(results))
EOF
    mg_fail "smtplib client crashed"
mg_assert_has "$MG_TMP/c2.out" 'refused 421 delivered\n' \
    "first attempt 421, retry delivered"
mg_assert_eq "$(cat "$MG_TMP/acked")" 1 "messages the upstream accepted"
mg_wait_has "$MG_EMU_LOG" 'closed the connection before its final reply; client told 421' 10 ||
    mg_fail "no log line for the lost upstream"
mg_pass "upstream dies mid-DATA: client 421 (no 250), retry delivered once"

# 3. The connection cap: the second client is refused politely.
mg_start_emulate --profile off --upstream builtin:postfix --max-conns 1
"$MG_PYTHON" - "$MG_EMU_PORT" >"$MG_TMP/c3.out" <<'EOF' ||
import socket, sys
port = int(sys.argv[1])
a = socket.create_connection(("127.0.0.1", port), 10)
a.settimeout(20)
print(a.makefile("rb").readline().decode().strip())
b = socket.create_connection(("127.0.0.1", port), 10)
b.settimeout(20)
print(b.makefile("rb").readline().decode().strip())
a.close()
EOF
    mg_fail "cap client failed"
mg_assert_has "$MG_TMP/c3.out" '220 mail.example.com ESMTP Postfix (Debian/GNU)\n421 4.3.2 too many connections\n'
mg_wait_has "$MG_EMU_LOG" '(--max-conns 1)' 10 || mg_fail "no cap log line"
mg_pass "--max-conns 1: second client gets 421 4.3.2"

# 4. Idle timeout: a silent client gets 421 and is closed.
mg_start_emulate --profile off --upstream builtin:postfix --idle-timeout 1
"$MG_PYTHON" - "$MG_EMU_PORT" >"$MG_TMP/c4.out" <<'EOF' ||
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(30)
t = time.time()
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
sys.stdout.write(data.decode())
print("closed after %.0f s" % (time.time() - t))
EOF
    mg_fail "idle client failed"
mg_assert_has "$MG_TMP/c4.out" '220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n421 4.4.2 idle timeout'
mg_pass "--idle-timeout 1: silent client told 421 and closed"

# 5. Half-close: the client sends QUIT and shuts its side; the server's
#    221 still reaches it, then the close.
"$MG_PYTHON" - "$MG_EMU_PORT" >"$MG_TMP/c5.out" <<'EOF' ||
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(20)
s.sendall(b"NOOP\r\nQUIT\r\n")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
sys.stdout.write(data.decode())
EOF
    mg_fail "half-close client failed"
mg_assert_has "$MG_TMP/c5.out" '250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n'
mg_assert_lacks "$MG_TMP/c5.out" '421'
mg_pass "half-close: replies delivered after the client's FIN, no 421"

# 6. Out of file descriptors: accept pauses with a clear log line, the
#    open connections keep working, and service comes back.
fdport=$(mg_free_port)
mg_start_bg fdlimit sh -c 'ulimit -n 40 && exec "$0" "$@"' "$MG_EMULATE" \
    --listen 127.0.0.1:"$fdport" --profile asa --upstream builtin:postfix
mg_wait_port 127.0.0.1 "$fdport" 30 "$MG_BG_PID" || mg_fail "fd-limited emulator"
FD_LOG=$MG_BG_LOG
"$MG_PYTHON" - "$fdport" >"$MG_TMP/c6.out" <<'EOF' ||
import socket, sys, time
port = int(sys.argv[1])
socks, greeted = [], 0
for i in range(30):
    s = socket.create_connection(("127.0.0.1", port), 10)
    socks.append(s)
for s in socks:
    s.settimeout(3)
    try:
        if s.recv(512).startswith(b"220 "):
            greeted += 1
    except OSError:
        pass
# the first clients still work while accept is paused
s0 = socks[0]
s0.settimeout(10)
s0.sendall(b"NOOP\r\n")
print("noop", s0.recv(512).decode().strip())
for s in socks:
    s.close()
time.sleep(1.5)
s = socket.create_connection(("127.0.0.1", port), 10)
s.settimeout(10)
print("greeted", greeted)
print("after", s.recv(512).decode().strip()[:4])
EOF
    mg_fail "fd client failed"
mg_assert_has "$MG_TMP/c6.out" 'noop 250 2.0.0 Ok\n' "served while out of fds"
mg_assert_has "$MG_TMP/c6.out" 'after 220 ' "service back after fds freed"
mg_assert_has "$FD_LOG" 'Too many open files; pausing accept for 1 s' \
    "EMFILE logged"
mg_pass "out of fds: accept paused and logged, others served, recovered"

# 7. Many concurrent clients through asa to the built-in server (three
#    descriptors each in the emulator: raise the limit, or use fewer).
ulimit -n 8192 2>/dev/null || true
nclients=$(( ($(ulimit -n) - 64) / 4 ))
[ "$nclients" -gt 1000 ] && nclients=1000
mg_start_emulate --profile asa --upstream builtin:postfix
"$MG_PYTHON" - "$MG_EMU_PORT" "$MG_EMU_PID" "$nclients" \
    >"$MG_TMP/c7.out" <<'EOF' ||
import socket, sys
port, pid, nclients = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def rss():
    for l in open("/proc/%s/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
socks = []
for i in range(nclients):
    s = socket.create_connection(("127.0.0.1", port), 30)
    s.settimeout(60)
    socks.append(s)
ok = sum(1 for s in socks if s.recv(512).startswith(b"220 "))
r1 = rss()
for s in socks:
    s.sendall(b"QUIT\r\n")
bye = sum(1 for s in socks if s.recv(512).startswith(b"221 "))
print("greeted %d bye %d rss_kb_at_%d %d" % (ok, bye, nclients, r1))
EOF
    mg_fail "$nclients-client run failed"
mg_assert_has "$MG_TMP/c7.out" "greeted $nclients bye $nclients " \
    "all $nclients served"
mg_log "$(cat "$MG_TMP/c7.out")"
mg_pass "$nclients concurrent clients through asa: all greeted and closed"
exit 0
