#!/bin/sh
# lab_lib.sh - tests/lib.sh itself, since every e2e test stands on it:
# cleanups run (newest first) on failure and keep the exit status, a
# failing test's logs are shown, mg_kill ends a whole process group,
# mg_wait_port sees a listener without connecting and gives up on a dead
# pid, mg_free_port hands out distinct claimed ports, the byte helpers
# match exact bytes (CR LF included).  Needs no root.
. "${top_srcdir:-.}/tests/lib.sh"
mg_tmpdir

# 1. a child test that fails: cleanups run newest first, status kept,
#    registered logs are shown, the child's tmpdir is removed
cat >"$MG_TMP/child.sh" <<EOF
. "$top_srcdir/tests/lib.sh"
mg_tmpdir
echo "\$MG_TMP" >"$MG_TMP/child-tmp"
mg_cleanup_add "echo first >>'$MG_TMP/order'"
mg_cleanup_add "echo second >>'$MG_TMP/order'"
echo "child log line" >"\$MG_TMP/x.log"
mg_log_add "\$MG_TMP/x.log"
mg_fail "on purpose"
EOF
sh "$MG_TMP/child.sh" >"$MG_TMP/child.out" 2>&1
rc=$?
mg_assert_eq "$rc" 1 "exit status of a failed child"
mg_assert_has "$MG_TMP/order" "second\nfirst\n" "cleanups newest first"
mg_assert_has "$MG_TMP/child.out" "FAIL: child: on purpose" "FAIL line"
mg_assert_has "$MG_TMP/child.out" "child log line" "log shown on failure"
[ -d "$(cat "$MG_TMP/child-tmp")" ] && mg_fail "child tmpdir left behind"
# a skip keeps 77 and shows no logs
printf '. "%s/tests/lib.sh"\nmg_skip "no reason"\n' "$top_srcdir" \
    >"$MG_TMP/skip.sh"
sh "$MG_TMP/skip.sh" >/dev/null 2>&1
mg_assert_eq "$?" 77 "exit status of mg_skip"
mg_pass "cleanup trap: order, status, logs, tmpdir"

# 2. mg_start_bg + mg_kill end the whole group (a child that forked)
mg_start_bg tree sh -c 'sleep 300 & sleep 300 & echo started; wait'
tree=$MG_BG_PID
mg_wait_has "$MG_BG_LOG" "started" 20 || mg_fail "tree did not start"
kids=$(ps -e -o pid=,pgid= | awk -v g="$tree" '$2 == g { n++ } END { print n }')
[ "$kids" -ge 3 ] || mg_fail "expected 3 processes in group $tree, saw $kids"
mg_kill "$tree"
left=$(ps -e -o pgid=,stat= |
    awk -v g="$tree" '$1 == g && $2 !~ /^Z/ { n++ } END { print n + 0 }')
mg_assert_eq "$left" 0 "processes left in the group after mg_kill"
mg_pass "mg_kill ends a process group"

# 3. ports: distinct, claimed, free; wait_port sees a listener, fails fast
# on a dead pid and times out on nothing
p1=$(mg_free_port)
p2=$(mg_free_port)
[ "$p1" != "$p2" ] || mg_fail "same port twice: $p1"
[ -f "$MG_PORT_DIR/$p1/pid" ] || mg_fail "port $p1 not claimed"
cat >"$MG_TMP/listen.py" <<'EOF'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(5)
s.settimeout(60)
try:
    c, _ = s.accept()
    print("accepted")
    sys.stdout.flush()
except socket.timeout:
    pass
EOF
mg_start_bg listener "$MG_PYTHON" "$MG_TMP/listen.py" "$p1"
mg_wait_port 127.0.0.1 "$p1" 20 "$MG_BG_PID" || mg_fail "listener not seen"
sleep 0.3
mg_assert_lacks "$MG_BG_LOG" "accepted" "mg_wait_port made a connection"
mg_kill "$MG_BG_PID"
mg_start_bg dies sh -c 'exit 3'
t0=$(date +%s)
mg_wait_port 127.0.0.1 "$p2" 30 "$MG_BG_PID" 2>/dev/null &&
    mg_fail "wait_port succeeded on a dead pid"
[ $(($(date +%s) - t0)) -lt 10 ] || mg_fail "wait_port did not notice the death"
mg_wait_port 127.0.0.1 "$p2" 1 2>/dev/null && mg_fail "nothing listens on $p2"
mg_pass "free ports distinct and claimed; wait_port listens, fails fast"

# 4. byte helpers
printf 'EHLO x\r\n250-XXXXXXXA\r\n' >"$MG_TMP/bytes"
mg_has "$MG_TMP/bytes" '250-XXXXXXXA\r\n' || mg_fail "CRLF needle"
mg_has "$MG_TMP/bytes" '250-XXXXXXXA\n' && mg_fail "LF needle matched CRLF"
mg_has "$MG_TMP/bytes" 'X*' && mg_fail "plain needles are not patterns"
mg_assert_eq "$(mg_count "$MG_TMP/bytes" 'X')" 7 "count of X"
mg_pass "byte helpers match exact bytes"
