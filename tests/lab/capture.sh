#!/bin/sh
# tests/lab/capture.sh - record one real SMTP session through
# mailguard-emulate in front of a real MTA, with tcpdump on both sides of
# the emulator: the capture pairs (outside = client <-> emulator, inside =
# emulator <-> MTA) that the capture analyzer and its golden tests use.
#
# USAGE (root; tests/lab/install.sh has run)
#	capture.sh PROFILE MTA OUTDIR [CLIENT]
#	  PROFILE  an emulator profile (off, pix-4.1 ... asa-allow-tls)
#	  MTA      postfix | exim | opensmtpd
#	  CLIENT   swaks (default: EHLO, STARTTLS when offered unmasked and
#	           the MTA can do TLS, one message) or chat (a plain
#	           smtpchat.py dialogue: EHLO, HELO, STARTTLS, one message)
#	Writes OUTDIR/PROFILE-MTA-outside.pcap, PROFILE-MTA-inside.pcap and
#	PROFILE-MTA.txt (provenance: programs, versions, commands, ports;
#	one line to copy into captures/README.md).
#	MG_EMULATE (default ./mailguard-emulate) names the emulator.
#
# Both captures are taken on the loopback interface with a port filter,
# full snap length, flushed per packet (-U), and stopped only after the
# session has ended, so FIN/ACK exchanges are complete.

set -u
LAB_DIR=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$LAB_DIR/../.." && pwd)}
. "$top_srcdir/tests/lib.sh"
MG_TEST_NAME=capture.sh

[ $# -ge 3 ] || {
	echo "usage: capture.sh PROFILE MTA OUTDIR [swaks|chat]" >&2
	exit 2
}
PROFILE=$1 MTA=$2 OUT=$3 CLIENT=${4:-swaks}
mg_require_root
mg_require_cmd tcpdump tcpdump
[ -x "$MG_EMULATE" ] || mg_fail "no emulator at $MG_EMULATE (set MG_EMULATE)"
mkdir -p "$OUT" || mg_fail "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
base=$OUT/$PROFILE-$MTA
mg_tmpdir
mg_start_mta "$MTA"
mg_start_emulate --profile "$PROFILE" --upstream "127.0.0.1:$MTA_PORT"

for side in outside inside; do
	port=$MG_EMU_PORT
	[ "$side" = inside ] && port=$MTA_PORT
	mg_start_bg "tcpdump-$side" tcpdump -i lo -nn -U -s 0 \
	    -w "$base-$side.pcap" "tcp port $port"
	eval "dump_$side=$MG_BG_PID"
	mg_wait_has "$MG_BG_LOG" "listening on" 20 ||
	    mg_fail "tcpdump on the $side did not start"
done

tok="mailguard-lab-$PROFILE-$MTA"
case $CLIENT in
swaks)
	tls=
	[ "$MTA_TLS" = yes ] && tls=--tls-optional
	cmd="swaks --server 127.0.0.1:$MG_EMU_PORT --ehlo client.lab.test"
	cmd="$cmd --from sender@lab.test --to rcpt@lab.test"
	cmd="$cmd --header 'Subject: $tok' --body 'lab capture $tok' $tls"
	# shellcheck disable=SC2086
	swaks --server "127.0.0.1:$MG_EMU_PORT" --ehlo client.lab.test \
	    --from sender@lab.test --to rcpt@lab.test \
	    --header "Subject: $tok" --body "lab capture $tok" \
	    --timeout 20 $tls >"$MG_TMP/client.out" 2>&1
	;;
chat)
	cmd="smtpchat.py 127.0.0.1 $MG_EMU_PORT greet 'cmd:EHLO client.lab.test'"
	cmd="$cmd 'cmd:HELO client.lab.test' cmd:STARTTLS ... cmd:QUIT"
	mg_chat client 127.0.0.1 "$MG_EMU_PORT" greet \
	    "cmd:EHLO client.lab.test" "cmd:HELO client.lab.test" \
	    cmd:STARTTLS "cmd:MAIL FROM:<sender@lab.test>" \
	    "cmd:RCPT TO:<rcpt@lab.test>" cmd:DATA \
	    "send:Subject: $tok\r\n\r\nlab capture $tok\r\n.\r\n" reply \
	    cmd:QUIT
	;;
*)
	mg_fail "unknown client $CLIENT"
	;;
esac
# let the closing segments reach both captures, then stop tcpdump (it
# writes its buffered packets on SIGTERM)
sleep 1
mg_kill "$dump_outside"
mg_kill "$dump_inside"

ver_exim=$(dpkg-deb -f "${MG_LAB_CACHE:-/var/cache/mailguard-lab}"/debs/exim4-daemon-light_*.deb Version 2>/dev/null)
ver_osmtpd=$(dpkg-deb -f "${MG_LAB_CACHE:-/var/cache/mailguard-lab}"/debs/opensmtpd_*.deb Version 2>/dev/null)
case $MTA in
postfix)	ver=$(postconf -h mail_version 2>/dev/null || echo '?')
		ver="Postfix $(dpkg-query -W -f='${Version}' postfix 2>/dev/null || echo "$ver")" ;;
exim)		ver="Exim $ver_exim" ;;
opensmtpd)	ver="OpenSMTPD $ver_osmtpd" ;;
esac
cat >"$base.txt" <<EOF
$PROFILE-$MTA-{outside,inside}.pcap: tests/lab/capture.sh $PROFILE $MTA OUT $CLIENT -- client ($CLIENT) -> mailguard-emulate --profile $PROFILE ($("$MG_EMULATE" --version 2>&1 | head -n 1)) on 127.0.0.1:$MG_EMU_PORT -> $ver on 127.0.0.1:$MTA_PORT; tcpdump -i lo -s 0 ($(tcpdump --version 2>&1 | head -n 1)) on each port; $(date -u +%Y-%m-%d).
client command: $cmd
EOF
cat "$base.txt"
