#!/bin/sh
# soak.sh - mailguard-emulate --profile asa in front of Postfix under a
# steady load of good mail while misbehaving clients run around it.
#
# USAGE (root; tests/lab/install.sh must have run for Postfix)
#	tests/bench/soak.sh [--short] [--messages N] [--seconds S] [--keep]
#	  default: 3000 messages over about 300 s; --short: 150 over 30 s
#	  environment: top_srcdir, top_builddir or MG_EMULATE (default: the
#	  build dir we are run from), MG_SOAK_SESSIONS (smtp-source sessions,
#	  default 4), MG_SOAK_IDLE (idle clients held open, default 20)
#
# Good mail: smtp-source in batches (one every S/30 s) with -N, so every
# message has its own recipient NbK.soak@lab.test; a batch that exits 0
# had every message acknowledged with 250.  Around it, for the whole run
# (a python client pool): slow clients (a message sent a few bytes at a
# time, each with its own recipient slow-N), idle clients (connect, say
# nothing; the emulator's --idle-timeout closes them), half-closed
# clients (EHLO, MAIL, then shutdown(SHUT_WR)), mid-DATA disconnects
# (half a body, then close or RST; recipient abort-N) and over-long
# command lines.
#
# Checks at the end, after the clients are gone:
#  - messages acknowledged to clients (smtp-source batches + slow clients
#    that got 250) = messages in Postfix's Maildir, each exactly once (by
#    recipient), and no aborted message delivered;
#  - RSS flat: the highest RSS sampled in the second half of the run is at
#    most the first half's highest + max(4 MB, 20%) (not judged for an
#    ASan build: its quarantine keeps freed memory; an ASan error kills
#    the emulator, which fails the run);
#  - no fd leak: the emulator's open fds return to the count before load.
# Prints the figures (also in $MG_TMP/figures with --keep).  Exit 0 pass,
# 1 fail, 77 not root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
MG_EMULATE=${MG_EMULATE:-$top_builddir/mailguard-emulate}
export top_srcdir top_builddir MG_EMULATE
MG_TEST_NAME=soak.sh
. "$top_srcdir/tests/lib.sh"

MSGS=3000
SECS=300
while [ $# -gt 0 ]; do
	case $1 in
	--short)	MSGS=150; SECS=30 ;;
	--messages)	MSGS=$2; shift ;;
	--seconds)	SECS=$2; shift ;;
	--keep)		MG_KEEP=1 ;;
	*)		echo "usage: soak.sh [--short] [--messages N]" \
			    "[--seconds S] [--keep]" >&2; exit 2 ;;
	esac
	shift
done
SESS=${MG_SOAK_SESSIONS:-4}
IDLE=${MG_SOAK_IDLE:-20}
IDLE_TIMEOUT=10

mg_require_root
mg_require_cmd smtp-source postfix
[ -x "$MG_EMULATE" ] || mg_fail "no emulator at $MG_EMULATE"
mg_tmpdir
SRC=$(command -v smtp-source)

mg_start_mta postfix
mg_start_emulate --profile asa --upstream "127.0.0.1:$MTA_PORT" \
    --idle-timeout "$IDLE_TIMEOUT" --log "$MG_TMP/emu-device.log"
EPID=$(pgrep -P "$MG_EMU_PID" -f mailguard-emulate 2>/dev/null | head -1)
# mg_start_bg runs setsid CMD: the emulator is that pid (setsid execs).
EPID=${EPID:-$MG_EMU_PID}
[ -r "/proc/$EPID/status" ] || mg_fail "no /proc/$EPID for the emulator"

fds() { ls "/proc/$EPID/fd" 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$EPID/status" 2>/dev/null; }
FD0=$(fds)
RSS0=$(rss)

# ---------------------------------------------------------------- sampler
: >"$MG_TMP/samples"
(
	t0=$(date +%s)
	while [ -r "/proc/$EPID/status" ]; do
		echo "$(($(date +%s) - t0)) $(rss) $(fds)" >>"$MG_TMP/samples"
		sleep 2
	done
) &
SAMPLER=$!
mg_cleanup_add "kill $SAMPLER 2>/dev/null"

# ---------------------------------------------------------------- bad clients
cat >"$MG_TMP/bad.py" <<'EOF'
import random, socket, struct, sys, threading, time
host, port, secs, nidle, out = sys.argv[1], int(sys.argv[2]), \
    float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
stop = time.time() + secs
lock = threading.Lock()
st = {"slow": 0, "slow_acked": 0, "idle": 0, "idle_closed": 0,
      "halfclose": 0, "halfclose_eof": 0, "abort": 0, "longline": 0,
      "errors": 0}
acked, aborted = [], []
rnd = random.Random(7)

def bump(k, n=1):
    with lock:
        st[k] += n

def conn(timeout=60):
    s = socket.create_connection((host, port), timeout=timeout)
    return s

def reply(f):
    # one SMTP reply (multi-line aware); "" on EOF
    code = ""
    while True:
        l = f.readline()
        if not l:
            return ""
        code = l[:3]
        if l[3:4] != "-":
            return code

def dialog(s, f, rcpt):
    if reply(f) != "220":
        return False
    for c in ("EHLO soak.lab.test", "MAIL FROM:<soak@lab.test>",
              "RCPT TO:<%s>" % rcpt):
        s.sendall((c + "\r\n").encode())
        r = reply(f)
        if not r.startswith("2"):
            return False
    s.sendall(b"DATA\r\n")
    return reply(f) == "354"

def slow(n):
    rcpt = "slow-%d@lab.test" % n
    bump("slow")
    try:
        s = conn()
        f = s.makefile("r", encoding="latin-1", newline="\r\n")
        if not dialog(s, f, rcpt):
            bump("errors"); s.close(); return
        body = ("Subject: soak slow %d\r\n\r\n" % n +
                "".join("line %d of a slow message\r\n" % i
                        for i in range(30)) + ".\r\n").encode()
        for i in range(0, len(body), 23):
            s.sendall(body[i:i + 23])
            time.sleep(0.05)
        if reply(f) == "250":
            with lock:
                acked.append(rcpt)
            bump("slow_acked")
        s.sendall(b"QUIT\r\n")
        reply(f)
        s.close()
    except OSError:
        bump("errors")

def idle():
    while time.time() < stop:
        bump("idle")
        try:
            s = conn(timeout=IDLE_WAIT)
            s.settimeout(IDLE_WAIT)
            # read the greeting, then nothing: wait for the close
            while True:
                d = s.recv(4096)
                if not d:
                    bump("idle_closed")
                    break
            s.close()
        except OSError:
            pass

def halfclose():
    bump("halfclose")
    try:
        s = conn()
        s.sendall(b"EHLO half.lab.test\r\nMAIL FROM:<h@lab.test>\r\n")
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
        bump("halfclose_eof")
        s.close()
    except OSError:
        bump("errors")

def abort(n):
    rcpt = "abort-%d@lab.test" % n
    bump("abort")
    with lock:
        aborted.append(rcpt)
    try:
        s = conn()
        f = s.makefile("r", encoding="latin-1", newline="\r\n")
        if dialog(s, f, rcpt):
            s.sendall(b"Subject: aborted\r\n\r\nfirst half of the bo")
            time.sleep(0.1)
            if n % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
        s.close()
    except OSError:
        bump("errors")

def longline():
    bump("longline")
    try:
        s = conn()
        s.recv(4096)
        s.sendall(b"MAIL FROM:<" + b"a" * 2000 + b"@lab.test>\r\n")
        s.settimeout(20)
        while s.recv(4096):
            pass
        s.close()
    except OSError:
        pass

IDLE_WAIT = 120
threads = [threading.Thread(target=idle) for _ in range(nidle)]
for t in threads:
    t.start()
n = 0
while time.time() < stop:
    n += 1
    kind = n % 4
    fn = [lambda: slow(n), halfclose, lambda: abort(n), longline][kind]
    t = threading.Thread(target=fn)
    t.start()
    threads.append(t)
    time.sleep(0.5 + rnd.random())
for t in threads:
    t.join()
with open(out, "w") as fp:
    for k, v in sorted(st.items()):
        fp.write("%s %d\n" % (k, v))
with open(out + ".acked", "w") as fp:
    fp.write("".join(r + "\n" for r in acked))
with open(out + ".aborted", "w") as fp:
    fp.write("".join(r + "\n" for r in aborted))
EOF
"$MG_PYTHON" "$MG_TMP/bad.py" 127.0.0.1 "$MG_EMU_PORT" "$SECS" "$IDLE" \
    "$MG_TMP/bad" >"$MG_TMP/bad.log" 2>&1 &
BAD=$!
mg_cleanup_add "kill $BAD 2>/dev/null"
mg_log_add "$MG_TMP/bad.log"

# ---------------------------------------------------------------- good mail
NB=30
[ "$MSGS" -lt "$NB" ] && NB=$MSGS
t_start=$(date +%s)
sent=0
okmsgs=0
b=0
: >"$MG_TMP/expected"
while [ "$b" -lt "$NB" ]; do
	b=$((b + 1))
	m=$(( (MSGS * b) / NB - sent ))
	[ "$m" -gt 0 ] || continue
	if "$SRC" -N -s "$SESS" -m "$m" -l 3000 -f "soak@lab.test" \
	    -t "b$b.soak@lab.test" "127.0.0.1:$MG_EMU_PORT" \
	    >"$MG_TMP/source.$b.log" 2>&1; then
		okmsgs=$((okmsgs + m))
		i=0
		while [ "$i" -lt "$m" ]; do
			i=$((i + 1))
			echo "${i}b$b.soak@lab.test" >>"$MG_TMP/expected"
		done
	else
		mg_log "batch $b of $m messages failed:"
		cat "$MG_TMP/source.$b.log" >&2
	fi
	sent=$((sent + m))
	# pace the batches over the run
	due=$((t_start + SECS * b / NB))
	now=$(date +%s)
	[ "$now" -lt "$due" ] && sleep $((due - now))
done
t_good=$(($(date +%s) - t_start))
wait "$BAD"
t_all=$(($(date +%s) - t_start))

# ---------------------------------------------------------------- accounting
bad_acked=$(wc -l <"$MG_TMP/bad.acked")
want=$((okmsgs + bad_acked))
mg_mta wait-mail "$MTA_DIR" "$want" 180 ||
    mg_log "only $(mg_mta count "$MTA_DIR") of $want messages delivered"
sleep 3		# anything more (a duplicate) would land by now
cat "$MG_TMP/bad.acked" >>"$MG_TMP/expected"
"$MG_PYTHON" - "$MTA_MAIL" "$MG_TMP/expected" "$MG_TMP/bad.aborted" \
    >"$MG_TMP/acct" <<'EOF'
import collections, os, sys
maildir, expf, abf = sys.argv[1:4]
got = collections.Counter()
for sub in ("new", "cur"):
    d = os.path.join(maildir, sub)
    for n in os.listdir(d) if os.path.isdir(d) else []:
        with open(os.path.join(d, n), "rb") as f:
            for l in f:
                if l.startswith(b"X-Original-To: "):
                    got[l[15:].strip().decode("latin-1")] += 1
                    break
                if l in (b"\n", b"\r\n"):
                    got["(no X-Original-To)"] += 1
                    break
exp = set(l.strip() for l in open(expf) if l.strip())
ab = set(l.strip() for l in open(abf) if l.strip())
print("delivered", sum(got.values()))
print("acked", len(exp))
print("missing", len(exp - set(got)))
print("duplicates", sum(1 for r, c in got.items() if c > 1))
print("unacked_delivered", len(set(got) - exp - ab))
print("aborted_delivered", len(set(got) & ab))
for r in sorted(exp - set(got))[:5]:
    print("example_missing", r)
for r, c in sorted(got.items()):
    if c > 1:
        print("example_duplicate", r, c)
        break
EOF

# the clients are gone: idle ones closed, wait for the fds to settle
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
n=0
while [ "$(fds)" -gt "$FD0" ] && [ "$n" -lt $(( (IDLE_TIMEOUT + 20) * 2 )) ]; do
	sleep 0.5
	n=$((n + 1))
done
FD1=$(fds)
RSS1=$(rss)
half=$((SECS / 2))
fig=$(awk -v h="$half" '
	$1 <= h && $2 > e { e = $2 }
	$1 > h && $2 > l { l = $2 }
	$3 > f { f = $3 }
	END { print e + 0, l + 0, f + 0, NR }' "$MG_TMP/samples")
set -- $fig
RSS_EARLY=$1 RSS_LATE=$2 FD_MAX=$3 NSAMPLES=$4
acct() { awk -v k="$1" '$1 == k { print $2 }' "$MG_TMP/acct"; }

{
	echo "soak: profile asa, Postfix $MTA_PORT, $SECS s planned," \
	    "good mail ${t_good}s, whole run ${t_all}s"
	echo "good mail: $sent messages in $NB batches, $SESS sessions," \
	    "$okmsgs acknowledged"
	sed 's/^/bad clients: /' "$MG_TMP/bad" | tr '\n' ' ' | \
	    sed 's/ bad clients: /, /g'
	echo
	echo "accounting: acked $(acct acked), delivered $(acct delivered)," \
	    "missing $(acct missing), duplicates $(acct duplicates)," \
	    "delivered without ack $(acct unacked_delivered)," \
	    "aborted delivered $(acct aborted_delivered)"
	echo "rss kB: start $RSS0, first-half max $RSS_EARLY, second-half" \
	    "max $RSS_LATE, end $RSS1 ($NSAMPLES samples)"
	echo "fds: before load $FD0, max $FD_MAX, after $FD1"
} | tee "$MG_TMP/figures"
grep '^example' "$MG_TMP/acct" >&2

fail=0
[ "$okmsgs" -eq "$sent" ] ||
    { echo "FAIL: smtp-source batches failed"; fail=1; }
[ "$(acct delivered)" = "$(acct acked)" ] &&
    [ "$(acct missing)" = 0 ] && [ "$(acct duplicates)" = 0 ] &&
    [ "$(acct unacked_delivered)" = 0 ] ||
    { echo "FAIL: acknowledged != delivered exactly once"; fail=1; }
[ "$(acct aborted_delivered)" = 0 ] ||
    { echo "FAIL: a message aborted mid-DATA was delivered"; fail=1; }
rssword="RSS flat"
lim=$((RSS_EARLY / 5))
[ "$lim" -lt 4096 ] && lim=4096
if nm "$MG_EMULATE" 2>/dev/null | grep -q __asan_init; then
	# ASan holds freed memory in its quarantine (256 MB by default):
	# RSS says nothing there; memory errors would have killed it.
	echo "rss: not judged, $MG_EMULATE is an ASan build"
	rssword="RSS not judged (ASan)"
elif [ "$RSS_LATE" -gt $((RSS_EARLY + lim)) ]; then
	echo "FAIL: RSS grew ($RSS_EARLY -> $RSS_LATE kB)"
	fail=1
fi
[ "$FD1" -le "$FD0" ] ||
    { echo "FAIL: fd leak ($FD0 before, $FD1 after)"; fail=1; }
mg_alive "$EPID" || { echo "FAIL: the emulator died"; fail=1; }
[ "$fail" = 0 ] || exit 1
mg_pass "$(acct acked) acknowledged = delivered once, $rssword," \
    "no fd leak"
