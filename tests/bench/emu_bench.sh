#!/bin/bash
# emu_bench.sh - mailguard-emulate proxy figures (a benchmark, not a test).
#
#   A. Throughput: Postfix's smtp-source against smtp-sink directly and
#      through `mailguard-emulate --profile asa`, in the same run, in
#      alternating pairs (the order flips every pair), because the machine
#      is shared: messages/s and MB/s of each run, the median of each side
#      and the ratio proxied/direct (target >= 0.9).  Also the emulator's
#      CPU time per message, from /proc/PID/stat.
#   B. Memory: 1,000 connections opened through a fresh emulator to
#      smtp-sink and held open (each waits for smtp-sink's 220 through the
#      proxy; at the end every one sends NOOP and must get 250), with the
#      emulator's VmRSS sampled at 0, 250, 500 and 1,000 connections.
#
# Loopback only (127.0.0.1).  Everything started here is killed by PID on
# exit.  Prints `uptime` before and after: the figures mean little without
# the load they were taken under.
# Usage: tests/bench/emu_bench.sh [BUILDDIR]   (default: .)
# Env: MG_BENCH_PAIRS (5), MG_BENCH_MSGS (5000), MG_BENCH_SESSIONS (20),
#      MG_BENCH_SIZE (10240 payload bytes), MG_BENCH_PROFILE (asa),
#      MG_BENCH_CONNS (1000), MG_BENCH_A=0 / MG_BENCH_B=0 skip a part.
set -u
build=$(cd "${1:-.}" && pwd)
EMULATE=$build/mailguard-emulate
pairs=${MG_BENCH_PAIRS:-5}
msgs=${MG_BENCH_MSGS:-5000}
sessions=${MG_BENCH_SESSIONS:-20}
size=${MG_BENCH_SIZE:-10240}
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
	SINK_PID=$!
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
	if ! smtp-source -s "$sessions" -m "$msgs" -l "$size" \
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

echo "== machine: $(nproc) cores, $(uname -r)"
echo "== uptime at start: $(uptime)"
echo "== smtp-source -s $sessions -m $msgs" \
    "-l $size (one connection per message), profile $profile, $pairs pairs"
start_sink

if [ "${MG_BENCH_A:-1}" != 0 ]; then
echo "== A. throughput, direct vs through mailguard-emulate --profile $profile"
start_emu a
# Warm-up (page cache, first connections), not counted.
save=$msgs; msgs=200
run_source "$SINK_PORT" >/dev/null
run_source "$EMU_PORT" >/dev/null
msgs=$save
: >"$tmp/direct"; : >"$tmp/proxied"; : >"$tmp/cpu"
printf '%-4s %-8s %8s %9s %8s %s\n' pair path seconds "msgs/s" "MB/s" \
    "emulator CPU us/msg"
for i in $(seq 1 "$pairs"); do
	if [ $((i % 2)) -eq 1 ]; then order="direct proxied"
	else order="proxied direct"; fi
	for path in $order; do
		if [ "$path" = direct ]; then port=$SINK_PORT
		else port=$EMU_PORT; fi
		c0=$(cpu_s "$EMU_PID")
		s=$(run_source "$port")
		c1=$(cpu_s "$EMU_PID")
		awk -v s="$s" -v m="$msgs" -v l="$size" -v c0="$c0" \
		    -v c1="$c1" -v i="$i" -v p="$path" 'BEGIN {
		    cpu = p == "proxied" ? sprintf("%.0f", (c1 - c0) * 1e6 / m) : "-";
		    printf "%-4s %-8s %8.2f %9.1f %8.2f %s\n", i, p, s,
		    m / s, m * l / s / 1e6, cpu }'
		awk -v s="$s" -v m="$msgs" 'BEGIN { printf "%.2f\n", m / s }' \
		    >>"$tmp/$path"
		[ "$path" = proxied ] && awk -v c0="$c0" -v c1="$c1" -v m="$msgs" \
		    'BEGIN { printf "%.1f\n", (c1 - c0) * 1e6 / m }' >>"$tmp/cpu"
	done
done
md=$(median <"$tmp/direct")
mp=$(median <"$tmp/proxied")
mc=$(median <"$tmp/cpu")
awk -v d="$md" -v p="$mp" -v l="$size" -v c="$mc" 'BEGIN {
	printf "median direct : %8.1f msgs/s %7.2f MB/s\n", d, d * l / 1e6;
	printf "median proxied: %8.1f msgs/s %7.2f MB/s\n", p, p * l / 1e6;
	printf "ratio proxied/direct: %.3f (target >= 0.9) %s\n", p / d,
	    (p / d >= 0.9 ? "MET" : "NOT MET");
	printf "emulator CPU per proxied message (median): %.0f us\n", c }'
echo "(MB/s = payload bytes, -l $size, per second, 1 MB = 10^6 bytes)"
echo "emulator log lines during part A: $(wc -l <"$tmp/emu.a.log")" \
    "(1 = only its start line: no upstream failure, no drop)"
echo "== uptime after part A: $(uptime)"
fi

if [ "${MG_BENCH_B:-1}" != 0 ]; then
echo "== B. $conns connections held open through a fresh emulator"
start_emu b
cat >"$tmp/hold.py" <<'EOF'
import selectors, socket, sys, time
port, pid, total = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
marks = sorted(set([0, total // 4, total // 2, total]))
def status(key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
def fds():
    import os
    return len(os.listdir("/proc/%d/fd" % pid))
def wait_lines(socks, want, deadline):
    """Read from every socket until each has a full line starting with
    want; returns how many did."""
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
socks = []
base = None
print("%6s %10s %10s %8s %s" % ("conns", "VmRSS kB", "delta kB",
      "emu fds", "kB/conn since previous mark"))
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
    if base is None:
        base = rss
    per = "-" if prev_rss is None or m == prev_n else \
        "%.1f" % ((rss - prev_rss) / (m - prev_n))
    print("%6d %10d %10d %8d %s" % (m, rss, rss - base, fds(), per))
    sys.stdout.flush()
    prev_n, prev_rss = m, rss
for s in socks:
    s.setblocking(True)
    s.sendall(b"NOOP\r\n")
ok = wait_lines(socks, b"250", time.monotonic() + 120)
print("NOOP through all held connections: %d of %d answered 250" %
      (ok, len(socks)))
print("VmHWM (peak RSS) %d kB" % status("VmHWM"))
for s in socks:
    s.close()
time.sleep(1.0)
print("after closing all: VmRSS %d kB, emu fds %d" % (status("VmRSS"), fds()))
sys.exit(0 if ok == len(socks) else 1)
EOF
python3 "$tmp/hold.py" "$EMU_PORT" "$EMU_PID" "$conns" || {
	echo "emu_bench: part B failed"; tail -n 5 "$tmp/emu.b.log"; exit 1; }
echo "== uptime after part B: $(uptime)"
fi
exit 0
