#!/bin/sh
# emu_mta_pix.sh - mailguard-emulate under the PIX profiles (pix-6.3,
# pix-4.4, pix-4.1) and the off control, in front of each real MTA
# (Postfix, Exim, OpenSMTPD).  What the client saw is checked against what
# the MTA sent and received (its own log), with the oracle of
# tests/lab/emucheck.py where the box only rewrites:
#  off:     every byte passes both ways (EHLO, STARTTLS reach the MTA).
#  pix-6.3: greeting by the 2/0 rule; EHLO reaches the MTA as NOOP (same
#           length), so the client sees the MTA's NOOP answer and no ESMTP
#           keyword at all; STARTTLS and goodmorning never reach the MTA
#           as such; mail still flows with HELO.
#  pix-4.4: greeting masked after 4 bytes; refused commands X-filled: the
#           MTA receives X's and its own error comes back.
#  pix-4.1: the box answers refused commands itself with "250 OK" and the
#           MTA never sees them; the greeting becomes 220 SMTP/cmap...
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lab/emu.sh"

mg_require_root
[ -x "$MG_EMULATE" ] || mg_fail "no $MG_EMULATE"
mg_tmpdir

# session NAME TOKEN NMAIL [STEP]: the same client dialogue for every
# profile; STEP (cmd:STARTTLS) only where the box refuses it (with "off"
# the MTA would start TLS)
session()
{
	emu_session "$1" greet "cmd:EHLO client.lab.test" ${4:-pause:0} \
	    cmd:goodmorning "cmd:HELO client.lab.test" \
	    "cmd:MAIL FROM:<s@lab.test>" "cmd:RCPT TO:<r@lab.test>" cmd:DATA \
	    "send:Subject: $2\r\n\r\nbody\r\n.\r\n" reply cmd:QUIT ||
	    { cat "$MG_TMP/$1.chat" >&2; mg_fail "$1: session failed"; }
	mg_mta wait-mail "$MTA_DIR" "$3" 60 || mg_fail "$1: no delivery"
	mg_mta mail "$MTA_DIR" >"$MG_TMP/$1.mail"
	mg_assert_has "$MG_TMP/$1.mail" "Subject: $2" "$1: delivered"
}

for m in postfix exim opensmtpd; do
	mg_start_mta "$m"
	n=0

	# ---- off: the control
	mg_start_emulate --profile off --upstream "127.0.0.1:$MTA_PORT"
	n=$((n + 1)); session "$m-off" "off-$m-$$" "$n"
	emu_check "$m-off" off off
	emu_client_has "$m-off" '250-STARTTLS\r\n'
	emu_client_has "$m-off" "220 $m.lab.test ESMTP"
	emu_mta_cmds_has "$m-off" 'EHLO client.lab.test\ngoodmorning\n'
	mg_kill "$MG_EMU_PID"
	mg_pass "$m off: every byte passes"

	# ---- pix-6.3
	mg_start_emulate --profile pix-6.3 --upstream "127.0.0.1:$MTA_PORT"
	n=$((n + 1)); session "$m-pix63" "pix63-$m-$$" "$n" cmd:STARTTLS
	emu_check "$m-pix63" zero-two off
	emu_mta_cmds_has "$m-pix63" 'NOOP client.lab.test\n'
	emu_mta_cmds_lacks "$m-pix63" 'EHLO'
	emu_mta_cmds_lacks "$m-pix63" 'STARTTLS'
	emu_mta_cmds_lacks "$m-pix63" 'goodmorning'
	emu_mta_cmds_has "$m-pix63" 'HELO client.lab.test\nMAIL FROM:<s@lab.test>'
	emu_client_lacks "$m-pix63" '250-'
	emu_client_lacks "$m-pix63" 'STARTTLS'
	emu_client_lacks "$m-pix63" "$m.lab.test ESMTP"
	mg_kill "$MG_EMU_PID"
	mg_pass "$m pix-6.3: 2/0 banner, EHLO reaches the MTA as NOOP, no ESMTP"

	# ---- pix-4.4
	mg_start_emulate --profile pix-4.4 --upstream "127.0.0.1:$MTA_PORT"
	n=$((n + 1)); session "$m-pix44" "pix44-$m-$$" "$n" cmd:STARTTLS
	emu_check "$m-pix44" after4 off
	# "EHLO client.lab.test" is 20 bytes: 20 X's at the MTA
	emu_mta_cmds_has "$m-pix44" 'XXXXXXXXXXXXXXXXXXXX\n'
	emu_mta_cmds_lacks "$m-pix44" 'EHLO'
	emu_mta_cmds_lacks "$m-pix44" 'STARTTLS'
	emu_client_lacks "$m-pix44" '250-'
	mg_kill "$MG_EMU_PID"
	mg_pass "$m pix-4.4: banner masked after 4 bytes, refused verbs X-filled"

	# ---- pix-4.1: the box answers refused commands itself
	mg_start_emulate --profile pix-4.1 --upstream "127.0.0.1:$MTA_PORT"
	n=$((n + 1)); session "$m-pix41" "pix41-$m-$$" "$n" cmd:STARTTLS
	emu_client_has "$m-pix41" '220 SMTP/cmap'
	# EHLO, STARTTLS, goodmorning: three "250 OK" from the box
	mg_assert_has "$MG_TMP/$m-pix41.chat" \
	    "C: EHLO client.lab.test\\\\r\\\\n\nS: 250 OK\nC: STARTTLS\\\\r\\\\n\nS: 250 OK\nC: goodmorning\\\\r\\\\n\nS: 250 OK\n" \
	    "$m pix-4.1: the box said 250 OK to EHLO, STARTTLS, goodmorning"
	emu_mta_cmds_lacks "$m-pix41" 'EHLO'
	emu_mta_cmds_lacks "$m-pix41" 'STARTTLS'
	emu_mta_cmds_lacks "$m-pix41" 'goodmorning'
	emu_mta_cmds_has "$m-pix41" 'HELO client.lab.test\nMAIL FROM:<s@lab.test>'
	# the MTA's own replies still reach the client unchanged
	tail -n +2 "$MG_TMP/$m-pix41.mta-replies" >"$MG_TMP/$m-pix41.later"
	while IFS= read -r line; do
		emu_client_has "$m-pix41" "$line\r\n"
	done <"$MG_TMP/$m-pix41.later"
	mg_kill "$MG_EMU_PID"
	mg_pass "$m pix-4.1: box answers refused verbs with 250 OK, never forwards them"

	mg_mta stop "$MTA_DIR"
done
