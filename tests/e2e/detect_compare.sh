#!/bin/sh
# detect_compare.sh - pre-change verification: a baseline saved while an
# emulated ASA sits in front of the server, then the "change" (the same
# port now served by --profile off), then --compare: every change listed
# per probe and exit 0 because the interference is gone; the reverse
# change exits 1.  Also IPv6 loopback targets ([::1]:port).
. "${top_srcdir:-.}/tests/lib.sh"
mg_tmpdir
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"
[ -x "$MG_EMULATE" ] || mg_fail "no $MG_EMULATE"

port=$(mg_free_port)
emu()
{
	mg_start_bg "emu-$1" "$MG_EMULATE" --profile "$1" \
	    --upstream builtin:postfix --listen 127.0.0.1:"$port"
	emupid=$MG_BG_PID
	mg_wait_port 127.0.0.1 "$port" 30 "$emupid" || mg_fail "emulator $1"
}

emu asa
"$MG_DETECT" --json --save "$MG_TMP/before.json" 127.0.0.1:"$port" >/dev/null
mg_assert_eq "$?" 1 "baseline run finds the ASA"
mg_kill "$emupid"

emu off
"$MG_DETECT" --no-color --compare "$MG_TMP/before.json" 127.0.0.1:"$port" >"$MG_TMP/cmp"
rc=$?
sed -n '/^compare /,$p' "$MG_TMP/cmp" >"$MG_TMP/block"
cat "$MG_TMP/block"
mg_assert_eq "$rc" 0 "--compare exit once the interference is gone"
mg_assert_has "$MG_TMP/block" 'verdict: asa/asa' "old verdict"
mg_assert_has "$MG_TMP/block" '-> none/none' "new verdict"
mg_assert_has "$MG_TMP/block" 'greeting: masked -> clear' "greeting change"
mg_assert_has "$MG_TMP/block" 'STARTTLS: refused 502 -> passes 220' "STARTTLS verb now passes"
mg_assert_has "$MG_TMP/block" 'starttls: STARTTLS -> 502  =>  STARTTLS -> 220, TLS started' "TLS now starts"
mg_assert_has "$MG_TMP/block" '  ehlo: ' "EHLO probe change"
mg_pass "asa -> off: changes listed, exit 0"

# The reverse: interference introduced by the change, exit 1.
"$MG_DETECT" --json --save "$MG_TMP/clean.json" 127.0.0.1:"$port" >/dev/null
mg_kill "$emupid"
emu pix-6.3
"$MG_DETECT" --no-color --compare "$MG_TMP/clean.json" 127.0.0.1:"$port" >"$MG_TMP/cmp2"
mg_assert_eq "$?" 1 "--compare exit when interference appeared"
mg_assert_has "$MG_TMP/cmp2" 'verdict: none/none' "old verdict clean"
mg_assert_has "$MG_TMP/cmp2" '-> pix/pix-6.3' "new verdict pix"
mg_pass "off -> pix-6.3: exit 1"

# A missing or broken baseline is an I/O error.
"$MG_DETECT" --compare "$MG_TMP/nonexistent.json" 127.0.0.1:"$port" >/dev/null 2>&1
mg_assert_eq "$?" 2 "missing baseline"
echo 'not json' >"$MG_TMP/bad.json"
"$MG_DETECT" --compare "$MG_TMP/bad.json" 127.0.0.1:"$port" >/dev/null 2>"$MG_TMP/bad.err"
mg_assert_eq "$?" 2 "broken baseline"
mg_assert_has "$MG_TMP/bad.err" 'bad.json:1:' "error names the line"
mg_pass "bad baselines are refused with exit 2"

# IPv6 loopback: the emulator on [::1].
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
	p6=$(mg_free_port ::1)
	mg_start_bg emu6 "$MG_EMULATE" --profile asa --upstream builtin:sendmail \
	    --listen "[::1]:$p6"
	mg_wait_port ::1 "$p6" 30 "$MG_BG_PID" || mg_fail "emulator on ::1"
	"$MG_DETECT" --json "[::1]:$p6" >"$MG_TMP/v6.json"
	mg_assert_eq "$?" 1 "exit code over IPv6"
	"$MG_PYTHON" - "$MG_TMP/v6.json" <<'PY' || mg_fail "IPv6 report"
import json, sys
o = json.loads(open(sys.argv[1]).readline())
assert o["address"] == "::1", o["address"]
assert o["verdict"]["family"] == "asa", o["verdict"]
PY
	mg_pass "IPv6 literal target [::1]:port"
else
	mg_log "no ::1 on lo: IPv6 part not run"
fi
