#!/bin/sh
# lab_mta.sh - the three real MTAs of the lab (Postfix, Exim, OpenSMTPD) run
# side by side on loopback ports chosen now, each takes a message from swaks
# directly, and the message is found in its Maildir; the MTA's own log shows
# the commands it received.  Postfix and Exim must complete STARTTLS.
. "${top_srcdir:-.}/tests/lib.sh"

mg_require_root
mg_require_cmd swaks swaks
mg_tmpdir

# all three at once: each must get its own port and keep it
for m in postfix exim opensmtpd; do
	mg_start_mta "$m"
	eval "port_$m=$MTA_PORT"
done
[ "$port_postfix" != "$port_exim" ] && [ "$port_exim" != "$port_opensmtpd" ] &&
    [ "$port_postfix" != "$port_opensmtpd" ] ||
    mg_fail "ports not distinct: $port_postfix $port_exim $port_opensmtpd"
for m in postfix exim opensmtpd; do
	eval "p=\$port_$m"
	mg_wait_port 127.0.0.1 "$p" 5 || mg_fail "$m stopped listening on $p"
done

# greeting that names the MTA, so we know who answered on that port
banner_postfix='ESMTP Postfix'
banner_exim='ESMTP Exim 4.'
banner_opensmtpd='ESMTP OpenSMTPD'

for m in postfix exim opensmtpd; do
	. "$MG_TMP/$m/env"
	token="lab-mta-$m-$$-$(date +%s%N)"
	tls=--tls
	[ "$MTA_TLS" = yes ] || tls=
	out=$MG_TMP/swaks-$m.out
	# shellcheck disable=SC2086
	swaks --server "127.0.0.1:$MTA_PORT" --ehlo client.lab.test \
	    --from "sender@lab.test" --to "rcpt-$m@lab.test" \
	    --header "Subject: $token" --body "body of $token" \
	    --timeout 30 $tls >"$out" 2>&1 ||
	    { mg_show "$out" >&2; mg_fail "$m: swaks failed"; }
	eval "b=\$banner_$m"
	mg_assert_has "$out" "<-  220 " "$m greeting"
	mg_assert_has "$out" "$b" "$m names itself in the greeting"
	mg_assert_has "$out" "250-STARTTLS" "$m offers STARTTLS"
	if [ -n "$tls" ]; then
		# after the handshake swaks marks server lines with <~
		mg_assert_has "$out" "<~  250" "$m: TLS session carried SMTP"
	fi
	mg_assert_has "$out" " 354 " "$m asked for the message data"
	mg_mta wait-mail "$MTA_DIR" 1 60 ||
	    mg_fail "$m: no message delivered to $MTA_MAIL"
	mg_mta mail "$MTA_DIR" >"$MG_TMP/mail-$m.txt"
	mg_assert_has "$MG_TMP/mail-$m.txt" "Subject: $token" \
	    "$m delivered the message"
	mg_assert_has "$MG_TMP/mail-$m.txt" "body of $token" "$m body"
	mg_assert_eq "$(mg_mta count "$MTA_DIR")" 1 "$m: messages delivered"
	mg_mta commands "$MTA_DIR" >"$MG_TMP/cmds-$m.txt"
	mg_assert_has "$MG_TMP/cmds-$m.txt" \
	    "EHLO client.lab.test\nMAIL FROM:<sender@lab.test>" \
	    "$m logged the commands it received"
	mg_assert_has "$MG_TMP/cmds-$m.txt" "RCPT TO:<rcpt-$m@lab.test>\nDATA" \
	    "$m logged RCPT and DATA"
	if [ -n "$tls" ]; then
		mg_assert_has "$MG_TMP/cmds-$m.txt" "STARTTLS\nEHLO" \
		    "$m logged STARTTLS"
	fi
	mg_pass "$m on port $MTA_PORT: greeting, delivery, command log${tls:+, STARTTLS}"
done
