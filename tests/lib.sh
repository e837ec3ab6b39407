# tests/lib.sh - shared helpers for mailguard's shell (end-to-end) tests.
#
# Owner: the lab helper.  POSIX sh (dash), so tests may use #!/bin/sh or bash.
#
# USAGE
#	#!/bin/sh
#	. "${top_srcdir:-.}/tests/lib.sh"	# installs the EXIT trap
#	mg_require_root				# exit 77 when not root
#	mg_tmpdir				# sets MG_TMP (removed on exit)
#	port=$(mg_free_port)			# free loopback port, claimed
#	mg_start_bg sink smtp-sink -c 127.0.0.1:"$port" 10
#	mg_wait_port 127.0.0.1 "$port" 20 "$MG_BG_PID" || mg_fail "no sink"
#	mg_start_emulate --profile asa --upstream 127.0.0.1:"$port"
#	swaks ... --server 127.0.0.1:"$MG_EMU_PORT" >"$MG_TMP/c.out"
#	mg_assert_has "$MG_TMP/c.out" '250-XXXXXXXA\r\n' "STARTTLS masked"
#	mg_pass "asa masks STARTTLS"
#
# PROCESSES AND CLEANUP
#	mg_cleanup_add CMD...	run CMD (eval'd) at exit, newest first, also on
#				failure, INT, TERM; never set your own EXIT
#				trap, use this instead.
#	mg_start_bg NAME CMD...	start CMD in its own process group, output in
#				$MG_TMP/NAME.log (MG_BG_LOG), pid in MG_BG_PID;
#				the whole group is killed at exit.
#	mg_kill PID		TERM the process group, KILL after 5 s.
#	mg_alive PID		true while PID runs (zombies count as dead).
#	mg_log_add FILE		tail FILE on stderr if the test fails.
#	mg_start_mta NAME [DIR]	start a real MTA (postfix, exim, opensmtpd)
#				with tests/lab/mta.sh in DIR (default
#				$MG_TMP/NAME), stopped at exit; sets MTA_PORT,
#				MTA_HOST, MTA_DIR, MTA_MAIL (Maildir), MTA_LOG,
#				MTA_TLS (see mta.sh).  mg_mta CMD ARGS runs
#				mta.sh (commands, count, mail, wait-mail ...).
#	mg_start_emulate ARGS	"$MG_EMULATE" --listen 127.0.0.1:PORT ARGS in
#				the background; sets MG_EMU_PORT, MG_EMU_PID,
#				MG_EMU_LOG; fails the test if it never listens.
#	mg_chat NAME HOST PORT STEP...
#				scripted SMTP client (tests/lab/smtpchat.py):
#				transcript $MG_TMP/NAME.chat, server bytes
#				$MG_TMP/NAME.raw
# NETWORK
#	mg_free_port [HOST]	print a port that is free on HOST (default
#				127.0.0.1), outside the ephemeral range, and
#				claimed under $TMPDIR/mailguard-ports so
#				parallel tests never get the same one.
#	mg_wait_port HOST PORT TIMEOUT [PID] [NETNS]
#				0 once something listens on HOST:PORT (read
#				from ss, no connection made), 1 on timeout or
#				when PID died.
# RESULTS
#	mg_fail MSG		print "FAIL: MSG", exit 1 (only from the main
#				shell: inside $(...) it ends the subshell).
#	mg_skip MSG		print "SKIP: MSG", exit 77: only for missing
#				root or namespaces (see COMMON rules).
#	mg_pass MSG		print "PASS: MSG" (a passed sub-check).
#	mg_require_root, mg_require_netns, mg_require_cmd CMD PKG
#				(a missing command is a FAIL naming the Debian
#				package: packages are installed by quickstart).
# BYTES (ESC is a string with \r \n \t \xNN \\ escapes, python-style)
#	mg_has FILE ESC		0 if FILE contains the exact bytes.
#	mg_count FILE ESC	print how many times the bytes occur.
#	mg_assert_has FILE ESC [WHAT], mg_assert_lacks FILE ESC [WHAT]
#	mg_assert_eq GOT WANT [WHAT]
#	mg_wait_has FILE ESC TIMEOUT	poll until FILE has the bytes.
#	mg_show FILE		print FILE escaped (CR and LF visible).
#
# Environment: MG_KEEP=1 keeps $MG_TMP for debugging; MG_PYTHON overrides
# the python3 used for the small helpers; top_srcdir, top_builddir,
# MG_DETECT, MG_EMULATE, MG_FP_FILE come from make check.

MG_PYTHON=${MG_PYTHON:-}
if [ -z "$MG_PYTHON" ]; then
	if [ -x /usr/bin/python3 ]; then
		MG_PYTHON=/usr/bin/python3
	else
		MG_PYTHON=$(command -v python3 || echo python3)
	fi
fi
if [ -z "${top_srcdir:-}" ]; then
	# run by hand: tests/e2e/x.sh from anywhere, or anything from the top
	top_srcdir=$(cd "$(dirname "$0")/../.." 2>/dev/null && pwd)
	[ -f "$top_srcdir/tests/lib.sh" ] || top_srcdir=$(pwd)
fi
top_builddir=${top_builddir:-$top_srcdir}
MG_DETECT=${MG_DETECT:-$top_builddir/mailguard-detect}
MG_EMULATE=${MG_EMULATE:-$top_builddir/mailguard-emulate}
MG_TEST_NAME=$(basename "$0" .sh)
MG_PORT_DIR=${TMPDIR:-/tmp}/mailguard-ports
MG_TMP=${MG_TMP:-}
MG_BG_PID=
MG_BG_LOG=
_mg_cleanups=
_mg_logs=
_mg_bg_n=0

mg_log()
{
	printf '%s: %s\n' "$MG_TEST_NAME" "$*" >&2
}

mg_fail()
{
	printf 'FAIL: %s: %s\n' "$MG_TEST_NAME" "$*" >&2
	exit 1
}

mg_skip()
{
	printf 'SKIP: %s: %s\n' "$MG_TEST_NAME" "$*" >&2
	exit 77
}

mg_pass()
{
	printf 'PASS: %s: %s\n' "$MG_TEST_NAME" "$*"
}

mg_cleanup_add()
{
	_mg_cleanups="$*
$_mg_cleanups"
}

mg_log_add()
{
	_mg_logs="$_mg_logs $1"
}

# Runs at exit: every cleanup (newest first) whatever fails, then the
# port claims of this shell, then the exit status is kept.
_mg_on_exit()
{
	_mg_rc=$?
	trap - EXIT INT TERM HUP
	set +e
	if [ "$_mg_rc" -ne 0 ] && [ "$_mg_rc" -ne 77 ]; then
		for _mg_f in $_mg_logs; do
			[ -f "$_mg_f" ] || continue
			printf -- '--- last lines of %s\n' "$_mg_f" >&2
			tail -n 40 "$_mg_f" >&2
		done
	fi
	while IFS= read -r _mg_c; do
		[ -n "$_mg_c" ] && eval "$_mg_c" </dev/null
	done <<EOF
$_mg_cleanups
EOF
	for _mg_d in $(grep -lx "$$" "$MG_PORT_DIR"/*/pid 2>/dev/null); do
		rm -rf "${_mg_d%/pid}"
	done
	exit "$_mg_rc"
}
trap _mg_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mg_require_root()
{
	[ "$(id -u)" -eq 0 ] || mg_skip "needs root (uid $(id -u))"
}

mg_require_netns()
{
	mg_require_root
	command -v ip >/dev/null 2>&1 || mg_fail "ip missing (apt: iproute2)"
	_mg_ns=mgprobe$$
	ip netns add "$_mg_ns" 2>/dev/null ||
	    mg_skip "network namespaces unavailable (ip netns add failed)"
	ip netns delete "$_mg_ns" 2>/dev/null
}

mg_require_cmd()
{
	command -v "$1" >/dev/null 2>&1 ||
	    mg_fail "$1 not found (Debian package: ${2:-$1}; run quickstart.sh)"
}

mg_tmpdir()
{
	[ -n "$MG_TMP" ] && [ -d "$MG_TMP" ] && return 0
	MG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mg-$MG_TEST_NAME.XXXXXX") ||
	    mg_fail "mktemp failed"
	chmod 755 "$MG_TMP"
	if [ "${MG_KEEP:-0}" = 1 ]; then
		mg_log "keeping $MG_TMP"
	else
		mg_cleanup_add "rm -rf '$MG_TMP'"
	fi
}

# mg_free_port [HOST]: random port in 20000-32767 (below Linux's ephemeral
# range, so no outgoing connection takes it meanwhile) that binds on HOST,
# claimed by an atomic mkdir so that tests run by make -j differ.
mg_free_port()
{
	_mg_host=${1:-127.0.0.1}
	mkdir -p "$MG_PORT_DIR" 2>/dev/null
	chmod 1777 "$MG_PORT_DIR" 2>/dev/null
	_mg_try=0
	while [ "$_mg_try" -lt 200 ]; do
		_mg_try=$((_mg_try + 1))
		_mg_p=$("$MG_PYTHON" - "$_mg_host" <<'EOF'
import random, socket, sys
host = sys.argv[1]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
port = random.SystemRandom().randint(20000, 32767)
s = socket.socket(fam, socket.SOCK_STREAM)
try:
    s.bind((host, port))
    s.listen(1)
except OSError:
    sys.exit(1)
print(port)
EOF
) || continue
		_mg_claim=$MG_PORT_DIR/$_mg_p
		if ! mkdir "$_mg_claim" 2>/dev/null; then
			_mg_owner=$(cat "$_mg_claim/pid" 2>/dev/null)
			if [ -n "$_mg_owner" ] &&
			    ! kill -0 "$_mg_owner" 2>/dev/null; then
				rm -rf "$_mg_claim"	# stale claim
			fi
			continue
		fi
		echo "$$" >"$_mg_claim/pid"
		echo "$_mg_p"
		return 0
	done
	mg_fail "no free port found on $_mg_host"
}

# mg_wait_port HOST PORT TIMEOUT [PID] [NETNS]: polls ss every 0.1 s.
mg_wait_port()
{
	_mg_wh=$1 _mg_wp=$2 _mg_wt=$3 _mg_wpid=${4:-} _mg_wns=${5:-}
	case $_mg_wh in
	*:*)	_mg_wa="[$_mg_wh]:$_mg_wp" ;;
	*)	_mg_wa="$_mg_wh:$_mg_wp" ;;
	esac
	_mg_n=$((_mg_wt * 10))
	while [ "$_mg_n" -gt 0 ]; do
		if [ -n "$_mg_wns" ]; then
			_mg_out=$(ip netns exec "$_mg_wns" ss -Hltn 2>/dev/null)
		else
			_mg_out=$(ss -Hltn 2>/dev/null)
		fi
		# local address column: exact match, or a wildcard listener
		if printf '%s\n' "$_mg_out" | awk -v a="$_mg_wa" \
		    -v p=":$_mg_wp" '
		    $4 == a { f = 1 }
		    ($4 == "0.0.0.0" p || $4 == "*" p || $4 == "[::]" p) { f = 1 }
		    END { exit !f }'; then
			return 0
		fi
		if [ -n "$_mg_wpid" ] && ! mg_alive "$_mg_wpid"; then
			mg_log "pid $_mg_wpid exited before $_mg_wa listened"
			return 1
		fi
		sleep 0.1
		_mg_n=$((_mg_n - 1))
	done
	mg_log "timeout: nothing listens on $_mg_wa after ${_mg_wt}s"
	return 1
}

# mg_alive PID: true while PID runs (a zombie counts as dead: daemons that
# double-fork leave zombies nobody reaps in containers).
mg_alive()
{
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
	_mg_st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ "$_mg_st" != Z ]
}

# mg_kill PID: TERM the process group PID leads (or the process), wait up
# to 5 s for every live member to leave, then KILL what is left.
mg_kill()
{
	_mg_kp=$1
	[ -n "$_mg_kp" ] || return 0
	if ! mg_alive "$_mg_kp" && ! _mg_group_alive "$_mg_kp"; then
		wait "$_mg_kp" 2>/dev/null
		return 0
	fi
	kill -TERM "-$_mg_kp" 2>/dev/null || kill -TERM "$_mg_kp" 2>/dev/null
	_mg_n=50
	while [ "$_mg_n" -gt 0 ] &&
	    { mg_alive "$_mg_kp" || _mg_group_alive "$_mg_kp"; }; do
		sleep 0.1
		_mg_n=$((_mg_n - 1))
	done
	kill -KILL "-$_mg_kp" 2>/dev/null || kill -KILL "$_mg_kp" 2>/dev/null
	wait "$_mg_kp" 2>/dev/null
	return 0
}

# _mg_group_alive PGID: a member of the group that is not a zombie
_mg_group_alive()
{
	ps -e -o pgid=,stat= 2>/dev/null |
	    awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'
}

# mg_start_bg NAME CMD...: setsid gives the command its own process group
# (its pid), so daemons that fork are killed with it.
mg_start_bg()
{
	mg_tmpdir
	_mg_name=$1
	shift
	MG_BG_LOG=$MG_TMP/$_mg_name.log
	setsid "$@" </dev/null >"$MG_BG_LOG" 2>&1 &
	MG_BG_PID=$!
	mg_cleanup_add "mg_kill $MG_BG_PID"
	mg_log_add "$MG_BG_LOG"
}

mg_start_emulate()
{
	[ -x "$MG_EMULATE" ] || mg_fail "no emulator at $MG_EMULATE"
	MG_EMU_PORT=$(mg_free_port 127.0.0.1)
	_mg_bg_n=$((_mg_bg_n + 1))
	mg_start_bg "emulate$_mg_bg_n" "$MG_EMULATE" \
	    --listen "127.0.0.1:$MG_EMU_PORT" "$@"
	MG_EMU_PID=$MG_BG_PID
	MG_EMU_LOG=$MG_BG_LOG
	export MG_EMU_PORT MG_EMU_PID MG_EMU_LOG
	mg_wait_port 127.0.0.1 "$MG_EMU_PORT" 30 "$MG_EMU_PID" ||
	    mg_fail "mailguard-emulate $* did not listen (log $MG_EMU_LOG)"
}

mg_mta()
{
	sh "$top_srcdir/tests/lab/mta.sh" "$@"
}

mg_start_mta()
{
	mg_require_root
	mg_tmpdir
	_mg_md=${2:-$MG_TMP/$1}
	mg_cleanup_add "mg_mta stop '$_mg_md'"
	mg_log_add "$_mg_md/log"
	mg_mta start "$1" "$_mg_md" >"$MG_TMP/$1.env" ||
	    mg_fail "could not start $1 (tests/lab/mta.sh)"
	. "$MG_TMP/$1.env"
}

# mg_chat NAME HOST PORT STEP...: tests/lab/smtpchat.py (scripted client,
# see its steps) with its transcript in $MG_TMP/NAME.chat and the exact
# server bytes in $MG_TMP/NAME.raw; returns smtpchat's status.
mg_chat()
{
	mg_tmpdir
	_mg_cn=$1
	shift
	: >"$MG_TMP/$_mg_cn.raw"
	"$MG_PYTHON" "$top_srcdir/tests/lab/smtpchat.py" \
	    --raw "$MG_TMP/$_mg_cn.raw" "$@" >"$MG_TMP/$_mg_cn.chat" 2>&1
}

# Byte helpers: the needle is decoded from python-style escapes, so
# '250-XXXXXXXA\r\n' means exactly those bytes.
_mg_bytes()
{
	"$MG_PYTHON" -S - "$@" <<'EOF'
import sys
op, path, esc = sys.argv[1], sys.argv[2], sys.argv[3]
needle = esc.encode("latin-1").decode("unicode_escape").encode("latin-1")
try:
    with open(path, "rb") as f:
        data = f.read()
except OSError:
    data = b""
if op == "count":
    print(data.count(needle) if needle else 0)
    sys.exit(0)
sys.exit(0 if needle in data else 1)
EOF
}

mg_has()
{
	case $2 in
	*\\*)	_mg_bytes has "$1" "$2" ;;
	'')	return 0 ;;
	*)	# no escapes: a plain substring, grep is enough (and quick)
		grep -qF -e "$2" "$1" 2>/dev/null ;;
	esac
}

mg_count()
{
	_mg_bytes count "$1" "$2"
}

mg_show()
{
	"$MG_PYTHON" - "$1" <<'EOF'
import sys
try:
    data = open(sys.argv[1], "rb").read()
except OSError as e:
    print("(unreadable: %s)" % e)
    sys.exit(0)
for line in data.split(b"\n"):
    print(repr(line)[2:-1])
EOF
}

mg_assert_has()
{
	mg_has "$1" "$2" && return 0
	mg_log "$1 lacks '$2'; it holds:"
	mg_show "$1" | head -n 60 >&2
	mg_fail "${3:-expected bytes missing}: '$2' not in $1"
}

mg_assert_lacks()
{
	mg_has "$1" "$2" || return 0
	mg_log "$1 unexpectedly holds '$2':"
	mg_show "$1" | head -n 60 >&2
	mg_fail "${3:-unexpected bytes}: '$2' found in $1"
}

mg_assert_eq()
{
	[ "$1" = "$2" ] ||
	    mg_fail "${3:-values differ}: got '$1', want '$2'"
}

# mg_wait_has FILE ESC TIMEOUT: for logs and mailboxes written later.
mg_wait_has()
{
	_mg_n=$(($3 * 10))
	while [ "$_mg_n" -gt 0 ]; do
		mg_has "$1" "$2" && return 0
		sleep 0.1
		_mg_n=$((_mg_n - 1))
	done
	return 1
}
