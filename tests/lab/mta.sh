#!/bin/sh
# tests/lab/mta.sh - start and stop real MTAs (Postfix, Exim, OpenSMTPD) in
# private folders on chosen ports, for mailguard's end-to-end tests.
#
# USAGE (root; tests/lab/install.sh must have run)
#	mta.sh start postfix|exim|opensmtpd DIR [PORT [HOST]]
#		DIR is created (it must not hold a running MTA); PORT defaults
#		to a free one, HOST to 127.0.0.1.  Prints shell assignments to
#		eval (also saved in DIR/env):
#		  MTA_NAME MTA_HOST MTA_PORT MTA_DIR
#		  MTA_MAIL  Maildir where delivered mail lands (new/)
#		  MTA_LOG   log holding every command the MTA received
#		  MTA_TLS   yes when a STARTTLS handshake can complete
#		Every MTA accepts any recipient @lab.test from anywhere,
#		relays nothing, offers STARTTLS with a self-signed certificate.
#	mta.sh stop DIR		stop it (by its recorded pids), idempotent
#	mta.sh commands DIR [OFFSET]
#				commands the MTA received, one per line, as the
#				MTA logged them (Postfix "< host: CMD", Exim
#				"SMTP<< CMD", OpenSMTPD "<<< CMD"); Exim trims
#				trailing blanks
#	mta.sh replies DIR [OFFSET]
#				reply lines the MTA sent (greeting included)
#	mta.sh mark DIR		the log's size now: an OFFSET for the two
#				above, to see only what came after
#	mta.sh count DIR	number of messages delivered
#	mta.sh mail DIR		every delivered message, oldest first
#	mta.sh wait-mail DIR N SECS	until N messages are delivered
#	mta.sh wait-log DIR TEXT SECS	until the log holds TEXT
#
# Where things go: Postfix logs to DIR/log (maillog_file, with
# debug_peer_list=127.0.0.1 so smtpd logs each command); Exim runs in the
# foreground with debug "receive" output in DIR/log (SMTP<< / SMTP>>) and
# its own logs in DIR/exim-log/; OpenSMTPD runs with -d -T smtp, trace in
# DIR/log.  OpenSMTPD keeps its queue in the compiled-in /var/spool/smtpd,
# so instances are serialised with a lock (flock).  Debian 12's OpenSMTPD
# 6.8.0p2 fails every TLS handshake with OpenSSL 3 (upstream OpenSMTPD
# issue 1171, "EVP lib"): it offers STARTTLS and answers 220, then the
# handshake fails; MTA_TLS=no says so.

set -u
MG_LAB_CACHE=${MG_LAB_CACHE:-/var/cache/mailguard-lab}
ROOT=$MG_LAB_CACHE/root
LAB_DIR=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$LAB_DIR/../.." && pwd)}
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"
MG_TEST_NAME=mta.sh
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
OSMTPD_LOCK=/run/lock/mailguard-opensmtpd.lock

usage()
{
	echo "usage: mta.sh start NAME DIR [PORT [HOST]] | stop DIR |" \
	    "commands|replies DIR [OFFSET] | mark DIR | count DIR |" \
	    "mail DIR | wait-mail DIR N SECS |" \
	    "wait-log DIR TEXT SECS" >&2
	exit 2
}

die()
{
	echo "mta.sh: $*" >&2
	exit 1
}

# cert DIR CN [ec]: a self-signed certificate for STARTTLS
cert()
{
	if [ "${3:-}" = ec ]; then
		set -- "$1" "$2" -newkey ec -pkeyopt ec_paramgen_curve:prime256v1
	else
		set -- "$1" "$2" -newkey rsa:2048
	fi
	_cd=$1 _cn=$2
	shift 2
	openssl req -x509 "$@" -nodes -days 3650 -subj "/CN=$_cn" \
	    -keyout "$_cd/key.pem" -out "$_cd/cert.pem" >/dev/null 2>&1 ||
	    die "openssl could not make a certificate"
	chmod 600 "$_cd/key.pem"
}

maildir()
{
	mkdir -p "$1/mail/new" "$1/mail/cur" "$1/mail/tmp"
	chown -R "$NOBODY_UID:$NOBODY_GID" "$1/mail"
	chmod 755 "$1/mail"
}

start_postfix()
{
	_d=$DIR
	mkdir -p "$_d/etc" "$_d/queue" "$_d/data"
	chown postfix "$_d/data"
	cert "$_d/etc" postfix.lab.test
	cat >"$_d/etc/main.cf" <<EOF
# private Postfix instance made by mailguard tests/lab/mta.sh
compatibility_level = 3.6
queue_directory = $_d/queue
data_directory = $_d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.lab.test
mydomain = lab.test
myorigin = \$myhostname
mydestination =
inet_interfaces = $HOST
inet_protocols = $(case $HOST in *:*) echo ipv6 ;; *) echo ipv4 ;; esac)
mynetworks = 127.0.0.0/8 [::1]/128
relay_domains =
virtual_mailbox_domains = lab.test
virtual_mailbox_base = $_d
virtual_mailbox_maps = static:mail/
virtual_uid_maps = static:$NOBODY_UID
virtual_gid_maps = static:$NOBODY_GID
virtual_minimum_uid = 1
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_error_sleep_time = 0
maillog_file = $_d/log
maillog_file_prefixes = $_d
debug_peer_list = 0.0.0.0/0 [::]/0
smtpd_tls_cert_file = $_d/etc/cert.pem
smtpd_tls_key_file = $_d/etc/key.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
alias_maps =
alias_database =
biff = no
smtputf8_enable = yes
EOF
	_l=$PORT
	case $HOST in
	*:*)	_l="[$HOST]:$PORT" ;;
	*)	_l="$HOST:$PORT" ;;
	esac
	cat >"$_d/etc/master.cf" <<EOF
$_l inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
proxywrite unix - - n -  1 proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
local     unix  - n n -  - local
virtual   unix  - n n -  - virtual
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
	postfix -c "$_d/etc" start >>"$_d/start.log" 2>&1 ||
	    die "postfix start failed: $(tail -n 5 "$_d/log" "$_d/start.log")"
	_pid=$(tr -d ' ' <"$_d/queue/pid/master.pid" 2>/dev/null)
	echo "$_pid" >"$_d/pid"
	echo yes >"$_d/tls"
}

start_exim()
{
	_d=$DIR
	mkdir -p "$_d/spool" "$_d/exim-log"
	cert "$_d" exim.lab.test
	cat >"$_d/exim.conf" <<EOF
# private Exim instance made by mailguard tests/lab/mta.sh
primary_hostname = exim.lab.test
qualify_domain = lab.test
daemon_smtp_ports = $PORT
local_interfaces = <; $HOST
exim_path = $ROOT/usr/sbin/exim4
exim_user = root
exim_group = root
spool_directory = $_d/spool
log_file_path = $_d/exim-log/%slog
pid_file_path = $_d/exim.pid
keep_environment =
domainlist local_domains = lab.test
acl_smtp_rcpt = acl_rcpt
acl_smtp_data = acl_data
tls_advertise_hosts = *
tls_certificate = $_d/cert.pem
tls_privatekey = $_d/key.pem
host_lookup =
rfc1413_hosts =
log_selector = +smtp_connection +smtp_syntax_error +smtp_protocol_error \\
    +smtp_incomplete_transaction +tls_cipher +received_recipients
begin acl
acl_rcpt:
  accept domains = +local_domains
  deny message = relay not permitted
acl_data:
  accept
begin routers
lab_local:
  driver = accept
  domains = +local_domains
  transport = lab_maildir
begin transports
lab_maildir:
  driver = appendfile
  directory = $_d/mail
  maildir_format
  user = nobody
  group = $NOBODY_GID
  mode = 0644
  delivery_date_add
  envelope_to_add
  return_path_add
begin retry
*  *  F,1h,1m
EOF
	# -bdf: daemon in the foreground; -d-all+receive: the SMTP dialogue
	# (SMTP<< / SMTP>>) on stderr, which is what tests read.
	setsid "$ROOT/usr/sbin/exim4" -C "$_d/exim.conf" -bdf \
	    -d-all+receive </dev/null >>"$_d/log" 2>&1 &
	echo $! >"$_d/pid"
	echo yes >"$_d/tls"
}

start_opensmtpd()
{
	_d=$DIR
	cert "$_d" opensmtpd.lab.test ec
	_tls="tls pki opensmtpd.lab.test"
	cat >"$_d/smtpd.conf" <<EOF
# private OpenSMTPD instance made by mailguard tests/lab/mta.sh
pki opensmtpd.lab.test cert "$_d/cert.pem"
pki opensmtpd.lab.test key "$_d/key.pem"
table vusers { "@lab.test" = "nobody" }
listen on $HOST port $PORT $_tls hostname opensmtpd.lab.test
action "lab" maildir "$_d/mail" virtual <vusers>
match from any for domain "lab.test" action "lab"
EOF
	"$ROOT/usr/sbin/smtpd" -n -f "$_d/smtpd.conf" >"$_d/check.log" 2>&1 ||
	    die "smtpd.conf rejected: $(cat "$_d/check.log")"
	mkdir -p "$(dirname "$OSMTPD_LOCK")"
	# One instance at a time: the queue and control socket are global.
	# Under the lock, an instance killed earlier may have left messages
	# for a Maildir that no longer exists: empty the queue first (only
	# when OpenSMTPD is not really installed: then the spool is ours).
	_purge=:
	dpkg-query -W -f='${Status}' opensmtpd 2>/dev/null |
	    grep -q 'install ok installed' ||
	    _purge='rm -rf /var/spool/smtpd/queue/* /var/spool/smtpd/incoming/* /var/spool/smtpd/temporary/* /var/spool/smtpd/corrupt/* /var/spool/smtpd/offline/* /var/spool/smtpd/purge/*'
	# OpenSMTPD asks DNS directly (res_query) for the client's PTR and
	# then the name's A record, /etc/hosts or not: in a private mount
	# namespace it gets a resolv.conf that points at 127.0.0.1, so no
	# query leaves the machine (and none waits for a timeout).
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
	    >"$_d/resolv.conf"
	setsid flock -w 180 "$OSMTPD_LOCK" unshare -m sh -c \
	    "mount --bind '$_d/resolv.conf' /etc/resolv.conf && $_purge &&
	    exec \"\$0\" \"\$@\"" \
	    "$ROOT/usr/sbin/smtpd" -d -T smtp -f "$_d/smtpd.conf" \
	    </dev/null >>"$_d/log" 2>&1 &
	echo $! >"$_d/pid"
	echo no >"$_d/tls"
}

cmd_start()
{
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	[ $# -ge 2 ] || usage
	NAME=$1 DIR=$2 PORT=${3:-} HOST=${4:-127.0.0.1}
	sh "$LAB_DIR/install.sh" --check ||
	    sh "$LAB_DIR/install.sh" >&2 || die "lab install failed"
	mkdir -p "$DIR" || die "cannot create $DIR"
	DIR=$(cd "$DIR" && pwd)
	[ -f "$DIR/pid" ] && mg_alive "$(cat "$DIR/pid")" &&
	    die "$DIR already runs an MTA"
	chmod 755 "$DIR"
	[ -n "$PORT" ] || PORT=$(mg_free_port "$HOST")
	maildir "$DIR"
	: >"$DIR/log"
	case $NAME in
	postfix)	start_postfix ;;
	exim)		start_exim ;;
	opensmtpd)	start_opensmtpd ;;
	*)		usage ;;
	esac
	# OpenSMTPD may wait for the lock of another instance
	_t=30
	[ "$NAME" = opensmtpd ] && _t=200
	if ! mg_wait_port "$HOST" "$PORT" "$_t" "$(cat "$DIR/pid")"; then
		tail -n 20 "$DIR/log" >&2
		cmd_stop "$DIR"
		die "$NAME did not listen on $HOST:$PORT"
	fi
	cat >"$DIR/env" <<EOF
MTA_NAME=$NAME
MTA_HOST=$HOST
MTA_PORT=$PORT
MTA_DIR=$DIR
MTA_MAIL=$DIR/mail
MTA_LOG=$DIR/log
MTA_TLS=$(cat "$DIR/tls")
EOF
	cat "$DIR/env"
}

cmd_stop()
{
	_d=$1
	[ -f "$_d/pid" ] || return 0
	_pid=$(cat "$_d/pid")
	if [ -f "$_d/etc/main.cf" ] && mg_alive "$_pid"; then
		postfix -c "$_d/etc" stop >/dev/null 2>&1
	fi
	mg_kill "$_pid"
	rm -f "$_d/pid"
}

# messages: delivered Maildir files, oldest first
messages()
{
	ls -tr "$1"/mail/new/* "$1"/mail/cur/* 2>/dev/null
}

cmd_count()
{
	messages "$1" | wc -l | tr -d ' '
}

cmd_mail()
{
	for _f in $(messages "$1"); do
		printf '=== %s\n' "$_f"
		cat "$_f"
	done
}

# since DIR [OFFSET]: the log from byte OFFSET on (see mark)
since()
{
	tail -c +"$((${2:-0} + 1))" "$1/log"
}

cmd_mark()
{
	wc -c <"$1/log" | tr -d ' '
}

cmd_commands()
{
	since "$@" | sed -n \
	    -e 's/^.*postfix\/smtpd\[[0-9]*\]: < [^ ]*: \(.*\)$/\1/p' \
	    -e 's/^ *[0-9]* SMTP<< \(.*\)$/\1/p' \
	    -e 's/^smtp: 0x[0-9a-f]*: <<< \(.*\)$/\1/p'
}

# replies: every reply line the MTA sent, greeting included; Exim's debug
# output prints the continuation lines of a reply indented under SMTP>>.
cmd_replies()
{
	since "$@" | awk '
	    /postfix\/smtpd\[[0-9]+\]: > [^ ]*: / {
		sub(/^.*postfix\/smtpd\[[0-9]+\]: > [^ ]*: /, ""); print
		next }
	    /^ *[0-9]+ SMTP>> [0-9][0-9][0-9]/ {
		sub(/^ *[0-9]+ SMTP>> /, ""); print; cont = 1; next }
	    cont && /^ *[0-9]+ +[0-9][0-9][0-9][- ]/ {
		sub(/^ *[0-9]+ +/, ""); print; next }
	    { cont = 0 }
	    /^smtp: 0x[0-9a-f]+: >>> / {
		sub(/^smtp: 0x[0-9a-f]+: >>> /, ""); print }'
}

cmd_wait_mail()
{
	_n=$(($3 * 10))
	while [ "$_n" -gt 0 ]; do
		[ "$(cmd_count "$1")" -ge "$2" ] && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	echo "mta.sh: $(cmd_count "$1") of $2 messages after $3 s" >&2
	return 1
}

cmd_wait_log()
{
	mg_wait_has "$1/log" "$2" "$3"
}

[ $# -ge 1 ] || usage
_cmd=$1
shift
case $_cmd in
start)		cmd_start "$@" ;;
stop)		[ $# -eq 1 ] || usage; cmd_stop "$1" ;;
commands)	[ $# -ge 1 ] || usage; cmd_commands "$@" ;;
replies)	[ $# -ge 1 ] || usage; cmd_replies "$@" ;;
mark)		[ $# -eq 1 ] || usage; cmd_mark "$1" ;;
count)		[ $# -eq 1 ] || usage; cmd_count "$1" ;;
mail)		[ $# -eq 1 ] || usage; cmd_mail "$1" ;;
wait-mail)	[ $# -eq 3 ] || usage; cmd_wait_mail "$@" ;;
wait-log)	[ $# -eq 3 ] || usage; cmd_wait_log "$@" ;;
*)		usage ;;
esac
