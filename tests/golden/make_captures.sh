#!/bin/sh
# make_captures.sh - (re)make the project's lab captures in captures/.
#
# For each scenario: a server (Postfix's smtp-sink, a real SMTP server, or
# mailguard-emulate --profile off in front of a built-in personality) on
# 127.0.0.1:S; mailguard-emulate --profile P on 127.0.0.1:F relaying to it
# (the "firewall"); tcpdump -i lo on port F (outside) and port S (inside);
# then real clients through the firewall: swaks (one whole message) and
# Python's smtplib (EHLO, an unknown verb, STARTTLS, MAIL/RCPT with '|').
# pix-5.1 also gets a client that sends "\r\n." and "\r\n" in separate
# segments (the CSCds90792 trigger).  Needs root (tcpdump on lo).  Usage,
# from a build dir (NAME...: only those scenarios):
#	sh $top_srcdir/tests/golden/make_captures.sh $top_srcdir/captures [NAME...]
# then update captures/README.md and run tests/golden/update.sh.
set -u
out=${1:?usage: make_captures.sh OUTDIR [NAME...]}
shift
only="$*"
emu=${MG_EMULATE:-./mailguard-emulate}
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

wait_port() {	# PORT: until something listens on 127.0.0.1:PORT
	i=0
	while ! ss -Hltn "sport = :$1" | grep -q .; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "port $1 never listened" >&2; exit 1; }
		sleep 0.1
	done
}

bg() {	# NAME CMD...: start in the background, remember the pid
	n=$1; shift
	"$@" >"$tmp/$n.log" 2>&1 &
	pids="$! $pids"
	eval "pid_$n=$!"
}

python_client() {	# PORT
	python3 - "$1" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.example.org", timeout=20)
s.ehlo()
s.docmd("goodmorning")
s.docmd("STARTTLS")
s.docmd("MAIL FROM:<alice|ops@example.org>")
s.docmd("RCPT TO:<bob@example.net>")
s.docmd("RSET")
s.quit()
PY
}

# End of data split over two segments, then QUIT after a 5 s wait for
# the 250 that a PIX 5.1 never lets through.
eod_client() {	# PORT
	python3 - "$1" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
def rd():
    try:
        return s.recv(4096)
    except socket.timeout:
        return b""
rd()
for cmd in (b"HELO client.example.org\r\n", b"MAIL FROM:<alice@example.org>\r\n",
            b"RCPT TO:<bob@example.net>\r\n", b"DATA\r\n"):
    s.sendall(cmd); rd()
s.sendall(b"Subject: eod split\r\n\r\nhello\r\n.")
time.sleep(0.3)
s.sendall(b"\r\n")
s.settimeout(5)
rd()
s.sendall(b"QUIT\r\n")
s.settimeout(3)
rd()
s.close()
PY
}

# scenario NAME PROFILE SERVER(sink|builtin:NAME) [EXTRA-CLIENT]
scenario() {
	name=$1 prof=$2 srv=$3 extra=${4:-}
	if [ -n "$only" ]; then
		case " $only " in *" $name "*) ;; *) return 0 ;; esac
	fi
	s=$(( 21000 + $(od -An -N2 -tu2 /dev/urandom) % 4000 ))
	f=$((s + 4000))
	case $srv in
	sink) bg srv smtp-sink -u nobody 127.0.0.1:"$s" 20 ;;
	builtin:*) bg srv "$emu" --profile off --listen 127.0.0.1:"$s" \
	    --upstream "$srv" --hostname mail.example.net ;;
	esac
	wait_port "$s"
	# $prof is split into words: a profile name and --set options
	# shellcheck disable=SC2086
	bg fw "$emu" --profile $prof --listen 127.0.0.1:"$f" \
	    --upstream 127.0.0.1:"$s"
	wait_port "$f"
	bg tdo tcpdump -i lo -U --immediate-mode -s 0 -w "$tmp/o.pcap" "tcp port $f"
	bg tdi tcpdump -i lo -U --immediate-mode -s 0 -w "$tmp/i.pcap" "tcp port $s"
	for t in tdo tdi; do
		i=0
		until grep -q "listening on" "$tmp/$t.log"; do
			i=$((i + 1)); [ $i -gt 100 ] && exit 1; sleep 0.1
		done
	done
	sleep 1		# "listening on" comes before the ring is live
	swaks --server 127.0.0.1:"$f" --helo client.example.org \
	    --from alice@example.org --to bob@example.net \
	    --header "Subject: lab capture $name" --body "hello from $name" \
	    >"$tmp/swaks.log" 2>&1 ||
	    echo "$name: swaks failed (as a client behind this box would):" \
	    "$(grep '^<\*\*' "$tmp/swaks.log" | head -1)"
	python_client "$f" >"$tmp/py.log" 2>&1 || { cat "$tmp/py.log"; exit 1; }
	if [ -n "$extra" ]; then
		"$extra" "$f" >"$tmp/extra.log" 2>&1 ||
		    { cat "$tmp/extra.log"; exit 1; }
	fi
	sleep 1
	eval "kill -INT \$pid_tdo \$pid_tdi"
	sleep 1
	eval "kill \$pid_fw \$pid_srv"
	sleep 0.3
	cp "$tmp/o.pcap" "$out/$name-outside.pcap"
	cp "$tmp/i.pcap" "$out/$name-inside.pcap"
	echo "$name: profile $prof, server $srv, firewall port $f, server port $s"
}

scenario lab-off-smtpsink off sink
scenario lab-asa-exchange2003 asa builtin:exchange2003
scenario lab-asa-smtpsink asa sink
scenario lab-pix63-postfix pix-6.3 builtin:postfix
scenario lab-pix44-sendmail pix-4.4 builtin:sendmail
scenario lab-pix41-exchange2003 pix-4.1 builtin:exchange2003
# swallow: the committed capture predates pix-5.1's default "late" (the
# held CRLF would go out in front of the client's QUIT and draw a late 250)
scenario lab-pix51-postfix "pix-5.1 --set eod_split_bug=swallow" \
    builtin:postfix eod_client
