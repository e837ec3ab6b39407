#!/bin/sh
# full_output.sh - output that cannot be written (a full disk: /dev/full)
# is an error with a one-line message naming the file or standard output
# and the documented exit status (mailguard-detect 2, mailguard-emulate 1),
# never a silent success.  No root needed.
. "${top_srcdir:-.}/tests/lib.sh"

[ -w /dev/full ] || mg_fail "/dev/full missing (every Linux system has it)"
mg_tmpdir
cap=$top_srcdir/captures/gen-clean.pcap
[ -r "$cap" ] || mg_fail "no $cap"

# expect WANT_RC PATTERN CMD...: run CMD, its status must be WANT_RC and
# its stderr one line matching PATTERN
expect()
{
	_want=$1 _pat=$2
	shift 2
	"$@" 2>"$MG_TMP/err"
	_rc=$?
	[ "$_rc" -eq "$_want" ] ||
	    mg_fail "$* -> exit $_rc, want $_want ($(cat "$MG_TMP/err"))"
	grep -q -e "$_pat" "$MG_TMP/err" ||
	    mg_fail "$*: stderr lacks '$_pat': $(cat "$MG_TMP/err")"
	mg_log "ok: exit $_rc: $(tail -1 "$MG_TMP/err")"
}

expect 2 'standard output: write error: No space left' \
    sh -c '"$0" --list-probes >/dev/full' "$MG_DETECT"
expect 2 'standard output: write error' sh -c '"$0" -r "$1" >/dev/full' "$MG_DETECT" "$cap"
expect 2 'standard output: write error' sh -c '"$0" -r "$1" --json >/dev/full' "$MG_DETECT" "$cap"
expect 2 'standard output: write error' sh -c '"$0" -r "$1" -r "$2" >/dev/full' \
    "$MG_DETECT" "$top_srcdir/captures/lab-pix51-postfix-outside.pcap" \
    "$top_srcdir/captures/lab-pix51-postfix-inside.pcap"
expect 2 'standard output: write error' \
    sh -c '"$0" --dry-run 127.0.0.1 >/dev/full' "$MG_DETECT"
expect 1 'standard output: write error: No space left' \
    sh -c '"$0" --list-profiles >/dev/full' "$MG_EMULATE"
expect 1 '/dev/full: write error after record [0-9]*: No space left' \
    "$MG_EMULATE" --profile asa --replay "$cap" -w /dev/full

# a report saved to a full disk, from a real probe of the built-in demo
mg_start_emulate --profile asa --upstream builtin:exchange2003
expect 2 '/dev/full: write error' "$MG_DETECT" --probes greeting,ehlo \
    --save /dev/full "127.0.0.1:$MG_EMU_PORT"
expect 2 'standard output: write error' sh -c '"$0" --json --probes \
    greeting,ehlo "$1" >/dev/full' "$MG_DETECT" "127.0.0.1:$MG_EMU_PORT"
# and with the output writable, the same run succeeds (the control)
"$MG_DETECT" --probes greeting,ehlo --save "$MG_TMP/r.json" \
    "127.0.0.1:$MG_EMU_PORT" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 1 ] || mg_fail "control run: exit $rc, want 1 (asa found)"
[ -s "$MG_TMP/r.json" ] || mg_fail "control run saved nothing"
mg_pass "full output: every writer reports it and exits non-zero"
