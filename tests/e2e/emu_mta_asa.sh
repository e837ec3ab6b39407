#!/bin/sh
# emu_mta_asa.sh - mailguard-emulate --profile asa and asa-allow-tls in
# front of each real MTA (Postfix, Exim, OpenSMTPD).  Asserts, against the
# MTA's own log of what it sent and received:
#  asa: the greeting reaches the client as "220 " + '*' (every byte after
#   "DDD "), EHLO keywords outside the default map come back X...X+letter
#   (the MTA's STARTTLS as XXXXXXXA on Postfix and OpenSMTPD), the client's
#   STARTTLS reaches the MTA X-filled and the MTA's 500 comes back; mail
#   still flows (message in the MTA's Maildir).
#  asa-allow-tls: STARTTLS offered and passed; a real TLS session (swaks
#   --tls) completes through the proxy and delivers, the EHLO inside TLS is
#   unmasked; %ASA-6-108007 logged.  (Debian 12's OpenSMTPD cannot finish
#   any TLS handshake, OpenSMTPD issue 1171: for it only the pass-through
#   of STARTTLS and its 220 is checked.)
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lab/emu.sh"

mg_require_root
mg_require_cmd swaks swaks
[ -x "$MG_EMULATE" ] || mg_fail "no $MG_EMULATE"
mg_tmpdir

for m in postfix exim opensmtpd; do
	mg_start_mta "$m"
	tok="asa-$m-$$"

	# ---- asa
	mg_start_emulate --profile asa --upstream "127.0.0.1:$MTA_PORT"
	emu_session "$m-asa" greet "cmd:EHLO client.lab.test" cmd:STARTTLS \
	    "cmd:MAIL FROM:<s@lab.test>" "cmd:RCPT TO:<r@lab.test>" cmd:DATA \
	    "send:Subject: $tok\r\n\r\nbody\r\n.\r\n" reply cmd:QUIT ||
	    { cat "$MG_TMP/$m-asa.chat" >&2; mg_fail "$m asa: session failed"; }
	emu_check "$m-asa" asa asa
	emu_client_has "$m-asa" '220 ****'
	emu_client_lacks "$m-asa" 'STARTTLS'
	emu_client_lacks "$m-asa" "$m.lab.test ESMTP"
	case $m in
	postfix|opensmtpd)
		emu_client_has "$m-asa" '250-XXXXXXXA\r\n' ;;
	exim)	# PIPECONNECT and CHUNKING come first: STARTTLS is the third
		emu_client_has "$m-asa" '250-XXXXXXXC\r\n' ;;
	esac
	emu_mta_cmds_has "$m-asa" 'EHLO client.lab.test\nXXXXXXXX\nMAIL FROM'
	emu_mta_cmds_lacks "$m-asa" 'STARTTLS'
	mg_mta wait-mail "$MTA_DIR" 1 60 || mg_fail "$m asa: no delivery"
	mg_mta mail "$MTA_DIR" >"$MG_TMP/$m-asa.mail"
	mg_assert_has "$MG_TMP/$m-asa.mail" "Subject: $tok" "$m asa: delivered"
	mg_kill "$MG_EMU_PID"
	mg_pass "$m asa: banner masked, STARTTLS masked both ways, mail delivered"

	# ---- asa-allow-tls
	mg_start_emulate --profile asa-allow-tls --upstream "127.0.0.1:$MTA_PORT"
	if [ "$MTA_TLS" = yes ]; then
		emu_session "$m-tls" greet "cmd:EHLO client.lab.test" \
		    cmd:STARTTLS starttls "cmd:EHLO client.lab.test" cmd:QUIT ||
		    { cat "$MG_TMP/$m-tls.chat" >&2;
		      mg_fail "$m asa-allow-tls: TLS session failed"; }
		emu_check "$m-tls" asa asa-tls
		mg_assert_has "$MG_TMP/$m-tls.chat" "TLS TLSv1" "$m TLS session"
		emu_mta_cmds_has "$m-tls" 'STARTTLS\nEHLO client.lab.test'
		swaks --server "127.0.0.1:$MG_EMU_PORT" --tls --timeout 30 \
		    --ehlo client.lab.test --from s@lab.test --to r@lab.test \
		    --header "Subject: $tok-tls" >"$MG_TMP/$m-swaks.out" 2>&1 ||
		    { mg_show "$MG_TMP/$m-swaks.out" >&2;
		      mg_fail "$m asa-allow-tls: swaks --tls failed"; }
		mg_assert_has "$MG_TMP/$m-swaks.out" "<~  250" "$m: SMTP in TLS"
		mg_mta wait-mail "$MTA_DIR" 2 60 || mg_fail "$m: TLS mail lost"
		mg_mta mail "$MTA_DIR" >"$MG_TMP/$m-tls.mail"
		mg_assert_has "$MG_TMP/$m-tls.mail" "Subject: $tok-tls" \
		    "$m asa-allow-tls: delivered over TLS"
		mg_wait_has "$MG_EMU_LOG" "108007" 10 ||
		    mg_fail "$m asa-allow-tls: no %ASA-6-108007 TLS started"
		mg_pass "$m asa-allow-tls: real TLS through the proxy, delivered"
	else
		emu_session "$m-tls" greet "cmd:EHLO client.lab.test" \
		    cmd:STARTTLS
		emu_client_has "$m-tls" '250-STARTTLS\r\n'
		emu_client_has "$m-tls" '220 2.0.0 Ready to start TLS'
		emu_mta_cmds_has "$m-tls" 'STARTTLS'
		mg_pass "$m asa-allow-tls: STARTTLS offered and passed" \
		    "(no TLS check: OpenSMTPD 6.8 cannot handshake, issue 1171)"
	fi
	mg_kill "$MG_EMU_PID"
	mg_mta stop "$MTA_DIR"
done
