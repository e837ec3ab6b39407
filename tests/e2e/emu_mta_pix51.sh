#!/bin/sh
# emu_mta_pix51.sh - the PIX 5.1 end-of-data bug (CSCds90792) through
# mailguard-emulate in front of each real MTA (Postfix, Exim, OpenSMTPD).
# A client that sends "\r\n." and the final "\r\n" in separate TCP
# segments (TCP_NODELAY, two send() calls 300 ms apart) gets no 250: the
# MTA never sees the end of data (its log stops at 354) and delivers
# nothing; the sender's retry, split the same way, fails the same way (the
# "again and again" of the symptom); a retry that sends ".\r\n" in one
# segment (what Postfix's smtp client does as a workaround) is delivered,
# exactly once.  Control: the same split through --profile off gets its 250
# at once.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lab/emu.sh"

mg_require_root
[ -x "$MG_EMULATE" ] || mg_fail "no $MG_EMULATE"
mg_tmpdir

# split NAME TOKEN SILENCE: one message whose end of data is split
split()
{
	emu_session "$1" greet "cmd:HELO client.lab.test" \
	    "cmd:MAIL FROM:<s@lab.test>" "cmd:RCPT TO:<r@lab.test>" cmd:DATA \
	    "send:Subject: $2\r\nMessage-ID: <$2@lab.test>\r\n\r\nbody\r\n." \
	    pause:300 "send:\r\n" "expect-silence:$3" close
}

for m in postfix exim opensmtpd; do
	mg_start_mta "$m"
	tok="eod-$m-$$"

	# ---- control: off delivers the split message at once
	mg_start_emulate --profile off --upstream "127.0.0.1:$MTA_PORT"
	split "$m-off" "$tok-off" 20
	mg_assert_has "$MG_TMP/$m-off.chat" "GOT\nS: 250" \
	    "$m off: a split end of data is answered"
	mg_mta wait-mail "$MTA_DIR" 1 60 || mg_fail "$m off: not delivered"
	mg_kill "$MG_EMU_PID"

	# ---- pix-5.1
	mg_start_emulate --profile pix-5.1 --upstream "127.0.0.1:$MTA_PORT"
	for try in 1 2; do
		split "$m-eod$try" "$tok" 4
		mg_assert_has "$MG_TMP/$m-eod$try.chat" "SILENT" \
		    "$m pix-5.1 try $try: no reply to the split end of data"
		# the MTA never accepted it: no 250 after its 354 (it logs a
		# 421 or a lost connection when the client gives up)
		mg_assert_has "$MG_TMP/$m-eod$try.mta-replies" "\n354 " \
		    "$m pix-5.1 try $try: MTA asked for data"
		if sed -n '/^354 /,$p' "$MG_TMP/$m-eod$try.mta-replies" |
		    grep -q '^250'; then
			mg_fail "$m pix-5.1 try $try: the MTA accepted the message"
		fi
		emu_mta_cmds_has "$m-eod$try" 'DATA'
	done
	sleep 1
	mg_assert_eq "$(mg_mta count "$MTA_DIR")" 1 \
	    "$m pix-5.1: the split messages were not delivered"
	# the retry with the terminator in one segment gets through
	emu_session "$m-retry" greet "cmd:HELO client.lab.test" \
	    "cmd:MAIL FROM:<s@lab.test>" "cmd:RCPT TO:<r@lab.test>" cmd:DATA \
	    "send:Subject: $tok\r\nMessage-ID: <$tok@lab.test>\r\n\r\nbody" \
	    pause:300 "send:\r\n.\r\n" reply cmd:QUIT ||
	    { cat "$MG_TMP/$m-retry.chat" >&2; mg_fail "$m: retry failed"; }
	mg_assert_has "$MG_TMP/$m-retry.chat" "C: \\\\r\\\\n.\\\\r\\\\n\nS: 250" \
	    "$m pix-5.1: an unsplit end of data is answered"
	mg_mta wait-mail "$MTA_DIR" 2 60 || mg_fail "$m pix-5.1: retry lost"
	sleep 1
	mg_assert_eq "$(mg_mta count "$MTA_DIR")" 2 "$m: delivered messages"
	mg_mta mail "$MTA_DIR" >"$MG_TMP/$m.mail"
	mg_assert_eq "$(mg_count "$MG_TMP/$m.mail" "Message-ID: <$tok@lab.test>")" 1 \
	    "$m pix-5.1: copies of the message"
	mg_kill "$MG_EMU_PID"
	mg_pass "$m pix-5.1: split end of data never answered (twice), unsplit retry delivered once"
	mg_mta stop "$MTA_DIR"
done
