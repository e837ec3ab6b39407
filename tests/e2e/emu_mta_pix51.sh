#!/bin/sh
# emu_mta_pix51.sh - the PIX 5.1 end-of-data bug (CSCds90792) through
# mailguard-emulate in front of each real MTA (Postfix, Exim, OpenSMTPD).
# A client sends "\r\n." and the final "\r\n" in separate TCP segments
# (TCP_NODELAY, two send() calls 300 ms apart).
#  - control (--profile off): 250 at once.
#  - pix-5.1 (eod_split_bug=late, its default): no 250 while the client
#    waits (the box holds the CRLF); the client gives up and closes; the
#    box releases the CRLF, the MTA sees the end of data and delivers to a
#    sender that has gone; the sender's retry (terminator in one segment,
#    Postfix's own workaround) gets its 250: the mailbox holds the message
#    twice, the field symptom "the recipient gets the same message again
#    and again" (middlebox-behaviour.md 2 and 3).  Exim is the exception
#    it documents itself: it throws away a message whose client is gone
#    right after the final dot ("SMTP connection lost after final dot"),
#    so there the close loses it (one copy: the retry).
#  - pix-5.1, the client gives up with QUIT instead: the released CRLF and
#    the QUIT reach the MTA in one segment.  Postfix and Exim deliver and
#    the client sees the late 250 just before its 221; OpenSMTPD (no
#    PIPELINING after HELO) answers 500 "Pipelining not supported" and
#    drops the message.
#  - --set eod_split_bug=swallow: no 250, nothing delivered ever, the
#    retry delivered once.
# One line per MTA gives the copies delivered.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lab/emu.sh"

mg_require_root
[ -x "$MG_EMULATE" ] || mg_fail "no $MG_EMULATE"
mg_tmpdir

SILENCE=5	# seconds the client waits for its 250

# split NAME TOKEN STEP...: one message whose end of data is split, the
# client waits SILENCE s for an answer, then the STEPs (how it gives up)
split()
{
	_sn=$1 _st=$2
	shift 2
	emu_session "$_sn" greet "cmd:HELO client.lab.test" \
	    "cmd:MAIL FROM:<s@lab.test>" "cmd:RCPT TO:<r@lab.test>" cmd:DATA \
	    "send:Subject: $_st\r\nMessage-ID: <$_st@lab.test>\r\n\r\nbody\r\n." \
	    pause:300 "send:\r\n" "expect-silence:$SILENCE" "$@"
}

# retry NAME TOKEN: the same message with ".\r\n" in one segment
retry()
{
	emu_session "$1" greet "cmd:HELO client.lab.test" \
	    "cmd:MAIL FROM:<s@lab.test>" "cmd:RCPT TO:<r@lab.test>" cmd:DATA \
	    "send:Subject: $2\r\nMessage-ID: <$2@lab.test>\r\n\r\nbody" \
	    pause:300 "send:\r\n.\r\n" reply cmd:QUIT ||
	    { cat "$MG_TMP/$1.chat" >&2; mg_fail "$1: retry failed"; }
	mg_assert_has "$MG_TMP/$1.chat" "C: \\\\r\\\\n.\\\\r\\\\n\nS: 250" \
	    "$1: an unsplit end of data is answered"
}

# copies TOKEN: how many times the mailbox holds that Message-ID
copies()
{
	mg_mta mail "$MTA_DIR" >"$MG_TMP/mailbox"
	mg_count "$MG_TMP/mailbox" "Message-ID: <$1@lab.test>"
}

# delivered N WHAT: wait for the mailbox to hold N messages
delivered()
{
	mg_mta wait-mail "$MTA_DIR" "$1" 60 ||
	    mg_fail "$MTA_NAME: $2 (log $MTA_DIR/log)"
}

# not_delivered N WHAT: the mailbox still holds N messages a while later
not_delivered()
{
	if mg_mta wait-mail "$MTA_DIR" $(($1 + 1)) 3 2>/dev/null; then
		mg_fail "$MTA_NAME: $2"
	fi
}

# no_250 NAME WHAT: the client waited in silence, and the MTA had not
# answered the end of data while it did (it asked for the data)
no_250()
{
	mg_assert_has "$MG_TMP/$1.chat" "SILENT" "$MTA_NAME $2: no reply"
	mg_assert_has "$MG_TMP/$1.mta-replies" "\n354 " \
	    "$MTA_NAME $2: MTA asked for data"
}

# mta_250 NAME: did the MTA answer the end of data (after its 354)?
mta_250()
{
	sed -n '/^354 /,$p' "$MG_TMP/$1.mta-replies" | grep -q '^250'
}

# late_250 MARK: the MTA's log from MARK on comes to show a 250 after its
# 354 (it answered the released end of data; Postfix logs asynchronously)
late_250()
{
	_li=100
	while [ "$_li" -gt 0 ]; do
		mg_mta replies "$MTA_DIR" "$1" | sed -n '/^354 /,$p' |
		    grep -q '^250' && return 0
		sleep 0.1
		_li=$((_li - 1))
	done
	return 1
}

for m in postfix exim opensmtpd; do
	mg_start_mta "$m"
	tok="eod-$m-$$"
	n=0

	# ---- control: off delivers the split message at once
	mg_start_emulate --profile off --upstream "127.0.0.1:$MTA_PORT"
	split "$m-off" "$tok-off" close
	mg_assert_has "$MG_TMP/$m-off.chat" "GOT\nS: 250" \
	    "$m off: a split end of data is answered"
	n=$((n + 1))
	delivered $n "off: not delivered"
	mg_kill "$MG_EMU_PID"

	# ---- pix-5.1, late (the default): the client gives up by closing
	mg_start_emulate --profile pix-5.1 --upstream "127.0.0.1:$MTA_PORT"
	mark=$(mg_mta mark "$MTA_DIR")
	split "$m-late" "$tok-late" close
	no_250 "$m-late" "pix-5.1"
	if [ "$m" = exim ]; then
		# Exim's own guard against this very duplicate: the client's
		# FIN follows the released CRLF at once
		mg_mta wait-log "$MTA_DIR" \
		    'SMTP connection lost after final dot' 30 ||
		    mg_fail "exim pix-5.1: no 'connection lost after final dot'"
		not_delivered $n "pix-5.1: exim kept a message whose client left"
	else
		n=$((n + 1))
		delivered $n "pix-5.1: the abandoned message was not delivered"
		late_250 "$mark" ||
		    mg_fail "$m pix-5.1: no 250 into the abandoned connection"
		mg_assert_eq "$(copies "$tok-late")" 1 \
		    "$m pix-5.1: delivered after the client gave up"
	fi
	# the sender's retry: its 250, and the duplicate
	retry "$m-late-retry" "$tok-late"
	n=$((n + 1))
	delivered $n "pix-5.1: retry lost"
	late=$(copies "$tok-late")

	# ---- pix-5.1, late: the client gives up with QUIT after its wait;
	# the released CRLF and the QUIT reach the MTA in one segment
	split "$m-quit" "$tok-quit" "cmd:QUIT" reply close
	no_250 "$m-quit" "pix-5.1 (QUIT)"
	if [ "$m" = opensmtpd ]; then
		# OpenSMTPD offers no PIPELINING after HELO and refuses a
		# command that came with the end of data, dropping the message
		mg_assert_has "$MG_TMP/$m-quit.chat" \
		    "C: QUIT\\\\r\\\\n\nS: 500" "$m pix-5.1: QUIT refused"
		mg_mta wait-log "$MTA_DIR" 'Pipelining not supported' 30 ||
		    mg_fail "$m pix-5.1: no 'Pipelining not supported'"
		not_delivered $n "pix-5.1: opensmtpd kept the message"
		quit="0 (500 to the QUIT)"
	else
		mg_assert_has "$MG_TMP/$m-quit.chat" \
		    "C: QUIT\\\\r\\\\n\nS: 250" \
		    "$m pix-5.1: the late 250 comes in front of the 221"
		mg_assert_has "$MG_TMP/$m-quit.chat" "\nS: 221" \
		    "$m pix-5.1: QUIT answered"
		n=$((n + 1))
		delivered $n "pix-5.1: message released by QUIT not delivered"
		quit="$(copies "$tok-quit") (late 250 before 221)"
	fi
	mg_kill "$MG_EMU_PID"

	# ---- swallow: the end of data never reaches the MTA
	mg_start_emulate --profile pix-5.1 --set eod_split_bug=swallow \
	    --upstream "127.0.0.1:$MTA_PORT"
	split "$m-sw" "$tok-sw" close
	no_250 "$m-sw" "swallow"
	mta_250 "$m-sw" && mg_fail "$m swallow: the MTA accepted the message"
	emu_mta_cmds_has "$m-sw" 'DATA'
	not_delivered $n "swallow: a swallowed message was delivered"
	retry "$m-sw-retry" "$tok-sw"
	n=$((n + 1))
	delivered $n "swallow: retry lost"
	mg_assert_eq "$(copies "$tok-sw")" 1 "$m swallow: copies"
	mg_kill "$MG_EMU_PID"

	if [ "$m" = exim ]; then
		mg_assert_eq "$late" 1 "exim pix-5.1 late: copies"
	else
		mg_assert_eq "$late" 2 "$m pix-5.1 late: copies (duplicate)"
	fi
	mg_pass "$m pix-5.1, split end of data: no 250 in ${SILENCE} s;" \
	    "copies delivered: late, sender closed then retried: $late;" \
	    "late, sender gave up with QUIT: $quit;" \
	    "swallow, then retried: $(copies "$tok-sw")"
	mg_mta stop "$MTA_DIR"
done
