#!/bin/sh
# capture_cli.sh - mailguard-detect -r as a command: exit codes (0 clean,
# 1 interference or bytes differ, 2 usage/unreadable/damaged after the
# results, 3 nothing judged), the one-line error naming record and offset,
# stdin, BPF filters, JSON Lines, and the progress line that appears on a
# terminal (script(1) gives one) and never when stderr is piped.
. "${top_srcdir:-.}/tests/lib.sh"
mg_tmpdir
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"
mg_require_cmd script bsdutils
cap="$top_srcdir/captures"
D="$MG_DETECT"

"$D" -r "$cap/lab-off-smtpsink-outside.pcap" >"$MG_TMP/a" 2>&1
mg_assert_eq "$?" 0 "clean capture"
"$D" -r "$cap/lab-asa-exchange2003-outside.pcap" -q >"$MG_TMP/a" 2>&1
mg_assert_eq "$?" 1 "ASA capture"
mg_assert_has "$MG_TMP/a" 'verdicts: asa 2' "ASA verdict count"
"$D" -r "$cap/lab-asa-smtpsink-outside.pcap" -q tcp port 9 >"$MG_TMP/a" 2>&1
mg_assert_eq "$?" 3 "filter leaving nothing"
mg_pass "exit 0 clean, 1 interference, 3 nothing judged"

# Damaged file: results first, then one line naming record and offset.
"$D" -r "$cap/bad-truncated.pcap" -q >"$MG_TMP/out" 2>"$MG_TMP/err"
mg_assert_eq "$?" 2 "damaged capture"
mg_assert_has "$MG_TMP/out" 'SMTP' "results before the damage"
mg_assert_has "$MG_TMP/err" 'record 136 (file offset 39998)' "record and offset"
[ "$(wc -l <"$MG_TMP/err")" -eq 1 ] || mg_fail "more than one error line"
head -c 0 /dev/null >"$MG_TMP/empty.pcap"
"$D" -r "$MG_TMP/empty.pcap" >"$MG_TMP/out" 2>"$MG_TMP/err"
mg_assert_eq "$?" 2 "zero-length file"
mg_assert_has "$MG_TMP/err" 'offset 0' "zero-length file error"
printf 'GIF89a not a capture at all, really\n' >"$MG_TMP/magic.pcap"
"$D" -r "$MG_TMP/magic.pcap" >"$MG_TMP/out" 2>"$MG_TMP/err"
mg_assert_eq "$?" 2 "wrong magic"
"$D" -r /nonexistent.pcap >"$MG_TMP/out" 2>"$MG_TMP/err"
mg_assert_eq "$?" 2 "missing file"
"$D" -r "$cap/gen-null.pcap" 'port banana' >"$MG_TMP/out" 2>"$MG_TMP/err"
mg_assert_eq "$?" 2 "bad filter"
mg_assert_has "$MG_TMP/err" 'bad filter' "bad filter message"
"$D" -r a -r b -r c >"$MG_TMP/out" 2>"$MG_TMP/err"
mg_assert_eq "$?" 2 "three -r"
mg_pass "exit 2 with one clear line: damage, empty, magic, missing, filter, usage"

# stdin, and JSON Lines that parse.
"$D" -r - --json <"$cap/gen-mixed.pcap" >"$MG_TMP/j" 2>"$MG_TMP/err"
mg_assert_eq "$?" 1 "stdin JSON"
"$MG_PYTHON" - "$MG_TMP/j" "$cap/gen-mixed.expect" <<'PY' || mg_fail "JSON lines"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
s = [o for o in objs if "capture_summary" in o]
assert len(s) == 1 and objs[-1] is s[0], "summary last"
want = dict(l.split() for l in open(sys.argv[2]))
got = {str(o["session"]): o["verdict"]["family"] for o in objs[:-1]}
assert got == want, (got, want)
assert s[0]["capture_summary"]["smtp_sessions"] == len(want)
PY
mg_pass "stdin read, JSON Lines parse, every verdict as the generator intended"

# Two captures: exit 1 when bytes differ, 0 when identical.
"$D" -r "$cap/lab-off-smtpsink-outside.pcap" \
    -r "$cap/lab-off-smtpsink-inside.pcap" >"$MG_TMP/d" 2>&1
mg_assert_eq "$?" 0 "identical sides"
"$D" -r "$cap/lab-pix63-postfix-outside.pcap" \
    -r "$cap/lab-pix63-postfix-inside.pcap" >"$MG_TMP/d" 2>&1
mg_assert_eq "$?" 1 "rewritten sides"
mg_assert_has "$MG_TMP/d" 'verb turned into NOOP (was EHLO)' "NOOP rewrite found"
mg_pass "two-capture exit codes"

# Progress: on a terminal only.  A file big enough for several updates.
make -s -C "$top_builddir" tests/bench/gen_capture >/dev/null 2>&1 ||
    mg_fail "cannot build gen_capture"
"$top_builddir/tests/bench/gen_capture" -n 3000 -b 600 "$MG_TMP/big.pcap" ||
    mg_fail "gen_capture"
"$D" -r "$MG_TMP/big.pcap" -q >"$MG_TMP/p.out" 2>"$MG_TMP/p.err"
[ ! -s "$MG_TMP/p.err" ] || mg_fail "progress printed while stderr is piped"
script -qec "\"$D\" -r \"$MG_TMP/big.pcap\" -q >/dev/null" /dev/null \
    >"$MG_TMP/tty.out" 2>&1 </dev/null
grep -q 'MB (' "$MG_TMP/tty.out" || { cat "$MG_TMP/tty.out"; mg_fail "no progress on a terminal"; }
script -qec "\"$D\" -r \"$MG_TMP/big.pcap\" -q --no-progress >/dev/null" \
    /dev/null >"$MG_TMP/tty2.out" 2>&1 </dev/null
! grep -q 'MB (' "$MG_TMP/tty2.out" || mg_fail "--no-progress ignored"
mg_pass "progress line on a terminal only"
exit 0
