#!/bin/sh
# emu_transparent.sh - --transparent: in a private network namespace,
# nftables redirects the client's connections to port 25 to the proxy,
# which finds the original destination (SO_ORIGINAL_DST) and relays there.
# The client runs as "nobody" so that only its traffic is redirected (the
# proxy's own connection, as root, goes straight to the server).  A
# connection to the proxy that was not redirected is refused with 421
# rather than looping.  Needs root and namespaces (else skip 77).
. "${top_srcdir:-.}/tests/lib.sh"

mg_require_netns
mg_require_cmd nft nftables
mg_require_cmd setpriv util-linux
mg_tmpdir

ns=mgemutp$$
ip netns add "$ns" || mg_fail "ip netns add $ns"
mg_cleanup_add "ip netns delete $ns"
ip netns exec "$ns" ip link set lo up || mg_fail "lo up in $ns"
pport=20025
ip netns exec "$ns" nft -f - <<EOF || mg_fail "nft rules"
table ip mgemu {
	chain out {
		type nat hook output priority -100;
		meta skuid 65534 tcp dport 25 redirect to :$pport
	}
}
EOF

# The real server: the plain built-in postfix on 127.0.0.3:25.
mg_start_bg server ip netns exec "$ns" "$MG_EMULATE" --profile off \
    --upstream builtin:postfix --listen 127.0.0.3:25 \
    --server-log "$MG_TMP/srv.log"
mg_wait_port 127.0.0.3 25 30 "$MG_BG_PID" "$ns" || mg_fail "server"
# The transparent ASA.
mg_start_bg proxy ip netns exec "$ns" "$MG_EMULATE" --profile asa \
    --transparent --listen 127.0.0.1:"$pport"
PROXY_LOG=$MG_BG_LOG
mg_wait_port 127.0.0.1 "$pport" 30 "$MG_BG_PID" "$ns" || mg_fail "proxy"

cat >"$MG_TMP/client.py" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 10)
s.settimeout(20)
f = s.makefile("rb")
sys.stdout.write(f.readline().decode())
s.sendall(b"EHLO client.example\r\n")
while True:
    l = f.readline()
    sys.stdout.write(l.decode())
    if l[3:4] != b"-":
        break
s.sendall(b"QUIT\r\n")
sys.stdout.write(f.readline().decode())
EOF
chmod 644 "$MG_TMP/client.py"

# As nobody to 127.0.0.3:25: redirected through the ASA emulation.
ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$MG_PYTHON" "$MG_TMP/client.py" 127.0.0.3 25 >"$MG_TMP/c1.out" ||
    mg_fail "redirected client failed"
mg_assert_has "$MG_TMP/c1.out" '220 ****' "greeting masked: went via proxy"
mg_assert_has "$MG_TMP/c1.out" '250-XXXXXXXA\r\n' "STARTTLS masked"
mg_assert_has "$MG_TMP/c1.out" '221 2.0.0 Bye\r\n'
mg_assert_has "$MG_TMP/srv.log" '<<< EHLO client.example'
mg_pass "redirected client relayed to its original destination, masked"

# As root (not redirected) straight to the server: untouched.
ip netns exec "$ns" "$MG_PYTHON" "$MG_TMP/client.py" 127.0.0.3 25 \
    >"$MG_TMP/c2.out" || mg_fail "direct client failed"
mg_assert_has "$MG_TMP/c2.out" '220 mail.example.com ESMTP Postfix'
mg_pass "direct client (not redirected) sees the server unmasked"

# Straight at the proxy, not redirected: no original destination other
# than the proxy itself, so 421 instead of a loop.
ip netns exec "$ns" "$MG_PYTHON" - "$pport" >"$MG_TMP/c3.out" <<'EOF' ||
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(20)
print(s.makefile("rb").readline().decode().strip())
EOF
    mg_fail "loop client failed"
mg_assert_has "$MG_TMP/c3.out" '421 4.4.1 upstream unavailable'
mg_wait_has "$PROXY_LOG" 'the original destination is this proxy' 10 ||
    mg_fail "no log line for the non-redirected connection"
mg_pass "non-redirected connection to the proxy: 421, no loop"
exit 0
