#!/bin/sh
# full_spool.sh - the built-in server's spool on a full file system (a
# 256 KB tmpfs filled to the last block): a message it cannot store is
# answered 451 (never 250), nothing partial is left in the spool, the
# server keeps serving, and once space is freed the client's retry is
# stored exactly once.  Root (mount) needed.
. "${top_srcdir:-.}/tests/lib.sh"

mg_require_root
mg_require_cmd python3
mg_tmpdir
sp=$MG_TMP/spool
mkdir "$sp"
mount -t tmpfs -o size=256k,nr_inodes=64 mailguard-full "$sp" ||
    mg_fail "cannot mount a tmpfs on $sp"
mg_cleanup_add "umount -l '$sp'"
# fill it: dd stops at ENOSPC
dd if=/dev/zero of="$sp/filler" bs=4k 2>/dev/null
[ "$(df -P "$sp" | awk 'NR == 2 { print $4 }')" -eq 0 ] ||
    mg_fail "the tmpfs is not full: $(df -P "$sp" | tail -1)"

mg_start_emulate --profile off --upstream builtin:postfix --spool "$sp" \
    --server-log "$MG_TMP/server.log"

send()
{
	python3 - "$MG_EMU_PORT" "$1" <<'PY'
import smtplib, sys
port, tag = int(sys.argv[1]), sys.argv[2]
body = ("Subject: %s\r\nMessage-ID: <%s@lab.test>\r\n\r\n" % (tag, tag) +
        "x" * 76 + "\r\n") * 200          # about 16 KB
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("client.lab.test")
try:
    s.sendmail("s@lab.test", ["r@lab.test"], body)
    print("250")
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode(errors="replace"))
s.quit()
PY
}

out=$(send full-1) || mg_fail "client error: $out"
mg_log "full disk: $out"
case $out in
4*) ;;
*) mg_fail "a message the spool cannot hold was answered '$out', want 4xx" ;;
esac
n=$(find "$sp" -name '*.eml' | wc -l)
[ "$n" -eq 0 ] || mg_fail "$n message files in the full spool (want 0)"
left=$(find "$sp" -type f ! -name filler | wc -l)
[ "$left" -eq 0 ] || mg_fail "partial files left in the spool: $(ls -a "$sp")"
mg_alive "$MG_EMU_PID" || mg_fail "the emulator died on a full spool"

rm -f "$sp/filler"
out=$(send full-1) || mg_fail "client error on retry: $out"
[ "$out" = 250 ] || mg_fail "retry after freeing space: '$out', want 250"
n=$(grep -l 'Message-ID: <full-1@lab.test>' "$sp"/*.eml 2>/dev/null | wc -l)
[ "$n" -eq 1 ] || mg_fail "the retried message is in the spool $n times"
mg_pass "full spool: 451, nothing partial, still serving; retry stored once"
