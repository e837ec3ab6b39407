#!/bin/sh
# detect_hostile.sh - mailguard-detect against hostile servers (issue 7):
# silent after accept, endless greeting, a 10 MB reply line, a 10,000-line
# EHLO reply, NUL bytes, a reply without CRLF, a tarpit (1 byte/s), a reset
# in mid-reply.  One run probes them all with --deadline 6 --timeout 2:
# it must end within the deadline (plus slack), report every target with a
# per-probe outcome, and keep its memory bounded.
. "${top_srcdir:-.}/tests/lib.sh"
mg_tmpdir
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"

kinds="silent endless bigline manylines nul nocrlf tarpit reset"
: >"$MG_TMP/targets"
for k in $kinds; do
	p=$(mg_free_port)
	echo "$k $p" >>"$MG_TMP/ports"
	echo "127.0.0.1:$p" >>"$MG_TMP/targets"
done
cat >"$MG_TMP/hostile.py" <<'PY'
import socket, struct, sys, threading, time

def silent(c):
    time.sleep(60)

def endless(c):
    while True:
        c.sendall(b"220-still greeting you\r\n")
        time.sleep(0.001)

def bigline(c):
    c.sendall(b"220 " + b"A" * (10 * 1024 * 1024) + b"\r\n")
    time.sleep(60)

def manylines(c):
    c.sendall(b"220 many.invalid ESMTP\r\n")
    f = c.makefile("rb")
    while True:
        line = f.readline()
        if not line:
            return
        if line[:4].upper() == b"EHLO":
            c.sendall(b"".join(b"250-KEYWORD%d\r\n" % i for i in range(10000))
                      + b"250 LAST\r\n")
        elif line[:4].upper() == b"QUIT":
            c.sendall(b"221 bye\r\n")
            return
        else:
            c.sendall(b"500 no\r\n")

def nul(c):
    c.sendall(b"220 nul\x00bytes\x00here\r\n")
    f = c.makefile("rb")
    while True:
        line = f.readline()
        if not line:
            return
        if line[:4].upper() == b"QUIT":
            c.sendall(b"221 b\x00ye\r\n")
            return
        c.sendall(b"250 \x00\x01\x02\r\n")

def nocrlf(c):
    c.sendall(b"220 no line end")
    time.sleep(60)

def tarpit(c):
    for b in b"220 tarpit.invalid ESMTP\r\n":
        c.sendall(bytes([b]))
        time.sleep(1)

def reset(c):
    c.sendall(b"220-first line\r\n220-sec")
    time.sleep(0.05)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

def serve(kind, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    while True:
        c, _ = s.accept()
        def run(c=c):
            try:
                globals()[kind](c)
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()

for line in open(sys.argv[1]):
    k, p = line.split()
    threading.Thread(target=serve, args=(k, int(p)), daemon=True).start()
while True:
    time.sleep(1)
PY
mg_start_bg hostile "$MG_PYTHON" "$MG_TMP/hostile.py" "$MG_TMP/ports"
while read -r k p; do
	mg_wait_port 127.0.0.1 "$p" 20 "$MG_BG_PID" || mg_fail "$k server"
done <"$MG_TMP/ports"

t0=$(date +%s)
/usr/bin/time -f '%M' -o "$MG_TMP/rss" "$MG_DETECT" --json --parallel 8 \
    --deadline 6 --timeout 2 -iL "$MG_TMP/targets" >"$MG_TMP/out" 2>"$MG_TMP/err"
rc=$?
t1=$(date +%s)
rss=$(tail -n 1 "$MG_TMP/rss")
mg_log "8 hostile targets: $((t1 - t0)) s, exit $rc, peak RSS $rss KiB"
[ $((t1 - t0)) -le 12 ] || mg_fail "run took $((t1 - t0)) s, deadline 6"
[ "$rss" -lt 200000 ] || mg_fail "peak RSS $rss KiB"
case $rc in 0|1|3) ;; *) cat "$MG_TMP/err"; mg_fail "exit code $rc" ;; esac
"$MG_PYTHON" - "$MG_TMP/out" "$MG_TMP/ports" <<'PY' || mg_fail "reports"
import json, sys
reps = {json.loads(l)["port"]: json.loads(l) for l in open(sys.argv[1])}
kinds = dict((int(p), k) for k, p in (l.split() for l in open(sys.argv[2])))
assert sorted(reps) == sorted(kinds), (sorted(reps), sorted(kinds))
for port, k in sorted(kinds.items()):
    r = reps[port]
    assert len(r["probes"]) >= 19, (k, len(r["probes"]))
    notes = " | ".join(n["text"] for n in r.get("notes", []))
    fam = r["verdict"]["family"]
    print("%-10s %-13s %s" % (k, fam, notes[:110]))
    # a server that never completes a greeting is never judged clean
    if k in ("silent", "endless", "bigline", "nocrlf", "tarpit", "reset"):
        assert fam != "none", (k, r["verdict"])
        assert notes, k          # each says what happened
    for p in r["probes"]:
        json.dumps(p)            # escaped, serialisable
PY
mg_pass "8 hostile servers: one run, within the deadline, bounded memory"
