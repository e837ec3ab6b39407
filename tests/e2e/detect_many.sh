#!/bin/sh
# detect_many.sh - many targets: arguments plus -iL FILE and -iL - (stdin),
# probed concurrently (--parallel), one JSON line per target, a progress
# line on a terminal and none when piped, unreachable targets reported
# without stopping the others.
. "${top_srcdir:-.}/tests/lib.sh"
mg_tmpdir
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"
mg_require_cmd smtp-sink postfix

# Six clean servers: smtp-sink on 127.0.0.1..6 (loopback is a /8).
: >"$MG_TMP/list"
for i in 1 2 3 4 5 6; do
	port=$(mg_free_port 127.0.0.$i)
	mg_start_bg "sink$i" smtp-sink -u nobody 127.0.0.$i:"$port" 20
	mg_wait_port 127.0.0.$i "$port" 20 "$MG_BG_PID" || mg_fail "sink $i"
	echo "127.0.0.$i:$port" >>"$MG_TMP/list"
done
dead=127.0.0.1:$(mg_free_port)
# the list file takes comments and several targets per line
{ echo "# six sinks"; head -n 3 "$MG_TMP/list" | tr '\n' ' '; echo; } >"$MG_TMP/l1"
tail -n 3 "$MG_TMP/list" >"$MG_TMP/l2"

"$MG_DETECT" --json --parallel 3 --timeout 2 --probes greeting,ehlo,invalid-verb \
    -iL "$MG_TMP/l1" -iL - "$dead" <"$MG_TMP/l2" >"$MG_TMP/out" 2>"$MG_TMP/err"
rc=$?
mg_assert_eq "$rc" 3 "exit code: one target unreachable, the rest clean"
"$MG_PYTHON" - "$MG_TMP/out" "$MG_TMP/list" "$dead" <<'PY' || mg_fail "JSON lines"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
want = [l.strip() for l in open(sys.argv[2])] + [sys.argv[3]]
got = {o["target"]: o for o in objs}
assert sorted(got) == sorted(want), (sorted(got), sorted(want))
for t in want[:-1]:
    assert got[t]["verdict"]["family"] == "none", (t, got[t]["verdict"])
    assert [p["name"] for p in got[t]["probes"]] == ["greeting", "ehlo", "invalid-verb"]
    assert got[t]["address"] == t.split(":")[0]
assert got[sys.argv[3]]["verdict"]["family"] == "inconclusive"
PY
[ ! -s "$MG_TMP/err" ] || { cat "$MG_TMP/err"; mg_fail "stderr not empty when piped"; }
mg_pass "7 targets from arguments, a file and stdin: 7 JSON lines, no progress when piped"

# On a terminal (script(1) gives one) the progress line appears on stderr.
script -qec "$MG_DETECT --parallel 2 --probes greeting $(tr '\n' ' ' <"$MG_TMP/list") >/dev/null" \
    "$MG_TMP/tty" >/dev/null 2>&1
mg_assert_has "$MG_TMP/tty" '6/6 targets done' "progress line on a terminal"
mg_pass "progress line on a terminal"

# Text output for several targets: one report each.
"$MG_DETECT" --no-color --probes greeting,ehlo,invalid-verb $(cat "$MG_TMP/list") >"$MG_TMP/text"
mg_assert_eq "$?" 0 "exit code, six clean targets"
mg_assert_eq "$(grep -c '^127\.0\.0\.[1-6]:[0-9]* .*none/none' "$MG_TMP/text")" 6 "six verdict lines"
mg_pass "text reports for six targets"
