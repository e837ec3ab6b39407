#!/bin/sh
# capture_clock.sh - two captures whose hosts' clocks disagree.  The
# inside file of a real lab pair (captures/lab-asa-smtpsink-*) and of a
# dense generated pair (3,000 sessions in 8 s, through the ASA replay) is
# re-stamped at test time (editcap -t, or the same shift in Python when
# editcap is missing), and mailguard-detect -r OUT -r IN must estimate the
# offset, say so, and pair every session as with the clocks in step;
# --clock-offset 0 shows the problem it solves (nothing, or 64 of 3,000,
# paired), --clock-offset N gives the same result by hand, and two files
# with no client command in common fall back to 0 and say why.
. "${top_srcdir:-.}/tests/lib.sh"

gen=${top_builddir:-$PWD}/tests/bench/gen_capture
caps=$top_srcdir/captures
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"
[ -x "$MG_EMULATE" ] || mg_fail "no $MG_EMULATE"
[ -x "$gen" ] || mg_fail "no $gen (make check builds it)"
mg_tmpdir

# shift IN OUT SECONDS: OUT is IN with every timestamp SECONDS later.
shift_cap() {
	if command -v editcap >/dev/null 2>&1; then
		editcap -t "$3" "$1" "$2" || mg_fail "editcap -t $3 $1"
		return
	fi
	"$MG_PYTHON" - "$1" "$2" "$3" <<'EOF' || mg_fail "shift $3 $1"
import struct, sys
src, dst, sec = sys.argv[1], sys.argv[2], sys.argv[3]
d = open(src, "rb").read()
magic = d[:4]
end = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
       b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}[magic]
unit = 10**9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") \
    else 10**6
neg = sec.startswith("-")
w, _, f = sec.lstrip("+-").partition(".")
off = int(w) * unit + int((f + "000000000")[:9]) * unit // 10**9
off = -off if neg else off
out, i = [d[:24]], 24
while i + 16 <= len(d):
    s, u, incl, orig = struct.unpack(end + "IIII", d[i:i + 16])
    t = s * unit + u + off
    out.append(struct.pack(end + "IIII", t // unit, t % unit, incl, orig))
    out.append(d[i + 16:i + 16 + incl])
    i += 16 + incl
open(dst, "wb").write(b"".join(out))
EOF
}

# check JSON WANT_SOURCE OFFSET_US TOLERANCE_US PAIRS: the clock_offset
# object and the pairs (each outside session with its own twin).
check() {
	"$MG_PYTHON" - "$@" <<'EOF'
import json, sys
f, src, off, tol, pairs = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5])
lines = open(f).read().splitlines()
assert len(lines) == 1, "one JSON line, got %d" % len(lines)
d = json.loads(lines[0])["capture_diff"]
c = d["clock_offset"]
print("clock_offset %s %d us (%d votes, spread %d us) %s; %d pairs" % (
    c["source"], c["offset_us"], c["votes"], c["spread_us"], c["why"],
    len(d["matched"])))
assert c["source"] == src, c
assert abs(c["offset_us"] - off) <= tol, (c["offset_us"], off)
assert (c["why"] != "") == (src == "none"), c
assert len(d["matched"]) == pairs, len(d["matched"])
for p in d["matched"]:
    assert p["outside"] == p["inside"], (p["outside"], p["inside"])
EOF
}

# ---- a lab pair: real swaks and smtplib sessions through the ASA profile
out=$caps/lab-asa-smtpsink-outside.pcap
in=$caps/lab-asa-smtpsink-inside.pcap
[ -r "$out" ] && [ -r "$in" ] || mg_fail "no lab captures in $caps"
"$MG_DETECT" --json -r "$out" -r "$in" >"$MG_TMP/lab.json" 2>"$MG_TMP/err"
[ $? = 1 ] || mg_fail "lab pair: exit status, want 1: $(cat "$MG_TMP/err")"
check "$MG_TMP/lab.json" estimated 0 20000 2 || mg_fail "lab pair"
# 1200 s: past the 120 s window, nothing pairs without the offset; 37.5 s:
# within it, and a sparse pair (2 sessions) still pairs, 18 points lower.
for sec in 1200 -37.5; do
	[ "$sec" = 1200 ] && far=0 || far=2
	shift_cap "$in" "$MG_TMP/in$sec.pcap" "$sec"
	us=$("$MG_PYTHON" -c "print(round($sec * 1000000))")
	"$MG_DETECT" --json -r "$out" -r "$MG_TMP/in$sec.pcap" \
	    >"$MG_TMP/lab$sec.json" 2>"$MG_TMP/err"
	[ $? = 1 ] || mg_fail "lab pair $sec s: exit status, want 1"
	[ -s "$MG_TMP/err" ] && mg_fail "lab $sec s: $(cat "$MG_TMP/err")"
	check "$MG_TMP/lab$sec.json" estimated "$us" 20000 2 ||
	    mg_fail "lab pair shifted $sec s"
	# the same byte ranges as with the clocks in step
	"$MG_PYTHON" - "$MG_TMP/lab.json" "$MG_TMP/lab$sec.json" <<'EOF' ||
import json, sys
a, b = [[(p["outside"], p["ranges"], p["one_side_segments"])
         for p in json.loads(open(f).read())["capture_diff"]["matched"]]
        for f in sys.argv[1:3]]
assert a == b, "pairs differ"
EOF
	    mg_fail "lab pair $sec s: other differences than unshifted"
	# by hand: the same; 0: the estimate off
	"$MG_DETECT" --json --clock-offset "$sec" -r "$out" \
	    -r "$MG_TMP/in$sec.pcap" >"$MG_TMP/given.json" 2>&1
	check "$MG_TMP/given.json" given "$us" 0 2 ||
	    mg_fail "lab pair --clock-offset $sec"
	"$MG_DETECT" --json --clock-offset 0 -r "$out" \
	    -r "$MG_TMP/in$sec.pcap" >"$MG_TMP/zero.json" 2>&1
	check "$MG_TMP/zero.json" given 0 0 "$far" ||
	    mg_fail "lab pair $sec s, --clock-offset 0: want $far pairs"
done
"$MG_DETECT" -r "$out" -r "$MG_TMP/in1200.pcap" >"$MG_TMP/lab.txt" 2>&1
mg_assert_has "$MG_TMP/lab.txt" \
    'Clock offset: inside - outside +1200.000' "text: the offset"
mg_assert_has "$MG_TMP/lab.txt" 'estimated from 2 sessions' "text: votes"
mg_assert_has "$MG_TMP/lab.txt" 'Summary: 2 matched' "text: pairs"

# ---- no client command in common: falls back to 0 and says why
"$MG_DETECT" -r "$caps/gen-clean.pcap" -r "$in" >"$MG_TMP/none.txt" 2>&1
mg_assert_has "$MG_TMP/none.txt" 'Clock offset: not estimated (no session with the same client commands' \
    "no common content: the fallback and why"

# ---- options
"$MG_DETECT" --clock-offset 1h -r "$out" -r "$in" >"$MG_TMP/bad" 2>&1
[ $? = 2 ] || mg_fail "--clock-offset 1h: want exit 2"
mg_assert_has "$MG_TMP/bad" "clock offset '1h'" "bad value named"
"$MG_DETECT" --clock-offset 5 -r "$out" >"$MG_TMP/bad" 2>&1
[ $? = 2 ] || mg_fail "--clock-offset with one capture: want exit 2"
mg_assert_has "$MG_TMP/bad" 'needs two -r captures' "one capture"

# ---- dense: 3,000 sessions in 8 s (370 a second), inside 20 min behind
"$gen" -C -n 3000 -b 600 -s 7 "$MG_TMP/gin.pcap" >/dev/null ||
    mg_fail "gen_capture"
"$MG_EMULATE" --profile asa --replay "$MG_TMP/gin.pcap" \
    -w "$MG_TMP/gout.pcap" --randomize-isn --seed 3 2>"$MG_TMP/err" ||
    mg_fail "replay: $(cat "$MG_TMP/err")"
shift_cap "$MG_TMP/gin.pcap" "$MG_TMP/gin-s.pcap" -1200.25
"$MG_DETECT" --no-progress --json -r "$MG_TMP/gout.pcap" \
    -r "$MG_TMP/gin-s.pcap" >"$MG_TMP/dense.json" 2>"$MG_TMP/err"
[ -s "$MG_TMP/err" ] && mg_fail "dense: $(cat "$MG_TMP/err")"
check "$MG_TMP/dense.json" estimated -1200250000 0 3000 ||
    mg_fail "dense pair shifted -1200.25 s"
"$MG_DETECT" --no-progress --json --clock-offset -1200.25 \
    -r "$MG_TMP/gout.pcap" -r "$MG_TMP/gin-s.pcap" >"$MG_TMP/dense.json"
check "$MG_TMP/dense.json" given -1200250000 0 3000 ||
    mg_fail "dense pair --clock-offset -1200.25"
# 37 s: within the 120 s window, but past the 64 nearest sessions
shift_cap "$MG_TMP/gin.pcap" "$MG_TMP/gin-s.pcap" 37
"$MG_DETECT" --no-progress --json -r "$MG_TMP/gout.pcap" \
    -r "$MG_TMP/gin-s.pcap" >"$MG_TMP/dense.json"
check "$MG_TMP/dense.json" estimated 37000000 0 3000 ||
    mg_fail "dense pair shifted 37 s"
"$MG_DETECT" --no-progress --json --clock-offset 0 -r "$MG_TMP/gout.pcap" \
    -r "$MG_TMP/gin-s.pcap" >"$MG_TMP/dense0.json"
n=$("$MG_PYTHON" -c 'import json,sys
print(len(json.load(open(sys.argv[1]))["capture_diff"]["matched"]))' \
    "$MG_TMP/dense0.json")
mg_log "dense pair 37 s apart, estimate off: $n of 3000 paired"
[ "$n" -lt 300 ] || mg_fail "estimate off and still $n pairs: test too easy"
mg_pass "clock offsets estimated and given, lab and dense pairs"
