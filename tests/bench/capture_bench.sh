#!/bin/sh
# capture_bench.sh - the capture analyzer benchmark (not a test).
#
# usage: tests/bench/capture_bench.sh [BUILDDIR] [SESSIONS] [WORKDIR]
#
# Generates an interleaved SMTP capture with tests/bench/gen_capture
# (default 50000 sessions, about 340 MB; a third ASA-masked, a sixth
# PIX-masked, some retransmitted/re-cut/reordered segments), then runs in
# this one invocation, on the same file:
#   1. tests/bench/pcap_loop FILE    (bare libpcap loop touching every byte)
#   1b. tests/bench/pcap_loop -c FILE (mailguard's capture pipeline alone:
#      decode, flows, reassembly, sessions; no judging)
#   2. tshark -r FILE -Y smtp -T fields -e smtp.req.command
#   3. mailguard-detect -r FILE --json (judging on worker threads, the
#      default), and again with MG_ANALYZE_THREADS=0 (judging inline)
#   4. tests/bench/pcap_loop -s FILE (the bare loop with a busy second
#      thread in the process: the host check, near 1x when the machine
#      runs a process's threads independently)
# $MG_BENCH_ROUNDS times (default 5; tshark once), in a rotated order,
# and prints the median and range of wall and CPU time, the peak RSS, the
# ratios of the medians, the load average before and after (the machine
# may be shared or virtual: single runs vary by 50%), and
# whether every session got the verdict the generator intended.  Then it
# doubles the file and runs mailguard-detect again: peak RSS must stay
# flat.  Figures go to docs/benchmarks.md by hand (with this command).
set -eu
build=$(cd "${1:-.}" && pwd)
n=${2:-50000}
work=${3:-${TMPDIR:-/tmp}/mg-capture-bench}
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
(cd "$build" && make -s capture-bench-progs mailguard-detect)
export MG_FP_FILE="${MG_FP_FILE:-$top/src/mailguard.fp}"
f="$work/bench-$n.pcap"
f2="$work/bench-$((n * 2)).pcap"
[ -s "$f" ] || "$build/tests/bench/gen_capture" -n "$n" "$f" "$f.expect"
[ -s "$f2" ] || "$build/tests/bench/gen_capture" -n "$((n * 2))" "$f2" "$f2.expect"
command -v tshark >/dev/null || { echo "tshark not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time not installed (apt-get install time)" >&2; exit 1; }

python3 - "$build" "$f" "$f2" "$work" <<'PY'
import json, os, resource, subprocess, sys, time
build, f, f2, work = sys.argv[1:5]


def measure(argv, out):
    """Wall, user+sys CPU, peak RSS (MiB), exit status, stderr tail.
    GNU time (Debian package "time") reads the command's own peak RSS; a
    Python wrapper cannot (a forked child starts with the interpreter's
    pages), so time is required."""
    tf = out + ".time"
    with open(out, "wb") as fp:
        p = subprocess.run(["/usr/bin/time", "-o", tf, "-f", "%e %U %S %M"]
                           + argv, stdout=fp, stderr=subprocess.PIPE)
    wall, user, sys_, rss = open(tf).read().split()[-4:]
    return (float(wall), float(user) + float(sys_), int(rss) / 1024.0,
            p.returncode, p.stderr.decode(errors="replace")[-300:])

size = os.path.getsize(f) / 1e6
det = os.path.join(build, "mailguard-detect")
cmds = [
    ("pcap_loop (bare libpcap)", [os.path.join(build, "tests/bench/pcap_loop"), f]),
    ("pcap_loop -c (pipeline only)", [os.path.join(build, "tests/bench/pcap_loop"), "-c", f]),
    ("tshark -Y smtp -T fields", ["tshark", "-r", f, "-Y", "smtp", "-T",
                                  "fields", "-e", "smtp.req.command"]),
    ("mailguard-detect --json", [det, "-r", f, "--json"]),
    ("mailguard-detect, 0 threads", ["env", "MG_ANALYZE_THREADS=0", det,
                                     "-r", f, "--json"]),
    # The host check: the bare loop while a second thread of the same
    # process keeps busy on its own memory.  Near 1x the bare loop: the
    # two CPUs work independently.  Well above: the VM slows a process's
    # threads when they run at once, and the threaded figures above are
    # slowed with it (docs/benchmarks.md, 2026-11-23).
    ("pcap_loop -s (busy thread)",
     [os.path.join(build, "tests/bench/pcap_loop"), "-s", f]),
]
rounds = int(os.environ.get("MG_BENCH_ROUNDS", "5"))
print("CPUs online %d, load average before: %.2f %.2f %.2f"
      % ((os.cpu_count() or 0,) + os.getloadavg()))
print("%d rounds, the commands in a rotated order each round (tshark in the"
      " first only); median and range of each" % rounds)
runs = {name: [] for name, _ in cmds}
outs = {}
for rnd in range(rounds):
    k = rnd % len(cmds)
    for i, (name, argv) in enumerate(cmds[k:] + cmds[:k]):
        if name.startswith("tshark") and runs[name]:
            continue
        idx = [c[0] for c in cmds].index(name)
        out = os.path.join(work, "cmd%d.out" % idx)
        wall, cpu, rss, rc, err = measure(argv, out)
        runs[name].append((wall, cpu, rss))
        outs[name] = out
        if rc not in (0, 1):
            print("%s: exit %d\n  stderr: %s" % (name, rc, err))


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


res = {}
for name, _ in cmds:
    r = runs[name]
    w = [x[0] for x in r]
    c = [x[1] for x in r]
    m = max(x[2] for x in r)
    res[name] = (median(w), median(c), m, outs[name])
    print("%-28s wall %6.2f s (%.2f-%.2f)  cpu %6.2f s (%.2f-%.2f)  "
          "peak RSS %7.1f MiB  runs %d" % (name, median(w), min(w), max(w),
                                           median(c), min(c), max(c), m,
                                           len(r)))

base = res[cmds[0][0]]
print("\nfile %s: %.1f MB" % (f, size))
for name, _ in cmds[1:]:
    w, c, r, _ = res[name]
    print("%-28s %6.1fx the bare loop (median wall), %6.1fx (median cpu)"
          % (name, w / base[0], c / max(base[1], 1e-9)))

# Every session reported with the intended verdict?
want = {}
for line in open(f + ".expect"):
    i, fam = line.split()
    want[int(i)] = fam
got, summary, odd = {}, None, 0
for line in open(res[cmds[3][0]][3]):
    o = json.loads(line)
    if "capture_summary" in o:
        summary = o["capture_summary"]
    else:
        got[o["session"]] = o["verdict"]["family"]
        # The generated dialogues are whole and in order: an anomaly
        # (a reply without its command, an unanswered body) means the
        # generator or the dialogue replay is wrong.
        odd += 1 if o.get("anomalies") else 0
bad = sum(1 for i, fam in want.items() if got.get(i) != fam)
print("\nsessions generated %d, reported %d, verdict as intended %d, wrong %d"
      % (len(want), len(got), len(want) - bad, bad))
print("sessions with a dialogue anomaly: %d (want 0)" % odd)
if summary:
    print("summary: %d TCP sessions, %d SMTP, verdicts %s, evictions %s, "
          "reassembly %s" % (summary["sessions"], summary["smtp_sessions"],
          {k: v for k, v in summary["verdicts"].items() if v},
          {k: v for k, v in summary["evictions"].items() if v},
          summary["reassembly"]))

same = open(res[cmds[3][0]][3], "rb").read() == \
    open(res[cmds[4][0]][3], "rb").read()
print("threaded and inline outputs identical: %s" % ("yes" if same else "NO"))
print("load average after: %.2f %.2f %.2f" % os.getloadavg())
out2 = os.path.join(work, "double.out")
w2, c2, r2, rc2, _ = measure([det, "-r", f2, "--json"], out2)
print("\ndoubled file %.1f MB: mailguard-detect wall %.2f s, cpu %.2f s, "
      "peak RSS %.1f MiB (was %.1f MiB)" % (os.path.getsize(f2) / 1e6, w2, c2,
                                            r2, res[cmds[3][0]][2]))
PY
