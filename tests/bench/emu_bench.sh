#!/bin/bash
# emu_bench.sh - mailguard-emulate proxy figures (a benchmark, not a test).
#
#   A. Throughput: Postfix's smtp-source against smtp-sink directly and
#      through `mailguard-emulate --profile asa`, in the same run, in
#      rounds whose order rotates (no path always first), because the
#      machine is shared: messages/s and MB/s of each run, the median of each side
#      and the ratio proxied/direct (target >= 0.9).  Also the emulator's
#      CPU time per message, from /proc/PID/stat.  A1: 10 KB messages, a
#      connection each (the figure the target is about); A2: 4 MB messages
#      over kept connections (bulk DATA).  A third path, a bare relay
#      compiled here (one thread, epoll, no inspection), shows what any
#      extra user-space hop costs on the same machine, and its CPU per
#      message is printed like the emulator's (MG_BENCH_REF=0 leaves it
#      out).
#   C. System calls: `strace -c -f` attached to a fresh emulator during
#      1,000 A1 messages and 20 A2 messages: calls per message and per MB
#      (strace slows the emulator down: counts only, no timing).  Skipped
#      without strace.
#   B. Memory: 1,000 connections opened through a fresh emulator to
#      smtp-sink and held open (each waits for smtp-sink's 220 through the
#      proxy; at the end every one sends NOOP and must get 250), with the
#      emulator's VmRSS sampled at 0, 250, 500 and 1,000 connections; all
#      closed and the same again ($MG_BENCH_CYCLES rounds on one emulator)
#      to show whether memory comes back.
#
# Loopback only (127.0.0.1).  Everything started here is killed by PID on
# exit.  Prints `uptime` before and after: the figures mean little without
# the load they were taken under.
# Usage: tests/bench/emu_bench.sh [BUILDDIR]   (default: .)
# Env: MG_BENCH_PAIRS (5), MG_BENCH_MSGS (5000), MG_BENCH_SESSIONS (20),
#      MG_BENCH_SIZE (10240 payload bytes), MG_BENCH_PROFILE (asa),
#      MG_BENCH_CONNS (1000), MG_BENCH_CYCLES (3 rounds of part B),
#      MG_BENCH_A=0 / MG_BENCH_B=0 / MG_BENCH_C=0 skip a part,
#      MG_BENCH_BULK=0 skips A2.
set -u
build=$(cd "${1:-.}" && pwd)
EMULATE=$build/mailguard-emulate
pairs=${MG_BENCH_PAIRS:-5}
msgs=${MG_BENCH_MSGS:-5000}
sessions=${MG_BENCH_SESSIONS:-20}
size=${MG_BENCH_SIZE:-10240}
keep=
profile=${MG_BENCH_PROFILE:-asa}
conns=${MG_BENCH_CONNS:-1000}
[ -x "$EMULATE" ] || { echo "emu_bench: $EMULATE not built"; exit 1; }
for c in smtp-source smtp-sink python3; do
	command -v "$c" >/dev/null ||
	    { echo "emu_bench: $c missing (apt-get install postfix python3)";
	    exit 1; }
done

tmp=$(mktemp -d /tmp/mg-emu-bench.XXXXXX)
pids=
cleanup()
{
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port()
{
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port()
{
	local n=0
	until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 300 ] || { echo "emu_bench: port $1 never listened"; exit 1; }
		sleep 0.05
	done
}

# start_sink: sets SINK_PORT.  -m: sessions handled at once (part B holds
# $conns), -t: idle timeout in seconds.
start_sink()
{
	local user=
	[ "$(id -u)" -eq 0 ] && user="-u nobody"
	SINK_PORT=$(free_port)
	smtp-sink $user -m $((conns + 100)) -t 600 "127.0.0.1:$SINK_PORT" 1024 \
	    </dev/null >/dev/null 2>"$tmp/sink.err" &
	pids="$pids $!"
	wait_port "$SINK_PORT"
}

# start_emu TAG: sets EMU_PORT and EMU_PID (the port comes from --ready-fd).
start_emu()
{
	local n=0
	"$EMULATE" --profile "$profile" --listen 127.0.0.1:0 \
	    --upstream "127.0.0.1:$SINK_PORT" --max-conns $((conns + 100)) \
	    --ready-fd 3 --log "$tmp/emu.$1.log" \
	    </dev/null >/dev/null 3>"$tmp/emu.$1.ready" &
	EMU_PID=$!
	pids="$pids $!"
	until grep -q '^listening on' "$tmp/emu.$1.ready" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 300 ] || { echo "emu_bench: emulator did not start";
		    cat "$tmp/emu.$1.log"; exit 1; }
		sleep 0.05
	done
	EMU_PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' \
	    "$tmp/emu.$1.ready")
}

# CPU seconds (user+system) a process used so far.
cpu_s()
{
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, "");
	    printf "%.3f\n", ($12 + $13) / hz }' "/proc/$1/stat"
}

rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# run_source PORT: one smtp-source run; prints "seconds".
run_source()
{
	local t0 t1
	t0=$EPOCHREALTIME
	if ! smtp-source -s "$sessions" -m "$msgs" -l "$size" $keep \
	    -M bench.example -f from@bench.example -t to@bench.example \
	    "127.0.0.1:$1" >"$tmp/source.out" 2>&1; then
		echo "emu_bench: smtp-source to port $1 failed:" >&2
		cat "$tmp/source.out" >&2
		exit 1
	fi
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

median()
{
	sort -g | awk '{ v[NR] = $1 } END {
	    if (NR % 2) print v[(NR + 1) / 2];
	    else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# start_relay: the cheapest TCP relay (no inspection, no event library:
# one thread, epoll, recv/send of up to 64 KB, TCP_NODELAY like the
# emulator), built here as a floor for what any extra user-space hop costs
# on this machine.  Sets RELAY_PORT; leaves it empty when there is no C
# compiler.
start_relay()
{
	local n=0
	RELAY_PORT=
	[ "${MG_BENCH_REF:-1}" != 0 ] || return 0
	cat >"$tmp/relay.c" <<'EOF'
/* relay.c - the cheapest loopback TCP relay: one thread, epoll, no
 * inspection; a floor reference for emu_bench.sh. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXFD	65536

static int peer[MAXFD];

static void
add(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET }, up = sa;
	struct epoll_event evs[64];
	socklen_t sl = sizeof(sa);
	static char buf[65536];
	int l, c, u, ep, one = 1, i, n, fd;
	ssize_t r, w, off;

	if (argc != 2)
		return 2;
	up.sin_port = htons((uint16_t)strtoul(argv[1], NULL, 10));
	up.sin_addr.s_addr = sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(l, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(l, 1024) == -1 ||
	    getsockname(l, (struct sockaddr *)&sa, &sl) == -1 ||
	    (ep = epoll_create1(0)) == -1)
		return 1;
	printf("listening on 127.0.0.1:%u\n", ntohs(sa.sin_port));
	fflush(stdout);
	add(ep, l);
	for (;;) {
		n = epoll_wait(ep, evs, 64, -1);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == l) {
				while ((c = accept(l, NULL, NULL)) != -1) {
					u = socket(AF_INET, SOCK_STREAM, 0);
					if (c >= MAXFD || u == -1 || u >= MAXFD ||
					    connect(u, (struct sockaddr *)&up,
					    sizeof(up)) == -1) {
						close(c);
						if (u != -1)
							close(u);
						continue;
					}
					setsockopt(u, IPPROTO_TCP, TCP_NODELAY,
					    &one, sizeof(one));
					peer[c] = u;
					peer[u] = c;
					add(ep, c);
					add(ep, u);
				}
				continue;
			}
			if (peer[fd] == -1)
				continue;	/* closed earlier in this batch */
			r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r < 0)
				continue;
			for (off = 0; off < r; off += w)	/* blocking send */
				if ((w = send(peer[fd], buf + off,
				    (size_t)(r - off), MSG_NOSIGNAL)) <= 0)
					break;
			if (r == 0 || off < r) {	/* EOF or dead peer */
				u = peer[fd];
				peer[u] = peer[fd] = -1;
				close(fd);
				close(u);
			}
		}
	}
}
EOF
	if ! cc -O2 -pthread -o "$tmp/relay" "$tmp/relay.c" 2>"$tmp/relay.err"
	then
		echo "(no reference relay: cc failed)"
		return 0
	fi
	"$tmp/relay" "$SINK_PORT" </dev/null >"$tmp/relay.ready" 2>&1 &
	RELAY_PID=$!
	pids="$pids $!"
	until grep -q '^listening on' "$tmp/relay.ready" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 300 ] || { echo "emu_bench: relay did not start"; exit 1; }
		sleep 0.05
	done
	RELAY_PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' \
	    "$tmp/relay.ready")
}

# pairs_run TAG: $pairs alternating pairs of run_source with the current
# $sessions/$msgs/$size/$keep, then the medians and the ratio.
pairs_run()
{
	local tag=$1 i path order port c0 c1 s md mp mc mr mrc all cpid
	: >"$tmp/res.direct"; : >"$tmp/res.proxied"
	: >"$tmp/res.cpu"; : >"$tmp/res.relay"; : >"$tmp/res.rcpu"
	all="direct proxied"
	[ -n "$RELAY_PORT" ] && all="direct proxied relay"
	printf '%-4s %-8s %8s %9s %8s %s\n' pair path seconds "msgs/s" \
	    "MB/s" "emulator/relay CPU us/msg"
	for i in $(seq 1 "$pairs"); do
		# rotate the order each round: no path always goes first
		order=$all
		for _ in $(seq 2 "$i"); do
			set -- $order
			shift
			order="$* ${order%% *}"
		done
		for path in $order; do
			case $path in
			direct)  port=$SINK_PORT; cpid=$EMU_PID ;;
			proxied) port=$EMU_PORT; cpid=$EMU_PID ;;
			relay)   port=$RELAY_PORT; cpid=$RELAY_PID ;;
			esac
			c0=$(cpu_s "$cpid")
			s=$(run_source "$port") || exit 1
			c1=$(cpu_s "$cpid")
			awk -v s="$s" -v m="$msgs" -v l="$size" -v c0="$c0" \
			    -v c1="$c1" -v i="$i" -v p="$path" 'BEGIN {
			    cpu = "-";
			    if (p != "direct")
				cpu = sprintf("%.0f", (c1 - c0) * 1e6 / m);
			    printf "%-4s %-8s %8.2f %9.1f %8.2f %s\n", i, p, s,
				m / s, m * l / s / 1e6, cpu }'
			awk -v s="$s" -v m="$msgs" \
			    'BEGIN { printf "%.2f\n", m / s }' >>"$tmp/res.$path"
			[ "$path" = proxied ] && awk -v c0="$c0" -v c1="$c1" \
			    -v m="$msgs" 'BEGIN {
			    printf "%.1f\n", (c1 - c0) * 1e6 / m }' >>"$tmp/res.cpu"
			[ "$path" = relay ] && awk -v c0="$c0" -v c1="$c1" \
			    -v m="$msgs" 'BEGIN {
			    printf "%.1f\n", (c1 - c0) * 1e6 / m }' >>"$tmp/res.rcpu"
		done
	done
	md=$(median <"$tmp/res.direct")
	mp=$(median <"$tmp/res.proxied")
	mc=$(median <"$tmp/res.cpu")
	mr=$(median <"$tmp/res.relay")
	mrc=$(median <"$tmp/res.rcpu")
	awk -v d="$md" -v r="$mr" -v l="$size" -v t="$tag" -v c="$mrc" 'BEGIN {
	    if (r == "") exit;
	    printf "%s median relay  : %8.1f msgs/s %7.2f MB/s" \
		" (reference: bare relay, ratio %.3f, its CPU per message" \
		" %.0f us)\n", t, r, r * l / 1e6, r / d, c }'
	awk -v d="$md" -v p="$mp" -v l="$size" -v c="$mc" -v t="$tag" 'BEGIN {
	    printf "%s median direct : %8.1f msgs/s %7.2f MB/s\n", t, d,
		d * l / 1e6;
	    printf "%s median proxied: %8.1f msgs/s %7.2f MB/s\n", t, p,
		p * l / 1e6;
	    printf "%s ratio proxied/direct: %.3f (target >= 0.9) %s\n", t,
		p / d, (p / d >= 0.9 ? "MET" : "NOT MET");
	    printf "%s emulator CPU per proxied message (median): %.0f us\n",
		t, c }'
	echo "(MB/s = payload bytes, -l $size, per second, 1 MB = 10^6 bytes)"
}

echo "== machine: $(nproc) cores, $(uname -r)"
echo "== uptime at start: $(uptime)"
start_sink

if [ "${MG_BENCH_A:-1}" != 0 ]; then
echo "== A. throughput, direct vs through mailguard-emulate --profile $profile"
start_emu a
start_relay
# Warm-up (page cache, first connections), not counted.
save=$msgs; msgs=200; keep=
run_source "$SINK_PORT" >/dev/null || exit 1
run_source "$EMU_PORT" >/dev/null || exit 1
[ -z "$RELAY_PORT" ] || run_source "$RELAY_PORT" >/dev/null || exit 1
msgs=$save
echo "== A1. smtp-source -s $sessions -m $msgs -l $size" \
    "(a new connection per message), $pairs pairs"
pairs_run A1
if [ "${MG_BENCH_BULK:-1}" != 0 ]; then
	sessions=4; msgs=40; size=4000000; keep=-d
	echo "== A2. bulk DATA: smtp-source -s $sessions -m $msgs -l $size" \
	    "-d (connections kept), $pairs pairs"
	pairs_run A2
fi
echo "emulator log lines during part A: $(wc -l <"$tmp/emu.a.log")" \
    "(1 = only its start line: no upstream failure, no drop)"
echo "== uptime after part A: $(uptime)"
fi

# strace_run TAG SESSIONS MSGS SIZE [-d]: smtp-source through a fresh
# emulator with strace -c attached; prints its summary and the calls per
# message.
strace_run()
{
	local tag=$1 s=$2 m=$3 l=$4 d=${5:-} spid n=0 total
	start_emu "c$tag"
	strace -c -f -o "$tmp/strace.$tag" -p "$EMU_PID" 2>/dev/null &
	spid=$!
	pids="$pids $spid"
	until [ "$(awk '/^TracerPid:/ { print $2 }' \
	    "/proc/$EMU_PID/status")" != 0 ]; do
		n=$((n + 1))
		[ $n -lt 300 ] ||
		    { echo "emu_bench: strace did not attach"; exit 1; }
		sleep 0.05
	done
	smtp-source -s "$s" -m "$m" -l "$l" $d -M bench.example \
	    -f from@bench.example -t to@bench.example "127.0.0.1:$EMU_PORT" \
	    >"$tmp/source.out" 2>&1 || { echo "emu_bench: smtp-source" \
	    "under strace failed"; cat "$tmp/source.out"; exit 1; }
	kill -INT "$spid"
	wait "$spid" 2>/dev/null
	kill "$EMU_PID"
	wait "$EMU_PID" 2>/dev/null
	total=$(awk '$NF == "total" { print $4 }' "$tmp/strace.$tag")
	sed -n '1,/^100.00/p' "$tmp/strace.$tag"
	awk -v t="$total" -v m="$m" -v l="$l" -v g="$tag" 'BEGIN {
	    printf "%s system calls: %d for %d messages: %.1f per message," \
		" %.1f per MB of payload\n", g, t, m, t / m,
		t / (m * l / 1e6) }'
}

if [ "${MG_BENCH_C:-1}" != 0 ] && command -v strace >/dev/null; then
echo "== C. system calls of mailguard-emulate (strace -c -f -p)"
echo "== C1. smtp-source -s 20 -m 1000 -l 10240"
strace_run C1 20 1000 10240
echo "== C2. smtp-source -s 4 -m 20 -l 4000000 -d"
strace_run C2 4 20 4000000 -d
fi

if [ "${MG_BENCH_B:-1}" != 0 ]; then
echo "== B. $conns connections held open through a fresh emulator"
start_emu b
cat >"$tmp/hold.py" <<'EOF'
import os, selectors, socket, sys, time
port, pid, total, cycles = [int(x) for x in sys.argv[1:5]]
marks = sorted(set([0, total // 4, total // 2, total]))
def status(key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
def fds():
    return len(os.listdir("/proc/%d/fd" % pid))
def wait_lines(socks, want, deadline):
    """Read from every socket until each has a full line; returns how many
    lines started with want."""
    sel = selectors.DefaultSelector()
    got = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, b"")
    done = 0
    while done < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(s)
                done += 1
                continue
            buf = key.data + data
            if b"\r\n" in buf:
                sel.unregister(s)
                got[s] = buf.startswith(want)
                done += 1
            else:
                sel.modify(s, selectors.EVENT_READ, buf)
    sel.close()
    return sum(1 for v in got.values() if v)
def settle(want_fds):
    """Wait (up to 30 s) until the emulator holds want_fds descriptors."""
    deadline = time.monotonic() + 30
    while fds() > want_fds and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
base = status("VmRSS")
idle_fds = fds()
for cycle in range(1, cycles + 1):
    print("round %d: %6s %10s %10s %10s %8s %s" % (cycle, "conns",
          "VmRSS kB", "delta kB", "VmData kB", "emu fds",
          "RSS kB/conn since previous mark"))
    socks = []
    prev_n, prev_rss = 0, None
    for m in marks:
        batch = []
        while len(socks) < m:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            socks.append(s)
            batch.append(s)
            if len(batch) == 50 or len(socks) == m:
                ok = wait_lines(batch, b"220", time.monotonic() + 60)
                if ok != len(batch):
                    print("only %d of %d banners (220) came through" %
                          (ok, len(batch)))
                    sys.exit(1)
                batch = []
        time.sleep(0.5)
        rss = status("VmRSS")
        per = "-" if prev_rss is None or m == prev_n else \
            "%.1f" % ((rss - prev_rss) / (m - prev_n))
        print("%8s %6d %10d %10d %10d %8d %s" % ("", m, rss, rss - base,
              status("VmData"), fds(), per))
        sys.stdout.flush()
        prev_n, prev_rss = m, rss
    for s in socks:
        s.setblocking(True)
        s.sendall(b"NOOP\r\n")
    ok = wait_lines(socks, b"250", time.monotonic() + 120)
    print("         NOOP through all %d held connections: %d answered 250;"
          " VmHWM (peak RSS) %d kB" % (len(socks), ok, status("VmHWM")))
    if ok != len(socks):
        sys.exit(1)
    for s in socks:
        s.close()
    settle(idle_fds)
    print("         all closed: VmRSS %d kB, VmData %d kB, emu fds %d" %
          (status("VmRSS"), status("VmData"), fds()))
sys.exit(0)
EOF
python3 "$tmp/hold.py" "$EMU_PORT" "$EMU_PID" "$conns" \
    "${MG_BENCH_CYCLES:-3}" || {
	echo "emu_bench: part B failed"; tail -n 5 "$tmp/emu.b.log"; exit 1; }
echo "== uptime after part B: $(uptime)"
fi
exit 0
