#!/bin/sh
# emu_tls.sh - STARTTLS through mailguard-emulate to the built-in servers:
# a real handshake completes under asa-allow-tls (and inspection stops:
# the EHLO inside TLS is not masked), fails under asa (STARTTLS masked and
# X-filled), and the plain test server does AUTH under TLS.  Also the
# proxy on IPv6 loopback when the host has it.  No root needed.
. "${top_srcdir:-.}/tests/lib.sh"

mg_require_cmd swaks swaks
mg_tmpdir

spool_count()
{
	find "$1" -name '*.eml' | wc -l | tr -d ' '
}

# 1. asa-allow-tls in front of exchange2007: TLS completes, 108007 is
#    logged, and the EHLO reply inside TLS reaches the client unmasked.
mkdir "$MG_TMP/sp1"
mg_start_emulate --profile asa-allow-tls --upstream builtin:exchange2007 \
    --spool "$MG_TMP/sp1"
swaks --server 127.0.0.1:"$MG_EMU_PORT" --tls --from a@example.net \
    --to b@example.com --header 'Subject: tls-through' \
    >"$MG_TMP/c1.out" 2>&1 || mg_fail "swaks --tls through asa-allow-tls"
f=$MG_TMP/c1.out
mg_assert_has "$f" '<-  250-STARTTLS\n' "allow-tls keeps STARTTLS"
mg_assert_has "$f" '<-  220 2.0.0 SMTP server ready\n'
mg_assert_has "$f" '=== TLS started with cipher '
mg_assert_has "$f" '<~  250 XEXCH50\n' "inside TLS: not masked"
mg_assert_has "$f" '<~  250-AUTH NTLM LOGIN\n' "inside TLS: Exchange adds LOGIN"
mg_assert_has "$f" '<-  250 XXXXXXD\n' "outside TLS: XEXCH50 masked"
mg_assert_has "$f" '<~  250 2.6.0 <'
mg_assert_eq "$(spool_count "$MG_TMP/sp1")" 1 "messages in spool"
mg_wait_has "$MG_EMU_LOG" '%ASA-6-108007: TLS started on ESMTP session between client outside:127.0.0.1/' 10 ||
    mg_fail "no 108007 line"
mg_pass "asa-allow-tls + exchange2007: TLS through, inspection stopped, 108007"

# 2. asa (no allow-tls): the client is not offered STARTTLS; one that
#    sends it anyway reaches the server X-filled and gets its error.
mg_start_emulate --profile asa --upstream builtin:postfix \
    --server-log "$MG_TMP/srv2.log"
if swaks --server 127.0.0.1:"$MG_EMU_PORT" --tls --from a@example.net \
    --to b@example.com >"$MG_TMP/c2.out" 2>&1; then
	mg_fail "swaks --tls succeeded through asa"
fi
mg_assert_has "$MG_TMP/c2.out" '*** Host did not advertise STARTTLS'
"$MG_PYTHON" - "$MG_EMU_PORT" >"$MG_TMP/c2b.out" <<'EOF' ||
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(20)
f = s.makefile("rb")
f.readline()
s.sendall(b"EHLO client.example\r\n")
while True:
    l = f.readline()
    if l[3:4] != b"-":
        break
s.sendall(b"STARTTLS\r\n")
sys.stdout.write(f.readline().decode())
s.sendall(b"QUIT\r\n")
sys.stdout.write(f.readline().decode())
EOF
    mg_fail "raw STARTTLS client failed"
mg_assert_has "$MG_TMP/c2b.out" '502 5.5.2 Error: command not recognized\r\n221'
mg_assert_has "$MG_TMP/srv2.log" '<<< XXXXXXXX\n' "server got STARTTLS X-filled"
mg_pass "asa + postfix: STARTTLS masked, X-filled, answered 502"

# 3. The plain test server: STARTTLS, then AUTH PLAIN (offered only under
#    TLS, like a submission set-up), then a message.
mkdir "$MG_TMP/sp3"
mg_start_emulate --profile off --upstream builtin:postfix \
    --spool "$MG_TMP/sp3"
"$MG_PYTHON" - "$MG_EMU_PORT" <<'EOF' || mg_fail "smtplib STARTTLS+AUTH"
import smtplib, ssl, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
s.ehlo()
assert s.has_extn("starttls") and not s.has_extn("auth"), s.esmtp_features
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s.starttls(context=ctx)
s.ehlo()
assert s.has_extn("auth") and not s.has_extn("starttls"), s.esmtp_features
s.login("user", "secret")
s.sendmail("a@example.net", ["b@example.com"], "Subject: auth\r\n\r\nx\r\n")
s.quit()
EOF
mg_assert_eq "$(spool_count "$MG_TMP/sp3")" 1 "messages in spool"
mg_pass "off + postfix: STARTTLS, AUTH PLAIN, message spooled"

# RFC 3207 4.2 / CVE-2011-0411: a command pipelined after STARTTLS in the
# clear is thrown away, not executed inside the TLS session.
"$MG_PYTHON" - "$MG_EMU_PORT" >"$MG_TMP/c3b.out" <<'EOF' ||
import socket, ssl, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(20)
f = s.makefile("rb")
f.readline()
s.sendall(b"EHLO c.example\r\n")
while f.readline()[3:4] == b"-":
    pass
s.sendall(b"STARTTLS\r\nMAIL FROM:<injected@example.net>\r\n")
print(f.readline().decode().strip())
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s)
t.sendall(b"RCPT TO:<b@example.com>\r\n")
print(t.recv(512).decode().strip())
t.sendall(b"QUIT\r\n")
print(t.recv(512).decode().strip())
EOF
    mg_fail "pipelined STARTTLS client failed"
mg_assert_has "$MG_TMP/c3b.out" '220 2.0.0 Ready to start TLS\n503 5.5.1 Error: need MAIL command\n221 2.0.0 Bye'
mg_pass "off + postfix: a command pipelined after STARTTLS is discarded"

# 4. IPv6 loopback, when this host has ::1.
if "$MG_PYTHON" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	mg_start_bg v6 "$MG_EMULATE" --listen '[::1]:0' --profile asa \
	    --upstream builtin:exchange2003
	mg_wait_has "$MG_BG_LOG" 'listening on [::1]:' 30 ||
	    mg_fail "no IPv6 listener"
	p6=$(sed -n 's/^listening on \[::1\]:\([0-9][0-9]*\)$/\1/p' "$MG_BG_LOG")
	swaks --server ::1 --port "$p6" -6 --from a@example.net \
	    --to b@example.com >"$MG_TMP/c4.out" 2>&1 ||
	    mg_fail "swaks over IPv6"
	mg_assert_has "$MG_TMP/c4.out" '<-  250-XXXXXXXXXXXF\n' \
	    "X-LINK2STATE masked over IPv6"
	mg_pass "IPv6 [::1]: asa in front of exchange2003"
else
	mg_log "no IPv6 loopback here: IPv6 part not run"
fi
exit 0
