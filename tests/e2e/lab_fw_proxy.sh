#!/bin/sh
# lab_fw_proxy.sh - the routed namespace lab (tests/lab/netns.sh) with a
# real Postfix on the server and, on the fw router, nothing (control) then
# mailguard-emulate --profile asa --transparent behind an nftables redirect,
# as an SMTP proxy sits in a real path.  tcpdump records the fw's outside
# and inside links.  Asserts: the client's connection to the server's
# address is answered masked (greeting, STARTTLS -> XXXXXXXA) while Postfix
# sees its own bytes and gets the client's STARTTLS X-filled, from the
# fw's inside address; in the control Postfix sees the client itself and
# the client sees Postfix unmasked; the outside capture carries the masked
# keyword and the inside one the original; mailguard-detect run from the
# client namespace names asa through the routed path, none in the control.
. "${top_srcdir:-.}/tests/lib.sh"

mg_require_netns
mg_require_cmd tcpdump tcpdump
mg_require_cmd nft nftables
[ -x "$MG_EMULATE" ] || mg_fail "no $MG_EMULATE"
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"
mg_tmpdir
NETNS="sh $top_srcdir/tests/lab/netns.sh"
P=mgf$$
mg_cleanup_add "$NETNS down $P"
$NETNS up "$P" >"$MG_TMP/lab.env" || mg_fail "netns.sh up failed"
. "$MG_TMP/lab.env"

PF=$MG_TMP/postfix
mg_cleanup_add "mg_mta stop '$PF'"
mg_log_add "$PF/log"
ip netns exec "$NS_SERVER" sh "$top_srcdir/tests/lab/mta.sh" start postfix \
    "$PF" 25 "$IP_SERVER" >/dev/null || mg_fail "postfix in $NS_SERVER"

# chat NAME STEP...: smtpchat from the client namespace to the server
chat()
{
	_n=$1
	shift
	ip netns exec "$NS_CLIENT" "$MG_PYTHON" \
	    "$top_srcdir/tests/lab/smtpchat.py" --raw "$MG_TMP/$_n.raw" \
	    "$IP_SERVER" 25 "$@" >"$MG_TMP/$_n.chat" 2>&1
}

# detect NAME: mailguard-detect from the client namespace, family/generation
detect()
{
	ip netns exec "$NS_CLIENT" "$MG_DETECT" -F "$MG_FP_FILE" --json \
	    --timeout 5 "$IP_SERVER:25" >"$MG_TMP/$1.json" 2>"$MG_TMP/$1.err"
	"$MG_PYTHON" - "$MG_TMP/$1.json" <<'EOF'
import json, sys
try:
    v = json.loads(open(sys.argv[1]).readline())["verdict"]
    print("%s/%s" % (v.get("family"), v.get("generation")))
except Exception as e:
    print("error(%s)" % type(e).__name__)
EOF
}

# 1. control: nothing on the fw
chat ctl greet "cmd:EHLO client.lab.test" cmd:QUIT ||
    { cat "$MG_TMP/ctl.chat" >&2; mg_fail "control session"; }
mg_assert_has "$MG_TMP/ctl.raw" '220 postfix.lab.test ESMTP Postfix\r\n'
mg_assert_has "$MG_TMP/ctl.raw" '250-STARTTLS\r\n'
mg_assert_has "$PF/log" "connect from client.lab.test[$IP_CLIENT]" \
    "control: Postfix sees the client itself"
got=$(detect ctl)
mg_assert_eq "$got" none/none "mailguard-detect through the bare path"
mg_pass "control: the path is clean, detect says none"

# 2. the transparent ASA on the fw, with both links recorded
port=2525
mg_start_emulate_ns()
{
	mg_start_bg emulate ip netns exec "$NS_FW" "$MG_EMULATE" --profile asa \
	    --transparent --listen "$IP_FW_OUT:$port"
	EMU_LOG=$MG_BG_LOG
	mg_wait_port "$IP_FW_OUT" "$port" 30 "$MG_BG_PID" "$NS_FW" ||
	    mg_fail "emulator on the fw did not listen"
}
mg_start_emulate_ns
$NETNS fw "$P" redirect "$port" 25 || mg_fail "redirect rule"
for side in out in; do
	eval "ifc=\$IF_FW_$(echo "$side" | tr a-z A-Z)"
	mg_start_bg "tcpdump-$side" ip netns exec "$NS_FW" tcpdump -i "$ifc" \
	    -nn -U -s 0 -w "$MG_TMP/fw-$side.pcap" tcp port 25
	eval "tcpdump_$side=$MG_BG_PID"
	mg_wait_has "$MG_BG_LOG" "listening on" 20 || mg_fail "tcpdump $side"
done
seen_fw="connect from fw-inside.lab.test[$IP_FW_IN]"
before=$(grep -cF "$seen_fw" "$PF/log")
chat asa greet "cmd:EHLO client.lab.test" cmd:STARTTLS cmd:QUIT ||
    { cat "$MG_TMP/asa.chat" >&2; mg_fail "session through the fw proxy"; }
mg_assert_has "$MG_TMP/asa.raw" '220 ****' "greeting masked on the path"
mg_assert_lacks "$MG_TMP/asa.raw" 'ESMTP Postfix' "greeting masked"
mg_assert_has "$MG_TMP/asa.raw" '250-XXXXXXXA\r\n' "STARTTLS masked"
mg_wait_has "$PF/log" "$seen_fw" 20 ||
    mg_fail "postfix did not see the fw's inside address"
mg_wait_has "$PF/log" ": XXXXXXXX" 20 ||
    mg_fail "postfix did not get the client's STARTTLS X-filled"
after=$(grep -cF "$seen_fw" "$PF/log")
[ "$after" -gt "$before" ] || mg_fail "no new connection from the fw"
got=$(detect asa)
mg_assert_eq "$got" asa/asa "mailguard-detect through the fw proxy"
sleep 1
mg_kill "$tcpdump_out"
mg_kill "$tcpdump_in"

# 3. the two captures: masked outside, original inside
tcpdump -nn -A -r "$MG_TMP/fw-out.pcap" >"$MG_TMP/fw-out.txt" 2>/dev/null
tcpdump -nn -A -r "$MG_TMP/fw-in.pcap" >"$MG_TMP/fw-in.txt" 2>/dev/null
mg_assert_has "$MG_TMP/fw-out.txt" "250-XXXXXXXA" "outside capture"
mg_assert_lacks "$MG_TMP/fw-out.txt" "250-STARTTLS" "outside capture"
mg_assert_has "$MG_TMP/fw-in.txt" "250-STARTTLS" "inside capture"
mg_assert_has "$MG_TMP/fw-in.txt" "XXXXXXXX" "inside capture (X-filled verb)"
mg_assert_has "$MG_TMP/fw-out.txt" "$IP_CLIENT." "outside: client address"
mg_assert_has "$MG_TMP/fw-in.txt" "$IP_FW_IN." "inside: the proxy's address"
mg_pass "fw transparent asa proxy: masked outside, original inside, detect asa"
