#!/bin/sh
# capture_two_stream.sh - two captures with more SMTP sessions than the
# old 4,096-per-file cap: every session paired, the ASA's rewrites
# reported, pairs in outside order, and peak memory flat when the files
# double (6,000 vs 12,000 sessions).
#
# The inside capture is what the server side saw: a clean generated
# capture (tests/bench/gen_capture -C).  The outside one is what the
# client saw: the same replayed through the ASA profile with randomised
# sequence numbers (mailguard-emulate --replay, docs/capture-analyzer.md).
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$PWD}
det=${MG_DETECT:-$bld/mailguard-detect}
emu=${MG_EMULATE:-$bld/mailguard-emulate}
gen=$bld/tests/bench/gen_capture
fail() { echo "FAIL: $*"; exit 1; }
for p in "$det" "$emu" "$gen"; do
	[ -x "$p" ] || fail "no $p (make check builds it)"
done
[ -x /usr/bin/time ] || fail "no /usr/bin/time (GNU time, package time)"
command -v python3 >/dev/null || fail "no python3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# In the sanitizer build ASan keeps 256 MB of freed memory in quarantine,
# which grows RSS with the amount allocated; a small one keeps the peak
# about the live memory (no effect on a normal build).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
ASAN_OPTIONS="$ASAN_OPTIONS:thread_local_quarantine_size_kb=64"
export ASAN_OPTIONS

for n in 6000 12000; do
	"$gen" -C -n "$n" -b 600 -s 7 "$tmp/in$n.pcap" ||
	    fail "gen_capture -n $n"
	"$emu" --profile asa --replay "$tmp/in$n.pcap" -w "$tmp/out$n.pcap" \
	    --randomize-isn --seed 3 2>"$tmp/emu$n.err" ||
	    fail "replay: $(cat "$tmp/emu$n.err")"
	/usr/bin/time -f %M -o "$tmp/rss$n" "$det" --no-progress --json \
	    -r "$tmp/out$n.pcap" -r "$tmp/in$n.pcap" >"$tmp/diff$n.json" \
	    2>"$tmp/diff$n.err"
	rc=$?
	[ "$rc" = 1 ] || fail "$n sessions: exit $rc, want 1 (bytes differ): \
$(cat "$tmp/diff$n.err")"
	[ -s "$tmp/diff$n.err" ] && fail "$n sessions: stderr: \
$(cat "$tmp/diff$n.err")"
	python3 - "$n" "$tmp/diff$n.json" <<'EOF' || fail "$n sessions: JSON"
import json, sys
n = int(sys.argv[1])
lines = open(sys.argv[2]).read().splitlines()
assert len(lines) == 1, "one JSON line, got %d" % len(lines)
d = json.loads(lines[0])["capture_diff"]
m = d["matched"]
assert d["outside_sessions"] == n and d["inside_sessions"] == n, \
    (d["outside_sessions"], d["inside_sessions"])
assert len(m) == n, "%d pairs" % len(m)
assert not d["unmatched_outside"] and not d["unmatched_inside"]
assert d["differs"] is True
prev = 0
for p in m:
    o = int(p["outside"].split()[1])
    # the replay keeps packet order, so session N pairs with session N
    assert p["inside"] == p["outside"], (p["outside"], p["inside"])
    assert o > prev, "pairs not in outside order at %s" % p["outside"]
    prev = o
    assert set(p["isn_offset"]) == {"C>S", "S>C"}, p["isn_offset"]
    what = [(r["dir"], r["what"], r["original"]) for r in p["ranges"]]
    assert ("S>C", "greeting masked", "") in what, (p["outside"], what)
    assert ("S>C", "EHLO keyword masked", "STARTTLS") in what, \
        (p["outside"], what)
print("%d sessions: %d pairs, greeting and STARTTLS masked in each" %
      (n, len(m)))
EOF
done

# Text mode streams the same pairs.
"$det" --no-progress -r "$tmp/out6000.pcap" -r "$tmp/in6000.pcap" \
    >"$tmp/diff.txt" 2>&1
[ "$(grep -c '  <->  inside session' "$tmp/diff.txt")" = 6000 ] ||
    fail "text: not 6000 pairs"
want="Summary: 6000 matched, 6000 with differences, 0 unmatched outside,"
want="$want 0 unmatched inside; SMTP sessions: 6000 outside, 6000 inside"
grep -qx "$want" "$tmp/diff.txt" ||
    fail "text summary: $(grep Summary "$tmp/diff.txt")"

# Memory follows the window, not the file: twice the sessions, not
# twice the peak RSS (the old matcher kept every session).
r6=$(tail -n 1 "$tmp/rss6000") r12=$(tail -n 1 "$tmp/rss12000")
echo "peak RSS: $r6 KB for 6000 sessions, $r12 KB for 12000"
[ "$r12" -lt $((r6 * 3 / 2)) ] ||
    fail "peak RSS grew with the file: $r6 KB -> $r12 KB"
echo "PASS: capture_two_stream"
