#!/bin/sh
# detect_lockdown.sh - --lockdown, --allowed, --egress and --exposure
# against real listeners on loopback: a built-in Exchange 2003 personality
# behind mailguard-emulate --profile off (accepts mail, relays, offers AUTH
# in clear), a closed port, and a server that accepts and hangs up at once.
. "${top_srcdir:-.}/tests/lib.sh"
mg_tmpdir
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"

mg_start_emulate --profile off --upstream builtin:exchange2003
open=127.0.0.1:$MG_EMU_PORT
closed=127.0.0.1:$(mg_free_port)

# A server that accepts the connection and closes it before any greeting.
cport=$(mg_free_port)
mg_start_bg cutter "$MG_PYTHON" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.close()
' "$cport"
mg_wait_port 127.0.0.1 "$cport" 20 "$MG_BG_PID" || mg_fail "cutter did not listen"

run()
{
	"$MG_DETECT" -v --timeout 3 "$@" >"$MG_TMP/out" 2>"$MG_TMP/err"
	rc=$?
}

# 1. Lock-down: accepted and mail deliverable -> failed, exit 1.
run --lockdown "$open"
mg_assert_eq "$rc" 1 "lockdown exit when mail can bypass"
mg_assert_has "$MG_TMP/out" 'Checking firewall from 127.0.0.1...failed (accepted connection)\n' "failed line"
mg_assert_has "$MG_TMP/out" 'mail could be delivered' "delivery verdict"
mg_pass "lockdown: accepted and deliverable"

# 2. Our address is in the filtering service's ranges -> expected, exit 0;
# outside them -> "should have been refused", exit 1.
run --lockdown --allowed 192.0.2.0/24,127.0.0.0/8 "$open"
mg_assert_eq "$rc" 0 "lockdown exit from an allowed address"
mg_assert_has "$MG_TMP/out" 'is in the allowed ranges' "allowed line"
run --lockdown --allowed 192.0.2.0/24,2001:db8::/32 "$open"
mg_assert_eq "$rc" 1 "lockdown exit from an address outside the ranges"
mg_assert_has "$MG_TMP/out" 'should have been refused' "refused line"
run --lockdown --allowed 300.1.2.3/8 "$open"
mg_assert_eq "$rc" 2 "bad --allowed is a usage error"
mg_pass "--allowed ranges"

# 3. Closed port -> passed, exit 0.
run --lockdown "$closed"
mg_assert_eq "$rc" 0 "lockdown exit on a closed port"
mg_assert_has "$MG_TMP/out" 'passed (did not accept connection)' "passed line"
mg_pass "lockdown: closed port passes"

# 4. Accepted then cut before the greeting: reported, but no way in.
run --lockdown 127.0.0.1:"$cport"
mg_assert_eq "$rc" 0 "lockdown exit when the connection is cut"
mg_assert_has "$MG_TMP/out" 'failed (accepted connection)' "accepted line"
mg_assert_has "$MG_TMP/out" 'mail could not be delivered' "not deliverable"
mg_pass "lockdown: accepted then cut, mail could not be delivered"

# 5. Egress: open -> finding (exit 1); blocked -> exit 0.
run --egress "$open"
mg_assert_eq "$rc" 1 "egress exit when open"
mg_assert_has "$MG_TMP/out" 'Checking egress to '"$open"' from 127.0.0.1...open (connected)' "egress open line"
run --egress "$closed"
mg_assert_eq "$rc" 0 "egress exit when blocked"
mg_assert_has "$MG_TMP/out" '...blocked' "egress blocked line"
mg_pass "egress open and blocked"

# 6. JSON carries the lock-down note.
run --lockdown --json "$open"
"$MG_PYTHON" - "$MG_TMP/out" <<'PY' || mg_fail "lockdown JSON"
import json, sys
o = json.loads(open(sys.argv[1]).readline())
notes = [n for n in o["notes"] if n["section"] == "lockdown"]
assert notes and "failed (accepted connection)" in notes[0]["text"], o["notes"]
assert [p["name"] for p in o["probes"]] == ["lockdown"]
assert "DATA" not in o["probes"][0]["sent"]
PY
mg_pass "lockdown JSON note, never DATA"

# 7. Exposure: the built-in Exchange 2003 relays for anyone and offers
# AUTH LOGIN before STARTTLS; WIZ/DEBUG are refused.
run --exposure --no-color "$open"
mg_assert_eq "$rc" 1 "exposure exit with findings"
mg_assert_has "$MG_TMP/out" 'HIGH: open relay' "open relay found"
mg_assert_has "$MG_TMP/out" 'before STARTTLS' "AUTH in clear found"
mg_assert_lacks "$MG_TMP/out" 'WIZ accepted' "WIZ refused by the server"
run --exposure --json "$open"
"$MG_PYTHON" - "$MG_TMP/out" <<'PY' || mg_fail "exposure JSON"
import json, sys
o = json.loads(open(sys.argv[1]).readline())
sent = {p["name"]: p["sent"] for p in o["probes"]}
assert not any("DATA" in s for s in sent.values()), sent
assert sent["exp-relay"].endswith("RSET\\r\\nQUIT\\r\\n"), sent["exp-relay"]
notes = [n["text"] for n in o["notes"] if n["section"] == "exposure"]
assert notes[0].startswith("HIGH: open relay"), notes   # most severe first
PY
mg_pass "exposure findings with severity"
