#!/bin/sh
# lab_netns.sh - the namespace lab (tests/lab/netns.sh) really routes:
# client -> r1 -> r2 -> fw -> server, each router answers a TTL-limited
# probe with time-exceeded from its own address, a real Postfix in the
# server namespace takes mail from the client, the fw's MSS clamp rewrites
# SYNs between its two links (tcpdump on both), and the fw's nftables
# redirect hands the client's port-25 connection to a local listener that
# reads the original destination (SO_ORIGINAL_DST).  Everything is torn
# down at exit, and the test checks that the namespaces are gone.
. "${top_srcdir:-.}/tests/lib.sh"

mg_require_netns
mg_require_cmd swaks swaks
mg_require_cmd tcpdump tcpdump
mg_require_cmd ping iputils-ping
mg_tmpdir
NETNS="sh $top_srcdir/tests/lab/netns.sh"
P=mgl$$
mg_cleanup_add "$NETNS down $P"
$NETNS up "$P" >"$MG_TMP/lab.env" || mg_fail "netns.sh up failed"
. "$MG_TMP/lab.env"
[ "$(ip netns list | grep -c "^$P-")" -eq 5 ] || mg_fail "5 namespaces expected"
ip addr show | grep -q '198\.18\.' && mg_fail "lab address leaked to root ns"

# 1. routing and hop-by-hop ICMP time-exceeded
ip netns exec "$NS_CLIENT" ping -c 1 -W 5 "$IP_SERVER" >"$MG_TMP/ping" 2>&1 ||
    mg_fail "client cannot reach server: $(cat "$MG_TMP/ping")"
hop=1
for want in "$IP_R1" "$IP_R2" "$IP_FW_OUT"; do
	ip netns exec "$NS_CLIENT" ping -c 1 -W 5 -t "$hop" "$IP_SERVER" \
	    >"$MG_TMP/ttl$hop" 2>&1
	mg_assert_has "$MG_TMP/ttl$hop" "From $want icmp_seq=1 Time to live exceeded" \
	    "hop $hop answers from $want"
	hop=$((hop + 1))
done
ip netns exec "$NS_CLIENT" ping -c 1 -W 5 -t 4 "$IP_SERVER" >"$MG_TMP/ttl4" 2>&1
mg_assert_has "$MG_TMP/ttl4" "bytes from $IP_SERVER" "server is hop 4"
mg_pass "routes and time-exceeded from r1, r2, fw; server at hop 4"

# 2. a real MTA in the server namespace, mail from the client
mg_cleanup_add "mg_mta stop '$MG_TMP/postfix'"
mg_log_add "$MG_TMP/postfix/log"
ip netns exec "$NS_SERVER" sh "$top_srcdir/tests/lab/mta.sh" start postfix \
    "$MG_TMP/postfix" 25 "$IP_SERVER" >"$MG_TMP/postfix.env" ||
    mg_fail "postfix in $NS_SERVER did not start"
ip netns exec "$NS_CLIENT" swaks --server "$IP_SERVER:25" --timeout 30 \
    --from a@lab.test --to b@lab.test --header "Subject: via-lab-$$" \
    >"$MG_TMP/swaks.out" 2>&1 || mg_fail "swaks through the lab failed"
mg_mta wait-mail "$MG_TMP/postfix" 1 60 || mg_fail "no mail delivered"
mg_mta mail "$MG_TMP/postfix" >"$MG_TMP/mail.txt"
mg_assert_has "$MG_TMP/mail.txt" "Subject: via-lab-$$" "mail crossed the lab"
seen_client="connect from client.lab.test[$IP_CLIENT]"
mg_assert_has "$MG_TMP/postfix/log" "$seen_client" \
    "postfix saw the client's own address (no NAT)"
mg_pass "client -> server mail through r1, r2, fw"

# 3. MSS clamp on the fw: SYN seen with 1460 outside, 1380 inside
$NETNS fw "$P" mss 1380 || mg_fail "mss clamp rule"
syn='tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst port 25'
for side in "$IF_FW_OUT" "$IF_FW_IN"; do
	mg_start_bg "tcpdump-$side" ip netns exec "$NS_FW" tcpdump -i "$side" \
	    -nn -l -c 1 "$syn"
	eval "tcpdump_log_$(echo "$side" | tr - _)=\$MG_BG_LOG"
	mg_wait_has "$MG_BG_LOG" "listening on" 20 || mg_fail "tcpdump on $side"
done
ip netns exec "$NS_CLIENT" "$MG_PYTHON" "$top_srcdir/tests/lab/smtpchat.py" \
    "$IP_SERVER" 25 greet cmd:QUIT >"$MG_TMP/mss-chat" 2>&1 ||
    mg_fail "client connection with the clamp on"
mg_wait_has "$tcpdump_log_fw_r2" "mss 1460" 20 ||
    { cat "$tcpdump_log_fw_r2" >&2; mg_fail "outside SYN lacks mss 1460"; }
mg_wait_has "$tcpdump_log_fw_srv" "mss 1380" 20 ||
    { cat "$tcpdump_log_fw_srv" >&2; mg_fail "inside SYN not clamped to 1380"; }
$NETNS fw "$P" none
mg_pass "fw MSS clamp: 1460 outside, 1380 inside"

# 4. transparent redirect on the fw: the connection lands on a local port
cat >"$MG_TMP/orig.py" <<'EOF'
import socket, struct, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(1)
s.settimeout(60)
c, peer = s.accept()
raw = c.getsockopt(socket.SOL_IP, 80, 16)        # SO_ORIGINAL_DST
port, = struct.unpack("!H", raw[2:4])
addr = socket.inet_ntoa(raw[4:8])
c.sendall(("220 redirected orig=%s:%d peer=%s\r\n" % (addr, port, peer[0])).encode())
c.recv(100)
c.close()
EOF
rport=2525
mg_start_bg orig ip netns exec "$NS_FW" "$MG_PYTHON" "$MG_TMP/orig.py" "$rport"
mg_wait_port 0.0.0.0 "$rport" 20 "$MG_BG_PID" "$NS_FW" ||
    mg_fail "redirect listener did not start"
$NETNS fw "$P" redirect "$rport" 25 || mg_fail "redirect rule"
before=$(grep -cF "$seen_client" "$MG_TMP/postfix/log")
ip netns exec "$NS_CLIENT" "$MG_PYTHON" "$top_srcdir/tests/lab/smtpchat.py" \
    "$IP_SERVER" 25 greet cmd:QUIT >"$MG_TMP/redir-chat" 2>&1
mg_assert_has "$MG_TMP/redir-chat" \
    "S: 220 redirected orig=$IP_SERVER:25 peer=$IP_CLIENT" \
    "the fw's listener got the client's connection to the server"
after=$(grep -cF "$seen_client" "$MG_TMP/postfix/log")
mg_assert_eq "$after" "$before" "postfix saw no connection while redirected"
$NETNS fw "$P" none
mg_pass "fw redirect to a local port, SO_ORIGINAL_DST = $IP_SERVER:25"

# 5. teardown leaves nothing behind
mg_mta stop "$MG_TMP/postfix"
$NETNS down "$P"
[ "$(ip netns list | grep -c "^$P-")" -eq 0 ] ||
    mg_fail "namespaces left after down"
ls -d /etc/netns/"$P"-* >/dev/null 2>&1 && mg_fail "/etc/netns/$P-* left"
mg_pass "netns.sh down removed the lab"
