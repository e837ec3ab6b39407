#!/bin/sh
# detect_basic.sh - mailguard-detect against Postfix's smtp-sink (a real
# SMTP server, nothing in the path): verdict none and exit 0, JSON keys,
# --save/--compare round trip, exit codes 2 and 3, --dry-run connects to
# nothing and is byte-exact, progress only on a terminal.
. "${top_srcdir:-.}/tests/lib.sh"
mg_tmpdir
mg_require_cmd smtp-sink postfix
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"

port=$(mg_free_port)
mg_start_bg sink smtp-sink -u nobody 127.0.0.1:"$port" 20
mg_wait_port 127.0.0.1 "$port" 20 "$MG_BG_PID" || mg_fail "smtp-sink did not listen"

# 1. Text report, nothing in the path: none, exit 0, the whole table fast.
t0=$(date +%s%N)
"$MG_DETECT" --no-color 127.0.0.1:"$port" >"$MG_TMP/text.out" 2>"$MG_TMP/text.err"
rc=$?
t1=$(date +%s%N)
mg_assert_eq "$rc" 0 "exit code against a clean server"
mg_assert_has "$MG_TMP/text.out" 'none/none' "verdict none"
mg_assert_has "$MG_TMP/text.out" '220 smtp-sink ESMTP' "greeting shown as evidence"
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -lt 5000 ] || mg_fail "full table took $ms ms"
mg_pass "clean server: none, exit 0, $ms ms for the whole table"
# stderr is not a terminal here: no progress line
[ ! -s "$MG_TMP/text.err" ] || { cat "$MG_TMP/text.err"; mg_fail "stderr not empty when piped"; }
mg_pass "no progress line when stderr is not a terminal"

# 2. JSON: one object with the documented keys, probes with sent/reply.
"$MG_DETECT" --json --save "$MG_TMP/base.json" 127.0.0.1:"$port" >"$MG_TMP/j.out" ||
    mg_fail "--json exit $?"
"$MG_PYTHON" - "$MG_TMP/j.out" "$MG_TMP/base.json" <<'PY' || mg_fail "JSON content"
import json, sys
for path in sys.argv[1:]:
    lines = open(path).read().splitlines()
    assert len(lines) == 1, (path, len(lines))
    o = json.loads(lines[0])
    for k in ("target", "address", "port", "verdict", "evidence", "effects",
              "fix", "probes"):
        assert k in o, k
    v = o["verdict"]
    assert v["family"] == "none", v
    assert "generation" in v and "confidence" in v
    names = [p["name"] for p in o["probes"]]
    for want in ("greeting", "ehlo", "helo", "invalid-verb", "segmented",
                 "pipelined", "starttls", "verb-xexch50"):
        assert want in names, want
    assert "eod-split" not in names      # never without --send-test-message
    for p in o["probes"]:
        for k in ("name", "sent", "reply", "classification"):
            assert k in p, (p["name"], k)
    seg = [p for p in o["probes"] if p["name"] == "segmented"][0]
    assert seg["sent"].startswith("EHLO "), seg["sent"]
    assert "\\r\\nNOOP\\r\\n" in seg["sent"], seg["sent"]
    assert seg["classification"].startswith("NOOP -> 250, sent in 6 "
                                            "segments"), seg
    assert "DATA" not in "".join(p["sent"] for p in o["probes"])
PY
mg_pass "JSON report has the keys and every probe; no DATA sent"

# 3. --compare against the same server: no change, exit 0.
"$MG_DETECT" --compare "$MG_TMP/base.json" 127.0.0.1:"$port" >"$MG_TMP/cmp.out"
rc=$?
mg_assert_eq "$rc" 0 "--compare exit with no change"
sed -n '/^compare /,$p' "$MG_TMP/cmp.out" >"$MG_TMP/cmp.block"
mg_assert_has "$MG_TMP/cmp.block" 'verdict: none/none' "compare verdict line"
mg_assert_has "$MG_TMP/cmp.block" 'no change' "compare says no change"
mg_assert_lacks "$MG_TMP/cmp.block" '=>' "no probe change listed"
mg_pass "--save then --compare on an unchanged server: no change"

# 4. Exit codes: unreachable 3, usage 2, unknown probe 2, bad target 2.
dead=$(mg_free_port)
"$MG_DETECT" --timeout 2 127.0.0.1:"$dead" >"$MG_TMP/dead.out" 2>&1
mg_assert_eq "$?" 3 "exit code when unreachable"
mg_assert_has "$MG_TMP/dead.out" 'unreachable' "unreachable named"
"$MG_DETECT" >/dev/null 2>&1
mg_assert_eq "$?" 2 "exit code without a target"
"$MG_DETECT" --probes nosuch 127.0.0.1:"$port" >/dev/null 2>&1
mg_assert_eq "$?" 2 "exit code for an unknown probe"
"$MG_DETECT" --probes eod-split 127.0.0.1:"$port" >/dev/null 2>&1
mg_assert_eq "$?" 2 "eod-split refused without --send-test-message"
"$MG_DETECT" '[::1' >/dev/null 2>&1
mg_assert_eq "$?" 2 "exit code for a bad target"
"$MG_DETECT" -F "$MG_TMP/nonexistent.fp" 127.0.0.1:"$port" >/dev/null 2>&1
mg_assert_eq "$?" 2 "exit code for a missing fingerprint file"
mg_pass "exit codes 2 and 3"

# 5. --dry-run connects to nothing (the sink logs no new connection) and
# prints exactly the bytes and segments.
lport=$(mg_free_port)
mg_start_bg counter "$MG_PYTHON" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("accepted\n")
    c.close()
' "$lport" "$MG_TMP/accepts"
mg_wait_port 127.0.0.1 "$lport" 20 "$MG_BG_PID" || mg_fail "counter did not listen"
: >"$MG_TMP/accepts"
"$MG_DETECT" --dry-run --seed 1 --probes segmented,invalid-verb2 \
    127.0.0.1:"$lport" >"$MG_TMP/dry.out" || mg_fail "--dry-run exit $?"
cat >"$MG_TMP/dry.want" <<WANT
target 127.0.0.1:$lport: host 127.0.0.1 port $lport
segmented: NOOP sent one byte per TCP segment
  1 wait for the greeting
  2 send 1 segment: [EHLO mailguard.invalid\r\n]; wait 1 reply
  3 send 6 segments: [N] [O] [O] [P] [\r] [\n]; wait 1 reply
  4 send 1 segment: [QUIT\r\n]; wait 1 reply
invalid-verb2: a second random unknown verb
  1 wait for the greeting
  2 send 1 segment: [EHLO mailguard.invalid\r\n]; wait 1 reply
  3 if EHLO got no multi-line 250: send 1 segment: [HELO mailguard.invalid\r\n]; wait 1 reply
  4 send 1 segment: [QFVNFAQG\r\n]; wait 1 reply
  5 send 1 segment: [QUIT\r\n]; wait 1 reply
WANT
diff -u "$MG_TMP/dry.want" "$MG_TMP/dry.out" || mg_fail "--dry-run output differs"
"$MG_DETECT" --dry-run --send-test-message postmaster@example.test \
    --probes eod-split 127.0.0.1:"$lport" >"$MG_TMP/dry2.out" || mg_fail "dry eod"
mg_assert_has "$MG_TMP/dry2.out" 'segments: [' "eod-split rendered"
mg_assert_has "$MG_TMP/dry2.out" '\\r\\n.] [\\r\\n]' "end-of-data split into two segments"
# the counter itself works: a real probe is counted
"$MG_DETECT" --probes greeting --timeout 1 127.0.0.1:"$lport" >/dev/null 2>&1
mg_wait_has "$MG_TMP/accepts" 'accepted' 10 || mg_fail "the counter saw no real probe"
mg_assert_eq "$(grep -c accepted "$MG_TMP/accepts")" 1 "connections: dry runs 0 + one real probe"
mg_pass "--dry-run is exact and connects to nothing"

# 6. The whole default table, golden: any change to the bytes or segments
# the prober sends shows here (regenerate the file when that is intended:
# mailguard-detect --dry-run --seed 1 192.0.2.25 >tests/e2e/detect_dry_run.expected).
"$MG_DETECT" --dry-run --seed 1 192.0.2.25 >"$MG_TMP/table.out" || mg_fail "dry table"
diff -u "$top_srcdir/tests/e2e/detect_dry_run.expected" "$MG_TMP/table.out" ||
    mg_fail "default probe table differs from tests/e2e/detect_dry_run.expected"
mg_pass "default probe table matches the golden dry run"
