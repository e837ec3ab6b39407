#!/bin/sh
# detect_mta.sh - the confusion matrix of mailguard-detect against real
# MTAs: every emulator profile in front of Postfix, Exim and OpenSMTPD, and
# each MTA probed directly, must get the family and generation the profile
# reproduces (direct and "off" -> none).  Prints the whole matrix as a table
# (rows: what was in the path; columns: MTA; cells: family/generation,
# "!" marking a wrong cell, "?" a known miss) before judging, so one run
# shows every miss.
# --send-test-message is given (our own lab MTAs) so the end-of-data split
# probe can tell pix-5.1 from pix-6.3.
. "${top_srcdir:-.}/tests/lib.sh"

mg_require_root
[ -x "$MG_EMULATE" ] || mg_fail "no $MG_EMULATE"
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"
[ -f "$MG_FP_FILE" ] || mg_fail "no fingerprint file $MG_FP_FILE"
mg_tmpdir

MTAS="postfix exim opensmtpd"
# pix-5.1 twice: its default eod_split_bug=late (the cut CRLF held until
# the client's next segment or EOF) and swallow (cut for ever); "no reply
# after the split terminator while we wait" must show both.
ROWS="direct off pix-4.1 pix-4.4 pix-5.1 pix-5.1-swallow pix-6.3 asa
asa-allow-tls"

# emuargs ROW: the emulator's options for that row
emuargs()
{
	case $1 in
	pix-5.1-swallow) echo "--profile pix-5.1 --set eod_split_bug=swallow" ;;
	*)		echo "--profile $1" ;;
	esac
}

# want ROW: expected family/generation
want()
{
	case $1 in
	direct|off)	echo none/none ;;
	pix-5.1-*)	echo pix/pix-5.1 ;;
	pix-*)		echo "pix/$1" ;;
	asa*)		echo "asa/$1" ;;
	esac
}

# verdict FILE: family/generation from the first JSON line
verdict()
{
	"$MG_PYTHON" - "$1" <<'EOF'
import json, sys
try:
    with open(sys.argv[1]) as f:
        v = json.loads(f.readline())["verdict"]
    print("%s/%s" % (v.get("family"), v.get("generation")))
except Exception as e:
    print("error(%s)" % type(e).__name__)
EOF
}

for m in $MTAS; do
	mg_start_mta "$m"
	eval "port_$m=$MTA_PORT"
done

# KNOWN: cells the detector gets wrong today, "ROW:MTA=GOT" (see the
# report of the lab helper).  They are printed with "?" and do not fail the
# test while they stay exactly this wrong; any other wrong cell fails.
# Remove an entry once the detector gets that cell right.
# None today.  The hardest cells: OpenSMTPD answers "NOOP client.lab.test"
# (the PIX NOOP rewrite of EHLO) with 500 "command does not accept
# arguments" and its banner has no 2 or 0, so a PIX looks like neither the
# 2/0 banner nor a bare 250 to EHLO; pix-star-noop-args-refused tells it
# from pix-4.4's X-fill by the bare HELP (a bare NOOP: 250), and
# pix-5.1-eod-bug-noop-args adds the unanswered split end of data
# (CSCds90792) to tell pix-5.1 from pix-6.3.
KNOWN=""

cellvar()
{
	echo "cell_${2}_$(echo "$1" | tr -c 'a-z0-9\n' _)"
}

# one row at a time, the three MTAs probed at once
bad=0
for row in $ROWS; do
	pids=
	for m in $MTAS; do
		eval "port=\$port_$m"
		if [ "$row" != direct ]; then
			# shellcheck disable=SC2046
			mg_start_emulate $(emuargs "$row") \
			    --upstream "127.0.0.1:$port"
			port=$MG_EMU_PORT
			eval "emu_$m=$MG_EMU_PID"
		fi
		"$MG_DETECT" -F "$MG_FP_FILE" --json --timeout 10 \
		    --send-test-message r@lab.test "127.0.0.1:$port" \
		    >"$MG_TMP/$row-$m.json" 2>"$MG_TMP/$row-$m.err" &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p"
	done
	for m in $MTAS; do
		got=$(verdict "$MG_TMP/$row-$m.json")
		eval "$(cellvar "$row" "$m")=\$got"
		if [ "$got" = "$(want "$row")" ]; then
			case " $(echo $KNOWN) " in
			*" $row:$m="*)
				mg_log "$row in front of $m is right now:" \
				    "remove it from KNOWN" ;;
			esac
			continue
		fi
		case " $(echo $KNOWN) " in
		*" $row:$m=$got "*)
			mg_log "known miss: $row in front of $m: $got" ;;
		*)
			bad=$((bad + 1))
			mg_log "$row in front of $m: got $got, want $(want "$row")"
			sed -n '1,20p' "$MG_TMP/$row-$m.err" >&2 ;;
		esac
	done
	if [ "$row" != direct ]; then
		for m in $MTAS; do
			eval "mg_kill \$emu_$m"
		done
	fi
done

printf '\n%-16s %-17s' "path \\ MTA" "expected"
for m in $MTAS; do printf ' %-22s' "$m"; done
printf '\n'
for row in $ROWS; do
	printf '%-16s %-17s' "$row" "$(want "$row" | sed 's|none/none|none|')"
	for m in $MTAS; do
		eval "got=\$$(cellvar "$row" "$m")"
		mark=" "
		if [ "$got" != "$(want "$row")" ]; then
			mark="!"
			case " $(echo $KNOWN) " in
			*" $row:$m=$got "*) mark="?" ;;
			esac
		fi
		printf ' %-22s' "$mark$got"
	done
	printf '\n'
done
echo "(! wrong, ? known miss listed in KNOWN)"
printf '\n'
[ "$bad" -eq 0 ] || mg_fail "$bad of $(($(echo $ROWS | wc -w) * 3)) cells wrong"
mg_pass "confusion matrix: all $(($(echo $ROWS | wc -w) * 3)) cells as" \
    "expected ($(echo $KNOWN | wc -w) known misses)"
