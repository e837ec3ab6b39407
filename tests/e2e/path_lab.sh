#!/bin/sh
# path_lab.sh - `mailguard-detect --path` in the namespace lab
# (tests/lab/netns.sh: client - r1 - r2 - fw - server, fw = hop 3, server
# = hop 4) against each firewall setting, with a real Postfix on the
# server:
#   control (nothing)            no proxy, no change, server at hop 4
#   transparent proxy            mailguard-emulate --transparent --profile asa
#                                behind an nftables redirect: proxy at hop 3
#   inline (NFQUEUE)             mailguard-emulate --inline --randomize-isn
#                                --profile asa: port 25 seq rewritten at
#                                hop 3, the control port's seq untouched
#   MSS clamp (nftables)         mss clamped at hop 3 on both ports
# and the SMTP verdict of mailguard-detect agrees with each (none, asa,
# asa, none).  Quotes need a router behind the fw: the test makes the
# server forward to 198.18.5.0/24 (a veth pair inside the server's
# namespace, nobody answers there), so a TTL-4 probe to 198.18.5.2 expires
# at the server, which quotes the SYN as the fw forwarded it.
# Then an inline session captured on the fw's two links (tcpdump) goes
# through `mailguard-detect -r outside -r inside`: the ISN offsets it finds
# equal the ones the inline emulator logged, and the greeting and masked
# EHLO keywords are reported as rewritten ranges.
# Inline pix-4.1 answers a refused command itself and the stream stays in
# step.  Without CAP_NET_RAW --path prints one line and the SMTP probes
# still run.
# Everything lives in namespaces this test creates; torn down at exit.
. "${top_srcdir:-.}/tests/lib.sh"

# usage errors of --inline need no privileges (exit 2, one message)
mg_tmpdir
for bad in "--inline" "--inline --queue 70000" \
    "--inline --queue 7 --seed 3" "--inline --queue 7 --profile nosuch" \
    "--inline --queue 7 extra"; do
	# shellcheck disable=SC2086
	"$MG_EMULATE" $bad >"$MG_TMP/usage.out" 2>&1
	mg_assert_eq "$?" 2 "mailguard-emulate $bad: exit status"
done
mg_assert_has "$MG_TMP/usage.out" "unexpected argument" "extra argument named"
"$MG_EMULATE" --inline --help >"$MG_TMP/help.out" 2>&1 ||
    mg_fail "--inline --help"
mg_assert_has "$MG_TMP/help.out" "--inline --queue N" "--inline --help"
mg_pass "--inline usage errors"

mg_require_netns
mg_require_cmd tcpdump tcpdump
mg_require_cmd swaks swaks
mg_require_cmd iptables iptables
mg_require_cmd nft nftables
mg_require_cmd setpriv util-linux
mg_tmpdir
NETNS="sh $top_srcdir/tests/lab/netns.sh"
P=mgpa$$
mg_cleanup_add "$NETNS down $P"
$NETNS up "$P" >"$MG_TMP/lab.env" || mg_fail "netns.sh up failed"
. "$MG_TMP/lab.env"
BEYOND=198.18.5.2
QNUM=7

inns()
{
	_ns=$1
	shift
	ip netns exec "$_ns" "$@"
}

# a router behind the fw: the server forwards to 198.18.5.0/24
inns "$NS_SERVER" sysctl -qw net.ipv4.ip_forward=1 || mg_fail "forwarding"
inns "$NS_SERVER" ip link add mgb0 type veth peer name mgb1 &&
    inns "$NS_SERVER" ip addr add 198.18.5.1/24 dev mgb0 &&
    inns "$NS_SERVER" ip link set mgb0 up &&
    inns "$NS_SERVER" ip link set mgb1 up &&
    inns "$NS_FW" ip route add 198.18.5.0/24 via "$IP_SERVER" ||
    mg_fail "network behind the server"

mg_cleanup_add "mg_mta stop '$MG_TMP/postfix'"
mg_log_add "$MG_TMP/postfix/log"
inns "$NS_SERVER" sh "$top_srcdir/tests/lab/mta.sh" start postfix \
    "$MG_TMP/postfix" 25 "$IP_SERVER" >"$MG_TMP/postfix.env" ||
    mg_fail "postfix in $NS_SERVER did not start"

# path NAME TARGET [ARGS]: --path from the client, output in $MG_TMP/NAME
path()
{
	_pn=$1
	_pt=$2
	shift 2
	inns "$NS_CLIENT" "$MG_DETECT" --path "$_pt" "$@" \
	    >"$MG_TMP/$_pn" 2>&1
	_prc=$?
	cat "$MG_TMP/$_pn" >&2
}

# verdict NAME: the SMTP verdict family of the server, from the client
verdict()
{
	inns "$NS_CLIENT" "$MG_DETECT" -F "$MG_FP_FILE" --json --timeout 10 \
	    "$IP_SERVER:25" >"$MG_TMP/$1.json" 2>"$MG_TMP/$1.err"
	"$MG_PYTHON" -c 'import json,sys
d = json.loads(open(sys.argv[1]).readline())
print(d["verdict"]["family"])' "$MG_TMP/$1.json"
}

# 1. control: nothing on the fw
path control "$IP_SERVER:25"
mg_assert_eq "$_prc" 0 "control: exit status"
mg_assert_has "$MG_TMP/control" "path: server reached at hop 4" \
    "control: server at hop 4"
mg_assert_has "$MG_TMP/control" "   3  $IP_FW_OUT time-exceeded" \
    "control: the fw answers hop 3"
mg_assert_has "$MG_TMP/control" "path: no proxy and no change seen" \
    "control: nothing found"
path control-beyond "$BEYOND:25" --max-hops 5
mg_assert_has "$MG_TMP/control-beyond" "   4  $IP_SERVER time-exceeded" \
    "control: the server quotes as a router at hop 4"
mg_assert_has "$MG_TMP/control-beyond" "path: no proxy and no change seen" \
    "control: quotes from behind the fw unchanged"
v=$(verdict control)
mg_assert_eq "$v" none "control: SMTP verdict"
mg_pass "control: server at hop 4, no proxy, no change, verdict none"

# 2. transparent proxy on the fw
rport=2600
mg_start_bg transparent ip netns exec "$NS_FW" "$MG_EMULATE" \
    --profile asa --transparent --listen "0.0.0.0:$rport"
mg_wait_port 0.0.0.0 "$rport" 20 "$MG_BG_PID" "$NS_FW" ||
    mg_fail "transparent emulator did not listen"
tpid=$MG_BG_PID
$NETNS fw "$P" redirect "$rport" 25 || mg_fail "redirect rule"
path proxy "$IP_SERVER:25"
mg_assert_eq "$_prc" 1 "proxy: exit status (found)"
want="path: transparent proxy at hop 3: SYN-ACK for port 25 from $IP_SERVER"
want="$want after 3 hops, the server is 4 hops away"
mg_assert_has "$MG_TMP/proxy" "$want" "proxy: named at hop 3"
mg_assert_has "$MG_TMP/proxy" "   3  $IP_SERVER SYN-ACK" \
    "proxy: SYN-ACK at hop 3"
mg_assert_has "$MG_TMP/proxy" "path: server reached at hop 4" \
    "proxy: control port still reaches the server at hop 4"
path proxy-json "$IP_SERVER:25" --json
hops=$("$MG_PYTHON" -c 'import json,sys
p = json.loads(open(sys.argv[1]).readline())["path"]
print(p["proxy_hop"], p["server_hop"], p["hops"][2]["port"]["answer"])' \
    "$MG_TMP/proxy-json") || mg_fail "--path --json: not one JSON object"
mg_assert_eq "$hops" "3 4 SYN-ACK" "--path --json: proxy hop, server hop"
v=$(verdict proxy)
mg_assert_eq "$v" asa "proxy: SMTP verdict"
$NETNS fw "$P" none
mg_kill "$tpid"
mg_pass "transparent proxy at hop 3, verdict asa"

# 3. inline NFQUEUE emulator with ISN randomisation; tcpdump both links
mg_start_bg inline ip netns exec "$NS_FW" "$MG_EMULATE" --inline \
    --queue "$QNUM" --profile asa --randomize-isn --seed 4242
ipid=$MG_BG_PID
inlog=$MG_BG_LOG
mg_wait_has "$inlog" "inline: profile asa on netfilter queue $QNUM" 20 ||
    mg_fail "inline emulator did not bind the queue"
$NETNS fw "$P" nfqueue "$QNUM" 25 || mg_fail "NFQUEUE rules"
path inline "$BEYOND:25" --max-hops 5
mg_assert_eq "$_prc" 1 "inline: exit status (found)"
mg_assert_has "$MG_TMP/inline" "path: port 25 seq rewritten at hop 3 (sent" \
    "inline: ISN rewritten at hop 3"
mg_assert_lacks "$MG_TMP/inline" "port 1 seq" \
    "inline: the control port (not queued) keeps its ISN"
mg_assert_lacks "$MG_TMP/inline" "transparent proxy" "inline: no proxy"
mg_assert_lacks "$MG_TMP/inline" "mss clamped" "inline: no MSS clamp"
v=$(verdict inline)
mg_assert_eq "$v" asa "inline: SMTP verdict"
mg_pass "inline: ISN rewritten at hop 3, verdict asa"

for side in "$IF_FW_OUT" "$IF_FW_IN"; do
	mg_start_bg "tcpdump-$side" ip netns exec "$NS_FW" tcpdump -i "$side" \
	    -U -s 0 -w "$MG_TMP/$side.pcap" "tcp port 25"
	eval "td_$(echo "$side" | tr - _)=\$MG_BG_PID"
	mg_wait_has "$MG_BG_LOG" "listening on" 20 || mg_fail "tcpdump on $side"
done
# a 256 KiB body: many full-size segments through the queue
"$MG_PYTHON" -c 'import sys
for i in range(4096):
    sys.stdout.write("line %05d %s\r\n" % (i, "x" * 52))' >"$MG_TMP/body"
inns "$NS_CLIENT" swaks --server "$IP_SERVER:25" --timeout 60 \
    --from a@lab.test --to b@lab.test --header "Subject: inline-$$" \
    --body "$MG_TMP/body" >"$MG_TMP/swaks.out" 2>&1 ||
    mg_fail "swaks through the inline fw"
mg_mta wait-mail "$MG_TMP/postfix" 1 60 || mg_fail "no mail delivered"
mg_mta mail "$MG_TMP/postfix" >"$MG_TMP/mail.txt"
mg_assert_has "$MG_TMP/mail.txt" "Subject: inline-$$" "mail crossed the box"
mg_assert_has "$MG_TMP/mail.txt" "line 04095 xxxx" "the whole body arrived"
mg_assert_eq "$(grep -c '^line [0-9]* x*.$' "$MG_TMP/mail.txt")" 4096 \
    "every body line arrived intact"
mg_assert_has "$MG_TMP/swaks.out" '<-  220 *' "client got a masked banner"
sleep 1		# the last FIN/ACK reaches both captures
mg_kill "$td_fw_r2"
mg_kill "$td_fw_srv"
"$MG_DETECT" -r "$MG_TMP/$IF_FW_OUT.pcap" -r "$MG_TMP/$IF_FW_IN.pcap" \
    --no-color >"$MG_TMP/diff.out" 2>&1
cat "$MG_TMP/diff.out" >&2
mg_assert_has "$MG_TMP/diff.out" "1 matched, 1 with differences" \
    "diff: the session matched across the box"
# the offsets the emulator applied to the swaks flow (its last flow)
port=$(tcpdump -nn -r "$MG_TMP/$IF_FW_OUT.pcap" \
    'tcp[tcpflags] == tcp-syn' 2>/dev/null | tail -n 1 |
    sed -n "s/.* $IP_CLIENT\.\([0-9]*\) > .*/\1/p")
[ -n "$port" ] || mg_fail "no client SYN in the outside capture"
line=$(grep "inline: $IP_CLIENT:$port > $IP_SERVER:25 ISN offset" "$inlog")
[ -n "$line" ] || mg_fail "emulator logged no offsets for port $port"
cs=$(echo "$line" | sed -n 's/.*C>S \([-+][0-9]*\) .*/\1/p')
sc=$(echo "$line" | sed -n 's/.*S>C \([-+][0-9]*\) .*/\1/p')
mg_assert_has "$MG_TMP/diff.out" "ISN offset C>S: $cs (inside - outside)" \
    "diff: client ISN offset equals the emulator's ($cs)"
mg_assert_has "$MG_TMP/diff.out" "ISN offset S>C: $sc (inside - outside)" \
    "diff: server ISN offset equals the emulator's ($sc)"
mg_assert_has "$MG_TMP/diff.out" "greeting masked" "diff: greeting range"
mg_assert_has "$MG_TMP/diff.out" "EHLO keyword masked" "diff: EHLO ranges"
# independent oracle: the SYN's sequence numbers on each link
synseq()
{
	tcpdump -S -nn -r "$1" "tcp[tcpflags] == tcp-syn and src port $port" \
	    2>/dev/null | sed -n 's/.* seq \([0-9]*\),.*/\1/p' | head -n 1
}
o=$(synseq "$MG_TMP/$IF_FW_OUT.pcap")
i=$(synseq "$MG_TMP/$IF_FW_IN.pcap")
[ -n "$o" ] && [ -n "$i" ] || mg_fail "SYN sequence numbers not found"
want=$("$MG_PYTHON" -c 'import sys
d = (int(sys.argv[2]) - int(sys.argv[1])) % 2**32
print("%+d" % (d - 2**32 if d >= 2**31 else d))' "$o" "$i")
mg_assert_eq "$cs" "$want" "client SYN seq inside - outside (tcpdump)"
$NETNS fw "$P" none
mg_kill "$ipid"
mg_wait_has "$inlog" "packets changed" 10 || mg_fail "no inline summary"
mg_pass "inline captures: ISN offsets $cs / $sc and rewritten ranges found"

# 3b. pix-4.1 inline: the box answers a refused command itself ("250 OK")
# and the server never sees it; both ends stay in step (QUIT answered)
mg_start_bg inline41 ip netns exec "$NS_FW" "$MG_EMULATE" --inline \
    --queue "$QNUM" --profile pix-4.1 --randomize-isn --seed 99
ipid=$MG_BG_PID
mg_wait_has "$MG_BG_LOG" "inline: profile pix-4.1 on netfilter queue" 20 ||
    mg_fail "pix-4.1 inline emulator did not bind the queue"
$NETNS fw "$P" nfqueue "$QNUM" 25 || mg_fail "NFQUEUE rules"
before=$(grep -c "< [^ ]*\[$IP_CLIENT\]: VRFY" "$MG_TMP/postfix/log")
# (the control run's verb-vrfy probe reached postfix: the pattern works)
[ "$before" -gt 0 ] || mg_fail "no VRFY in the postfix log at all"
inns "$NS_CLIENT" "$MG_PYTHON" "$top_srcdir/tests/lab/smtpchat.py" \
    --timeout 20 "$IP_SERVER" 25 greet "cmd:HELO client.lab.test" \
    "cmd:VRFY root" cmd:QUIT >"$MG_TMP/pix41.chat" 2>&1 ||
    { cat "$MG_TMP/pix41.chat" >&2; mg_fail "chat through pix-4.1 inline"; }
cat "$MG_TMP/pix41.chat" >&2
mg_assert_eq "$(grep -A1 '^C: VRFY root' "$MG_TMP/pix41.chat" | tail -n 1)" \
    "S: 250 OK" "pix-4.1: the box answered VRFY itself"
mg_assert_has "$MG_TMP/pix41.chat" "S: 221" "pix-4.1: QUIT answered after it"
after=$(grep -c "< [^ ]*\[$IP_CLIENT\]: VRFY" "$MG_TMP/postfix/log")
mg_assert_eq "$after" "$before" "pix-4.1: postfix never saw the VRFY"
$NETNS fw "$P" none
mg_kill "$ipid"
mg_pass "pix-4.1 inline answers a refused command itself, stream in step"

# 4. MSS clamp on the fw
$NETNS fw "$P" mss 1380 || mg_fail "mss clamp rule"
path mss "$BEYOND:25" --max-hops 5
mg_assert_eq "$_prc" 1 "mss: exit status (found)"
want="path: port 25 mss clamped at hop 3 (sent 1460, hop 4 quotes 1380)"
mg_assert_has "$MG_TMP/mss" "$want" "mss: port 25 clamped at hop 3"
mg_assert_has "$MG_TMP/mss" "path: port 1 mss clamped at hop 3" \
    "mss: control port clamped at hop 3"
mg_assert_lacks "$MG_TMP/mss" "seq rewritten" "mss: ISN untouched"
v=$(verdict mss)
mg_assert_eq "$v" none "mss: SMTP verdict"
$NETNS fw "$P" none
mg_pass "MSS clamped at hop 3, verdict none"

# 5. without CAP_NET_RAW: one line, the SMTP probes still run.  The
# unprivileged run reads the fingerprint file from a world-readable copy:
# the source tree may sit under a private home (/root is 0700).
fpdir=$(mktemp -d /tmp/mg-fp.XXXXXX) || mg_fail "mktemp"
mg_cleanup_add "rm -rf '$fpdir'"
chmod 755 "$fpdir" && cp "$MG_FP_FILE" "$fpdir/mailguard.fp" &&
    chmod 644 "$fpdir/mailguard.fp" || mg_fail "copy $MG_FP_FILE"
inns "$NS_CLIENT" setpriv --reuid=65534 --regid=65534 --clear-groups \
    --inh-caps=-all --bounding-set=-all "$MG_DETECT" -F "$fpdir/mailguard.fp" \
    --timeout 10 \
    --path "$IP_SERVER:25" "$IP_SERVER:25" >"$MG_TMP/noraw" 2>&1
cat "$MG_TMP/noraw" >&2
mg_assert_eq "$(grep -c '^path:' "$MG_TMP/noraw")" 1 "no CAP_NET_RAW: one line"
mg_assert_has "$MG_TMP/noraw" "path: skipped: raw packets need CAP_NET_RAW" \
    "no CAP_NET_RAW: says so"
mg_assert_has "$MG_TMP/noraw" "$IP_SERVER:25 [$IP_SERVER]:25" \
    "no CAP_NET_RAW: the SMTP probes still ran"
mg_pass "without CAP_NET_RAW: skipped in one line, SMTP probes ran"

# 6. as root with --user: raw sockets opened, then privileges dropped
path user "$IP_SERVER:25" --user nobody
mg_assert_has "$MG_TMP/user" "path: server reached at hop 4" \
    "--user nobody: probes still work after the drop"
path nouser "$IP_SERVER:25" --user mg-no-such-user-$$
mg_assert_has "$MG_TMP/nouser" "no such user" "--user unknown: refused"

$NETNS down "$P"
[ "$(ip netns list | grep -c "^$P-")" -eq 0 ] ||
    mg_fail "namespaces left after down"
mg_pass "lab torn down"
